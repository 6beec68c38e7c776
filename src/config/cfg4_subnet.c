/* subnet4, shared-networks, pools and reservations, with global -> network -> subnet inheritance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg4_ctx.h"

/* Parameters a shared network or subnet may override; they start as the parent's values. */
typedef struct inherit {
    cfg_lifetimes_t life;
    bool match_client_id, authoritative;
    uint32_t next_server;
    const char *server_hostname, *boot_file_name; /* borrowed from the parent level */
    bool res_global, res_in_subnet, res_out_of_pool;
    cfg_extra4_t extra;
    const char *interface;
    const uint32_t *relay;
    size_t relay_count;
    const char *ha_name;      /* the shared network's user-context ha-server-name (cfg_hamap.c) */
} inherit_t;

static const char *const common_keys[] = {
    "valid-lifetime", "min-valid-lifetime", "max-valid-lifetime", "renew-timer", "rebind-timer",
    "calculate-tee-times", "t1-percent", "t2-percent", "allocator", "match-client-id", "authoritative",
    "next-server", "server-hostname", "boot-file-name", "reservations-global",
    "reservations-in-subnet", "reservations-out-of-pool", "interface", "relay", "option-data",
    "client-class", "require-client-classes", NULL,
};

static bool key_in(const char *key, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(key, list[i]))
            return true;
    return false;
}

/* Checks keys against common_keys plus extra. */
static int check_level_keys(pctx_t *p, json_t *obj, const char *what, const char *const *extra)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (!strcmp(key, "comment") || !strcmp(key, "user-context") || key_in(key, common_keys) ||
            key_in(key, cfg4_more_level_keys) || key_in(key, extra))
            continue;
        pctx_fail_key(p, key, what, common_keys, extra); /* recorded; the accepted keys are still read */
    }
    return 0;
}

static int parse_relay(pctx_t *p, json_t *obj, uint32_t **out, size_t *count)
{
    json_t *relay;
    int r = pctx_get_map(p, obj, "relay", &relay);
    if (r || !relay)
        return r;
    size_t old = pctx_push(p, "relay");
    static const char *const keys[] = {"ip-addresses", "ip-address", NULL};
    r = pctx_check_keys(p, relay, "relay", keys);
    json_t *list = NULL;
    if (!r)
        r = pctx_get_list(p, relay, "ip-addresses", &list);
    if (!r && list) {
        *out = xcalloc(json_array_size(list) + 1, sizeof **out);
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
            const char *s = json_string_value(v);
            if (!s || !cfg_parse_ipv4(s, &(*out)[*count])) {
                size_t o2 = pctx_push(p, "ip-addresses");
                pctx_push_idx(p, i);
                r = pctx_fail(p, NULL, "relay ip-addresses entries must be IPv4 addresses");
                pctx_pop(p, o2);
                break;
            }
            (*count)++;
        }
    }
    if (!r && json_object_get(relay, "ip-address")) {
        if (!*out)
            *out = xcalloc(1, sizeof **out);
        r = pctx_get_ipv4(p, relay, "ip-address", &(*out)[*count]);
        if (!r)
            (*count)++;
    }
    pctx_pop(p, old);
    return r;
}

