/* libdhcp_ha.so's "high-availability" parameters (see ha_config.h): the maps and their values.
 * The checks across peers (URL, TLS, roles against the mode) are in ha_config_check.c. */
#include "ha/ha_config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/cfg4_ctx.h"
#include "ha/ha_config_int.h"

static const char *const rel_keys[] = {"this-server-name", "mode", "heartbeat-delay", "max-response-delay",
    "max-ack-delay", "max-unacked-clients", "delayed-updates-limit", "send-lease-updates", "sync-leases",
    "sync-timeout", "sync-page-limit", "wait-backup-ack", "require-client-certs", "restrict-commands",
    "trust-anchor", "cert-file", "key-file", "multi-threading", "state-machine", "peers",
    "max-rejected-lease-updates", NULL};
static const char *const peer_keys[] = {"name", "url", "role", "auto-failover", "basic-auth-user",
    "basic-auth-password", "basic-auth-password-file", "trust-anchor", "cert-file", "key-file", NULL};
static const char *const mt_keys[] = {"enable-multi-threading", "http-dedicated-listener",
    "http-listener-threads", "http-client-threads", NULL};

/* Keys later Kea versions added, and the first stable version that has them. */
static const struct later { const char *key, *version; } later_keys[] = {
    {"basic-auth-user-file", "3.2"},
};

int ha_check_keys(struct pctx *p, json_t *obj, const char *what, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool ok = !strcmp(key, "comment") || !strcmp(key, "user-context");
        for (size_t i = 0; !ok && allowed[i]; i++)
            ok = !strcmp(key, allowed[i]);
        if (ok)
            continue;
        const char *later = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(later_keys); i++)
            if (!strcmp(key, later_keys[i].key))
                later = later_keys[i].version;
        const char *near = later ? NULL : cfg_key_suggest(key, allowed, NULL, NULL);
        if (later)
            pctx_fail(p, key, "'%s' in %s is a parameter of Kea %s and later, not of Kea 2.2", key, what, later);
        else if (near)
            pctx_fail(p, key, "unknown parameter '%s' in %s (did you mean '%s'?)", key, what, near);
        else
            pctx_fail(p, key, "unknown parameter '%s' in %s", key, what);
    }
    return 0;
}

/* A required or optional string, trimmed of surrounding white space; required ones must not be blank. */
static int get_name(struct pctx *p, json_t *obj, const char *key, bool required, const char *what, char **out)
{
    if (!json_object_get(obj, key))
        return required ? pctx_fail(p, NULL, "%s requires '%s'", what, key) : 0;
    if (pctx_get_str(p, obj, key, out))
        return NST_ECONFIG;
    char *s = *out, *e = s + strlen(s);
    while (*s && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    memmove(*out, s, (size_t)(e - s));
    (*out)[e - s] = '\0';
    if (required && !**out)
        return pctx_fail(p, key, "'%s' must not be empty", key);
    return 0;
}

/* A string naming one of names (returns its index in *out). */
static int get_enum(struct pctx *p, json_t *obj, const char *key, const char *const *names,
                    int (*lookup)(const char *), int *out)
{
    char *s = NULL;
    int r = pctx_get_str(p, obj, key, &s);
    if (!r && s) {
        int i = lookup(s);
        const char *near = cfg_key_suggest(s, names, NULL, NULL);
        if (i >= 0)
            *out = i;
        else if (near)
            r = pctx_fail(p, key, "invalid %s '%s' (did you mean '%s'?)", key, s, near);
        else
            r = pctx_fail(p, key, "invalid %s '%s'", key, s);
    }
    free(s);
    return r;
}

static int get_tls(struct pctx *p, json_t *obj, ha_tls_t *t)
{
    int r = 0;
    PCTX_STEP(r, pctx_get_str(p, obj, "trust-anchor", &t->trust_anchor));
    PCTX_STEP(r, pctx_get_str(p, obj, "cert-file", &t->cert_file));
    PCTX_STEP(r, pctx_get_str(p, obj, "key-file", &t->key_file));
    return r;
}

/* basic-auth-password-file: the whole file is the password (Kea: a regular file, read as is). */
static int read_password(struct pctx *p, const char *path, char **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        const char *why = strerror(errno);
        return pctx_fail(p, "basic-auth-password-file", "cannot open '%s': %s", path, why);
    }
    int r = 0;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > 65536) {
        r = pctx_fail(p, "basic-auth-password-file", "'%s' must be a regular file of at most 64 KiB", path);
    } else {
        char *buf = xmalloc((size_t)st.st_size + 1);
        ssize_t n = read(fd, buf, (size_t)st.st_size);
        if (n != st.st_size) {
            free(buf);
            r = pctx_fail(p, "basic-auth-password-file", "cannot read '%s'", path);
        } else {
            buf[n] = '\0';
            *out = buf;
        }
    }
    close(fd);
    return r;
}

