/*
 * test_binance_e2e_common.h - shared fixture of the Binance end-to-end
 * tests (test_binance_e2e.c, test_binance_e2e_faults.c,
 * test_binance_e2e_proc.c, test_binance_reconcile.c): the simulated
 * exchange in-process on ephemeral loopback ports, a real engine
 * (ENGINE + IO + STREAM threads, venue.type "binance") with a journal in
 * /tmp, and checks that compare talon with the venue over the venue's own
 * REST API (positionRisk, userTrades, allOrders, allAlgoOrders) and with
 * talon's SQLite journal (opened read-only after the engine stopped).
 *
 * Included by each test program (a header of static functions, like
 * tests/sim/sim_client.c), so every helper is E2E_FN (static, maybe
 * unused in one of them). The simulator, the engine handle, stderr
 * capture and sim_call come from test_binance_sim_common.h, which
 * test_binance.c and test_binance_safety.c share too.
 *
 * What "the journal matches the venue" means (e2e_check_journal_vs_venue):
 *   J = distinct client ids of REQ_NEW outputs in the journal table;
 *   V = client ids of every order the venue has for this account
 *       (allOrders of each symbol; allAlgoOrders for conditional orders,
 *       whose triggered order carries the same id);
 *   - no client id appears twice in allOrders, nor twice in allAlgoOrders;
 *   - every id of V is in J (the venue has nothing talon did not send);
 *   - every id of J whose final status (orders table) is REJECTED or
 *     FAILED is absent from V, every other one is in V exactly once;
 *   - no id of J was resent blindly (journal_blind_resends): each
 *     REQ_NEW after an id's first follows a transient failure of the
 *     previous one or the venue's "does not exist".
 */
#ifndef TL_TEST_BINANCE_E2E_COMMON_H
#define TL_TEST_BINANCE_E2E_COMMON_H

#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#define BSIM_CAP_FMT "/tmp/tl_test_e2e.%d.err"
#define BSIM_OWN_CAPTURE_END
#include "tests/io/binance/test_binance_sim_common.h"
#include "kernel/retry.h"
#include "persist/record.h"

static char e2e_db[128];          /* journal of the running test */

/* ---- stderr capture: grep what the engine wrote for the secret --------- */