/* Applies one level's overrides to inh (strings stay borrowed from the JSON). */
static int parse_level(pctx_t *p, json_t *obj, inherit_t *inh)
{
    int r = 0; /* each parameter is checked whatever happened to the others */
    PCTX_STEP(r, cfg4_parse_life(p, obj, &inh->life));
    PCTX_STEP(r, pctx_get_bool(p, obj, "match-client-id", &inh->match_client_id));
    PCTX_STEP(r, pctx_get_bool(p, obj, "authoritative", &inh->authoritative));
    PCTX_STEP(r, pctx_get_ipv4(p, obj, "next-server", &inh->next_server));
    PCTX_STEP(r, cfg4_parse_reservation_mode(p, obj, &inh->res_global, &inh->res_in_subnet, &inh->res_out_of_pool));
    PCTX_STEP(r, cfg4_parse_extra(p, obj, &inh->extra));
    const char *strkeys[] = {"server-hostname", "boot-file-name", "interface"};
    const char **dst[] = {&inh->server_hostname, &inh->boot_file_name, &inh->interface};
    for (size_t i = 0; i < ARRAY_SIZE(strkeys); i++) {
        json_t *v = json_object_get(obj, strkeys[i]);
        if (!v)
            continue;
        if (!json_is_string(v))
            r = pctx_fail(p, strkeys[i], "'%s' must be a string", strkeys[i]);
        else
            *dst[i] = json_string_value(v);
    }
    return r;
}

static bool parse_prefix(const char *s, uint32_t *addr, uint8_t *len)
{
    const char *slash = strchr(s, '/');
    if (!slash || slash - s > 15)
        return false;
    char a[16];
    memcpy(a, s, (size_t)(slash - s));
    a[slash - s] = '\0';
    uint64_t l;
    if (!cfg_parse_ipv4(a, addr) || !parse_u64(slash + 1, 32, &l))
        return false;
    *len = (uint8_t)l;
    return true;
}

static uint32_t mask_of(uint8_t len) { return len ? ~0u << (32 - len) : 0; }

bool cfg_parse_pool(const char *text, uint32_t *first, uint32_t *last)
{
    char a[64] = "", b[64] = "";
    uint8_t plen;
    const char *dash = strchr(text, '-');
    if (!dash) {
        if (!parse_prefix(text, first, &plen))
            return false;
        *first &= mask_of(plen);
        *last = *first | ~mask_of(plen);
        return true;
    }
    size_t la = (size_t)(dash - text);
    if (la < sizeof a && strlen(dash + 1) < sizeof b) {
        memcpy(a, text, la);
        a[la] = '\0';
        strcpy(b, dash + 1);
    }
    char *ta = a, *tb = b;
    while (*ta == ' ') ta++;
    while (*tb == ' ') tb++;
    for (char *e = ta + strlen(ta); e > ta && e[-1] == ' '; *--e = '\0') ;
    for (char *e = tb + strlen(tb); e > tb && e[-1] == ' '; *--e = '\0') ;
    return cfg_parse_ipv4(ta, first) && cfg_parse_ipv4(tb, last);
}

static int parse_pool(pctx_t *p, json_t *o, cfg_subnet4_t *s, cfg_pool4_t *out)
{
    static const char *const keys[] = {"pool", "option-data", "client-class", "require-client-classes", NULL};
    if (!json_is_object(o))
        return pctx_fail(p, NULL, "a pools entry must be a map");
    int r = pctx_check_keys(p, o, "pools entry", keys);
    char *text = NULL;
    if (!r)
        r = pctx_get_str(p, o, "pool", &text);
    if (!r && !text)
        r = pctx_fail(p, NULL, "a pools entry requires 'pool'");
    if (!r && !cfg_parse_pool(text, &out->first, &out->last))
        r = pctx_fail(p, "pool", "invalid pool '%s': expected \"first - last\" or \"prefix/len\"", text);
    else if (!r && out->first > out->last)
        r = pctx_fail(p, "pool", "invalid pool '%s': the first address is greater than the last", text);
    if (!r && ((out->first & s->mask) != s->prefix || (out->last & s->mask) != s->prefix))
        r = pctx_fail(p, "pool", "pool '%s' does not lie within subnet %u's prefix", text, s->id);
    json_t *opts;
    if (!r)
        r = pctx_get_list(p, o, "option-data", &opts);
    if (!r && opts) {
        size_t old = pctx_push(p, "option-data");
        r = cfg4_parse_options(p, opts, &out->options);
        pctx_pop(p, old);
    }
    if (!r)
        r = cfg4_parse_class_use(p, o, &out->cls);
    free(text);
    return r;
}

