/*
 * ws.h - WebSocket (RFC 6455) client codec for the IO thread's venue
 * connections (Binance's WebSocket API, ws-fapi: JSON text frames).
 *
 * Pure bytes in / bytes out: the connection pool (io/net/uring.h) moves
 * the bytes, this module only formats and checks them. No I/O, no
 * allocation, no recursion, no global state; every input from the server
 * is bounded and validated. The caller supplies the handshake nonce and
 * every mask key from its own PRNG, so the codec is deterministic.
 *
 * 1. Handshake: tl_ws_handshake_request writes the GET upgrade request;
 *    tl_ws_handshake_check validates the server's 101 response head
 *    (called again on the whole received prefix until it is complete).
 *    Bytes after the head are frames: hand them to the decoder.
 *
 * 2. Encoder: client frames are always masked (RFC 6455 section 5.3).
 *
 * 3. Decoder: tl_ws_dec_t, fed server bytes in any split. Server frames
 *    must be unmasked. Fragmented data messages are reassembled into the
 *    caller's msg_buf (bounded by its capacity); control frames between
 *    fragments are delivered as they come. TEXT messages and close
 *    reasons are checked to be UTF-8. The first protocol error fails the
 *    decoder until tl_ws_dec_reset (the connection must then be closed,
 *    with tl_ws_dec_close_code as the close status when one is sent).
 *    The result never depends on how the input was split across feeds.
 */
#ifndef TL_WS_H
#define TL_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Opcodes (RFC 6455 section 5.2). */
#define TL_WS_OP_CONT 0x0
#define TL_WS_OP_TEXT 0x1
#define TL_WS_OP_BINARY 0x2
#define TL_WS_OP_CLOSE 0x8
#define TL_WS_OP_PING 0x9
#define TL_WS_OP_PONG 0xA

#define TL_WS_CONTROL_MAX 125     /* payload bytes of a control frame */
#define TL_WS_HEAD_MAX 8192       /* bytes of the 101 response head */
#define TL_WS_KEY_LEN 24          /* base64 of the 16-byte nonce */
#define TL_WS_FRAME_HDR_MAX 14    /* 2 + 8 length + 4 mask */
#define TL_WS_ERR_LEN 96

/* Close status codes (RFC 6455 section 7.4.1). */
#define TL_WS_CLOSE_NORMAL 1000
#define TL_WS_CLOSE_GOING_AWAY 1001
#define TL_WS_CLOSE_PROTOCOL 1002
#define TL_WS_CLOSE_NO_STATUS 1005 /* received close had no payload */
#define TL_WS_CLOSE_INVALID_DATA 1007
#define TL_WS_CLOSE_TOO_BIG 1009

/* ---- handshake ---------------------------------------------------------- */

/*
 * Writes "GET path HTTP/1.1" with Host, Upgrade: websocket, Connection:
 * Upgrade, Sec-WebSocket-Key = base64(nonce) and Sec-WebSocket-Version:
 * 13 into buf[0..cap) (not NUL-terminated), and the key, NUL-terminated,
 * into key_b64 for tl_ws_handshake_check. host may carry ":port"; path
 * starts with '/'. Returns the request's length, or -1 when it does not
 * fit or host/path are empty or hold spaces or control bytes.
 */
int tl_ws_handshake_request(char *buf, size_t cap, const char *host,
			    const char *path, const uint8_t nonce[16],
			    char key_b64[TL_WS_KEY_LEN + 1]);

/*
 * Checks the server's response head in resp[0..len) (everything received
 * so far; bare LF line ends are accepted like CRLF). Returns:
 *   > 0  the byte length of a complete, valid "HTTP/1.1 101" head, final
 *        empty line included; resp[ret..len) are the first frame bytes;
 *   0    the head is incomplete (receive more, call again);
 *  -1    refused, with a one-line reason in err[errlen] (NUL-terminated,
 *        truncated to fit): a status other than 101 (named, as soon as
 *        the status line is complete), a malformed line, a head larger
 *        than TL_WS_HEAD_MAX, Upgrade without the token "websocket",
 *        Connection without "upgrade" (both case-insensitive), a missing
 *        or wrong Sec-WebSocket-Accept, or an extension or subprotocol
 *        the client never asked for.
 */
int tl_ws_handshake_check(const char *resp, size_t len,
			  const char key_b64[TL_WS_KEY_LEN + 1], char *err,
			  size_t errlen);

/* base64(SHA1(key + RFC 6455 GUID)) into accept[29] (NUL-terminated).
 * Returns 0, or -1 when SHA-1 fails. */
int tl_ws_accept_key(const char *key, size_t klen, char accept[29]);

/* ---- encoder ------------------------------------------------------------ */

/* Header bytes (mask key included) of a client frame of `len` bytes:
 * 6, 8 or 14. */
