/* The HTTP listener at this server's own high-availability peer URL (see core.h, "HA listener"). */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ha/ha_config.h"
#include "server/core.h"

void srv_ha_listener(const ha_config_t *ha, const char *realm, ctrl_sockets_config_t *socks)
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
    ctrl_http_config_t hc = {
        .address = (char *)me->host, .port = port, .tls = me->use_tls,
        .trust_anchor = (char *)me->ca, .cert_file = (char *)me->cert, .key_file = (char *)me->key,
        .cert_required = ha->require_client_certs, .realm = (char *)realm,
        .clients = auth ? &client : NULL, .nclients = auth,
    };
    ctrl_http_config_t *d = ctrl_http_config_dup(&hc);
    socks->items = xrealloc(socks->items, (socks->n + 1) * sizeof *socks->items);
    socks->items[socks->n++] = (ctrl_socket_config_t){me->use_tls ? CTRL_SOCK_HTTPS : CTRL_SOCK_HTTP, NULL, *d};
    free(d);
}
