/* DHCPv4 reply builder. */
#include "proto/pkt4.h"

#include <string.h>

#include "common/errcode.h"

#define YIADDR_OFF 16
#define SIADDR_OFF 20
#define FLAGS_OFF 10
#define SNAME_OFF 44
#define FILE_OFF 108

int pkt4_out_init(pkt4_out_t *o, uint8_t *buf, size_t cap, const pkt4_hdr_t *hdr)
{
    wire_wr_init(&o->w, buf, cap);
    o->finished = false;
    if (!buf || cap < PKT4_BOOTP_MIN_LEN) {
        o->w.err = true;
        return NST_ENOSPACE;
    }
    wire_wr_t *w = &o->w;
    wire_wr_u8(w, hdr->op);
    wire_wr_u8(w, hdr->htype);
    wire_wr_u8(w, hdr->hlen <= PKT4_CHADDR_LEN ? hdr->hlen : PKT4_CHADDR_LEN);
    wire_wr_u8(w, hdr->hops);
    wire_wr_u32(w, hdr->xid);
    wire_wr_u16(w, hdr->secs);
    wire_wr_u16(w, hdr->flags);
    wire_wr_u32(w, hdr->ciaddr);
    wire_wr_u32(w, hdr->yiaddr);
    wire_wr_u32(w, hdr->siaddr);
    wire_wr_u32(w, hdr->giaddr);
    wire_wr_bytes(w, hdr->chaddr, PKT4_CHADDR_LEN);
    wire_wr_bytes(w, hdr->sname, PKT4_SNAME_LEN);
    wire_wr_bytes(w, hdr->file, PKT4_FILE_LEN);
    wire_wr_u32(w, PKT4_COOKIE);
    return wire_wr_ok(w) ? 0 : NST_ENOSPACE;
}

static void put_u32_at(pkt4_out_t *o, size_t off, uint32_t v)
{
    if (!wire_wr_ok(&o->w) || o->w.pos < off + 4)
        return;
    uint8_t *p = o->w.buf + off;
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void pkt4_out_set_yiaddr(pkt4_out_t *o, uint32_t addr)
{
    put_u32_at(o, YIADDR_OFF, addr);
}

void pkt4_out_set_siaddr(pkt4_out_t *o, uint32_t addr)
{
    put_u32_at(o, SIADDR_OFF, addr);
}

void pkt4_out_set_flags(pkt4_out_t *o, uint16_t flags)
{
    if (wire_wr_ok(&o->w) && o->w.pos >= PKT4_MIN_LEN)
        wire_wr_put_u16_at(&o->w, FLAGS_OFF, flags);
}

static void set_field(pkt4_out_t *o, size_t off, size_t size, const char *name)
{
    if (!wire_wr_ok(&o->w) || o->w.pos < PKT4_MIN_LEN)
        return;
    uint8_t *f = o->w.buf + off;
    memset(f, 0, size);
    if (name) {
        size_t n = strnlen(name, size - 1);   /* keep a terminating NUL */
        memcpy(f, name, n);
    }
}

void pkt4_out_set_sname(pkt4_out_t *o, const char *name)
{
    set_field(o, SNAME_OFF, PKT4_SNAME_LEN, name);
}

void pkt4_out_set_file(pkt4_out_t *o, const char *name)
{
    set_field(o, FILE_OFF, PKT4_FILE_LEN, name);
}

size_t pkt4_out_room(const pkt4_out_t *o)
{
    size_t space = wire_wr_space(&o->w);
    return o->finished || space == 0 ? 0 : space - 1;
}

int pkt4_out_opt(pkt4_out_t *o, uint8_t code, const void *data, size_t len)
{
    if (!wire_wr_ok(&o->w) || o->finished || code == PKT4_OPT_PAD || code == PKT4_OPT_END)
        return NST_EINVAL;
    if (len && !data)
        return NST_EINVAL;
    /* RFC 3396 §4: an option longer than 255 octets is sent as several consecutive instances of
     * the same code, each holding at most 255 octets; the receiver concatenates them. */
    size_t pieces = len == 0 ? 1 : len / 255 + (len % 255 != 0);
    if (pieces > (SIZE_MAX - len) / 2)
        return NST_ENOSPACE;
    size_t need = len + 2 * pieces;
    if (need > pkt4_out_room(o))
        return NST_ENOSPACE;
    const uint8_t *d = data;
    size_t left = len;
    do {
        size_t n = left > 255 ? 255 : left;
        wire_wr_u8(&o->w, code);
        wire_wr_u8(&o->w, (uint8_t)n);
        wire_wr_bytes(&o->w, d, n);
        d += n;
        left -= n;
    } while (left > 0);
    return wire_wr_ok(&o->w) ? 0 : NST_ENOSPACE;
}

int pkt4_out_opt_u8(pkt4_out_t *o, uint8_t code, uint8_t v)
{
    return pkt4_out_opt(o, code, &v, 1);
}

int pkt4_out_opt_u16(pkt4_out_t *o, uint8_t code, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    return pkt4_out_opt(o, code, b, sizeof b);
}

int pkt4_out_opt_u32(pkt4_out_t *o, uint8_t code, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    return pkt4_out_opt(o, code, b, sizeof b);
}

int pkt4_out_opt_ipv4(pkt4_out_t *o, uint8_t code, uint32_t addr)
{
    return pkt4_out_opt_u32(o, code, addr);
}

int pkt4_out_finish(pkt4_out_t *o)
{
    if (o->finished || !wire_wr_ok(&o->w) || o->w.pos < PKT4_MIN_LEN)
        return NST_EINVAL;
    wire_wr_u8(&o->w, PKT4_OPT_END);
    /* RFC 1542 §2.1: a BOOTP message is at least 300 octets; pad the vendor area with zeros
     * (pad options) so relays and old clients do not drop a short reply. */
    if (wire_wr_len(&o->w) < PKT4_BOOTP_MIN_LEN)
        wire_wr_fill(&o->w, PKT4_OPT_PAD, PKT4_BOOTP_MIN_LEN - wire_wr_len(&o->w));
    if (!wire_wr_ok(&o->w))
        return NST_ENOSPACE;
    o->finished = true;
    return (int)wire_wr_len(&o->w);
}
