/* How kea-dhcp4 2.2's config-get writes what it holds, for cfg4_json.c: option data as hex
 * (csv-format false, or an option given without data: the option as built, sub-options
 * included), host identifiers in Kea's text forms, pools as "prefix/len" or "first-last", a
 * relay's "ip-address" as "ip-addresses", and Kea's orders: option-data by space (names in
 * order, then vendor spaces by enterprise id), option-def by space name, pools by address, reservations by identifier,
 * subnets by id, shared networks by name. Each was read off kea-dhcp4 2.2's answers
 * (tests/integration/test_config_check.py compares them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg4_ctx.h"

static void set_hex(json_t *o, const char *key, const uint8_t *d, size_t n, bool colons)
{
    char *out = xmalloc(3 * n + 1);
    out[0] = '\0';
    if (colons)
        hex_colon(out, 3 * n + 1, d, n);
    else
        for (size_t i = 0; i < n; i++)
            snprintf(out + 2 * i, 3, "%02X", d[i]);
    json_object_set_new(o, key, json_string(out));
    free(out);
}

static const cfg_option_t *built(const cfg_optset_t *set, const char *space, uint16_t code)
{
    for (size_t i = 0; set && i < set->count; i++) {
        const cfg_option_t *o = &set->items[i];
        if (o->code == code && !strcmp(o->space ? o->space : OPTDEF_SPACE_DHCP4, space))
            return o;
    }
    return NULL;
}

void cfg4_json_option_data(json_t *o, const cfg_optset_t *set)
{
    const char *space = json_string_value(json_object_get(o, "space"));
    json_t *code = json_object_get(o, "code");
    json_t *data = json_object_get(o, "data");
    if (!data) { /* Kea shows the option as built, in hex */
        const cfg_option_t *b = space && json_is_integer(code)
                                    ? built(set, space, (uint16_t)json_integer_value(code)) : NULL;
        set_hex(o, "data", b ? b->data : NULL, b ? b->len : 0, false);
        json_object_set_new(o, "csv-format", json_false());
        return;
    }
    uint8_t bin[1024];
    int n = json_is_false(json_object_get(o, "csv-format")) && json_is_string(data)
                ? optdef_parse_binary(json_string_value(data), bin, sizeof bin) : -1;
    if (n >= 0)
        set_hex(o, "data", bin, (size_t)n, false);
}

/* ---- orders ------------------------------------------------------------------------------ */

typedef int (*cmp_fn)(json_t *a, json_t *b);

/* Sorts a JSON list in place, stably. */
static void sort_list(json_t *list, cmp_fn cmp)
{
    size_t n = json_array_size(list);
    if (n < 2)
        return;
    json_t **v = xcalloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(list, i));
    for (size_t i = 1; i < n; i++) /* insertion sort: stable, and the lists are short */
        for (size_t k = i; k > 0 && cmp(v[k - 1], v[k]) > 0; k--) {
            json_t *t = v[k];
            v[k] = v[k - 1], v[k - 1] = t;
        }
    json_array_clear(list);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, v[i]);
    free(v);
}

/* Kea keeps options by space name, vendor spaces after the others by enterprise id. */
static int cmp_space(json_t *a, json_t *b)
{
    const char *x = json_string_value(json_object_get(a, "space")), *y = json_string_value(json_object_get(b, "space"));
    x = x ? x : "", y = y ? y : "";
    uint32_t vx = optdef_vendor_id(x), vy = optdef_vendor_id(y);
    if (!vx != !vy)
        return vx ? 1 : -1;
    return vx ? (vx > vy) - (vx < vy) : strcmp(x, y);
}

void cfg4_json_sort_options(json_t *list)
{
    sort_list(list, cmp_space);
}

/* option-def: by space name only (vendor spaces too). */
static int cmp_space_name(json_t *a, json_t *b)
{
    const char *x = json_string_value(json_object_get(a, "space")), *y = json_string_value(json_object_get(b, "space"));
    return strcmp(x ? x : "", y ? y : "");
}

void cfg4_json_sort_option_defs(json_t *list)
{
    sort_list(list, cmp_space_name);
}

static int cmp_id(json_t *a, json_t *b)
{
    json_int_t x = json_integer_value(json_object_get(a, "id")), y = json_integer_value(json_object_get(b, "id"));
    return (x > y) - (x < y);
}