static int add_host(pctx_t *p, json_t *h, uint32_t subnet_id)
{
    cfg4_t *c = p->cfg;
    c->hosts = xrealloc(c->hosts, (c->host_count + 1) * sizeof *c->hosts);
    cfg_host4_t *host = &c->hosts[c->host_count];
    memset(host, 0, sizeof *host);
    int r = cfg4_parse_host(p, h, subnet_id, host);
    if (r) {
        cfg_host4_free(host);
        return r;
    }
    for (size_t i = 0; i < c->host_count; i++) {
        const cfg_host4_t *o = &c->hosts[i];
        if (o->subnet_id != subnet_id)
            continue;
        if (o->id_type == host->id_type && o->id_len == host->id_len && !memcmp(o->id, host->id, o->id_len)) {
            cfg_host4_free(host);
            return pctx_fail(p, NULL, "duplicate reservation: another reservation in the same %s uses this %s",
                             subnet_id ? "subnet" : "global scope", cfg_host_id_name(o->id_type));
        }
        if (host->ipv4 && o->ipv4 == host->ipv4 && c->ip_reservations_unique) {
            cfg_host4_free(host);
            return pctx_fail(p, "ip-address", "duplicate reservation for address %s in the same %s",
                             json_string_value(json_object_get(h, "ip-address")),
                             subnet_id ? "subnet" : "global scope");
        }
    }
    c->host_count++;
    return 0;
}

static int parse_hosts(pctx_t *p, json_t *obj, uint32_t subnet_id, const cfg_subnet4_t *s)
{
    json_t *list;
    int r = pctx_get_list(p, obj, "reservations", &list);
    if (r || !list)
        return r;
    size_t old = pctx_push(p, "reservations");
    size_t i;
    json_t *h;
    int failed = 0;
    json_array_foreach(list, i, h) {
        size_t o2 = pctx_push_idx(p, i);
        size_t before = p->cfg->host_count;
        r = add_host(p, h, subnet_id);
        if (!r && s) {
            const cfg_host4_t *host = &p->cfg->hosts[before];
            if (host->ipv4 && (host->ipv4 & s->mask) != s->prefix)
                r = pctx_fail(p, "ip-address", "reserved address is not within subnet %u", s->id);
        }
        pctx_pop(p, o2);
        if (r)
            failed = r; /* the next reservations are still checked */
    }
    pctx_pop(p, old);
    return failed;
}

static const char *const subnet_keys[] = {"id", "subnet", "pools", "reservations", NULL};

