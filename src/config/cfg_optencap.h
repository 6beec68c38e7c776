/* Encapsulated option spaces at one configuration level (Kea 2.2 CfgOption::encapsulate), for
 * both address families.
 *
 * Contract:
 * - Kea builds each level's options once, when the configuration is loaded: an option of the
 *   family's standard space whose definition encapsulates a space (option 43 and its
 *   "vendor-encapsulated-options-space", a custom option with "encapsulate") carries, after its
 *   own value, the options of that space configured at the SAME level (global, shared network,
 *   subnet, pool, host reservation or client class), never another level's. Sub-options nest
 *   (one that encapsulates a further space takes that space's options of the same level) and are
 *   written in code order. Sub-options already present in the option's own data (hex data after
 *   the value) come first in that order and hide configured ones of the same code.
 * - cfg_optset_encapsulate() rewrites, in place, the data of the standard-space options that
 *   encapsulate a space; every other option keeps its data. Options of other spaces are only
 *   read. On failure (spaces that encapsulate each other in a loop, which crashes Kea; a payload
 *   longer than 65535 bytes) it returns NST_ECONFIG with the reason in err and leaves the set
 *   as it was.
 * - Pure function of its arguments; no allocation survives the call except the new data.
 */
#ifndef NESTOR_CONFIG_CFG_OPTENCAP_H
#define NESTOR_CONFIG_CFG_OPTENCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg4.h"

/* What the option parser learnt from an option's definition, one entry per option of the set. */
typedef struct cfg_optencap {
    const char *encap;      /* the space the option carries (borrowed), NULL: none */
    uint32_t head;          /* bytes of its own value at the start of its data */
    bool pad, end;          /* in sub-options found in its data, code 0 is padding and code 255
                             * ends them (Kea: option 43, unless its space defines those codes) */
} cfg_optencap_t;

/* What differs between the families. */
typedef struct cfg_optfamily {
    const char *std_space;  /* the space of options with space == NULL: "dhcp4" / "dhcp6" */
    uint8_t hdr;            /* bytes of a sub-option's code and of its length: 1 / 2 */
} cfg_optfamily_t;

extern const cfg_optfamily_t cfg_optfamily4;

int cfg_optset_encapsulate(cfg_optset_t *set, const cfg_optencap_t *how, const cfg_optfamily_t *fam,
                           char *err, size_t errlen);

#endif