size_t tl_ws_header_len(size_t len);

/*
 * One client frame into out[0..cap): header, the mask key (big-endian:
 * its top byte is the first mask byte on the wire), the masked payload.
 * payload must not overlap out, except that it may sit exactly at
 * out + tl_ws_header_len(len) (built in place, masked in place).
 * Returns the frame's length, -EMSGSIZE when it does not fit in cap or a
 * control frame's payload exceeds TL_WS_CONTROL_MAX, -EINVAL for an
 * unknown opcode or a control frame without fin.
 */
int tl_ws_encode(uint8_t *out, size_t cap, uint8_t op, bool fin,
		 const void *payload, size_t len, uint32_t mask_key);

/*
 * A close frame: code (big-endian) then reason (NUL-terminated, may be
 * NULL; at most 123 bytes, sent as given). code 0 sends an empty close
 * payload (reason must then be empty). Returns as tl_ws_encode, -EINVAL
 * for a code an endpoint may not send (1005, 1006, 1015, outside
 * 1000-4999 or reserved).
 */
int tl_ws_encode_close(uint8_t *out, size_t cap, uint16_t code,
		       const char *reason, uint32_t mask_key);

/* XOR p[0..len) with the mask key (big-endian, as above) starting at
 * mask byte `phase` (0-3). Word at a time. */
void tl_ws_mask(uint8_t *p, size_t len, uint32_t mask_key, unsigned phase);

/* ---- decoder ------------------------------------------------------------ */

typedef enum tl_ws_kind {
	TL_WS_MSG_NONE = 0,   /* no complete message in this feed */
	TL_WS_MSG_TEXT,       /* data, len bytes in msg_buf, valid UTF-8 */
	TL_WS_MSG_BINARY,     /* data, len bytes in msg_buf */
	TL_WS_MSG_PING,       /* payload (<= 125 bytes): answer with a PONG */
	TL_WS_MSG_PONG,
	TL_WS_MSG_CLOSE,      /* close_code; data/len = reason (UTF-8) */
} tl_ws_kind_t;

/* A message: data points into the decoder (msg_buf or its control
 * buffer) and stays valid until the next feed or reset. */
typedef struct tl_ws_msg {
	tl_ws_kind_t kind;
	const uint8_t *data;
	size_t len;
	uint16_t close_code;  /* CLOSE: the peer's code, 1005 when none */
} tl_ws_msg_t;

/* Owned by the caller, one per connection; fields are private. */
typedef struct tl_ws_dec {
	uint8_t *msg_buf;
	size_t msg_cap;
	size_t msg_len;        /* bytes of the data message so far */
	uint8_t msg_op;        /* TEXT/BINARY in progress, 0 for none */
	uint8_t state;
	uint8_t op;            /* current frame */
	bool fin;
	uint8_t hdr[TL_WS_FRAME_HDR_MAX];
	uint8_t hdr_have, hdr_need;
	uint64_t payload_len, payload_got;
	uint16_t close_code;   /* what to send when failed */
	int error;             /* negative errno when failed, else 0 */
	uint8_t ctl[TL_WS_CONTROL_MAX];
	char err[TL_WS_ERR_LEN];
} tl_ws_dec_t;

/* Start a decoder on the caller's message buffer (msg_cap bytes, the
 * largest data message accepted; msg_buf may be NULL when msg_cap is 0). */
void tl_ws_dec_init(tl_ws_dec_t *d, uint8_t *msg_buf, size_t msg_cap);

/* Back to the first frame of a fresh connection (same buffer). */
void tl_ws_dec_reset(tl_ws_dec_t *d);

/*
 * Consumes server bytes in[0..len) up to the end of the first message
 * completed in them. Returns the bytes consumed (0 <= ret <= len) with
 * out->kind set (TL_WS_MSG_NONE when no message completed: then all of
 * in was consumed); call again with the rest. A negative errno on a
 * protocol error (-EPROTO framing, -EMSGSIZE message above msg_cap,
 * -EILSEQ text or close reason not UTF-8): the decoder then stays failed
 * and every feed returns the same error. After a CLOSE message any
 * further byte is an error (the server sends nothing after its close).
 */
ssize_t tl_ws_dec_feed(tl_ws_dec_t *d, const uint8_t *in, size_t len,
		       tl_ws_msg_t *out);

/* The failed decoder's one-line reason ("" while not failed). */
const char *tl_ws_dec_error(const tl_ws_dec_t *d);

/* The close status to send for the failure: 1002 protocol error, 1007
 * invalid text, 1009 message too big (0 while not failed). */
uint16_t tl_ws_dec_close_code(const tl_ws_dec_t *d);

/* A close code a peer may send: 1000-1003, 1007-1014, 3000-4999. */
bool tl_ws_close_code_valid(uint16_t code);

#endif /* TL_WS_H */
