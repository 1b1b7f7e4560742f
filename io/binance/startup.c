/*
 * startup.c - retrying the venue calls made at start-up (see startup.h).
 * Pure apart from cJSON: time is always an argument.
 */
#include "io/binance/startup.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

void tl_startup_begin(tl_startup_t *s, int64_t budget_ns, int64_t now)
{
	memset(s, 0, sizeof(*s));
	s->t0 = now;
	s->end = now + (budget_ns > 0 ? budget_ns : 0);
	s->bo.base_ns = 200LL * 1000000;
	s->bo.cap_ns = 5LL * 1000000000;
	s->bo.max_attempts = UINT32_MAX;	/* the deadline ends it */
	s->last = TL_OUT_OK;
}

int64_t tl_startup_failed(tl_startup_t *s, const tl_outcome_t *o,
			  int64_t hint_ns, int64_t now)
{
	tl_outcome_t r = *o;
	int64_t d;

	r.is_write = false;	/* reads or idempotent writes (startup.h) */
	s->attempts++;
	s->last = tl_retry_classify(&r);
	if (s->last != TL_OUT_TRANSIENT)
		return -1;
	d = tl_backoff_delay(&s->bo, s->attempts, 0);
	if (d < 0)
		return -1;
	if (hint_ns > d)
		d = hint_ns;
	if (now + d >= s->end)
		return -1;
	return d;
}

int32_t tl_startup_venue_error(const char *body, size_t len, char *msg,
			       size_t cap)
{
	cJSON *root = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "code");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "msg");
	int32_t code = 0;

	if (cap)
		msg[0] = '\0';
	if (cJSON_IsNumber(c) && c->valuedouble < 0 && c->valuedouble > -100000)
		code = (int32_t)c->valuedouble;
	if (cJSON_IsString(m) && cap)
		snprintf(msg, cap, "%s", m->valuestring);
	cJSON_Delete(root);
	return code;
}

tl_transport_t tl_startup_transport(tl_transport_t tr, const char *text)
{
	if (text && strstr(text, "certificate verification failed"))
		return TL_TR_LOCAL;
	return tr;
}

/* "connect H:P: why" (io/net/uring.c) -> "cannot connect to H:P: why"; a
 * text relayed with a prefix ("lost before send: ...") too. */
static void tl_startup_text(char *out, size_t cap, const tl_outcome_t *o,
				 const char *text)
{
	const char *c = text ? strstr(text, "connect ") : NULL;

	if (!text || !text[0])
		text = "no detail";
	if (c && (c == text || c[-1] == ' ') && strncmp(c, "connect ", 8) == 0 &&
	    o->transport == TL_TR_CONNECT) {
		snprintf(out, cap, "cannot connect to %s", c + 8);
		return;
	}
	if (strstr(text, "certificate verification failed")) {
		snprintf(out, cap, "TLS failure: %s", text);
		return;
	}
	switch (o->transport) {
	case TL_TR_CONNECT:
		snprintf(out, cap, "cannot connect: %s", text);
		return;
	case TL_TR_TIMEOUT:
		snprintf(out, cap, "no answer: %s", text);
		return;
	case TL_TR_RESET:
		snprintf(out, cap, "connection lost: %s", text);
		return;
	default:
		snprintf(out, cap, "%s", text);
		return;
	}
}

void tl_startup_cause(char *out, size_t cap, const tl_outcome_t *o,
		      const char *text, const char *msg)
{
	if (o->transport != TL_TR_NONE)
		tl_startup_text(out, cap, o, text);
	else if (o->code)
		snprintf(out, cap, "%d %s", (int)o->code, msg && msg[0] ? msg : "(no message)");
	else
		snprintf(out, cap, "HTTP %u %.160s", (unsigned)o->http_status,
			 msg && msg[0] ? msg : "(empty body)");
}

void tl_startup_suffix(const tl_startup_t *s, int64_t now, char *out, size_t cap)
{
	if (s->last != TL_OUT_TRANSIENT) {
		if (cap)
			out[0] = '\0';
		return;
	}
	snprintf(out, cap, " (%u attempt%s in %lld ms, venue.binance.startup_deadline_ms)",
		 s->attempts, s->attempts == 1 ? "" : "s",
		 (long long)((now - s->t0) / 1000000));
}
