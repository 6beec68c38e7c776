/* Ethernet II + IPv4 + UDP framing, checksums and the receive BPF filter. */
#include "proto/frame.h"

#include <string.h>

#include "common/errcode.h"
#include "proto/wire.h"

#define IPPROTO_UDP_NUM 17
#define IP_FLAG_DF 0x4000
#define IP_FLAG_MF 0x2000
#define IP_OFFSET_MASK 0x1fff

uint32_t frame_csum_add(uint32_t sum, const uint8_t *data, size_t len)
{
    /* RFC 1071 §4.1: sum 16-bit big-endian words; an odd last byte is padded with zero.
     * Folding as we go keeps the 32-bit accumulator from overflowing on any length. */
    size_t i = 0;
    for (; i + 1 < len; i += 2) {
        sum += (uint32_t)(data[i] << 8 | data[i + 1]);
        if (sum & 0x80000000u)
            sum = (sum & 0xffff) + (sum >> 16);
    }
    if (i < len)
        sum += (uint32_t)data[i] << 8;
    return sum;
}

uint16_t frame_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* Pseudo-header sum for UDP over IPv4 (RFC 768): source, destination, zero, protocol, length. */
static uint32_t udp_pseudo_sum(uint32_t src, uint32_t dst, uint16_t udp_len)
{
    uint32_t sum = 0;
    sum += src >> 16;
    sum += src & 0xffff;
    sum += dst >> 16;
    sum += dst & 0xffff;
    sum += IPPROTO_UDP_NUM;
    sum += udp_len;
    return sum;
}

int frame_parse_udp4(const uint8_t *buf, size_t len, frame_udp4_t *out)
{
    return frame_parse_udp4_ex(buf, len, 0, out);
}

int frame_parse_udp4_ex(const uint8_t *buf, size_t len, unsigned flags, frame_udp4_t *out)
{
    memset(out, 0, sizeof *out);
    wire_rd_t r;
    wire_rd_init(&r, buf, len);
    wire_rd_bytes(&r, out->dst_mac, 6);
    wire_rd_bytes(&r, out->src_mac, 6);
    uint16_t ethertype = wire_rd_u16(&r);
    if (!wire_rd_ok(&r))
        return NST_ETRUNCATED;
    if (ethertype != FRAME_ETHERTYPE_IPV4)
        return NST_ENOENT;

    /* IPv4 header (RFC 791 §3.1). */
    const uint8_t *ip = buf + FRAME_ETH_HLEN;
    size_t ip_avail = len - FRAME_ETH_HLEN;
    uint8_t vihl = wire_rd_u8(&r);
    wire_rd_skip(&r, 1);                     /* TOS */
    uint16_t total_len = wire_rd_u16(&r);
    wire_rd_skip(&r, 2);                     /* identification */
    uint16_t frag = wire_rd_u16(&r);
    wire_rd_skip(&r, 1);                     /* TTL */
    uint8_t proto = wire_rd_u8(&r);
    wire_rd_skip(&r, 2);                     /* header checksum, verified below */
    out->src_ip = wire_rd_u32(&r);
    out->dst_ip = wire_rd_u32(&r);
    if (!wire_rd_ok(&r))
        return NST_ETRUNCATED;
    if ((vihl >> 4) != 4)
        return NST_EMALFORMED;
    size_t ihl = (size_t)(vihl & 0x0f) * 4;
    if (ihl < FRAME_IP4_HLEN)
        return NST_EMALFORMED;
    if (total_len < ihl)
        return NST_EMALFORMED;
    if (total_len > ip_avail)
        return NST_ETRUNCATED;
    /* Frames may carry link-layer padding after the IP datagram: only total_len counts. */
    if (frame_csum_fold(frame_csum_add(0, ip, ihl)) != 0xffff)
        return NST_EMALFORMED;
    if (proto != IPPROTO_UDP_NUM)
        return NST_ENOENT;
    /* Reassembly is not supported: reject every fragment, first ones (MF) included. */
    if ((frag & IP_FLAG_MF) || (frag & IP_OFFSET_MASK))
        return NST_EMALFORMED;

    /* UDP header (RFC 768). */
    wire_rd_t u;
    wire_rd_init(&u, ip + ihl, total_len - ihl);
    out->src_port = wire_rd_u16(&u);
    out->dst_port = wire_rd_u16(&u);
    uint16_t udp_len = wire_rd_u16(&u);
    uint16_t udp_csum = wire_rd_u16(&u);
    if (!wire_rd_ok(&u))
        return NST_ETRUNCATED;
    if (udp_len < FRAME_UDP_HLEN)
        return NST_EMALFORMED;
    if (udp_len > total_len - ihl)
        return NST_ETRUNCATED;
    const uint8_t *udp = ip + ihl;
    if (udp_csum != 0 && !(flags & FRAME_PARSE_NO_UDP_CSUM)) {
        uint32_t sum = udp_pseudo_sum(out->src_ip, out->dst_ip, udp_len);
        sum = frame_csum_add(sum, udp, udp_len);
        if (frame_csum_fold(sum) != 0xffff)
            return NST_EMALFORMED;
    }
    out->payload = udp + FRAME_UDP_HLEN;
    out->payload_len = udp_len - FRAME_UDP_HLEN;
    return 0;
}

