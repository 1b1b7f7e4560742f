/*
 * fuzz_sim_ws.c - libFuzzer target: the simulator's WebSocket pieces for
 * untrusted clients (sim/ws.c): the client frame parser, the server
 * frame header and the handshake's accept key.
 *
 * Input: the bytes a client sent on an upgraded connection, parsed frame
 * after frame as the server does. Properties (abort on failure):
 *   - the result is -1, 0 or a frame size within the buffer;
 *   - a frame is at most TL_SIM_WS_MAX_IN, masked, without reserved
 *     bits, its payload inside the frame; decode then encode round
 *     trips: the parsed (fin, op, mask, payload) masked again with the
 *     same header form gives the original bytes;
 *   - a frame is self-delimiting: one byte short is incomplete (0);
 *   - tl_sim_ws_header writes a FIN, unmasked header whose length field
 *     gives back the length (for the payload length at hand);
 *   - the accept key for the first up-to-64 bytes is 28 base64
 *     characters, NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/ws.h"

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1), *copy = malloc(size ? size : 1);
	size_t at = 0;

	memcpy(buf, data, size);
	for (int n = 0; n < 64 && at < size; n++) {
		tl_sim_ws_frame_t f;
		size_t len = size - at;
		int rc;

		memcpy(copy, buf + at, len);
		rc = tl_sim_ws_parse(buf + at, len, &f);
		check(rc >= -2 && (rc <= 0 || (size_t)rc <= len));
		if (rc <= 0)
			break;
		const uint8_t *o = (const uint8_t *)copy;
		size_t hl = (o[1] & 0x7F) == 126 ? 4 : 2;
		check(!(o[0] & 0x70) && (o[1] & 0x80));
		check(f.len <= TL_SIM_WS_MAX_IN && (size_t)rc == hl + 4 + f.len);
		check(f.payload == buf + at + hl + 4);
		check(f.op == (o[0] & 0x0F) && f.fin == !!(o[0] & 0x80));
		/* Mask again: the original bytes. */
		for (size_t i = 0; i < f.len; i++)
			check((char)(f.payload[i] ^ o[hl + (i & 3)]) == copy[hl + 4 + i]);
		/* One byte short: incomplete (on a fresh copy: parse unmasks). */
		check(tl_sim_ws_parse(copy, (size_t)rc - 1, &f) == 0);

		uint8_t hdr[10];
		size_t h = tl_sim_ws_header(f.op, f.len, hdr), got;
		check(h == 2 || h == 4 || h == 10);
		check(hdr[0] == (0x80 | f.op) && !(hdr[1] & 0x80));
		got = hdr[1] & 0x7F;
		if (h == 4)
			got = (size_t)hdr[2] << 8 | hdr[3];
		check(got == f.len && (h == 2) == (f.len < 126));
		at += (size_t)rc;
	}

	char acc[29];
	if (tl_sim_ws_accept((const char *)data, size < 64 ? size : 64, acc) == 0) {
		check(strlen(acc) == 28);
		for (int i = 0; i < 28; i++)
			check(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
				     acc[i]) != NULL);
	}
	free(buf);
	free(copy);
	return 0;
}
