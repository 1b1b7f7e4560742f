/*
 * errors.h - Binance error codes, messages and HTTP statuses.
 *
 * Every rejection in the simulator is a tl_sim_err_t: the Binance code,
 * the HTTP status it travels with, and the message text. Business errors
 * are HTTP 400, -2015 is 401, -1003/-1015 are 429 (418 while banned),
 * unknown-outcome faults are 503. Messages follow Binance USD-M API docs
 */
#ifndef TL_SIM_ERRORS_H
#define TL_SIM_ERRORS_H

#define TL_SIM_ERR_MSG 240

typedef struct tl_sim_err {
	int code;                 /* Binance code (negative), 0 = none */
	int http;                 /* HTTP status to answer with */
	char msg[TL_SIM_ERR_MSG]; /* human text, as Binance words it */
} tl_sim_err_t;

/* Set e to `code` with its standard message and HTTP status; returns
 * code (so `return tl_sim_err(e, -1121);` reads naturally). */
int tl_sim_err(tl_sim_err_t *e, int code);

/* Same with a printf-formatted message. */
int tl_sim_errf(tl_sim_err_t *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* -1102 "Mandatory parameter '%s' was not sent, was empty/null, or
 * malformed." */
int tl_sim_err_missing(tl_sim_err_t *e, const char *param);

/* Standard message text for a code ("" when unknown). */
const char *tl_sim_err_text(int code);

/* Default HTTP status for a code. */
int tl_sim_err_http(int code);

#endif /* TL_SIM_ERRORS_H */