static int parse_subnet(pctx_t *p, json_t *o, const inherit_t *parent, cfg_subnet4_t *s)
{
    if (!json_is_object(o))
        return pctx_fail(p, NULL, "a subnet4 entry must be a map");
    int r = check_level_keys(p, o, "subnet4 entry", subnet_keys);
    char *text = NULL;
    if (!r)
        r = pctx_get_u32(p, o, "id", 0, UINT32_MAX - 1, &s->id);
    if (!r && !s->id) { /* absent or 0: numbered as Kea 2.2 numbers it (cfg4_parse_subnets) */
        s->id = p->next_auto_id++;
        s->auto_id = true;
    }
    if (!r)
        r = pctx_get_str(p, o, "subnet", &text);
    if (!r && !text)
        r = pctx_fail(p, NULL, "a subnet4 entry requires 'subnet'");
    if (!r && !parse_prefix(text, &s->prefix, &s->prefix_len))
        r = pctx_fail(p, "subnet", "invalid subnet '%s': expected \"address/length\"", text);
    free(text);
    if (r)
        return r;
    s->mask = mask_of(s->prefix_len);
    s->prefix &= s->mask;
    inherit_t inh = *parent;
    inh.relay = NULL;
    inh.relay_count = 0;
    int level = parse_level(p, o, &inh); /* on failure the pools, options and classes are still checked */
    PCTX_STEP(level, parse_relay(p, o, &s->relay_addrs, &s->relay_count));
    if (!s->relay_count && parent->relay_count) {
        s->relay_addrs = xcalloc(parent->relay_count, sizeof *s->relay_addrs);
        memcpy(s->relay_addrs, parent->relay, parent->relay_count * sizeof *s->relay_addrs);
        s->relay_count = parent->relay_count;
    }
    s->life = inh.life;
    s->match_client_id = inh.match_client_id;
    s->authoritative = inh.authoritative;
    s->next_server = inh.next_server;
    s->server_hostname = inh.server_hostname ? xstrdup(inh.server_hostname) : NULL;
    s->boot_file_name = inh.boot_file_name ? xstrdup(inh.boot_file_name) : NULL;
    s->reservations_global = inh.res_global;
    s->reservations_in_subnet = inh.res_in_subnet;
    s->reservations_out_of_pool = inh.res_out_of_pool;
    s->extra = inh.extra;
    s->interface = inh.interface ? xstrdup(inh.interface) : NULL;

    json_t *list;
    r = pctx_get_list(p, o, "pools", &list);
    if (!r && list) {
        int failed = 0;
        size_t old = pctx_push(p, "pools");
        s->pools = xcalloc(json_array_size(list), sizeof *s->pools);
        size_t i;
        json_t *po;
        json_array_foreach(list, i, po) {
            size_t o2 = pctx_push_idx(p, i);
            cfg_pool4_t *pool = &s->pools[s->pool_count];
            r = parse_pool(p, po, s, pool);
            for (size_t k = 0; !r && k < s->pool_count; k++)
                if (pool->first <= s->pools[k].last && s->pools[k].first <= pool->last)
                    r = pctx_fail(p, "pool", "pool overlaps with another pool of subnet %u", s->id);
            if (r) {
                cfg_optset_free(&pool->options);
                free(pool->cls.required);
                memset(pool, 0, sizeof *pool);
                failed = r; /* the next pools are still checked */
            } else
                s->total_addresses += (uint64_t)pool->last - pool->first + 1, s->pool_count++;
            pctx_pop(p, o2);
        }
        pctx_pop(p, old);
        r = failed;
    }
    if (pctx_get_list(p, o, "option-data", &list))
        r = NST_ECONFIG;
    else if (list) {
        size_t old = pctx_push(p, "option-data");
        PCTX_STEP(r, cfg4_parse_options(p, list, &s->options));
        pctx_pop(p, old);
    }
    PCTX_STEP(r, cfg4_parse_class_use(p, o, &s->cls));
    if (!r) {
        const char *ha_name = cfg_ha_server_name(o);
        s->ha_rel = cfg_ha_relationship(p->common->ha, ha_name ? ha_name : parent->ha_name, &s->ha_name);
    }
    return r ? r : level;
}

static int add_subnets(pctx_t *p, json_t *list, const inherit_t *inh, cfg_network4_t *net)
{
    cfg4_t *c = p->cfg;
    size_t old = pctx_push(p, "subnet4");
    size_t i;
    json_t *o;
    int r = 0, failed = 0;
    json_array_foreach(list, i, o) {
        size_t o2 = pctx_push_idx(p, i);
        c->subnets = xrealloc(c->subnets, (c->subnet_count + 1) * sizeof *c->subnets);
        cfg_subnet4_t *s = &c->subnets[c->subnet_count];
        memset(s, 0, sizeof *s);
        r = parse_subnet(p, o, inh, s);
        for (size_t k = 0; !r && k < c->subnet_count; k++) {
            if (c->subnets[k].id == s->id)
                r = pctx_fail(p, s->auto_id ? NULL : "id", "subnet id %u is used by more than one subnet%s", s->id,
                              s->auto_id || c->subnets[k].auto_id
                                  ? " (a subnet without 'id' takes the next number from 1, in the order of the "
                                    "shared networks' subnets and then subnet4's, as in Kea 2.2)"
                                  : "");
            else if (c->subnets[k].prefix == s->prefix && c->subnets[k].prefix_len == s->prefix_len)
                r = pctx_fail(p, "subnet", "subnet with this prefix already exists");
        }
        /* a subnet that failed still has its reservations checked, without its prefix */
        PCTX_STEP(r, parse_hosts(p, o, s->id, r ? NULL : s));
        if (r) {
            cfg_subnet4_free(s);
            failed = r; /* the next subnets are still checked */
        } else {
            s->network = net;
            if (net && s->cls.client_class < 0)
                s->cls.client_class = net->cls.client_class; /* inherited, as Kea's networks do */
            c->subnet_count++;
        }
        pctx_pop(p, o2);
    }
    pctx_pop(p, old);
    return failed;
}

