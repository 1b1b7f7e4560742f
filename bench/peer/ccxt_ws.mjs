// ccxt_ws.mjs - ccxt's WebSocket API order entry (ccxt.pro binanceusdm,
// createOrderWs) as a peer of `talon bench --suite peer`: MARKET orders
// as order.place requests over one WebSocket API connection to
// `talon venue` (ws-fapi), one at a time, timed from the call to
// createOrderWs until ccxt's parsed (unified) order is in hand
// (process.hrtime.bigint(), ns).
//
// Usage: node ccxt_ws.mjs REST_URL KEY SECRET MODULE_DIR SECONDS WARMUP WS_API_URL
// What is set, and why: as ccxt.mjs (REST bases for loadMarkets, no
// client-side throttle, no spot currency call), plus
//   urls.api.ws['ws-api'].future  the simulator's WebSocket API.
// The connection opens with the first createOrderWs of the warm-up.
import { peerArgs, peerRun } from './harness.mjs';

const args = peerArgs('ccxt_ws.mjs', true);
const ccxt = args.require('ccxt');

const ex = new ccxt.pro.binanceusdm({
  apiKey: args.apiKey, secret: args.apiSecret, enableRateLimit: false, timeout: 5000,
  options: { fetchCurrencies: false, adjustForTimeDifference: false },
});
const base = args.restUrl.replace(/\/+$/, '');
for (const k of Object.keys(ex.urls.api))
  if (k.startsWith('fapi'))
    ex.urls.api[k] = ex.urls.api[k].replace(/^https?:\/\/[^/]+/, base);
ex.urls.api.ws['ws-api'].future = args.wsUrl;

let side = 0;
async function order() {
  const o = await ex.createOrderWs('BTC/USDT:USDT', 'market', (side++ & 1) ? 'sell' : 'buy',
                                   0.01, undefined, { newOrderRespType: 'RESULT' });
  if (!o || !o.info || o.info.status !== 'FILLED')
    throw new Error(`order not FILLED: ${JSON.stringify(o && o.info)}`);
}

// ccxt refuses a plain ws:// URL until its HTTP agent is loaded
await peerRun('ccxt_ws', args,
              async () => { await ex.loadHttpProxyAgent(); await ex.loadMarkets(); }, order);
await ex.close().catch(() => {});
process.exit(0);