int frame_build_udp4(uint8_t *buf, size_t cap, const frame_udp4_t *f)
{
    size_t udp_len = FRAME_UDP_HLEN + f->payload_len;
    size_t ip_len = FRAME_IP4_HLEN + udp_len;
    if (f->payload_len > 0xffff - FRAME_IP4_HLEN - FRAME_UDP_HLEN || !buf
        || cap < FRAME_ETH_HLEN || ip_len > cap - FRAME_ETH_HLEN)
        return NST_ENOSPACE;
    if (f->payload_len && !f->payload)
        return NST_EINVAL;
    /* Place the payload first: it may overlap the header area of buf. */
    if (f->payload_len && f->payload != buf + FRAME_UDP4_HLEN)
        memmove(buf + FRAME_UDP4_HLEN, f->payload, f->payload_len);

    wire_wr_t w;
    wire_wr_init(&w, buf, FRAME_UDP4_HLEN);
    wire_wr_bytes(&w, f->dst_mac, 6);
    wire_wr_bytes(&w, f->src_mac, 6);
    wire_wr_u16(&w, FRAME_ETHERTYPE_IPV4);
    size_t ip_off = wire_wr_len(&w);
    wire_wr_u8(&w, 0x45);                    /* version 4, IHL 5 */
    wire_wr_u8(&w, FRAME_IP4_TOS);
    wire_wr_u16(&w, (uint16_t)ip_len);
    wire_wr_u16(&w, 0);                      /* identification: unused with DF */
    wire_wr_u16(&w, IP_FLAG_DF);
    wire_wr_u8(&w, FRAME_IP4_TTL);
    wire_wr_u8(&w, IPPROTO_UDP_NUM);
    wire_wr_u16(&w, 0);                      /* checksum, filled below */
    wire_wr_u32(&w, f->src_ip);
    wire_wr_u32(&w, f->dst_ip);
    uint16_t ip_csum = (uint16_t)~frame_csum_fold(frame_csum_add(0, buf + ip_off,
                                                                FRAME_IP4_HLEN));
    wire_wr_put_u16_at(&w, ip_off + 10, ip_csum);
    size_t udp_off = wire_wr_len(&w);
    wire_wr_u16(&w, f->src_port);
    wire_wr_u16(&w, f->dst_port);
    wire_wr_u16(&w, (uint16_t)udp_len);
    wire_wr_u16(&w, 0);
    if (!wire_wr_ok(&w))
        return NST_ENOSPACE;
    uint32_t sum = udp_pseudo_sum(f->src_ip, f->dst_ip, (uint16_t)udp_len);
    sum = frame_csum_add(sum, buf + udp_off, udp_len);
    uint16_t udp_csum = (uint16_t)~frame_csum_fold(sum);
    /* RFC 768: a computed checksum of zero is transmitted as all ones. */
    if (udp_csum == 0)
        udp_csum = 0xffff;
    buf[udp_off + 6] = (uint8_t)(udp_csum >> 8);
    buf[udp_off + 7] = (uint8_t)udp_csum;
    return (int)(FRAME_ETH_HLEN + ip_len);
}