static int parse_networks(pctx_t *p, json_t *list, const inherit_t *global)
{
    static const char *const extra[] = {"name", "subnet4", NULL};
    cfg4_t *c = p->cfg;
    size_t old = pctx_push(p, "shared-networks");
    c->networks = xcalloc(json_array_size(list) + 1, sizeof *c->networks);
    size_t i;
    json_t *o;
    int r = 0;
    int failed = 0;
    json_array_foreach(list, i, o) {
        size_t o2 = pctx_push_idx(p, i);
        cfg_network4_t *n = &c->networks[c->network_count];
        r = 0;
        if (!json_is_object(o))
            r = pctx_fail(p, NULL, "a shared-networks entry must be a map");
        if (!r)
            r = check_level_keys(p, o, "shared-networks entry", extra);
        if (!r)
            r = pctx_get_str(p, o, "name", &n->name);
        if (!r && (!n->name || !*n->name))
            r = pctx_fail(p, NULL, "a shared network requires a non-empty 'name'");
        for (size_t k = 0; !r && k < c->network_count; k++)
            if (!strcmp(c->networks[k].name, n->name))
                r = pctx_fail(p, "name", "shared network name '%s' is used twice", n->name);
        inherit_t inh = *global;
        if (!r)
            r = parse_level(p, o, &inh);
        if (!r)
            r = parse_relay(p, o, &n->relay_addrs, &n->relay_count);
        json_t *l2;
        if (!r)
            r = pctx_get_list(p, o, "option-data", &l2);
        if (!r && l2) {
            size_t o3 = pctx_push(p, "option-data");
            r = cfg4_parse_options(p, l2, &n->options);
            pctx_pop(p, o3);
        }
        if (!r)
            r = cfg4_parse_class_use(p, o, &n->cls);
        if (!r)
            inh.ha_name = cfg_ha_server_name(o);
        if (!r) {
            n->interface = inh.interface ? xstrdup(inh.interface) : NULL;
            inh.relay = n->relay_addrs;
            inh.relay_count = n->relay_count;
            r = pctx_get_list(p, o, "subnet4", &l2);
            c->network_count++; /* owned from here on, freed by cfg4_free on error */
            if (!r && l2)
                r = add_subnets(p, l2, &inh, n); /* c->networks never moves */
        } else {
            cfg_network4_free(n);
            memset(n, 0, sizeof *n);
        }
        pctx_pop(p, o2);
        if (r)
            failed = r; /* the next networks are still checked */
    }
    pctx_pop(p, old);
    return failed;
}

static int cmp_subnet_id(const void *a, const void *b)
{
    uint32_t x = ((const cfg_subnet4_t *)a)->id, y = ((const cfg_subnet4_t *)b)->id;
    return x < y ? -1 : x > y;
}

/* How many subnets of list Kea numbers itself: maps without "id" or with "id": 0. */
static uint32_t auto_numbered(json_t *list)
{
    uint32_t n = 0;
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        json_t *id = json_object_get(o, "id");
        n += json_is_object(o) && (!id || (json_is_integer(id) && !json_integer_value(id)));
    }
    return n;
}

