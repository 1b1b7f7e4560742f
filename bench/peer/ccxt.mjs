// ccxt.mjs - the second peer of `talon bench --suite peer`: ccxt's
// binanceusdm exchange (npm `ccxt`) placing MARKET orders against
// `talon venue`, one at a time, timed from the call to createOrder until
// ccxt's parsed (unified) order is in hand (process.hrtime.bigint(), ns).
//
// Usage: node ccxt.mjs REST_URL KEY SECRET MODULE_DIR SECONDS WARMUP
//   (the same arguments as binance_connector.mjs)
// stdout: one latency in ns per line, one line per measured order.
// Exits 1 (message on stderr) when an order is not FILLED or a call fails.
//
// What is set, and why:
//   urls.api.fapi*        every USD-M REST base points at REST_URL (ccxt
//                         has no single base-URL option);
//   enableRateLimit false ccxt's client-side throttle (50 ms per weight
//                         unit) would sleep inside createOrder; the
//                         connector has none and the simulator's limits
//                         are raised by the rig;
//   fetchCurrencies false loadMarkets would otherwise call the spot
//                         wallet API (/sapi/v1/capital/config/getall),
//                         which is not part of USD-M and not simulated.
// loadMarkets (GET /fapi/v1/exchangeInfo) runs once before the warm-up;
// each measured createOrder is then one POST /fapi/v1/order.
import { peerArgs, peerRun } from './harness.mjs';

const args = peerArgs('ccxt.mjs');
const ccxt = args.require('ccxt');

const ex = new ccxt.binanceusdm({
  apiKey: args.apiKey, secret: args.apiSecret, enableRateLimit: false, timeout: 5000,
  options: { fetchCurrencies: false, adjustForTimeDifference: false },
});
const base = args.restUrl.replace(/\/+$/, '');
for (const k of Object.keys(ex.urls.api))
  if (k.startsWith('fapi'))
    ex.urls.api[k] = ex.urls.api[k].replace(/^https?:\/\/[^/]+/, base);

let side = 0;
async function order() {
  const o = await ex.createOrder('BTC/USDT:USDT', 'market', (side++ & 1) ? 'sell' : 'buy',
                                 0.01, undefined, { newOrderRespType: 'RESULT' });
  if (!o || !o.info || o.info.status !== 'FILLED')
    throw new Error(`order not FILLED: ${JSON.stringify(o && o.info)}`);
}

await peerRun('ccxt', args, () => ex.loadMarkets(), order);
