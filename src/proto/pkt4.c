/* DHCPv4 message parsing, option lookup, relay agent information and log labels. */
#include "proto/pkt4.h"

#include <stdio.h>
#include <string.h>

#include "common/errcode.h"

/* Client identifiers Kea accepts for its label (Kea ClientId: 2..128 bytes). */
#define PKT4_CID_MIN 2
#define PKT4_CID_MAX 128
/* Offsets of the sname and file fields in the BOOTP header (RFC 2131 §2, figure 1). */
#define SNAME_OFF 44
#define FILE_OFF 108

static inline bool opt_is_present(const pkt4_t *p, uint8_t code)
{
    return (p->opt_present[code >> 3] >> (code & 7)) & 1;
}

static inline void opt_set_present(pkt4_t *p, uint8_t code)
{
    p->opt_present[code >> 3] |= (uint8_t)(1u << (code & 7));
}

enum walk_pass { WALK_COUNT, WALK_COPY };

/* Walks one option area (the options field, or file / sname when overloaded).
 * RFC 2132 §2: pad (0) and end (255) are one byte long; every other option is code, length,
 * data. Options after end are ignored. An option whose length byte or data runs past the end of
 * its area makes the whole message malformed.
 * WALK_COUNT records first appearance and accumulates lengths; WALK_COPY copies the data to the
 * offsets computed between the passes (opt_len is reset to 0 before and re-accumulated). */
static int walk_area(pkt4_t *p, const uint8_t *area, size_t alen, enum walk_pass pass)
{
    wire_rd_t r;
    wire_rd_init(&r, area, alen);
    while (wire_rd_remaining(&r) > 0) {
        uint8_t code = wire_rd_u8(&r);
        if (code == PKT4_OPT_PAD)
            continue;
        if (code == PKT4_OPT_END)
            break;
        uint8_t olen = wire_rd_u8(&r);
        const uint8_t *val = wire_rd_ptr(&r, olen);
        if (!wire_rd_ok(&r))
            return NST_EMALFORMED;
        /* An empty host name is not RFC-compliant but some clients send it; like Kea, drop
         * that option rather than the message. */
        if (code == PKT4_OPT_HOST_NAME && olen == 0)
            continue;
        if (pass == WALK_COUNT) {
            if (!opt_is_present(p, code)) {
                opt_set_present(p, code);
                p->opt_order[p->opt_count++] = code;
                p->opt_len[code] = 0;
            }
        } else if (olen) {
            memcpy(p->data + p->opt_off[code] + p->opt_len[code], val, olen);
        }
        /* Total option data never exceeds the message length (<= 65535), so this cannot wrap. */
        p->opt_len[code] = (uint16_t)(p->opt_len[code] + olen);
    }
    return 0;
}

static void reset_options(pkt4_t *p)
{
    memset(p->opt_present, 0, sizeof p->opt_present);
    p->opt_count = 0;
    p->msg_type = PKT4_NOTYPE;
    p->overload = 0;
}

/* Runs one pass over every option area in RFC 3396 §7 order: the options field, then file,
 * then sname. */
static int walk_all(pkt4_t *p, const uint8_t *buf, size_t len, enum walk_pass pass)
{
    int ret = walk_area(p, buf + PKT4_MIN_LEN, len - PKT4_MIN_LEN, pass);
    if (ret == 0 && (p->overload & PKT4_OVERLOAD_FILE))
        ret = walk_area(p, buf + FILE_OFF, PKT4_FILE_LEN, pass);
    if (ret == 0 && (p->overload & PKT4_OVERLOAD_SNAME))
        ret = walk_area(p, buf + SNAME_OFF, PKT4_SNAME_LEN, pass);
    return ret;
}

