/* flex_option's "sub-options" (Kea 2.2's libdhcp_flex_option.so, built in): actions on one
 * sub-option of a reply's option, checked as Kea 2.2 checks them. An entry with "sub-options"
 * has no action of its own; each sub-option names its space or takes the one its option's
 * definition encapsulates. See cfg_flexsub_t in cfg4.h for what the actions do. */
#include <stdlib.h>
#include <string.h>

#include "config/cfg4_ctx.h"
#include "proto/pkt4.h"

static int cmp_sub(const void *a, const void *b)
{
    const cfg_flexsub_t *x = a, *y = b;
    int kx = x->container << 8 | x->code, ky = y->container << 8 | y->code;
    return (kx > ky) - (kx < ky);
}

/* The space of the sub-options of container (definition cdef): the entry's "space", else the
 * one cdef encapsulates; NULL after an error. */
static const char *sub_space(pctx_t *p, const char *space, uint8_t container, const optdef_t *cdef)
{
    if (space && !optdef_valid_name(space))
        pctx_fail(p, "space", "'%s' is not a valid option space name", space);
    else if (space)
        return space;
    else if (!cdef)
        pctx_fail(p, NULL, "option %u has no definition: a sub-option without 'space' takes the space its option "
                  "encapsulates", container);
    else if (!cdef->encapsulate || !*cdef->encapsulate)
        pctx_fail(p, NULL, "option %u encapsulates no option space: give the sub-option's 'space'", container);
    else
        return cdef->encapsulate;
    return NULL;
}

static int parse_sub(pctx_t *p, json_t *o, uint8_t container, const optdef_t *cdef, cfg_flexsub_t *f)
{
    static const char *const keys[] = {"code", "name", "space", "csv-format", "add", "supersede", "remove",
                                       "container-add", "container-remove", "client-class", NULL};
    if (!json_is_object(o))
        return pctx_fail(p, NULL, "a flex_option 'sub-options' entry must be a map");
    int r = pctx_check_keys(p, o, "flex_option sub-options entry", keys);
    char *name = NULL, *space = NULL;
    uint32_t code = 0;
    if (!r)
        r = cfg4_flex_ident(p, o, 0, UINT8_MAX, &name, &space, &code);
    const char *sp = r ? NULL : sub_space(p, space, container, cdef);
    if (!r && !sp)
        r = NST_ECONFIG;
    const optdef_t *def = NULL;
    if (!r && name && !(def = optdef_find_by_name(p->cfg->optdefs, sp, name)))
        r = pctx_fail(p, "name", "no sub-option named '%s' in space '%s'", name, sp);
    if (!r && def && json_object_get(o, "code") && def->code != code)
        r = pctx_fail(p, "code", "sub-option '%s' has code %u, not %u", name, def->code, code);
    f->container = container;
    f->code = def ? (uint8_t)def->code : (uint8_t)code;
    if (!r)
        r = pctx_get_bool(p, o, "csv-format", &f->csv);
    if (!r && f->csv && !(f->def = def ? def : optdef_find_by_code(p->cfg->optdefs, sp, f->code)))
        r = pctx_fail(p, "csv-format", "csv-format needs a definition of sub-option %u in space '%s'", f->code, sp);
    char what[48];
    snprintf(what, sizeof what, "sub-option %u of option %u", f->code, container);
    if (!r)
        r = cfg4_flex_action(p, o, what, &f->action, &f->expr);
    bool add = true, remove = true;
    if (!r)
        r = pctx_get_bool(p, o, "container-add", &add);
    if (!r)
        r = pctx_get_bool(p, o, "container-remove", &remove);
    f->container_act = f->action == CFG_FLEXOPT_REMOVE ? remove : add;
    if (!r)
        r = cfg4_class_ref(p, o, "client-class", &f->client_class);
    if (!r && container == PKT4_OPT_VIVSO)
        f->vendor_id = optdef_vendor_id(sp);
    f->container_def = cdef;
    free(name);
    free(space);
    return r;
}

int cfg4_parse_flexsubs(pctx_t *p, json_t *o, uint16_t code, const optdef_t *def, int32_t container_class)
{
    json_t *list;
    int r = pctx_get_list(p, o, "sub-options", &list);
    if (r || !list || !json_array_size(list))
        return r;
    cfg4_t *c = p->cfg;
    c->flexsubs = xrealloc(c->flexsubs, (c->flexsub_count + json_array_size(list)) * sizeof *c->flexsubs);
    size_t old = pctx_push(p, "sub-options"), i;
    json_t *e;
    json_array_foreach(list, i, e) {
        size_t o2 = pctx_push_idx(p, i);
        cfg_flexsub_t *f = &c->flexsubs[c->flexsub_count];
        memset(f, 0, sizeof *f);
        f->client_class = -1;
        f->container_class = container_class;
        r = parse_sub(p, e, (uint8_t)code, def, f);
        for (size_t k = 0; !r && k < c->flexsub_count; k++)
            if (c->flexsubs[k].container == f->container && c->flexsubs[k].code == f->code)
                r = pctx_fail(p, NULL, "sub-option %u of option %u was already specified", f->code, f->container);
        pctx_pop(p, o2);
        if (r) {
            eval_free(f->expr);
            break;
        }
        c->flexsub_count++;
    }
    pctx_pop(p, old);
    qsort(c->flexsubs, c->flexsub_count, sizeof *c->flexsubs, cmp_sub);
    return r;
}