int cfg4_parse_subnets(pctx_t *p, json_t *d)
{
    cfg4_t *c = p->cfg;
    inherit_t g = {
        .life = c->life, .match_client_id = c->match_client_id, .authoritative = c->authoritative,
        .next_server = c->next_server, .server_hostname = c->server_hostname,
        .boot_file_name = c->boot_file_name, .res_global = c->reservations_global,
        .res_in_subnet = c->reservations_in_subnet, .res_out_of_pool = c->reservations_out_of_pool,
        .extra = c->extra,
    };
    /* Subnets without an "id" are numbered as Kea 2.2 numbers them: one counter from 1, which
     * explicit ids do not move, in Kea's parse order (every shared network's subnets, then
     * subnet4's); a number another subnet has is an error, as in Kea. Nestor parses subnet4
     * first, so its numbering starts after the shared networks' share. */
    json_t *nets = json_object_get(d, "shared-networks"), *n;
    size_t ni;
    uint32_t in_networks = 0;
    json_array_foreach(nets, ni, n)
        if (json_is_object(n))
            in_networks += auto_numbered(json_object_get(n, "subnet4"));
    p->next_auto_id = 1 + in_networks;
    json_t *list;
    int r = pctx_get_list(p, d, "subnet4", &list);
    if (!r && list)
        r = add_subnets(p, list, &g, NULL);
    p->next_auto_id = 1;
    if (pctx_get_list(p, d, "shared-networks", &list))
        r = NST_ECONFIG;
    else if (list)
        PCTX_STEP(r, parse_networks(p, list, &g));
    PCTX_STEP(r, parse_hosts(p, d, 0, NULL));
    if (r)
        return r;
    if (c->subnet_count)
        qsort(c->subnets, c->subnet_count, sizeof *c->subnets, cmp_subnet_id);
    /* Networks list their subnets once the subnet array has its final order. */
    for (size_t i = 0; i < c->subnet_count; i++) {
        cfg_subnet4_t *s = &c->subnets[i];
        if (s->network) {
            cfg_network4_t *net = s->network;
            net->subnets = xrealloc(net->subnets, (net->subnet_count + 1) * sizeof *net->subnets);
            net->subnets[net->subnet_count++] = s;
        }
    }
    return 0;
}