static int cmp_name(json_t *a, json_t *b)
{
    const char *x = json_string_value(json_object_get(a, "name")), *y = json_string_value(json_object_get(b, "name"));
    return strcmp(x ? x : "", y ? y : "");
}

void cfg4_json_sort_subnets(json_t *list)
{
    sort_list(list, cmp_id);
}

void cfg4_json_sort_networks(json_t *list)
{
    sort_list(list, cmp_name);
}

/* ---- reservations ---------------------------------------------------------------------- */

/* The identifier of a reservation: its type (Kea's IdentifierType) and bytes. */
static int host_id(json_t *h, uint8_t *out, size_t cap, int *type)
{
    for (int t = 0; t < HOST_ID__COUNT; t++) {
        const char *s = json_string_value(json_object_get(h, cfg_host_id_name(t)));
        if (!s)
            continue;
        *type = t;
        size_t len = strlen(s);
        if ((t == HOST_ID_FLEX_ID || t == HOST_ID_CIRCUIT_ID) && len >= 2 && s[0] == '\'' && s[len - 1] == '\'') {
            if (len - 2 > cap)
                return -1;
            memcpy(out, s + 1, len - 2); /* the quoted text form */
            return (int)(len - 2);
        }
        return hex_parse(out, cap, s);
    }
    return -1;
}

/* hw-address and duid as lowercase pairs with colons, the other identifiers as uppercase hex. */
void cfg4_json_host(json_t *h)
{
    uint8_t id[CFG_HOST_ID_MAX + 1];
    int type, n = host_id(h, id, sizeof id, &type);
    if (n >= 0)
        set_hex(h, cfg_host_id_name(type), id, (size_t)n, type == HOST_ID_HWADDR || type == HOST_ID_DUID);
}

/* Kea's host index: identifier bytes (shorter first on a common prefix), then type. */
static int cmp_host(json_t *a, json_t *b)
{
    uint8_t x[CFG_HOST_ID_MAX + 1], y[CFG_HOST_ID_MAX + 1];
    int tx = 0, ty = 0, nx = host_id(a, x, sizeof x, &tx), ny = host_id(b, y, sizeof y, &ty);
    if (nx < 0 || ny < 0)
        return 0;
    int c = memcmp(x, y, (size_t)(nx < ny ? nx : ny));
    if (c || nx != ny)
        return c ? c : nx - ny;
    return tx - ty;
}

void cfg4_json_sort_hosts(json_t *list)
{
    sort_list(list, cmp_host);
}

/* ---- pools and relays ------------------------------------------------------------------- */

static bool pool_range(json_t *p, uint32_t *first, uint32_t *last)
{
    const char *text = json_string_value(json_object_get(p, "pool"));
    return text && cfg_parse_pool(text, first, last);
}

static int cmp_pool(json_t *a, json_t *b)
{
    uint32_t fa = 0, fb = 0, l;
    pool_range(a, &fa, &l);
    pool_range(b, &fb, &l);
    return (fa > fb) - (fa < fb);
}

/* "prefix/len" when the range is one, else "first-last"; in address order. */
void cfg4_json_pools(json_t *list)
{
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p) {
        uint32_t first, last;
        if (!json_is_object(p) || !pool_range(p, &first, &last))
            continue;
        char a[16], b[16], text[40];
        snprintf(a, sizeof a, "%u.%u.%u.%u", first >> 24, first >> 16 & 255, first >> 8 & 255, first & 255);
        snprintf(b, sizeof b, "%u.%u.%u.%u", last >> 24, last >> 16 & 255, last >> 8 & 255, last & 255);
        uint32_t span = last - first; /* span + 1 addresses */
        int len = 32;
        for (uint32_t s = span; s; s >>= 1)
            len--;
        if ((span & (span + 1)) == 0 && (first & span) == 0 && span != UINT32_MAX)
            snprintf(text, sizeof text, "%s/%d", a, len);
        else
            snprintf(text, sizeof text, "%s-%s", a, b);
        json_object_set_new(p, "pool", json_string(text));
    }
    sort_list(list, cmp_pool);
}

void cfg4_json_relay(json_t *relay)
{
    json_t *one = json_object_get(relay, "ip-address");
    if (!one)
        return;
    json_t *list = json_object_get(relay, "ip-addresses");
    if (!list)
        json_object_set_new(relay, "ip-addresses", list = json_array());
    json_array_append(list, one);
    json_object_del(relay, "ip-address");
}
