/* The neutral steps of applying a configuration: loggers, control sockets, pausing the workers
 * for a structural change, publishing the generation (see core.h, "Applying a configuration"). */
#include "server/core.h"

#include <stdio.h>

#include "common/errcode.h"
#include "common/util.h"

int srv_apply_begin(srv_core_t *c, const void *cfg, srv_apply_t *a, char *err, size_t errlen)
{
    *a = (srv_apply_t){0};
    if (srv_core_prepare(c->fam, cfg, &a->logs, &a->socks, err, errlen))
        return NST_ECONFIG;
    if (!c->fam->running(c)) {
        /* Start-up: the configured loggers first (as Kea), so that what the family opens next
         * reports (bad lease rows, the load summary) and a fatal error reach them. */
        nlog_apply(a->logs);
        a->logs = NULL;
    }
    a->mt = &c->fam->view(cfg).common->mt;
    a->new_workers = srv_core_workers_change(c, a->mt);
    return 0;
}

int srv_apply_ctrl(srv_core_t *c, srv_apply_t *a, char *err, size_t errlen)
{
    int r = 0;
    if (c->ctrl) {
        char e[512];
        r = ctrl_apply_sockets(c->ctrl, a->socks, e, sizeof e);
        if (r)
            snprintf(err, errlen, "control socket: %s", e);
        a->ctrl_changed = !r;
    }
    ctrl_sockets_config_free(a->socks);
    a->socks = NULL;
    return r;
}

void srv_apply_pause(srv_core_t *c, srv_apply_t *a, bool structural)
{
    a->paused = c->workers && (structural || a->new_workers);
    if (a->paused)
        workq_pause(c->workers);
}

void srv_apply_abort(srv_core_t *c, srv_apply_t *a)
{
    const void *running = c->fam->running(c);
    if (a->ctrl_changed && running) { /* keep serving on the old control sockets */
        char e[256];
        nlog_setup_t *ol;
        ctrl_sockets_config_t *os;
        if (srv_core_prepare(c->fam, running, &ol, &os, e, sizeof e) == 0) {
            ctrl_apply_sockets(c->ctrl, os, e, sizeof e);
            nlog_setup_free(ol);
            ctrl_sockets_config_free(os);
        }
    }
    ctrl_sockets_config_free(a->socks);
    nlog_setup_free(a->logs);
    if (a->paused)
        workq_resume(c->workers);
    *a = (srv_apply_t){0};
}

void srv_apply_accept(srv_core_t *c, srv_apply_t *a)
{
    if (a->logs)
        nlog_apply(a->logs);
    a->logs = NULL;
}

void srv_apply_publish(srv_core_t *c, srv_apply_t *a, gen_t *g, void (*under_pause)(gen_t *g))
{
    if (c->workers && !a->paused) {
        workq_pause(c->workers);
        a->paused = true;
    }
    gen_publish(&c->gens, g); /* the old generation goes with its last worker's reference */
    if (under_pause)
        under_pause(g);
    if (a->new_workers) {
        workq_stop(c->workers); /* what waited in its queue is dropped and counted */
        c->workers = NULL;
        srv_core_start_workers(c, a->mt);
    } else if (a->paused) {
        workq_resume(c->workers);
    }
    c->reload_mono_ms = now_mono_ms();
}
