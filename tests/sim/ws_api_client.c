/*
 * ws_api_client.c - see ws_api_client.h.
 */
#define _GNU_SOURCE
#include "tests/sim/ws_api_client.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/ed25519.h>

#include "sim/auth.h"

void wsa_send_raw(wsc_t *w, int op, const char *p, size_t n)
{
	uint8_t *f = malloc(n + 8);
	size_t i, h = 2;

	if (!f || n > 65535) {
		free(f);
		return;
	}
	f[0] = (uint8_t)(0x80 | op);
	if (n < 126) {
		f[1] = (uint8_t)(0x80 | n);
	} else {
		f[1] = 0x80 | 126;
		f[2] = (uint8_t)(n >> 8);
		f[3] = (uint8_t)n;
		h = 4;
	}
	memcpy(f + h, "\x5a\x21\x7e\x03", 4);
	for (i = 0; i < n; i++)
		f[h + 4 + i] = (uint8_t)(p[i] ^ f[h + (i & 3)]);
	send(w->fd, f, h + 4 + n, MSG_NOSIGNAL);
	free(f);
}

typedef struct kv {
	char name[64];
	char value[512];
} kv_t;

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const kv_t *)a)->name, ((const kv_t *)b)->name);
}

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wsa_build(char *out, size_t cap, int id, const char *method,
	      const char *text, const wsa_auth_t *auth)
{
	kv_t kv[48];
	char payload[8192], sig[128];
	size_t pl = 0;
	int n = 0, k, len;
	const char *p = text ? text : "";

	while (*p && n < 45) {
		size_t seg = strcspn(p, "&"), eq = strcspn(p, "=");
		if (eq > seg)
			eq = seg;
		snprintf(kv[n].name, sizeof kv[n].name, "%.*s", (int)eq, p);
		snprintf(kv[n].value, sizeof kv[n].value, "%.*s",
			 eq < seg ? (int)(seg - eq - 1) : 0, p + eq + 1);
		n++;
		p += seg;
		if (*p)
			p++;
	}
	if (auth && auth->key) {
		snprintf(kv[n].name, sizeof kv[n].name, "apiKey");
		snprintf(kv[n++].value, sizeof kv[0].value, "%s", auth->key);
	}
	if (auth && auth->timestamp) {
		snprintf(kv[n].name, sizeof kv[n].name, "timestamp");
		snprintf(kv[n++].value, sizeof kv[0].value, "%lld", wall_ms() + auth->ts_offset);
	}
	qsort(kv, (size_t)n, sizeof kv[0], kv_cmp);
	for (k = 0; k < n; k++) {
		const char *v;
		pl += (size_t)snprintf(payload + pl, sizeof payload - pl, "%s%s=",
				       k ? "&" : "", kv[k].name);
		for (v = kv[k].value; *v && pl + 4 < sizeof payload; v++) {
			if (!auth || !auth->encode || strchr("-_.!~*'()", *v) ||
			    (*v >= '0' && *v <= '9') || ((*v | 0x20) >= 'a' && (*v | 0x20) <= 'z'))
				payload[pl++] = *v;
			else
				pl += (size_t)snprintf(payload + pl, sizeof payload - pl, "%%%02X",
						       (unsigned char)*v);
		}
		payload[pl] = '\0';
	}
	sig[0] = '\0';
	if (auth && auth->secret) {
		tl_sim_hmac_hex(auth->secret, strlen(auth->secret), payload, pl, sig);
	} else if (auth && auth->ed25519) {
		byte s[ED25519_SIG_SIZE];
		word32 sl = sizeof s, bl = sizeof sig - 1;
		wc_ed25519_sign_msg((const byte *)payload, (word32)pl, s, &sl,
				    (ed25519_key *)auth->ed25519);
		Base64_Encode_NoNl(s, sl, (byte *)sig, &bl);
		sig[bl] = '\0';
	}
	len = snprintf(out, cap, "{\"id\":%d,\"method\":\"%s\",\"params\":{", id, method);
	for (k = 0; k < n; k++) {
		bool num = !strcmp(kv[k].name, "timestamp") || !strcmp(kv[k].name, "recvWindow");
		len += snprintf(out + len, cap - (size_t)len, "%s\"%s\":%s%s%s", k ? "," : "",
				kv[k].name, num ? "" : "\"", kv[k].value, num ? "" : "\"");
	}
	if (sig[0])
		len += snprintf(out + len, cap - (size_t)len, "%s\"signature\":\"%s\"",
				n ? "," : "", sig);
	len += snprintf(out + len, cap - (size_t)len, "}}");
	return len;
}

const char *wsa_call(wsc_t *w, int id, const char *method, const char *kv,
		     const wsa_auth_t *auth)
{
	char req[16384];
	int n = wsa_build(req, sizeof req, id, method, kv, auth);

	wsa_send_raw(w, 0x1, req, (size_t)n);
	return wsc_text(w, 5000);
}

long long wsa_int(const char *json, const char *name)
{
	char pat[80];
	const char *p;

	snprintf(pat, sizeof pat, "\"%s\":", name);
	p = strstr(json, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}
