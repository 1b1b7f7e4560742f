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

// --- market data from the venue's price path ---
const tp = await call('symbolPriceTicker', () => api.symbolPriceTicker({ symbol: 'BTCUSDT' }));
const tp1 = Array.isArray(tp) ? tp[0] : tp;
check('ticker/price v1', tp1 && tp1.symbol === 'BTCUSDT' && Number(tp1.price) > 0, tp);
const tp2 = await call('symbolPriceTickerV2', () => api.symbolPriceTickerV2());
check('ticker/price v2, every symbol', Array.isArray(tp2) && tp2.length === 2 && tp2.every((t) => Number(t.price) > 0), tp2);
const t24 = await call('ticker24hrPriceChangeStatistics', () => api.ticker24hrPriceChangeStatistics({ symbol: 'BTCUSDT' }));
const t241 = Array.isArray(t24) ? t24[0] : t24;
check('ticker/24hr counts the fills', t241 && t241.symbol === 'BTCUSDT' && Number(t241.count) >= 1 && Number(t241.volume) > 0, t24);
const ob = await call('orderBook', () => api.orderBook({ symbol: 'BTCUSDT', limit: 5 }));
check('depth 5 a side, best bid < best ask', ob && Array.isArray(ob.bids) && ob.bids.length === 5 && ob.asks.length === 5 &&
      Number(ob.bids[0][0]) < Number(ob.asks[0][0]), ob);
const kl = await call('klineCandlestickData', () => api.klineCandlestickData({ symbol: 'BTCUSDT', interval: '1m', limit: 5 }));
check('klines 1m rows of 12', Array.isArray(kl) && kl.length >= 1 && kl.length <= 5 && kl.every((k) => k.length === 12), kl);
const fr = await call('getFundingRateHistory', () => api.getFundingRateHistory({ symbol: 'BTCUSDT' }));
check('fundingRate is a list', Array.isArray(fr), fr);
const oi = await call('openInterest', () => api.openInterest({ symbol: 'BTCUSDT' }));
check('openInterest holds the 0.010 position', oi && oi.symbol === 'BTCUSDT' && oi.openInterest === '0.010', oi);
const ck = await call('continuousContractKlineCandlestickData', () => api.continuousContractKlineCandlestickData({ pair: 'BTCUSDT', contractType: 'PERPETUAL', interval: '1h', limit: 2 }));
check('continuousKlines rows of 12', Array.isArray(ck) && ck.length >= 1 && ck.every((k) => k.length === 12), ck);
const mk = await call('markPriceKlineCandlestickData', () => api.markPriceKlineCandlestickData({ symbol: 'BTCUSDT', interval: '1m', limit: 2 }));
check('markPriceKlines rows of 12', Array.isArray(mk) && mk.length >= 1 && mk.every((k) => k.length === 12 && Number(k[4]) > 0), mk);
const ik = await call('indexPriceKlineCandlestickData', () => api.indexPriceKlineCandlestickData({ pair: 'BTCUSDT', interval: '1m', limit: 2 }));
check('indexPriceKlines rows of 12', Array.isArray(ik) && ik.length >= 1 && ik.every((k) => k.length === 12), ik);
const fi = await call('getFundingRateInfo', () => api.getFundingRateInfo());
check('fundingInfo empty (no adjusted symbol)', Array.isArray(fi) && fi.length === 0, fi);
const rt = await call('recentTradesList', () => api.recentTradesList({ symbol: 'BTCUSDT' }));
check('trades: the MARKET fill on the tape', Array.isArray(rt) && rt.length >= 1 && rt.some((t) => t.qty === '0.010'), rt);
const ht = await call('oldTradesLookup', () => api.oldTradesLookup({ symbol: 'BTCUSDT', limit: 1 }));
check('historicalTrades (API key)', Array.isArray(ht) && ht.length === 1, ht);
const at = await call('compressedAggregateTradesList', () => api.compressedAggregateTradesList({ symbol: 'BTCUSDT' }));
check('aggTrades', Array.isArray(at) && at.length >= 1 && at.every((t) => t.a !== undefined && t.p && t.q), at);
const to = await call('testOrder', () => api.testOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: 0.01, price: 50000 }));
check('order/test {}', to && !to.error && Object.keys(to).length === 0, to);

