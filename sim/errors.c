/*
 * errors.c - the code -> (message, HTTP status) table (see errors.h).
 */
#include "sim/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	int code;
	const char *msg;
} err_table[] = {
	{ -1000, "An unknown error occured while processing the request." },
	{ -1001, "Internal error; unable to process your request. Please try again." },
	{ -1003, "Too many requests; please use the websocket for live updates to avoid polling the API." },
	{ -1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown." },
	{ -1008, "Request throttled by system-level protection. Reduce-only/close-position orders are exempt. Please try again." },
	{ -1014, "Unsupported order combination." },
	{ -1015, "Too many new orders." },
	{ -1021, "Timestamp for this request is outside of the recvWindow." },
	{ -1022, "Signature for this request is not valid." },
	{ -1100, "Illegal characters found in a parameter." },
	{ -1101, "Duplicate values for a parameter detected." },
	{ -1102, "A mandatory parameter was not sent, was empty/null, or malformed." },
	{ -1106, "A parameter was sent when not required." },
	{ -1111, "Precision is over the maximum defined for this asset." },
	{ -1115, "Invalid timeInForce." },
	{ -1116, "Invalid orderType." },
	{ -1117, "Invalid side." },
	{ -1120, "Invalid interval." },
	{ -1121, "Invalid symbol." },
	{ -1125, "This listenKey does not exist. Please use POST /fapi/v1/listenKey to recreate listenKey" },
	{ -1127, "Lookup interval is too big." },
	{ -1128, "Combination of optional parameters invalid." },
	{ -1130, "Data sent for parameter is not valid." },
	{ -1136, "Invalid newOrderRespType." },
	{ -2011, "Unknown order sent." },
	{ -2013, "Order does not exist." },
	{ -2014, "API-key format invalid." },
	{ -2015, "Invalid API-key, IP, or permissions for action." },
	{ -2019, "Margin is insufficient." },
	{ -2021, "Order would immediately trigger." },
	{ -2022, "ReduceOnly Order is rejected." },
	{ -2025, "Reach max open order limit." },
	{ -4002, "Price greater than max price." },
	{ -4003, "Quantity less than or equal to zero." },
	{ -4004, "Quantity less than min quantity." },
	{ -4005, "Quantity greater than max quantity." },
	{ -4013, "Price less than min price." },
	{ -4014, "Price not increased by tick size." },
	{ -4015, "Client order id is not valid." },
	{ -4016, "Price is higher than mark price multiplier cap." },
	{ -4021, "Invalid depth limit." },
	{ -4023, "Qty not increased by step size." },
	{ -4024, "Price is lower than mark price multiplier floor." },
	{ -4028, "Leverage is not valid." },
	{ -4045, "Reach max stop order limit." },
	{ -4046, "No need to change margin type." },
	{ -4047, "Margin type cannot be changed if there exists open orders." },
	{ -4048, "Margin type cannot be changed if there exists position." },
	{ -4049, "Add margin only support for isolated position." },
	{ -4050, "Cross balance insufficient." },
	{ -4051, "Isolated balance insufficient." },
	{ -4054, "Cannot add position margin: position is 0." },
	{ -4055, "Amount must be positive." },
	{ -4059, "No need to change position side." },
	{ -4061, "Order's position side does not match user's setting." },
	{ -4067, "Position side cannot be changed if there exists open orders." },
	{ -4068, "Position side cannot be changed if there exists position." },
	{ -4116, "ClientOrderId is duplicated." },
	{ -4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead." },
	{ -4136, "Target strategy invalid for orderType STOP_MARKET,closePosition true" },
	{ -4167, "Unable to adjust to Multi-Assets mode with symbols of USD\u24c8-M Futures under isolated-margin mode." },
	{ -4168, "Unable to adjust to isolated-margin mode under the Multi-Assets mode." },
	{ -4170, "Unable to adjust Multi-Assets Mode with open orders in USD\u24c8-M Futures." },
	{ -4171, "Adjusted asset mode is currently set and does not need to be adjusted repeatedly." },
	{ -4164, "Order's notional must be no smaller than 5 (unless you choose reduce only)." },
	{ -5025, "Only limit order is supported." },
	{ -5027, "No need to modify the order." },
	{ -5021, "Due to the order could not be filled immediately, the FOK order has been rejected. The order will not be recorded in the order history" },
	{ -5022, "Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history" },
};

const char *tl_sim_err_text(int code)
{
	size_t i;

	for (i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
		if (err_table[i].code == code)
			return err_table[i].msg;
	return "";
}

int tl_sim_err_http(int code)
{
	switch (code) {
	case -2015:
	case -2014:
		return 401;
	case -1003:
	case -1015:
		return 429;
	case -1000:
	case -1001:
	case -1007:
	case -1008:
		return 503;
	default:
		return 400;
	}
}

int tl_sim_err(tl_sim_err_t *e, int code)
{
	e->code = code;
	e->http = tl_sim_err_http(code);
	snprintf(e->msg, sizeof e->msg, "%s", tl_sim_err_text(code));
	return code;
}

int tl_sim_errf(tl_sim_err_t *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	e->http = tl_sim_err_http(code);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

int tl_sim_err_missing(tl_sim_err_t *e, const char *param)
{
	return tl_sim_errf(e, -1102,
			   "Mandatory parameter '%s' was not sent, was empty/null, or malformed.",
			   param);
}