int pkt4_parse(pkt4_t *p, const uint8_t *buf, size_t len)
{
    reset_options(p);
    p->wire_len = 0;
    p->has_remote_mac = false;
    if (len < PKT4_MIN_LEN)
        return NST_ETRUNCATED;
    if (len > PKT4_MAX_LEN)
        return NST_EMALFORMED;

    wire_rd_t r;
    wire_rd_init(&r, buf, len);
    pkt4_hdr_t *h = &p->hdr;
    h->op = wire_rd_u8(&r);
    h->htype = wire_rd_u8(&r);
    h->hlen = wire_rd_u8(&r);
    h->hops = wire_rd_u8(&r);
    h->xid = wire_rd_u32(&r);
    h->secs = wire_rd_u16(&r);
    h->flags = wire_rd_u16(&r);
    h->ciaddr = wire_rd_u32(&r);
    h->yiaddr = wire_rd_u32(&r);
    h->siaddr = wire_rd_u32(&r);
    h->giaddr = wire_rd_u32(&r);
    wire_rd_bytes(&r, h->chaddr, PKT4_CHADDR_LEN);
    wire_rd_bytes(&r, h->sname, PKT4_SNAME_LEN);
    wire_rd_bytes(&r, h->file, PKT4_FILE_LEN);
    uint32_t cookie = wire_rd_u32(&r);
    if (!wire_rd_ok(&r))
        return NST_ETRUNCATED;
    /* RFC 2131 §2: chaddr is 16 octets, so hlen cannot meaningfully exceed 16. */
    if (h->hlen > PKT4_CHADDR_LEN)
        return NST_EMALFORMED;
    /* RFC 2131 §3: the first four octets of the options field are the magic cookie. A plain
     * BOOTP message (no cookie) is not handled. */
    if (cookie != PKT4_COOKIE)
        return NST_EMALFORMED;

    /* Pass 1 on the options field alone finds option 52 before file/sname are walked. */
    int ret = walk_area(p, buf + PKT4_MIN_LEN, len - PKT4_MIN_LEN, WALK_COUNT);
    if (ret == 0 && opt_is_present(p, PKT4_OPT_OVERLOAD)) {
        /* RFC 2132 §9.3: length 1, value 1 (file), 2 (sname) or 3 (both). */
        if (p->opt_len[PKT4_OPT_OVERLOAD] != 1) {
            ret = NST_EMALFORMED;
        } else {
            /* Read the value straight from the wire: data[] is not filled yet. */
            wire_rd_t o;
            wire_rd_init(&o, buf + PKT4_MIN_LEN, len - PKT4_MIN_LEN);
            uint8_t val = 0;
            while (wire_rd_remaining(&o) > 0) {
                uint8_t c = wire_rd_u8(&o);
                if (c == PKT4_OPT_PAD)
                    continue;
                if (c == PKT4_OPT_END)
                    break;
                uint8_t l = wire_rd_u8(&o);
                const uint8_t *v = wire_rd_ptr(&o, l);
                if (c == PKT4_OPT_OVERLOAD && l == 1 && v) {
                    val = v[0];
                    break;
                }
            }
            if (val < PKT4_OVERLOAD_FILE || val > PKT4_OVERLOAD_BOTH)
                ret = NST_EMALFORMED;
            else
                p->overload = val;
        }
    }
    if (ret == 0 && (p->overload & PKT4_OVERLOAD_FILE))
        ret = walk_area(p, buf + FILE_OFF, PKT4_FILE_LEN, WALK_COUNT);
    if (ret == 0 && (p->overload & PKT4_OVERLOAD_SNAME))
        ret = walk_area(p, buf + SNAME_OFF, PKT4_SNAME_LEN, WALK_COUNT);
    if (ret != 0) {
        reset_options(p);
        return ret;
    }

    /* Lay the codes out contiguously in order of first appearance, then copy. */
    size_t off = 0;
    for (size_t i = 0; i < p->opt_count; i++) {
        uint8_t code = p->opt_order[i];
        p->opt_off[code] = (uint16_t)off;
        off += p->opt_len[code];
        p->opt_len[code] = 0;
    }
    /* The copy pass walks exactly what the count pass accepted, so it cannot fail. */
    ret = walk_all(p, buf, len, WALK_COPY);
    if (ret != 0) {
        reset_options(p);
        return ret;
    }

    uint8_t mt;
    if (pkt4_opt_u8(p, PKT4_OPT_MSG_TYPE, &mt))
        p->msg_type = mt;
    p->wire_len = len;
    return 0;
}

const uint8_t *pkt4_opt(const pkt4_t *p, uint8_t code, size_t *len)
{
    if (!opt_is_present(p, code)) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = p->opt_len[code];
    return p->data + p->opt_off[code];
}

