/* The server core: lifecycle, service state, workers' guard, completions, signals, and the checks
 * of what a configuration needs of other modules (see core.h). */
#include "server/core.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/errcode.h"
#include "common/util.h"
#include "server/srvlog.h"

void srv_report_to_log(void *arg, int severity, const char *msgid, const char *text)
{
    static const enum nlog_sev map[] = {NLOG_DEBUG, NLOG_INFO, NLOG_WARN, NLOG_ERROR, NLOG_FATAL};
    enum nlog_logger lg = (enum nlog_logger)(intptr_t)arg;
    enum nlog_sev sev = severity >= 0 && severity <= 4 ? map[severity] : NLOG_INFO;
    if (nlog_enabled(lg, sev, 0))
        nlog_write(lg, sev, 0, msgid, "%s", text);
}

bool srv_core_serving(const srv_core_t *c)
{
    for (int o = 0; o < SRV_ORIGIN__COUNT; o++)
        if (atomic_load(&c->disabled[o]))
            return false;
    return !srv_dbrec_disabled(&c->dbrec);
}

void srv_core_set_service(srv_core_t *c, enum srv_origin o, bool enabled)
{
    atomic_store(&c->disabled[o], !enabled);
    if (enabled && c->enable[o].ev)
        event_del(c->enable[o].ev);
}

void srv_core_shutdown(srv_core_t *c, int code)
{
    /* Stop serving at once, but let the loop run briefly so that the answer to a "shutdown"
     * command reaches its client before the process exits. */
    c->exit_code = code;
    atomic_store(&c->disabled[SRV_ORIGIN_USER], true);
    struct timeval tv = {0, 200000};
    event_base_loopexit(c->base, &tv);
}

/* A signal: nobody waits for an answer, so the loop ends now and the process exits once its
 * stores are flushed (a `stop; start` script finds the old process gone). */
static void shutdown_now(srv_core_t *c, int code)
{
    c->exit_code = code;
    atomic_store(&c->disabled[SRV_ORIGIN_USER], true);
    event_base_loopbreak(c->base);
}

/* ---- database recovery (dbrecover.h): the family names the databases ---- */

static const cfg_db_t *rec_lease_params(void *arg)
{
    srv_core_t *c = arg;
    const void *cfg = c->fam->running(c);
    return cfg ? &c->fam->view(cfg).common->lease_db.sql : NULL;
}

static int rec_lease_reconnect(void *arg, char *err, size_t errlen)
{
    srv_core_t *c = arg;
    return c->fam->lease_reconnect(c, err, errlen);
}

static hostdb_t *rec_hosts_db(void *arg, size_t i)
{
    srv_core_t *c = arg;
    return c->fam->running(c) ? c->fam->hosts_db(c, i) : NULL;
}

static void rec_shutdown(void *arg, int code)
{
    srv_core_shutdown(arg, code);
}

static const srv_dbrec_ops_t rec_ops = {rec_lease_params, rec_lease_reconnect, rec_hosts_db, rec_shutdown};

/* ---- workers ---- */

/* ctrl brackets exclusive commands (ctrl_register's default) with these, not concurrent ones. */
static void guard_enter(void *arg)
{
    srv_core_t *c = arg;
    if (c->workers)
        workq_pause(c->workers);
    c->in_command = true;
}

static void guard_leave(void *arg)
{
    srv_core_t *c = arg;
    c->in_command = false;
    if (c->workers)
        workq_resume(c->workers);
}

bool srv_core_workers_change(srv_core_t *c, const cfg_mt_t *mt)
{
    const void *cur = c->fam->running(c);
    if (!cur || !mt->enabled != !c->workers)
        return true;
    const cfg_mt_t *o = &c->fam->view(cur).common->mt;
    return mt->enabled &&
           (mt->thread_pool_size != o->thread_pool_size || mt->packet_queue_size != o->packet_queue_size);
}

void srv_core_start_workers(srv_core_t *c, const cfg_mt_t *mt)
{
    if (mt->enabled)
        c->workers = c->fam->start_workers(c, mt->thread_pool_size, mt->packet_queue_size, c->in_command);
}

/* ---- completions ---- */

void srv_core_defer(srv_core_t *c, srv_done_t *d)
{
    pthread_mutex_lock(&c->done_lock);
    d->next = c->done_head;
    c->done_head = d;
    pthread_mutex_unlock(&c->done_lock);
    event_active(c->ev_completions, EV_READ, 0);
}

