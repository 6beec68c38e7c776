/* Argument checks of the lease4-* commands with Kea 2.2's lease_cmds result codes (see
 * lease_args4.h), and lease4-resend-ddns. */
#include "dhcp4/lease_args4.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "common/cmd.h"

enum jt { JT_STRING, JT_INTEGER, JT_BOOL };

static bool has_type(json_t *v, enum jt t)
{
    return t == JT_STRING ? json_is_string(v) : t == JT_INTEGER ? json_is_integer(v) : json_is_boolean(v);
}

/* Kea's SimpleParser getters: a key present with another JSON type is an error naming it. */
static json_t *typed(json_t *args, const char *key, enum jt t, bool mandatory)
{
    json_t *v = json_object_get(args, key);
    if (!v)
        return mandatory ? cmd_answerf(CMD_ERROR, NULL, "missing parameter '%s'", key) : NULL;
    if (!has_type(v, t))
        return cmd_answerf(CMD_ERROR, NULL, "invalid type specified for parameter '%s'", key);
    return NULL;
}

static bool is_ipv6(const char *s)
{
    struct in6_addr a;
    return inet_pton(AF_INET6, s, &a) == 1;
}

static bool is_ipv4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

json_t *lease4_check_write_args(json_t *args, bool update)
{
    static const struct {
        const char *key;
        enum jt type;
        bool mandatory;
    } keys[] = {
        {"ip-address", JT_STRING, true}, {"hw-address", JT_STRING, true}, {"subnet-id", JT_INTEGER, false},
        {"client-id", JT_STRING, false}, {"valid-lft", JT_INTEGER, false}, {"expire", JT_INTEGER, false},
        {"fqdn-fwd", JT_BOOL, false},     {"fqdn-rev", JT_BOOL, false},     {"hostname", JT_STRING, false},
        {"state", JT_INTEGER, false},     {"force-create", JT_BOOL, false},
    };
    if (!json_is_object(args))
        return update ? cmd_answer(CMD_ERROR, "no parameters specified for lease4-update command", NULL)
                      : cmd_answer(CMD_ERROR, "no parameters specified for the command", NULL);
    json_t *a;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if ((a = typed(args, keys[i].key, keys[i].type, keys[i].mandatory)))
            return a;
        if (i == 0) { /* the address, before anything else is read */
            const char *ip = json_string_value(json_object_get(args, "ip-address"));
            if (!is_ipv4(ip))
                return cmd_answerf(CMD_ERROR, NULL, is_ipv6(ip) ? "Non-IPv4 address specified: %s"
                                                                 : "'%s' is not a valid IPv4 address", ip);
        }
    }
    const char *ip = json_string_value(json_object_get(args, "ip-address"));
    json_t *sid = json_object_get(args, "subnet-id");
    if (sid && (json_integer_value(sid) < 0 || json_integer_value(sid) > UINT32_MAX))
        return cmd_answerf(CMD_ERROR, NULL, "out of range value (%lld) specified for parameter 'subnet-id'",
                           (long long)json_integer_value(sid));
    json_t *ex = json_object_get(args, "expire"), *vl = json_object_get(args, "valid-lft");
    if (ex && json_integer_value(ex) <= 0)
        return cmd_answerf(CMD_ERROR, NULL, "expiration time must be positive for address %s", ip);
    /* with valid-lft absent Kea compares with the subnet's, which the lease's own check repeats */
    if (ex && vl && json_integer_value(ex) < json_integer_value(vl))
        return cmd_answerf(CMD_ERROR, NULL, "expiration time must be greater than valid lifetime for address %s",
                           ip);
    const char *hn = json_string_value(json_object_get(args, "hostname"));
    if ((!hn || !*hn) &&
        (json_is_true(json_object_get(args, "fqdn-fwd")) || json_is_true(json_object_get(args, "fqdn-rev"))))
        return cmd_answer(CMD_ERROR, "No hostname specified and either forward or reverse fqdn was set to true.",
                          NULL);
    return NULL;
}

/* An "ip-address" given to a lookup (Kea's getAddressParam): a string holding an IPv4 address;
 * "'x' is not a valid <what>" for what is not an address at all. */
static json_t *check_ip(json_t *ip, const char *what)
{
    if (!json_is_string(ip))
        return cmd_answer(CMD_ERROR, "'ip-address' is not a string.", NULL);
    const char *s = json_string_value(ip);
    if (is_ipv4(s))
        return NULL;
    if (is_ipv6(s))
        return cmd_answerf(CMD_ERROR, NULL, "Invalid IPv4 address specified: %s", s);
    return cmd_answerf(CMD_ERROR, NULL, "'%s' is not a valid %s", s, what);
}

json_t *lease4_check_find_args(json_t *args, bool del)
{
    if (!json_is_object(args))
        return cmd_answer(CMD_ERROR, "Parameters missing or are not a map.", NULL);
    json_t *ud = json_object_get(args, "update-ddns");
    if (ud && !json_is_boolean(ud))
        return cmd_answer(CMD_ERROR, "'update-ddns' is not a boolean", NULL);
    json_t *ip = json_object_get(args, "ip-address");
    if (ip)
        return check_ip(ip, "IPv4 address");
    json_t *sid = json_object_get(args, "subnet-id");
    if (!sid)
        return cmd_answer(CMD_ERROR, "Mandatory 'subnet-id' parameter missing.", NULL);
    if (!json_is_integer(sid))
        return cmd_answer(CMD_ERROR, "'subnet-id' parameter is not integer.", NULL);
    if (!json_is_string(json_object_get(args, "identifier-type")))
        return cmd_answer(CMD_ERROR, "No 'ip-address' provided and 'identifier-type' is either missing or not a string.",
                          NULL);
    if (!json_is_string(json_object_get(args, "identifier")))
        return cmd_answer(CMD_ERROR, "No 'ip-address' provided and 'identifier' is either missing or not a string.",
                          NULL);
    if (!strcmp(json_string_value(json_object_get(args, "identifier-type")), "duid"))
        return cmd_answerf(CMD_ERROR, NULL, "%s by duid is not allowed in v4.", del ? "Delete" : "Query");
    return NULL;
}

json_t *lease4_check_by_args(json_t *args, const char *key)
{
    if (!json_is_object(args))
        return cmd_answer(CMD_ERROR, "Command arguments missing or a not a map.", NULL);
    json_t *v = json_object_get(args, key);
    if (!v)
        return cmd_answerf(CMD_ERROR, NULL, "'%s' parameter not specified", key);
    if (!json_is_string(v))
        return cmd_answerf(CMD_ERROR, NULL, "'%s' parameter must be a string", key);
    return NULL;
}

/* Kea 2.2 answers lease4-resend-ddns only when DDNS updates are enabled, which Nestor does not
 * have yet: the address is checked as Kea checks it, then the answer is Kea's for DDNS disabled. */
json_t *lease4_cmd_resend_ddns(const char *name, json_t *args, void *ud)
{
    (void)name, (void)ud;
    if (!json_is_object(args))
        return cmd_answer(CMD_ERROR, "Parameters missing or are not a map.", NULL);
    json_t *ip = json_object_get(args, "ip-address");
    if (!ip)
        return cmd_answer(CMD_ERROR, "'ip-address' parameter is missing.", NULL);
    json_t *bad = check_ip(ip, "IP address.");
    if (bad)
        return bad;
    return cmd_answer(CMD_ERROR, "DDNS updating is not enabled", NULL);
}
