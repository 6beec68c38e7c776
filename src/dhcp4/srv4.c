/* Server lifecycle: applying a configuration (all or nothing), timers, service state. */
#include "dhcp4/srv4.h"

#include <arpa/inet.h>
#include "dhcp4/host_cmds4.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_config.h"
#include "common/errcode.h"
#include "common/util.h"
#include "config/cfg_paths.h"
#include "ctrl/ctrl.h"
#include "dhcp4/workers4.h"
#include "lease/memfile.h"
#include "lease/lease_my.h"
#include "lease/lease_pg.h"
#include "log/log.h"

static void report_memfile(void *arg, int severity, const char *msgid, const char *text)
{
    enum nlog_sev sev = severity <= MEMFILE_SEV_ERROR ? NLOG_ERROR
                      : severity == MEMFILE_SEV_WARN  ? NLOG_WARN
                      : severity == MEMFILE_SEV_INFO  ? NLOG_INFO : NLOG_DEBUG;
    int dbg = sev == NLOG_DEBUG ? NLOG_DBG_TRACE : 0;
    if (nlog_enabled(NLOG_LEASES, sev, dbg))
        nlog_write(NLOG_LEASES, sev, dbg, msgid, "%s", text);
}

/* Kea's sanity checks on a lease read from the lease file (sanity-checks: lease-checks): a
 * lease whose subnet-id does not name the subnet holding its address is kept with a warning,
 * moved to that subnet, or dropped. */
static int check_loaded_lease(void *arg, lease_t *l)
{
    const cfg4_t *cfg = arg;
    int mode = cfg->common.lease_checks;
    const cfg_subnet4_t *own = cfg4_subnet_by_id(cfg, l->subnet_id);
    if (mode == CFG_LEASE_CHECKS_NONE || (own && (l->addr.v4 & own->mask) == own->prefix))
        return 0;
    const cfg_subnet4_t *right = cfg4_subnet_containing(cfg, l->addr.v4);
    uint32_t id = right ? right->id : 0;
    char ip[INET_ADDRSTRLEN], why[96];
    uint32_t a = htonl(l->addr.v4);
    inet_ntop(AF_INET, &a, ip, sizeof ip);
    if (id)
        snprintf(why, sizeof why, "its address is in subnet %u", id);
    else
        snprintf(why, sizeof why, "no configured subnet holds its address");
    if (mode == CFG_LEASE_CHECKS_WARN || (mode == CFG_LEASE_CHECKS_FIX && !id)) {
        LOG_WARN(NLOG_DHCPSRV, "DHCPSRV_LEASE_SANITY_FAIL",
                 "lease %s read from the lease file: subnet-id %u does not match (%s); kept as it is", ip,
                 l->subnet_id, why);
        return 0;
    }
    if ((mode == CFG_LEASE_CHECKS_FIX || mode == CFG_LEASE_CHECKS_FIX_DEL) && id) {
        LOG_INFO(NLOG_DHCPSRV, "DHCPSRV_LEASE_SANITY_FIXED",
                 "lease %s read from the lease file: subnet-id %u does not match its address; moved to subnet %u",
                 ip, l->subnet_id, id);
        l->subnet_id = id;
        return 0;
    }
    LOG_WARN(NLOG_DHCPSRV, "DHCPSRV_LEASE_SANITY_FAIL_DISCARD",
             "lease %s read from the lease file: subnet-id %u does not match (%s); not loaded", ip,
             l->subnet_id, why);
    return 1;
}

static char *store_signature(const cfg_lease_db_t *db, const char *path)
{
    char *sig;
    if (asprintf(&sig, "%s|%s|%d|%u|%u|%d", db->type, path, db->persist, db->lfc_interval,
                 db->max_row_errors, db->durable) < 0)
        abort();
    return sig;
}

static void lease_path(const cfg4_t *cfg, char *buf, size_t cap)
{
    if (cfg->common.lease_db.name)
        snprintf(buf, cap, "%s", cfg->common.lease_db.name);
    else
        snprintf(buf, cap, "%s/kea-leases4.csv", NESTOR_LEASE_DIR);
}

