// official_ws_api.mjs - drive the WebSocket API (/ws-fapi/v1) of `talon
// venue` with Binance's official connector
// (@binance/derivatives-trading-usds-futures, its websocketAPI client):
// orders placed, queried, modified and cancelled, positions, balance,
// account, listenKey, signed per request with an HMAC key, then with an
// Ed25519 key (privateKey), then on a session.logon session.
// Usage:
//   node official_ws_api.mjs genkey DIR      writes DIR/priv.pem, DIR/pub.pem
//   node official_ws_api.mjs run WS_URL KEY SECRET ED_KEY PRIV_PEM MODULE_DIR MODIFY
// MODIFY is 1 when the venue serves PUT /fapi/v1/order (order.modify).
// Exits 0 when every check passed; prints one line per check.
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

if (process.argv[2] === 'genkey') {
  const dir = process.argv[3];
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  fs.writeFileSync(path.join(dir, 'priv.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  fs.writeFileSync(path.join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  process.exit(0);
}

const [, wsURL, apiKey, apiSecret, edKey, privPem, modDir, modify] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modDir), 'package.json'));
const { DerivativesTradingUsdsFutures } = require('@binance/derivatives-trading-usds-futures');
let failed = 0, passed = 0;

function check(name, ok, detail) {
  if (ok) { passed++; console.log(`ok   ${name}`); }
  else { failed++; console.log(`FAIL ${name}: ${JSON.stringify(detail)}`); }
}

// The answer's data (or {error, code} when the venue answered an error).
async function call(fn) {
  try {
    const r = await fn();
    return Array.isArray(r) ? r.map((x) => x.data) : { ...r.data, _rl: r.rateLimits, _arr: r.data };
  } catch (e) {
    return { error: String(e && (e.msg || e.message) ? (e.msg || e.message) : e), code: e && e.code };
  }
}

async function connect(cfg) {
  const client = new DerivativesTradingUsdsFutures({
    configurationWebsocketAPI: { wsURL, timeout: 5000, ...cfg },
  });
  return client.websocketAPI.connect();
}

// --- HMAC key, signed per request ---
const conn = await connect({ apiKey, apiSecret });
const lim = await call(() => conn.newOrder({
  symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC',
  quantity: 0.01, price: 50000, newClientOrderId: 'wsapi-lim-1' }));
check('order.place LIMIT NEW', lim.status === 'NEW' && lim.clientOrderId === 'wsapi-lim-1', lim);
check('order.place rateLimits: REQUEST_WEIGHT and ORDERS 10s/1m',
      Array.isArray(lim._rl) && lim._rl.some((l) => l.rateLimitType === 'REQUEST_WEIGHT') &&
      lim._rl.some((l) => l.rateLimitType === 'ORDERS' && l.interval === 'SECOND' && l.intervalNum === 10 && l.count >= 1) &&
      lim._rl.some((l) => l.rateLimitType === 'ORDERS' && l.interval === 'MINUTE'), lim._rl);

const q = await call(() => conn.queryOrder({ symbol: 'BTCUSDT', origClientOrderId: 'wsapi-lim-1' }));
check('order.status finds it', q.orderId !== undefined && String(q.orderId) === String(lim.orderId), q);

const mod = await call(() => conn.modifyOrder({
  symbol: 'BTCUSDT', orderId: lim.orderId, side: 'BUY', quantity: 0.01, price: 49900 }));
if (modify === '1')
  check('order.modify price 49900', mod.status === 'NEW' && Number(mod.price) === 49900, mod);
else
  check('order.modify unknown without PUT /fapi/v1/order (-1020)', mod.code === -1020, mod);

const cxl = await call(() => conn.cancelOrder({ symbol: 'BTCUSDT', orderId: lim.orderId }));
check('order.cancel CANCELED', cxl.status === 'CANCELED', cxl);

