/* Family-independent pieces of Kea's memfile CSV format, shared by csv4 and csv6: text output,
 * escaping, field splitting, number and identifier parsing, the versioned header and the
 * column readers a dialect's row parser is made of.
 *
 * Contract:
 * - Pure functions on caller-owned buffers; no allocation, no global state, thread-safe
 *   (jansson is used only to validate user contexts).
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

#include "lease/lease.h"

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
/* An IPv6 address as inet_ntop writes it (Kea's IOAddress::toText). */
void csv_out_ipv6(csv_out_t *o, const struct in6_addr *addr);
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

/* ---- a dialect's row functions ----
 * csv4.h and csv6.h each offer, for their family (memfile_csv_t holds them as a table):
 * - <f>_parse_row(schema, line, lineno, out, is_delete, err, errlen): parses one data row
 *   (NUL-terminated, no newline) IN PLACE. On success fills *out, whose client_id, hostname and
 *   user_context point into line (borrowed: never lease_free() it; lease_dup() to keep it), and
 *   *is_delete (valid_lifetime 0), and returns 0 with err empty or holding a warning (a value
 *   the row loses); otherwise returns NST_EMALFORMED with "line N: ..." naming the column.
 * - <f>_row_max_len(l): an upper bound of the row's length, newline and NUL included.
 * - <f>_format_row(l, buf, cap): l as one current-schema row ending in "\n", NUL-terminated;
 *   the length without the NUL, or NST_ENOSPACE when cap is too small. A delete is written by
 *   passing a copy of the lease with valid_lft 0 (and pref_lft 0 for v6, as Kea writes it).
 * - <f>_check_lease(l, err, errlen): 0 if l can be written and read back by <f>_parse_row,
 *   else NST_EINVAL with the reason in err.
 * CSV_ROW_FUNCTIONS(csv4) declares csv4_parse_row, csv4_row_max_len, csv4_format_row and
 * csv4_check_lease, with the types memfile_csv_t expects. */
#define CSV_ROW_FUNCTIONS(f)                                                                   \
    int f##_parse_row(const csv_schema_t *schema, char *line, unsigned lineno, lease_t *out,   \
                      bool *is_delete, char *err, size_t errlen);                              \
    size_t f##_row_max_len(const lease_t *l);                                                  \
    int f##_format_row(const lease_t *l, char *buf, size_t cap);                               \
    int f##_check_lease(const lease_t *l, char *err, size_t errlen)

/* ---- versioned header (Kea's VersionedCSVFile) ----
 * A dialect lists the columns of its current schema and the schema version that brought each.
 * A file's header must name a prefix of them of at least min_cols columns and may name extra
 * trailing columns (a later schema), which rows may carry and parsers ignore. The header
 * decides how many columns a row may have: the known ones up to the current count (older
 * schema: missing trailing columns take their defaults), or the current count up to the
 * header's (later schema). */
#define CSV_MAX_COLS 64 /* a header naming more columns is refused */

typedef struct csv_dialect {
    const char *what;             /* "lease4", "lease6": names the file in messages */
    const char *const *names;     /* the current schema's columns */
    const char *const *versions;  /* the schema version that brought each column */
    unsigned ncols;               /* columns of the current schema */
    unsigned min_cols;            /* a header names at least these (Kea: up to hostname) */
    const char *later;            /* version text of a header with extra columns ("2.1+") */
} csv_dialect_t;

typedef struct csv_schema {
    unsigned header_cols; /* columns the header names */
    unsigned known_cols;  /* leading header columns that are current columns */
} csv_schema_t;

/* The schema of a file written by us (the current header). */
void csv_schema_current(const csv_dialect_t *d, csv_schema_t *s);
/* Parses a header line (no newline). 0, or NST_EMALFORMED with
 * "invalid <what> file header: ..." in err. */
int csv_parse_header(const csv_dialect_t *d, const char *line, csv_schema_t *out, char *err,
                     size_t errlen);
