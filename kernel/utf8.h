/*
 * utf8.h - cutting and checking UTF-8 text.
 *
 * Reasons and messages are free text (an operator's --reason, a venue's
 * message) stored in fixed arrays (TL_TEXT_LEN). Cutting one at a byte
 * count can split a multi-byte character, and the half character then
 * makes every JSON or terminal consumer of it choke. These helpers cut on
 * a character boundary and decode strictly, so text stays valid UTF-8
 * wherever talon copies it. No allocation, no locale.
 */
#ifndef TL_UTF8_H
#define TL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * s[0 .. n) minus a multi-byte character cut off at its end: n, or the
 * offset of that last character's lead byte when fewer than its bytes are
 * there. Reads only s[0 .. n). A byte that cannot start or continue a
 * character is kept (it is not a cut character; decoders replace it).
 */
size_t tl_utf8_trim(const char *s, size_t n);

/*
 * Copy src (NUL-terminated, or at least cap - 1 readable bytes) into
 * dst[cap], at most cap - 1 bytes, cut on a character boundary, then a
 * NUL. Returns the bytes copied. src NULL copies "". dst may be src.
 */
size_t tl_utf8_copy(char *dst, size_t cap, const char *src);

/*
 * Decode one character at s[0 .. len): its length (1-4) with *cp set, or 0
 * when the bytes there are not a valid UTF-8 character (stray continuation
 * byte, truncated sequence, overlong form, surrogate, above U+10FFFF).
 */
size_t tl_utf8_decode(const char *s, size_t len, uint32_t *cp);

#endif /* TL_UTF8_H */