static int parse_peer(struct pctx *p, json_t *o, ha_peer_t *peer)
{
    if (!json_is_object(o))
        return pctx_fail(p, NULL, "a peers entry must be a map");
    int r = ha_check_keys(p, o, "peers entry", peer_keys), role = -1;
    PCTX_STEP(r, get_name(p, o, "name", true, "a peers entry", &peer->name));
    PCTX_STEP(r, pctx_get_str(p, o, "url", &peer->url));
    if (!json_object_get(o, "url"))
        r = pctx_fail(p, NULL, "a peers entry requires 'url'");
    if (!json_object_get(o, "role"))
        r = pctx_fail(p, NULL, "a peers entry requires 'role' (primary, secondary, standby or backup)");
    PCTX_STEP(r, get_enum(p, o, "role", ha_role_names, ha_role_from_name, &role));
    peer->role = role < 0 ? HA_ROLE_BACKUP : (enum ha_role)role;
    peer->auto_failover = true;
    PCTX_STEP(r, pctx_get_bool(p, o, "auto-failover", &peer->auto_failover));
    PCTX_STEP(r, get_tls(p, o, &peer->tls));
    PCTX_STEP(r, pctx_get_str(p, o, "basic-auth-user", &peer->basic_auth_user));
    if (peer->basic_auth_user && strchr(peer->basic_auth_user, ':'))
        r = pctx_fail(p, "basic-auth-user", "'basic-auth-user' must not contain ':'");
    PCTX_STEP(r, pctx_get_str(p, o, "basic-auth-password", &peer->basic_auth_password));
    char *file = NULL;
    PCTX_STEP(r, pctx_get_str(p, o, "basic-auth-password-file", &file));
    if (file && peer->basic_auth_password)
        r = pctx_fail(p, "basic-auth-password-file",
                      "'basic-auth-password' and 'basic-auth-password-file' are mutually exclusive");
    else if (file)
        PCTX_STEP(r, read_password(p, file, &peer->basic_auth_password));
    free(file);
    return r;
}

static int parse_peers(struct pctx *p, json_t *rel, ha_config_t *c)
{
    json_t *list = NULL;
    int r = pctx_get_list(p, rel, "peers", &list);
    if (!r && !list)
        return pctx_fail(p, NULL, "'high-availability' requires 'peers'");
    if (r)
        return r;
    c->peers = xcalloc(json_array_size(list) + 1, sizeof *c->peers);
    size_t old = pctx_push(p, "peers"), i;
    json_t *o;
    json_array_foreach(list, i, o) {
        size_t o2 = pctx_push_idx(p, i);
        ha_peer_t *peer = &c->peers[c->peer_count++];
        PCTX_STEP(r, parse_peer(p, o, peer));
        for (size_t j = 0; peer->name && j < i; j++)
            if (c->peers[j].name && !strcmp(c->peers[j].name, peer->name))
                r = pctx_fail(p, "name", "a peer named '%s' is already specified", peer->name);
        pctx_pop(p, o2);
    }
    pctx_pop(p, old);
    return r;
}

static int parse_mt(struct pctx *p, json_t *rel, ha_config_t *c)
{
    json_t *m = NULL;
    int r = pctx_get_map(p, rel, "multi-threading", &m);
    if (r || !m)
        return r;
    size_t old = pctx_push(p, "multi-threading");
    r = ha_check_keys(p, m, "high-availability multi-threading", mt_keys);
    PCTX_STEP(r, pctx_get_bool(p, m, "enable-multi-threading", &c->mt.enabled));
    PCTX_STEP(r, pctx_get_bool(p, m, "http-dedicated-listener", &c->mt.dedicated_listener));
    PCTX_STEP(r, pctx_get_u32(p, m, "http-listener-threads", 0, 65535, &c->mt.listener_threads));
    PCTX_STEP(r, pctx_get_u32(p, m, "http-client-threads", 0, 65535, &c->mt.client_threads));
    pctx_pop(p, old);
    return r;
}

