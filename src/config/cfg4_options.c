/* option-def and option-data entries (Kea semantics: name or code, csv-format or hex data). */
#include <stdlib.h>
#include <string.h>

#include "config/cfg4_ctx.h"

const cfg_option_t *cfg_optset_find(const cfg_optset_t *set, uint16_t code)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].code == code && !set->items[i].space)
            return &set->items[i];
    return NULL;
}

const cfg_option_t *cfg_optlevels_find(const cfg_optlevels_t *lv, uint16_t code)
{
    for (size_t i = 0; i < CFG_OPT_LEVELS; i++) {
        const cfg_option_t *o = lv->set[i] ? cfg_optset_find(lv->set[i], code) : NULL;
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
    static const char *const keys[] = {"name", "code", "type", "array", "record-types", "space",
                                       "encapsulate", NULL};
    p->cfg->optdefs = optdef_registry_new();
    if (!list)
        return 0;
    size_t old = pctx_push(p, "option-def");
    size_t i;
    json_t *d;
    int r = 0;
    json_array_foreach(list, i, d) {
        size_t o2 = pctx_push_idx(p, i);
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
            r = pctx_get_u32(p, d, "code", 1, 254, &code);
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
        if (!r) {
            char e[256];
            if (optdef_registry_define(p->cfg->optdefs, name, code, type, rec, space ? space : "dhcp4",
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
            break;
    }
    pctx_pop(p, old);
    return r;
}

static int parse_one_option(pctx_t *p, json_t *o, cfg_option_t *out)
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
        r = pctx_get_u32(p, o, "code", 1, 254, &code);
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
    if (!r && space && strcmp(space, "dhcp4"))
        r = pctx_fail(p, "space", "option space '%s' is not supported yet (only \"dhcp4\")", space);
    if (!r && !name && !has_code)
        r = pctx_fail(p, NULL, "an option-data entry requires 'name' or 'code'");
    const optdef_t *def = NULL;
    if (!r && name) {
        def = optdef_find_by_name(p->cfg->optdefs, "dhcp4", name);
        if (!def)
            r = pctx_fail(p, "name", "unknown option name '%s' in space dhcp4 (define it with option-def or use 'code')", name);
        else if (has_code && def->code != code)
            r = pctx_fail(p, "code", "option '%s' has code %u, not %u", name, def->code, code);
        else
            code = def->code;
    } else if (!r) {
        def = optdef_find_by_code(p->cfg->optdefs, "dhcp4", (uint16_t)code);
    }
    if (!r && (code == 0 || code == 255))
        r = pctx_fail(p, "code", "option code %u is reserved", code);
    if (!r) {
        uint8_t buf[4096];
        int n;
        char e[256] = "";
        if (!data || !*data) {
            n = 0; /* empty value: valid for empty-type options and always-send markers */
        } else if (!csv) {
            n = optdef_parse_hex(data, buf, sizeof buf);
            if (n < 0)
                snprintf(e, sizeof e, "'%s' is not valid hexadecimal data", data);
        } else if (!def) {
            n = -1;
            snprintf(e, sizeof e, "option code %u has no definition; use \"csv-format\": false with hex data or add an option-def", code);
        } else {
            n = optdef_encode_csv(def, data, buf, sizeof buf, e, sizeof e);
        }
        if (n < 0)
            r = pctx_fail(p, "data", "option %s%s%u: %s", name ? name : "", name ? " code " : "code ", code, e);
        else if (n > 65535)
            r = pctx_fail(p, "data", "option %u data is too long", code);
        else {
            out->code = (uint8_t)code;
            out->len = (uint16_t)n;
            out->data = xmalloc((size_t)n);
            memcpy(out->data, buf, (size_t)n);
        }
    }
    free(name);
    free(space);
    free(data);
    return r;
}

int cfg4_parse_options(pctx_t *p, json_t *list, cfg_optset_t *out)
{
    size_t i;
    json_t *o;
    out->items = xcalloc(json_array_size(list), sizeof *out->items);
    json_array_foreach(list, i, o) {
        size_t old = pctx_push_idx(p, i);
        cfg_option_t opt = {0};
        int r = parse_one_option(p, o, &opt);
        if (!r && cfg_optset_find(out, opt.code)) {
            r = pctx_fail(p, NULL, "option code %u is specified twice at this level", opt.code);
            free(opt.data);
        }
        pctx_pop(p, old);
        if (r)
            return r;
        out->items[out->count++] = opt;
    }
    return 0;
}