void srv_core_completions_run(srv_core_t *c)
{
    pthread_mutex_lock(&c->done_lock);
    srv_done_t *d = c->done_head;
    c->done_head = NULL;
    pthread_mutex_unlock(&c->done_lock);
    while (d) {
        srv_done_t *next = d->next;
        c->fam->complete(c, d);
        d = next;
    }
}

static void on_completions(evutil_socket_t fd, short what, void *arg)
{
    srv_core_completions_run(arg);
}

/* ---- configuration ---- */

int srv_core_reload_file(srv_core_t *c, const char *path, char *err, size_t errlen)
{
    const char *p = c->fam->prefix;
    srv_log(p, NLOG_APP, NLOG_INFO, "DYNAMIC_RECONFIGURATION", "reconfiguring from file: %s (SIGHUP or config-reload)",
            path);
    void *cfg;
    int r = c->fam->load_file(path, &cfg, err, errlen) ? NST_ECONFIG : c->fam->apply(c, cfg, err, errlen);
    if (r) {
        srv_log(p, NLOG_APP, NLOG_ERROR, "CONFIG_LOAD_FAIL", "configuration error using file: %s, reason: %s", path,
                err);
        srv_log(p, NLOG_APP, NLOG_FATAL, "DYNAMIC_RECONFIGURATION_FAIL",
                "reconfiguration from file %s failed; the running configuration is unchanged", path);
    } else {
        srv_log(p, NLOG_APP, NLOG_INFO, "DYNAMIC_RECONFIGURATION_SUCCESS", "reconfigured from file: %s", path);
    }
    return r;
}

/* Finds the path of node inside root (for error positions of borrowed JSON). */
static bool path_of(json_t *root, const json_t *node, char *buf, size_t cap, size_t len)
{
    if (root == node)
        return true;
    if (json_is_object(root)) {
        const char *k;
        json_t *v;
        json_object_foreach(root, k, v) {
            int n = snprintf(buf + len, cap - len, "/%s", k);
            if (n > 0 && (size_t)n < cap - len && path_of(v, node, buf, cap, len + (size_t)n))
                return true;
        }
    } else if (json_is_array(root)) {
        size_t i;
        json_t *v;
        json_array_foreach(root, i, v) {
            int n = snprintf(buf + len, cap - len, "/%zu", i);
            if (n > 0 && (size_t)n < cap - len && path_of(v, node, buf, cap, len + (size_t)n))
                return true;
        }
    }
    buf[len] = '\0';
    return false;
}

static int prepare(const srv_family_t *fam, const void *cfg, unsigned log_flags, nlog_setup_t **logs,
                   ctrl_sockets_config_t **socks, char *err, size_t errlen)
{
    srv_cfg_view_t v = fam->view(cfg);
    char e[1024] = "";
    char where[1400];
    char path[1024];
    *logs = NULL;
    *socks = NULL;
    if (nlog_prepare_ex(v.common->loggers, log_flags, logs, e, sizeof e, NULL, 0)) {
        snprintf(path, sizeof path, "/%s/loggers", fam->root);
        jsonsrc_where(v.src, path, where, sizeof where);
        snprintf(err, errlen, "%s: %s", where, e);
        return NST_ECONFIG;
    }
    const json_t *at = NULL;
    if (ctrl_sockets_parse(v.map, fam->realm, socks, &at, e, sizeof e)) {
        path[0] = '\0';
        if (at)
            path_of(jsonsrc_root(v.src), at, path, sizeof path, 0);
        if (!path[0])
            snprintf(path, sizeof path, "/%s", fam->root);
        jsonsrc_where(v.src, path, where, sizeof where);
        snprintf(err, errlen, "%s: %s", where, e);
        nlog_setup_free(*logs);
        *logs = NULL;
        return NST_ECONFIG;
    }
    if (v.common->ha)
        srv_ha_listener(v.common->ha, fam, *socks);
    return 0;
}

int srv_core_prepare(const srv_family_t *fam, const void *cfg, nlog_setup_t **logs, ctrl_sockets_config_t **socks,
                     char *err, size_t errlen)
{
    return prepare(fam, cfg, 0, logs, socks, err, errlen);
}

int srv_core_check(const srv_family_t *fam, const void *cfg, char *err, size_t errlen)
{
    nlog_setup_t *logs;
    ctrl_sockets_config_t *socks;
    /* as Kea's -t and config-test: the loggers are checked, their files are not opened */
    int r = prepare(fam, cfg, NLOG_PREPARE_CHECK_ONLY, &logs, &socks, err, errlen);
    if (r)
        return r;
    nlog_setup_free(logs);
    ctrl_sockets_config_free(socks);
    return 0;
}