E2E_FN void capture_end(void)
{
	if (saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	CU_ASSERT_FALSE(file_has(cap_path, scfg.acct[e2e_acct].api_secret));
	/* Echo the tail, for a failing run's log. */
	FILE *f = fopen(cap_path, "r");
	if (f) {
		static char buf[8192];
		fseek(f, 0, SEEK_END);
		long len = ftell(f);
		fseek(f, len > (long)sizeof buf - 1 ? len - (long)sizeof buf + 1 : 0, SEEK_SET);
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = '\0';
		fclose(f);
		if (n)
			fputs(buf, stderr);
	}
	unlink(cap_path);
}

/* ---- the venue ----------------------------------------------------------- */

E2E_FN void server_start(void)
{
	server_start_cfg(NULL);
}

/* A signed GET parsed as JSON (NULL on failure; cJSON_Delete it). */
E2E_FN cJSON *sim_get_json(const char *path, const char *q)
{
	static char body[1 << 20];
	int st = sim_call("GET", path, q, true, body, sizeof body);
	if (st != 200) {
		printf("GET %s?%s: %d %s\n", path, q, st, body);
		return NULL;
	}
	cJSON *j = cJSON_Parse(body);
	if (!j)
		printf("GET %s: unparsable %s\n", path, body);
	return j;
}

/* sim_get_json, kept only when is(j) holds (an array, an object): NULL
 * otherwise, so callers test one pointer. */
E2E_FN cJSON *sim_get_json_is(const char *path, const char *q,
			      cJSON_bool (*is)(const cJSON *))
{
	cJSON *j = sim_get_json(path, q);
	if (!is(j)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* The venue's algo order by clientAlgoId (an object), or NULL. */
E2E_FN cJSON *sim_get_algo(const char *clid)
{
	char q[96];
	snprintf(q, sizeof q, "clientAlgoId=%s", clid);
	return sim_get_json_is("/fapi/v1/algoOrder", q, cJSON_IsObject);
}

E2E_FN bool json_fx(const cJSON *o, const char *k, tl_fx_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsString(v) || tl_fx_parse_cstr(v->valuestring, out) != TL_FX_OK)
		return false;
	return true;
}

E2E_FN const char *json_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

E2E_FN const char *ps_name(tl_pos_side_t ps)
{
	return ps == TL_PS_LONG ? "LONG" : ps == TL_PS_SHORT ? "SHORT" : "BOTH";
}

/* The venue's positionAmt and entryPrice of (sym, ps); a missing row is
 * flat. false when the venue cannot be asked. */
E2E_FN bool venue_pos(const char *sym, tl_pos_side_t ps, tl_fx_t *amt, tl_fx_t *entry)
{
	char q[64];
	snprintf(q, sizeof q, "symbol=%s", sym);
	cJSON *j = sim_get_json_is("/fapi/v3/positionRisk", q, cJSON_IsArray);
	if (!j)
		return false;
	*amt = *entry = 0;
	bool ok = true;
	const cJSON *r;
	cJSON_ArrayForEach(r, j) {
		if (strcmp(json_str(r, "symbol"), sym) ||
		    strcmp(json_str(r, "positionSide"), ps_name(ps)))
			continue;
		ok = json_fx(r, "positionAmt", amt) && json_fx(r, "entryPrice", entry);
	}
	cJSON_Delete(j);
	return ok;
}

/* Sums over the venue's userTrades of (sym, ps): realizedPnl, commission. */
E2E_FN bool venue_pnl(const char *sym, tl_pos_side_t ps, tl_fx_t *realized,
		      tl_fx_t *commission, int *ntrades)
{
	char q[64];
	snprintf(q, sizeof q, "symbol=%s&limit=1000", sym);
	cJSON *j = sim_get_json_is("/fapi/v1/userTrades", q, cJSON_IsArray);
	if (!j)
		return false;
	*realized = *commission = 0;
	*ntrades = 0;
	bool ok = true;
	const cJSON *r;
	cJSON_ArrayForEach(r, j) {
		tl_fx_t rp, fee;
		if (strcmp(json_str(r, "positionSide"), ps_name(ps)))
			continue;
		if (!json_fx(r, "realizedPnl", &rp) || !json_fx(r, "commission", &fee)) {
			ok = false;
			continue;
		}
		*realized += rp;
		*commission += fee;
		(*ntrades)++;
	}
	cJSON_Delete(j);
	return ok;
}

/* ---- the engine ---------------------------------------------------------- */

/* Engine config against the running venue, account `acct`, journal at a
 * fresh /tmp path (e2e_db). */
E2E_FN void cfg_binance(tl_config_t *c, int acct)
{
	e2e_acct = acct;
	cfg_binance_venue(c, acct, false, NULL);
	snprintf(c->exchange_info, sizeof c->exchange_info, "config/exchange_info.json");
	c->kernel.hedge_mode = scfg.acct[acct].dual_side;
	/* Fast retries: the faults below must resolve within a test. */
	c->kernel.backoff.base_ns = 50LL * 1000000;
	c->kernel.backoff.cap_ns = 200LL * 1000000;
	c->kernel.query_interval_ns = 100LL * 1000000;
	c->kernel.ack_timeout_ns = 3000LL * 1000000;
	snprintf(e2e_db, sizeof e2e_db, "/tmp/tl_test_e2e_%d.db", (int)getpid());
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s%s", e2e_db, sfx[i]);
		unlink(p);
	}
	snprintf(c->journal_path, sizeof c->journal_path, "%s", e2e_db);
}

/* Remove the test's journal (E2E_KEEP=1 in the environment keeps it). */
E2E_FN void e2e_unlink_db(void)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	if (getenv("E2E_KEEP"))
		return;
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s%s", e2e_db, sfx[i]);
		unlink(p);
	}
}

