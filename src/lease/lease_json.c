/* Leases as Kea's JSON (see lease_json.h). */
#include "lease/lease_json.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"

static const char *const type_names[] = {"IA_NA", "IA_TA", "IA_PD"};

const char *lease6_type_name(enum lease6_type t)
{
    return (unsigned)t < ARRAY_SIZE(type_names) ? type_names[t] : "IA_NA";
}

int lease6_type_parse(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_SIZE(type_names); i++)
        if (!strcmp(name, type_names[i]))
            return (int)i;
    return -1;
}

static void set_hex(json_t *j, const char *key, const uint8_t *b, size_t len)
{
    char hex[3 * LEASE_CLIENTID_MAX + 1];
    hex_colon(hex, sizeof hex, b, len);
    json_object_set_new(j, key, json_string(hex));
}

json_t *lease_to_json(const lease_t *l)
{
    char ip[INET6_ADDRSTRLEN];
    json_t *j = json_object();
    if (l->family == LEASE_V6) {
        inet_ntop(AF_INET6, &l->addr.v6, ip, sizeof ip);
        json_object_set_new(j, "ip-address", json_string(ip));
        json_object_set_new(j, "type", json_string(lease6_type_name((enum lease6_type)l->type)));
        if (l->type == LEASE6_PD)
            json_object_set_new(j, "prefix-len", json_integer(l->prefix_len));
        set_hex(j, "duid", l->client_id, l->client_id_len);
        json_object_set_new(j, "iaid", json_integer(l->iaid));
        json_object_set_new(j, "preferred-lft", json_integer(l->pref_lft));
        if (l->hwaddr_len)
            set_hex(j, "hw-address", l->hwaddr, l->hwaddr_len);
    } else {
        struct in_addr a = {htonl(l->addr.v4)};
        inet_ntop(AF_INET, &a, ip, sizeof ip);
        json_object_set_new(j, "ip-address", json_string(ip));
        set_hex(j, "hw-address", l->hwaddr, l->hwaddr_len);
        if (l->client_id_len)
            set_hex(j, "client-id", l->client_id, l->client_id_len);
    }
    json_object_set_new(j, "subnet-id", json_integer(l->subnet_id));
    json_object_set_new(j, "valid-lft", json_integer(l->valid_lft));
    json_object_set_new(j, "cltt", json_integer(l->cltt));
    json_object_set_new(j, "fqdn-fwd", json_boolean(l->fqdn_fwd));
    json_object_set_new(j, "fqdn-rev", json_boolean(l->fqdn_rev));
    json_object_set_new(j, "hostname", json_string(l->hostname ? l->hostname : ""));
    json_object_set_new(j, "state", json_integer(l->state));
    if (l->user_context) {
        json_t *uc = json_loads(l->user_context, 0, NULL);
        if (json_is_object(uc))
            json_object_set_new(j, "user-context", uc);
        else
            json_decref(uc);
    }
    return j;
}

int lease_json_address(json_t *obj, enum lease_family fam, lease_key_t *key)
{
    const char *s = json_string_value(json_object_get(obj, "ip-address"));
    struct in_addr a4;
    struct in6_addr a6;
    if (fam == LEASE_V6 && s && inet_pton(AF_INET6, s, &a6) == 1) {
        *key = lease_key6(LEASE6_NA, &a6);
        return 0;
    }
    if (fam == LEASE_V4 && s && inet_pton(AF_INET, s, &a4) == 1) {
        *key = lease_key4(ntohl(a4.s_addr));
        return 0;
    }
    return NST_EINVAL;
}

/* An identifier in hex: its bytes in out (min..max of them). The text may be of any length: it is
 * decoded into a buffer sized by it. */