/* ---- signals ---- */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    srv_core_t *c = arg;
    const char *p = c->fam->prefix;
    if (sig == SIGHUP) {
        char err[2048];
        srv_core_reload_file(c, c->config_path, err, sizeof err); /* logs what happened */
        return;
    }
    srv_log(p, NLOG_DHCPSRV, NLOG_INFO, "SHUTDOWN", "received signal %d, shutting down", (int)sig);
    shutdown_now(c, 0);
}

void srv_core_watch_signals(srv_core_t *c)
{
    static const int sigs[] = {SIGHUP, SIGTERM, SIGINT};
    for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
        c->ev_sigs[i] = evsignal_new(c->base, sigs[i], on_signal, c);
        event_add(c->ev_sigs[i], NULL);
    }
}

/* ---- lifecycle ---- */

/* ---- receive hold: the sockets' buffers wait while the workers' queue is full ---- */

static void rx_wake(void *arg) /* a worker thread */
{
    srv_core_t *c = arg;
    event_active(c->ev_rx_room, EV_READ, 0);
}

static void on_rx_room(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    srv_core_t *c = arg;
    if (!c->rx_held)
        return;
    c->rx_held = false;
    event_del(c->ev_rx_room);
    c->fam->rx_enable(c, true);
}

size_t srv_core_rx_room(srv_core_t *c)
{
    if (!c->workers || !c->fam->rx_enable)
        return SIZE_MAX;
    size_t n = workq_room(c->workers, rx_wake, c);
    if (!n && !c->rx_held) {
        c->rx_held = true;
        c->rx_holds++;
        c->fam->rx_enable(c, false);
        struct timeval tv = {0, SRV_RX_HOLD_MAX_MS * 1000};
        event_add(c->ev_rx_room, &tv);
        LOG_DEBUG(NLOG_PACKETS, NLOG_DBG_PKT_HANDLING, "DHCPSRV_RX_HOLD",
                  "the packet queue is full: not receiving until the workers free room");
    }
    return n;
}

void srv_core_init(srv_core_t *c, struct event_base *base, const srv_family_t *fam, const char *config_path)
{
    c->fam = fam;
    c->base = base;
    c->config_path = config_path;
    c->start_mono_ms = c->reload_mono_ms = now_mono_ms();
    gen_slot_init(&c->gens);
    for (int o = 0; o < SRV_ORIGIN__COUNT; o++) {
        atomic_init(&c->disabled[o], false);
        c->enable[o] = (struct srv_enable_timer){c, (enum srv_origin)o, NULL};
    }
    pthread_mutex_init(&c->done_lock, NULL);
    c->ev_completions = event_new(base, -1, 0, on_completions, c);
    c->ev_rx_room = event_new(base, -1, 0, on_rx_room, c);
    srv_dbrec_init(&c->dbrec, base, fam->prefix, &rec_ops, c);
    c->ctrl = ctrl_new(base, srv_report_to_log, (void *)(intptr_t)NLOG_COMMANDS);
    ctrl_set_guard(c->ctrl, guard_enter, guard_leave, c);
    srv_cmds_register(c);
}

void srv_core_stop(srv_core_t *c)
{
    workq_stop(c->workers);
    c->workers = NULL;
    srv_core_completions_run(c);
    ctrl_free(c->ctrl);
    c->ctrl = NULL;
    gen_slot_fini(&c->gens); /* drops the current generation: the workers have let go of theirs */
}

void srv_core_fini(srv_core_t *c)
{
    for (int o = 0; o < SRV_ORIGIN__COUNT; o++)
        if (c->enable[o].ev)
            event_free(c->enable[o].ev);
    for (size_t i = 0; i < ARRAY_SIZE(c->ev_sigs); i++)
        if (c->ev_sigs[i])
            event_free(c->ev_sigs[i]);
    if (c->ev_completions)
        event_free(c->ev_completions);
    if (c->ev_rx_room)
        event_free(c->ev_rx_room);
    srv_dbrec_fini(&c->dbrec);
    pthread_mutex_destroy(&c->done_lock);
    if (c->pid_path) {
        unlink(c->pid_path);
        free(c->pid_path);
        c->pid_path = NULL;
    }
}
