/* flex-option's actions on a reply (see cfg_flexopt_t in config/cfg4.h and reply4.h). */
#include "dhcp4/reply4.h"

#include <string.h>

#include "log/log.h"

static reply4_flex_entry_t *entry(reply4_flex_t *f, uint8_t code)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->e[i].code == code)
            return &f->e[i];
    if (f->n == REPLY4_FLEX_MAX)
        return NULL;
    f->e[f->n] = (reply4_flex_entry_t){.code = code, .state = REPLY4_FLEX_ORIG};
    return &f->e[f->n++];
}

/* The value of a string action (add, supersede) into f's buffer: raw, or text encoded with the
 * option's definition (csv-format); 0 with *len 0 when empty or not encodable. */
static int value(reply4_flex_t *f, const eval_t *expr, bool csv, const optdef_t *def, uint16_t code,
                 const eval_pkt_t *view, uint8_t **out, size_t *len)
{
    uint8_t raw[EVAL_VALUE_MAX + 1];
    size_t n = 0;
    *len = 0;
    if (eval_string(expr, view, raw, EVAL_VALUE_MAX, &n) || !n)
        return 0;
    size_t room = sizeof f->buf - f->used;
    uint8_t *dst = f->buf + f->used;
    if (csv) {
        raw[n] = '\0';
        char err[128];
        int w = optdef_encode_csv(def, (const char *)raw, dst, room < 255 ? room : 255, err, sizeof err);
        if (w < 0) {
            LOG_DEBUG(NLOG_OPTIONS, NLOG_DBG_TRACE, "FLEX_OPTION_PROCESS_ERROR",
                      "flex_option: the value of option %u could not be encoded: %s", code, err);
            return 0;
        }
        n = (size_t)w;
    } else {
        if (n > 255 || n > room)
            n = room < 255 ? room : 255;
        memcpy(dst, raw, n);
    }
    f->used += n;
    *out = dst;
    *len = n;
    return 0;
}

/* The sub-option actions whose classes match, each with its verdict or value. */
static void plan_subs(reply4_flex_t *f, const cfg4_t *cfg, const class4_t *cl)
{
    for (size_t i = 0; i < cfg->flexsub_count && f->nsub < REPLY4_FLEX_MAX; i++) {
        const cfg_flexsub_t *k = &cfg->flexsubs[i];
        if ((k->container_class >= 0 && !cls_set_has(&cl->set, k->container_class)) ||
            (k->client_class >= 0 && !cls_set_has(&cl->set, k->client_class)))
            continue;
        reply4_flexsub_step_t *st = &f->sub[f->nsub++];
        *st = (reply4_flexsub_step_t){.cfg = k};
        if (k->action == CFG_FLEXOPT_REMOVE) {
            if (eval_bool(k->expr, &cl->view, &st->yes))
                st->yes = false;
            continue;
        }
        uint8_t *v;
        size_t len;
        value(f, k->expr, k->csv, k->def, k->code, &cl->view, &v, &len);
        st->val = v;
        st->len = (uint16_t)len;
    }
}

void reply4_flex_plan(reply4_flex_t *f, const cfg4_t *cfg, const class4_t *cl)
{
    f->n = 0;
    f->used = 0;
    f->nsub = 0;
    if (cl)
        plan_subs(f, cfg, cl);
    for (size_t i = 0; cl && i < cfg->flexopt_count; i++) {
        const cfg_flexopt_t *o = &cfg->flexopts[i];
        if (o->client_class >= 0 && !cls_set_has(&cl->set, o->client_class))
            continue;
        reply4_flex_entry_t *e = o->code <= UINT8_MAX ? entry(f, (uint8_t)o->code) : NULL;
        if (!e)
            continue;
        if (o->action == CFG_FLEXOPT_REMOVE) {
            bool yes = false;
            if (eval_bool(o->expr, &cl->view, &yes) == 0 && yes)
                e->state = REPLY4_FLEX_REMOVED;
            continue;
        }
        uint8_t *v;
        size_t len;
        value(f, o->expr, o->csv, o->def, o->code, &cl->view, &v, &len);
        if (!len)
            continue;
        if (o->action == CFG_FLEXOPT_SUPERSEDE || e->state == REPLY4_FLEX_REMOVED)
            e->state = REPLY4_FLEX_VALUE, e->val = v, e->len = (uint16_t)len;
        else if (e->state == REPLY4_FLEX_ORIG)
            e->state = REPLY4_FLEX_ORIG_OR, e->val = v, e->len = (uint16_t)len; /* add */
    }
}

const reply4_flex_entry_t *reply4_flex_find(const reply4_flex_t *f, uint8_t code)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (f->e[i].code == code)
            return &f->e[i];
    return NULL;
}
