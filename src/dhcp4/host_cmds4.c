/* reservation-* commands (Kea's host_cmds hook, built in; see host_cmds4.h). Texts and result
 * codes as Kea: "Host added.", "Host found." / "Host not found." (3), "Host deleted." /
 * "Host not deleted (not found)." (3), "<n> IPv4 host(s) found." (0, or 3 when n is 0). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "common/errcode.h"
#include "ctrl/ctrl.h"
#include "dhcp4/host_cmds4.h"
#include "hosts/hostjson.h"
#include "hosts/hostmgr.h"
#include "log/log.h"

#define SRV(ud) ((srv4_t *)(ud))

static hostmgr_t *HM(void *ud) { return SRV(ud)->rt->hostmgr; }
static const cfg4_t *CFG(void *ud) { return SRV(ud)->rt->cfg; }

static void ip_text(uint32_t a, char out[INET_ADDRSTRLEN])
{
    struct in_addr in = {htonl(a)};
    inet_ntop(AF_INET, &in, out, INET_ADDRSTRLEN);
}

/* An integer parameter within [min, max] (Kea's SimpleParser::getInteger checks): 0, NST_ENOENT
 * when absent, NST_EINVAL with err set. */
static int get_int(json_t *args, const char *key, int64_t min, int64_t max, int64_t *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(args, key);
    if (!v)
        return errf(err, errlen, NST_ENOENT, "missing parameter '%s'", key);
    if (!json_is_integer(v))
        return errf(err, errlen, NST_EINVAL, "invalid type specified for parameter '%s'", key);
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return errf(err, errlen, NST_EINVAL, "out of range value (%lld) specified for parameter '%s'", (long long)x, key);
    *out = x;
    return 0;
}

static int get_subnet(json_t *args, uint32_t *out, char *err, size_t errlen)
{
    int64_t v = 0;
    int r = get_int(args, "subnet-id", 0, HOSTJSON_SUBNET_ID_MAX, &v, err, errlen);
    *out = (uint32_t)v;
    return r;
}

/* A subnet-id other than 0 must be configured, and a reserved address must belong to it. */
static int check_subnet(const cfg4_t *cfg, uint32_t subnet_id, uint32_t addr, char *err, size_t errlen)
{
    if (!subnet_id)
        return 0;
    const cfg_subnet4_t *s = cfg4_subnet_by_id(cfg, subnet_id);
    if (!s)
        return errf(err, errlen, NST_EINVAL, "IPv4 subnet with ID of '%u' is not configured", subnet_id);
    if (addr && (addr & s->mask) != s->prefix) {
        char a[INET_ADDRSTRLEN], p[INET_ADDRSTRLEN];
        ip_text(addr, a);
        ip_text(s->prefix, p);
        return errf(err, errlen, NST_EINVAL, "specified reservation '%s' is not matching the IPv4 subnet prefix "
                    "'%s/%u'", a, p, s->prefix_len);
    }
    return 0;
}

static json_t *error(const char *text) { return cmd_answer(CMD_ERROR, text, NULL); }

/* ---- reservation-add ------------------------------------------------------------------------- */

static json_t *cmd_add(const char *name, json_t *args, void *ud)
{
    if (!json_is_object(args))
        return error("no parameters specified for the command");
    json_t *res = json_object_get(args, "reservation");
    if (!res)
        return error("reservation must be specified");
    char err[1024];
    hostdb_host4_t *h;
    bool has_subnet;
    uint32_t subnet_id;
    const cfg4_t *cfg = CFG(ud);
    if (hostjson_parse(res, cfg->optdefs, &h, &has_subnet, &subnet_id, err, sizeof err))
        return error(err);
    json_t *a;
    if (!has_subnet)
        a = error("Mandatory 'subnet-id' parameter missing.");
    else if (!hostmgr_db_count(HM(ud)))
        a = error("Host database not available, cannot add host.");
    else if (check_subnet(cfg, subnet_id, h->h.ipv4, err, sizeof err))
        a = error(err);
    else if (hostmgr_add4(HM(ud), h, err, sizeof err))
        a = error(err);
    else
        a = cmd_answer(CMD_SUCCESS, "Host added.", NULL);
    hostdb_host4_free(h);
    return a;
}

/* ---- reservation-get / reservation-del: (subnet-id, ip-address) or (subnet-id, identifier) ---- */

typedef struct target {
    uint32_t subnet_id;
    bool by_addr;
    uint32_t addr;
    uint8_t id_type;
    uint8_t id[CFG_HOST_ID_MAX];
    size_t id_len;
} target_t;

