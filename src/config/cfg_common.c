/* The sections Dhcp4 and Dhcp6 share (see cfg_common.h). */
#include "config/cfg_common.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg4_ctx.h"
#include "ha/ha_config.h"

const char *const cfg_common_keys[] = {
    "interfaces-config", "lease-database", "hosts-database", "hosts-databases", "expired-leases-processing",
    "control-socket", "control-sockets", "multi-threading", "loggers", "server-tag", "hooks-libraries",
    "sanity-checks", NULL,
};

void cfg_common_defaults(cfg_common_t *c, int family)
{
    c->family = (uint8_t)family;
    c->socket_type = CFG_SOCKET_RAW;
    c->outbound = CFG_OUTBOUND_SAME_AS_INBOUND;
    c->re_detect = true;
    c->lease_checks = CFG_LEASE_CHECKS_WARN;
    c->lease_db.persist = true;
    c->lease_db.lfc_interval = 3600;
    c->expired = (cfg_expired_t){10, 25, 3600, 100, 250, 5};
    c->mt = (cfg_mt_t){false, 0, 64};
}

void cfg_common_free(cfg_common_t *c)
{
    for (size_t i = 0; i < c->iface_count; i++)
        free(c->ifaces[i].name);
    free(c->ifaces);
    free(c->lease_db.type);
    free(c->lease_db.name);
    cfg_db_free(&c->lease_db.sql);
    for (size_t i = 0; i < c->hosts_db_count; i++)
        cfg_db_free(&c->hosts_dbs[i]);
    free(c->hosts_dbs);
    free(c->server_tag);
    ha_config_free(c->ha);
}

static int parse_interfaces(pctx_t *p, json_t *ic)
{
    static const char *const keys4[] = {"interfaces", "dhcp-socket-type", "outbound-interface", "re-detect",
                                        "service-sockets-require-all", "service-sockets-max-retries",
                                        "service-sockets-retry-wait-time", NULL};
    static const char *const keys6[] = {"interfaces", "re-detect", "service-sockets-require-all",
                                        "service-sockets-max-retries", "service-sockets-retry-wait-time", NULL};
    cfg_common_t *c = p->common;
    size_t old = pctx_push(p, "interfaces-config");
    int r = pctx_check_keys(p, ic, "interfaces-config", c->family == 6 ? keys6 : keys4);
    json_t *list = NULL;
    if (!r)
        r = pctx_get_list(p, ic, "interfaces", &list);
    if (!r && list) {
        c->ifaces = xcalloc(json_array_size(list), sizeof *c->ifaces);
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
            size_t o2 = pctx_push(p, "interfaces");
            pctx_push_idx(p, i);
            const char *s = json_string_value(v);
            if (!s || !*s) {
                r = pctx_fail(p, NULL, "an interface must be a non-empty string such as \"eth0\" or \"eth0/192.0.2.1\"");
                break;
            }
            cfg_iface_t *f = &c->ifaces[c->iface_count++];
            const char *slash = strchr(s, '/');
            if (slash) {
                f->name = xstrndup(s, (size_t)(slash - s));
                bool ok = c->family == 6 ? inet_pton(AF_INET6, slash + 1, &f->addr6) == 1
                                         : cfg_parse_ipv4(slash + 1, &f->addr);
                if (!ok) {
                    r = pctx_fail(p, NULL, "'%s' has an invalid IPv%d address after '/'", s, c->family);
                    break;
                }
            } else {
                f->name = xstrdup(s);
            }
            pctx_pop(p, o2);
        }
    }
    char *st = NULL;
    if (!r)
        r = pctx_get_str(p, ic, "dhcp-socket-type", &st);
    if (!r && st) {
        if (!strcmp(st, "raw"))
            c->socket_type = CFG_SOCKET_RAW;
        else if (!strcmp(st, "udp"))
            c->socket_type = CFG_SOCKET_UDP;
        else
            r = pctx_fail(p, "dhcp-socket-type", "'dhcp-socket-type' must be \"raw\" or \"udp\", not \"%s\"", st);
    }
    free(st);
    char *ob = NULL;
    if (!r)
        r = pctx_get_str(p, ic, "outbound-interface", &ob);
    if (!r && ob) {
        if (!strcmp(ob, "same-as-inbound"))
            c->outbound = CFG_OUTBOUND_SAME_AS_INBOUND;
        else if (!strcmp(ob, "use-routing"))
            c->outbound = CFG_OUTBOUND_USE_ROUTING;
        else
            r = pctx_fail(p, "outbound-interface",
                          "'outbound-interface' must be \"same-as-inbound\" or \"use-routing\", not \"%s\"", ob);
    }
    free(ob);
    bool dummy_b = false;
    uint32_t dummy_u = 0;
    if (!r)
        r = pctx_get_bool(p, ic, "re-detect", &c->re_detect);
    if (!r)
        r = pctx_get_bool(p, ic, "service-sockets-require-all", &dummy_b);
    if (!r)
        r = pctx_get_u32(p, ic, "service-sockets-max-retries", 0, UINT32_MAX, &dummy_u);
    if (!r)
        r = pctx_get_u32(p, ic, "service-sockets-retry-wait-time", 0, UINT32_MAX, &dummy_u);
    pctx_pop(p, old);
    return r;
}

