// official_client.mjs - drive `talon venue` with Binance's official
// connector (@binance/derivatives-trading-usds-futures) and check what it
// gets back: REST calls, then (when WS_URL is given) the connector's own
// WebSocket streams client on the user data stream of a MARKET fill.
// Usage: node official_client.mjs REST_URL KEY SECRET MODULE_DIR [WS_URL]
// Exits 0 when every check passed; prints one line per check.
import { createRequire } from 'node:module';
import path from 'node:path';

const [restUrl, apiKey, apiSecret, modDir, wsUrl] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modDir), 'package.json'));
const { DerivativesTradingUsdsFutures } = require('@binance/derivatives-trading-usds-futures');

const client = new DerivativesTradingUsdsFutures({
  configurationRestAPI: { apiKey, apiSecret, basePath: restUrl, timeout: 5000, retries: 0 },
  // the streams client appends /market, /public and /private and then
  // /stream?streams=...; the venue accepts all three routes
  ...(wsUrl && { configurationWebsocketStreams: { wsURL: wsUrl, reconnectDelay: 500 } }),
});
const api = client.restAPI;
let failed = 0, passed = 0;

function check(name, ok, detail) {
  if (ok) { passed++; console.log(`ok   ${name}`); }
  else { failed++; console.log(`FAIL ${name}: ${JSON.stringify(detail)}`); }
}

async function call(name, fn) {
  try {
    const r = await fn();
    return await r.data();
  } catch (e) {
    return { error: String(e && e.message ? e.message : e), code: e && e.code };
  }
}

const info = await call('exchangeInformation', () => api.exchangeInformation());
check('exchangeInformation lists BTCUSDT', Array.isArray(info.symbols) && info.symbols.some(s => s.symbol === 'BTCUSDT'), info);
check('exchangeInformation has 3 rate limits', info.rateLimits && info.rateLimits.length === 3, info.rateLimits);

const bal = await call('futuresAccountBalanceV3', () => api.futuresAccountBalanceV3());
check('balance v3 has USDT', Array.isArray(bal) && bal[0] && bal[0].asset === 'USDT', bal);

const acct = await call('accountInformationV3', () => api.accountInformationV3());
check('account v3 totalWalletBalance', acct && typeof acct.totalWalletBalance === 'string', acct);

const lev = await call('changeInitialLeverage', () => api.changeInitialLeverage({ symbol: 'BTCUSDT', leverage: 10 }));
check('leverage 10', lev && lev.leverage === 10, lev);

const mt = await call('changeMarginType', () => api.changeMarginType({ symbol: 'ETHUSDT', marginType: 'ISOLATED' }));
check('margin type ISOLATED', mt && mt.code === 200, mt);

const lim = await call('newOrder LIMIT', () => api.newOrder({
  symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC',
  quantity: 0.01, price: 50000, newClientOrderId: 'conf-lim-1' }));
check('LIMIT order NEW', lim && lim.status === 'NEW' && lim.clientOrderId === 'conf-lim-1', lim);

const q = await call('queryOrder', () => api.queryOrder({ symbol: 'BTCUSDT', origClientOrderId: 'conf-lim-1' }));
check('queryOrder finds it', q && q.orderId === lim.orderId, q);

const cxl = await call('cancelOrder', () => api.cancelOrder({ symbol: 'BTCUSDT', orderId: lim.orderId }));
check('cancelOrder CANCELED', cxl && cxl.status === 'CANCELED', cxl);

const mkt = await call('newOrder MARKET', () => api.newOrder({
  symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.01, newOrderRespType: 'RESULT' }));
check('MARKET order FILLED', mkt && mkt.status === 'FILLED', mkt);

const batch = await call('placeMultipleOrders', () => api.placeMultipleOrders({ batchOrders: [
  { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '50000' },
  { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '50000.05' } ] }));
check('batch: one order, one -4014', Array.isArray(batch) && batch.length === 2 && batch[0].status === 'NEW' && batch[1].code === -4014, batch);

