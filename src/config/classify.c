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

static void test(const cfg_class_t *k, int index, cls_set_t *s, const eval_pkt_t *view)
{
    bool match = false;
    int r = k->test ? eval_bool(k->test, view, &match) : NST_EINVAL;
    if (r == 0 && match)
        cls_set_add(s, index);
    if (nlog_enabled(NLOG_EVAL, NLOG_DEBUG, NLOG_DBG_TRACE))
        nlog_write(NLOG_EVAL, NLOG_DEBUG, NLOG_DBG_TRACE, "EVAL_RESULT",
                   r ? "the test of class %s could not be evaluated: the class is not assigned"
                     : "the test of class %s evaluated to %s", k->name, match ? "true" : "false");
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
