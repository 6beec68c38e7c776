/* option-def and option-data entries (Kea semantics: name or code, csv-format or hex data). */
#include <stdlib.h>
#include <string.h>

#include "config/cfg4_ctx.h"
#include "config/cfg_optencap.h"

const cfg_option_t *cfg_optset_find(const cfg_optset_t *set, uint16_t code)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].code == code && !set->items[i].space)
            return &set->items[i];
    return NULL;
}

const cfg_option_t *cfg_optset_find_vendor(const cfg_optset_t *set, uint32_t vendor_id, uint16_t code)
{
    for (size_t i = 0; vendor_id && i < set->count; i++)
        if (set->items[i].code == code && set->items[i].vendor_id == vendor_id)
            return &set->items[i];
    return NULL;
}

const cfg_option_t *cfg_optlevels_find(const cfg_optlevels_t *lv, uint16_t code)
{
    for (size_t i = 0, ni = cfg_optlevels_count(lv); i < ni; i++) {
        const cfg_option_t *o = lv->set[i] ? cfg_optset_find(lv->set[i], code) : NULL;
        if (o)
            return o;
    }
    return NULL;
}

const cfg_option_t *cfg_optlevels_find_vendor(const cfg_optlevels_t *lv, uint32_t vendor_id, uint16_t code)
{
    for (size_t i = 0, ni = cfg_optlevels_count(lv); i < ni; i++) {
        const cfg_option_t *o = lv->set[i] ? cfg_optset_find_vendor(lv->set[i], vendor_id, code) : NULL;
        if (o)
            return o;
    }
    return NULL;
}

void cfg_optset_free(cfg_optset_t *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->items[i].data);
        free(s->items[i].space);
    }
    free(s->items);
    s->items = NULL;
    s->count = 0;
}

int cfg4_parse_option_defs(pctx_t *p, json_t *list)
{
    p->cfg->optdefs = optdef_registry_new();
    return cfg4_parse_option_defs_into(p, list, p->cfg->optdefs, false);
}

int cfg4_parse_option_defs_into(pctx_t *p, json_t *list, optdef_registry_t *reg, bool class_scope)
{
    static const char *const keys[] = {"name", "code", "type", "array", "record-types", "space",
                                       "encapsulate", NULL};
    if (!list)
        return 0;
    size_t old = pctx_push(p, "option-def");
    size_t i;
    json_t *d;
    int r = 0;
    int failed = 0;
    json_array_foreach(list, i, d) {
        size_t o2 = pctx_push_idx(p, i);
        r = 0;
        char *name = NULL, *type = NULL, *rec = NULL, *space = NULL, *encap = NULL;
        uint32_t code = 0;
        bool array = false;
        if (!json_is_object(d))
            r = pctx_fail(p, NULL, "an option-def entry must be a map");
        if (!r)
            r = pctx_check_keys(p, d, "option-def entry", keys);
        if (!r)
            r = pctx_get_str(p, d, "name", &name);
        if (!r)
            r = pctx_get_u32(p, d, "code", 0, 255, &code);
        if (!r)
            r = pctx_get_str(p, d, "type", &type);
        if (!r)
            r = pctx_get_str(p, d, "record-types", &rec);
        if (!r)
            r = pctx_get_str(p, d, "space", &space);
        if (!r)
            r = pctx_get_str(p, d, "encapsulate", &encap);
        if (!r)
            r = pctx_get_bool(p, d, "array", &array);
        if (!r && (!name || !*name))
            r = pctx_fail(p, NULL, "option-def requires a non-empty 'name'");
        if (!r && !json_object_get(d, "code"))
            r = pctx_fail(p, NULL, "option-def '%s' requires 'code'", name);
        if (!r && !type)
            r = pctx_fail(p, NULL, "option-def '%s' requires 'type'", name);
        if (!r && class_scope && !optdef_class_may_define(space ? space : OPTDEF_SPACE_DHCP4, (uint16_t)code))
            r = pctx_fail(p, NULL, "Not allowed option definition for code '%u' in space '%s' (a client class "
                          "may define only option 43 and options 224 to 254 of space dhcp4)", code,
                          space ? space : OPTDEF_SPACE_DHCP4);
        if (!r) {
            char e[256];
            if (optdef_registry_define(reg, name, code, type, rec, space ? space : OPTDEF_SPACE_DHCP4,
                                       array, encap ? encap : "", e, sizeof e))
                r = pctx_fail(p, NULL, "option-def '%s': %s", name, e);
        }
        free(name);
        free(type);
        free(rec);
        free(space);
        free(encap);
        pctx_pop(p, o2);
        if (r)
            failed = r; /* the next entries are still checked */
    }
    pctx_pop(p, old);
    return failed;
}

