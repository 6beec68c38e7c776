/* flex-option's sub-option actions on one option of a reply (see cfg_flexsub_t in config/cfg4.h
 * and reply4.h), as Kea 2.2's flex_option applies them to its option objects: the option's own
 * value stays first, its sub-options follow in code order (Kea keeps them in a map by code);
 * option 125 keeps its enterprise id and gets its data-len again. */
#include "dhcp4/reply4.h"

#include <string.h>

#define SUBS_MAX 128

typedef struct sub {
    uint8_t code, len;
    const uint8_t *v;
} sub_t;

typedef struct container {
    bool present, vendor_fmt;        /* in the reply; enterprise id + data-len first (option 125) */
    uint32_t vendor;
    const uint8_t *own;              /* the option's own value, before its sub-options */
    size_t own_len, n;
    sub_t s[SUBS_MAX];
} container_t;

bool reply4_flexsub_has(const reply4_flex_t *f, uint8_t code)
{
    for (size_t i = 0; f && i < f->nsub; i++)
        if (f->sub[i].cfg->container == code)
            return true;
    return false;
}

/* Sub-options of data as TLVs; false when they do not parse (the bytes are then the option's
 * own value, which Kea would not have split either). */
static bool parse_subs(container_t *c, const uint8_t *data, size_t len)
{
    c->n = 0;
    for (size_t i = 0; i < len; i += 2u + data[i + 1]) {
        if (i + 2 > len || i + 2u + data[i + 1] > len || c->n == SUBS_MAX)
            return false;
        c->s[c->n++] = (sub_t){.code = data[i], .len = data[i + 1], .v = data + i + 2};
    }
    return true;
}

static void load(container_t *c, uint8_t code, const uint8_t *data, size_t len, bool own, const optdef_t *def)
{
    memset(c, 0, sizeof *c);
    c->present = data != NULL;
    c->own = data;
    c->own_len = len;
    if (!data || own) /* flex-option's own value is a plain option to Kea, without sub-options */
        return;
    if (code == PKT4_OPT_VIVSO) {
        if (len >= 5 && data[4] == len - 5 && parse_subs(c, data + 5, len - 5)) {
            c->vendor_fmt = true;
            c->vendor = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
            c->own_len = 0;
        }
        return;
    }
    int v = def && optdef_carries_suboptions(def) ? optdef_value_len(def, data, len) : -1;
    if (v >= 0 && parse_subs(c, data + v, len - (size_t)v))
        c->own_len = (size_t)v;
    else
        c->n = 0;
}

static bool has(const container_t *c, uint8_t code)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->s[i].code == code)
            return true;
    return false;
}

static void drop(container_t *c, uint8_t code)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->s[i].code != code)
            c->s[k++] = c->s[i];
    c->n = k;
}

/* Inserted after the sub-options of lower or equal code, as into Kea's multimap. */
static void insert(container_t *c, uint8_t code, const uint8_t *v, size_t len)
{
    if (c->n == SUBS_MAX)
        return;
    size_t at = c->n;
    while (at > 0 && c->s[at - 1].code > code)
        at--;
    memmove(&c->s[at + 1], &c->s[at], (c->n - at) * sizeof *c->s);
    c->s[at] = (sub_t){.code = code, .len = (uint8_t)len, .v = v};
    c->n++;
}

/* One action; true when it changed the container. */
static bool step(container_t *c, const reply4_flexsub_step_t *st)
{
    const cfg_flexsub_t *k = st->cfg;
    if (k->action == CFG_FLEXOPT_REMOVE) {
        if (!c->present || !has(c, k->code) || !st->yes || (k->vendor_id && c->vendor_fmt && c->vendor != k->vendor_id))
            return false;
        drop(c, k->code);
        if (k->container_act && !c->n)
            c->present = false;
        return true;
    }
    if ((!c->present && !k->container_act) || !st->len)
        return false;
    if (c->present && k->vendor_id && c->vendor_fmt && c->vendor != k->vendor_id)
        return false;
    if (k->action == CFG_FLEXOPT_ADD && c->present && has(c, k->code))
        return false;
    drop(c, k->code);
    if (!c->present) { /* a new, empty container (option 125: the sub-option's vendor's) */
        c->present = true;
        c->own_len = 0;
        c->vendor_fmt = k->container == PKT4_OPT_VIVSO && k->vendor_id;
        c->vendor = k->vendor_id;
    }
    insert(c, k->code, st->val, st->len);
    return true;
}

int reply4_flexsub_apply(const reply4_flex_t *f, uint8_t code, const uint8_t *data, size_t len, bool own,
                         uint8_t *out, size_t cap)
{
    container_t c;
    bool changed = false, loaded = false;
    for (size_t i = 0; i < f->nsub; i++) {
        if (f->sub[i].cfg->container != code)
            continue;
        if (!loaded)
            load(&c, code, data, len, own, f->sub[i].cfg->container_def), loaded = true;
        changed |= step(&c, &f->sub[i]);
    }
    if (!loaded || !changed) { /* as it was */
        if (!data || len > cap)
            return -1;
        memcpy(out, data, len);
        return (int)len;
    }
    if (!c.present)
        return -1;
    size_t n = 0, need = c.own_len + (c.vendor_fmt ? 5 : 0);
    for (size_t i = 0; i < c.n; i++)
        need += 2u + c.s[i].len;
    if (need > cap || (c.vendor_fmt && need - 5 > UINT8_MAX)) /* Kea could not send it either */
        return -1;
    if (c.vendor_fmt) {
        uint8_t hdr[5] = {(uint8_t)(c.vendor >> 24), (uint8_t)(c.vendor >> 16), (uint8_t)(c.vendor >> 8),
                          (uint8_t)c.vendor, (uint8_t)(need - 5)};
        memcpy(out, hdr, 5);
        n = 5;
    }
    if (c.own_len)
        memcpy(out + n, c.own, c.own_len);
    n += c.own_len;
    for (size_t i = 0; i < c.n; i++) {
        out[n++] = c.s[i].code;
        out[n++] = c.s[i].len;
        memcpy(out + n, c.s[i].v, c.s[i].len);
        n += c.s[i].len;
    }
    return (int)n;
}
