// binance_connector.mjs - the peer of `talon bench --suite peer`: Binance's
// official USD-M connector (@binance/derivatives-trading-usds-futures)
// placing MARKET orders against `talon venue`, one at a time, timed from
// the call to newOrder until the parsed response is in hand
// (process.hrtime.bigint(), ns).
//
// Usage: node binance_connector.mjs REST_URL KEY SECRET MODULE_DIR SECONDS WARMUP
//   MODULE_DIR  the npm prefix holding node_modules (build/npm)
//   SECONDS     how long to measure (after WARMUP unreported orders)
// stdout: one latency in ns per line, one line per measured order.
// Exits 1 (message on stderr) when an order is not FILLED or a call fails:
// the C side then fails the case rather than report a partial sample.
import { createRequire } from 'node:module';
import path from 'node:path';

const [restUrl, apiKey, apiSecret, modDir, secsArg, warmArg] = process.argv.slice(2);
if (!restUrl || !apiKey || !apiSecret || !modDir || !secsArg) {
  console.error('usage: node binance_connector.mjs REST_URL KEY SECRET MODULE_DIR SECONDS [WARMUP]');
  process.exit(2);
}
const secs = Number(secsArg);
const warmup = Number(warmArg || 50);
const require = createRequire(path.join(path.resolve(modDir), 'package.json'));
const { DerivativesTradingUsdsFutures } = require('@binance/derivatives-trading-usds-futures');

const client = new DerivativesTradingUsdsFutures({
  configurationRestAPI: { apiKey, apiSecret, basePath: restUrl, timeout: 5000, retries: 0 },
});
const api = client.restAPI;

let side = 0;
async function order() {
  const t0 = process.hrtime.bigint();
  const r = await api.newOrder({
    symbol: 'BTCUSDT', side: (side++ & 1) ? 'SELL' : 'BUY', type: 'MARKET',
    quantity: 0.01, newOrderRespType: 'RESULT' });
  const d = await r.data();
  const t1 = process.hrtime.bigint();
  if (!d || d.status !== 'FILLED')
    throw new Error(`order not FILLED: ${JSON.stringify(d)}`);
  return t1 - t0;
}

try {
  for (let i = 0; i < warmup; i++)
    await order();
  const out = [];
  const end = process.hrtime.bigint() + BigInt(Math.round(secs * 1e9));
  while (process.hrtime.bigint() < end)
    out.push((await order()).toString());
  process.stdout.write(out.join('\n') + '\n');
} catch (e) {
  console.error(`binance_connector: ${e && e.message ? e.message : e}`);
  process.exit(1);
}