static int parse_state_machine(struct pctx *p, json_t *rel, ha_config_t *c)
{
    static const char *const sm_keys[] = {"states", NULL}, *const st_keys[] = {"state", "pause", NULL};
    json_t *m = NULL, *list = NULL;
    int r = pctx_get_map(p, rel, "state-machine", &m);
    if (r || !m)
        return r;
    size_t old = pctx_push(p, "state-machine");
    r = ha_check_keys(p, m, "state-machine", sm_keys);
    PCTX_STEP(r, pctx_get_list(p, m, "states", &list));
    bool seen[HA_ST_COUNT] = {false};
    size_t o1 = pctx_push(p, "states"), i;
    json_t *s;
    json_array_foreach(list, i, s) {
        size_t o2 = pctx_push_idx(p, i);
        int st = -1, pause = HA_PAUSE_NEVER;
        if (!json_is_object(s)) {
            r = pctx_fail(p, NULL, "a states entry must be a map");
        } else {
            PCTX_STEP(r, ha_check_keys(p, s, "states entry", st_keys));
            if (!json_object_get(s, "state"))
                r = pctx_fail(p, NULL, "a states entry requires 'state'");
            PCTX_STEP(r, get_enum(p, s, "state", ha_state_names, ha_state_from_name, &st));
            PCTX_STEP(r, get_enum(p, s, "pause", ha_pause_names, ha_pause_from_name, &pause));
        }
        if (st >= 0 && seen[st])
            r = pctx_fail(p, "state", "the state '%s' is configured twice", ha_state_name((enum ha_state)st));
        else if (st >= 0)
            seen[st] = true, c->pause[st] = (uint8_t)pause;
        pctx_pop(p, o2);
    }
    pctx_pop(p, o1);
    pctx_pop(p, old);
    return r;
}

static int parse_relationship(struct pctx *p, json_t *rel, ha_config_t *c)
{
    if (!json_is_object(rel))
        return pctx_fail(p, NULL, "a 'high-availability' entry must be a map");
    int r = ha_check_keys(p, rel, "high-availability", rel_keys), mode = -1;
    PCTX_STEP(r, get_name(p, rel, "this-server-name", true, "'high-availability'", &c->this_server_name));
    if (!json_object_get(rel, "mode"))
        r = pctx_fail(p, NULL, "'high-availability' requires 'mode' (load-balancing, hot-standby or passive-backup)");
    PCTX_STEP(r, get_enum(p, rel, "mode", ha_mode_names, ha_mode_from_name, &mode));
    c->mode = mode < 0 ? HA_MODE_HOT_STANDBY : (enum ha_mode)mode;
    /* Kea 2.2's defaults (ha_config.h); delayed-updates-limit's depends on the mode. */
    c->heartbeat_delay = 10000, c->max_response_delay = 60000, c->max_ack_delay = 10000;
    c->max_unacked_clients = 10, c->delayed_updates_limit = c->mode == HA_MODE_LOAD_BALANCING ? 100 : 0;
    c->send_lease_updates = c->sync_leases = c->require_client_certs = true;
    c->sync_timeout = 60000, c->sync_page_limit = 10000, c->max_rejected_lease_updates = 10;
    PCTX_STEP(r, pctx_get_u32(p, rel, "heartbeat-delay", 0, 65535, &c->heartbeat_delay));
    PCTX_STEP(r, pctx_get_u32(p, rel, "max-response-delay", 0, 65535, &c->max_response_delay));
    PCTX_STEP(r, pctx_get_u32(p, rel, "max-ack-delay", 0, 65535, &c->max_ack_delay));
    PCTX_STEP(r, pctx_get_u32(p, rel, "max-unacked-clients", 0, UINT32_MAX, &c->max_unacked_clients));
    PCTX_STEP(r, pctx_get_u32(p, rel, "delayed-updates-limit", 0, UINT32_MAX, &c->delayed_updates_limit));
    PCTX_STEP(r, pctx_get_u32(p, rel, "max-rejected-lease-updates", 0, UINT32_MAX, &c->max_rejected_lease_updates));
    PCTX_STEP(r, pctx_get_bool(p, rel, "send-lease-updates", &c->send_lease_updates));
    PCTX_STEP(r, pctx_get_bool(p, rel, "sync-leases", &c->sync_leases));
    PCTX_STEP(r, pctx_get_u32(p, rel, "sync-timeout", 0, UINT32_MAX, &c->sync_timeout));
    PCTX_STEP(r, pctx_get_u32(p, rel, "sync-page-limit", 0, UINT32_MAX, &c->sync_page_limit));
    PCTX_STEP(r, pctx_get_bool(p, rel, "wait-backup-ack", &c->wait_backup_ack));
    PCTX_STEP(r, pctx_get_bool(p, rel, "require-client-certs", &c->require_client_certs));
    PCTX_STEP(r, pctx_get_bool(p, rel, "restrict-commands", &c->restrict_commands));
    PCTX_STEP(r, get_tls(p, rel, &c->tls));
    PCTX_STEP(r, parse_mt(p, rel, c));
    PCTX_STEP(r, parse_state_machine(p, rel, c));
    PCTX_STEP(r, parse_peers(p, rel, c));
    if (!r && mode >= 0)
        r = ha_config_check(p, rel, c);
    return r;
}

