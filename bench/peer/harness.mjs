// harness.mjs - what every peer of `talon bench --suite peer` shares: the
// command line, loading the peer's package from build/npm, and the timed
// loop (WARMUP unreported orders, then orders one at a time for SECONDS,
// each timed with process.hrtime.bigint(), ns, one line each on stdout).
// A peer script supplies only how to build its client and place one
// MARKET order; the C side (bench/peer.c) treats a non-zero exit as a
// failed case rather than report a partial sample.
import { createRequire } from 'node:module';
import path from 'node:path';

// The arguments of every peer script:
//   REST_URL KEY SECRET MODULE_DIR SECONDS [WARMUP [WS_API_URL]]
// MODULE_DIR is the npm prefix holding node_modules (build/npm);
// WS_API_URL (ws://HOST:PORT/ws-fapi/v1) is for the WebSocket API peers,
// which refuse to run without it.
export function peerArgs(script, needWs = false) {
  const [restUrl, apiKey, apiSecret, modDir, secsArg, warmArg, wsUrl] = process.argv.slice(2);
  if (!restUrl || !apiKey || !apiSecret || !modDir || !secsArg || (needWs && !wsUrl)) {
    console.error(`usage: node ${script} REST_URL KEY SECRET MODULE_DIR SECONDS WARMUP` +
                  (needWs ? ' WS_API_URL' : ''));
    process.exit(2);
  }
  const require = createRequire(path.join(path.resolve(modDir), 'package.json'));
  return { restUrl, wsUrl, apiKey, apiSecret, require,
           secs: Number(secsArg), warmup: Number(warmArg || 50) };
}

// Run `prepare` once, then time `order` (an async function placing one
// order and throwing unless it FILLED).
export async function peerRun(name, args, prepare, order) {
  const timed = async () => {
    const t0 = process.hrtime.bigint();
    await order();
    return process.hrtime.bigint() - t0;
  };
  try {
    if (prepare)
      await prepare();
    for (let i = 0; i < args.warmup; i++)
      await timed();
    const out = [];
    const end = process.hrtime.bigint() + BigInt(Math.round(args.secs * 1e9));
    while (process.hrtime.bigint() < end)
      out.push((await timed()).toString());
    process.stdout.write(out.join('\n') + '\n');
  } catch (e) {
    const why = e && (e.msg || e.message) ? (e.msg || e.message) : JSON.stringify(e);
    console.error(`${name}: ${why}${e && e.code !== undefined ? ` (code ${e.code})` : ''}`);
    process.exit(1);
  }
}