static int hex_key(json_t *obj, const char *key, uint8_t *out, size_t min, size_t max, size_t *len, char *err,
                   size_t errlen)
{
    const char *text = json_string_value(json_object_get(obj, key));
    size_t cap = strlen(text) / 2 + 2;
    uint8_t *tmp = xmalloc(cap);
    int n = hex_parse(tmp, cap, text);
    if (n >= 0 && (size_t)n >= min && (size_t)n <= max)
        memcpy(out, tmp, (size_t)n);
    free(tmp);
    if (n < 0)
        return errf(err, errlen, NST_EINVAL, "invalid '%s' '%.80s%s'", key, text, strlen(text) > 80 ? "..." : "");
    if ((size_t)n < min || (size_t)n > max)
        return errf(err, errlen, NST_EINVAL, "'%s' must be %zu to %zu bytes long, not %d", key, min, max, n);
    *len = (size_t)n;
    return 0;
}

/* An integer key within [0, max] into *out; absent leaves *out. */
static int uint_key(json_t *obj, const char *key, int64_t max, int64_t *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return errf(err, errlen, NST_EINVAL, "'%s' must be an integer between 0 and %lld", key, (long long)max);
    *out = json_integer_value(v);
    return 0;
}

static int read_v6(json_t *obj, const lease_json_defaults_t *def, lease_t *l, char *err, size_t errlen)
{
    json_t *t = json_object_get(obj, "type");
    int type = t ? lease6_type_parse(json_string_value(t)) : LEASE6_NA;
    if (type < 0)
        return errf(err, errlen, NST_EINVAL, "'type' must be one of IA_NA, IA_TA or IA_PD");
    l->type = (uint8_t)type;
    int64_t v = type == LEASE6_PD ? -1 : 128;
    if (uint_key(obj, "prefix-len", 128, &v, err, errlen))
        return NST_EINVAL;
    if (v < 1 || (type != LEASE6_PD && v != 128))
        return errf(err, errlen, NST_EINVAL, type == LEASE6_PD ? "'prefix-len' is mandatory for IA_PD (1 to 128)"
                                                               : "'prefix-len' must be 128 for an address");
    l->prefix_len = (uint8_t)v;
    if (!json_is_string(json_object_get(obj, "duid")))
        return errf(err, errlen, NST_EINVAL, "'duid' is a mandatory parameter");
    uint8_t duid[LEASE_CLIENTID_MAX];
    size_t n;
    if (hex_key(obj, "duid", duid, 1, LEASE_CLIENTID_MAX, &n, err, errlen))
        return NST_EINVAL;
    lease_set_client_id(l, duid, n);
    v = -1;
    if (uint_key(obj, "iaid", UINT32_MAX, &v, err, errlen))
        return NST_EINVAL;
    if (v < 0)
        return errf(err, errlen, NST_EINVAL, "'iaid' is a mandatory parameter");
    l->iaid = (uint32_t)v;
    v = def->pref_lft;
    if (uint_key(obj, "preferred-lft", UINT32_MAX, &v, err, errlen))
        return NST_EINVAL;
    l->pref_lft = (uint32_t)v;
    if (json_is_string(json_object_get(obj, "hw-address")) &&
        *json_string_value(json_object_get(obj, "hw-address"))) {
        if (hex_key(obj, "hw-address", l->hwaddr, 1, LEASE_HWADDR_MAX, &n, err, errlen))
            return NST_EINVAL;
        l->hwaddr_len = (uint8_t)n;
        l->hwtype = 1;
    }
    return 0;
}

static int read_v4(json_t *obj, lease_t *l, char *err, size_t errlen)
{
    if (!json_is_string(json_object_get(obj, "hw-address")))
        return errf(err, errlen, NST_EINVAL, "'hw-address' is a mandatory parameter");
    size_t n = 0;
    if (*json_string_value(json_object_get(obj, "hw-address")) &&
        hex_key(obj, "hw-address", l->hwaddr, 1, LEASE_HWADDR_MAX, &n, err, errlen))
        return NST_EINVAL;
    l->hwaddr_len = (uint8_t)n;
    l->hwtype = 1;
    const char *cid = json_string_value(json_object_get(obj, "client-id"));
    if (cid && *cid) {
        uint8_t buf[LEASE_CLIENTID_MAX];
        if (hex_key(obj, "client-id", buf, 2, LEASE_CLIENTID_MAX, &n, err, errlen))
            return NST_EINVAL;
        lease_set_client_id(l, buf, n);
    }
    return 0;
}

