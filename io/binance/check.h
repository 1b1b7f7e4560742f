/*
 * check.h - the preflight of a Binance configuration: `talon check -c
 * CONFIG`, and `talon run` before it trades (docs/binance.md, "Going
 * live").
 *
 * Trades nothing and changes nothing at the venue (the one write is
 * countdownCancelAll with countdownTime 0 when the dead-man switch is
 * configured, which arms nothing). One line per check, in this order:
 *   venue              connectivity and TLS (probe.h names DNS, connect
 *                      refused, certificate, host name failures)
 *   clock              offset of the local clock from the venue's
 *                      (FAIL beyond TL_BINANCE_CHECK_CLOCK_MS)
 *   exchange info      GET /fapi/v1/exchangeInfo parsed
 *   api key            GET /fapi/v2/account accepted and canTrade true
 *                      (FAIL names the venue's code: -2015, -1022 ...)
 *   position mode      dualSidePosition equal to kernel.hedge_mode
 *                      (never changed by talon)
 *   multi-assets mode  off (the kernel's margin is single-asset USDT)
 *   balance            USDT wallet balance, available margin > 0
 *   per symbol S:
 *   S status           TRADING at the venue
 *   S filters          the venue's filters pass the kernel's loader
 *   S leverage         symbols.leverage.S set, within the venue's
 *                      maximum (leverageBracket)
 *   S margin type      as symbols.margin_type, or changeable to it
 *                      (no open position on S)
 *   S open orders      count, with this engine's client id prefix or
 *                      foreign (reported, not a failure)
 *   S position         the venue's position (reported)
 *   other symbols      orders or positions outside the configured ones
 *   dead-man switch    countdownCancelAll accepted per symbol (or off)
 * A check that cannot run because an earlier one failed (no connection,
 * key refused) is SKIP. The result is a failure when any check FAILs.
 *
 * Every answer is the venue's word, not trusted: numbers out of range
 * (a leverage of 1e300, a serverTime past year 2100) count as absent,
 * and a detail never carries a control character from an answer (one
 * line per check whatever the venue sends).
 */
#ifndef TL_BINANCE_CHECK_H
#define TL_BINANCE_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "io/binance/probe.h"
#include "io/venue.h"
#include "runtime/config.h"

#define TL_BINANCE_CHECK_CLOCK_MS 1000

/*
 * Run every check for cfg (venue.type binance, secrets loaded), calling
 * out for each line. Returns the number of FAILed checks (0: all passed),
 * or -1 when cfg is not a Binance config.
 */
int tl_binance_check(const tl_config_t *cfg, tl_venue_check_fn out, void *ctx);

/*
 * The transport the checks run on. tl_binance_check's is a probe
 * (probe.h) on venue.binance.rest; tests and tests/fuzz/fuzz_rest_preflight
 * answer from a script. call behaves as tl_binance_probe_call (status,
 * body NUL-terminated, why on a failure, t_send/t_recv); set_offset may
 * be NULL.
 */
typedef struct tl_binance_check_io {
	int (*call)(void *ctx, const char *method, const char *path,
		    const char *params, bool sign, tl_binance_probe_res_t *res);
	void (*set_offset)(void *ctx, int64_t offset_ns);
	void *ctx;
} tl_binance_check_io_t;

/* tl_binance_check over io instead of a connection to the venue. */
int tl_binance_check_with(const tl_config_t *cfg, const tl_binance_check_io_t *io,
			  tl_venue_check_fn out, void *ctx);

#endif /* TL_BINANCE_CHECK_H */
