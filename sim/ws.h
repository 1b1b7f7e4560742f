/*
 * ws.h - WebSocket (RFC 6455) pieces for the stream port, and the JSON of
 * the user data and market stream events.
 *
 * Why not libwebsockets on the server side: the venue is single-threaded
 * and Debian's libwebsockets has no external-poll support, so it cannot
 * share the venue's epoll loop; a second thread would need locks around
 * the venue. The server needs only: the upgrade handshake, unfragmented
 * text frames out, masked frames in (text, ping, pong, close). Clients
 * (talon's io/, tests) are free to use libwebsockets.
 */
#ifndef TL_SIM_WS_H
#define TL_SIM_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/json_out.h"
#include "sim/venue.h"

#define TL_SIM_WS_OP_TEXT 0x1
#define TL_SIM_WS_OP_CLOSE 0x8
#define TL_SIM_WS_OP_PING 0x9
#define TL_SIM_WS_OP_PONG 0xA
#define TL_SIM_WS_MAX_IN 4096   /* largest accepted client frame */

/* Sec-WebSocket-Accept for a client key: base64(SHA1(key + GUID)).
 * out[29]. Returns 0 or -1. */
int tl_sim_ws_accept(const char *key, size_t klen, char out[29]);

/* Frame header for a server frame (FIN, unmasked) of `len` bytes into
 * hdr[10]; returns the header length. */
size_t tl_sim_ws_header(uint8_t op, size_t len, uint8_t hdr[10]);

typedef struct tl_sim_ws_frame {
	uint8_t op;
	bool fin;
	char *payload;   /* unmasked in place, inside the input buffer */
	size_t len;
} tl_sim_ws_frame_t;

/* Parse one client frame from buf[0..len) (must be masked). Returns the
 * frame size (> 0), 0 when incomplete, -1 on a protocol error, -2 for a
 * frame larger than TL_SIM_WS_MAX_IN. */
int tl_sim_ws_parse(char *buf, size_t len, tl_sim_ws_frame_t *f);
/* Same with the limit `max` (at most 65535) instead. */
int tl_sim_ws_parse_max(char *buf, size_t len, tl_sim_ws_frame_t *f,
			size_t max);

/* Events as Binance pushes them (Binance USD-M API docs). */
void tl_sim_ws_order_update(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			    const tl_sim_event_t *ev);
void tl_sim_ws_trade_lite(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			  const tl_sim_event_t *ev);
void tl_sim_ws_account_update(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			      const tl_sim_event_t *ev);
void tl_sim_ws_algo_update(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			   const tl_sim_event_t *ev);
void tl_sim_ws_config_update(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			     const tl_sim_event_t *ev);
void tl_sim_ws_listen_key_expired(tl_sim_jw_t *w, const char *key,
				  int64_t now);
/* markPriceUpdate and bookTicker of one symbol. */
void tl_sim_ws_mark_price(tl_sim_jw_t *w, const tl_sim_venue_t *v, int sym,
			  int64_t now);
void tl_sim_ws_book_ticker(tl_sim_jw_t *w, const tl_sim_venue_t *v, int sym,
			   int64_t now, int64_t update_id);

#endif /* TL_SIM_WS_H */