static int open_store(srv4_t *s, const cfg4_t *cfg, lease_store_t **out, char **sig, char *err, size_t errlen)
{
    char path[4096];
    if (cfg->common.lease_db.sql.type != CFG_DB_MEMFILE)
        cfg_db_describe(&cfg->common.lease_db.sql, path, sizeof path);
    else
        lease_path(cfg, path, sizeof path);
    *sig = store_signature(&cfg->common.lease_db, path);
    if (s->store && s->store_sig && !strcmp(*sig, s->store_sig)) {
        *out = s->store; /* unchanged: keep the open store and its in-memory leases */
        return 0;
    }
    if (s->store) {
        /* Flush the old store first so that the new one loads everything from the file. */
        s->store->ops->flush(s->store);
    }
    if (cfg->common.lease_db.sql.type != CFG_DB_MEMFILE) {
        const cfg_db_t *db = &cfg->common.lease_db.sql;
        bool my = db->type == CFG_DB_MYSQL;
        sqlcore_config_t sc = {.db = db, .report = report_memfile, .lost = srv_dbrec_lease_lost,
                               .lost_arg = &s->core.dbrec,
                               .allow_offline = db->retry_on_startup && db->max_reconnect_tries &&
                                                db->reconnect_wait_time};
        char e2[768];
        int r = (my ? mysql_open : pgsql_open)(&sc, out, e2, sizeof e2);
        if (r) {
            snprintf(err, errlen, "cannot open the lease database (%s): %s", path, e2);
            free(*sig);
            *sig = NULL;
            return r;
        }
        if (my)
            LOG_INFO(NLOG_DHCPSRV, "DHCPSRV_MYSQL_DB", "opening MySQL lease database: %s", path);
        else
            LOG_INFO(NLOG_DHCPSRV, "DHCPSRV_PGSQL_DB", "opening PostgreSQL lease database: %s", path);
        return 0;
    }
    memfile_config_t mc = {
        .family = LEASE_V4, .path = path, .persist = cfg->common.lease_db.persist,
        .lfc_interval = cfg->common.lease_db.lfc_interval, .max_row_errors = cfg->common.lease_db.max_row_errors,
        .durable = cfg->common.lease_db.durable, .report = report_memfile,
        .check = check_loaded_lease, .check_arg = (void *)cfg,
    };
    int r = memfile_open(&mc, out, err, errlen);
    if (r) {
        free(*sig);
        *sig = NULL;
        return r;
    }
    LOG_INFO(NLOG_DHCPSRV, "DHCPSRV_MEMFILE_DB", "opening memory based lease database: %s%s",
             cfg->common.lease_db.persist ? path : "persist=false",
             cfg->common.lease_db.durable ? " (durable: replies wait for fsync)" : "");
    return 0;
}

static void schedule(struct event *ev, uint32_t secs)
{
    event_del(ev);
    if (secs) {
        struct timeval tv = {secs, 0};
        event_add(ev, &tv);
    }
}

static void on_reclaim(evutil_socket_t fd, short what, void *arg)
{
    srv4_t *s = arg;
    const cfg_expired_t *e = &s->rt->cfg->common.expired;
    /* As Kea: reclaimed leases are removed at once when the flush timer is off. */
    int n = alloc4_reclaim(s->rt->alloc, now_epoch(), e->max_reclaim_leases, e->max_reclaim_time,
                           e->flush_reclaimed_timer_wait_time == 0);
    if (n > 0)
        LOG_DEBUG(NLOG_ALLOC, 40, "ALLOC_ENGINE_V4_LEASES_RECLAMATION_COMPLETE", "reclaimed %d expired leases", n);
    schedule(s->ev_reclaim, e->reclaim_timer_wait_time);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    srv4_t *s = arg;
    const cfg_expired_t *e = &s->rt->cfg->common.expired;
    size_t n = 0;
    if (s->store->ops->delete_reclaimed(s->store, LEASE_V4, now_epoch(), e->hold_reclaimed_time, &n) == 0 && n > 0)
        LOG_DEBUG(NLOG_ALLOC, 40, "ALLOC_ENGINE_V4_RECLAIMED_LEASES_DELETE_COMPLETE",
                  "deleted %zu reclaimed leases held longer than %u seconds", n, e->hold_reclaimed_time);
    schedule(s->ev_flush, e->flush_reclaimed_timer_wait_time);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    srv4_t *s = arg;
    stats_tick();
    if (s->store && s->store->ops->tick)
        s->store->ops->tick(s->store, now_mono_ms());
}

/* Identity of the socket set a configuration needs. With re-detect (the default, as in Kea) it
 * includes the system's current interfaces and IPv4 addresses, so a reload after an interface
 * came, went or was renumbered reopens the sockets; otherwise unchanged sockets stay open. */
