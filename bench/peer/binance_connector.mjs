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
// The loop and the arguments are harness.mjs's, shared with ccxt.mjs.
import { peerArgs, peerRun } from './harness.mjs';

const args = peerArgs('binance_connector.mjs');
const { DerivativesTradingUsdsFutures } = args.require('@binance/derivatives-trading-usds-futures');

const client = new DerivativesTradingUsdsFutures({
  configurationRestAPI: { apiKey: args.apiKey, apiSecret: args.apiSecret,
                          basePath: args.restUrl, timeout: 5000, retries: 0 },
});
const api = client.restAPI;

let side = 0;
async function order() {
  const r = await api.newOrder({
    symbol: 'BTCUSDT', side: (side++ & 1) ? 'SELL' : 'BUY', type: 'MARKET',
    quantity: 0.01, newOrderRespType: 'RESULT' });
  const d = await r.data();
  if (!d || d.status !== 'FILLED')
    throw new Error(`order not FILLED: ${JSON.stringify(d)}`);
}

await peerRun('binance_connector', args, null, order);
