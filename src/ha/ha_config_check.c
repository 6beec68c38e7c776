/* The checks Kea 2.2 makes across a relationship once its values are read (see ha_config.h):
 * this server among the peers, each peer's URL and TLS, the roles against the mode. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/cfg4_ctx.h"
#include "ha/ha_config_int.h"

/* "http[s]://<IPv4 or [IPv6]>[:port][/path]" into peer's URL fields. */
static int parse_url(struct pctx *p, ha_peer_t *peer)
{
    const char *u = peer->url, *colon = strchr(u, ':');
    if (!colon || colon == u)
        return pctx_fail(p, "url", "url '%s' lacks the http or https scheme", u);
    size_t slen = (size_t)(colon - u);
    if (slen == 4 && !strncmp(u, "http", 4))
        peer->https = false;
    else if (slen == 5 && !strncmp(u, "https", 5))
        peer->https = true;
    else
        return pctx_fail(p, "url", "url '%s' has the scheme '%.*s': only http and https are supported", u, (int)slen, u);
    if (strncmp(colon, "://", 3))
        return pctx_fail(p, "url", "url '%s' needs '://' after the scheme", u);
    const char *h = colon + 3, *end;
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end)
            return pctx_fail(p, "url", "url '%s' lacks the ']' after its IPv6 address", u);
        h++;
        peer->af = AF_INET6;
    } else {
        end = h + strcspn(h, ":/");
        peer->af = AF_INET;
    }
    size_t hlen = (size_t)(end - h);
    if (!hlen)
        return pctx_fail(p, "url", "url '%s' has no host", u);
    if (hlen >= sizeof peer->host)
        return pctx_fail(p, "url", "url '%s' has a host that is not an IP address", u);
    memcpy(peer->host, h, hlen);
    peer->host[hlen] = '\0';
    unsigned char addr[16];
    if (inet_pton(peer->af, peer->host, addr) != 1)
        return pctx_fail(p, "url", "url '%s': the host '%s' must be an IP%s address (no host names, as Kea)", u,
                         peer->host, peer->af == AF_INET6 ? "v6" : "v4");
    const char *rest = end + (peer->af == AF_INET6);
    if (*rest == ':') {
        char *stop;
        unsigned long port = strtoul(rest + 1, &stop, 10);
        if (stop == rest + 1 || (*stop && *stop != '/') || rest[1] == '+' || rest[1] == '-' || port < 1 || port > 65535)
            return pctx_fail(p, "url", "url '%s' has an invalid port (1..65535 expected)", u);
        peer->port = (uint16_t)port;
        rest = stop;
    }
    if (*rest && *rest != '/')
        return pctx_fail(p, "url", "url '%s' has '%s' after its host", u, rest);
    peer->path = xstrdup(*rest ? rest : "/");
    return 0;
}

/* TLS after inheritance: all three of trust-anchor, cert-file and key-file, or none; https needs TLS. */
static int check_tls(struct pctx *p, const ha_config_t *c, ha_peer_t *peer)
{
    static const char *const names[] = {"trust-anchor", "cert-file", "key-file"};
    const char *own[] = {peer->tls.trust_anchor, peer->tls.cert_file, peer->tls.key_file};
    const char *rel[] = {c->tls.trust_anchor, c->tls.cert_file, c->tls.key_file};
    const char *eff[3];
    int have = 0, missing = -1, present = -1;
    for (int i = 0; i < 3; i++) {
        eff[i] = own[i] ? own[i] : rel[i];
        if (eff[i] && *eff[i])
            have++, present = present < 0 ? i : present;
        else if (missing < 0)
            missing = i;
    }
    if (have && have < 3)
        return pctx_fail(p, own[present] ? names[present] : NULL,
                         "peer '%s' has %s but %s is missing or empty: set all of trust-anchor, cert-file and "
                         "key-file (here or for the relationship) or none", peer->name, names[present], names[missing]);
    if (!have && peer->https)
        return pctx_fail(p, "url", "url '%s' is https but TLS is not configured for peer '%s' (trust-anchor, "
                         "cert-file and key-file)", peer->url, peer->name);
    peer->use_tls = have == 3;
    if (peer->use_tls)
        peer->ca = eff[0], peer->cert = eff[1], peer->key = eff[2];
    return 0;
}

/* Which roles each mode takes besides backups: primary + secondary / standby / nothing. */
static int check_roles(struct pctx *p, const ha_config_t *c)
{
    static const char *const fits[] = {"primary and secondary", "primary and standby", "primary"};
    static const int partner[] = {HA_ROLE_SECONDARY, HA_ROLE_STANDBY, -1};
    const ha_peer_t *first[4] = {NULL};
    const char *mode = ha_mode_name(c->mode);
    int r = 0;
    size_t old = pctx_push(p, "peers");
    for (size_t i = 0; i < c->peer_count; i++) {
        const ha_peer_t *peer = &c->peers[i];
        size_t o2 = pctx_push_idx(p, i);
        const char *role = ha_role_name(peer->role);
        if (peer->role != HA_ROLE_BACKUP && peer->role != HA_ROLE_PRIMARY && (int)peer->role != partner[c->mode])
            r = pctx_fail(p, "role", "role '%s' of peer '%s' does not fit mode '%s' (%s, and any number of backup)",
                          role, peer->name, mode, fits[c->mode]);
        else if (peer->role != HA_ROLE_BACKUP && first[peer->role])
            r = pctx_fail(p, "role", "peer '%s' is a second %s (the first is '%s'): a relationship has one",
                          peer->name, role, first[peer->role]->name);
        else if (!first[peer->role])
            first[peer->role] = peer;
        pctx_pop(p, o2);
    }
    pctx_pop(p, old);
    if (!r && !first[HA_ROLE_PRIMARY])
        r = pctx_fail(p, "peers", "mode '%s' needs a peer with role 'primary'", mode);
    if (!r && partner[c->mode] >= 0 && !first[partner[c->mode]])
        r = pctx_fail(p, "peers", "mode '%s' needs a peer with role '%s'", mode, ha_role_name(partner[c->mode]));
    if (c->wait_backup_ack && c->mode != HA_MODE_PASSIVE_BACKUP)
        r = pctx_fail(p, "wait-backup-ack", "'wait-backup-ack' must be false in mode '%s'", mode);
    if (c->delayed_updates_limit && c->mode != HA_MODE_LOAD_BALANCING)
        r = pctx_fail(p, "delayed-updates-limit", "'delayed-updates-limit' must be 0 in mode '%s' "
                      "(communication-recovery is a load-balancing state)", mode);
    return r;
}

int ha_config_check(struct pctx *p, json_t *rel, ha_config_t *c)
{
    int r = 0;
    const ha_peer_t *me = ha_config_peer(c, c->this_server_name);
    if (!me)
        r = pctx_fail(p, "this-server-name", "this-server-name '%s' is not among the peers", c->this_server_name);
    else
        c->this_peer = (size_t)(me - c->peers);
    size_t old = pctx_push(p, "peers");
    for (size_t i = 0; i < c->peer_count; i++) {
        size_t o2 = pctx_push_idx(p, i);
        if (parse_url(p, &c->peers[i]) || check_tls(p, c, &c->peers[i]))
            r = NST_ECONFIG;
        pctx_pop(p, o2);
    }
    pctx_pop(p, old);
    PCTX_STEP(r, check_roles(p, c));
    (void)rel;
    return r;
}
