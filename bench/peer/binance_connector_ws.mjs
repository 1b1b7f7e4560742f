// binance_connector_ws.mjs - the official connector's WebSocket API
// client (@binance/derivatives-trading-usds-futures, websocketAPI) as a
// peer of `talon bench --suite peer`: MARKET orders over one WebSocket API
// connection to `talon venue` (ws-fapi), one at a time, timed from the
// call to newOrder until the parsed response is in hand
// (process.hrtime.bigint(), ns).
//
// Usage: node binance_connector_ws.mjs REST_URL KEY SECRET MODULE_DIR SECONDS WARMUP WS_API_URL
//   WS_API_URL  ws://127.0.0.1:PORT/ws-fapi/v1 (the simulator's WS port)
// The rest as binance_connector.mjs (harness.mjs). The connection and its
// handshake happen once, before the warm-up; each measured order is one
// order.place request signed per request (HMAC), as the connector does
// with an HMAC key.
import { peerArgs, peerRun } from './harness.mjs';

const args = peerArgs('binance_connector_ws.mjs', true);
const { DerivativesTradingUsdsFutures } = args.require('@binance/derivatives-trading-usds-futures');
// the connector logs its connection to stdout, which carries the samples
const { Logger, LogLevel } = args.require('@binance/common');
Logger.getInstance().setMinLogLevel(LogLevel.ERROR);

const client = new DerivativesTradingUsdsFutures({
  configurationWebsocketAPI: { apiKey: args.apiKey, apiSecret: args.apiSecret,
                               wsURL: args.wsUrl, timeout: 5000 },
});
let conn = null;
let side = 0;
async function order() {
  const r = await conn.newOrder({
    symbol: 'BTCUSDT', side: (side++ & 1) ? 'SELL' : 'BUY', type: 'MARKET',
    quantity: 0.01, newOrderRespType: 'RESULT' });
  if (!r || !r.data || r.data.status !== 'FILLED')
    throw new Error(`order not FILLED: ${JSON.stringify(r && r.data)}`);
}

await peerRun('binance_connector_ws', args,
              async () => { conn = await client.websocketAPI.connect(); }, order);
if (conn)
  await conn.disconnect().catch(() => {});
process.exit(0);