E2E_FN void engine_start(tl_config_t *c)
{
	engine_create_start(c);
	nev = 0;
	/* Clock set, then the premiumIndex marks (one per symbol). */
	CU_ASSERT_FATAL(wait_inputs(2));
	wait_stream_up();
}

/* Stop the threads; the adapter's state may then be read here. */
E2E_FN void engine_halt(void)
{
	tl_engine_stop(E);
}

E2E_FN void engine_close(void)
{
	const char *le = tl_binance_last_error(tl_engine_venue(E));
	/* A WebSocket API run (TL_TEST_TRANSPORT=ws) that sent orders sent
	 * them over the session, not all over the REST fallback: else the
	 * run would pass without testing the transport. */
	if (e2e_ws_orders()) {
		tl_binance_stats_t bs;
		tl_binance_stats(tl_engine_venue(E), &bs);
		if (bs.rest_sent > 0 && bs.ws_sent == 0)
			printf("\n  orders over REST only: rest_sent %llu, ws_fallbacks %llu\n",
			       (unsigned long long)bs.rest_sent,
			       (unsigned long long)bs.ws_fallbacks);
		CU_ASSERT(bs.ws_sent > 0 || bs.rest_sent == 0);
	}
	CU_ASSERT_PTR_NULL(strstr(le, scfg.acct[e2e_acct].api_secret));
	for (int i = 0; i < nev; i++)
		CU_ASSERT_PTR_NULL(strstr(evs[i].text, scfg.acct[e2e_acct].api_secret));
	capture_end();
	tl_engine_close(E);
	E = NULL;
	/* The secret is in neither the journal nor its WAL. */
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", e2e_db);
	CU_ASSERT_FALSE(file_has(e2e_db, scfg.acct[e2e_acct].api_secret));
	CU_ASSERT_FALSE(file_has(wal, scfg.acct[e2e_acct].api_secret));
}

/* A suite's teardown: halt and close a test's engine and stop its venue
 * if it left them running (a failed FATAL assert), then remove its
 * journal. */
E2E_FN void e2e_teardown(void)
{
	if (E) {
		engine_halt();
		engine_close();
	}
	if (srv)
		server_stop();
	e2e_unlink_db();
}

/* Poll events until the engine has no open order, or max_ns. */
E2E_FN bool wait_quiet(int64_t max_ns)
{
	tl_shm_snapshot_t s;
	int64_t end = mono() + max_ns;
	while (mono() < end) {
		poll_events();
		if (tl_engine_snapshot(E, &s) && s.open_orders == 0)
			return true;
		nap_ms(2);
	}
	return false;
}

/* ---- positions ----------------------------------------------------------- */

E2E_FN const tl_shm_pos_t *snap_pos(const tl_shm_snapshot_t *s, const char *sym,
				    tl_pos_side_t ps)
{
	for (uint32_t i = 0; i < s->n_pos && i < TL_SHM_POS_MAX; i++)
		if (!strcmp(s->pos[i].symbol, sym) && s->pos[i].pos_side == ps)
			return &s->pos[i];
	return NULL;
}

/* Poll events and snapshots until talon's qty of (sym, ps) is want. */
E2E_FN bool wait_snap_qty(const char *sym, tl_pos_side_t ps, tl_fx_t want, int64_t max_ns)
{
	tl_shm_snapshot_t s;
	int64_t end = mono() + max_ns;
	while (mono() < end) {
		poll_events();
		if (tl_engine_snapshot(E, &s)) {
			const tl_shm_pos_t *p = snap_pos(&s, sym, ps);
			if ((p ? p->qty : 0) == want)
				return true;
		}
		nap();
	}
	return false;
}

/*
 * talon's position (sym, ps) against the venue: qty and entry equal
 * positionRisk's positionAmt and entryPrice, realized PnL and commission
 * equal the sums of the venue's userTrades, all to the last digit.
 * with_pnl false skips the PnL part (positions adopted some other way).
 */