int cfg4_parse_host(pctx_t *p, json_t *h, uint32_t subnet_id, cfg_host4_t *out)
{
    static const char *const keys[] = {"hw-address", "duid", "circuit-id", "client-id", "flex-id",
                                       "ip-address", "hostname", "next-server", "server-hostname",
                                       "boot-file-name", "option-data", "client-classes", NULL};
    if (!json_is_object(h))
        return pctx_fail(p, NULL, "a reservations entry must be a map");
    int r = pctx_check_keys(p, h, "reservations entry", keys);
    if (r)
        return r;
    out->subnet_id = subnet_id;
    int found = 0;
    for (int t = 0; t < HOST_ID__COUNT; t++) {
        const char *name = cfg_host_id_name(t);
        json_t *v = json_object_get(h, name);
        if (!v)
            continue;
        if (found++)
            return pctx_fail(p, name, "a reservation must have exactly one identifier");
        const char *s = json_string_value(v);
        if (!s)
            return pctx_fail(p, name, "'%s' must be a string", name);
        int n;
        if (t == HOST_ID_FLEX_ID || t == HOST_ID_CIRCUIT_ID) {
            size_t len = strlen(s);
            if (len >= 2 && s[0] == '\'' && s[len - 1] == '\'') { /* quoted text form */
                n = (int)(len - 2);
                if (n > CFG_HOST_ID_MAX)
                    n = -1;
                else
                    memcpy(out->id, s + 1, (size_t)n);
            } else {
                n = hex_parse(out->id, CFG_HOST_ID_MAX, s);
            }
        } else {
            n = hex_parse(out->id, t == HOST_ID_HWADDR ? 20 : CFG_HOST_ID_MAX, s);
        }
        if (n <= 0)
            return pctx_fail(p, name, "invalid %s '%s'", name, s);
        out->id_type = (uint8_t)t;
        out->id_len = (uint8_t)n;
    }
    if (!found)
        return pctx_fail(p, NULL, "a reservation requires one of hw-address, duid, circuit-id, client-id or flex-id");
    r = pctx_get_ipv4(p, h, "ip-address", &out->ipv4);
    if (!r)
        r = pctx_get_str(p, h, "hostname", &out->hostname);
    if (!r)
        r = pctx_get_ipv4(p, h, "next-server", &out->next_server);
    if (!r)
        r = pctx_get_str(p, h, "server-hostname", &out->server_hostname);
    if (!r)
        r = pctx_get_str(p, h, "boot-file-name", &out->boot_file_name);
    json_t *list;
    if (!r)
        r = pctx_get_list(p, h, "option-data", &list);
    if (!r && list) {
        size_t old = pctx_push(p, "option-data");
        r = cfg4_parse_options(p, list, &out->options);
        pctx_pop(p, old);
    }
    if (!r)
        r = pctx_get_list(p, h, "client-classes", &list);
    if (!r && list) {
        out->classes = xcalloc(json_array_size(list) + 1, sizeof *out->classes);
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
            const char *name = json_string_value(v);
            if (!name || !*name) {
                size_t old = pctx_push(p, "client-classes");
                pctx_push_idx(p, i);
                r = pctx_fail(p, NULL, "client-classes entries must be non-empty strings");
                pctx_pop(p, old);
                break;
            }
            out->classes[out->class_count++] = xstrdup(name);
        }
    }
    return r;
}

void cfg_host4_free(cfg_host4_t *h)
{
    for (size_t i = 0; i < h->class_count; i++)
        free(h->classes[i]);
    free(h->classes);
    free(h->hostname);
    free(h->server_hostname);
    free(h->boot_file_name);
    cfg_optset_free(&h->options);
}

void cfg_subnet4_free(cfg_subnet4_t *s)
{
    for (size_t i = 0; i < s->pool_count; i++) {
        cfg_optset_free(&s->pools[i].options);
        free(s->pools[i].cls.required);
    }
    free(s->pools);
    free(s->server_hostname);
    free(s->boot_file_name);
    free(s->interface);
    free(s->relay_addrs);
    cfg_optset_free(&s->options);
    free(s->cls.required);
    free(s->ha_name);
}

void cfg_network4_free(cfg_network4_t *n)
{
    free(n->name);
    free(n->interface);
    free(n->relay_addrs);
    cfg_optset_free(&n->options);
    free(n->cls.required);
    free(n->subnets);
}

const cfg_subnet4_t *cfg4_subnet_by_id(const cfg4_t *c, uint32_t id)
{
    size_t lo = 0, hi = c->subnet_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->subnets[mid].id < id)
            lo = mid + 1;
        else if (c->subnets[mid].id > id)
            hi = mid;
        else
            return &c->subnets[mid];
    }
    return NULL;
}

const cfg_subnet4_t *cfg4_subnet_containing(const cfg4_t *c, uint32_t addr)
{
    const cfg_subnet4_t *best = NULL;
    for (size_t i = 0; i < c->subnet_count; i++) {
        const cfg_subnet4_t *s = &c->subnets[i];
        if ((addr & s->mask) == s->prefix && (!best || s->prefix_len > best->prefix_len))
            best = s;
    }
    return best;
}

bool cfg_subnet4_in_pool(const cfg_subnet4_t *s, uint32_t addr)
{
    for (size_t i = 0; i < s->pool_count; i++)
        if (addr >= s->pools[i].first && addr <= s->pools[i].last)
            return true;
    return false;
}