const mkt = await call(() => conn.newOrder({
  symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.01, newOrderRespType: 'RESULT' }));
check('order.place MARKET FILLED', mkt.status === 'FILLED', mkt);

const pos = await call(() => conn.positionInformation({ symbol: 'BTCUSDT' }));
check('account.position 0.010 long (v2 shape)', Array.isArray(pos._arr) && pos._arr[0] &&
      pos._arr[0].positionAmt === '0.010' && pos._arr[0].marginType === 'cross' &&
      typeof pos._arr[0].entryPrice === 'string', pos._arr);
const pos2 = await call(() => conn.positionInformationV2({ symbol: 'BTCUSDT' }));
check('v2/account.position (v3 shape)', Array.isArray(pos2._arr) && pos2._arr[0] &&
      pos2._arr[0].positionAmt === '0.010' && typeof pos2._arr[0].initialMargin === 'string', pos2._arr);

const bal = await call(() => conn.futuresAccountBalance());
check('account.balance USDT', Array.isArray(bal._arr) && bal._arr.some((b) => b.asset === 'USDT' &&
      typeof b.availableBalance === 'string'), bal._arr);

const acct = await call(() => conn.accountInformation());
check('account.status totalWalletBalance', typeof acct.totalWalletBalance === 'string', acct);

const algo = await call(() => conn.newAlgoOrder({
  algoType: 'CONDITIONAL', symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_MARKET',
  triggerPrice: 40000, closePosition: 'true', workingType: 'MARK_PRICE' }));
check('algoOrder.place NEW', algo.algoStatus === 'NEW', algo);
const algoCxl = await call(() => conn.cancelAlgoOrder({ algoId: algo.algoId }));
check('algoOrder.cancel', algoCxl.algoId !== undefined && String(algoCxl.algoId) === String(algo.algoId), algoCxl);

const lk = await call(() => conn.startUserDataStream());
check('userDataStream.start listenKey', typeof lk.listenKey === 'string' && lk.listenKey.length === 64, lk);
const lk2 = await call(() => conn.keepaliveUserDataStream());
check('userDataStream.ping', lk2.listenKey === lk.listenKey, lk2);
await conn.disconnect();

const bad = await connect({ apiKey, apiSecret: 'not-the-secret' });
const rej = await call(() => bad.queryOrder({ symbol: 'BTCUSDT', orderId: lim.orderId }));
check('wrong secret: -1022', rej.code === -1022, rej);
await bad.disconnect();

// --- Ed25519 key: per request, then a session.logon session ---
const ed = await connect({ apiKey: edKey, privateKey: privPem });
const edOrd = await call(() => ed.newOrder({
  symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC',
  quantity: 0.01, price: 50000, newClientOrderId: 'wsapi-ed-1' }));
check('Ed25519 per request: order.place NEW', edOrd.status === 'NEW', edOrd);
// the connector's own logon (its websocketBase, as its Spot sibling
// exposes it as logon()): marks the connection logged on, and later
// requests go without apiKey and signature
const logon = await call(() => ed.websocketBase.sendMessage('session.logon', {}, { isSigned: true, isSessionLogon: true }));
check('session.logon', Array.isArray(logon) && logon[0] && logon[0].apiKey === edKey, logon);
const sessOrd = await call(() => ed.newOrder({
  symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC',
  quantity: 0.01, price: 50000, newClientOrderId: 'wsapi-sess-1' }));
check('session: order.place NEW without signature', sessOrd.status === 'NEW', sessOrd);
const sessCxl = await call(() => ed.cancelOrder({ symbol: 'BTCUSDT', origClientOrderId: 'wsapi-sess-1' }));
check('session: order.cancel CANCELED', sessCxl.status === 'CANCELED', sessCxl);
const st = await call(() => ed.sendMessage('session.status', {}));
check('session.status apiKey', st.apiKey === edKey && st.authorizedSince > 0, st);
await ed.disconnect();

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
