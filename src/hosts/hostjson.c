/* Kea JSON <-> DHCPv4 host reservations (see hostjson.h). */
#include "hosts/hostjson.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* ---- host -> JSON ---------------------------------------------------------------------------- */

static json_t *upper_hex(const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    char *s = xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[b[i] >> 4];
        s[2 * i + 1] = digits[b[i] & 15];
    }
    s[2 * n] = 0;
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *colon_hex(const uint8_t *b, size_t n)
{
    char s[3 * CFG_HOST_ID_MAX + 1];
    hex_colon(s, sizeof s, b, n);
    return json_string(s);
}

static json_t *ip_json(uint32_t a)
{
    char s[INET_ADDRSTRLEN];
    struct in_addr in = {htonl(a)};
    inet_ntop(AF_INET, &in, s, sizeof s);
    return json_string(s);
}

/* A stored user context (validated when read); NULL when unusable. */
static json_t *context_json(const char *text)
{
    if (!text)
        return NULL;
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static json_t *option_json(const hostdb_host4_t *h, size_t i, const optdef_registry_t *defs)
{
    const cfg_option_t *o = &h->h.options.items[i];
    const hostdb_optx_t *x = h->optx ? &h->optx[i] : NULL;
    json_t *j = json_object();
    json_t *uc = context_json(x ? x->user_context : NULL);
    if (uc)
        json_object_set_new(j, "user-context", uc);
    json_object_set_new(j, "space", json_string(OPTDEF_SPACE_DHCP4));
    json_object_set_new(j, "code", json_integer(o->code));
    const optdef_t *def = optdef_find_by_code(defs, OPTDEF_SPACE_DHCP4, o->code);
    if (def)
        json_object_set_new(j, "name", json_string(def->name));
    if (x && x->formatted) {
        json_object_set_new(j, "csv-format", json_true());
        json_object_set_new(j, "data", json_string(x->formatted));
    } else {
        json_object_set_new(j, "csv-format", json_false());
        json_object_set_new(j, "data", upper_hex(o->data, o->len));
    }
    json_object_set_new(j, "always-send", json_boolean(o->always_send));
    return j;
}

json_t *hostjson_from_host(const hostdb_host4_t *h, const optdef_registry_t *defs)
{
    json_t *j = json_object();
    json_t *uc = context_json(h->user_context);
    if (uc)
        json_object_set_new(j, "user-context", uc);
    const cfg_host4_t *c = &h->h;
    const char *idname = cfg_host_id_name(c->id_type);
    if (c->id_type == HOST_ID_HWADDR || c->id_type == HOST_ID_DUID)
        json_object_set_new(j, idname, colon_hex(c->id, c->id_len));
    else
        json_object_set_new(j, idname, upper_hex(c->id, c->id_len));
    if (c->ipv4)
        json_object_set_new(j, "ip-address", ip_json(c->ipv4));
    json_object_set_new(j, "hostname", json_string(c->hostname ? c->hostname : ""));
    json_object_set_new(j, "next-server", ip_json(c->next_server));
    json_object_set_new(j, "server-hostname", json_string(c->server_hostname ? c->server_hostname : ""));
    json_object_set_new(j, "boot-file-name", json_string(c->boot_file_name ? c->boot_file_name : ""));
    json_t *classes = json_array();
    for (size_t i = 0; i < h->h.class_count; i++)
        json_array_append_new(classes, json_string(h->h.classes[i]));
    json_object_set_new(j, "client-classes", classes);
    json_t *opts = json_array();
    for (size_t i = 0; i < c->options.count; i++)
        json_array_append_new(opts, option_json(h, i, defs));
    json_object_set_new(j, "option-data", opts);
    json_object_set_new(j, "subnet-id", json_integer(c->subnet_id));
    return j;
}

/* ---- JSON -> host ---------------------------------------------------------------------------- */

int hostjson_id_type(const char *name, uint8_t *out)
{
    for (int t = 0; t < HOST_ID__COUNT; t++)
        if (name && !strcmp(name, cfg_host_id_name(t))) {
            *out = (uint8_t)t;
            return 0;
        }
    return NST_EINVAL;
}

int hostjson_parse_identifier(uint8_t type, const char *text, uint8_t *out, size_t cap)
{
    size_t len = strlen(text);
    if (type != HOST_ID_HWADDR && type != HOST_ID_DUID && len >= 2 && text[0] == '\'' && text[len - 1] == '\'') {
        /* 'text': the identifier is these characters */
        if (len - 2 > cap || len == 2)
            return -1;
        memcpy(out, text + 1, len - 2);
        return (int)(len - 2);
    }
    if (!*text)
        return -1;
    int n = hex_parse(out, type == HOST_ID_HWADDR && cap > 20 ? 20 : cap, text);
    return n > 0 ? n : -1;
}

static bool get_ipv4(json_t *v, uint32_t *out)
{
    struct in_addr a;
    const char *s = json_string_value(v);
    if (!s || inet_pton(AF_INET, s, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

/* A string parameter of at most max bytes: 0, or NST_EINVAL with err set. */
static int get_text(json_t *res, const char *key, size_t max, char **out, char *err, size_t errlen)
{
    json_t *v = json_object_get(res, key);
    if (!v)
        return 0;
    if (!json_is_string(v))
        return errf(err, errlen, NST_EINVAL, "'%s' must be a string", key);
    if (json_string_length(v) > max)
        return errf(err, errlen, NST_EINVAL, "'%s' must be at most %zu bytes long", key, max);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return errf(err, errlen, NST_EINVAL, "'%s' must not contain NUL characters", key);
    if (json_string_length(v))
        *out = xstrdup(json_string_value(v));
    return 0;
}

static int parse_option(json_t *o, const optdef_registry_t *defs, hostdb_host4_t *h, size_t idx, char *err,
                        size_t errlen)
{
    static const char *const keys[] = {"name", "code", "space", "data", "csv-format", "always-send",
                                       "user-context", "comment", NULL};
    if (!json_is_object(o))
        return errf(err, errlen, NST_EINVAL, "option-data[%zu] must be a map", idx);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        bool ok = false;
        for (size_t i = 0; keys[i]; i++)
            ok |= !strcmp(k, keys[i]);
        if (!ok)
            return errf(err, errlen, NST_EINVAL, "option-data[%zu]: unsupported parameter '%s'", idx, k);
    }
    json_t *jname = json_object_get(o, "name"), *jcode = json_object_get(o, "code");
    json_t *jspace = json_object_get(o, "space"), *jdata = json_object_get(o, "data");
    json_t *jcsv = json_object_get(o, "csv-format"), *jalways = json_object_get(o, "always-send");
    json_t *juc = json_object_get(o, "user-context"), *jcomment = json_object_get(o, "comment");
    if ((jname && !json_is_string(jname)) || (jspace && !json_is_string(jspace)) ||
        (jdata && !json_is_string(jdata)))
        return errf(err, errlen, NST_EINVAL, "option-data[%zu]: 'name', 'space' and 'data' must be strings", idx);
    if ((jcsv && !json_is_boolean(jcsv)) || (jalways && !json_is_boolean(jalways)))
        return errf(err, errlen, NST_EINVAL, "option-data[%zu]: 'csv-format' and 'always-send' must be booleans", idx);
    if (juc && !json_is_object(juc))
        return errf(err, errlen, NST_EINVAL, "option-data[%zu]: 'user-context' must be a map", idx);
    if (jcomment && !json_is_string(jcomment))
        return errf(err, errlen, NST_EINVAL, "option-data[%zu]: 'comment' must be a string", idx);
    if (jspace && strcmp(json_string_value(jspace), OPTDEF_SPACE_DHCP4))
        return errf(err, errlen, NST_EINVAL, "option-data[%zu]: option space '%s' is not supported (only dhcp4)",
                    idx, json_string_value(jspace));
    if (!jname && !jcode)
        return errf(err, errlen, NST_EINVAL, "option-data[%zu]: an option needs 'name' or 'code'", idx);
    const optdef_t *def = NULL;
    json_int_t code = -1;
    if (jcode) {
        if (!json_is_integer(jcode) || json_integer_value(jcode) < 1 || json_integer_value(jcode) > 254)
            return errf(err, errlen, NST_EINVAL, "option-data[%zu]: 'code' must be an integer from 1 to 254", idx);
        code = json_integer_value(jcode);
    }
    if (jname) {
        def = optdef_find_by_name(defs, OPTDEF_SPACE_DHCP4, json_string_value(jname));
        if (!def)
            return errf(err, errlen, NST_EINVAL, "option-data[%zu]: unknown option name '%s' in space dhcp4", idx,
                        json_string_value(jname));
        if (code >= 0 && def->code != code)
            return errf(err, errlen, NST_EINVAL, "option-data[%zu]: option '%s' has code %u, not %lld", idx,
                        def->name, def->code, (long long)code);
        code = def->code;
    } else {
        def = optdef_find_by_code(defs, OPTDEF_SPACE_DHCP4, (uint16_t)code);
    }
    bool csv = jcsv ? json_is_true(jcsv) : def != NULL;
    if (csv && !def)
        return errf(err, errlen, NST_EINVAL, "option-data[%zu]: option code %lld has no definition: give its "
                    "data in hex with \"csv-format\": false", idx, (long long)code);
    const char *data = jdata ? json_string_value(jdata) : "";
    uint8_t buf[4096];
    int n;
    char e[256] = "";
    if (csv)
        n = optdef_encode_csv(def, data, buf, sizeof buf, e, sizeof e);
    else if ((n = optdef_parse_binary(data, buf, sizeof buf)) < 0)
        snprintf(e, sizeof e, "'%s' is not valid hexadecimal data", data);
    if (n < 0)
        return errf(err, errlen, NST_EINVAL, "option-data[%zu]: option %lld: %s", idx, (long long)code, e);
    char *uc = NULL;
    if (juc || jcomment) {
        json_t *ctx = juc ? json_deep_copy(juc) : json_object();
        if (jcomment)
            json_object_set(ctx, "comment", jcomment);
        uc = json_dumps(ctx, JSON_COMPACT);
        json_decref(ctx);
    }
    bool added = hostdb_host4_add_option(h, (uint8_t)code, jalways && json_is_true(jalways), buf, (size_t)n,
                                         csv && *data ? data : NULL, uc);
    free(uc);
    if (!added)
        return errf(err, errlen, NST_EINVAL, "option-data[%zu]: option %lld is given twice", idx, (long long)code);
    return 0;
}

static int parse_identifier(json_t *res, hostdb_host4_t *h, char *err, size_t errlen)
{
    int found = 0;
    for (int t = 0; t < HOST_ID__COUNT; t++) {
        const char *name = cfg_host_id_name(t);
        json_t *v = json_object_get(res, name);
        if (!v)
            continue;
        if (found++)
            return errf(err, errlen, NST_EINVAL, "a reservation must have exactly one identifier");
        if (!json_is_string(v))
            return errf(err, errlen, NST_EINVAL, "'%s' must be a string", name);
        int n = hostjson_parse_identifier((uint8_t)t, json_string_value(v), h->h.id, CFG_HOST_ID_MAX);
        if (n <= 0)
            return errf(err, errlen, NST_EINVAL, "invalid %s '%s'", name, json_string_value(v));
        h->h.id_type = (uint8_t)t;
        h->h.id_len = (uint8_t)n;
    }
    if (!found)
        return errf(err, errlen, NST_EINVAL, "a reservation needs one of hw-address, duid, circuit-id, client-id or "
                    "flex-id");
    return 0;
}

static int parse_fields(json_t *res, const optdef_registry_t *defs, hostdb_host4_t *h, char *err, size_t errlen)
{
    int r = parse_identifier(res, h, err, errlen);
    if (r)
        return r;
    json_t *v;
    if ((v = json_object_get(res, "ip-address")) && !get_ipv4(v, &h->h.ipv4))
        return errf(err, errlen, NST_EINVAL, "'ip-address' must be an IPv4 address");
    if ((v = json_object_get(res, "next-server")) && !get_ipv4(v, &h->h.next_server))
        return errf(err, errlen, NST_EINVAL, "'next-server' must be an IPv4 address");
    /* Column sizes of Kea's hosts table; sname and file must also fit the BOOTP header. */
    if ((r = get_text(res, "hostname", 255, &h->h.hostname, err, errlen)) ||
        (r = get_text(res, "server-hostname", 63, &h->h.server_hostname, err, errlen)) ||
        (r = get_text(res, "boot-file-name", 127, &h->h.boot_file_name, err, errlen)))
        return r;
    if ((v = json_object_get(res, "client-classes"))) {
        if (!json_is_array(v))
            return errf(err, errlen, NST_EINVAL, "'client-classes' must be a list of strings");
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) {
            if (!json_is_string(c) || !json_string_length(c) || strchr(json_string_value(c), ','))
                return errf(err, errlen, NST_EINVAL, "'client-classes' must be a list of non-empty class names "
                            "without commas");
            h->h.classes = xrealloc(h->h.classes, (h->h.class_count + 1) * sizeof *h->h.classes);
            h->h.classes[h->h.class_count++] = xstrdup(json_string_value(c));
        }
        char *text = hostdb_host4_classes_text(h);
        size_t tl = strlen(text);
        free(text);
        if (tl > 255)
            return errf(err, errlen, NST_EINVAL, "'client-classes' are too long (at most 255 bytes joined by commas)");
    }
    json_t *uc = json_object_get(res, "user-context"), *comment = json_object_get(res, "comment");
    if (uc && !json_is_object(uc))
        return errf(err, errlen, NST_EINVAL, "'user-context' must be a map");
    if (comment && !json_is_string(comment))
        return errf(err, errlen, NST_EINVAL, "'comment' must be a string");
    if (uc || comment) {
        json_t *ctx = uc ? json_deep_copy(uc) : json_object();
        if (comment)
            json_object_set(ctx, "comment", comment);
        h->user_context = json_dumps(ctx, JSON_COMPACT);
        json_decref(ctx);
    }
    if ((v = json_object_get(res, "option-data"))) {
        if (!json_is_array(v))
            return errf(err, errlen, NST_EINVAL, "'option-data' must be a list");
        size_t i;
        json_t *o;
        json_array_foreach(v, i, o) {
            if ((r = parse_option(o, defs, h, i, err, errlen)))
                return r;
        }
    }
    return 0;
}

int hostjson_parse(json_t *res, const optdef_registry_t *defs, hostdb_host4_t **out, bool *has_subnet,
                   uint32_t *subnet_id, char *err, size_t errlen)
{
    static const char *const keys[] = {"hw-address", "duid", "circuit-id", "client-id", "flex-id", "ip-address",
                                       "hostname", "next-server", "server-hostname", "boot-file-name",
                                       "option-data", "client-classes", "user-context", "comment", "subnet-id",
                                       NULL};
    *out = NULL;
    *has_subnet = false;
    *subnet_id = 0;
    if (!json_is_object(res))
        return errf(err, errlen, NST_EINVAL, "'reservation' must be a map");
    const char *k;
    json_t *v;
    json_object_foreach(res, k, v) {
        bool ok = false;
        for (size_t i = 0; keys[i]; i++)
            ok |= !strcmp(k, keys[i]);
        if (!ok)
            return errf(err, errlen, NST_EINVAL, "unsupported parameter '%s' in a DHCPv4 reservation", k);
    }
    json_t *sid = json_object_get(res, "subnet-id");
    if (sid) {
        if (!json_is_integer(sid))
            return errf(err, errlen, NST_EINVAL, "'subnet-id' parameter is not integer.");
        json_int_t s = json_integer_value(sid);
        if (s < 0 || s > (json_int_t)HOSTJSON_SUBNET_ID_MAX)
            return errf(err, errlen, NST_EINVAL, "subnet-id: %lld is invalid, must be between 0 and %u (inclusive).",
                        (long long)s, HOSTJSON_SUBNET_ID_MAX);
        *has_subnet = true;
        *subnet_id = (uint32_t)s;
    }
    hostdb_host4_t *h = hostdb_host4_new();
    int r = parse_fields(res, defs, h, err, errlen);
    if (r) {
        hostdb_host4_free(h);
        return r;
    }
    h->h.subnet_id = *subnet_id;
    *out = h;
    return 0;
}