/* < 0: an older schema, 0: the current one, > 0: a later one (extra columns). */
int csv_schema_age(const csv_dialect_t *d, const csv_schema_t *s);
/* The version of the header's last known column, or d->later with extra columns. */
const char *csv_schema_version(const csv_dialect_t *d, const csv_schema_t *s);

/* ---- reading one row: the column readers of a dialect's parser ----
 * Every reader returns 0 or NST_EMALFORMED with "line N: invalid <column> '<value>'[: why]"
 * in err (values longer than 64 characters are cut, with "..."). */
typedef struct csv_row {
    const csv_dialect_t *d;
    char *f[CSV_MAX_COLS]; /* f[i], i < d->ncols, is a column ("" when the row lacks it) */
    size_t n;              /* columns the row has */
    unsigned lineno;
    char *err;
    size_t errlen;
    char empty[1];
} csv_row_t;

/* Splits line in place into r and checks its column count against the schema ("line N:
 * expected 11 columns, found 10"). Clears err: a parser that succeeds with err non-empty
 * reports a warning (a value it dropped). */
int csv_row_split(csv_row_t *r, const csv_dialect_t *d, const csv_schema_t *s, char *line,
                  unsigned lineno, char *err, size_t errlen);
static inline bool csv_row_has(const csv_row_t *r, unsigned col) { return col < r->n; }
/* Writes the "invalid <column>" message for r->f[col] (why may be NULL); NST_EMALFORMED. */
int csv_row_bad(const csv_row_t *r, unsigned col, const char *why);
/* Plain decimal <= max. */
int csv_row_uint(const csv_row_t *r, unsigned col, uint64_t max, uint64_t *out);
int csv_row_u32(const csv_row_t *r, unsigned col, uint32_t *out);
int csv_row_flag(const csv_row_t *r, unsigned col, bool *out);
/* valid_col and expire_col: l->valid_lft, and l->cltt = expire - valid (may be < 0). */
int csv_row_lifetime(const csv_row_t *r, unsigned valid_col, unsigned expire_col, lease_t *l);
/* The state column, or 0 (default) when the row lacks it. */
int csv_row_state(const csv_row_t *r, unsigned col, uint32_t *out);
/* Kea formatted hex (csv_parse_hexid), decoded in place: *out points into the row (NULL and
 * len 0 for an empty column). A non-empty value must decode to min..max bytes. */
int csv_row_hexid(const csv_row_t *r, unsigned col, size_t min, size_t max, uint8_t **out,
                  uint16_t *len);
/* The hostname column, unescaped in place (lower-cased when lower); *out NULL when empty. A
 * hostname longer than LEASE_HOSTNAME_MAX is a bad row (no store keeps one). */
int csv_row_hostname(const csv_row_t *r, unsigned col, bool lower, char **out);
/* Unescaped in place; *out NULL when the column is empty, else it must be a JSON object. */
int csv_row_user_context(const csv_row_t *r, unsigned col, char **out);

/* ---- writing and checking a lease: the columns both families share ---- */
/* "valid,expire,subnet" */
void csv_out_lifetime_subnet(csv_out_t *o, const lease_t *l);
/* "fwd,rev,hostname" (escaped) */
void csv_out_fqdn_hostname(csv_out_t *o, const lease_t *l);
/* "\n" and a NUL; the row's length without the NUL, or NST_ENOSPACE if it did not fit. */
int csv_out_end(csv_out_t *o);
/* What a row's variable columns may take: hwaddr and client-id/DUID (3 characters a byte),
 * escaped hostname and user_context. A dialect's row_max_len adds its fixed columns. */
size_t csv_row_var_len(const lease_t *l);
/* Checks what both families require of a lease to be written: its family, the hardware address
 * length, expire >= 0, user_context a JSON object. 0 or NST_EINVAL with a message in err. */
int csv_check_common(const lease_t *l, enum lease_family fam, char *err, size_t errlen);

#endif
