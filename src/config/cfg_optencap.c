/* Encapsulated option spaces at one configuration level: each encapsulating option's payload is
 * its value followed by the same level's options of its space, in code order. */
#include "config/cfg_optencap.h"

#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "proto/optdef.h"

const cfg_optfamily_t cfg_optfamily4 = {.std_space = "dhcp4", .hdr = 1};

#define PAYLOAD_MAX 65535

typedef struct sub {
    uint16_t code;
    const uint8_t *data;
    size_t len;
} sub_t;

typedef struct built {
    uint8_t *data;
    size_t len;
    uint8_t state;              /* 0 not built, 1 being built, 2 built */
} built_t;

typedef struct ectx {
    const cfg_optset_t *set;
    const cfg_optencap_t *how;
    const cfg_optfamily_t *fam;
    built_t *out;
    char *err;
    size_t errlen;
} ectx_t;

static const char *space_of(const ectx_t *c, const cfg_option_t *o)
{
    return o->space ? o->space : c->fam->std_space;
}

/* Kea files vendor spaces by enterprise id, so "vendor-0339" is "vendor-339". */
static bool in_space(const ectx_t *c, const cfg_option_t *o, const char *space)
{
    uint32_t v = optdef_vendor_id(space);
    if (v)
        return o->vendor_id == v;
    return strcmp(space_of(c, o), space) == 0;
}

/* Sub-options in data (code, length, value; hdr bytes each), as Kea unpacks them: stops at a
 * truncated one (the rest is dropped) and, when asked, at END, skipping PAD. */
static size_t parse_subs(const cfg_optencap_t *h, unsigned hdr, const uint8_t *d, size_t n, sub_t *subs)
{
    size_t pos = 0, count = 0;
    while (pos < n) {
        if (hdr == 1 && h->end && d[pos] == 255)
            break;
        if (hdr == 1 && h->pad && d[pos] == 0) {
            pos++;
            continue;
        }
        if (n - pos < 2u * hdr)
            break;
        uint16_t code = hdr == 1 ? d[pos] : (uint16_t)(d[pos] << 8 | d[pos + 1]);
        size_t len = hdr == 1 ? d[pos + 1] : (size_t)(d[pos + 2] << 8 | d[pos + 3]);
        if (n - pos - 2u * hdr < len)
            break;
        subs[count++] = (sub_t){code, d + pos + 2u * hdr, len};
        pos += 2u * hdr + len;
    }
    return count;
}

/* Size of one sub-option once written: a DHCPv4 one longer than 255 bytes is split into pieces
 * of the same code (RFC 3396 style, as Kea splits long sub-options). */
static size_t tlv_size(unsigned hdr, size_t len)
{
    if (hdr == 2)
        return 4 + len;
    size_t pieces = len == 0 ? 1 : (len + 254) / 255;
    return 2 * pieces + len;
}

static uint8_t *put_tlv(uint8_t *p, unsigned hdr, const sub_t *s)
{
    if (hdr == 2) {
        *p++ = (uint8_t)(s->code >> 8);
        *p++ = (uint8_t)s->code;
        *p++ = (uint8_t)(s->len >> 8);
        *p++ = (uint8_t)s->len;
        memcpy(p, s->data, s->len);
        return p + s->len;
    }
    size_t left = s->len;
    const uint8_t *d = s->data;
    do {
        size_t n = left > 255 ? 255 : left;
        *p++ = (uint8_t)s->code;
        *p++ = (uint8_t)n;
        memcpy(p, d, n);
        p += n;
        d += n;
        left -= n;
    } while (left);
    return p;
}

static int build(ectx_t *c, size_t i);

/* The sub-options of option i: those in its own data, then the configured ones of its space
 * whose codes are not there yet, each built first when it encapsulates a space itself. */
static int collect(ectx_t *c, size_t i, sub_t *subs, size_t *count)
{
    const cfg_option_t *o = &c->set->items[i];
    const cfg_optencap_t *h = &c->how[i];
    size_t head = h->head < o->len ? h->head : o->len;
    *count = parse_subs(h, c->fam->hdr, o->data + head, o->len - head, subs);
    size_t mine = *count;
    for (size_t j = 0; j < c->set->count; j++) {
        const cfg_option_t *s = &c->set->items[j];
        if (!in_space(c, s, h->encap))
            continue;
        bool present = false;
        for (size_t k = 0; k < mine && !present; k++)
            present = subs[k].code == s->code;
        if (present)
            continue;
        int r = build(c, j);
        if (r)
            return r;
        subs[(*count)++] = (sub_t){s->code, c->out[j].data, c->out[j].len};
    }
    /* Kea keeps sub-options in a map by code: stable insertion sort. */
    for (size_t a = 1; a < *count; a++) {
        sub_t t = subs[a];
        size_t b = a;
        for (; b > 0 && subs[b - 1].code > t.code; b--)
            subs[b] = subs[b - 1];
        subs[b] = t;
    }
    return 0;
}

/* c->out[i]: option i's payload (its data as is when it encapsulates nothing). */
static int build(ectx_t *c, size_t i)
{
    const cfg_option_t *o = &c->set->items[i];
    const cfg_optencap_t *h = &c->how[i];
    built_t *b = &c->out[i];
    if (b->state == 2)
        return 0;
    if (b->state == 1)
        return errf(c->err, c->errlen, NST_ECONFIG, "option %s.%u is inside itself: the option "
                    "spaces it encapsulates form a loop", space_of(c, o), o->code);
    if (!h->encap) {
        b->data = o->data;
        b->len = o->len;
        b->state = 2;
        return 0;
    }
    b->state = 1;
    /* Room for every sub-option found in the data (at least 2 bytes each) plus one per option. */
    sub_t *subs = xmalloc((o->len / 2 + c->set->count + 1) * sizeof *subs);
    size_t n = 0;
    int r = collect(c, i, subs, &n);
    size_t head = h->head < o->len ? h->head : o->len, total = head;
    for (size_t k = 0; !r && k < n; k++)
        total += tlv_size(c->fam->hdr, subs[k].len);
    if (!r && total > PAYLOAD_MAX)
        r = errf(c->err, c->errlen, NST_ECONFIG, "option %s.%u with the options it encapsulates is "
                 "%zu bytes long (at most %d)", space_of(c, o), o->code, total, PAYLOAD_MAX);
    if (!r) {
        b->data = xmalloc(total ? total : 1);
        memcpy(b->data, o->data, head);
        uint8_t *p = b->data + head;
        for (size_t k = 0; k < n; k++)
            p = put_tlv(p, c->fam->hdr, &subs[k]);
        b->len = total;
        b->state = 2;
    }
    free(subs);
    return r;
}

int cfg_optset_encapsulate(cfg_optset_t *set, const cfg_optencap_t *how, const cfg_optfamily_t *fam,
                           char *err, size_t errlen)
{
    if (!set->count)
        return 0;
    ectx_t c = {set, how, fam, xcalloc(set->count, sizeof *c.out), err, errlen};
    int r = 0;
    for (size_t i = 0; i < set->count && !r; i++)
        if (!set->items[i].space && how[i].encap)
            r = build(&c, i);
    for (size_t i = 0; i < set->count; i++) {
        built_t *b = &c.out[i];
        bool owned = b->data && b->data != set->items[i].data;
        if (!r && owned && !set->items[i].space) {
            free(set->items[i].data);
            set->items[i].data = b->data;
            set->items[i].len = (uint16_t)b->len;
        } else if (owned) {
            free(b->data);
        }
    }
    free(c.out);
    return r;
}
