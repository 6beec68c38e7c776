/* Fuzz target for the DHCPv4 wire codec. The same bytes are tried as a DHCP message, as an
 * Ethernet/IPv4/UDP frame and as option 82 data; parsed messages are echoed through the reply
 * builder and parsed again, and parsed frames are rebuilt and parsed again (both must round
 * trip). The first byte also picks an option definition to format the input with and to encode
 * the input as csv text. Invariant violations abort. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"
#include "proto/optdef.h"
#include "proto/pkt4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pkt4_t in, back;
static uint8_t obuf[PKT4_MAX_LEN];
static uint8_t fbuf[PKT4_MAX_LEN + 64];

static void check(int cond)
{
    if (!cond)
        abort();
}

static void exercise_pkt(const pkt4_t *p)
{
    char label[512];
    pkt4_describe(p, label, sizeof label);
    pkt4_rai_t rai;
    uint32_t a;
    if (pkt4_rai_get(p, &rai) == 0) {
        (void)pkt4_subopt_ipv4(&rai.link_selection, &a);
        (void)pkt4_subopt_ipv4(&rai.server_id_override, &a);
    }
    (void)pkt4_opt_ipv4(p, PKT4_OPT_REQUESTED_ADDR, &a);
    (void)pkt4_msg_name(p->msg_type);

    /* Echo: same header, message type first, then every other option in order. Options moved
     * out of an overloaded file/sname could push a near-maximal message past 64 KB: skip. */
    if (p->overload && p->wire_len > PKT4_MAX_LEN - 1024)
        return;
    pkt4_out_t o;
    check(pkt4_out_init(&o, obuf, sizeof obuf, &p->hdr) == 0);
    uint8_t mt;
    bool has_mt = pkt4_opt_u8(p, PKT4_OPT_MSG_TYPE, &mt);
    if (has_mt)
        check(pkt4_out_opt_u8(&o, PKT4_OPT_MSG_TYPE, mt) == 0);
    for (size_t i = 0; i < p->opt_count; i++) {
        uint8_t code = pkt4_opt_code_at(p, i);
        if (code == PKT4_OPT_OVERLOAD || (code == PKT4_OPT_MSG_TYPE && has_mt))
            continue;
        size_t n;
        const uint8_t *d = pkt4_opt(p, code, &n);
        check(d != NULL);
        check(pkt4_out_opt(&o, code, d, n) == 0);
    }
    int len = pkt4_out_finish(&o);
    check(len >= PKT4_BOOTP_MIN_LEN);
    check(pkt4_parse(&back, obuf, (size_t)len) == 0);
    check(back.hdr.xid == p->hdr.xid && back.msg_type == p->msg_type);
    for (size_t i = 0; i < p->opt_count; i++) {
        uint8_t code = pkt4_opt_code_at(p, i);
        if (code == PKT4_OPT_OVERLOAD)
            continue;
        size_t n1, n2;
        const uint8_t *d1 = pkt4_opt(p, code, &n1);
        const uint8_t *d2 = pkt4_opt(&back, code, &n2);
        check(d2 != NULL && n1 == n2 && (n1 == 0 || memcmp(d1, d2, n1) == 0));
    }
}

static void exercise_optdef(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    size_t count = optdef_std_count(OPTDEF_SPACE_DHCP4);
    const optdef_t *def = optdef_std_at(OPTDEF_SPACE_DHCP4, data[0] % count);
    char text[1024];
    int n = optdef_format(def, data + 1, size - 1, text, sizeof text);
    if (n >= 0) {
        /* What we print must encode again (strings lose control bytes: length still equal). */
        int m = optdef_encode_csv(def, text, obuf, sizeof obuf, NULL, 0);
        (void)m;
    }
    /* The input as csv text. */
    size_t tl = size - 1 < sizeof text - 1 ? size - 1 : sizeof text - 1;
    memcpy(text, data + 1, tl);
    text[tl] = '\0';
    (void)optdef_encode_csv(def, text, obuf, sizeof obuf, NULL, 0);
    (void)optdef_parse_binary(text, obuf, sizeof obuf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (pkt4_parse(&in, data, size) == 0)
        exercise_pkt(&in);

    frame_udp4_t f;
    if (frame_parse_udp4(data, size, &f) == 0) {
        check(f.payload_len <= size);
        if (pkt4_parse(&in, f.payload, f.payload_len) == 0)
            exercise_pkt(&in);
        int len = frame_build_udp4(fbuf, sizeof fbuf, &f);
        check(len == (int)(FRAME_UDP4_HLEN + f.payload_len));
        frame_udp4_t g;
        check(frame_parse_udp4(fbuf, (size_t)len, &g) == 0);
        check(g.src_ip == f.src_ip && g.dst_ip == f.dst_ip && g.src_port == f.src_port
              && g.dst_port == f.dst_port && g.payload_len == f.payload_len);
        check(memcmp(g.payload, f.payload, f.payload_len) == 0);
    }

    if (frame_parse_udp4_ex(data, size, FRAME_PARSE_NO_UDP_CSUM, &f) == 0
        && pkt4_parse(&in, f.payload, f.payload_len) == 0)
        exercise_pkt(&in);

    pkt4_rai_t rai;
    (void)pkt4_rai_parse(data, size, &rai);

    exercise_optdef(data, size);
    return 0;
}
