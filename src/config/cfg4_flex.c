/* The built-in flex_id and flex_option hooks' parameters (Kea's libdhcp_flex_id.so, premium in
 * Kea 2.2, and libdhcp_flex_option.so): expressions over the query that make a reservation
 * identifier, or add, replace or remove options of the reply (their sub-options: cfg4_flexsub.c). */
#include <string.h>

#include "config/cfg4_ctx.h"

/* Pushes the path of hooks-libraries entry h (errors point into it); returns the old length. */
static size_t push_entry(pctx_t *p, json_t *h)
{
    size_t old = pctx_push(p, "hooks-libraries"), i;
    json_t *e;
    json_array_foreach(json_object_get(p->cfg->dhcp4, "hooks-libraries"), i, e)
        if (e == h)
            pctx_push_idx(p, i);
    return old;
}

int cfg4_flex_ident(pctx_t *p, json_t *o, uint32_t min_code, uint32_t max_code, char **name, char **space,
                    uint32_t *code)
{
    int r = pctx_get_str(p, o, "name", name);
    if (!r)
        r = pctx_get_str(p, o, "space", space);
    if (!r)
        r = pctx_get_u32(p, o, "code", min_code, max_code, code);
    if (!r && !*name && !json_object_get(o, "code"))
        r = pctx_fail(p, NULL, "a flex_option entry requires 'code' or 'name'");
    return r;
}

int cfg4_flex_action(pctx_t *p, json_t *o, const char *what, uint8_t *action, eval_t **expr)
{
    static const char *const actions[] = {"add", "supersede", "remove"};
    int n = 0, r = 0;
    for (int a = 0; !r && a < 3; a++) {
        const char *text = json_string_value(json_object_get(o, actions[a]));
        if (!json_object_get(o, actions[a]))
            continue;
        if (!text)
            return pctx_fail(p, actions[a], "'%s' must be a string (an expression)", actions[a]);
        if (n++)
            return pctx_fail(p, actions[a], "a flex_option entry takes exactly one action (add, supersede or remove)");
        *action = (uint8_t)a;
        char name[96];
        snprintf(name, sizeof name, "flex_option %s of %s", actions[a], what);
        r = cfg4_compile_expr(p, actions[a], name, text, a == CFG_FLEXOPT_REMOVE ? EVAL_BOOL : EVAL_STRING, expr);
    }
    if (!r && !n)
        r = pctx_fail(p, NULL, "a flex_option entry requires one action: add, supersede or remove");
    return r;
}

/* One entry of flex_option's "options": an action on option code, or (*subs) the actions of its
 * "sub-options", kept in p->cfg->flexsubs. */
static int parse_flexopt(pctx_t *p, json_t *o, cfg_flexopt_t *f, bool *subs)
{
    static const char *const keys[] = {"code", "name", "space", "add", "supersede", "remove", "csv-format",
                                       "client-class", "sub-options", NULL};
    static const char *const actions[] = {"add", "supersede", "remove"};
    if (!json_is_object(o))
        return pctx_fail(p, NULL, "a flex_option 'options' entry must be a map");
    int r = pctx_check_keys(p, o, "flex_option options entry", keys);
    *subs = json_object_get(o, "sub-options") != NULL;
    for (int a = 0; !r && *subs && a < 3; a++)
        if (json_object_get(o, actions[a]))
            r = pctx_fail(p, actions[a], "'sub-options' and '%s' are incompatible in the same entry", actions[a]);
    char *name = NULL, *space = NULL;
    uint32_t code = 0;
    if (!r)
        r = cfg4_flex_ident(p, o, 1, 254, &name, &space, &code);
    const char *sp = space ? space : OPTDEF_SPACE_DHCP4;
    const optdef_t *def = NULL;
    if (!r && name && !(def = optdef_find_by_name(p->cfg->optdefs, sp, name)))
        r = pctx_fail(p, "name", "no option named '%s' in space '%s'", name, sp);
    if (!r && def && json_object_get(o, "code") && def->code != code)
        r = pctx_fail(p, "code", "option '%s' has code %u, not %u", name, def->code, code);
    if (!r) {
        f->code = def ? def->code : (uint16_t)code;
        f->def = def ? def : optdef_find_by_code(p->cfg->optdefs, sp, f->code);
    }
    if (!r && !*subs) {
        char what[32];
        snprintf(what, sizeof what, "option %u", f->code);
        r = cfg4_flex_action(p, o, what, &f->action, &f->expr);
    }
    if (!r)
        r = pctx_get_bool(p, o, "csv-format", &f->csv);
    if (!r && f->csv && !f->def)
        r = pctx_fail(p, "csv-format", "csv-format needs a definition of option %u", f->code);
    if (!r)
        r = cfg4_class_ref(p, o, "client-class", &f->client_class);
    if (!r && *subs)
        r = cfg4_parse_flexsubs(p, o, f->code, f->def, f->client_class);
    free(name);
    free(space);
    return r;
}