bool pkt4_has_opt(const pkt4_t *p, uint8_t code)
{
    return opt_is_present(p, code);
}

static const uint8_t *opt_exact(const pkt4_t *p, uint8_t code, size_t want)
{
    size_t n;
    const uint8_t *d = pkt4_opt(p, code, &n);
    return d && n == want ? d : NULL;
}

bool pkt4_opt_u8(const pkt4_t *p, uint8_t code, uint8_t *out)
{
    const uint8_t *d = opt_exact(p, code, 1);
    if (d)
        *out = d[0];
    return d != NULL;
}

bool pkt4_opt_u16(const pkt4_t *p, uint8_t code, uint16_t *out)
{
    const uint8_t *d = opt_exact(p, code, 2);
    if (d)
        *out = (uint16_t)((d[0] << 8) | d[1]);
    return d != NULL;
}

bool pkt4_opt_u32(const pkt4_t *p, uint8_t code, uint32_t *out)
{
    const uint8_t *d = opt_exact(p, code, 4);
    if (d)
        *out = ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
    return d != NULL;
}

bool pkt4_opt_ipv4(const pkt4_t *p, uint8_t code, uint32_t *out)
{
    return pkt4_opt_u32(p, code, out);
}

bool pkt4_sname_is_options(const pkt4_t *p)
{
    return (p->overload & PKT4_OVERLOAD_SNAME) != 0;
}

bool pkt4_file_is_options(const pkt4_t *p)
{
    return (p->overload & PKT4_OVERLOAD_FILE) != 0;
}

/* ---- option 82 ------------------------------------------------------------------------------ */

static void rai_keep(pkt4_subopt_t *s, const uint8_t *data, uint8_t len)
{
    if (s->present)
        return;
    s->present = true;
    s->data = data;
    s->len = len;
}

int pkt4_rai_parse(const uint8_t *data, size_t len, pkt4_rai_t *out)
{
    memset(out, 0, sizeof *out);
    wire_rd_t r;
    wire_rd_init(&r, data, len);
    /* RFC 3046 §2.0: the option holds a sequence of SubOpt/Length/Value tuples; there is no pad
     * or end sub-option. */
    while (wire_rd_remaining(&r) > 0) {
        uint8_t code = wire_rd_u8(&r);
        uint8_t slen = wire_rd_u8(&r);
        const uint8_t *val = wire_rd_ptr(&r, slen);
        if (!wire_rd_ok(&r))
            return NST_EMALFORMED;
        out->count++;
        switch (code) {
        case PKT4_RAI_CIRCUIT_ID:
            rai_keep(&out->circuit_id, val, slen);
            break;
        case PKT4_RAI_REMOTE_ID:
            rai_keep(&out->remote_id, val, slen);
            break;
        case PKT4_RAI_LINK_SELECTION:
            rai_keep(&out->link_selection, val, slen);
            break;
        case PKT4_RAI_SUBSCRIBER_ID:
            rai_keep(&out->subscriber_id, val, slen);
            break;
        case PKT4_RAI_SERVER_ID_OVERRIDE:
            rai_keep(&out->server_id_override, val, slen);
            break;
        case PKT4_RAI_RELAY_PORT:
            rai_keep(&out->relay_port, val, slen);
            break;
        default:
            break;
        }
    }
    return 0;
}

int pkt4_rai_get(const pkt4_t *p, pkt4_rai_t *out)
{
    size_t n;
    const uint8_t *d = pkt4_opt(p, PKT4_OPT_RAI, &n);
    if (!d) {
        memset(out, 0, sizeof *out);
        return NST_ENOENT;
    }
    return pkt4_rai_parse(d, n, out);
}

bool pkt4_subopt_ipv4(const pkt4_subopt_t *s, uint32_t *out)
{
    if (!s->present || s->len != 4)
        return false;
    const uint8_t *d = s->data;
    *out = ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
    return true;
}

/* ---- names and labels ----------------------------------------------------------------------- */

