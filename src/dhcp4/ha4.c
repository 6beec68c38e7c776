/* High availability as DHCPv4 describes itself to the family-neutral HA service (ha_service.h):
 * its service name and message ids, the lease updates it sends (Kea 2.2's command_creator:
 * lease4-update with force-create, lease4-del, the lease's JSON with "expire" instead of "cltt")
 * and how a synchronization page's lease is stored. */
#include "dhcp4/srv4.h"
#include "lease/lease_json.h"

/* Kea's insertLeaseExpireTime: "expire" = cltt + valid-lft replaces "cltt". */
static json_t *lease_for_peer(const lease_t *l)
{
    json_t *j = lease_to_json(l);
    json_object_set_new(j, "expire", json_integer(lease_expire(l)));
    json_object_del(j, "cltt");
    return j;
}

/* Kea's leases4_committed: the client's previous lease when its address went, then its new one. */
static size_t update_cmds4(const lease_change_t *ch, ha_cmd_t *out)
{
    size_t n = 0;
    if (ch->old_lease && (!ch->new_lease || ch->old_lease->addr.v4 != ch->new_lease->addr.v4))
        out[n++] = (ha_cmd_t){"lease4-del", lease_for_peer(ch->old_lease), ch->old_lease->addr.v4};
    if (ch->new_lease) {
        json_t *a = lease_for_peer(ch->new_lease);
        json_object_set_new(a, "force-create", json_true());
        out[n++] = (ha_cmd_t){"lease4-update", a, ch->new_lease->addr.v4};
    }
    return n;
}

static int sync_lease4(srv_core_t *c, json_t *lease, void (*done)(void *arg, int err), void *arg, char *err,
                       size_t errlen)
{
    return srv4_lease_sync(SRV4_OF(c), lease, done, arg, err, errlen);
}

const ha_family_t srv4_ha_family = {
    .service = "dhcp4",
    .client_msg = "HA_COMMUNICATION_INTERRUPTED_CLIENT4",
    .unacked_msg = "HA_COMMUNICATION_INTERRUPTED_CLIENT4_UNACKED",
    .stale_msg = "HA_LEASE_SYNC_STALE_LEASE4_SKIP",
    .get_page = "lease4-get-page",
    .update_cmds = update_cmds4,
    .sync_lease = sync_lease4,
};