/* identifier-type + identifier (shared with reservation-get-by-id); prefix names what is missing. */
static int get_identifier(json_t *args, const char *prefix, target_t *t, char *err, size_t errlen)
{
    json_t *type = json_object_get(args, "identifier-type"), *ident = json_object_get(args, "identifier");
    if (!json_is_string(type))
        return errf(err, errlen, NST_EINVAL, "%s'identifier-type' is either missing or not a string.", prefix);
    if (!json_is_string(ident))
        return errf(err, errlen, NST_EINVAL, "%s'identifier' is either missing or not a string.", prefix);
    if (hostjson_id_type(json_string_value(type), &t->id_type))
        return errf(err, errlen, NST_EINVAL, "Value of 'identifier-type' was not recognized.");
    const char *text = json_string_value(ident);
    if (!*text || !strcmp(text, "''"))
        return errf(err, errlen, NST_EINVAL, "Unable to query for empty 'identifier'.");
    int n = hostjson_parse_identifier(t->id_type, text, t->id, sizeof t->id);
    if (n <= 0)
        return errf(err, errlen, NST_EINVAL, "Unable to parse 'identifier' value.");
    t->id_len = (size_t)n;
    return 0;
}

static int get_target(json_t *args, target_t *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (!json_is_object(args))
        return errf(err, errlen, NST_EINVAL, "Parameters missing or are not a map.");
    int r = get_subnet(args, &t->subnet_id, err, errlen);
    if (r)
        return r;
    json_t *addr = json_object_get(args, "ip-address");
    if (addr) {
        struct in_addr a;
        if (!json_is_string(addr))
            return errf(err, errlen, NST_EINVAL, "'ip-address' is not a string.");
        if (inet_pton(AF_INET, json_string_value(addr), &a) != 1)
            return errf(err, errlen, NST_EINVAL, "'ip-address' is not an IPv4 address: '%s'", json_string_value(addr));
        t->by_addr = true;
        t->addr = ntohl(a.s_addr);
        return 0;
    }
    return get_identifier(args, "No 'ip-address' provided and ", t, err, errlen);
}

static json_t *cmd_get(const char *name, json_t *args, void *ud)
{
    char err[1024];
    target_t t;
    if (get_target(args, &t, err, sizeof err))
        return error(err);
    hostdb_host4_t *h;
    int r = t.by_addr ? hostmgr_get4_by_addr(HM(ud), t.subnet_id, t.addr, &h, err, sizeof err)
                      : hostmgr_get4(HM(ud), t.subnet_id, t.id_type, t.id, t.id_len, &h, err, sizeof err);
    if (r == NST_ENOENT)
        return cmd_answer(CMD_EMPTY, "Host not found.", NULL);
    if (r)
        return error(err);
    json_t *a = cmd_answer(CMD_SUCCESS, "Host found.", hostjson_from_host(h, CFG(ud)->optdefs));
    hostdb_host4_free(h);
    return a;
}

static json_t *cmd_del(const char *name, json_t *args, void *ud)
{
    char err[1024];
    target_t t;
    if (get_target(args, &t, err, sizeof err))
        return error(err);
    int r = t.by_addr ? hostmgr_del4_by_addr(HM(ud), t.subnet_id, t.addr, err, sizeof err)
                      : hostmgr_del4_by_id(HM(ud), t.subnet_id, t.id_type, t.id, t.id_len, err, sizeof err);
    if (r < 0)
        return error(err);
    return r ? cmd_answer(CMD_SUCCESS, "Host deleted.", NULL)
             : cmd_answer(CMD_EMPTY, "Host not deleted (not found).", NULL);
}

/* ---- collections ----------------------------------------------------------------------------- */

/* {"hosts": [...]} (+ "count" and "next" for pages); frees list. */
static json_t *list_answer(void *ud, hostdb_list_t *list, bool page, size_t source)
{
    json_t *hosts = json_array();
    for (size_t i = 0; i < list->count; i++)
        json_array_append_new(hosts, hostjson_from_host(list->items[i], CFG(ud)->optdefs));
    size_t n = list->count;
    json_t *args = json_object();
    json_object_set_new(args, "hosts", hosts);
    if (page) {
        json_object_set_new(args, "count", json_integer((json_int_t)n));
        if (n)
            json_object_set_new(args, "next", json_pack("{s:I, s:I}", "from",
                                                        (json_int_t)list->items[n - 1]->host_id,
                                                        "source-index", (json_int_t)source));
    }
    hostdb_list_free(list);
    return cmd_answerf(n ? CMD_SUCCESS : CMD_EMPTY, args, "%zu IPv4 host(s) found.", n);
}

