/* The DHCPv4 packet view: eval_pkt_t callbacks over a pkt4_t and the daemon's context. */
#include <string.h>

#include "eval/eval_int.h"
#include "eval/eval_view4.h"
#include "proto/optdef.h"

static bool v4_option(const eval_pkt_t *v, uint16_t code, const uint8_t **data, size_t *len)
{
    if (code > 255)
        return false;
    const uint8_t *d = pkt4_opt(v->pkt, (uint8_t)code, len);
    *data = d;
    return d != NULL;
}

static bool v4_relay(const eval_pkt_t *v, int nest, uint16_t code, const uint8_t **data, size_t *len)
{
    size_t n;
    const uint8_t *rai = pkt4_opt(v->pkt, PKT4_OPT_RAI, &n);
    (void)nest;
    return rai && eval_tlv_find(4, true, rai, n, code, data, len);
}

static int put32(uint8_t *out, size_t cap, uint32_t x)
{
    if (cap < 4)
        return -1;
    out[0] = (uint8_t)(x >> 24), out[1] = (uint8_t)(x >> 16), out[2] = (uint8_t)(x >> 8);
    out[3] = (uint8_t)x;
    return 4;
}

/* Kea's Pkt4::len(): the header and every option as parsed (code, length, data). */
static uint32_t kea_len(const pkt4_t *p)
{
    uint32_t n = PKT4_HDR_LEN;
    for (size_t i = 0; i < p->opt_count; i++)
        n += 2 + p->opt_len[pkt4_opt_code_at(p, i)];
    return n;
}

static int v4_field(const eval_pkt_t *v, enum eval_field f, uint8_t *out, size_t cap)
{
    const pkt4_t *p = v->pkt;
    const eval_view4_ctx_t *c = v->arg;
    switch (f) {
    case EVAL_PKT_IFACE: {
        size_t n = c->iface ? strlen(c->iface) : 0;
        n = n < cap ? n : cap;
        memcpy(out, c->iface ? c->iface : "", n);
        return (int)n;
    }
    case EVAL_PKT_SRC: return put32(out, cap, c->src);
    case EVAL_PKT_DST: return put32(out, cap, c->dst);
    case EVAL_PKT_LEN: return put32(out, cap, kea_len(p));
    case EVAL_PKT4_MAC: {
        size_t n = p->hdr.hlen <= PKT4_CHADDR_LEN ? p->hdr.hlen : PKT4_CHADDR_LEN;
        n = n < cap ? n : cap;
        memcpy(out, p->hdr.chaddr, n);
        return (int)n;
    }
    case EVAL_PKT4_HLEN: case EVAL_PKT4_HTYPE:
        if (cap < 1)
            return -1;
        out[0] = f == EVAL_PKT4_HLEN ? p->hdr.hlen : p->hdr.htype;
        return 1;
    case EVAL_PKT4_CIADDR: return put32(out, cap, p->hdr.ciaddr);
    case EVAL_PKT4_GIADDR: return put32(out, cap, p->hdr.giaddr);
    case EVAL_PKT4_YIADDR: return put32(out, cap, p->hdr.yiaddr);
    case EVAL_PKT4_SIADDR: return put32(out, cap, p->hdr.siaddr);
    case EVAL_PKT4_MSGTYPE: return put32(out, cap, p->msg_type);
    case EVAL_PKT4_TRANSID: return put32(out, cap, p->hdr.xid);
    default: return -1;
    }
}

static bool v4_in_class(const eval_pkt_t *v, unsigned index)
{
    const eval_view4_ctx_t *c = v->arg;
    return c->in_class && c->in_class(c->arg, index);
}

static bool v4_decoded(const eval_pkt_t *v, uint16_t code)
{
    const eval_view4_ctx_t *c = v->arg;
    return c->deferred_decoded || !optdef_class_may_define(OPTDEF_SPACE_DHCP4, code);
}

void eval_view4(eval_pkt_t *v, const pkt4_t *p, const eval_view4_ctx_t *ctx)
{
    *v = (eval_pkt_t){
        .family = 4,
        .pkt = p,
        .arg = (void *)ctx,
        .option = v4_option,
        .relay_option = v4_relay,
        .field = v4_field,
        .in_class = v4_in_class,
        .decoded = v4_decoded,
    };
}
