/* Family-independent pieces of Kea's memfile CSV format, shared by csv4 and (later) csv6.
 *
 * Contract:
 * - Pure functions on caller-owned buffers; no allocation, no global state, thread-safe.
 * - Parsers never read past the NUL terminator of their input and never write past the
 *   capacity they are given. They return false / -1 on malformed text.
 * - Escaping follows Kea 2.2's CSVRow (src/lib/util/csv_file.cc, checked against kea-lfc 2.2):
 *   the separator ',' and the escape lead '&' are written as "&#x" + two lowercase hex
 *   digits ("&#x2c", "&#x26"); every other byte (tabs, UTF-8) is written as is, except '\n'
 *   ("&#x0a"): Kea 2.2 would write it raw and break the row (Kea HEAD escapes all control
 *   bytes; both versions read "&#x0a" back as a newline).
 *   Unescaping turns "&#xHH" back into the byte; an "&#x" not followed by two hex digits is kept
 *   literally, except that fewer than two characters after it decode as NUL, which (like a
 *   decoded "&#x00") ends the string, as Kea's loader does.
 */
#ifndef NESTOR_LEASE_CSV_H
#define NESTOR_LEASE_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Output cursor with a sticky overflow flag: write everything, check ->overflow once. */
typedef struct csv_out {
    char *buf;
    size_t len, cap;
    bool overflow;
} csv_out_t;

static inline void csv_out_init(csv_out_t *o, char *buf, size_t cap)
{
    o->buf = buf;
    o->len = 0;
    o->cap = cap;
    o->overflow = false;
}

void csv_out_mem(csv_out_t *o, const char *s, size_t n);
void csv_out_char(csv_out_t *o, char c);
void csv_out_u64(csv_out_t *o, uint64_t v);
void csv_out_i64(csv_out_t *o, int64_t v);
/* Dotted-quad of a host-order IPv4 address. */
void csv_out_ipv4(csv_out_t *o, uint32_t addr);
/* "aa:bb:cc" lowercase (Kea's toText(false) / ClientId::toText). Nothing for len 0. */
void csv_out_hex_colon(csv_out_t *o, const uint8_t *b, size_t len);
/* s escaped as described above (NULL = empty). */
void csv_out_escaped(csv_out_t *o, const char *s);

/* Length s takes once escaped (each escaped byte takes 5 characters). */
size_t csv_escaped_len(const char *s);
/* Decodes escapes in place; returns the new length (s stays NUL-terminated). */
size_t csv_unescape_inplace(char *s);

/* Splits line (NUL-terminated, no newline) in place at every ','; stores up to maxf field
 * pointers and returns the total number of fields (which may exceed maxf). */
size_t csv_split(char *line, char **fields, size_t maxf);

/* Unsigned decimal: one or more digits only (no sign, no spaces), value <= max. */
bool csv_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* Hardware address as Kea's HWAddr::fromText: ':'-separated groups of 1 or 2 hex digits
 * ("1a:b:0c"); "" is an empty address. Returns the byte count or -1 (bad text, > cap). */
int csv_parse_hwaddr(const char *s, uint8_t *out, size_t cap);

/* Identifier as Kea's formatted-hex decoder (client-id, DUID): groups separated by ':' (or
 * else by ' '), or a plain digit string with optional "0x" prefix (odd length gets a leading
 * zero). Returns the byte count or -1. "" gives 0. Both hex parsers may decode in place
 * (out == (uint8_t *)s): they never write ahead of what they have read. */
int csv_parse_hexid(const char *s, uint8_t *out, size_t cap);

#endif
