/* The HTTP listener at this server's own high-availability peer URL (see core.h, "HA listener"). */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ha/ha_config.h"
#include "server/core.h"

/* What restrict-commands lets through, as Kea 2.2's HA service: what a partner sends (heartbeats,
 * lease updates, the synchronization's commands) and the two commands that describe the server. */
static const char *const restricted_v4[] = {
    "list-commands", "status-get", "dhcp-disable", "dhcp-enable", "ha-reset", "ha-heartbeat",
    "lease4-update", "lease4-del", "lease4-get-all", "lease4-get-page", "ha-maintenance-notify",
    "ha-sync-complete-notify", NULL};
static const char *const restricted_v6[] = {
    "list-commands", "status-get", "dhcp-disable", "dhcp-enable", "ha-reset", "ha-heartbeat",
    "lease6-bulk-apply", "lease6-update", "lease6-del", "lease6-get-all", "lease6-get-page",
    "ha-maintenance-notify", "ha-sync-complete-notify", NULL};

static void listen_at(const ha_config_t *ha, bool hub, const srv_family_t *fam, ctrl_sockets_config_t *socks)
{
    const ha_peer_t *me = ha_config_this(ha);
    if (!me)
        return;
    uint16_t port = me->port ? me->port : me->https ? 443 : 80;
    for (size_t i = 0; i < socks->n; i++) {
        const ctrl_socket_config_t *k = &socks->items[i];
        if (k->type != CTRL_SOCK_UNIX && k->http.port == port && !strcmp(k->http.address, me->host))
            return;   /* a control socket serves it already */
    }
    ctrl_http_client_t client = {me->basic_auth_user, me->basic_auth_password ? me->basic_auth_password : ""};
    bool auth = me->basic_auth_user && *me->basic_auth_user;
    bool v6 = !strcmp(fam->root, "Dhcp6");
    ctrl_http_config_t hc = {
        .address = (char *)me->host, .port = port, .tls = me->use_tls,
        .trust_anchor = (char *)me->ca, .cert_file = (char *)me->cert, .key_file = (char *)me->key,
        .cert_required = ha->require_client_certs, .realm = (char *)fam->realm,
        .clients = auth ? &client : NULL, .nclients = auth,
        .accept = !ha->restrict_commands ? NULL : v6 ? restricted_v6 : restricted_v4,
        .server_name = hub ? (char *)ha->this_server_name : NULL,
    };
    ctrl_http_config_t *d = ctrl_http_config_dup(&hc);
    socks->items = xrealloc(socks->items, (socks->n + 1) * sizeof *socks->items);
    socks->items[socks->n++] = (ctrl_socket_config_t){me->use_tls ? CTRL_SOCK_HTTPS : CTRL_SOCK_HTTP, NULL, *d};
    free(d);
}

/* Each relationship at its own URL (hub-and-spoke: one listener per relationship). */
void srv_ha_listener(const ha_config_t *ha, const srv_family_t *fam, ctrl_sockets_config_t *socks)
{
    bool hub = ha && ha->next;
    for (; ha; ha = ha->next)
        listen_at(ha, hub, fam, socks);
}
