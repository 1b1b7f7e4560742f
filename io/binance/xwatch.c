/*
 * xwatch.c - the exchangeInfo re-read while running (see xwatch.h).
 *
 * Sections: the pure diff; the watcher thread (a mutex and a condition
 * variable: it sleeps until the period ends, a kick or the stop); the
 * IO thread's side (kick, take).
 */
#define _GNU_SOURCE
#include "io/binance/xwatch.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "io/binance/xinfo.h"
#include "runtime/clock.h"
#include "runtime/log.h"

/* ---- diff ----------------------------------------------------------------- */

bool tl_binance_xwatch_filter_code(int32_t code)
{
	switch (code) {
	case -1013:	/* Filter failure */
	case -1111:	/* precision over the maximum */
	case -4003:	/* quantity less than or equal to zero / min */
	case -4004:	/* quantity less than min qty */
	case -4005:	/* quantity greater than max qty */
	case -4014:	/* price not increased by tick size */
	case -4023:	/* quantity not increased by step size */
	case -4164:	/* notional below the minimum */
		return true;
	default:
		return false;
	}
}

int tl_binance_xwatch_diff(const char *doc, size_t len, const char *const *names,
			   uint8_t *status, uint32_t n, tl_input_t *out, uint32_t cap)
{
	cJSON *root = cJSON_ParseWithLength(doc, len);
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "symbols");
	uint32_t k = 0;

	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(root);
		return -1;
	}
	for (uint32_t i = 0; i < n && k < cap; i++) {
		const char *word = "NOT_LISTED";
		const cJSON *e;

		cJSON_ArrayForEach(e, arr) {
			const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "symbol");
			const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "status");
			if (cJSON_IsString(s) && strcmp(s->valuestring, names[i]) == 0) {
				word = cJSON_IsString(st) ? st->valuestring : "NO_STATUS";
				break;
			}
		}
		uint8_t now = strcmp(word, "TRADING") == 0 ? TL_SYM_TRADING : TL_SYM_HALTED;
		if (now == status[i])
			continue;
		status[i] = now;
		tl_input_t *in = &out[k++];
		memset(in, 0, sizeof(*in));
		in->hdr.type = TL_IN_SYMBOL_STATUS;
		snprintf(in->u.symstat.symbol, sizeof(in->u.symstat.symbol), "%s", names[i]);
		in->u.symstat.status = now;
		snprintf(in->u.symstat.venue_status, sizeof(in->u.symstat.venue_status),
			 "%s", word);
	}
	cJSON_Delete(root);
	return (int)k;
}

/* ---- the watcher ------------------------------------------------------------ */

struct tl_binance_xwatch {
	tl_binance_cfg_t bc;          /* rest, timeouts; no credential */
	int64_t period_ns;
	uint32_t n;
	char (*names)[TL_SYMBOL_NAMELEN];
	const char **name_ptrs;
	uint8_t *status;              /* watcher thread only */
	pthread_t tid;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	bool stop, kicked;
	int64_t last_kick;            /* mono ns of the last kick taken */
	tl_input_t *pending;          /* found, not taken yet */
	uint32_t npending;
	_Atomic uint32_t avail;       /* pending non-empty: the IO thread's
				       * poll looks at this, not the mutex */
	_Atomic uint64_t reads;
};

static void xw_read(tl_binance_xwatch_t *w)
{
	char err[400];
	size_t len = 0;
	char *doc = tl_binance_xinfo_fetch(&w->bc, &len, err, sizeof(err));
	tl_input_t found[64];
	int k;

	if (!doc) {
		tl_log(TL_LOG_WARN, "binance: exchangeInfo re-read failed (%s); next try in %lld s",
		       err, (long long)(w->period_ns / TL_NS_PER_S));
		return;
	}
	/* in rounds of 64: a change is recorded in status[] as it is found */
	for (uint32_t done = 0; done < w->n; done += 64) {
		uint32_t m = w->n - done < 64 ? w->n - done : 64;
		k = tl_binance_xwatch_diff(doc, len, w->name_ptrs + done, w->status + done, m,
					   found, 64);
		if (k < 0) {
			tl_log(TL_LOG_WARN, "binance: exchangeInfo re-read: not an exchangeInfo document");
			break;
		}
		for (int i = 0; i < k; i++) {
			const tl_in_symbol_status_t *s = &found[i].u.symstat;
			if (s->status == TL_SYM_TRADING)
				tl_log(TL_LOG_WARN, "binance: %s is TRADING again at the venue: new orders allowed",
				       s->symbol);
			else
				tl_log(TL_LOG_WARN,
				       "binance: %s is %s at the venue (exchangeInfo): no new exposure on it, "
				       "closes and cancels still go", s->symbol, s->venue_status);
		}
		pthread_mutex_lock(&w->mu);
		for (int i = 0; i < k && w->npending < w->n; i++)
			w->pending[w->npending++] = found[i];
		if (w->npending)
			atomic_store_explicit(&w->avail, 1, memory_order_release);
		pthread_mutex_unlock(&w->mu);
	}
	free(doc);
	atomic_fetch_add(&w->reads, 1);
}