static char *iface_signature(const cfg4_t *c, uint16_t port)
{
    size_t cap = 64, o = 0;
    for (size_t i = 0; i < c->common.iface_count; i++)
        cap += strlen(c->common.ifaces[i].name) + 16;
    struct ifaddrs *ifa = NULL;
    if (c->common.re_detect && getifaddrs(&ifa) == 0)
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
            cap += strlen(i->ifa_name) + 32;
    char *sig = xmalloc(cap);
    o += (size_t)snprintf(sig + o, cap - o, "%d|%u", c->common.socket_type, port);
    for (size_t i = 0; i < c->common.iface_count; i++)
        o += (size_t)snprintf(sig + o, cap - o, "|%s/%u", c->common.ifaces[i].name, c->common.ifaces[i].addr);
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
            o += (size_t)snprintf(sig + o, cap - o, "|%s@%u=%08x", i->ifa_name, if_nametoindex(i->ifa_name),
                                  ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
    if (ifa)
        freeifaddrs(ifa);
    return sig;
}

static void add_server_id(srv4_rt_t *rt, const cfg_optset_t *set)
{
    const cfg_option_t *o = cfg_optset_find(set, PKT4_OPT_SERVER_ID);
    if (!o || o->len != 4)
        return;
    uint32_t a = (uint32_t)o->data[0] << 24 | (uint32_t)o->data[1] << 16 | (uint32_t)o->data[2] << 8 | o->data[3];
    for (size_t i = 0; i < rt->server_id_count; i++)
        if (rt->server_ids[i] == a)
            return;
    rt->server_ids = xrealloc(rt->server_ids, (rt->server_id_count + 1) * sizeof *rt->server_ids);
    rt->server_ids[rt->server_id_count++] = a;
}

/* Every configured dhcp-server-identifier: a request naming one of them is for us (Kea). */
static void collect_server_ids(srv4_rt_t *rt)
{
    const cfg4_t *c = rt->cfg;
    add_server_id(rt, &c->options);
    for (size_t i = 0; i < c->network_count; i++)
        add_server_id(rt, &c->networks[i].options);
    for (size_t i = 0; i < c->subnet_count; i++) {
        add_server_id(rt, &c->subnets[i].options);
        for (size_t k = 0; k < c->subnets[i].pool_count; k++)
            add_server_id(rt, &c->subnets[i].pools[k].options);
    }
    for (size_t i = 0; i < c->host_count; i++)
        add_server_id(rt, &c->hosts[i].options);
}

/* The last reference to a generation went (gen.h): whoever dropped it frees it. */
static void rt_destroy(gen_t *g)
{
    srv4_rt_t *rt = (srv4_rt_t *)g;
    alloc4_free(rt->alloc);
    hostmgr_free(rt->hostmgr);
    hosts4_free(rt->hosts);
    cfg4_free(rt->cfg);
    free(rt->server_ids);
    free(rt);
}

/* The allocation engine stored a lease change: the HA seam hears it, with a REQUEST's reply to
 * hold (see srv4.h). */
static void on_lease_change(void *arg, const lease_change_t *change, void *write_arg)
{
    srv4_t *s = arg;
    srv4_reply_t *reply = change->cause == LEASE_CHANGE_ALLOC ? write_arg : NULL;
    s->leases_changed(s->ha_arg, change, reply ? &reply->hold : NULL);
}

/* The leases_changed seam: the running HA service hears every stored change (srv4.h). */
static void ha_changed4(void *arg, const lease_change_t *change, srv_hold_t *hold)
{
    srv4_t *s = arg;
    if (!atomic_load_explicit(&s->ha_on, memory_order_acquire))
        return;
    pthread_rwlock_rdlock(&s->ha_rw);
    if (s->ha_live) {   /* the relationship of the lease's subnet (the only one, mostly) */
        const lease_t *l = change->new_lease ? change->new_lease : change->old_lease;
        int rel = ha_hub_count(s->ha_live) == 1 ? 0 : l ? ha_hub_relationship(s->ha_live, l->subnet_id) : -1;
        if (rel >= 0)
            ha_service_leases_changed(ha_hub_service(s->ha_live, (unsigned)rel), change, hold);
    }
    pthread_rwlock_unlock(&s->ha_rw);
}

/* Before a service stops (NULL) and after one started: no thread calls a stopped one. */
static void ha_set_live(srv4_t *s, ha_hub_t *ha)
{
    pthread_rwlock_wrlock(&s->ha_rw);
    s->ha_live = ha;
    atomic_store_explicit(&s->ha_on, ha != NULL, memory_order_release);
    pthread_rwlock_unlock(&s->ha_rw);
}

/* The HA services of cfg, one per relationship, with the relationships of its subnets. */
static int ha_new(srv4_t *s, const cfg4_t *cfg, ha_hub_t **out, char *err, size_t errlen)
{
    ha_hub_subnet_t *map = xcalloc(cfg->subnet_count + 1, sizeof *map);
    for (size_t i = 0; i < cfg->subnet_count; i++) {
        const cfg_subnet4_t *sn = &cfg->subnets[i];
        map[i] = (ha_hub_subnet_t){sn->id, sn->ha_rel};
        char addr[INET_ADDRSTRLEN + 4];
        if (sn->ha_rel < 0 && cfg->common.ha->next && inet_ntop(AF_INET, &(uint32_t){htonl(sn->prefix)}, addr, sizeof addr))
            LOG_WARN(NLOG_HA, "HA_CONFIG_SUBNET_WITHOUT_RELATIONSHIP", "subnet %u (%s/%u) has no high-availability "
                     "relationship (%s): with several relationships its queries are dropped; give it or its "
                     "shared network \"user-context\": {\"ha-server-name\": <a peer of its relationship>}",
                     sn->id, addr, sn->prefix_len, sn->ha_rel == CFG_HA_REL_INVALID ? "ha-server-name is not a non-empty string"
                     : sn->ha_rel == CFG_HA_REL_UNKNOWN ? "ha-server-name names no peer" : "no ha-server-name");
    }
    int r = ha_hub_new(&s->core, &srv4_ha_family, cfg->common.ha, map, cfg->subnet_count, out, err, errlen);
    free(map);
    return r;
}

/* Whether a relationship sends lease updates (then the engine copies every change for HA). */
static bool ha_sends_updates(const ha_config_t *c)
{
    for (; c; c = c->next)
        if (c->send_lease_updates)
            return true;
    return false;
}

static bool ha_in_scope4(void *arg, const ha_query_t *q, const char **scope_class)
{
    return ha_service_in_scope(arg, q, scope_class);
}

/* Under the workers' pause of the swap (srv_apply_publish). */
static void recount(gen_t *g)
{
    alloc4_recount(((srv4_rt_t *)g)->alloc);
}

static void zero_if_absent(const char *name)
{
    stat_t *t = stats_declare(name);
    if (!stat_present(t))
        stat_set(t, 0);
}

/* Kea's statistics that exist from the start at 0, once (dhcp4_srv.cc's list beyond the packet
 * counters, LeaseMgr::recountLeaseStats4's and CfgSubnets4::updateStatistics's). */
static void srv4_stats_zero(srv4_t *s, const cfg4_t *cfg)
{
    static const char *const global[] = {"v4-allocation-fail", "v4-allocation-fail-shared-network",
                                         "v4-allocation-fail-subnet", "v4-allocation-fail-no-pools",
                                         "v4-allocation-fail-classes", "v4-reservation-conflicts",
                                         "reclaimed-declined-addresses", "reclaimed-leases",
                                         "cumulative-assigned-addresses"};
    static const char *const per_subnet[] = {"cumulative-assigned-addresses", "reclaimed-declined-addresses",
                                             "reclaimed-leases", "v4-reservation-conflicts"};
    (void)s;
    for (size_t i = 0; i < ARRAY_SIZE(global); i++)
        zero_if_absent(global[i]);
    char name[96];
    for (size_t i = 0; i < cfg->subnet_count; i++)
        for (size_t k = 0; k < ARRAY_SIZE(per_subnet); k++) {
            snprintf(name, sizeof name, "subnet[%u].%s", cfg->subnets[i].id, per_subnet[k]);
            zero_if_absent(name);
        }
}

/* Hides every value whose key names a password or a secret (database, HTTP and TLS ones alike). */
static void redact_secrets(json_t *v)
{
    const char *k;
    json_t *m;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach(v, k, m) {
            if (strstr(k, "password") || strstr(k, "secret"))
                json_object_set_new(v, k, json_string("*****"));
            else
                redact_secrets(m);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m)
            redact_secrets(m);
    }
}

