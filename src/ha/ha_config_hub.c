/* Hub-and-spoke (Kea 2.6's several relationships in "high-availability", see ha_config.h): the
 * checks across relationships once each one is valid on its own. */
#include <arpa/inet.h>
#include <string.h>

#include "config/cfg4_ctx.h"
#include "ha/ha_config_int.h"

/* Whether two peers' URLs reach the same listener: scheme, address (as bytes) and port. */
static bool same_endpoint(const ha_peer_t *a, const ha_peer_t *b)
{
    unsigned char x[16] = {0}, y[16] = {0};
    uint16_t pa = a->port ? a->port : a->https ? 443 : 80, pb = b->port ? b->port : b->https ? 443 : 80;
    return a->https == b->https && a->af == b->af && pa == pb && inet_pton(a->af, a->host, x) == 1 &&
           inet_pton(b->af, b->host, y) == 1 && !memcmp(x, y, sizeof x);
}

/* Peer k of relationship c against every peer of the relationships before it. */
static int check_peer(struct pctx *p, const ha_config_t *first, const ha_config_t *c, size_t k)
{
    const ha_peer_t *peer = &c->peers[k];
    int r = 0;
    for (const ha_config_t *o = first; o != c; o = o->next)
        for (size_t j = 0; j < o->peer_count; j++) {
            const ha_peer_t *other = &o->peers[j];
            if (!strcmp(other->name, peer->name))
                r = pctx_fail(p, "name", "peer name '%s' is also in relationship %u: with several relationships "
                              "(hub-and-spoke) every peer name belongs to one relationship only", peer->name,
                              o->index);
            else if (same_endpoint(other, peer))
                r = pctx_fail(p, "url", "url '%s' of peer '%s' is also the url of peer '%s' in relationship %u: "
                              "with several relationships (hub-and-spoke) every peer needs its own address and port",
                              peer->url, peer->name, other->name, o->index);
        }
    return r;
}

int ha_config_check_hub(struct pctx *p, const ha_config_t *first)
{
    int r = 0;
    for (const ha_config_t *c = first; c; c = c->next) {
        size_t o1 = pctx_push_idx(p, c->index);
        if (c->mode != HA_MODE_HOT_STANDBY)
            r = pctx_fail(p, "mode", "relationship %u is in mode '%s': with several relationships (hub-and-spoke, "
                          "Kea 2.6) each one must be in mode 'hot-standby'", c->index, ha_mode_name(c->mode));
        size_t o2 = pctx_push(p, "peers");
        for (size_t k = 0; k < c->peer_count; k++) {
            size_t o3 = pctx_push_idx(p, k);
            PCTX_STEP(r, check_peer(p, first, c, k));
            pctx_pop(p, o3);
        }
        pctx_pop(p, o2);
        pctx_pop(p, o1);
    }
    return r;
}
