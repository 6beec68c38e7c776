/* The configuration as config-get shows it: the text's Dhcp4 map with Kea 2.2's defaults filled
 * in where they are absent, as kea-dhcp4 2.2 answers config-get (compared side by side in
 * tests/integration/test_config_check.py): global defaults, Kea's defaults of the server-wide
 * maps, of subnets, shared networks, pools, reservations, option-data and option-def, and the
 * parameters a network or subnet inherits (INHERIT_TO_SUBNET4 of Kea 2.2) written at each level,
 * and values and orders as Kea writes them (cfg4_json_kea.c). Only keys Nestor accepts are
 * added, so config-get's answer is a valid config-set argument; "compatibility", which Kea 2.2
 * leaves out (its config-write loses it), is kept. */
#include <stdlib.h>
#include <string.h>

#include "config/cfg4.h"
#include "config/cfg4_ctx.h"
#include "config/cfg_class.h"

/* Adds each "key": value of defaults (a JSON text) that m does not have. */
static void fill(json_t *m, const char *defaults)
{
    json_t *d = json_loads(defaults, 0, NULL);
    const char *k;
    json_t *v;
    json_object_foreach(d, k, v)
        if (!json_object_get(m, k))
            json_object_set(m, k, v);
    json_decref(d);
}

/* m[key] as a map, added empty when absent (NULL when it is something else). */
static json_t *map_at(json_t *m, const char *key)
{
    json_t *v = json_object_get(m, key);
    if (!v)
        json_object_set_new(m, key, v = json_object());
    return json_is_object(v) ? v : NULL;
}

/* m[key], an empty list added when absent. */
static json_t *list_at(json_t *m, const char *key)
{
    json_t *v = json_object_get(m, key);
    if (!v)
        json_object_set_new(m, key, v = json_array());
    return v;
}

#define FOREACH_MAP(list, i, e) \
    json_array_foreach(list, i, e) if (json_is_object(e))

/* reservation-mode is shown as the three flags it stands for, as Kea shows it. */
static void mode_to_flags(json_t *m)
{
    const char *mode = json_string_value(json_object_get(m, "reservation-mode"));
    if (!mode)
        return;
    bool g = !strcmp(mode, "global"), in = !strcmp(mode, "all") || !strcmp(mode, "out-of-pool"),
         oop = !strcmp(mode, "out-of-pool");
    json_object_set_new(m, "reservations-global", json_boolean(g));
    json_object_set_new(m, "reservations-in-subnet", json_boolean(in));
    json_object_set_new(m, "reservations-out-of-pool", json_boolean(oop));
    json_object_del(m, "reservation-mode");
}

/* m's option-data; set: that level's options as built (for an option given without data). */
static void options(const cfg4_t *c, json_t *m, const cfg_optset_t *set)
{
    json_t *list = list_at(m, "option-data");
    size_t i;
    json_t *o;
    FOREACH_MAP(list, i, o) {
        fill(o, "{\"always-send\": false, \"csv-format\": true, \"space\": \"dhcp4\"}");
        const char *space = json_string_value(json_object_get(o, "space"));
        json_t *name = json_object_get(o, "name"), *code = json_object_get(o, "code");
        const optdef_t *def = NULL;
        if (space && json_is_string(name))
            def = optdef_resolve_by_name(NULL, c->optdefs, space, json_string_value(name));
        else if (space && json_is_integer(code))
            def = optdef_resolve_by_code(NULL, c->optdefs, space, (uint16_t)json_integer_value(code));
        if (def && !code)
            json_object_set_new(o, "code", json_integer(def->code));
        if (def && !name && def->name && *def->name)
            json_object_set_new(o, "name", json_string(def->name));
        cfg4_json_option_data(o, set);
    }
    cfg4_json_sort_options(list);
}

static void option_defs(json_t *list)
{
    size_t i;
    json_t *e;
    FOREACH_MAP(list, i, e)
        fill(e, "{\"array\": false, \"encapsulate\": \"\", \"record-types\": \"\", \"space\": \"dhcp4\"}");
    cfg4_json_sort_option_defs(list);
}

/* What a network or subnet inherits from its parent when it does not set it (Kea 2.2's
 * INHERIT_TO_SUBNET4 but relay, shown by level below), then the lifetime bounds of the level. */
