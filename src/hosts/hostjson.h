/* Kea 2.2's JSON form of DHCPv4 host reservations, for the host commands: Host::toElement4 plus
 * "subnet-id" (what reservation-get* answer), and the "reservation" argument of reservation-add.
 *
 * Contract:
 * - hostjson_from_host() builds a new JSON object the caller owns. Keys as Kea: the identifier
 *   ("hw-address" and "duid" as lowercase colon-separated hex; "circuit-id", "client-id" and
 *   "flex-id" as uppercase hex digits), "ip-address" (only when one is reserved), "hostname",
 *   "next-server", "server-hostname", "boot-file-name" (empty values as ""/"0.0.0.0"),
 *   "client-classes", "option-data" (space, code, name when a definition exists, csv-format +
 *   data: the csv text when known, else the payload in uppercase hex, always-send, user-context),
 *   "user-context" when set, and "subnet-id".
 * - hostjson_parse() reads a reservation map as Kea's host parser does for DHCPv4 (exactly one
 *   identifier; "comment" goes into the user context). It never trusts the input: every error
 *   returns NST_EINVAL with one sentence in err naming the parameter, and leaves *out NULL.
 *   "subnet-id" is reported separately (*subnet_id, *has_subnet); its absence is not an error
 *   here. Options are encoded with defs (NULL: standard definitions only).
 * - Pure functions, no global state: any thread.
 */
#ifndef NESTOR_HOSTS_HOSTJSON_H
#define NESTOR_HOSTS_HOSTJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hosts/hostdb.h"

/* Largest subnet-id a command accepts (Kea's SUBNET_ID_MAX; 0xffffffff means "unused"). */
#define HOSTJSON_SUBNET_ID_MAX 4294967294u

json_t *hostjson_from_host(const hostdb_host4_t *h, const optdef_registry_t *defs);

int hostjson_parse(json_t *res, const optdef_registry_t *defs, hostdb_host4_t **out, bool *has_subnet,
                   uint32_t *subnet_id, char *err, size_t errlen);

/* Parses an identifier value of a type (Kea's rules: hw-address and duid as hex; circuit-id,
 * client-id and flex-id as 'quoted text' or hex). Returns the byte count or -1. */
int hostjson_parse_identifier(uint8_t type, const char *text, uint8_t *out, size_t cap);

/* Type by Kea name ("hw-address", ...): 0 or NST_EINVAL. */
int hostjson_id_type(const char *name, uint8_t *out);

#endif