int frame_bpf_udp4_dport(uint16_t port, struct sock_fprog *out)
{
    if (!out || !out->filter || out->len < FRAME_BPF_UDP4_LEN)
        return NST_ENOSPACE;
    /* Offsets are from the start of the Ethernet frame; jumps are relative to the next
     * instruction. Index 10 drops, index 9 accepts the whole frame. */
    const struct sock_filter prog[FRAME_BPF_UDP4_LEN] = {
        /* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),                  /* ethertype */
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FRAME_ETHERTYPE_IPV4, 0, 8),
        /* 2 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, FRAME_ETH_HLEN + 9), /* IP protocol */
        /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP_NUM, 0, 6),
        /* 4 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, FRAME_ETH_HLEN + 6), /* flags + offset */
        /* 5 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, IP_FLAG_MF | IP_OFFSET_MASK, 4, 0),
        /* 6 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, FRAME_ETH_HLEN),    /* X = IHL * 4 */
        /* 7 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, FRAME_ETH_HLEN + 2), /* UDP dest port */
        /* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 1),
        /* 9 */ BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
        /* 10 */ BPF_STMT(BPF_RET | BPF_K, 0),
    };
    memcpy(out->filter, prog, sizeof prog);
    out->len = FRAME_BPF_UDP4_LEN;
    return 0;
}

int frame_bpf_udp4_dport_bcast(uint16_t port, uint32_t direct_addr, struct sock_fprog *out)
{
    if (!out || !out->filter || out->len < FRAME_BPF_UDP4_BCAST_LEN)
        return NST_ENOSPACE;
    /* 0.0.0.0 is never a destination worth taking: compare with the broadcast address again. */
    uint32_t direct = direct_addr ? direct_addr : 0xffffffffu;
    /* Index 15 drops, index 14 accepts the whole frame. */
    const struct sock_filter prog[FRAME_BPF_UDP4_BCAST_LEN] = {
        /* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),                  /* ethertype */
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FRAME_ETHERTYPE_IPV4, 0, 13),
        /* 2 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, FRAME_ETH_HLEN + 9), /* IP protocol */
        /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP_NUM, 0, 11),
        /* 4 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, FRAME_ETH_HLEN + 6), /* flags + offset */
        /* 5 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, IP_FLAG_MF | IP_OFFSET_MASK, 9, 0),
        /* 6 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, FRAME_ETH_HLEN),    /* X = IHL * 4 */
        /* 7 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, FRAME_ETH_HLEN + 2), /* UDP dest port */
        /* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 6),
        /* 9 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, FRAME_ETH_HLEN + 16), /* IP destination */
        /* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 3, 0),
        /* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, direct, 0, 3),
        /* 12 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, FRAME_ETH_HLEN + FRAME_UDP_HLEN + FRAME_DHCP_GIADDR_OFF),
        /* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),    /* giaddr 0: not relayed */
        /* 14 */ BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
        /* 15 */ BPF_STMT(BPF_RET | BPF_K, 0),
    };
    memcpy(out->filter, prog, sizeof prog);
    out->len = FRAME_BPF_UDP4_BCAST_LEN;
    return 0;
}

int frame_bpf_drop_limited_bcast(uint32_t direct_addr, struct sock_fprog *out)
{
    if (!out || !out->filter || out->len < FRAME_BPF_DROP_BCAST_LEN)
        return NST_ENOSPACE;
    uint32_t direct = direct_addr ? direct_addr : 0xffffffffu;
    /* A UDP socket's filter sees the datagram from its UDP header, the IP header at SKF_NET_OFF. */
    const struct sock_filter prog[FRAME_BPF_DROP_BCAST_LEN] = {
        /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 16), /* IP destination */
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 4, 0),
        /* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, direct, 0, 2),
        /* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, FRAME_UDP_HLEN + FRAME_DHCP_GIADDR_OFF),
        /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),     /* giaddr 0: the packet socket's */
        /* 5 */ BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
        /* 6 */ BPF_STMT(BPF_RET | BPF_K, 0),
    };
    memcpy(out->filter, prog, sizeof prog);
    out->len = FRAME_BPF_DROP_BCAST_LEN;
    return 0;
}