static int parse_lease_db(pctx_t *p, json_t *db)
{
    static const char *const keys[] = {"type", "name", "persist", "lfc-interval", "max-row-errors", "durable", NULL};
    cfg_lease_db_t *l = &p->common->lease_db;
    size_t old = pctx_push(p, "lease-database");
    int r = pctx_get_str(p, db, "type", &l->type);
    if (!r && !json_object_get(db, "type"))
        r = pctx_fail(p, NULL, "'lease-database' requires the parameter 'type'");
    if (!r && strcmp(l->type, "memfile")) {
        r = cfg_db_parse(p, db, "lease-database", false, &l->sql);
        pctx_pop(p, old);
        return r;
    }
    if (!r)
        r = pctx_check_keys(p, db, "lease-database of type memfile", keys);
    if (!r)
        r = pctx_get_str(p, db, "name", &l->name);
    if (!r)
        r = pctx_get_bool(p, db, "persist", &l->persist);
    if (!r)
        r = pctx_get_u32(p, db, "lfc-interval", 0, UINT32_MAX, &l->lfc_interval);
    if (!r)
        r = pctx_get_u32(p, db, "max-row-errors", 0, UINT32_MAX, &l->max_row_errors);
    if (!r)
        r = pctx_get_bool(p, db, "durable", &l->durable);
    pctx_pop(p, old);
    return r;
}

/* "hosts-database" (one map) or "hosts-databases" (a list), not both. */
static int parse_hosts_dbs(pctx_t *p, json_t *d)
{
    cfg_common_t *c = p->common;
    json_t *one = NULL, *list = NULL;
    int r = pctx_get_map(p, d, "hosts-database", &one);
    if (!r)
        r = pctx_get_list(p, d, "hosts-databases", &list);
    if (r || (!one && !list))
        return r;
    if (one && list)
        return pctx_fail(p, "hosts-databases", "'hosts-database' and 'hosts-databases' are mutually exclusive");
    size_t n = one ? 1 : json_array_size(list);
    c->hosts_dbs = xcalloc(n ? n : 1, sizeof *c->hosts_dbs);
    size_t old = pctx_push(p, one ? "hosts-database" : "hosts-databases");
    for (size_t i = 0; i < n && !r; i++) {
        json_t *m = one ? one : json_array_get(list, i);
        size_t o2 = one ? p->plen : pctx_push_idx(p, i);
        if (!json_is_object(m))
            r = pctx_fail(p, NULL, "a hosts database must be a map");
        else
            r = cfg_db_parse(p, m, one ? "hosts-database" : "hosts-databases entry", true, &c->hosts_dbs[i]);
        c->hosts_db_count = i + 1;
        pctx_pop(p, o2);
    }
    pctx_pop(p, old);
    return r;
}

static int parse_expired(pctx_t *p, json_t *e)
{
    static const char *const keys[] = {"reclaim-timer-wait-time", "flush-reclaimed-timer-wait-time",
                                       "hold-reclaimed-time", "max-reclaim-leases", "max-reclaim-time",
                                       "unwarned-reclaim-cycles", NULL};
    cfg_expired_t *x = &p->common->expired;
    size_t old = pctx_push(p, "expired-leases-processing");
    int r = pctx_check_keys(p, e, "expired-leases-processing", keys);
    if (!r)
        r = pctx_get_u32(p, e, "reclaim-timer-wait-time", 0, UINT32_MAX, &x->reclaim_timer_wait_time);
    if (!r)
        r = pctx_get_u32(p, e, "flush-reclaimed-timer-wait-time", 0, UINT32_MAX, &x->flush_reclaimed_timer_wait_time);
    if (!r)
        r = pctx_get_u32(p, e, "hold-reclaimed-time", 0, UINT32_MAX, &x->hold_reclaimed_time);
    if (!r)
        r = pctx_get_u32(p, e, "max-reclaim-leases", 0, UINT32_MAX, &x->max_reclaim_leases);
    if (!r)
        r = pctx_get_u32(p, e, "max-reclaim-time", 0, UINT32_MAX, &x->max_reclaim_time);
    if (!r)
        r = pctx_get_u32(p, e, "unwarned-reclaim-cycles", 0, UINT32_MAX, &x->unwarned_reclaim_cycles);
    pctx_pop(p, old);
    return r;
}

static int parse_mt(pctx_t *p, json_t *m)
{
    static const char *const keys[] = {"enable-multi-threading", "thread-pool-size", "packet-queue-size", NULL};
    size_t old = pctx_push(p, "multi-threading");
    int r = pctx_check_keys(p, m, "multi-threading", keys);
    if (!r)
        r = pctx_get_bool(p, m, "enable-multi-threading", &p->common->mt.enabled);
    if (!r)
        r = pctx_get_u32(p, m, "thread-pool-size", 0, 65535, &p->common->mt.thread_pool_size);
    if (!r)
        r = pctx_get_u32(p, m, "packet-queue-size", 0, 65535, &p->common->mt.packet_queue_size);
    pctx_pop(p, old);
    return r;
}