int ha_config_parse(struct pctx *p, json_t *entry, ha_config_t **out)
{
    static const char *const param_keys[] = {"high-availability", NULL};
    *out = NULL;
    json_t *params = NULL, *list = NULL;
    int r = pctx_get_map(p, entry, "parameters", &params);
    if (!r && !params)
        return pctx_fail(p, NULL, "libdhcp_ha.so requires 'parameters' with 'high-availability'");
    if (r)
        return r;
    size_t old = pctx_push(p, "parameters");
    r = ha_check_keys(p, params, "libdhcp_ha.so parameters", param_keys);
    PCTX_STEP(r, pctx_get_list(p, params, "high-availability", &list));
    if (!r && !list)
        r = pctx_fail(p, NULL, "libdhcp_ha.so requires 'high-availability'");
    else if (!r && !json_array_size(list))
        r = pctx_fail(p, "high-availability", "'high-availability' must list at least one relationship");
    else if (!r && json_array_size(list) > HA_RELATIONSHIPS_MAX)
        r = pctx_fail(p, "high-availability", "'high-availability' lists %zu relationships: at most %d",
                      json_array_size(list), HA_RELATIONSHIPS_MAX);
    /* One relationship is Kea 2.2's configuration; several are Kea 2.6's hub-and-spoke. */
    ha_config_t *first = NULL, **tail = &first;
    if (!r) {
        size_t o1 = pctx_push(p, "high-availability"), i;
        json_t *rel;
        json_array_foreach(list, i, rel) {
            size_t o2 = pctx_push_idx(p, i);
            ha_config_t *c = xcalloc(1, sizeof *c);
            c->index = (unsigned)i;
            *tail = c;
            tail = &c->next;
            PCTX_STEP(r, parse_relationship(p, rel, c));
            pctx_pop(p, o2);
        }
        if (!r && first->next)
            r = ha_config_check_hub(p, first);
        pctx_pop(p, o1);
    }
    pctx_pop(p, old);
    if (r)
        ha_config_free(first);
    else
        *out = first;
    return r;
}

static void tls_free(ha_tls_t *t)
{
    free(t->trust_anchor);
    free(t->cert_file);
    free(t->key_file);
}

void ha_config_free(ha_config_t *c)
{
    if (!c)
        return;
    ha_config_free(c->next);
    for (size_t i = 0; i < c->peer_count; i++) {
        ha_peer_t *peer = &c->peers[i];
        free(peer->name);
        free(peer->url);
        free(peer->path);
        free(peer->basic_auth_user);
        free(peer->basic_auth_password);
        tls_free(&peer->tls);
    }
    free(c->peers);
    tls_free(&c->tls);
    free(c->this_server_name);
    free(c);
}

const ha_peer_t *ha_config_peer(const ha_config_t *c, const char *name)
{
    for (size_t i = 0; name && i < c->peer_count; i++)
        if (!strcmp(c->peers[i].name, name))
            return &c->peers[i];
    return NULL;
}

const ha_peer_t *ha_config_this(const ha_config_t *c)
{
    return &c->peers[c->this_peer];
}

const ha_peer_t *ha_config_partner(const ha_config_t *c)
{
    for (size_t i = 0; i < c->peer_count; i++)
        if (i != c->this_peer && c->peers[i].role != HA_ROLE_BACKUP)
            return &c->peers[i];
    return NULL;
}

unsigned ha_config_count(const ha_config_t *c)
{
    unsigned n = 0;
    for (; c; c = c->next)
        n++;
    return n;
}

int ha_config_relationship_of(const ha_config_t *c, const char *name)
{
    for (; c; c = c->next)
        if (ha_config_peer(c, name))
            return (int)c->index;
    return -1;
}