/* Kea's DHCP4_CONFIG_RECEIVED (every load: start, reload, config-set): the Dhcp4 map, secrets
 * hidden. */
static void log_received(const cfg4_t *cfg)
{
    if (!nlog_enabled(NLOG_APP, NLOG_DEBUG, NLOG_DBG_COMMAND))
        return;
    json_t *root = json_deep_copy(jsonsrc_root(cfg->src));
    redact_secrets(root);
    char *text = json_dumps(json_object_get(root, "Dhcp4"), JSON_COMPACT | JSON_SORT_KEYS);
    nlog_write(NLOG_APP, NLOG_DEBUG, NLOG_DBG_COMMAND, "DHCP4_CONFIG_RECEIVED", "received configuration %s",
               text ? text : "{}");
    free(text);
    json_decref(root);
}

int srv4_apply_config(srv4_t *s, cfg4_t *cfg, char *err, size_t errlen)
{
    srv_core_t *c = &s->core;
    srv_apply_t a;
    if (srv_apply_begin(c, cfg, &a, err, errlen)) {
        cfg4_free(cfg);
        return NST_ECONFIG;
    }
    log_received(cfg);
    lease_store_t *store = NULL;
    char *store_sig = NULL;
    int r = open_store(s, cfg, &store, &store_sig, err, errlen);
    hosts4_t *hosts = hosts4_build(cfg);
    hostmgr_t *hostmgr = NULL;
    if (!r)
        r = hostmgr_open(cfg, hosts, srv_report_to_log, (void *)(intptr_t)NLOG_HOSTS, &hostmgr, err, errlen);
    for (size_t i = 0; !r && i < hostmgr_db_count(hostmgr); i++)
        hostdb_set_lost_cb(hostmgr_db(hostmgr, i), srv_dbrec_hosts_lost, &c->dbrec);
    ha_hub_t *ha = NULL;   /* built idle now: a bad TLS file of a peer fails the configuration */
    if (!r && cfg->common.ha)
        r = ha_new(s, cfg, &ha, err, errlen);
    if (ha && cfg->common.lease_db.sql.type == CFG_DB_MEMFILE && cfg->common.lease_db.persist) {
        char path[4200];   /* the incremental synchronization's state, beside the lease file */
        lease_path(cfg, path, sizeof path - 16);
        strcat(path, ".ha-sync");
        ha_hub_set_state_file(ha, path);
    }
    if (!r)
        r = srv_apply_ctrl(c, &a, err, errlen);
    char *isig = iface_signature(cfg, s->server_port);
    bool new_sockets = !s->iface_sig || strcmp(isig, s->iface_sig);
    /* The new generation is built while the workers serve with the old one. They pause (finish
     * what they hold; queued packets wait, none is dropped) only for the swap and the statistics
     * recount, and, for a structural change (another lease store, other sockets, other workers),
     * from here on. */
    if (!r)
        srv_apply_pause(c, &a, store != s->store || new_sockets);
    if (!r && new_sockets) {
        /* Replies waiting for a durable commit point at the interfaces: send them first. */
        if (s->store)
            s->store->ops->flush(s->store);
        srv_core_completions_run(c);
        r = srv4_open_sockets(s, cfg, err, errlen);
        if (r && s->rt) { /* keep serving on the old sockets (srv_apply_abort: control sockets) */
            char e2[256];
            srv4_open_sockets(s, s->rt->cfg, e2, sizeof e2);
        }
        if (!r) {
            free(s->iface_sig);
            s->iface_sig = isig;
            isig = NULL;
        }
    }
    free(isig);
    if (r) {
        ha_hub_free(ha);
        hostmgr_free(hostmgr);
        hosts4_free(hosts);
        if (store && store != s->store)
            store->ops->close(store);
        free(store_sig);
        cfg4_free(cfg);
        srv_apply_abort(c, &a);
        return r;
    }
    srv_apply_accept(c, &a);
    /* Kea reloads its HA hook with every configuration: the old service stops (its commands, its
     * peers' connections), the new one starts once its generation is published. */
    ha_hub_t *old_ha = s->ha;
    ha_set_live(s, NULL);
    ha_hub_stop(old_ha);
    srv4_rt_t *old = s->rt;
    srv4_rt_t *rt = xcalloc(1, sizeof *rt);
    gen_init(&rt->gen, rt_destroy);
    rt->cfg = cfg;
    rt->hosts = hosts;
    rt->hostmgr = hostmgr;
    if (store != s->store) {
        if (old)
            alloc4_free(old->alloc), old->alloc = NULL;
        if (s->store)
            s->store->ops->close(s->store);
        s->store = store;
    }
    free(s->store_sig);
    s->store_sig = store_sig;
    rt->alloc = alloc4_new(cfg, rt->hosts, s->store);
    alloc4_inherit(rt->alloc, old ? old->alloc : NULL);
    alloc4_set_hostmgr(rt->alloc, rt->hostmgr);
    /* HA's listener only when it sends updates (the engine copies every change for a listener) */
    if (s->leases_changed && (s->leases_changed != ha_changed4 || (ha && ha_sends_updates(cfg->common.ha))))
        alloc4_set_change_listener(rt->alloc, on_lease_change, s);
    collect_server_ids(rt);
    rt->ha = ha;
    if (ha && ha_hub_count(ha) > 1) {
        rt->ha_hub = ha;
    } else if (ha) {
        rt->in_scope = ha_in_scope4;
        rt->scope_arg = ha_hub_service(ha, 0);
    }
    s->rt = rt;
    srv_apply_publish(c, &a, &rt->gen, recount);
    /* No worker uses the old generation's service any more (they paused for the swap). */
    ha_hub_free(old_ha);
    s->ha = ha;
    if (ha) {
        ha_hub_start(ha);
        ha_set_live(s, ha);
    } else if (old_ha)
        ha_hub_release(c);
    schedule(s->ev_reclaim, cfg->common.expired.reclaim_timer_wait_time);
    schedule(s->ev_flush, cfg->common.expired.flush_reclaimed_timer_wait_time);
    if (cfg->stat_samples_set) /* Kea's SrvConfig::updateStatistics */
        stats_set_default_limits(cfg->stat_sample_count, cfg->stat_sample_age);
    srv4_stats_zero(s, cfg);
    if (cfg->queue_enabled && !c->workers) /* io4.c's ring; with workers off, as in Kea */
        LOG_INFO(NLOG_APP, "DHCP4_CONFIG_PACKET_QUEUE", "DHCPv4 packet queue info after configuration: "
                 "{ \"capacity\": %u, \"queue-type\": \"kea-ring4\", \"size\": 0 }", cfg->queue_capacity);
    LOG_INFO(NLOG_APP, "DHCP4_CONFIG_COMPLETE", "DHCPv4 server has completed configuration: "
             "%zu subnet(s), %zu shared network(s), %zu reservation(s), %zu interface(s)",
             cfg->subnet_count, cfg->network_count, cfg->host_count, s->iface_count);
    return 0;
}

