/* Dhcp4 top level: global parameters, interfaces, lease database, server-wide maps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg4_ctx.h"
#include "config/cfg_class.h"

static const char *const top_keys[] = {"Dhcp4", "Dhcp6", "DhcpDdns", "Control-agent", "Netconf", NULL};

/* Dhcp4's own keys; the shared sections' keys are cfg_common_keys. */
static const char *const dhcp4_keys[] = {
    "subnet4", "shared-networks", "option-data", "option-def",
    "host-reservation-identifiers", "reservations", "echo-client-id", "match-client-id",
    "authoritative", "decline-probation-period", "next-server",
    "server-hostname", "boot-file-name", "reservations-global", "reservations-in-subnet",
    "reservations-out-of-pool", "valid-lifetime", "min-valid-lifetime", "max-valid-lifetime",
    "renew-timer", "rebind-timer", "calculate-tee-times", "t1-percent", "t2-percent", "allocator",
    "ip-reservations-unique", "client-classes", "statistic-default-sample-count", "statistic-default-sample-age",
    /* cfg4_more.c */
    "reservation-mode", "store-extended-info", "cache-threshold", "cache-max-age", "reservations-lookup-first",
    "early-global-reservations-lookup", "parked-packet-limit", "compatibility", "dhcp-queue-control", NULL,
};

static int parse_host_ids(pctx_t *p, json_t *list)
{
    cfg4_t *c = p->cfg;
    size_t old = pctx_push(p, "host-reservation-identifiers");
    bool seen[HOST_ID__COUNT] = {false};
    c->host_id_count = 0;
    size_t i;
    json_t *v;
    int r = 0;
    json_array_foreach(list, i, v) {
        const char *s = json_string_value(v);
        int t = -1;
        for (int k = 0; s && k < HOST_ID__COUNT; k++)
            if (!strcmp(s, cfg_host_id_name(k)))
                t = k;
        size_t o2 = pctx_push_idx(p, i);
        if (t < 0)
            r = pctx_fail(p, NULL, "invalid host reservation identifier %s%s%s (expected hw-address, duid, circuit-id, client-id or flex-id)",
                          s ? "'" : "", s ? s : "(not a string)", s ? "'" : "");
        else if (seen[t])
            r = pctx_fail(p, NULL, "duplicate host reservation identifier '%s'", s);
        pctx_pop(p, o2);
        if (r)
            break;
        seen[t] = true;
        c->host_id_order[c->host_id_count++] = (uint8_t)t;
    }
    if (!r && c->host_id_count == 0)
        r = pctx_fail(p, NULL, "'host-reservation-identifiers' must not be empty");
    pctx_pop(p, old);
    return r;
}

static void set_defaults(cfg4_t *c)
{
    cfg_common_defaults(&c->common, 4);
    c->life = (cfg_lifetimes_t){.valid = 7200, .valid_min = 7200, .valid_max = 7200,
                                .t1_percent = 0.5, .t2_percent = 0.875};
    c->match_client_id = true;
    c->echo_client_id = true;
    c->decline_probation_period = 86400;
    c->queue_capacity = 64;
    c->reservations_in_subnet = true;
    c->ip_reservations_unique = true;
    static const uint8_t ids[] = {HOST_ID_HWADDR, HOST_ID_DUID, HOST_ID_CIRCUIT_ID, HOST_ID_CLIENT_ID};
    memcpy(c->host_id_order, ids, sizeof ids);
    c->host_id_count = ARRAY_SIZE(ids);
}

static int parse_dhcp4(pctx_t *p, json_t *d)
{
    cfg4_t *c = p->cfg;
    json_t *m;
    int r = 0;
    /* Independent parts: each is parsed whatever happened to the others. */
    PCTX_STEP(r, pctx_check_keys2(p, d, "Dhcp4", dhcp4_keys, cfg_common_keys));
    PCTX_STEP(r, cfg_common_parse(p, d));
    if (pctx_get_list(p, d, "host-reservation-identifiers", &m))
        r = NST_ECONFIG;
    else if (m)
        PCTX_STEP(r, parse_host_ids(p, m));
    PCTX_STEP(r, cfg4_parse_life(p, d, &c->life));
    PCTX_STEP(r, pctx_get_bool(p, d, "match-client-id", &c->match_client_id));
    PCTX_STEP(r, pctx_get_bool(p, d, "authoritative", &c->authoritative));
    PCTX_STEP(r, pctx_get_bool(p, d, "echo-client-id", &c->echo_client_id));
    PCTX_STEP(r, pctx_get_u32(p, d, "decline-probation-period", 0, UINT32_MAX, &c->decline_probation_period));
    /* applied only when configured, as Kea: a count (0, or absent: none) and an age */
    c->stat_samples_set = json_object_get(d, "statistic-default-sample-count") ||
                          json_object_get(d, "statistic-default-sample-age");
    PCTX_STEP(r, pctx_get_u32(p, d, "statistic-default-sample-count", 0, UINT32_MAX, &c->stat_sample_count));
    PCTX_STEP(r, pctx_get_u32(p, d, "statistic-default-sample-age", 0, UINT32_MAX, &c->stat_sample_age));
    PCTX_STEP(r, pctx_get_ipv4(p, d, "next-server", &c->next_server));
    PCTX_STEP(r, pctx_get_str(p, d, "server-hostname", &c->server_hostname));
    PCTX_STEP(r, pctx_get_str(p, d, "boot-file-name", &c->boot_file_name));
    PCTX_STEP(r, cfg4_parse_more_global(p, d));
    PCTX_STEP(r, pctx_get_bool(p, d, "ip-reservations-unique", &c->ip_reservations_unique));
    /* Option definitions and classes are read by what follows them: stop when they failed. */
    if (pctx_get_list(p, d, "option-def", &m) || cfg4_parse_option_defs(p, m))
        return NST_ECONFIG;
    if (pctx_get_list(p, d, "option-data", &m))
        r = NST_ECONFIG;
    else if (m) {
        size_t old = pctx_push(p, "option-data");
        PCTX_STEP(r, cfg4_parse_options(p, m, &c->options));
        pctx_pop(p, old);
    }
    if (cfg4_parse_classes(p, d))
        return NST_ECONFIG;
    PCTX_STEP(r, cfg4_parse_flex(p));
    PCTX_STEP(r, cfg4_parse_subnets(p, d));
    return r;
}

