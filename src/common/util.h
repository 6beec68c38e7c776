/* Small shared helpers: memory, hex text, time.
 *
 * Contract: xmalloc/xcalloc/xstrdup abort the process on allocation failure (a DHCP server
 * that cannot allocate a few bytes cannot do anything useful; failing loudly beats limping).
 * Hex helpers never write past the given capacity and always NUL-terminate. */
#ifndef NESTOR_COMMON_UTIL_H
#define NESTOR_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NST_UNUSED __attribute__((unused))
#define NST_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xstrdup_opt(const char *s); /* NULL stays NULL */

/* "1a:2b:..." lowercase, colon-separated (Kea's toText(false)). Returns chars written.
 * An empty input gives "". cap must be >= 3*len (or 1 for len 0). */
size_t hex_colon(char *out, size_t cap, const uint8_t *in, size_t len);
/* Parses hex with optional ':' '-' or ' ' separators, or plain "0a0b", or "0x0a0b".
 * Returns number of bytes, or -1 on bad text or overflow of cap. Each separated group may
 * be one or two digits ("1:2:a" is 01 02 0a, as Kea accepts). */
int hex_parse(uint8_t *out, size_t cap, const char *text);

/* Value of one hexadecimal digit (either case), or -1. */
int hex_digit(int c);
/* Formats a message into err (when err and errlen are non-zero) and returns code: for the
 * "return fail(err, errlen, NST_EINVAL, ...)" idiom of parsers. */
int errf(char *err, size_t errlen, int code, const char *fmt, ...) NST_PRINTF(4, 5);

/* Wall clock seconds (CLOCK_REALTIME) and monotonic milliseconds. */
int64_t now_epoch(void);
int64_t now_mono_ms(void);
/* "YYYY-MM-DD HH:MM:SS.ffffff" local time, as in Kea statistics. cap >= 27. */
void format_timestamp_us(char *out, size_t cap, const struct timespec *ts);

/* Parse an unsigned decimal integer that must fit in max; rejects signs, spaces, trailing junk. */
bool parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
