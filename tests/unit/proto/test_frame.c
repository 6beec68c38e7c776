/* frame: build/parse round trips, checksums, rejected frames, and the BPF program (run through a
 * small classic-BPF interpreter covering the instructions it uses). */
#include "test_proto.h"

#include <stdbool.h>
#include <string.h>

#include "common/errcode.h"
#include "proto/frame.h"

static const uint8_t SRV_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static uint8_t payload[1000];

static frame_udp4_t spec(size_t plen)
{
    frame_udp4_t f = {.src_ip = 0xc0000201, .dst_ip = 0xffffffff, .src_port = 67,
                      .dst_port = 68, .payload = payload, .payload_len = plen};
    memcpy(f.src_mac, SRV_MAC, 6);
    memcpy(f.dst_mac, BCAST, 6);
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 13 + 5);
    return f;
}

/* Recomputes the IPv4 header checksum of a frame after a test edits the header. */
static void fix_ip_csum(uint8_t *fr)
{
    uint8_t *ip = fr + FRAME_ETH_HLEN;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    ip[10] = ip[11] = 0;
    uint16_t c = (uint16_t)~frame_csum_fold(frame_csum_add(0, ip, ihl));
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
}

static void test_checksum_vector(void **state)
{
    (void)state;
    /* RFC 1071 §3 example: the words sum to 0x2ddf0, folding gives 0xddf2. */
    static const uint8_t v[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(frame_csum_add(0, v, sizeof v), 0x2ddf0);
    assert_int_equal(frame_csum_fold(frame_csum_add(0, v, sizeof v)), 0xddf2);
    /* Odd length pads with a zero byte. */
    static const uint8_t odd[] = {0x12, 0x34, 0x56};
    assert_int_equal(frame_csum_add(0, odd, sizeof odd), 0x1234 + 0x5600);
}

static void test_roundtrip(void **state)
{
    (void)state;
    uint8_t fr[1600];
    for (size_t plen = 300; plen <= 301; plen++) {
        frame_udp4_t f = spec(plen);
        int len = frame_build_udp4(fr, sizeof fr, &f);
        assert_int_equal(len, (int)(42 + plen));
        /* Header fields as documented (Kea's values). */
        assert_memory_equal(fr, BCAST, 6);
        assert_memory_equal(fr + 6, SRV_MAC, 6);
        assert_int_equal(fr[12], 0x08);
        assert_int_equal(fr[13], 0x00);
        assert_int_equal(fr[14], 0x45);
        assert_int_equal(fr[15], FRAME_IP4_TOS);
        assert_int_equal(fr[16] << 8 | fr[17], 28 + plen);
        assert_int_equal(fr[20], 0x40);                 /* DF */
        assert_int_equal(fr[21], 0);
        assert_int_equal(fr[22], 128);                  /* TTL */
        assert_int_equal(fr[23], 17);
        assert_int_equal(fr[38] << 8 | fr[39], 8 + plen);
        /* The IP header sums to 0xffff with its checksum. */
        assert_int_equal(frame_csum_fold(frame_csum_add(0, fr + 14, 20)), 0xffff);

        frame_udp4_t g;
        assert_int_equal(frame_parse_udp4(fr, (size_t)len, &g), 0);
        assert_memory_equal(g.src_mac, SRV_MAC, 6);
        assert_memory_equal(g.dst_mac, BCAST, 6);
        assert_int_equal(g.src_ip, 0xc0000201);
        assert_int_equal(g.dst_ip, 0xffffffff);
        assert_int_equal(g.src_port, 67);
        assert_int_equal(g.dst_port, 68);
        assert_int_equal(g.payload_len, plen);
        assert_ptr_equal(g.payload, fr + 42);
        assert_memory_equal(g.payload, payload, plen);
        /* Link-layer padding after the datagram is ignored. */
        memset(fr + len, 0xab, 20);
        assert_int_equal(frame_parse_udp4(fr, (size_t)len + 20, &g), 0);
        assert_int_equal(g.payload_len, plen);
    }
    /* Zero-copy: the payload already sits after the headers. */
    frame_udp4_t f = spec(10);
    memcpy(fr + 42, "0123456789", 10);
    f.payload = fr + 42;
    assert_int_equal(frame_build_udp4(fr, sizeof fr, &f), 52);
    frame_udp4_t g;
    assert_int_equal(frame_parse_udp4(fr, 52, &g), 0);
    assert_memory_equal(g.payload, "0123456789", 10);
    /* Overlapping source (payload at the start of buf). */
    memcpy(fr, "abcdefghij", 10);
    f.payload = fr;
    assert_int_equal(frame_build_udp4(fr, sizeof fr, &f), 52);
    assert_int_equal(frame_parse_udp4(fr, 52, &g), 0);
    assert_memory_equal(g.payload, "abcdefghij", 10);
    /* Empty payload. */
    f.payload = NULL;
    f.payload_len = 0;
    assert_int_equal(frame_build_udp4(fr, sizeof fr, &f), 42);
    assert_int_equal(frame_parse_udp4(fr, 42, &g), 0);
    assert_int_equal(g.payload_len, 0);
}

static void test_build_space(void **state)
{
    (void)state;
    uint8_t fr[400];
    memset(fr, 0xee, sizeof fr);
    frame_udp4_t f = spec(300);
    assert_int_equal(frame_build_udp4(fr, 341, &f), NST_ENOSPACE);
    assert_int_equal(frame_build_udp4(fr, 10, &f), NST_ENOSPACE);
    assert_int_equal(frame_build_udp4(NULL, 0, &f), NST_ENOSPACE);
    for (size_t i = 0; i < sizeof fr; i++)
        assert_int_equal(fr[i], 0xee);
    assert_int_equal(frame_build_udp4(fr, 342, &f), 342);
    for (size_t i = 342; i < sizeof fr; i++)
        assert_int_equal(fr[i], 0xee);
    f.payload_len = 65536;
    assert_int_equal(frame_build_udp4(fr, sizeof fr, &f), NST_ENOSPACE);
}

static void test_bad_checksums(void **state)
{
    (void)state;
    uint8_t fr[1600];
    frame_udp4_t f = spec(300), g;
    int len = frame_build_udp4(fr, sizeof fr, &f);
    /* IP header checksum. */
    fr[22] ^= 1;
    assert_int_equal(frame_parse_udp4(fr, (size_t)len, &g), NST_EMALFORMED);
    fr[22] ^= 1;
    assert_int_equal(frame_parse_udp4(fr, (size_t)len, &g), 0);
    /* UDP checksum over the payload. */
    fr[100] ^= 0x40;
    assert_int_equal(frame_parse_udp4(fr, (size_t)len, &g), NST_EMALFORMED);
    /* ... and over the pseudo-header (source address). */
    fr[100] ^= 0x40;
    fr[29] ^= 1;
    fix_ip_csum(fr);
    assert_int_equal(frame_parse_udp4(fr, (size_t)len, &g), NST_EMALFORMED);
    fr[29] ^= 1;
    fix_ip_csum(fr);
    /* Offloaded checksums: the caller can skip the UDP check, never the IP one. */
    fr[100] ^= 0x40;
    assert_int_equal(frame_parse_udp4(fr, (size_t)len, &g), NST_EMALFORMED);
    assert_int_equal(frame_parse_udp4_ex(fr, (size_t)len, FRAME_PARSE_NO_UDP_CSUM, &g), 0);
    assert_int_equal(g.payload_len, 300);
    fr[22] ^= 1;
    assert_int_equal(frame_parse_udp4_ex(fr, (size_t)len, FRAME_PARSE_NO_UDP_CSUM, &g),
                     NST_EMALFORMED);
    fr[22] ^= 1;
    fr[100] ^= 0x40;
    /* A zero UDP checksum means "none" and is accepted even with changed data. */
    fr[100] ^= 0x40;
    fr[40] = fr[41] = 0;
    assert_int_equal(frame_parse_udp4(fr, (size_t)len, &g), 0);
}

static void test_rejects(void **state)
{
    (void)state;
    uint8_t fr[1600], fr0[1600];
    frame_udp4_t f = spec(300), g;
    int len = frame_build_udp4(fr0, sizeof fr0, &f);
    size_t n = (size_t)len;

    /* Fragments: MF set, or a non-zero offset. */
    memcpy(fr, fr0, n);
    fr[20] |= 0x20;
    fix_ip_csum(fr);
    assert_int_equal(frame_parse_udp4(fr, n, &g), NST_EMALFORMED);
    memcpy(fr, fr0, n);
    fr[21] = 1;
    fix_ip_csum(fr);
    assert_int_equal(frame_parse_udp4(fr, n, &g), NST_EMALFORMED);
    /* Bad IHL and version. */
    memcpy(fr, fr0, n);
    fr[14] = 0x44;
    assert_int_equal(frame_parse_udp4(fr, n, &g), NST_EMALFORMED);
    memcpy(fr, fr0, n);
    fr[14] = 0x65;
    fix_ip_csum(fr);
    assert_int_equal(frame_parse_udp4(fr, n, &g), NST_EMALFORMED);
    /* Total length past the frame, and shorter than the header. */
    memcpy(fr, fr0, n);
    fr[16] = 0x01, fr[17] = 0x80;                  /* 384 > 328 */
    fix_ip_csum(fr);
    assert_int_equal(frame_parse_udp4(fr, n, &g), NST_ETRUNCATED);
    memcpy(fr, fr0, n);
    fr[16] = 0, fr[17] = 19;
    fix_ip_csum(fr);
    assert_int_equal(frame_parse_udp4(fr, n, &g), NST_EMALFORMED);
    /* Truncated UDP header (IP payload of 4 bytes). */
    memcpy(fr, fr0, n);
    fr[16] = 0, fr[17] = 24;
    fix_ip_csum(fr);
    assert_int_equal(frame_parse_udp4(fr, n, &g), NST_ETRUNCATED);
    /* UDP length below 8, and beyond the IP payload. */
    memcpy(fr, fr0, n);
    fr[38] = 0, fr[39] = 7;
    assert_int_equal(frame_parse_udp4(fr, n, &g), NST_EMALFORMED);
    memcpy(fr, fr0, n);
    fr[38] = 0x01, fr[39] = 0x40;                  /* 320 > 308 */
    assert_int_equal(frame_parse_udp4(fr, n, &g), NST_ETRUNCATED);
    /* Frame cut inside the headers. */
    assert_int_equal(frame_parse_udp4(fr0, 10, &g), NST_ETRUNCATED);
    assert_int_equal(frame_parse_udp4(fr0, 30, &g), NST_ETRUNCATED);
    assert_int_equal(frame_parse_udp4(fr0, 40, &g), NST_ETRUNCATED);
    assert_int_equal(frame_parse_udp4(fr0, n - 1, &g), NST_ETRUNCATED);
    assert_int_equal(frame_parse_udp4(NULL, 0, &g), NST_ETRUNCATED);
    /* Not UDP, not IPv4. */
    memcpy(fr, fr0, n);
    fr[23] = 6;
    fix_ip_csum(fr);
    assert_int_equal(frame_parse_udp4(fr, n, &g), NST_ENOENT);
    memcpy(fr, fr0, n);
    fr[12] = 0x86, fr[13] = 0xdd;
    assert_int_equal(frame_parse_udp4(fr, n, &g), NST_ENOENT);
}

/* A frame with 4 bytes of IP options (IHL 6). */
static size_t with_ip_options(uint8_t *fr, const uint8_t *fr0, size_t n)
{
    memcpy(fr, fr0, 34);
    memcpy(fr + 38, fr0 + 34, n - 34);
    memset(fr + 34, 1, 4);                         /* NOP options */
    fr[14] = 0x46;
    uint16_t tot = (uint16_t)((fr[16] << 8 | fr[17]) + 4);
    fr[16] = (uint8_t)(tot >> 8), fr[17] = (uint8_t)tot;
    fix_ip_csum(fr);
    return n + 4;
}

static void test_ip_options(void **state)
{
    (void)state;
    uint8_t fr0[1600], fr[1600];
    frame_udp4_t f = spec(100), g;
    size_t n = (size_t)frame_build_udp4(fr0, sizeof fr0, &f);
    size_t m = with_ip_options(fr, fr0, n);
    assert_int_equal(frame_parse_udp4(fr, m, &g), 0);
    assert_int_equal(g.dst_port, 68);
    assert_int_equal(g.payload_len, 100);
    assert_memory_equal(g.payload, payload, 100);
}

/* ---- BPF ------------------------------------------------------------------------------------ */

/* Runs a classic BPF program over a packet. Supports LD/LDX/JMP/RET as used by frame.c; reads
 * past the packet end reject, as in the kernel. */
static uint32_t bpf_run(const struct sock_filter *prog, size_t n, const uint8_t *pkt, size_t len)
{
    uint32_t A = 0, X = 0;
    for (size_t pc = 0; pc < n; pc++) {
        const struct sock_filter *i = &prog[pc];
        uint32_t k = i->k, off;
        switch (i->code) {
        case BPF_LD | BPF_H | BPF_ABS:
        case BPF_LD | BPF_H | BPF_IND:
            off = k + ((i->code & BPF_IND) == BPF_IND ? X : 0);
            if (off + 2 > len)
                return 0;
            A = (uint32_t)(pkt[off] << 8 | pkt[off + 1]);
            break;
        case BPF_LD | BPF_W | BPF_ABS:
        case BPF_LD | BPF_W | BPF_IND:
            off = k + ((i->code & BPF_IND) == BPF_IND ? X : 0);
            if (off + 4 > len)
                return 0;
            A = (uint32_t)pkt[off] << 24 | (uint32_t)pkt[off + 1] << 16 | (uint32_t)pkt[off + 2] << 8 | pkt[off + 3];
            break;
        case BPF_LD | BPF_B | BPF_ABS:
            if (k + 1 > len)
                return 0;
            A = pkt[k];
            break;
        case BPF_LDX | BPF_B | BPF_MSH:
            if (k + 1 > len)
                return 0;
            X = (uint32_t)(pkt[k] & 0xf) * 4;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += A == k ? i->jt : i->jf;
            break;
        case BPF_JMP | BPF_JSET | BPF_K:
            pc += (A & k) ? i->jt : i->jf;
            break;
        case BPF_RET | BPF_K:
            return k;
        default:
            fail_msg("unsupported BPF instruction 0x%x", i->code);
        }
    }
    fail_msg("BPF program fell off its end");
    return 0;
}

static void test_bpf(void **state)
{
    (void)state;
    struct sock_filter ins[FRAME_BPF_UDP4_LEN];
    struct sock_fprog prog = {.len = FRAME_BPF_UDP4_LEN - 1, .filter = ins};
    assert_int_equal(frame_bpf_udp4_dport(67, &prog), NST_ENOSPACE);
    prog.filter = NULL;
    prog.len = FRAME_BPF_UDP4_LEN;
    assert_int_equal(frame_bpf_udp4_dport(67, &prog), NST_ENOSPACE);
    prog.filter = ins;
    assert_int_equal(frame_bpf_udp4_dport(67, &prog), 0);
    assert_int_equal(prog.len, FRAME_BPF_UDP4_LEN);
    /* Every jump stays inside the program. */
    for (size_t i = 0; i < prog.len; i++)
        if (BPF_CLASS(ins[i].code) == BPF_JMP)
            assert_true(i + 1 + ins[i].jt < prog.len && i + 1 + ins[i].jf < prog.len);

    uint8_t fr0[1600], fr[1600];
    frame_udp4_t f = spec(300);
    f.dst_port = 67;
    size_t n = (size_t)frame_build_udp4(fr0, sizeof fr0, &f);
    assert_int_equal(bpf_run(ins, prog.len, fr0, n), 0xffffffffu);
    /* IP options shift the UDP header: still found. */
    size_t m = with_ip_options(fr, fr0, n);
    assert_int_equal(bpf_run(ins, prog.len, fr, m), 0xffffffffu);
    /* Other port. */
    f.dst_port = 68;
    n = (size_t)frame_build_udp4(fr, sizeof fr, &f);
    assert_int_equal(bpf_run(ins, prog.len, fr, n), 0);
    /* Fragments (first with MF, later with an offset). */
    memcpy(fr, fr0, n);
    fr[20] |= 0x20;
    assert_int_equal(bpf_run(ins, prog.len, fr, n), 0);
    memcpy(fr, fr0, n);
    fr[21] = 0x10;
    assert_int_equal(bpf_run(ins, prog.len, fr, n), 0);
    /* DF alone is fine. */
    memcpy(fr, fr0, n);
    assert_int_equal(fr[20], 0x40);
    assert_int_equal(bpf_run(ins, prog.len, fr, n), 0xffffffffu);
    /* TCP, IPv6, ARP. */
    fr[23] = 6;
    assert_int_equal(bpf_run(ins, prog.len, fr, n), 0);
    memcpy(fr, fr0, n);
    fr[12] = 0x86, fr[13] = 0xdd;
    assert_int_equal(bpf_run(ins, prog.len, fr, n), 0);
    fr[12] = 0x08, fr[13] = 0x06;
    assert_int_equal(bpf_run(ins, prog.len, fr, n), 0);
    /* A different port program. */
    assert_int_equal(frame_bpf_udp4_dport(68, &prog), 0);
    f.dst_port = 68;
    n = (size_t)frame_build_udp4(fr, sizeof fr, &f);
    assert_int_equal(bpf_run(ins, prog.len, fr, n), 0xffffffffu);
    assert_int_equal(bpf_run(ins, prog.len, fr0, n), 0);
}

/* The packet socket's filter takes limited broadcasts and direct (giaddr 0) unicast to the
 * interface address; the UDP socket's filter (run here on the datagram from its UDP header, as
 * the kernel does, with the IP destination given through a copy of the header in front) drops
 * exactly those. */
static void test_bpf_direct(void **state)
{
    (void)state;
    struct sock_filter ins[FRAME_BPF_UDP4_BCAST_LEN], uins[FRAME_BPF_DROP_BCAST_LEN];
    struct sock_fprog prog = {.len = FRAME_BPF_UDP4_BCAST_LEN, .filter = ins};
    struct sock_fprog uprog = {.len = FRAME_BPF_DROP_BCAST_LEN, .filter = uins};
    const uint32_t me = 0xc0000201;
    assert_int_equal(frame_bpf_udp4_dport_bcast(67, me, &prog), 0);
    assert_int_equal(frame_bpf_drop_limited_bcast(me, &uprog), 0);
    for (size_t i = 0; i < prog.len; i++)
        if (BPF_CLASS(ins[i].code) == BPF_JMP)
            assert_true(i + 1 + ins[i].jt < prog.len && i + 1 + ins[i].jf < prog.len);
    for (size_t i = 0; i < uprog.len; i++)
        if (BPF_CLASS(uins[i].code) == BPF_JMP)
            assert_true(i + 1 + uins[i].jt < uprog.len && i + 1 + uins[i].jf < uprog.len);
    /* The UDP filter's SKF_NET_OFF load, rewritten to read the IP destination at the end of the
     * datagram copy below. */
    uint8_t fr[1600], dg[1600];
    struct { uint32_t dst, giaddr; bool pkt; } cases[] = {
        {0xffffffff, 0, true},           /* client without an address */
        {0xffffffff, 0x0a0a0a01, true},  /* relay broadcasting (odd, but one copy) */
        {me, 0, true},                   /* renewing client on the link */
        {me, 0x0a0a0a01, false},         /* relay unicasting to us */
        {0xc0000202, 0, false},          /* another local address */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        frame_udp4_t f = spec(300);
        f.dst_port = 67;
        f.dst_ip = cases[c].dst;
        for (int b = 0; b < 4; b++)
            payload[FRAME_DHCP_GIADDR_OFF + b] = (uint8_t)(cases[c].giaddr >> (24 - 8 * b));
        size_t n = (size_t)frame_build_udp4(fr, sizeof fr, &f);
        assert_int_equal(bpf_run(ins, prog.len, fr, n) != 0, cases[c].pkt);
        /* with IP options too */
        uint8_t fo[1600];
        size_t m = with_ip_options(fo, fr, n);
        assert_int_equal(bpf_run(ins, prog.len, fo, m) != 0, cases[c].pkt);
        /* UDP socket: the datagram from its UDP header, then the IP destination appended */
        size_t dl = n - FRAME_ETH_HLEN - FRAME_IP4_HLEN;
        memcpy(dg, fr + FRAME_ETH_HLEN + FRAME_IP4_HLEN, dl);
        memcpy(dg + dl, fr + FRAME_ETH_HLEN + 16, 4);
        struct sock_filter u[FRAME_BPF_DROP_BCAST_LEN];
        memcpy(u, uins, sizeof u);
        assert_int_equal(u[0].k, (uint32_t)SKF_NET_OFF + 16);
        u[0].k = (uint32_t)dl;
        assert_int_equal(bpf_run(u, uprog.len, dg, dl + 4) != 0, !cases[c].pkt);
    }
    /* No interface address: broadcasts only, as before. */
    assert_int_equal(frame_bpf_udp4_dport_bcast(67, 0, &prog), 0);
    frame_udp4_t f = spec(300);
    f.dst_port = 67;
    f.dst_ip = 0;
    memset(payload + FRAME_DHCP_GIADDR_OFF, 0, 4);
    size_t n = (size_t)frame_build_udp4(fr, sizeof fr, &f);
    assert_int_equal(bpf_run(ins, prog.len, fr, n), 0);
}

int test_frame_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_vector),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_build_space),
        cmocka_unit_test(test_bad_checksums),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_ip_options),
        cmocka_unit_test(test_bpf),
        cmocka_unit_test(test_bpf_direct),
    };
    return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