static void inherit(json_t *m, const json_t *parent)
{
    static const char *const keys[] = {"rebind-timer", "renew-timer", "valid-lifetime", "min-valid-lifetime",
                                       "max-valid-lifetime", "calculate-tee-times", "t1-percent", "t2-percent",
                                       "store-extended-info", "cache-threshold", "cache-max-age"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        json_t *v = json_object_get(parent, keys[i]);
        if (v && !json_object_get(m, keys[i]))
            json_object_set(m, keys[i], v);
    }
    json_t *valid = json_object_get(m, "valid-lifetime");
    if (valid && !json_object_get(m, "min-valid-lifetime"))
        json_object_set(m, "min-valid-lifetime", valid);
    if (valid && !json_object_get(m, "max-valid-lifetime"))
        json_object_set(m, "max-valid-lifetime", valid);
}

static void reservations(const cfg4_t *c, json_t *m)
{
    json_t *list = list_at(m, "reservations");
    size_t i;
    json_t *h;
    FOREACH_MAP(list, i, h) {
        fill(h, "{\"boot-file-name\": \"\", \"client-classes\": [], \"hostname\": \"\", \"next-server\": \"0.0.0.0\","
                " \"server-hostname\": \"\"}");
        cfg4_json_host(h);
        options(c, h, NULL);
    }
    cfg4_json_sort_hosts(list);
}

/* Kea shows each class's boot fields, option-data and option-def. */
static void classes(const cfg4_t *c, json_t *d)
{
    size_t i;
    json_t *k;
    FOREACH_MAP(json_object_get(d, "client-classes"), i, k) {
        fill(k, "{\"boot-file-name\": \"\", \"next-server\": \"0.0.0.0\", \"server-hostname\": \"\"}");
        const char *name = json_string_value(json_object_get(k, "name"));
        int at = name && c->classes ? cfg_classes_find(c->classes, name) : -1;
        options(c, k, at >= 0 ? &c->classes->items[at].options : NULL);
        option_defs(list_at(k, "option-def"));
    }
}

/* The subnet of c a subnet4 entry stands for (by its prefix), or NULL. */
static const cfg_subnet4_t *subnet_of(const cfg4_t *c, json_t *s)
{
    const char *text = json_string_value(json_object_get(s, "subnet"));
    const char *slash = text ? strchr(text, '/') : NULL;
    char addr[16];
    uint32_t prefix;
    if (!slash || (size_t)(slash - text) >= sizeof addr)
        return NULL;
    memcpy(addr, text, (size_t)(slash - text));
    addr[slash - text] = '\0';
    for (size_t k = 0; cfg_parse_ipv4(addr, &prefix) && k < c->subnet_count; k++)
        if (c->subnets[k].prefix == (prefix & c->subnets[k].mask) && (unsigned)atoi(slash + 1) == c->subnets[k].prefix_len)
            return &c->subnets[k];
    return NULL;
}

static const cfg_optset_t *pool_options(const cfg_subnet4_t *sc, json_t *pool)
{
    const char *text = json_string_value(json_object_get(pool, "pool"));
    uint32_t first, last;
    for (size_t k = 0; sc && text && cfg_parse_pool(text, &first, &last) && k < sc->pool_count; k++)
        if (sc->pools[k].first == first && sc->pools[k].last == last)
            return &sc->pools[k].options;
    return NULL;
}

static void subnets(const cfg4_t *c, json_t *m, const json_t *parent)
{
    json_t *list = list_at(m, "subnet4");
    size_t i;
    json_t *s;
    FOREACH_MAP(list, i, s) {
        mode_to_flags(s);
        inherit(s, parent);
        const cfg_subnet4_t *sc = subnet_of(c, s);
        json_t *given = json_object_get(s, "id");
        if (sc && (!given || (json_is_integer(given) && !json_integer_value(given))))
            json_object_set_new(s, "id", json_integer(sc->id));
        json_t *relay = json_object_get(parent, "relay");
        cfg4_json_relay(json_object_get(s, "relay"));
        if (!json_object_get(s, "relay"))
            json_object_set_new(s, "relay", relay ? json_deep_copy(relay) : json_pack("{s:[]}", "ip-addresses"));
        json_t *pool;
        size_t k;
        FOREACH_MAP(list_at(s, "pools"), k, pool)
            options(c, pool, pool_options(sc, pool));
        cfg4_json_pools(json_object_get(s, "pools"));
        options(c, s, sc ? &sc->options : NULL);
        reservations(c, s);
    }
    cfg4_json_sort_subnets(list);
}

