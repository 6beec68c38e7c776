/* Dhcp4 "client-classes" and the references to classes elsewhere ("client-class",
 * "require-client-classes", a reservation's "client-classes"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg4_ctx.h"
#include "config/cfg_class.h"

typedef struct names_ctx {
    pctx_t *p;
    cfg_classes_t *dict;      /* classes become known (defined) once their entry is parsed */
} names_ctx_t;

static int option_code(void *arg, const char *name, uint16_t *code)
{
    names_ctx_t *n = arg;
    const optdef_t *d = optdef_find_by_name(n->p->cfg->optdefs, OPTDEF_SPACE_DHCP4, name);
    if (!d)
        return NST_ENOENT;
    *code = d->code;
    return 0;
}

static int class_index(void *arg, const char *name, unsigned *index)
{
    names_ctx_t *n = arg;
    int i = cfg_classes_find(n->dict, name);
    bool ok = i >= 0 && (n->dict->items[i].defined || i < CFG_CLASS_BUILTIN_COUNT);
    if (!ok && cfg_class_builtin_name(name)) {
        ok = true;
        if (i < 0)
            i = cfg_classes_intern(n->dict, name);
    }
    if (!ok || i < 0)
        return NST_ENOENT;
    *index = (unsigned)i;
    return 0;
}

int cfg4_compile_expr(pctx_t *p, const char *key, const char *what, const char *text, enum eval_want want,
                      eval_t **out)
{
    names_ctx_t nc = {p, p->cfg->classes};
    eval_names_t names = {.family = 4, .option_code = option_code, .class_index = class_index, .ctx = &nc,
                          .optdefs = p->cfg->optdefs};
    char e[512];
    *out = NULL;
    if (eval_compile(text, want, &names, out, e, sizeof e))
        return pctx_fail(p, key, "%s: expression '%s': %s", what, text, e);
    return 0;
}

/* Whether the class's test needs the host lookup first (KNOWN / UNKNOWN, or a class that does). */
static bool after_host(const cfg_classes_t *d, const eval_t *test)
{
    unsigned used[64];
    size_t n = eval_classes_used(test, used, ARRAY_SIZE(used));
    if (n > ARRAY_SIZE(used))
        return true; /* more than we looked at: be safe, evaluate late */
    for (size_t i = 0; i < n; i++)
        if (used[i] == CFG_CLASS_KNOWN || used[i] == CFG_CLASS_UNKNOWN || d->items[used[i]].after_host)
            return true;
    return false;
}

static int parse_class(pctx_t *p, json_t *o, cfg_classes_t *d)
{
    static const char *const keys[] = {"name", "test", "option-data", "option-def", "only-if-required",
                                       "next-server", "server-hostname", "boot-file-name", "valid-lifetime",
                                       "min-valid-lifetime", "max-valid-lifetime", NULL};
    if (!json_is_object(o))
        return pctx_fail(p, NULL, "a client-classes entry must be a map");
    int r = pctx_check_keys(p, o, "client-classes entry", keys);
    char *name = NULL, *test = NULL;
    if (!r)
        r = pctx_get_str(p, o, "name", &name);
    if (!r && (!name || !*name))
        r = pctx_fail(p, NULL, "a client class requires a non-empty 'name'");
    if (!r && strlen(name) > CFG_CLASS_NAME_MAX)
        r = pctx_fail(p, "name", "client class name '%.40s...' is longer than %d characters", name, CFG_CLASS_NAME_MAX);
    int idx = -1;
    if (!r) {
        idx = cfg_classes_find(d, name);
        if (idx >= 0 && (d->items[idx].defined || idx < CFG_CLASS_BUILTIN_COUNT))
            r = pctx_fail(p, "name", idx < CFG_CLASS_BUILTIN_COUNT ? "'%s' is a built-in class and cannot be defined"
                                                                  : "client class '%s' is defined twice", name);
        else if (idx < 0 && (idx = cfg_classes_intern(d, name)) < 0)
            r = pctx_fail(p, "name", "more than %d client classes", CFG_CLASS_MAX);
    }
    if (r) {
        free(name);
        return r;
    }
    free(name);
    cfg_class_t *k = &d->items[idx];
    if (!strcmp(k->name, "DROP"))
        d->drop = idx;
    d->order[d->norder++] = (uint16_t)idx;
    r = pctx_get_str(p, o, "test", &test);
    if (!r && test) {
        char what[CFG_CLASS_NAME_MAX + 32];
        snprintf(what, sizeof what, "client class '%s'", k->name);
        eval_t *ev = NULL;
        r = cfg4_compile_expr(p, "test", what, test, EVAL_BOOL, &ev);
        k = &d->items[idx]; /* interning built-in names may have moved the array */
        k->test = ev;
        if (!r)
            k->after_host = after_host(d, ev);
    }
    k->defined = true;
    free(test);
    if (!r)
        r = pctx_get_bool(p, o, "only-if-required", &k->only_if_required);
    if (!r)
        r = pctx_get_ipv4(p, o, "next-server", &k->next_server);
    if (!r)
        r = pctx_get_str(p, o, "server-hostname", &k->server_hostname);
    if (!r)
        r = pctx_get_str(p, o, "boot-file-name", &k->boot_file_name);
    if (!r && json_object_get(o, "valid-lifetime")) {
        k->has_valid = true;
        r = pctx_get_u32(p, o, "valid-lifetime", 0, UINT32_MAX, &k->valid);
        k->valid_min = k->valid_max = k->valid;
    }
    if (!r)
        r = pctx_get_u32(p, o, "min-valid-lifetime", 0, UINT32_MAX, &k->valid_min);
    if (!r)
        r = pctx_get_u32(p, o, "max-valid-lifetime", 0, UINT32_MAX, &k->valid_max);
    if (!r && (json_object_get(o, "min-valid-lifetime") || json_object_get(o, "max-valid-lifetime")) &&
        !k->has_valid)
        r = pctx_fail(p, NULL, "client class '%s': min-valid-lifetime and max-valid-lifetime need valid-lifetime",
                      k->name);
    if (!r && k->has_valid && (k->valid_min > k->valid || k->valid > k->valid_max))
        r = pctx_fail(p, "valid-lifetime", "client class '%s': valid-lifetime %u is not between min-valid-lifetime %u "
                      "and max-valid-lifetime %u", k->name, k->valid, k->valid_min, k->valid_max);
    json_t *list;
    /* the class's own definitions (option 43 and the private options 224-254) come first: its
     * option-data is encoded with them */
    if (!r)
        r = pctx_get_list(p, o, "option-def", &list);
    if (!r && list && json_array_size(list)) {
        k->optdefs = optdef_registry_new();
        r = cfg4_parse_option_defs_into(p, list, k->optdefs, true);
    }
    if (!r)
        r = pctx_get_list(p, o, "option-data", &list);
    if (!r && list) {
        size_t old = pctx_push(p, "option-data");
        r = cfg4_parse_options_local(p, list, &k->options, k->optdefs);
        pctx_pop(p, old);
    }
    return r;
}

