/* High availability as DHCPv4 describes itself to the family-neutral HA service (ha_service.h):
 * its service name and message ids, the lease updates it sends (Kea 2.2's command_creator:
 * lease4-update with force-create, lease4-del, the lease's JSON with "expire" instead of "cltt")
 * and how a synchronization page's lease is stored. */
#include <string.h>

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

/* The client whose rejected updates max-rejected-lease-updates counts (Kea 2.4's key: the
 * hardware address and the client identifier). */
static void client_of(const lease_t *l, ha_cmd_t *c)
{
    uint8_t *k = c->client;
    k[0] = l->hwaddr_len;
    if (l->hwaddr_len)   /* a lease without one has NULL there: memcpy must not see it */
        memcpy(k + 1, l->hwaddr, l->hwaddr_len);
    size_t n = 1 + l->hwaddr_len, cid = l->client_id_len;
    if (cid > HA_CLIENT_KEY_MAX - n)
        cid = HA_CLIENT_KEY_MAX - n;
    if (cid)
        memcpy(k + n, l->client_id, cid);
    c->client_len = (uint16_t)(n + cid);
    c->lifetime = l->valid_lft;
}

/* Kea's leases4_committed: the client's previous lease when its address went, then its new one,
 * marked "origin": "ha-partner" as later Kea versions do (Kea 2.2 ignores it; a Nestor partner
 * then refuses to take an address another client holds: a conflict). */
static size_t update_cmds4(const lease_change_t *ch, ha_cmd_t *out)
{
    size_t n = 0;
    if (ch->old_lease && (!ch->new_lease || ch->old_lease->addr.v4 != ch->new_lease->addr.v4))
        out[n++] = (ha_cmd_t){.name = "lease4-del", .args = lease_for_peer(ch->old_lease), .key = ch->old_lease->addr.v4};
    if (ch->new_lease) {
        json_t *a = lease_for_peer(ch->new_lease);
        json_object_set_new(a, "force-create", json_true());
        json_object_set_new(a, "origin", json_string("ha-partner"));
        out[n] = (ha_cmd_t){.name = "lease4-update", .args = a, .key = ch->new_lease->addr.v4};
        client_of(ch->new_lease, &out[n++]);
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
