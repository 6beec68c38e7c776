/* Reconciling the open listeners with a new socket configuration: see ctrl_apply_sockets in
 * ctrl.h. Two phases: first everything that can fail (opening new sockets, loading new TLS
 * files) is done while the old state stays untouched; only then are updates installed and
 * the sockets that are no longer configured closed. */
#include "ctrl/ctrl_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/errcode.h"

enum step_kind { STEP_NONE, STEP_NEW_UNIX, STEP_NEW_HTTP, STEP_UPDATE_HTTP };

struct step {
    enum step_kind kind;
    struct ctrl_http_listener *l;
    ctrl_http_update_t *u;
};

static void rollback(ctrl_t *c, const ctrl_sockets_config_t *cfg, struct step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const ctrl_socket_config_t *s = &cfg->items[i];
        switch (steps[i].kind) {
        case STEP_NEW_UNIX:
            ctrl_unix_close(c, s->socket_name);
            break;
        case STEP_NEW_HTTP:
            ctrl_http_close(c, s->http.address, s->http.port);
            break;
        case STEP_UPDATE_HTTP:
            ctrl_http_update_discard(steps[i].u);
            break;
        default:
            break;
        }
    }
}

int ctrl_apply_sockets(ctrl_t *c, const ctrl_sockets_config_t *cfg, char *err, size_t errlen)
{
    size_t n = cfg ? cfg->n : 0;
    struct step *steps = xcalloc(n ? n : 1, sizeof(*steps));
    int rc = 0;
    size_t i;
    for (i = 0; i < n && rc == 0; i++) {
        const ctrl_socket_config_t *s = &cfg->items[i];
        if (s->type == CTRL_SOCK_UNIX) {
            if (ctrl_unix_is_open(c, s->socket_name))
                continue;
            rc = ctrl_unix_listen(c, s->socket_name, err, errlen);
            if (rc == 0)
                steps[i].kind = STEP_NEW_UNIX;
            continue;
        }
        bool tls = false;
        struct ctrl_http_listener *l = ctrl_http_find(c, s->http.address, s->http.port, &tls);
        if (!l) {
            rc = ctrl_http_listen(c, &s->http, err, errlen);
            if (rc == 0)
                steps[i].kind = STEP_NEW_HTTP;
        } else if (tls != s->http.tls) {
            /* Kea refuses this too: a typo must not silently drop TLS on a live port. */
            snprintf(err, errlen,
                     "cannot switch control socket %s port %u between HTTP and HTTPS; use "
                     "another address or port", s->http.address, s->http.port);
            rc = NST_ECONFIG;
        } else {
            rc = ctrl_http_update_prepare(l, &s->http, &steps[i].u, err, errlen);
            if (rc == 0) {
                steps[i].kind = STEP_UPDATE_HTTP;
                steps[i].l = l;
            }
        }
    }
    if (rc < 0) {
        rollback(c, cfg, steps, i);
        free(steps);
        return rc;
    }
    for (i = 0; i < n; i++)
        if (steps[i].kind == STEP_UPDATE_HTTP)
            ctrl_http_update_commit(steps[i].l, steps[i].u);
    ctrl_unix_close_unlisted(c, cfg);
    ctrl_http_close_unlisted(c, cfg);
    free(steps);
    return 0;
}
