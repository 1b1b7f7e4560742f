/*
 * json_esc.h - escape arbitrary bytes as the body of a JSON string.
 *
 * Text that reaches JSON output (journal texts, venue messages, reasons
 * typed by an operator) is bytes, not promised UTF-8: a venue message cut
 * at a fixed length can end in half a multi-byte character, a corrupt
 * journal can hold anything. The output must parse anyway, so:
 *   - '"' and '\' are escaped, control characters (< 0x20, and 0x7f) as
 *     \u00XX;
 *   - well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most
 *     U+10FFFF) passes through unchanged;
 *   - every byte that does not start a well-formed sequence (a stray
 *     continuation byte, a truncated or overlong sequence, 0xF5..0xFF)
 *     becomes \ufffd, one per byte.
 * The result is pure JSON-safe text with no quotes around it.
 *
 * Shared by `talon replay --format json` and `talon ctl status --json`.
 */
#ifndef TL_JSON_ESC_H
#define TL_JSON_ESC_H

#include <stddef.h>
#include <stdio.h>

/*
 * Escape s[0..len) into dst (cap bytes, always NUL-terminated when cap >
 * 0; an escape or character is never cut: output stops before the first
 * one that does not fit). Returns the length the whole escape needs (not
 * counting the NUL), like snprintf: >= cap means it was truncated.
 */
size_t tl_json_esc(char *dst, size_t cap, const char *s, size_t len);

/* Escape the NUL-terminated s onto f (no quotes). NULL writes nothing. */
void tl_json_esc_fputs(FILE *f, const char *s);

#endif /* TL_JSON_ESC_H */