E2E_FN void check_pos_equal_pnl(const char *sym, tl_pos_side_t ps, bool with_pnl)
{
	tl_shm_snapshot_t s;
	tl_fx_t amt = 0, entry = 0, rp = 0, fee = 0;
	int ntr = 0;
	char a[TL_FX_STRLEN], b[TL_FX_STRLEN], c2[TL_FX_STRLEN], d[TL_FX_STRLEN];

	CU_ASSERT_TRUE_FATAL(venue_pos(sym, ps, &amt, &entry));
	CU_ASSERT_TRUE(wait_snap_qty(sym, ps, amt, 5 * E2E_S));
	CU_ASSERT_TRUE_FATAL(tl_engine_snapshot(E, &s));
	const tl_shm_pos_t *p = snap_pos(&s, sym, ps);
	tl_fx_t tq = p ? p->qty : 0, te = p ? p->entry : 0;
	if (tq != amt || (amt != 0 && te != entry)) {
		tl_fx_format(tq, 8, a, sizeof a);
		tl_fx_format(te, 8, b, sizeof b);
		tl_fx_format(amt, 8, c2, sizeof c2);
		tl_fx_format(entry, 8, d, sizeof d);
		printf("%s %s: talon qty %s entry %s, venue qty %s entry %s\n", sym,
		       ps_name(ps), a, b, c2, d);
	}
	CU_ASSERT_EQUAL(tq, amt);
	if (amt != 0)
		CU_ASSERT_EQUAL(te, entry);
	if (!with_pnl)
		return;
	CU_ASSERT_TRUE_FATAL(venue_pnl(sym, ps, &rp, &fee, &ntr));
	tl_fx_t tr = p ? p->realized : 0, tc = p ? p->commission : 0;
	if (tr != rp || tc != fee) {
		tl_fx_format(tr, 8, a, sizeof a);
		tl_fx_format(tc, 8, b, sizeof b);
		tl_fx_format(rp, 8, c2, sizeof c2);
		tl_fx_format(fee, 8, d, sizeof d);
		printf("%s %s: talon realized %s commission %s, venue %s %s (%d trades)\n",
		       sym, ps_name(ps), a, b, c2, d, ntr);
	}
	CU_ASSERT_EQUAL(tr, rp);
	CU_ASSERT_EQUAL(tc, fee);
}

E2E_FN void check_pos_equal(const char *sym, tl_pos_side_t ps)
{
	check_pos_equal_pnl(sym, ps, true);
}

/* ---- orders: journal against venue --------------------------------------- */

#define E2E_MAX_IDS 1024

typedef struct e2e_ids {
	char id[E2E_MAX_IDS][TL_CLID_LEN];
	int n;
} e2e_ids_t;

E2E_FN int ids_count(const e2e_ids_t *s, const char *id)
{
	int n = 0;
	for (int i = 0; i < s->n; i++)
		n += !strcmp(s->id[i], id);
	return n;
}

E2E_FN void ids_add(e2e_ids_t *s, const char *id)
{
	if (s->n < E2E_MAX_IDS)
		snprintf(s->id[s->n++], TL_CLID_LEN, "%s", id);
}

/* Every client id in a venue list (allOrders / allAlgoOrders). */
E2E_FN bool venue_ids(const char *path, const char *q, const char *key, e2e_ids_t *out)
{
	cJSON *j = sim_get_json(path, q);
	if (!j)
		return false;
	const cJSON *arr = j;
	if (cJSON_IsObject(j))	/* some list endpoints wrap: {"orders":[..]} */
		arr = cJSON_GetObjectItemCaseSensitive(j, "orders");
	bool ok = cJSON_IsArray(arr);
	const cJSON *r;
	if (ok)
		cJSON_ArrayForEach(r, arr)
			ids_add(out, json_str(r, key));
	cJSON_Delete(j);
	return ok;
}

/* The journal (read-only): distinct REQ_NEW client ids and their final
 * order status. */
