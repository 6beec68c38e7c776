/* Hub-and-spoke (Kea 2.6): subnets and shared networks name their high-availability relationship
 * with "user-context": {"ha-server-name": <any peer name of the relationship>} (cfg_common.h),
 * for both families. With one relationship (Kea 2.2's configuration) a name that is a peer of it
 * maps the subnet (its synchronization then takes only the leases of such subnets, as Kea 2.6's);
 * anything else leaves it unmapped and served as Kea 2.2 does. With several, a subnet without a
 * relationship loads, as in Kea 2.6, and the family drops its queries (dhcp4/proc4.c), warning of
 * it when its HA service starts (dhcp4/srv4.c). */
#include "config/cfg_common.h"

#include "common/util.h"
#include "ha/ha_config.h"

const char *cfg_ha_server_name(json_t *obj)
{
    json_t *ctx = json_object_get(obj, "user-context"), *v = json_object_get(ctx, "ha-server-name");
    if (!v || !json_is_object(ctx))
        return NULL;
    return json_is_string(v) ? json_string_value(v) : "";
}

int cfg_ha_relationship(const ha_config_t *ha, const char *name, char **unknown)
{
    if (!ha || !name)
        return CFG_HA_REL_NONE;
    if (!*name)
        return CFG_HA_REL_INVALID;
    int rel = ha_config_relationship_of(ha, name);
    if (rel >= 0)
        return rel;
    *unknown = xstrdup(name);
    return CFG_HA_REL_UNKNOWN;
}