static int parse_hooks(pctx_t *p, json_t *list)
{
    static const char *const keys[] = {"library", "parameters", NULL};
    size_t old = pctx_push(p, "hooks-libraries");
    size_t i;
    json_t *h;
    int r = 0;
    json_array_foreach(list, i, h) {
        size_t o2 = pctx_push_idx(p, i);
        char *lib = NULL;
        if (!json_is_object(h))
            r = pctx_fail(p, NULL, "a hooks-libraries entry must be a map");
        if (!r)
            r = pctx_check_keys(p, h, "hooks-libraries entry", keys);
        if (!r)
            r = pctx_get_str(p, h, "library", &lib);
        if (!r && !lib)
            r = pctx_fail(p, NULL, "a hooks-libraries entry requires 'library'");
        if (!r) {
            const char *base = strrchr(lib, '/') ? strrchr(lib, '/') + 1 : lib;
            if (!strcmp(base, "libdhcp_lease_cmds.so")) {
                p->common->hook_lease_cmds = true;
            } else if (!strcmp(base, "libdhcp_flex_id.so")) {
                p->common->hook_flex_id = h; /* compiled with the family's names (cfg4_flex.c) */
            } else if (!strcmp(base, "libdhcp_flex_option.so")) {
                p->common->hook_flex_option = h;
            } else if (!strcmp(base, "libdhcp_host_cmds.so") || !strcmp(base, "libdhcp_class_cmds.so")) {
                /* the reservation-* and class-* commands are built in */
            } else if (!strcmp(base, "libdhcp_ha.so")) {
                if (p->common->hook_ha)
                    r = pctx_fail(p, "library", "libdhcp_ha.so is loaded twice");
                else
                    r = ha_config_parse(p, h, &p->common->ha);
                p->common->hook_ha = true;
            } else {
                r = pctx_fail(p, "library",
                              "'library' '%s' is not supported: Nestor loads no external hooks; "
                              "only libdhcp_lease_cmds.so, libdhcp_host_cmds.so, libdhcp_class_cmds.so, "
                              "libdhcp_flex_id.so, libdhcp_flex_option.so and libdhcp_ha.so (in any directory) "
                              "are accepted, as names of built-in features", lib);
            }
        }
        free(lib);
        pctx_pop(p, o2);
        if (r)
            break;
    }
    pctx_pop(p, old);
    return r;
}

static int parse_sanity(pctx_t *p, json_t *m)
{
    static const char *const keys[] = {"lease-checks", NULL};
    static const char *const names[] = {"none", "warn", "fix", "fix-del", "del"};
    size_t old = pctx_push(p, "sanity-checks");
    int r = pctx_check_keys(p, m, "sanity-checks", keys);
    char *v = NULL;
    if (!r)
        r = pctx_get_str(p, m, "lease-checks", &v);
    if (!r && v) {
        int k = -1;
        for (int i = 0; i < (int)ARRAY_SIZE(names); i++)
            if (!strcmp(v, names[i]))
                k = i;
        if (k < 0)
            r = pctx_fail(p, "lease-checks", "invalid lease-checks '%s' (expected none, warn, fix, fix-del or del)", v);
        else
            p->common->lease_checks = (uint8_t)k;
    }
    free(v);
    pctx_pop(p, old);
    return r;
}

int cfg_common_parse(pctx_t *p, json_t *d)
{
    /* Each section is parsed whatever happened to the others (cfg4_ctx.h). */
    static const struct {
        const char *key;
        bool list;
        int (*parse)(pctx_t *p, json_t *m);
    } sections[] = {
        {"interfaces-config", false, parse_interfaces}, {"lease-database", false, parse_lease_db},
        {"expired-leases-processing", false, parse_expired}, {"multi-threading", false, parse_mt},
        {"hooks-libraries", true, parse_hooks}, {"sanity-checks", false, parse_sanity},
    };
    cfg_common_t *c = p->common;
    int r = 0;
    for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
        json_t *m;
        if ((sections[i].list ? pctx_get_list : pctx_get_map)(p, d, sections[i].key, &m))
            r = NST_ECONFIG;
        else if (m)
            PCTX_STEP(r, sections[i].parse(p, m));
    }
    if (!c->lease_db.type)
        c->lease_db.type = xstrdup("memfile");
    PCTX_STEP(r, parse_hosts_dbs(p, d));
    PCTX_STEP(r, pctx_get_str(p, d, "server-tag", &c->server_tag));
    if (c->server_tag && strlen(c->server_tag) > 64)
        r = pctx_fail(p, "server-tag", "'server-tag' must be at most 64 characters long");
    PCTX_STEP(r, pctx_get_list(p, d, "loggers", &c->loggers));
    PCTX_STEP(r, pctx_get_map(p, d, "control-socket", &c->control_socket));
    PCTX_STEP(r, pctx_get_list(p, d, "control-sockets", &c->control_sockets));
    return r;
}