// --- account: brackets, margin, history ---
const brk = await call('notionalAndLeverageBrackets', () => api.notionalAndLeverageBrackets({ symbol: 'BTCUSDT' }));
const brk1 = Array.isArray(brk) ? brk[0] : brk;
check('leverageBracket BTCUSDT', brk1 && brk1.symbol === 'BTCUSDT' && Array.isArray(brk1.brackets) &&
      Number(brk1.brackets[0].bracket) === 1 && Number(brk1.brackets[0].initialLeverage) === 125 &&
      Number(brk1.brackets[0].notionalFloor) === 0 && Number(brk1.brackets[0].maintMarginRatio) === 0.004 &&
      Number(brk1.brackets[1].cum) > 0, brk);
const brkAll = await call('notionalAndLeverageBrackets (all)', () => api.notionalAndLeverageBrackets());
check('leverageBracket every symbol', Array.isArray(brkAll) && brkAll.length === 2, brkAll);
const ma = await call('getCurrentMultiAssetsMode', () => api.getCurrentMultiAssetsMode());
check('multiAssetsMargin false', ma && ma.multiAssetsMargin === false, ma);
const ma2 = await call('changeMultiAssetsMode', () => api.changeMultiAssetsMode({ multiAssetsMargin: 'true' }));
check('multiAssetsMargin refused with an open order (-4170)', ma2 && ma2.code === -4170, ma2);
const eth = await call('newOrder MARKET ETHUSDT', () => api.newOrder({ symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: 0.1 }));
check('ETHUSDT position opened', eth && eth.symbol === 'ETHUSDT', eth);
const pm = await call('modifyIsolatedPositionMargin', () => api.modifyIsolatedPositionMargin({ symbol: 'ETHUSDT', amount: 10, type: 1 }));
check('positionMargin adds 10', pm && Number(pm.amount) === 10 && pm.code === 200 && Number(pm.type) === 1, pm);
const pm2 = await call('modifyIsolatedPositionMargin (cross)', () => api.modifyIsolatedPositionMargin({ symbol: 'BTCUSDT', amount: 10, type: 1 }));
check('positionMargin on a cross position is -4049', pm2 && pm2.code === -4049, pm2);
const inc = await call('getIncomeHistory', () => api.getIncomeHistory({ incomeType: 'COMMISSION' }));
check('income lists the commissions', Array.isArray(inc) && inc.length >= 2 && inc.every((i) => i.incomeType === 'COMMISSION' && Number(i.income) < 0), inc);
const adl = await call('positionAdlQuantileEstimation', () => api.positionAdlQuantileEstimation());
check('adlQuantile per held symbol', Array.isArray(adl) && adl.some((a) => a.symbol === 'BTCUSDT' && a.adlQuantile && 'BOTH' in a.adlQuantile), adl);
const fo = await call('usersForceOrders', () => api.usersForceOrders());
check('forceOrders empty', Array.isArray(fo) && fo.length === 0, fo);

// --- modify: the batch's resting order at 50000 ---
const rest0 = Array.isArray(batch) && batch[0];
const mod = await call('modifyOrder', () => api.modifyOrder({ symbol: 'BTCUSDT', orderId: rest0.orderId, side: 'BUY', quantity: 0.02, price: 50100 }));
check('modifyOrder price and quantity', mod && mod.status === 'NEW' && mod.price === '50100.00' && mod.origQty === '0.020', mod);
const mod2 = await call('modifyOrder (same)', () => api.modifyOrder({ symbol: 'BTCUSDT', orderId: rest0.orderId, side: 'BUY', quantity: 0.02, price: 50100 }));
check('modifyOrder unchanged is -5027', mod2 && mod2.code === -5027, mod2);
const mm = await call('modifyMultipleOrders', () => api.modifyMultipleOrders({ batchOrders: [
  { symbol: 'BTCUSDT', orderId: rest0.orderId, side: 'BUY', quantity: 0.02, price: 50200 },
  { symbol: 'BTCUSDT', orderId: 1, side: 'BUY', quantity: 0.02, price: 50200 } ] }));
check('modifyMultipleOrders: one amended, one -2013', Array.isArray(mm) && mm.length === 2 && mm[0].price === '50200.00' && mm[1].code === -2013, mm);

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
