/* Errors that say which case a refused key is: Kea 2.2's Dhcp4 keys per map (the *_param rules
 * of Kea 2.2's dhcp4_parser.yy, where "user-context" and "comment" are allowed everywhere), so a
 * key Kea knows but Nestor does not build is told apart from a key Kea does not know, for which
 * the nearest valid name is suggested. */
#include <stdio.h>
#include <string.h>

#include "config/cfg4_ctx.h"

static const char *const kea_global[] = {"valid-lifetime", "min-valid-lifetime", "max-valid-lifetime",
    "renew-timer", "rebind-timer", "decline-probation-period", "subnet4", "shared-networks",
    "interfaces-config", "lease-database", "hosts-database", "hosts-databases",
    "host-reservation-identifiers", "client-classes", "option-def", "option-data", "hooks-libraries",
    "expired-leases-processing", "dhcp4o6-port", "control-socket", "dhcp-queue-control", "dhcp-ddns",
    "echo-client-id", "match-client-id", "authoritative", "next-server", "server-hostname", "boot-file-name",
    "sanity-checks", "reservations", "config-control", "server-tag", "reservation-mode",
    "reservations-global", "reservations-in-subnet", "reservations-out-of-pool", "calculate-tee-times",
    "t1-percent", "t2-percent", "cache-threshold", "cache-max-age", "loggers", "hostname-char-set",
    "hostname-char-replacement", "ddns-send-updates", "ddns-override-no-update",
    "ddns-override-client-update", "ddns-replace-client-name", "ddns-generated-prefix",
    "ddns-qualifying-suffix", "ddns-update-on-renew", "ddns-use-conflict-resolution", "store-extended-info",
    "statistic-default-sample-count", "statistic-default-sample-age", "multi-threading",
    "early-global-reservations-lookup", "ip-reservations-unique", "reservations-lookup-first",
    "compatibility", "parked-packet-limit", NULL};
static const char *const kea_interfaces[] = {"interfaces", "dhcp-socket-type", "outbound-interface",
    "re-detect", "service-sockets-require-all", "service-sockets-retry-wait-time",
    "service-sockets-max-retries", NULL};
static const char *const kea_sanity[] = {"lease-checks", NULL};
static const char *const kea_database[] = {"type", "user", "password", "host", "port", "name", "persist",
    "lfc-interval", "readonly", "connect-timeout", "max-reconnect-tries", "reconnect-wait-time", "on-fail",
    "max-row-errors", "trust-anchor", "cert-file", "key-file", "cipher-list", NULL};
static const char *const kea_mt[] = {"enable-multi-threading", "thread-pool-size", "packet-queue-size", NULL};
static const char *const kea_hooks[] = {"library", "parameters", NULL};
static const char *const kea_expired[] = {"reclaim-timer-wait-time", "flush-reclaimed-timer-wait-time",
    "hold-reclaimed-time", "max-reclaim-leases", "max-reclaim-time", "unwarned-reclaim-cycles", NULL};
static const char *const kea_subnet4[] = {"valid-lifetime", "min-valid-lifetime", "max-valid-lifetime",
    "renew-timer", "rebind-timer", "option-data", "pools", "subnet", "interface", "id", "client-class",
    "require-client-classes", "reservations", "reservation-mode", "reservations-global",
    "reservations-in-subnet", "reservations-out-of-pool", "relay", "match-client-id", "authoritative",
    "next-server", "server-hostname", "boot-file-name", "4o6-interface", "4o6-interface-id", "4o6-subnet",
    "calculate-tee-times", "t1-percent", "t2-percent", "cache-threshold", "cache-max-age",
    "ddns-send-updates", "ddns-override-no-update", "ddns-override-client-update",
    "ddns-replace-client-name", "ddns-generated-prefix", "ddns-qualifying-suffix", "ddns-update-on-renew",
    "ddns-use-conflict-resolution", "hostname-char-set", "hostname-char-replacement", "store-extended-info",
    NULL};
static const char *const kea_network[] = {"name", "subnet4", "interface", "renew-timer", "rebind-timer",
    "option-data", "match-client-id", "authoritative", "next-server", "server-hostname", "boot-file-name",
    "relay", "reservation-mode", "reservations-global", "reservations-in-subnet", "reservations-out-of-pool",
    "client-class", "require-client-classes", "valid-lifetime", "min-valid-lifetime", "max-valid-lifetime",
    "calculate-tee-times", "t1-percent", "t2-percent", "cache-threshold", "cache-max-age",
    "ddns-send-updates", "ddns-override-no-update", "ddns-override-client-update",
    "ddns-replace-client-name", "ddns-generated-prefix", "ddns-qualifying-suffix", "ddns-update-on-renew",
    "ddns-use-conflict-resolution", "hostname-char-set", "hostname-char-replacement", "store-extended-info",
    NULL};
static const char *const kea_optdef[] = {"name", "code", "space", "type", "record-types", "encapsulate",
    "array", NULL};
static const char *const kea_optdata[] = {"name", "code", "space", "data", "csv-format", "always-send", NULL};
static const char *const kea_pool[] = {"pool", "option-data", "client-class", "require-client-classes", NULL};
static const char *const kea_reservation[] = {"duid", "client-classes", "client-id", "circuit-id", "flex-id",
    "ip-address", "hw-address", "hostname", "option-data", "next-server", "server-hostname",
    "boot-file-name", NULL};
static const char *const kea_class[] = {"name", "test", "only-if-required", "option-def", "option-data",
    "next-server", "server-hostname", "boot-file-name", "valid-lifetime", "min-valid-lifetime",
    "max-valid-lifetime", NULL};
