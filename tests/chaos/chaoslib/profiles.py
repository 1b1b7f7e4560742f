"""profiles.py - the fault profiles a chaos step sets through the venue's
admin API (POST /sim/faults, docs/venue.md "Faults"). Rates are high
enough that every step meets its fault many times, low enough that the
order flow still gets through.
"""

STORM = ["POST /fapi/v1/order %d -1003", "POST /fapi/v1/batchOrders %d -1003"]

PROFILES = [
    # (1) 429/-1003 on new orders, single and batched (answered before
    # executing: nothing placed)
    ("storm429", {"endpoint_error": [r % 700000 for r in STORM]}),
    # (2) the connection closes after the request was executed, no answer
    ("reset", {"reset_ppm": 300000}),
    # (3) executed, then 503 -1000: unknown outcome
    ("unknown5xx", {"unknown_ppm": 300000}),
    # (4) user-stream events lost and doubled; the scenario also forces a
    # stream disconnect in this step
    ("stream", {"stream_drop_permille": 300, "stream_dup_permille": 300}),
    # (5) all of it at once, lighter, plus latency and reordering
    ("mix", {"endpoint_error": [r % 300000 for r in STORM], "reset_ppm": 100000,
             "unknown_ppm": 100000, "stream_drop_permille": 100,
             "stream_dup_permille": 100, "stream_reorder_permille": 100,
             "latency_ms": 5, "latency_jitter_ms": 20}),
]