static int parse_flex_option(pctx_t *p, json_t *h)
{
    size_t old = push_entry(p, h);
    json_t *params = NULL, *list = NULL;
    int r = pctx_get_map(p, h, "parameters", &params);
    if (!r && params) {
        pctx_push(p, "parameters");
        static const char *const keys[] = {"options", NULL};
        r = pctx_check_keys(p, params, "flex_option parameters", keys);
        if (!r)
            r = pctx_get_list(p, params, "options", &list);
    }
    if (!r && !list)
        r = pctx_fail(p, NULL, "libdhcp_flex_option.so requires 'parameters' with an 'options' list");
    if (!r) {
        pctx_push(p, "options");
        p->cfg->flexopts = xcalloc(json_array_size(list) + 1, sizeof *p->cfg->flexopts);
        size_t i;
        json_t *o;
        json_array_foreach(list, i, o) {
            size_t o2 = pctx_push_idx(p, i);
            cfg_flexopt_t *f = &p->cfg->flexopts[p->cfg->flexopt_count++];
            f->client_class = -1;
            bool subs = false;
            r = parse_flexopt(p, o, f, &subs);
            if (!r && subs) /* its actions are the sub-options' */
                memset(f, 0, sizeof *f), p->cfg->flexopt_count--;
            pctx_pop(p, o2);
            if (r)
                break;
        }
    }
    pctx_pop(p, old);
    return r;
}

int cfg4_parse_flex(pctx_t *p)
{
    if (p->common->hook_flex_option) {
        int r = parse_flex_option(p, p->common->hook_flex_option);
        if (r)
            return r;
    }
    static const char *const entry_keys[] = {"library", "parameters", NULL};
    static const char *const keys[] = {"identifier-expression", "replace-client-id", "ignore-iaid", NULL};
    json_t *h = p->common->hook_flex_id;
    if (!h)
        return 0;
    size_t old = push_entry(p, h);
    int r = pctx_check_keys(p, h, "hooks-libraries entry", entry_keys);
    json_t *params = NULL;
    if (!r)
        r = pctx_get_map(p, h, "parameters", &params);
    if (!r && !params)
        r = pctx_fail(p, NULL, "libdhcp_flex_id.so requires 'parameters' with 'identifier-expression'");
    char *text = NULL;
    bool ignore_iaid = false;
    if (!r) {
        pctx_push(p, "parameters");
        r = pctx_check_keys(p, params, "flex_id parameters", keys);
        if (!r)
            r = pctx_get_str(p, params, "identifier-expression", &text);
        if (!r && !text)
            r = pctx_fail(p, NULL, "flex_id requires 'identifier-expression'");
        if (!r)
            r = pctx_get_bool(p, params, "replace-client-id", &p->cfg->flex_replace_client_id);
        if (!r)
            r = pctx_get_bool(p, params, "ignore-iaid", &ignore_iaid); /* DHCPv6 only: ignored here, as Kea */
        if (!r && *text)
            r = cfg4_compile_expr(p, "identifier-expression", "flex-id", text, EVAL_STRING, &p->cfg->flex_id);
    }
    free(text);
    pctx_pop(p, old);
    return r;
}
