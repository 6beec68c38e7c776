/* Kea memfile lease6 CSV rows (schema 4.0) and the older lease6 headers Kea 2.2 accepts.
 *
 * Contract:
 * - Header: "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,
 *   prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,hwaddr_source".
 *   As for lease4 (csv.h, Kea's VersionedCSVFile), a file's header names a prefix of these of
 *   at least 12 columns (1.0 ends at hostname, 2.0 at hwaddr, 3.0 at state, 3.1 at
 *   user_context, 4.0 at hwaddr_source) and may name extra trailing columns of a later schema
 *   (HEAD's pool_id, "4.0+"), which are ignored. Missing trailing columns take their defaults:
 *   state 0, no user context, hwtype 1 (ethernet) and hwaddr_source 0 (unknown) when the row
 *   has a hardware address.
 * - csv6_parse_row() parses IN PLACE like csv4_parse_row(): client_id (the DUID), hostname and
 *   user_context point into the line (borrowed: lease_dup() to keep them). Errors name the line
 *   and column: "line 17: invalid lease_type '3'".
 * - Row rules (Kea 2.2's CSVLeaseFile6, checked against kea-lfc 2.2):
 *   the address is IPv6 text; the DUID is Kea formatted hex of 1..128 bytes and is required;
 *   the one-byte DUID 00 (Kea's empty DUID, written for declined leases) only on a declined
 *   lease; numbers are plain decimal (valid and preferred lifetime, iaid, subnet_id, state:
 *   32 bits; expire 64); fqdn flags 0/1; the hostname is unescaped and keeps its case (Kea's
 *   v6 loader does not lower-case it); user_context, when present, must be a JSON object.
 *   valid_lifetime 0 marks a delete; cltt = expire - valid_lifetime (may be < 0).
 *   A hardware address that does not parse (bad hex, more than 20 bytes, or a bad hwtype or
 *   hwaddr_source next to it) does not fail the row: as Kea, the lease is kept without it and
 *   the parser returns 0 with a warning ("line N: invalid hwaddr '...': hardware address
 *   dropped") in err. Without a hardware address, hwtype and hwaddr_source are not read.
 * - Stricter than Kea 2.2, where its lease model cannot hold what Kea would load: lease_type
 *   must be 0 (IA_NA), 1 (IA_TA) or 2 (IA_PD) (Kea takes any integer); prefix_len is 128 for
 *   IA_NA/IA_TA and 1..128 for IA_PD (Kea takes any integer modulo 256); numbers have no sign
 *   (Kea's lexical_cast takes "+5" and wraps "-1"); an IPv4 address or a scoped address
 *   ("fe80::1%eth0") is refused; a row's column count must fit the header, as in csv4 (Kea 2.2
 *   ignores extra columns and fails a short row only when it reads a missing column). And one
 *   difference in what is kept: Kea 2.2 stores cltt in 32 bits, so a row whose expire is less
 *   than its valid_lifetime comes back from kea-lfc with a wrapped expire; we keep it as read.
 * - Writing: the address in inet_ntop's form (as Kea's IOAddress), the DUID as lowercase colon
 *   hex, hostname and user_context escaped as csv.h says; hwaddr, hwtype and hwaddr_source are
 *   empty when the lease has no hardware address. A delete is the lease with valid_lft and
 *   pref_lft 0 (as Kea's memfile writes it).
 * - All functions are pure and thread-safe.
 */
#ifndef NESTOR_LEASE_CSV6_H
#define NESTOR_LEASE_CSV6_H

#include <stdbool.h>
#include <stddef.h>

#include "lease/csv.h"
#include "lease/lease.h"

#define CSV6_NCOLS 17     /* columns of schema 4.0 */
#define CSV6_MIN_COLS 12  /* Kea's minimum: up to hostname (schema 1.0) */
#define CSV6_DUID_MAX 128 /* Kea's DUID::MAX_DUID_LEN */
#define CSV6_HEADER                                                                          \
    "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len,"  \
    "fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,hwaddr_source"

/* The lease6 columns and their versions: csv_parse_header() and the csv_schema_* functions
 * take it (csv.h). */
extern const csv_dialect_t csv6_dialect;

/* csv6_parse_row, csv6_row_max_len, csv6_format_row, csv6_check_lease (contract in csv.h),
 * for rows of schema 4.0. A row may parse with a warning in err (a hardware address dropped);
 * check_lease checks the family, lease type and prefix length, the DUID rules, lengths and
 * that user_context is a JSON object. */
CSV_ROW_FUNCTIONS(csv6);

#endif
