/* Internal to ha_config*.c. */
#ifndef NESTOR_HA_HA_CONFIG_INT_H
#define NESTOR_HA_HA_CONFIG_INT_H

#include <jansson.h>

#include "ha/ha_config.h"

struct pctx;
/* Refuses keys of obj not in allowed (NULL-terminated; "comment" and "user-context" always pass):
 * a key of a later Kea version says so, another is "unknown" with the nearest valid name. Returns 0
 * (errors are recorded, as pctx_check_keys does). */
int ha_check_keys(struct pctx *p, json_t *obj, const char *what, const char *const *allowed);
/* The checks across the relationship rel once every value is parsed (ha_config_check.c). */
int ha_config_check(struct pctx *p, json_t *rel, ha_config_t *c);
/* Hub-and-spoke: the checks across the relationships starting at first, each valid on its own
 * (ha_config_hub.c); the context's path is "high-availability". */
int ha_config_check_hub(struct pctx *p, const ha_config_t *first);

#endif