/* ---- DHCPv4 as the server core sees it (server/core.h) ---- */

static int fam_load_file(const char *path, void **cfg, char *err, size_t errlen)
{
    return cfg4_load_file(path, (cfg4_t **)cfg, err, errlen);
}

static int fam_check_file(const char *path, void **cfg, char **errors)
{
    return cfg4_check_file(path, (cfg4_t **)cfg, errors);
}

static json_t *fam_config_json(const void *cfg)
{
    return cfg4_config_json(cfg);
}

static int fam_load_api(srv_core_t *c, const char *text, void **out, char *err, size_t errlen)
{
    cfg4_t *cfg;
    int r = cfg4_load_string(text, "<command arguments>", &cfg, err, errlen);
    if (r)
        return r;
    /* Before anything opens a file: a command may not point the server at new places. */
    const srv4_rt_t *rt = SRV4_OF(c)->rt;
    r = cfg_paths_check_api(cfg, rt ? rt->cfg : NULL, err, errlen);
    if (r) {
        cfg4_free(cfg);
        return r;
    }
    *out = cfg;
    return 0;
}

static int fam_apply(srv_core_t *c, void *cfg, char *err, size_t errlen)
{
    return srv4_apply_config(SRV4_OF(c), cfg, err, errlen);
}

static void fam_free_cfg(void *cfg)
{
    cfg4_free(cfg);
}

