/* Classifying a packet (see classify.h). */
#include "config/classify.h"

#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "log/log.h"

void cls_set_init(cls_set_t *s)
{
    memset(s->bits, 0, sizeof s->bits);
    s->n = 0;
    cls_set_add(s, CFG_CLASS_ALL);
}

void cls_set_add(cls_set_t *s, int index)
{
    if (index < 0 || index >= CFG_CLASS_MAX || cls_set_has(s, index))
        return;
    s->bits[index / 64] |= (uint64_t)1 << (index % 64);
    if (s->n < CLS_ORDER_MAX)
        s->order[s->n++] = (uint16_t)index;
}

void cls_set_add_names(cls_set_t *s, const cfg_classes_t *d, char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cls_set_add(s, cfg_classes_find(d, names[i]));
}

/* Kea logs every evaluation on the options logger: a match at INFO, no match at debug level 50,
 * an evaluation error at ERROR (the class is then not assigned). */
static void test(const cfg_class_t *k, int index, cls_set_t *s, const eval_pkt_t *view)
{
    bool match = false;
    if (!k->test)
        return;
    if (eval_bool(k->test, view, &match)) {
        LOG_ERROR(NLOG_OPTIONS, "EVAL_RESULT", "Expression %s evaluated to an error: the class is not assigned",
                  k->name);
        return;
    }
    if (match) {
        cls_set_add(s, index);
        LOG_INFO(NLOG_OPTIONS, "EVAL_RESULT", "Expression %s evaluated to true", k->name);
    } else {
        LOG_DEBUG(NLOG_OPTIONS, NLOG_DBG_TRACE_DETAIL, "EVAL_RESULT", "Expression %s evaluated to false", k->name);
    }
}

void classify_run(const cfg_classes_t *d, cls_set_t *s, const eval_pkt_t *view, bool late)
{
    for (size_t i = 0; i < d->norder; i++) {
        const cfg_class_t *k = &d->items[d->order[i]];
        if (k->test && !k->only_if_required && k->after_host == late)
            test(k, d->order[i], s, view);
    }
}

void classify_required(const cfg_classes_t *d, cls_set_t *s, const eval_pkt_t *view, const uint16_t *req, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (req[i] < d->count && !cls_set_has(s, req[i]))
            test(&d->items[req[i]], req[i], s, view);
}

void cls_set_describe(const cfg_classes_t *d, const cls_set_t *s, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n && o + 1 < cap; i++) {
        int w = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", d->items[s->order[i]].name);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}