const algo = await call('newAlgoOrder', () => api.newAlgoOrder({
  algoType: 'CONDITIONAL', symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_MARKET',
  triggerPrice: 40000, closePosition: 'true', workingType: 'MARK_PRICE' }));
check('algo STOP_MARKET NEW', algo && algo.algoStatus === 'NEW', algo);

const pos = await call('positionInformationV3', () => api.positionInformationV3({ symbol: 'BTCUSDT' }));
check('position v3 0.010 long', Array.isArray(pos) && pos[0] && pos[0].positionAmt === '0.010', pos);

const lk = await call('startUserDataStream', () => api.startUserDataStream());
check('listenKey', lk && typeof lk.listenKey === 'string' && lk.listenKey.length === 64, lk);

// --- user data stream through the connector's WebSocket streams client ---
if (wsUrl) {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const events = [];
  let conn;
  try {
    conn = await client.websocketStreams.connect();
  } catch (e) {
    check('websocketStreams.connect', false, String(e && e.message ? e.message : e));
  }
  if (conn) {
    const key = await call('startUserDataStream', () => api.startUserDataStream());
    const user = conn.userData(key.listenKey);       // JSON SUBSCRIBE on /private
    user.on('message', (d) => events.push(d));
    await sleep(300);                                 // let SUBSCRIBE land
    const fill = await call('newOrder MARKET (stream)', () => api.newOrder({
      symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: 0.004,
      newClientOrderId: 'conf-ws-1', newOrderRespType: 'RESULT' }));
    check('stream: MARKET order FILLED over REST', fill && fill.status === 'FILLED', fill);
    const mine = (e) => e.o && String(e.o.i) === String(fill.orderId);
    const otuFilled = () => events.find((e) => e.e === 'ORDER_TRADE_UPDATE' && mine(e) && e.o.X === 'FILLED');
    const acctUpd = () => events.find((e) => e.e === 'ACCOUNT_UPDATE' && e.a && e.a.m === 'ORDER');
    for (let i = 0; i < 50 && !(otuFilled() && acctUpd()); i++)
      await sleep(100);
    const trades = await call('accountTradeList', () => api.accountTradeList({ symbol: 'BTCUSDT', orderId: fill.orderId }));
    const tradeId = Array.isArray(trades) && trades[0] ? String(trades[0].id) : undefined;
    const otu = otuFilled(), au = acctUpd();
    const names = events.map((e) => e.e === 'ORDER_TRADE_UPDATE' ? `OTU:${e.o.x}` : e.e);
    check('stream: ORDER_TRADE_UPDATE NEW first', names[0] === 'OTU:NEW' && mine(events[0]) && events[0].o.c === 'conf-ws-1', names);
    check('stream: ORDER_TRADE_UPDATE x=TRADE X=FILLED', otu && otu.o.x === 'TRADE' && otu.o.c === 'conf-ws-1' &&
          otu.o.S === 'SELL' && otu.o.z === '0.004' && otu.o.l === '0.004', otu);
    check('stream: ORDER_TRADE_UPDATE carries the trade id', otu && tradeId && String(otu.o.t) === tradeId, { otu: otu && otu.o.t, tradeId });
    check('stream: ORDER_TRADE_UPDATE commission', otu && otu.o.N === 'USDT' && Number(otu.o.n) > 0, otu);
    check('stream: ACCOUNT_UPDATE m=ORDER with USDT and BTCUSDT', au && au.a.B.some((b) => b.a === 'USDT') &&
          au.a.P.some((p) => p.s === 'BTCUSDT' && p.pa === '0.006'), au);
    check('stream: per-fill order TRADE_LITE, OTU:TRADE, ACCOUNT_UPDATE',
          names.join(',') === 'OTU:NEW,TRADE_LITE,OTU:TRADE,ACCOUNT_UPDATE', names);
    user.unsubscribe();
    await conn.disconnect();
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
