/*
 * ws_client.c - see ws_client.h.
 */
#define _GNU_SOURCE
#include "tests/sim/ws_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int wsc_open(wsc_t *w, int port, const char *target)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 3 };
	char req[1024], *eoh;
	int n;

	w->n = 0;
	w->op = 0;
	w->fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(w->fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return -1;
	n = snprintf(req, sizeof req,
		     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
		     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		     "Sec-WebSocket-Version: 13\r\n\r\n", target);
	if (send(w->fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		return -1;
	for (;;) {
		ssize_t r = recv(w->fd, w->buf + w->n, sizeof w->buf - w->n - 1, 0);
		if (r <= 0)
			return -1;
		w->n += (size_t)r;
		w->buf[w->n] = 0;
		if ((eoh = strstr(w->buf, "\r\n\r\n")))
			break;
	}
	if (strncmp(w->buf, "HTTP/1.1 101", 12) != 0 ||
	    !strstr(w->buf, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
		return -1;
	eoh += 4;
	w->n -= (size_t)(eoh - w->buf);
	memmove(w->buf, eoh, w->n);
	return 0;
}

static int64_t wsc_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wsc_next(wsc_t *w, int timeout_ms)
{
	int64_t end = wsc_ms() + timeout_ms;

	for (;;) {
		if (w->n >= 2) {
			const uint8_t *b = (const uint8_t *)w->buf;
			size_t hl = 2, pl = b[1] & 0x7F;
			if (pl == 126 && w->n >= 4) {
				pl = (size_t)b[2] << 8 | b[3];
				hl = 4;
			}
			if (!(pl == 126 && hl == 2) && pl < sizeof w->msg &&
			    w->n >= hl + pl) {
				w->op = b[0] & 0x0F;
				memcpy(w->msg, w->buf + hl, pl);
				w->msg[pl] = 0;
				memmove(w->buf, w->buf + hl + pl, w->n - hl - pl);
				w->n -= hl + pl;
				return (int)pl;
			}
		}
		{
			int64_t left = end - wsc_ms();
			struct timeval tv;
			ssize_t r;

			if (left <= 0)
				return -1;
			tv.tv_sec = left / 1000;
			tv.tv_usec = (left % 1000) * 1000;
			setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
			r = recv(w->fd, w->buf + w->n, sizeof w->buf - w->n, 0);
			if (r <= 0)
				return -1;
			w->n += (size_t)r;
		}
	}
}

const char *wsc_text(wsc_t *w, int timeout_ms)
{
	int64_t end = wsc_ms() + timeout_ms;

	for (;;) {
		int64_t left = end - wsc_ms();
		if (left <= 0 || wsc_next(w, (int)left) < 0)
			return "";
		if (w->op == 0x1)
			return w->msg;
		if (w->op == 0x8)
			return "";
	}
}

void wsc_send(wsc_t *w, int op, const char *p)
{
	uint8_t f[4096];
	size_t n = strlen(p), i, h = 2;

	if (n + 8 > sizeof f)
		return;
	f[0] = (uint8_t)(0x80 | op);
	if (n < 126) {
		f[1] = (uint8_t)(0x80 | n);
	} else {
		f[1] = 0x80 | 126;
		f[2] = (uint8_t)(n >> 8);
		f[3] = (uint8_t)n;
		h = 4;
	}
	memcpy(f + h, "\x11\x22\x33\x44", 4);
	for (i = 0; i < n; i++)
		f[h + 4 + i] = (uint8_t)(p[i] ^ f[h + (i & 3)]);
	send(w->fd, f, h + 4 + n, MSG_NOSIGNAL);
}

void wsc_close(wsc_t *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
