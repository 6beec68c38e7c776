/* Argument checks of the lease4-* commands, in Kea 2.2's lease_cmds order and with its result
 * codes (1 for every bad argument) and, where short, its texts.
 *
 * Contract: each check returns NULL when the arguments may be used, else the error answer
 * (owned by the caller). They check presence and JSON types only, plus Kea's rules that need no
 * configuration: lease4_check_write_args (lease4-add/-update: ip-address and hw-address
 * mandatory, typed optional keys, expire positive and not below valid-lft, fqdn-fwd/-rev need a
 * hostname; keys Kea does not know are ignored, as Kea ignores them); lease4_check_find_args
 * (lease4-get/-del: ip-address, or subnet-id, identifier-type and identifier; duid refused in
 * v4); lease4_check_by_args (lease4-get-by-*: the one string key). lease4_cmd_resend_ddns is the
 * lease4-resend-ddns handler (checks its address, then answers as Kea does with DDNS disabled). */
#ifndef NESTOR_DHCP4_LEASE_ARGS4_H
#define NESTOR_DHCP4_LEASE_ARGS4_H

#include <jansson.h>
#include <stdbool.h>

json_t *lease4_check_write_args(json_t *args, bool update);
json_t *lease4_check_find_args(json_t *args, bool del);
json_t *lease4_check_by_args(json_t *args, const char *key);
json_t *lease4_cmd_resend_ddns(const char *name, json_t *args, void *ud);

#endif