const char *pkt4_msg_name(unsigned type)
{
    static const char *const names[] = {
        [PKT4_DISCOVER] = "DHCPDISCOVER",
        [PKT4_OFFER] = "DHCPOFFER",
        [PKT4_REQUEST] = "DHCPREQUEST",
        [PKT4_DECLINE] = "DHCPDECLINE",
        [PKT4_ACK] = "DHCPACK",
        [PKT4_NAK] = "DHCPNAK",
        [PKT4_RELEASE] = "DHCPRELEASE",
        [PKT4_INFORM] = "DHCPINFORM",
        [PKT4_LEASEQUERY] = "DHCPLEASEQUERY",
        [PKT4_LEASEUNASSIGNED] = "DHCPLEASEUNASSIGNED",
        [PKT4_LEASEUNKNOWN] = "DHCPLEASEUNKNOWN",
        [PKT4_LEASEACTIVE] = "DHCPLEASEACTIVE",
        [PKT4_BULKLEASEQUERY] = "DHCPBULKLEASEQUERY",
        [PKT4_LEASEQUERYDONE] = "DHCPLEASEQUERYDONE",
        [PKT4_LEASEQUERYSTATUS] = "DHCPLEASEQUERYSTATUS",
        [PKT4_TLS] = "DHCPTLS",
    };
    if (type < sizeof names / sizeof names[0] && names[type])
        return names[type];
    return "UNKNOWN";
}

/* Appends "xx:yy:..." to buf at *pos (snprintf-style accounting). */
static void put_hex(char *buf, size_t cap, size_t *pos, const uint8_t *d, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char tmp[3] = {digits[d[i] >> 4], digits[d[i] & 15], ':'};
        size_t k = i + 1 < n ? 3 : 2;
        for (size_t j = 0; j < k; j++, (*pos)++)
            if (*pos + 1 < cap)
                buf[*pos] = tmp[j];
    }
}

static void put_str(char *buf, size_t cap, size_t *pos, const char *s)
{
    for (; *s; s++, (*pos)++)
        if (*pos + 1 < cap)
            buf[*pos] = *s;
}

int pkt4_describe(const pkt4_t *p, char *buf, size_t cap)
{
    /* Kea Pkt4::getLabel(): "[hwtype=H hw:addr], cid=[..], tid=0x..", with
     * " (malformed client-id)" appended when option 61 is shorter than 2 or longer than 128. */
    size_t pos = 0;
    char num[32];
    snprintf(num, sizeof num, "[hwtype=%u ", (unsigned)p->hdr.htype);
    put_str(buf, cap, &pos, num);
    size_t hlen = p->hdr.hlen <= PKT4_CHADDR_LEN ? p->hdr.hlen : PKT4_CHADDR_LEN;
    put_hex(buf, cap, &pos, p->hdr.chaddr, hlen);
    put_str(buf, cap, &pos, "], cid=[");
    size_t cid_len;
    const uint8_t *cid = pkt4_opt(p, PKT4_OPT_CLIENT_ID, &cid_len);
    bool cid_ok = cid && cid_len >= PKT4_CID_MIN && cid_len <= PKT4_CID_MAX;
    if (cid_ok)
        put_hex(buf, cap, &pos, cid, cid_len);
    else
        put_str(buf, cap, &pos, "no info");
    snprintf(num, sizeof num, "], tid=0x%x", (unsigned)p->hdr.xid);
    put_str(buf, cap, &pos, num);
    if (cid && !cid_ok)
        put_str(buf, cap, &pos, " (malformed client-id)");
    if (cap > 0)
        buf[pos < cap ? pos : cap - 1] = '\0';
    return (int)pos;
}

int pkt4_peek_type(const uint8_t *buf, size_t len)
{
    if (len < 240 || ((uint32_t)buf[236] << 24 | (uint32_t)buf[237] << 16 | (uint32_t)buf[238] << 8 | buf[239]) !=
                         PKT4_COOKIE)
        return 0;
    for (size_t i = 240; i < len;) {
        uint8_t code = buf[i];
        if (code == PKT4_OPT_PAD) {
            i++;
            continue;
        }
        if (code == PKT4_OPT_END || i + 1 >= len)
            return 0;
        size_t olen = buf[i + 1];
        if (i + 2 + olen > len)
            return 0;
        if (code == PKT4_OPT_MSG_TYPE)
            return olen == 1 ? buf[i + 2] : 0; /* as pkt4_parse: another length is no type */
        i += 2 + olen;
    }
    return 0;
}