static void *xw_main(void *arg)
{
	tl_binance_xwatch_t *w = arg;
	struct timespec until;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		int64_t t = (int64_t)until.tv_sec * TL_NS_PER_S + until.tv_nsec + w->period_ns;
		until.tv_sec = (time_t)(t / TL_NS_PER_S);
		until.tv_nsec = (long)(t % TL_NS_PER_S);
		int rc = 0;
		while (!w->stop && !w->kicked && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&w->cv, &w->mu, &until);
		if (w->stop)
			break;
		w->kicked = false;
		pthread_mutex_unlock(&w->mu);
		xw_read(w);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

tl_binance_xwatch_t *tl_binance_xwatch_new(const tl_binance_cfg_t *bc,
					   const tl_symbols_t *syms, int64_t period_ns,
					   char *err, size_t errlen)
{
	tl_binance_xwatch_t *w = calloc(1, sizeof(*w));
	uint32_t n = syms->count < TL_BINANCE_XWATCH_MAX ? syms->count : TL_BINANCE_XWATCH_MAX;

	if (!w || period_ns <= 0)
		goto fail;
	tl_binance_cfg_defaults(&w->bc);	/* then only what a plain GET needs */
	w->bc.rest = bc->rest;
	w->bc.timeout_ns = bc->timeout_ns;
	/* short: a stop waits for a read in progress */
	w->bc.startup_deadline_ns = bc->timeout_ns * 2 > 0 ? bc->timeout_ns * 2 : TL_NS_PER_S;
	w->period_ns = period_ns;
	w->n = n;
	w->names = calloc(n ? n : 1, sizeof(*w->names));
	w->name_ptrs = calloc(n ? n : 1, sizeof(*w->name_ptrs));
	w->status = calloc(n ? n : 1, 1);
	w->pending = calloc(n ? n : 1, sizeof(*w->pending));
	if (!w->names || !w->name_ptrs || !w->status || !w->pending)
		goto fail;
	for (uint32_t i = 0; i < n; i++) {
		const tl_symbol_t *s = tl_symbols_get(syms, (int)i);
		memcpy(w->names[i], s->name, TL_SYMBOL_NAMELEN);
		w->name_ptrs[i] = w->names[i];
		w->status[i] = (uint8_t)s->status;
	}
	w->last_kick = -TL_BINANCE_XWATCH_KICK_GAP_NS;
	/* A symbol already out of TRADING here came from the journal's
	 * replay (the start-up exchangeInfo refuses one the venue has out):
	 * the venue may have it back, so read now, not in a day. */
	for (uint32_t i = 0; i < n; i++)
		if (w->status[i] != TL_SYM_TRADING)
			w->kicked = true;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->tid, NULL, xw_main, w) != 0) {
		snprintf(err, errlen, "binance: cannot start the exchangeInfo watcher");
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		goto fail_msg;
	}
	w->started = true;
	return w;
fail:
	snprintf(err, errlen, "binance: out of memory");
fail_msg:
	if (w) {
		free(w->names);
		free(w->name_ptrs);
		free(w->status);
		free(w->pending);
		free(w);
	}
	return NULL;
}

void tl_binance_xwatch_free(tl_binance_xwatch_t *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->tid, NULL);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
	}
	free(w->names);
	free(w->name_ptrs);
	free(w->status);
	free(w->pending);
	free(w);
}

/* ---- the IO thread's side --------------------------------------------------- */

void tl_binance_xwatch_kick(tl_binance_xwatch_t *w, int32_t code)
{
	int64_t m = tl_clock_mono_ns();

	if (!w || !tl_binance_xwatch_filter_code(code))
		return;
	pthread_mutex_lock(&w->mu);
	if (m - w->last_kick >= TL_BINANCE_XWATCH_KICK_GAP_NS) {
		w->last_kick = m;
		w->kicked = true;
		pthread_cond_signal(&w->cv);
		tl_log(TL_LOG_INFO, "binance: the venue refused an order for a filter (%d): "
		       "re-reading exchangeInfo", (int)code);
	}
	pthread_mutex_unlock(&w->mu);
}

uint32_t tl_binance_xwatch_take(tl_binance_xwatch_t *w, tl_input_t *out, uint32_t cap)
{
	uint32_t k;

	if (!w || !atomic_load_explicit(&w->avail, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&w->mu);
	k = w->npending < cap ? w->npending : cap;
	memcpy(out, w->pending, k * sizeof(*out));
	memmove(w->pending, w->pending + k, (w->npending - k) * sizeof(*out));
	w->npending -= k;
	if (!w->npending)
		atomic_store_explicit(&w->avail, 0, memory_order_relaxed);
	pthread_mutex_unlock(&w->mu);
	return k;
}

uint64_t tl_binance_xwatch_reads(const tl_binance_xwatch_t *w)
{
	return w ? atomic_load(&((tl_binance_xwatch_t *)w)->reads) : 0;
}