static srv_cfg_view_t fam_view(const void *cfg)
{
    const cfg4_t *c = cfg;
    return (srv_cfg_view_t){c->src, c->dhcp4, &c->common};
}

static const void *fam_running(srv_core_t *c)
{
    const srv4_rt_t *rt = SRV4_OF(c)->rt;
    return rt ? rt->cfg : NULL;
}

static int fam_lease_reconnect(srv_core_t *c, char *err, size_t errlen)
{
    lease_store_t *st = SRV4_OF(c)->store;
    return st->ops->reconnect(st, err, errlen);
}

static hostdb_t *fam_hosts_db(srv_core_t *c, size_t i)
{
    const srv4_rt_t *rt = SRV4_OF(c)->rt;
    return i < hostmgr_db_count(rt->hostmgr) ? hostmgr_db(rt->hostmgr, i) : NULL;
}

static workq_t *fam_start_workers(srv_core_t *c, unsigned threads, unsigned queue_size, bool paused)
{
    return workers4_start(SRV4_OF(c), threads, queue_size, paused);
}

static void fam_rx_enable(srv_core_t *c, bool on)
{
    srv4_rx_enable(SRV4_OF(c), on);
}

const srv_family_t srv4_family = {
    .root = "Dhcp4", .service = "DHCPv4", .prefix = "DHCP4", .realm = CTRL_HTTP_DEFAULT_REALM_DHCP4,
    .daemon = "kea-dhcp4",
    .load_file = fam_load_file, .check_file = fam_check_file, .config_json = fam_config_json, .load_api = fam_load_api, .apply = fam_apply, .free_cfg = fam_free_cfg,
    .view = fam_view, .running = fam_running, .lease_reconnect = fam_lease_reconnect,
    .hosts_db = fam_hosts_db, .start_workers = fam_start_workers, .complete = srv4_reply_complete,
    .rx_enable = fam_rx_enable,
};