/* The keys both families share. */
static int read_common(json_t *obj, const lease_json_defaults_t *def, lease_t *l, char *err, size_t errlen)
{
    int64_t v = def->valid_lft;
    if (uint_key(obj, "valid-lft", UINT32_MAX, &v, err, errlen))
        return NST_EINVAL;
    l->valid_lft = (uint32_t)v;
    json_t *ex = json_object_get(obj, "expire"), *ct = json_object_get(obj, "cltt");
    l->cltt = def->now;
    if (ex && json_is_integer(ex))
        l->cltt = json_integer_value(ex) - (int64_t)l->valid_lft; /* HA lease updates carry the expiry */
    else if (ct && json_is_integer(ct))
        l->cltt = json_integer_value(ct);
    else if (ex || ct)
        return errf(err, errlen, NST_EINVAL, "'%s' must be an integer", ex ? "expire" : "cltt");
    json_t *b;
    if ((b = json_object_get(obj, "fqdn-fwd")))
        l->fqdn_fwd = json_is_true(b);
    if ((b = json_object_get(obj, "fqdn-rev")))
        l->fqdn_rev = json_is_true(b);
    const char *hn = json_string_value(json_object_get(obj, "hostname"));
    if (hn && strlen(hn) > LEASE_HOSTNAME_MAX)
        return errf(err, errlen, NST_EINVAL, "'hostname' must be at most %d characters long, not %zu",
                    LEASE_HOSTNAME_MAX, strlen(hn));
    if (hn && *hn)
        lease_set_hostname(l, hn);
    v = LEASE_STATE_DEFAULT;
    if (uint_key(obj, "state", LEASE_STATE_RECLAIMED, &v, err, errlen))
        return errf(err, errlen, NST_EINVAL, "'state' must be 0 (default), 1 (declined) or 2 (expired-reclaimed)");
    l->state = (uint32_t)v;
    json_t *uc = json_object_get(obj, "user-context");
    if (uc) {
        if (!json_is_object(uc))
            return errf(err, errlen, NST_EINVAL, "'user-context' must be a map");
        char *t = json_dumps(uc, JSON_COMPACT);
        size_t len = t ? strlen(t) : 0;
        if (len > LEASE_USER_CONTEXT_MAX) {
            free(t);
            return errf(err, errlen, NST_EINVAL, "'user-context' must be at most %d bytes long as JSON text, not %zu",
                        LEASE_USER_CONTEXT_MAX, len);
        }
        lease_set_user_context(l, t);
        free(t);
    }
    return 0;
}

int lease_from_json(json_t *obj, enum lease_family fam, const lease_json_defaults_t *def, lease_t *l,
                    char *err, size_t errlen)
{
    lease_init(l, fam); /* first: every error path leaves a lease the caller can free */
    lease_key_t key;
    if (!json_is_object(obj) || lease_json_address(obj, fam, &key))
        return errf(err, errlen, NST_EINVAL, "'ip-address' is missing or is not an IPv%d address", (int)fam);
    if (fam == LEASE_V6)
        l->addr.v6 = key.addr.v6;
    else
        l->addr.v4 = key.addr.v4;
    l->subnet_id = def->subnet_id;
    int r = fam == LEASE_V6 ? read_v6(obj, def, l, err, errlen) : read_v4(obj, l, err, errlen);
    if (r == 0)
        r = read_common(obj, def, l, err, errlen);
    if (r == 0 && fam == LEASE_V4 && !l->hwaddr_len && !l->client_id_len && l->state != LEASE_STATE_DECLINED)
        r = errf(err, errlen, NST_EINVAL, "a lease needs a 'hw-address' or a 'client-id'");
    return r;
}
