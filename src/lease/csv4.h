/* Kea memfile lease4 CSV rows (schema 2.1) and the older lease4 headers Kea accepts.
 *
 * Contract:
 * - Header: "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,
 *   hostname,state,user_context". As Kea's VersionedCSVFile, a file's header must name a prefix
 *   of these columns of at least 9 (1.0 ends at hostname, 2.0 at state) and may name extra
 *   trailing columns from a later schema (e.g. HEAD's pool_id), which are ignored. The header
 *   decides the column count a row may have; missing trailing columns take their defaults
 *   (state 0, no user context).
 * - csv4_parse_row() parses IN PLACE: it modifies the line, and the lease's client_id,
 *   hostname and user_context point into it (borrowed: never lease_free() such a lease; use
 *   lease_dup() to keep it). Errors name the line and column:
 *   "line 17: invalid hwaddr 'zz:01'".
 * - Row rules (Kea 2.2, checked against kea-lfc): hwaddr is ':'-separated hex groups, at most
 *   20 bytes; client_id is Kea formatted hex, 2..255 bytes; numbers are plain decimal;
 *   fqdn flags 0/1; the hostname is unescaped and lower-cased; user_context, when present,
 *   must be a JSON object; a lease needs a hwaddr or a client_id unless it is declined.
 *   valid_lifetime 0 marks a delete; cltt = expire - valid_lifetime (64-bit, may be < 0).
 * - Writing escapes ',' and '&' as Kea 2.2 does, and also '\n' (Kea 2.2 writes it raw,
 *   which would break the row; Kea reads "&#x0a" back as a newline).
 * - All functions are pure and thread-safe; jansson is used only to validate user contexts.
 * - The header logic, column readers and shared columns live in csv.h (also used by csv6).
 */
#ifndef NESTOR_LEASE_CSV4_H
#define NESTOR_LEASE_CSV4_H

#include <stdbool.h>
#include <stddef.h>

#include "lease/csv.h"
#include "lease/lease.h"

#define CSV4_NCOLS 11              /* columns of schema 2.1 */
#define CSV4_MIN_COLS 9            /* Kea's minimum: up to hostname (schema 1.0) */
#define CSV4_MAX_COLS CSV_MAX_COLS /* a header naming more columns is refused */
#define CSV4_HEADER                                                                          \
    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,"    \
    "state,user_context"

/* The lease4 columns and their versions, for the csv_schema functions (csv.h). */
extern const csv_dialect_t csv4_dialect;
typedef csv_schema_t csv4_schema_t;

/* The schema of a file written by us (the current header). */
static inline void csv4_schema_current(csv4_schema_t *s) { csv_schema_current(&csv4_dialect, s); }
/* True when rows need conversion to be written in the current schema (older or newer header). */
static inline bool csv4_schema_needs_conversion(const csv4_schema_t *s) { return csv_schema_age(&csv4_dialect, s) != 0; }
/* "1.0", "2.0", "2.1", or "2.1+" for a header with extra trailing columns. */
static inline const char *csv4_schema_version(const csv4_schema_t *s) { return csv_schema_version(&csv4_dialect, s); }
/* Parses a header line (no newline). Returns 0, or NST_EMALFORMED with a message in err. */
static inline int csv4_parse_header(const char *line, csv4_schema_t *out, char *err, size_t errlen) { return csv_parse_header(&csv4_dialect, line, out, err, errlen); }

/* csv4_parse_row, csv4_row_max_len, csv4_format_row, csv4_check_lease (contract in csv.h),
 * for rows of schema 2.1. check_lease checks the family, the identifier rules, lengths (hwaddr,
 * client_id, hostname and user_context within the LEASE_*_MAX bounds of lease.h, so a row stays
 * far below the loader's line limit) and that user_context is a JSON object. */
CSV_ROW_FUNCTIONS(csv4);

#endif