int srv4_init(srv4_t *s, struct event_base *base, const char *config_path)
{
    srv_core_init(&s->core, base, &srv4_family, config_path);
    s->rx = xmalloc(sizeof *s->rx);
    s->ev_reclaim = evtimer_new(base, on_reclaim, s);
    s->ev_flush = evtimer_new(base, on_flush, s);
    s->ev_tick = event_new(base, -1, EV_PERSIST, on_tick, s);
    struct timeval sec = {1, 0};
    event_add(s->ev_tick, &sec);
    srv4_stats_t *st = &s->st;
    st->received = stats_declare("pkt4-received");
    st->discover = stats_declare("pkt4-discover-received");
    st->offer_rcvd = stats_declare("pkt4-offer-received");
    st->request = stats_declare("pkt4-request-received");
    st->ack_rcvd = stats_declare("pkt4-ack-received");
    st->nak_rcvd = stats_declare("pkt4-nak-received");
    st->release = stats_declare("pkt4-release-received");
    st->decline = stats_declare("pkt4-decline-received");
    st->inform = stats_declare("pkt4-inform-received");
    st->unknown = stats_declare("pkt4-unknown-received");
    st->sent = stats_declare("pkt4-sent");
    st->offer = stats_declare("pkt4-offer-sent");
    st->ack = stats_declare("pkt4-ack-sent");
    st->nak = stats_declare("pkt4-nak-sent");
    st->parse_failed = stats_declare("pkt4-parse-failed");
    st->drop = stats_declare("pkt4-receive-drop");
    stat_t **all[] = {&st->received, &st->discover, &st->offer_rcvd, &st->request, &st->ack_rcvd,
                      &st->nak_rcvd, &st->release, &st->decline, &st->inform, &st->unknown,
                      &st->sent, &st->offer, &st->ack, &st->nak, &st->parse_failed, &st->drop};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        stat_set(*all[i], 0);
    pthread_rwlock_init(&s->ha_rw, NULL);
    s->leases_changed = ha_changed4;
    s->ha_arg = s;
    srv4_register_commands(s);
    srv4_register_lease_commands(s);
    host_cmds4_register(s);
    return 0;
}

void srv4_fini(srv4_t *s)
{
    ha_set_live(s, NULL);
    ha_hub_stop(s->ha);      /* its commands go before the control channel */
    srv_core_stop(&s->core); /* workers, pending replies, control channel, the generation */
    ha_hub_free(s->ha);
    s->ha = NULL;
    s->rt = NULL;
    srv4_close_sockets(s);
    if (s->store)
        s->store->ops->close(s->store); /* flushes the lease file */
    struct event *evs[] = {s->ev_reclaim, s->ev_flush, s->ev_tick};
    for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
        if (evs[i])
            event_free(evs[i]);
    srv_core_fini(&s->core);
    free(s->store_sig);
    free(s->iface_sig);
    free(s->rx);
    pthread_rwlock_destroy(&s->ha_rw);
}