typedef struct e2e_journal {
	e2e_ids_t req_new;
	char status[E2E_MAX_IDS][24];
	int n_rows;        /* journal rows read, to show it was not empty */
	int n_req_new;     /* REQ_NEW rows: > req_new.n when ids were resent */
	int n_resync;      /* RESYNC inputs (user stream came back) */
	int n_blind;       /* resends without the venue's word: see below */
} e2e_journal_t;

/*
 * Resends of a client id (a REQ_NEW after its first) that nothing
 * allowed: since the id's previous REQ_NEW the journal must show a
 * REQ_ERROR of that NEW the kernel classifies TRANSIENT (the venue
 * surely did not execute it: not written, 429, ...) or the venue's
 * answer to a query that it does not have the order (-2013, or a
 * QUERY_RESULT not found). A resend after an
 * ambiguous outcome (reset or timeout after the bytes left) without
 * either is blind. The journal's rows are in the order the engine
 * applied them (an input before the outputs it caused).
 */
E2E_FN int journal_blind_resends(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	char last[TL_CLID_LEN] = "";
	bool sent = false, cleared = false;
	int blind = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT client_id, type_name, rec FROM journal "
			       "WHERE client_id IS NOT NULL AND type_name IN "
			       "('REQ_NEW', 'REQ_ERROR', 'QUERY_RESULT') ORDER BY client_id, id",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *t = (const char *)sqlite3_column_text(st, 1);
		const void *blob = sqlite3_column_blob(st, 2);
		tl_record_t r;

		if (!id || !t || !blob || sqlite3_column_bytes(st, 2) != (int)sizeof r)
			continue;
		memcpy(&r, blob, sizeof r);
		if (strcmp(id, last) != 0) {
			snprintf(last, sizeof last, "%s", id);
			sent = cleared = false;
		}
		if (!strcmp(t, "REQ_NEW")) {
			if (sent && !cleared) {
				printf("%s: resent without the venue's word\n", id);
				blind++;
			}
			sent = true;
			cleared = false;
		} else if (!strcmp(t, "REQ_ERROR")) {
			const tl_in_req_error_t *e = &r.u.in.u.error;
			if (e->req == TL_REQ_NEW &&
			    tl_retry_classify(&e->outcome) == TL_OUT_TRANSIENT)
				cleared = true;
			if (e->req == TL_REQ_QUERY && e->outcome.code == -2013)
				cleared = true;	/* the query: does not exist */
		} else if (!r.u.in.u.query.found) {
			cleared = true;	/* QUERY_RESULT: does not exist */
		}
	}
	sqlite3_finalize(st);
	return blind;
}