/* The option's definition, as Kea looks it up for option-data: the level's own definitions (a
 * client class's), the standard ones, the custom ones, the last-resort one. */
static const optdef_t *find_def(pctx_t *p, const optdef_registry_t *local, const char *space,
                                const char *name, uint16_t code)
{
    return name ? optdef_resolve_by_name(local, p->cfg->optdefs, space, name)
                : optdef_resolve_by_code(local, p->cfg->optdefs, space, code);
}

/* The option's value from its "data": csv-format through its definition, else hex. */
static int encode_data(pctx_t *p, const optdef_t *def, const char *name, const char *space, uint32_t code,
                       const char *data, bool csv, uint8_t *buf, size_t cap)
{
    int n;
    char e[256] = "";
    if (!data || !*data) {
        n = 0; /* empty value: valid for empty-type options and always-send markers */
    } else if (!csv) {
        n = optdef_parse_hex(data, buf, cap);
        if (n < 0)
            snprintf(e, sizeof e, "'%s' is not valid hexadecimal data", data);
    } else if (!def) {
        n = -1;
        snprintf(e, sizeof e, "option code %u has no definition in space %s; use \"csv-format\": false with "
                 "hex data or add an option-def", code, space);
    } else {
        n = optdef_encode_csv(def, data, buf, cap, e, sizeof e);
    }
    if (n < 0)
        return pctx_fail(p, "data", "option %s%s%u: %s", name ? name : "", name ? " code " : "code ", code, e);
    if (n > 65535)
        return pctx_fail(p, "data", "option %u data is too long", code);
    /* Kea reads a configured option 125 as a vendor option: enterprise id first. */
    if (!strcmp(space, OPTDEF_SPACE_DHCP4) && code == 125 && n < 4)
        return pctx_fail(p, "data", "option vivso-suboptions code 125: Truncated vendor-specific information "
                         "option, length=%d (the enterprise id takes 4 bytes)", n);
    return n;
}

/* How the option carries its definition's encapsulated space (cfg_optencap.h). */
static int encap_of(pctx_t *p, const optdef_t *def, const uint8_t *buf, size_t n, cfg_optencap_t *how)
{
    if (!optdef_carries_suboptions(def))
        return 0;
    int head = optdef_value_len(def, buf, n);
    if (head < 0)
        return pctx_fail(p, "data", "option %s code %u: the data is too short for a value of its definition "
                         "(type %s)", def->name, def->code, optdef_type_name(def->type));
    how->encap = def->encapsulate;
    how->head = (uint32_t)head;
    /* Kea: in option 43's sub-options 0 pads and 255 ends, unless the space defines them. */
    how->pad = def->code == 43 && !optdef_find_by_code(p->cfg->optdefs, def->encapsulate, 0);
    how->end = def->code == 43 && !optdef_find_by_code(p->cfg->optdefs, def->encapsulate, 255);
    return 0;
}

