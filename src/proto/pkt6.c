/* DHCPv6 message reading and building: see pkt6.h. */
#include "proto/pkt6.h"

#include <string.h>

#include "common/errcode.h"

int pkt6_parse(const uint8_t *buf, size_t len, pkt6_view_t *out)
{
    memset(out, 0, sizeof *out);
    if (len < 1)
        return NST_EMALFORMED;
    out->type = buf[0];
    if (pkt6_is_relay(buf[0])) {
        if (len < PKT6_RELAY_HDR_LEN)
            return NST_ETRUNCATED;
        out->hops = buf[1];
        memcpy(out->link, buf + 2, 16);
        memcpy(out->peer, buf + 18, 16);
        out->opts = buf + PKT6_RELAY_HDR_LEN;
        out->opts_len = len - PKT6_RELAY_HDR_LEN;
        return 0;
    }
    if (len < PKT6_HDR_LEN)
        return NST_ETRUNCATED;
    out->xid = ((uint32_t)buf[1] << 16) | ((uint32_t)buf[2] << 8) | buf[3];
    out->opts = buf + PKT6_HDR_LEN;
    out->opts_len = len - PKT6_HDR_LEN;
    return 0;
}

int pkt6_unrelay(const pkt6_view_t *msg, pkt6_view_t *inner, pkt6_view_t *relays, size_t max, size_t *n)
{
    pkt6_view_t cur = *msg;
    size_t k = 0;
    while (pkt6_is_relay(cur.type)) {
        if (k >= PKT6_MAX_HOPS)
            return NST_EMALFORMED;
        if (k < max)
            relays[k] = cur;
        k++;
        size_t ilen;
        const uint8_t *in = pkt6_opt_find(cur.opts, cur.opts_len, PKT6_OPT_RELAY_MSG, &ilen);
        if (!in || pkt6_parse(in, ilen, &cur) < 0)
            return NST_EMALFORMED;
    }
    *inner = cur;
    if (n)
        *n = k < max ? k : max;
    return 0;
}

bool pkt6_opt_next(pkt6_opt_iter_t *it, uint16_t *code, const uint8_t **data, size_t *len)
{
    if (it->bad || wire_rd_remaining(&it->r) == 0)
        return false;
    uint16_t c = wire_rd_u16(&it->r), l = wire_rd_u16(&it->r);
    const uint8_t *d = wire_rd_ptr(&it->r, l);
    if (!wire_rd_ok(&it->r) || (!d && l)) {
        it->bad = true;
        return false;
    }
    *code = c;
    *data = d;
    *len = l;
    return true;
}

const uint8_t *pkt6_opt_find(const uint8_t *area, size_t alen, uint16_t code, size_t *len)
{
    pkt6_opt_iter_t it;
    pkt6_opt_iter_init(&it, area, alen);
    uint16_t c;
    const uint8_t *d;
    size_t l;
    while (pkt6_opt_next(&it, &c, &d, &l))
        if (c == code) {
            if (len)
                *len = l;
            return d ? d : area;  /* an empty option is present */
        }
    return NULL;
}

int pkt6_status_of(const uint8_t *area, size_t alen)
{
    size_t l;
    const uint8_t *d = pkt6_opt_find(area, alen, PKT6_OPT_STATUS_CODE, &l);
    if (!d)
        return PKT6_STATUS_SUCCESS;
    if (l < 2)
        return -1;
    return (d[0] << 8) | d[1];
}

const uint8_t *pkt6_ia_opts(const uint8_t *ia, size_t len, uint32_t *iaid, size_t *olen)
{
    if (len < 12)
        return NULL;
    if (iaid)
        *iaid = ((uint32_t)ia[0] << 24) | ((uint32_t)ia[1] << 16) | ((uint32_t)ia[2] << 8) | ia[3];
    *olen = len - 12;
    return ia + 12;
}

void pkt6_out_init(pkt6_out_t *o, uint8_t *buf, size_t cap, uint8_t type, uint32_t xid)
{
    memset(o, 0, sizeof *o);
    wire_wr_init(&o->w, buf, cap);
    uint8_t h[4] = {type, (uint8_t)(xid >> 16), (uint8_t)(xid >> 8), (uint8_t)xid};
    pkt6_out_bytes(o, h, 4);
}

void pkt6_out_init_relay(pkt6_out_t *o, uint8_t *buf, size_t cap, uint8_t type, uint8_t hops,
                         const uint8_t link[16], const uint8_t peer[16])
{
    memset(o, 0, sizeof *o);
    wire_wr_init(&o->w, buf, cap);
    uint8_t h[2] = {type, hops};
    pkt6_out_bytes(o, h, 2);
    pkt6_out_bytes(o, link, 16);
    pkt6_out_bytes(o, peer, 16);
}

void pkt6_out_bytes(pkt6_out_t *o, const void *data, size_t len)
{
    uint8_t *p = wire_wr_ptr(&o->w, len);
    if (p && len)
        memcpy(p, data, len);
    if (!p)
        o->err = true;
}

void pkt6_out_u32(pkt6_out_t *o, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    pkt6_out_bytes(o, b, 4);
}

void pkt6_out_begin(pkt6_out_t *o, uint16_t code)
{
    if (o->depth >= PKT6_MAX_NEST) {
        o->err = true;
        return;
    }
    uint8_t h[4] = {(uint8_t)(code >> 8), (uint8_t)code, 0, 0};
    o->nest[o->depth++] = wire_wr_len(&o->w) + 2;
    pkt6_out_bytes(o, h, 4);
}

void pkt6_out_end(pkt6_out_t *o)
{
    if (!o->depth) {
        o->err = true;
        return;
    }
    size_t at = o->nest[--o->depth];
    if (o->err)
        return;
    size_t len = wire_wr_len(&o->w) - at - 2;
    if (len > 0xffff) {
        o->err = true;
        return;
    }
    o->w.buf[at] = (uint8_t)(len >> 8);
    o->w.buf[at + 1] = (uint8_t)len;
}

void pkt6_out_opt(pkt6_out_t *o, uint16_t code, const void *data, size_t len)
{
    if (len > 0xffff) {
        o->err = true;
        return;
    }
    uint8_t h[4] = {(uint8_t)(code >> 8), (uint8_t)code, (uint8_t)(len >> 8), (uint8_t)len};
    pkt6_out_bytes(o, h, 4);
    pkt6_out_bytes(o, data, len);
}

void pkt6_out_opt_u16(pkt6_out_t *o, uint16_t code, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    pkt6_out_opt(o, code, b, 2);
}

int pkt6_out_len(const pkt6_out_t *o)
{
    if (o->err)
        return NST_ENOSPACE;
    if (o->depth)
        return NST_EINVAL;
    return (int)wire_wr_len(&o->w);
}