int cfg4_parse_classes(pctx_t *p, json_t *d4)
{
    cfg4_t *c = p->cfg;
    c->classes = xcalloc(1, sizeof *c->classes);
    cfg_classes_init(c->classes);
    json_t *list;
    int r = pctx_get_list(p, d4, "client-classes", &list);
    if (r || !list)
        return r;
    c->classes->order = xcalloc(json_array_size(list) + 1, sizeof *c->classes->order);
    size_t old = pctx_push(p, "client-classes");
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        size_t o2 = pctx_push_idx(p, i);
        r = parse_class(p, o, c->classes);
        pctx_pop(p, o2);
        if (r)
            break;
    }
    pctx_pop(p, old);
    for (size_t k = 0; k < c->classes->count; k++)
        c->classes->any_after_host |= c->classes->items[k].after_host;
    return r;
}

int cfg4_class_ref(pctx_t *p, json_t *obj, const char *key, int32_t *out)
{
    char *name = NULL;
    int r = pctx_get_str(p, obj, key, &name);
    if (r || !name)
        return r;
    if (!*name) {
        free(name); /* Kea: an empty client-class means none */
        return 0;
    }
    int i = strlen(name) > CFG_CLASS_NAME_MAX ? -1 : cfg_classes_intern(p->cfg->classes, name);
    if (i < 0)
        r = pctx_fail(p, key, "client class name '%.40s' is too long, or too many client classes", name);
    else
        *out = i;
    free(name);
    return r;
}

int cfg4_class_refs(pctx_t *p, json_t *obj, const char *key, uint16_t **out, size_t *count)
{
    json_t *list;
    int r = pctx_get_list(p, obj, key, &list);
    if (r || !list)
        return r;
    size_t old = pctx_push(p, key);
    *out = xcalloc(json_array_size(list) + 1, sizeof **out);
    *count = 0;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        const char *name = json_string_value(v);
        size_t o2 = pctx_push_idx(p, i);
        if (!name)
            r = pctx_fail(p, NULL, "'%s' entries must be strings", key);
        else if (!*name)
            r = pctx_fail(p, NULL, "'%s' entries must not be empty", key);
        int k = r || strlen(name) > CFG_CLASS_NAME_MAX ? -1 : cfg_classes_intern(p->cfg->classes, name);
        if (!r && k < 0)
            r = pctx_fail(p, NULL, "client class name '%.40s' is too long, or too many client classes", name);
        pctx_pop(p, o2);
        if (r)
            break;
        bool dup = false;
        for (size_t j = 0; j < *count; j++)
            dup |= (*out)[j] == k;
        if (!dup)
            (*out)[(*count)++] = (uint16_t)k;
    }
    pctx_pop(p, old);
    return r;
}

int cfg4_parse_class_use(pctx_t *p, json_t *obj, cfg_class_use_t *out)
{
    out->client_class = -1;
    int r = cfg4_class_ref(p, obj, "client-class", &out->client_class);
    if (!r)
        r = cfg4_class_refs(p, obj, "require-client-classes", &out->required, &out->required_count);
    return r;
}