E2E_FN bool journal_read(const char *path, e2e_journal_t *jr)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool ok = false;

	memset(jr, 0, sizeof *jr);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		printf("journal %s: %s\n", path, db ? sqlite3_errmsg(db) : "open failed");
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM journal", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto out;
	jr->n_rows = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM journal WHERE type_name = 'REQ_NEW'",
			       -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		goto out;
	jr->n_req_new = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM journal WHERE type_name = 'RESYNC'",
			       -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		goto out;
	jr->n_resync = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if ((jr->n_blind = journal_blind_resends(db)) < 0)
		goto out;
	if (sqlite3_prepare_v2(db,
			       "SELECT DISTINCT j.client_id, coalesce(o.status, '') "
			       "FROM journal j LEFT JOIN orders o ON o.client_id = j.client_id "
			       "WHERE j.type_name = 'REQ_NEW' ORDER BY j.client_id",
			       -1, &st, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *s = (const char *)sqlite3_column_text(st, 1);
		if (!id || jr->req_new.n >= E2E_MAX_IDS)
			continue;
		snprintf(jr->status[jr->req_new.n], sizeof jr->status[0], "%s", s ? s : "");
		ids_add(&jr->req_new, id);
	}
	ok = true;
out:
	if (!ok && db)
		printf("journal %s: %s\n", path, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

/*
 * See the file comment. Call after the engine stopped (the journal is
 * drained) and with the venue's faults cleared. Returns the number of
 * REQ_NEW ids, so a caller can check the workload really ran.
 */
static e2e_journal_t e2e_jr;	/* what the last check read */

E2E_FN int e2e_check_journal_vs_venue(const char *db_path)
{
	static e2e_ids_t ord, alg;
	e2e_journal_t *jr = &e2e_jr;

	ord.n = alg.n = 0;
	CU_ASSERT_TRUE_FATAL(venue_ids("/fapi/v1/allOrders", "symbol=BTCUSDT&limit=1000",
				       "clientOrderId", &ord));
	CU_ASSERT_TRUE_FATAL(venue_ids("/fapi/v1/allOrders", "symbol=ETHUSDT&limit=1000",
				       "clientOrderId", &ord));
	CU_ASSERT_TRUE_FATAL(venue_ids("/fapi/v1/allAlgoOrders", "", "clientAlgoId", &alg));
	CU_ASSERT_TRUE_FATAL(journal_read(db_path, jr));
	CU_ASSERT(jr->n_rows > 0);
	/* No duplicate at the venue. */
	for (int i = 0; i < ord.n; i++)
		if (ids_count(&ord, ord.id[i]) != 1) {
			printf("%s is %d times in allOrders\n", ord.id[i], ids_count(&ord, ord.id[i]));
			CU_FAIL("duplicate client id in allOrders");
		}
	for (int i = 0; i < alg.n; i++)
		if (ids_count(&alg, alg.id[i]) != 1) {
			printf("%s is %d times in allAlgoOrders\n", alg.id[i], ids_count(&alg, alg.id[i]));
			CU_FAIL("duplicate client id in allAlgoOrders");
		}
	/* Nothing at the venue that talon did not send. */
	for (int i = 0; i < ord.n; i++)
		if (!ids_count(&jr->req_new, ord.id[i])) {
			printf("%s at the venue, never sent by talon\n", ord.id[i]);
			CU_FAIL("venue order missing from the journal's REQ_NEW");
		}
	for (int i = 0; i < alg.n; i++)
		if (!ids_count(&jr->req_new, alg.id[i])) {
			printf("algo %s at the venue, never sent by talon\n", alg.id[i]);
			CU_FAIL("venue algo order missing from the journal's REQ_NEW");
		}
	/* Every order talon sent: at the venue once, unless it ended
	 * REJECTED or FAILED (then never). */
	for (int i = 0; i < jr->req_new.n; i++) {
		const char *id = jr->req_new.id[i];
		int n = ids_count(&ord, id) + ids_count(&alg, id) -
			(ids_count(&ord, id) && ids_count(&alg, id)); /* triggered child */
		bool gone = !strcmp(jr->status[i], "REJECTED") || !strcmp(jr->status[i], "FAILED");
		if (n != (gone ? 0 : 1)) {
			printf("%s (%s in the journal) is %d times at the venue\n", id,
			       jr->status[i], n);
			CU_FAIL("journal and venue disagree");
		}
	}
	if (jr->n_blind != 0)
		CU_FAIL("a client id was resent without the venue's word");
	return jr->req_new.n;
}

/* Wait (5 s at most) for the engine to go quiet, then nothing may be
 * open, counted twice or out of order; the snapshot stays in *s for the
 * caller's own checks. (The REST answer of a MARKET entry (NEW) may come
 * after the stream already FILLED it: a late ack, not an invalid
 * transition.) */
E2E_FN void expect_quiet_clean(tl_shm_snapshot_t *s)
{
	CU_ASSERT_TRUE(wait_quiet(5 * E2E_S));
	CU_ASSERT_TRUE(tl_engine_snapshot(E, s));
	CU_ASSERT_EQUAL(s->open_orders, 0);
	CU_ASSERT_EQUAL(s->duplicate_fills, 0);
	CU_ASSERT_EQUAL(s->invalid_transitions, 0);
}

/* Freeze sym's mark at px at the venue. */
E2E_FN void set_mark(const char *sym, const char *px)
{
	char q[96];
	snprintf(q, sizeof q, "symbol=%s&price=%s&frozen=true", sym, px);
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/mark", q, false, NULL, 0), 200);
}

#endif
