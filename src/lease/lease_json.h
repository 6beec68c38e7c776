/* Leases as JSON, in Kea 2.2's shapes: what lease4-* / lease6-* commands answer and take, and what
 * high availability sends to a partner (lease4-update, lease6-bulk-apply).
 *
 * Contract:
 * - lease_to_json() gives Kea's object for the lease's family (v4: ip-address, hw-address,
 *   client-id when set, ...; v6: ip-address, type, duid, iaid, preferred-lft, hw-address when
 *   set, prefix-len for IA_PD, ...). A user context that is not a JSON object is left out. The
 *   caller owns the result.
 * - lease_from_json() reads the lease keys of a family from an object. The caller, which knows the
 *   configuration, gives the subnet (it resolved "subnet-id" or the address itself) and the
 *   values of absent keys (lifetimes, the time for cltt). Every
 *   field is bounded as Kea's schemas bound it (lease.h), so whatever it accepts a store can keep
 *   and a lease file can load back. Keys it does not know are ignored (the command checks its own
 *   key list). On error it returns NST_EINVAL with a message naming the key, and *l is still a
 *   lease the caller frees with lease_free().
 * - Pure functions; thread-safe.
 */
#ifndef NESTOR_LEASE_LEASE_JSON_H
#define NESTOR_LEASE_LEASE_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "lease/lease.h"

json_t *lease_to_json(const lease_t *l);

typedef struct lease_json_defaults {
    uint32_t subnet_id;         /* the lease's subnet */
    uint32_t valid_lft;         /* when "valid-lft" is absent */
    uint32_t pref_lft;          /* v6, when "preferred-lft" is absent */
    int64_t now;                /* cltt when neither "cltt" nor "expire" is given */
} lease_json_defaults_t;

int lease_from_json(json_t *obj, enum lease_family fam, const lease_json_defaults_t *def, lease_t *l,
                    char *err, size_t errlen);

/* The address of "ip-address" in obj for fam into *key (v6: type IA_NA). 0 or NST_EINVAL. */
int lease_json_address(json_t *obj, enum lease_family fam, lease_key_t *key);

/* "IA_NA", "IA_TA", "IA_PD" and back (-1: none of them). */
const char *lease6_type_name(enum lease6_type t);
int lease6_type_parse(const char *name);

#endif