static int parse_one_option(pctx_t *p, json_t *o, const optdef_registry_t *local, cfg_option_t *out,
                            cfg_optencap_t *how)
{
    static const char *const keys[] = {"name", "code", "space", "data", "csv-format", "always-send",
                                       "never-send", NULL};
    char *name = NULL, *space = NULL, *data = NULL;
    uint32_t code = 0;
    bool has_code = json_object_get(o, "code") != NULL;
    bool csv = true;
    int r = 0;
    if (!json_is_object(o))
        return pctx_fail(p, NULL, "an option-data entry must be a map");
    if (!r)
        r = pctx_check_keys(p, o, "option-data entry", keys);
    if (!r)
        r = pctx_get_str(p, o, "name", &name);
    if (!r)
        r = pctx_get_u32(p, o, "code", 0, 255, &code);
    if (!r)
        r = pctx_get_str(p, o, "space", &space);
    if (!r)
        r = pctx_get_str(p, o, "data", &data);
    if (!r)
        r = pctx_get_bool(p, o, "csv-format", &csv);
    if (!r)
        r = pctx_get_bool(p, o, "always-send", &out->always_send);
    if (!r)
        r = pctx_get_bool(p, o, "never-send", &out->never_send);
    const char *sp = space ? space : OPTDEF_SPACE_DHCP4;
    bool std = !strcmp(sp, OPTDEF_SPACE_DHCP4);
    if (!r && !optdef_valid_name(sp))
        r = pctx_fail(p, "space", "invalid option space name '%s'", sp);
    if (!r && !strcmp(sp, "dhcp6"))
        r = pctx_fail(p, "space", "'dhcp6' option space name is reserved for DHCPv6 server");
    if (!r && !name && !has_code)
        r = pctx_fail(p, NULL, "an option-data entry requires 'name' or 'code'");
    const optdef_t *def = NULL;
    if (!r) {
        def = find_def(p, local, sp, name, (uint16_t)code);
        if (name && !def)
            r = pctx_fail(p, "name", "unknown option name '%s' in space %s (define it with option-def or use 'code')",
                          name, sp);
        else if (name && has_code && def->code != code)
            r = pctx_fail(p, "code", "option '%s' has code %u, not %u", name, def->code, code);
        else if (name)
            code = def->code;
    }
    if (!r && std && (code == 0 || code == 255))
        r = pctx_fail(p, "code", "option code %u is reserved", code);
    uint8_t buf[4096];
    int n = 0;
    if (!r)
        r = (n = encode_data(p, def, name, sp, code, data, csv, buf, sizeof buf)) < 0 ? n : 0;
    if (!r)
        r = encap_of(p, def, buf, (size_t)n, how);
    if (!r) {
        out->code = (uint16_t)code;
        out->len = (uint16_t)n;
        out->data = xmalloc((size_t)n + 1);
        memcpy(out->data, buf, (size_t)n);
        out->space = std ? NULL : xstrdup(sp);
        out->vendor_id = optdef_vendor_id(sp);
    }
    free(name);
    free(space);
    free(data);
    return r;
}

/* The option of the same space and code already in the set. */
static const cfg_option_t *find_same(const cfg_optset_t *set, const cfg_option_t *o)
{
    for (size_t i = 0; i < set->count; i++) {
        const cfg_option_t *x = &set->items[i];
        if (x->code == o->code && (x->space == o->space || (x->space && o->space && !strcmp(x->space, o->space))))
            return x;
    }
    return NULL;
}

int cfg4_parse_options(pctx_t *p, json_t *list, cfg_optset_t *out)
{
    return cfg4_parse_options_local(p, list, out, NULL);
}

int cfg4_parse_options_local(pctx_t *p, json_t *list, cfg_optset_t *out, const optdef_registry_t *local)
{
    size_t i;
    json_t *o;
    int r = 0;
    out->items = xcalloc(json_array_size(list) + 1, sizeof *out->items);
    cfg_optencap_t *how = xcalloc(json_array_size(list) + 1, sizeof *how);
    json_array_foreach(list, i, o) {
        size_t old = pctx_push_idx(p, i);
        cfg_option_t opt = {0};
        int r1 = parse_one_option(p, o, local, &opt, &how[out->count]);
        if (!r1 && find_same(out, &opt)) {
            r1 = pctx_fail(p, NULL, "option code %u%s%s is specified twice at this level", opt.code,
                           opt.space ? " of space " : "", opt.space ? opt.space : "");
            free(opt.data);
            free(opt.space);
        }
        pctx_pop(p, old);
        if (r1) {
            r = r1; /* the next entries are still checked */
            memset(&how[out->count], 0, sizeof how[out->count]);
            continue;
        }
        out->items[out->count++] = opt;
    }
    char e[256];
    if (!r && cfg_optset_encapsulate(out, how, &cfg_optfamily4, e, sizeof e))
        r = pctx_fail(p, NULL, "%s", e);
    free(how);
    return r;
}