static json_t *collection_error(hostdb_list_t *list, const char *err)
{
    hostdb_list_free(list);
    return error(err);
}

static json_t *cmd_get_all(const char *name, json_t *args, void *ud)
{
    char err[1024];
    uint32_t subnet_id;
    if (!json_is_object(args))
        return error("Parameters missing or are not a map.");
    if (get_subnet(args, &subnet_id, err, sizeof err) || check_subnet(CFG(ud), subnet_id, 0, err, sizeof err))
        return error(err);
    hostdb_list_t list = {0};
    if (hostmgr_get4_all(HM(ud), subnet_id, &list, err, sizeof err))
        return collection_error(&list, err);
    return list_answer(ud, &list, false, 0);
}

static json_t *cmd_get_page(const char *name, json_t *args, void *ud)
{
    char err[1024];
    if (!json_is_object(args))
        return error("Parameters missing or are not a map.");
    int64_t limit, source = 0, from = 0;
    uint32_t subnet_id = 0;
    bool has_subnet = json_object_get(args, "subnet-id") != NULL;
    if (get_int(args, "limit", 0, UINT32_MAX, &limit, err, sizeof err) ||
        (has_subnet && get_subnet(args, &subnet_id, err, sizeof err)) ||
        (json_object_get(args, "source-index") && get_int(args, "source-index", 0, 10, &source, err, sizeof err)) ||
        (json_object_get(args, "from") && get_int(args, "from", INT64_MIN, INT64_MAX, &from, err, sizeof err)))
        return error(err);
    if (!limit)
        return error("page size of retrieved hosts must not be zero");
    if (has_subnet && check_subnet(CFG(ud), subnet_id, 0, err, sizeof err))
        return error(err);
    hostdb_list_t list = {0};
    size_t idx = (size_t)source;
    if (hostmgr_get4_page(HM(ud), !has_subnet, subnet_id, &idx, (uint64_t)from, (size_t)limit, &list, err,
                          sizeof err))
        return collection_error(&list, err);
    return list_answer(ud, &list, true, idx);
}

static json_t *cmd_get_by_hostname(const char *name, json_t *args, void *ud)
{
    char err[1024];
    if (!json_is_object(args))
        return error("Parameters missing or are not a map.");
    json_t *hn = json_object_get(args, "hostname");
    if (!hn)
        return error("missing parameter 'hostname'");
    if (!json_is_string(hn))
        return error("invalid type specified for parameter 'hostname'");
    if (!json_string_length(hn))
        return error("Empty hostname");
    bool has_subnet = json_object_get(args, "subnet-id") != NULL;
    uint32_t subnet_id = 0;
    if (has_subnet && (get_subnet(args, &subnet_id, err, sizeof err) ||
                       check_subnet(CFG(ud), subnet_id, 0, err, sizeof err)))
        return error(err);
    hostdb_list_t list = {0};
    if (hostmgr_get4_by_hostname(HM(ud), json_string_value(hn), !has_subnet, subnet_id, &list, err, sizeof err))
        return collection_error(&list, err);
    return list_answer(ud, &list, false, 0);
}

static json_t *cmd_get_by_id(const char *name, json_t *args, void *ud)
{
    char err[1024];
    target_t t;
    memset(&t, 0, sizeof t);
    if (!json_is_object(args))
        return error("Parameters missing or are not a map.");
    if (!json_is_string(json_object_get(args, "identifier-type")))
        return error("'identifier-type' is either missing or not a string.");
    if (!json_is_string(json_object_get(args, "identifier")))
        return error("'identifier' is either missing or not a string.");
    if (json_object_get(args, "subnet-id"))
        return error("'subnet-id' is forbidden in reservation-get-by-id");
    if (get_identifier(args, "", &t, err, sizeof err))
        return error(err);
    hostdb_list_t list = {0};
    if (hostmgr_get4_by_ident(HM(ud), t.id_type, t.id, t.id_len, &list, err, sizeof err))
        return collection_error(&list, err);
    return list_answer(ud, &list, false, 0);
}

void host_cmds4_register(srv4_t *s)
{
    static const struct {
        const char *name;
        cmd_handler_fn fn;
    } cmds[] = {
        {"reservation-add", cmd_add},
        {"reservation-get", cmd_get},
        {"reservation-get-all", cmd_get_all},
        {"reservation-get-page", cmd_get_page},
        {"reservation-get-by-hostname", cmd_get_by_hostname},
        {"reservation-get-by-id", cmd_get_by_id},
        {"reservation-del", cmd_del},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
        ctrl_register(s->core.ctrl, cmds[i].name, cmds[i].fn, s);
}