static int parse_all(jsonsrc_t *src, cfg4_t **out, char *err, size_t errlen, char **all)
{
    cfg4_t *c = xcalloc(1, sizeof *c);
    c->src = src;
    set_defaults(c);
    err[0] = '\0';
    pctx_t p = {.src = src, .cfg = c, .common = &c->common, .err = err, .errlen = errlen, .collect = all != NULL};
    json_t *root = jsonsrc_root(src);
    int r = 0;
    if (!json_is_object(root))
        r = pctx_fail(&p, NULL, "the configuration must be a map containing \"Dhcp4\"");
    if (!r)
        r = pctx_check_keys(&p, root, "the top level", top_keys);
    if (!r) {
        c->dhcp4 = json_object_get(root, "Dhcp4");
        if (!c->dhcp4)
            r = pctx_fail(&p, NULL, "Missing mandatory Dhcp4 element");
        else if (!json_is_object(c->dhcp4))
            r = pctx_fail(&p, "Dhcp4", "'Dhcp4' must be a map");
    }
    if (!r) {
        pctx_push(&p, "Dhcp4");
        r = parse_dhcp4(&p, c->dhcp4);
    }
    if (all)
        *all = p.all;
    else
        free(p.all);
    if (r || p.nerr) {
        cfg4_free(c);
        return NST_ECONFIG;
    }
    *out = c;
    return 0;
}

int cfg4_parse(jsonsrc_t *src, cfg4_t **out, char *err, size_t errlen)
{
    return parse_all(src, out, err, errlen, NULL);
}

int cfg4_check_file(const char *path, cfg4_t **out, char **errors)
{
    char err[2048];
    jsonsrc_t *src;
    *errors = NULL;
    if (jsonsrc_load_file(path, &src, err, sizeof err)) {
        *errors = xstrdup(err);
        return NST_ECONFIG;
    }
    return parse_all(src, out, err, sizeof err, errors);
}

int cfg4_load_file(const char *path, cfg4_t **out, char *err, size_t errlen)
{
    jsonsrc_t *src;
    if (jsonsrc_load_file(path, &src, err, errlen))
        return NST_ECONFIG;
    return cfg4_parse(src, out, err, errlen);
}

int cfg4_load_string(const char *text, const char *name, cfg4_t **out, char *err, size_t errlen)
{
    jsonsrc_t *src;
    if (jsonsrc_load_string(text, name, &src, err, errlen))
        return NST_ECONFIG;
    return cfg4_parse(src, out, err, errlen);
}

void cfg4_free(cfg4_t *c)
{
    if (!c)
        return;
    cfg_common_free(&c->common);
    free(c->server_hostname);
    free(c->boot_file_name);
    optdef_registry_free(c->optdefs);
    cfg_optset_free(&c->options);
    for (size_t i = 0; i < c->subnet_count; i++)
        cfg_subnet4_free(&c->subnets[i]);
    free(c->subnets);
    for (size_t i = 0; i < c->network_count; i++)
        cfg_network4_free(&c->networks[i]);
    free(c->networks);
    for (size_t i = 0; i < c->host_count; i++)
        cfg_host4_free(&c->hosts[i]);
    free(c->hosts);
    eval_free(c->flex_id);
    for (size_t i = 0; i < c->flexopt_count; i++)
        eval_free(c->flexopts[i].expr);
    free(c->flexopts);
    for (size_t i = 0; i < c->flexsub_count; i++)
        eval_free(c->flexsubs[i].expr);
    free(c->flexsubs);
    if (c->classes)
        cfg_classes_free(c->classes);
    free(c->classes);
    jsonsrc_free(c->src);
    free(c);
}

const char *cfg_host_id_name(enum cfg_host_id_type t)
{
    static const char *const names[] = {"hw-address", "duid", "circuit-id", "client-id", "flex-id"};
    return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "unknown";
}