static const char *const kea_relay[] = {"ip-address", "ip-addresses", NULL};
static const char *const kea_ctrlsock[] = {"socket-type", "socket-name", NULL};
static const char *const kea_queue[] = {"enable-queue", "queue-type", "capacity", NULL};
static const char *const kea_ddns[] = {"enable-updates", "server-ip", "server-port", "sender-ip",
    "sender-port", "max-queue-size", "ncr-protocol", "ncr-format", "override-no-update",
    "override-client-update", "replace-client-name", "generated-prefix", "qualifying-suffix",
    "hostname-char-set", "hostname-char-replacement", NULL};
static const char *const kea_cfgctl[] = {"config-databases", "config-fetch-wait-time", NULL};
static const char *const kea_logger[] = {"name", "output_options", "debuglevel", "severity", NULL};
static const char *const kea_output[] = {"output", "flush", "maxsize", "maxver", "pattern", NULL};
static const char *const kea_compat[] = {"lenient-option-parsing", NULL};

/* A map is named by the last key of its path that is not a list index. */
static const struct kea_map {
    const char *key;
    const char *name;          /* for "Kea 2.2 has it in ..." */
    const char *const *keys;
} kea_maps[] = {
    {"Dhcp4", "Dhcp4", kea_global},
    {"subnet4", "subnet4 entries", kea_subnet4},
    {"shared-networks", "shared-networks entries", kea_network},
    {"pools", "pools entries", kea_pool},
    {"reservations", "reservations entries", kea_reservation},
    {"option-data", "option-data entries", kea_optdata},
    {"option-def", "option-def entries", kea_optdef},
    {"client-classes", "client-classes entries", kea_class},
    {"relay", "relay", kea_relay},
    {"lease-database", "lease-database", kea_database},
    {"hosts-database", "hosts-database", kea_database},
    {"hosts-databases", "hosts-databases entries", kea_database},
    {"config-databases", "config-databases entries", kea_database},
    {"interfaces-config", "interfaces-config", kea_interfaces},
    {"multi-threading", "multi-threading", kea_mt},
    {"expired-leases-processing", "expired-leases-processing", kea_expired},
    {"hooks-libraries", "hooks-libraries entries", kea_hooks},
    {"control-socket", "control-socket", kea_ctrlsock},
    {"dhcp-queue-control", "dhcp-queue-control", kea_queue},
    {"dhcp-ddns", "dhcp-ddns", kea_ddns},
    {"config-control", "config-control", kea_cfgctl},
    {"loggers", "loggers entries", kea_logger},
    {"output_options", "output_options entries", kea_output},
    {"sanity-checks", "sanity-checks", kea_sanity},
    {"compatibility", "compatibility", kea_compat},
};

static bool listed(const char *key, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (!strcmp(key, list[i]))
            return true;
    return false;
}

/* The Kea map of the JSON path p->path ("/Dhcp4/subnet4/0/pools/1": pools), or NULL. */
static const struct kea_map *map_of(const pctx_t *p)
{
    const char *end = p->path + p->plen;
    while (end > p->path) {
        const char *s = end;
        while (s > p->path && s[-1] != '/')
            s--;
        size_t n = (size_t)(end - s);
        if (n && strspn(s, "0123456789") < n) {
            for (size_t i = 0; i < ARRAY_SIZE(kea_maps); i++)
                if (strlen(kea_maps[i].key) == n && !memcmp(kea_maps[i].key, s, n))
                    return &kea_maps[i];
            return NULL;
        }
        end = s > p->path ? s - 1 : p->path;
    }
    return NULL;
}

/* Optimal string alignment distance (Levenshtein with adjacent transpositions), capped at 64. */
size_t cfg_key_distance(const char *a, const char *b)
{
    enum { MAX = 64 };
    size_t la = strnlen(a, MAX), lb = strnlen(b, MAX);
    size_t d[MAX + 1][MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

static void nearest_in(const char *key, const char *const *list, const char **best, size_t *best_d)
{
    for (size_t i = 0; list && list[i]; i++) {
        size_t d = cfg_key_distance(key, list[i]);
        if (d < *best_d)
            *best = list[i], *best_d = d;
    }
}

const char *cfg_key_suggest(const char *key, const char *const *a, const char *const *b, const char *const *c)
{
    static const char *const meta[] = {"comment", "user-context", NULL};
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    nearest_in(key, a, &best, &best_d);
    nearest_in(key, b, &best, &best_d);
    nearest_in(key, c, &best, &best_d);
    nearest_in(key, meta, &best, &best_d);
    size_t len = strlen(key), limit = len / 3 < 1 ? 1 : len / 3 > 3 ? 3 : len / 3;
    return best && best_d <= limit ? best : NULL;
}

int pctx_fail_key(pctx_t *p, const char *key, const char *what, const char *const *allowed,
                  const char *const *also)
{
    const struct kea_map *m = map_of(p);
    if (m && m->keys == kea_database && strstr(what, "memfile") && listed(key, m->keys))
        return pctx_fail(p, key, "'%s' is a parameter of SQL databases: %s does not use it", key, what);
    if (m && listed(key, m->keys))
        return pctx_fail(p, key, "'%s' in %s is a Kea 2.2 parameter that Nestor does not support yet", key, what);
    const char *near = cfg_key_suggest(key, allowed, also, m ? m->keys : NULL);
    if (near)
        return pctx_fail(p, key, "unknown parameter '%s' in %s (did you mean '%s'?)", key, what, near);
    for (size_t i = 0; i < ARRAY_SIZE(kea_maps); i++)
        if ((!m || kea_maps[i].keys != m->keys) && listed(key, kea_maps[i].keys))
            return pctx_fail(p, key, "unknown parameter '%s' in %s (Kea 2.2 has it in %s)", key, what,
                             kea_maps[i].name);
    return pctx_fail(p, key, "unknown parameter '%s' in %s", key, what);
}