json_t *cfg4_config_json(const cfg4_t *c)
{
    json_t *root = json_deep_copy(jsonsrc_root(c->src));
    json_t *d = json_object_get(root, "Dhcp4");
    if (!json_is_object(d))
        return root;
    mode_to_flags(d);
    fill(d, "{\"authoritative\": false, \"boot-file-name\": \"\", \"calculate-tee-times\": false,"
            " \"decline-probation-period\": 86400, \"early-global-reservations-lookup\": false,"
            " \"echo-client-id\": true, \"hooks-libraries\": [],"
            " \"host-reservation-identifiers\": [\"hw-address\", \"duid\", \"circuit-id\", \"client-id\"],"
            " \"ip-reservations-unique\": true, \"match-client-id\": true, \"next-server\": \"0.0.0.0\","
            " \"option-def\": [], \"parked-packet-limit\": 256, \"reservations-global\": false,"
            " \"reservations-in-subnet\": true, \"reservations-lookup-first\": false,"
            " \"reservations-out-of-pool\": false, \"server-hostname\": \"\", \"server-tag\": \"\","
            " \"shared-networks\": [], \"statistic-default-sample-age\": 0, \"statistic-default-sample-count\": 20,"
            " \"store-extended-info\": false, \"t1-percent\": 0.5, \"t2-percent\": 0.875, \"valid-lifetime\": 7200}");
    static const struct {
        const char *key, *defaults;
    } maps[] = {
        {"dhcp-queue-control", "{\"capacity\": 64, \"enable-queue\": false, \"queue-type\": \"kea-ring4\"}"},
        {"expired-leases-processing", "{\"flush-reclaimed-timer-wait-time\": 25, \"hold-reclaimed-time\": 3600,"
                                      " \"max-reclaim-leases\": 100, \"max-reclaim-time\": 250,"
                                      " \"reclaim-timer-wait-time\": 10, \"unwarned-reclaim-cycles\": 5}"},
        {"interfaces-config", "{\"interfaces\": [], \"re-detect\": true}"},
        {"multi-threading", "{\"enable-multi-threading\": false, \"packet-queue-size\": 64, \"thread-pool-size\": 0}"},
        {"sanity-checks", "{\"lease-checks\": \"warn\"}"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
        json_t *m = map_at(d, maps[i].key);
        if (m)
            fill(m, maps[i].defaults);
    }
    json_t *mt = json_object_get(json_object_get(d, "multi-threading"), "enable-multi-threading");
    if (json_is_true(mt)) /* Kea 2.2 turns the packet queue off under multi-threading, and shows it */
        json_object_set_new(json_object_get(d, "dhcp-queue-control"), "enable-queue", json_false());
    size_t i;
    json_t *e;
    option_defs(json_object_get(d, "option-def"));
    FOREACH_MAP(json_object_get(d, "loggers"), i, e) {
        fill(e, "{\"debuglevel\": 0}");
        size_t k;
        json_t *o;
        FOREACH_MAP(json_object_get(e, "output_options"), k, o) {
            const char *out = json_string_value(json_object_get(o, "output"));
            fill(o, "{\"flush\": true, \"pattern\": \"\"}");
            if (out && strcmp(out, "stdout") && strcmp(out, "stderr") && strncmp(out, "syslog", 6))
                fill(o, "{\"maxsize\": 10240000, \"maxver\": 1}"); /* files only */
        }
    }
    options(c, d, &c->options);
    reservations(c, d);
    classes(c, d);
    subnets(c, d, d);
    FOREACH_MAP(json_object_get(d, "shared-networks"), i, e) {
        mode_to_flags(e);
        inherit(e, d);
        cfg4_json_relay(json_object_get(e, "relay"));
        if (!json_object_get(e, "relay"))
            json_object_set_new(e, "relay", json_pack("{s:[]}", "ip-addresses"));
        const char *name = json_string_value(json_object_get(e, "name"));
        const cfg_network4_t *net = NULL;
        for (size_t k = 0; name && k < c->network_count; k++)
            if (!strcmp(c->networks[k].name, name))
                net = &c->networks[k];
        options(c, e, net ? &net->options : NULL);
        subnets(c, e, e);
    }
    cfg4_json_sort_networks(json_object_get(d, "shared-networks"));
    return root;
}
