/* pkt4: parsing, option concatenation and overload, option 82, labels, and the reply builder. */
#include "test_proto.h"

#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "proto/pkt4.h"

static pkt4_t P;                       /* ~68 KB: keep it off the stack */
static uint8_t B[70000];

static const uint8_t MAC[6] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

/* Writes a BOOTREQUEST header (xid 0x1234abcd, broadcast flag, chaddr MAC, giaddr given),
 * the cookie and the option bytes; returns the message length. */
static size_t mk(uint8_t *buf, uint32_t giaddr, const uint8_t *opts, size_t optlen)
{
    memset(buf, 0, 240);
    buf[0] = 1;                        /* op */
    buf[1] = 1;                        /* htype ethernet */
    buf[2] = 6;                        /* hlen */
    buf[3] = 0;                        /* hops */
    buf[4] = 0x12, buf[5] = 0x34, buf[6] = 0xab, buf[7] = 0xcd;
    buf[8] = 0, buf[9] = 7;            /* secs */
    buf[10] = 0x80, buf[11] = 0;       /* flags */
    buf[12] = 192, buf[13] = 0, buf[14] = 2, buf[15] = 55;   /* ciaddr */
    buf[24] = (uint8_t)(giaddr >> 24), buf[25] = (uint8_t)(giaddr >> 16);
    buf[26] = (uint8_t)(giaddr >> 8), buf[27] = (uint8_t)giaddr;
    memcpy(buf + 28, MAC, 6);
    buf[236] = 99, buf[237] = 130, buf[238] = 83, buf[239] = 99;
    memcpy(buf + 240, opts, optlen);
    return 240 + optlen;
}

static void assert_opt(const pkt4_t *p, uint8_t code, const void *want, size_t wlen)
{
    size_t n = 999;
    const uint8_t *d = pkt4_opt(p, code, &n);
    assert_non_null(d);
    assert_int_equal(n, wlen);
    if (wlen)
        assert_memory_equal(d, want, wlen);
}

static void test_discover(void **state)
{
    (void)state;
    static const uint8_t opts[] = {
        53, 1, 1,
        61, 7, 1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
        55, 4, 1, 3, 6, 15,
        57, 2, 0x05, 0xdc,
        12, 4, 'h', 'o', 's', 't',
        255,
    };
    size_t len = mk(B, 0, opts, sizeof opts);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    assert_int_equal(P.hdr.op, PKT4_BOOTREQUEST);
    assert_int_equal(P.hdr.htype, 1);
    assert_int_equal(P.hdr.hlen, 6);
    assert_int_equal(P.hdr.xid, 0x1234abcd);
    assert_int_equal(P.hdr.secs, 7);
    assert_int_equal(P.hdr.flags, PKT4_FLAG_BROADCAST);
    assert_int_equal(P.hdr.ciaddr, 0xc0000237);
    assert_int_equal(P.hdr.giaddr, 0);
    assert_memory_equal(P.hdr.chaddr, MAC, 6);
    assert_int_equal(P.wire_len, len);
    assert_int_equal(P.msg_type, PKT4_DISCOVER);
    assert_int_equal(P.opt_count, 5);
    static const uint8_t order[] = {53, 61, 55, 57, 12};
    for (size_t i = 0; i < sizeof order; i++)
        assert_int_equal(pkt4_opt_code_at(&P, i), order[i]);
    assert_opt(&P, 55, "\x01\x03\x06\x0f", 4);
    assert_opt(&P, 12, "host", 4);
    uint16_t mms;
    assert_true(pkt4_opt_u16(&P, 57, &mms));
    assert_int_equal(mms, 1500);
    assert_false(pkt4_has_opt(&P, 50));
    assert_false(pkt4_has_opt(&P, 0));
    assert_false(pkt4_has_opt(&P, 255));
    size_t n = 7;
    assert_null(pkt4_opt(&P, 50, &n));
    assert_int_equal(n, 0);
    assert_false(pkt4_file_is_options(&P));
    assert_false(pkt4_sname_is_options(&P));

    char label[128];
    int r = pkt4_describe(&P, label, sizeof label);
    assert_string_equal(label, "[hwtype=1 aa:bb:cc:dd:ee:ff], cid=[01:aa:bb:cc:dd:ee:ff], "
                               "tid=0x1234abcd");
    assert_int_equal(r, (int)strlen(label));
    /* Truncation keeps a NUL and reports the full length. */
    char small[10];
    assert_int_equal(pkt4_describe(&P, small, sizeof small), r);
    assert_string_equal(small, "[hwtype=1");
}

static void test_request_addresses(void **state)
{
    (void)state;
    static const uint8_t opts[] = {
        53, 1, 3,
        50, 4, 192, 0, 2, 10,
        54, 4, 192, 0, 2, 1,
        118, 3, 10, 0, 0,              /* wrong length for an address */
        255,
    };
    size_t len = mk(B, 0x0a000001, opts, sizeof opts);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    assert_int_equal(P.msg_type, PKT4_REQUEST);
    assert_int_equal(P.hdr.giaddr, 0x0a000001);
    uint32_t a = 0;
    assert_true(pkt4_opt_ipv4(&P, 50, &a));
    assert_int_equal(a, 0xc000020a);
    assert_true(pkt4_opt_ipv4(&P, 54, &a));
    assert_int_equal(a, 0xc0000201);
    a = 77;
    assert_false(pkt4_opt_ipv4(&P, 118, &a));
    assert_false(pkt4_opt_ipv4(&P, 61, &a));
    assert_int_equal(a, 77);
    uint8_t u8;
    assert_true(pkt4_opt_u8(&P, 53, &u8));
    assert_int_equal(u8, 3);
    assert_false(pkt4_opt_u8(&P, 50, &u8));
    uint32_t u32;
    assert_true(pkt4_opt_u32(&P, 50, &u32));
    /* No client identifier: Kea's label says so. */
    char label[128];
    pkt4_describe(&P, label, sizeof label);
    assert_string_equal(label, "[hwtype=1 aa:bb:cc:dd:ee:ff], cid=[no info], tid=0x1234abcd");
}

static void test_malformed(void **state)
{
    (void)state;
    static const uint8_t ok[] = {53, 1, 1, 255};
    size_t len = mk(B, 0, ok, sizeof ok);
    assert_int_equal(pkt4_parse(&P, B, len), 0);

    /* Truncated header and missing cookie bytes. */
    assert_int_equal(pkt4_parse(&P, B, 0), NST_ETRUNCATED);
    assert_int_equal(pkt4_parse(&P, B, 235), NST_ETRUNCATED);
    assert_int_equal(pkt4_parse(&P, B, 239), NST_ETRUNCATED);
    assert_int_equal(P.opt_count, 0);
    /* Exactly header + cookie: valid, no options. */
    assert_int_equal(pkt4_parse(&P, B, 240), 0);
    assert_int_equal(P.opt_count, 0);
    assert_int_equal(P.msg_type, PKT4_NOTYPE);

    /* Bad cookie. */
    mk(B, 0, ok, sizeof ok);
    B[239] = 98;
    assert_int_equal(pkt4_parse(&P, B, len), NST_EMALFORMED);
    assert_int_equal(P.opt_count, 0);

    /* hlen 17 is malformed, 16 is fine. */
    mk(B, 0, ok, sizeof ok);
    B[2] = 17;
    assert_int_equal(pkt4_parse(&P, B, len), NST_EMALFORMED);
    B[2] = 16;
    assert_int_equal(pkt4_parse(&P, B, len), 0);

    /* Option data running past the end. */
    static const uint8_t off_end[] = {53, 1, 1, 12, 10, 'a', 'b'};
    len = mk(B, 0, off_end, sizeof off_end);
    assert_int_equal(pkt4_parse(&P, B, len), NST_EMALFORMED);
    assert_int_equal(P.opt_count, 0);
    assert_false(pkt4_has_opt(&P, 53));
    /* Code without its length byte. */
    static const uint8_t no_len[] = {53, 1, 1, 12};
    len = mk(B, 0, no_len, sizeof no_len);
    assert_int_equal(pkt4_parse(&P, B, len), NST_EMALFORMED);

    /* Larger than any DHCP message can be. */
    memset(B + 240, 0, sizeof B - 240);
    mk(B, 0, ok, sizeof ok);
    assert_int_equal(pkt4_parse(&P, B, 65536), NST_EMALFORMED);
    assert_int_equal(pkt4_parse(&P, B, 65535), 0);
    assert_int_equal(P.msg_type, 1);
}

static void test_pad_end(void **state)
{
    (void)state;
    /* Pads before and between options; garbage after END is ignored, even if it would be
     * malformed. */
    static const uint8_t opts[] = {0, 0, 53, 1, 5, 0, 0, 255, 12, 200, 'x', 61};
    size_t len = mk(B, 0, opts, sizeof opts);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    assert_int_equal(P.msg_type, PKT4_ACK);
    assert_int_equal(P.opt_count, 1);
    assert_false(pkt4_has_opt(&P, 12));
    /* A missing END is accepted. */
    static const uint8_t no_end[] = {53, 1, 7, 0, 0};
    len = mk(B, 0, no_end, sizeof no_end);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    assert_int_equal(P.msg_type, PKT4_RELEASE);
    /* Empty host name is dropped (as Kea does); other empty options are present. */
    static const uint8_t empties[] = {12, 0, 80, 0, 53, 1, 1, 255};
    len = mk(B, 0, empties, sizeof empties);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    assert_false(pkt4_has_opt(&P, 12));
    size_t n = 9;
    assert_non_null(pkt4_opt(&P, 80, &n));
    assert_int_equal(n, 0);
    assert_int_equal(P.opt_count, 2);
    /* Option 53 with a wrong length gives no message type. */
    static const uint8_t bad53[] = {53, 2, 1, 1, 255};
    len = mk(B, 0, bad53, sizeof bad53);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    assert_int_equal(P.msg_type, PKT4_NOTYPE);
}

/* The message type found without a parse, for scheduling: pads skipped, the first option 53 of
 * length 1, nothing after END or past the end, nothing for a short message or a wrong cookie. */
static void test_peek_type(void **state)
{
    (void)state;
    static const uint8_t req[] = {0, 12, 3, 'a', 'b', 'c', 0, 53, 1, 3, 255};
    size_t len = mk(B, 0, req, sizeof req);
    assert_int_equal(pkt4_peek_type(B, len), PKT4_REQUEST);
    static const uint8_t after_end[] = {255, 53, 1, 3};
    len = mk(B, 0, after_end, sizeof after_end);
    assert_int_equal(pkt4_peek_type(B, len), 0);
    static const uint8_t bad53[] = {53, 2, 1, 1, 255};
    len = mk(B, 0, bad53, sizeof bad53);
    assert_int_equal(pkt4_peek_type(B, len), 0);
    static const uint8_t cut[] = {12, 40, 'x'};
    len = mk(B, 0, cut, sizeof cut);
    assert_int_equal(pkt4_peek_type(B, len), 0);
    static const uint8_t disc[] = {53, 1, 1};
    len = mk(B, 0, disc, sizeof disc);
    assert_int_equal(pkt4_peek_type(B, len), PKT4_DISCOVER);
    assert_int_equal(pkt4_peek_type(B, len - 1), 0);   /* option runs past the end */
    assert_int_equal(pkt4_peek_type(B, 239), 0);       /* shorter than a header */
    B[239] = 98;                                         /* BOOTP without the DHCP cookie */
    assert_int_equal(pkt4_peek_type(B, len), 0);
}

static void test_long_options(void **state)
{
    (void)state;
    /* RFC 3396: option 119 in three pieces (255 + 255 + 10) with option 6 in between; the
     * pieces concatenate in order and the codes keep first-appearance order. */
    uint8_t opts[600];
    size_t k = 0;
    uint8_t want[520];
    for (size_t i = 0; i < sizeof want; i++)
        want[i] = (uint8_t)(i * 7 + 1);
    opts[k++] = 53, opts[k++] = 1, opts[k++] = 1;
    opts[k++] = 119, opts[k++] = 255;
    memcpy(opts + k, want, 255), k += 255;
    opts[k++] = 6, opts[k++] = 4, opts[k++] = 8, opts[k++] = 8, opts[k++] = 8, opts[k++] = 8;
    opts[k++] = 119, opts[k++] = 255;
    memcpy(opts + k, want + 255, 255), k += 255;
    opts[k++] = 119, opts[k++] = 10;
    memcpy(opts + k, want + 510, 10), k += 10;
    opts[k++] = 255;
    size_t len = mk(B, 0, opts, k);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    assert_int_equal(P.opt_count, 3);
    assert_int_equal(pkt4_opt_code_at(&P, 0), 53);
    assert_int_equal(pkt4_opt_code_at(&P, 1), 119);
    assert_int_equal(pkt4_opt_code_at(&P, 2), 6);
    assert_opt(&P, 119, want, sizeof want);
    assert_opt(&P, 6, "\x08\x08\x08\x08", 4);
}

/* Puts options in the file (108..235) and sname (44..107) fields of B. */
static void test_overload(void **state)
{
    (void)state;
    static const uint8_t opts[] = {53, 1, 1, 52, 1, 3, 61, 3, 1, 2, 3, 255};
    size_t len = mk(B, 0, opts, sizeof opts);
    /* file: more client-id, then a TFTP server name, END. */
    static const uint8_t file[] = {61, 2, 4, 5, 66, 4, 't', 'f', 't', 'p', 255};
    memcpy(B + 108, file, sizeof file);
    /* sname: host name and the last client-id piece, no END, padded to the field end. */
    static const uint8_t sname[] = {12, 2, 'h', 'n', 61, 1, 6};
    memcpy(B + 44, sname, sizeof sname);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    assert_int_equal(P.overload, 3);
    assert_true(pkt4_file_is_options(&P));
    assert_true(pkt4_sname_is_options(&P));
    /* RFC 3396 §7: options field, then file, then sname. */
    assert_opt(&P, 61, "\x01\x02\x03\x04\x05\x06", 6);
    assert_opt(&P, 66, "tftp", 4);
    assert_opt(&P, 12, "hn", 2);
    assert_int_equal(P.opt_count, 5);
    assert_int_equal(pkt4_opt_code_at(&P, 3), 66);
    assert_int_equal(pkt4_opt_code_at(&P, 4), 12);

    /* Overload 1: only file is read; sname stays a name. */
    static const uint8_t o1[] = {53, 1, 1, 52, 1, 1, 255};
    len = mk(B, 0, o1, sizeof o1);
    memcpy(B + 108, file, sizeof file);
    memcpy(B + 44, "server", 6);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    assert_true(pkt4_file_is_options(&P));
    assert_false(pkt4_sname_is_options(&P));
    assert_opt(&P, 66, "tftp", 4);
    assert_opt(&P, 61, "\x04\x05", 2);
    assert_string_equal((const char *)P.hdr.sname, "server");

    /* Without option 52 the file field is not parsed. */
    static const uint8_t o0[] = {53, 1, 1, 255};
    len = mk(B, 0, o0, sizeof o0);
    memcpy(B + 108, file, sizeof file);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    assert_false(pkt4_has_opt(&P, 66));
}

static void test_overload_bad(void **state)
{
    (void)state;
    static const uint8_t len2[] = {53, 1, 1, 52, 2, 1, 1, 255};
    size_t len = mk(B, 0, len2, sizeof len2);
    assert_int_equal(pkt4_parse(&P, B, len), NST_EMALFORMED);
    static const uint8_t val4[] = {53, 1, 1, 52, 1, 4, 255};
    len = mk(B, 0, val4, sizeof val4);
    assert_int_equal(pkt4_parse(&P, B, len), NST_EMALFORMED);
    static const uint8_t val0[] = {53, 1, 1, 52, 1, 0, 255};
    len = mk(B, 0, val0, sizeof val0);
    assert_int_equal(pkt4_parse(&P, B, len), NST_EMALFORMED);
    static const uint8_t empty52[] = {53, 1, 1, 52, 0, 255};
    len = mk(B, 0, empty52, sizeof empty52);
    assert_int_equal(pkt4_parse(&P, B, len), NST_EMALFORMED);
    /* Overloaded file whose last option runs past the end of the field. */
    static const uint8_t o1[] = {53, 1, 1, 52, 1, 1, 255};
    len = mk(B, 0, o1, sizeof o1);
    B[108 + 120] = 12;
    B[108 + 121] = 10;
    assert_int_equal(pkt4_parse(&P, B, len), NST_EMALFORMED);
    assert_int_equal(P.opt_count, 0);
    /* Same for sname (must not spill into file). */
    static const uint8_t o2[] = {53, 1, 1, 52, 1, 2, 255};
    len = mk(B, 0, o2, sizeof o2);
    B[44 + 62] = 12;
    B[44 + 63] = 1;
    assert_int_equal(pkt4_parse(&P, B, len), NST_EMALFORMED);
}

static void test_rai(void **state)
{
    (void)state;
    static const uint8_t opts[] = {
        53, 1, 1,
        82, 32,
        1, 6, 'e', 't', 'h', '0', '/', '1',      /* circuit-id */
        2, 3, 0xde, 0xad, 0x01,                   /* remote-id */
        9, 2, 0, 0,                               /* vendor-specific: counted, not kept */
        5, 4, 10, 0, 0, 1,                        /* link-selection */
        11, 4, 10, 0, 0, 254,                     /* server-id-override */
        1, 1, 'x',                                /* repeated circuit-id: first wins */
        255,
    };
    size_t len = mk(B, 0x0a000001, opts, sizeof opts);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    pkt4_rai_t rai;
    assert_int_equal(pkt4_rai_get(&P, &rai), 0);
    assert_int_equal(rai.count, 6);
    assert_true(rai.circuit_id.present);
    assert_int_equal(rai.circuit_id.len, 6);
    assert_memory_equal(rai.circuit_id.data, "eth0/1", 6);
    assert_true(rai.remote_id.present);
    assert_int_equal(rai.remote_id.len, 3);
    assert_memory_equal(rai.remote_id.data, "\xde\xad\x01", 3);
    assert_false(rai.subscriber_id.present);
    assert_false(rai.relay_port.present);
    uint32_t a;
    assert_true(pkt4_subopt_ipv4(&rai.link_selection, &a));
    assert_int_equal(a, 0x0a000001);
    assert_true(pkt4_subopt_ipv4(&rai.server_id_override, &a));
    assert_int_equal(a, 0x0a0000fe);
    assert_false(pkt4_subopt_ipv4(&rai.circuit_id, &a));
    assert_false(pkt4_subopt_ipv4(&rai.subscriber_id, &a));

    /* Sub-option running past the end of option 82. */
    static const uint8_t bad[] = {1, 2, 'a', 'b', 2, 5, 1, 2};
    assert_int_equal(pkt4_rai_parse(bad, sizeof bad, &rai), NST_EMALFORMED);
    assert_true(rai.circuit_id.present);       /* the ones before are kept */
    assert_false(rai.remote_id.present);
    static const uint8_t lone[] = {1};
    assert_int_equal(pkt4_rai_parse(lone, sizeof lone, &rai), NST_EMALFORMED);
    assert_int_equal(pkt4_rai_parse(NULL, 0, &rai), 0);
    assert_int_equal(rai.count, 0);

    /* No option 82. */
    static const uint8_t none[] = {53, 1, 1, 255};
    len = mk(B, 0, none, sizeof none);
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    assert_int_equal(pkt4_rai_get(&P, &rai), NST_ENOENT);
    assert_false(rai.circuit_id.present);
}

static void test_names_labels(void **state)
{
    (void)state;
    assert_string_equal(pkt4_msg_name(1), "DHCPDISCOVER");
    assert_string_equal(pkt4_msg_name(2), "DHCPOFFER");
    assert_string_equal(pkt4_msg_name(3), "DHCPREQUEST");
    assert_string_equal(pkt4_msg_name(4), "DHCPDECLINE");
    assert_string_equal(pkt4_msg_name(5), "DHCPACK");
    assert_string_equal(pkt4_msg_name(6), "DHCPNAK");
    assert_string_equal(pkt4_msg_name(7), "DHCPRELEASE");
    assert_string_equal(pkt4_msg_name(8), "DHCPINFORM");
    assert_string_equal(pkt4_msg_name(9), "UNKNOWN");
    assert_string_equal(pkt4_msg_name(10), "DHCPLEASEQUERY");
    assert_string_equal(pkt4_msg_name(11), "DHCPLEASEUNASSIGNED");
    assert_string_equal(pkt4_msg_name(12), "DHCPLEASEUNKNOWN");
    assert_string_equal(pkt4_msg_name(13), "DHCPLEASEACTIVE");
    assert_string_equal(pkt4_msg_name(14), "DHCPBULKLEASEQUERY");
    assert_string_equal(pkt4_msg_name(15), "DHCPLEASEQUERYDONE");
    assert_string_equal(pkt4_msg_name(16), "UNKNOWN");
    assert_string_equal(pkt4_msg_name(17), "DHCPLEASEQUERYSTATUS");
    assert_string_equal(pkt4_msg_name(18), "DHCPTLS");
    assert_string_equal(pkt4_msg_name(0), "UNKNOWN");
    assert_string_equal(pkt4_msg_name(19), "UNKNOWN");
    assert_string_equal(pkt4_msg_name(1000), "UNKNOWN");

    /* Too-short client-id: Kea prints no info and flags it; tid is unpadded hex. */
    static const uint8_t opts[] = {53, 1, 1, 61, 1, 7, 255};
    size_t len = mk(B, 0, opts, sizeof opts);
    B[4] = 0, B[5] = 0, B[6] = 0, B[7] = 5;
    B[1] = 6, B[2] = 2;
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    char label[128];
    pkt4_describe(&P, label, sizeof label);
    assert_string_equal(label, "[hwtype=6 aa:bb], cid=[no info], tid=0x5 (malformed client-id)");
    B[2] = 0;
    assert_int_equal(pkt4_parse(&P, B, len), 0);
    pkt4_describe(&P, label, sizeof label);
    assert_string_equal(label, "[hwtype=6 ], cid=[no info], tid=0x5 (malformed client-id)");
    assert_int_equal(pkt4_describe(&P, NULL, 0), (int)strlen(label));
}

/* ---- builder -------------------------------------------------------------------------------- */

static pkt4_hdr_t reply_hdr(void)
{
    pkt4_hdr_t h = {.op = PKT4_BOOTREPLY, .htype = 1, .hlen = 6, .hops = 1, .xid = 0xdeadbeef,
                    .secs = 0, .flags = PKT4_FLAG_BROADCAST, .yiaddr = 0xc000020a,
                    .siaddr = 0xc0000201, .giaddr = 0x0a000001};
    memcpy(h.chaddr, MAC, 6);
    return h;
}

static void test_builder_basic(void **state)
{
    (void)state;
    uint8_t buf[1500];
    pkt4_out_t o;
    pkt4_hdr_t h = reply_hdr();
    assert_int_equal(pkt4_out_init(&o, buf, 299, &h), NST_ENOSPACE);
    assert_int_equal(pkt4_out_opt_u8(&o, 53, 2), NST_EINVAL);
    assert_int_equal(pkt4_out_finish(&o), NST_EINVAL);

    assert_int_equal(pkt4_out_init(&o, buf, sizeof buf, &h), 0);
    assert_int_equal(pkt4_out_opt_u8(&o, 53, PKT4_OFFER), 0);
    assert_int_equal(pkt4_out_opt_ipv4(&o, 54, 0xc0000201), 0);
    assert_int_equal(pkt4_out_opt_u32(&o, 51, 3600), 0);
    assert_int_equal(pkt4_out_opt_u16(&o, 57, 1500), 0);
    assert_int_equal(pkt4_out_opt(&o, 80, NULL, 0), 0);        /* empty option */
    assert_int_equal(pkt4_out_opt(&o, 0, "x", 1), NST_EINVAL);
    assert_int_equal(pkt4_out_opt(&o, 255, "x", 1), NST_EINVAL);
    assert_int_equal(pkt4_out_opt(&o, 12, NULL, 3), NST_EINVAL);
    pkt4_out_set_sname(&o, "srv");
    pkt4_out_set_file(&o, "boot.img");
    pkt4_out_set_yiaddr(&o, 0xc000020b);
    pkt4_out_set_siaddr(&o, 0xc0000202);
    pkt4_out_set_flags(&o, 0);
    int len = pkt4_out_finish(&o);
    /* 240 + 3 + 6 + 6 + 4 + 2 + END = 262, padded to 300. */
    assert_int_equal(len, PKT4_BOOTP_MIN_LEN);
    assert_int_equal(buf[261], 255);
    for (int i = 262; i < 300; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(pkt4_out_finish(&o), NST_EINVAL);
    assert_int_equal(pkt4_out_opt_u8(&o, 53, 2), NST_EINVAL);
    assert_int_equal(pkt4_out_room(&o), 0);

    assert_int_equal(pkt4_parse(&P, buf, (size_t)len), 0);
    assert_int_equal(P.hdr.op, PKT4_BOOTREPLY);
    assert_int_equal(P.hdr.hops, 1);
    assert_int_equal(P.hdr.xid, 0xdeadbeef);
    assert_int_equal(P.hdr.flags, 0);
    assert_int_equal(P.hdr.yiaddr, 0xc000020b);
    assert_int_equal(P.hdr.siaddr, 0xc0000202);
    assert_int_equal(P.hdr.giaddr, 0x0a000001);
    assert_memory_equal(P.hdr.chaddr, MAC, 6);
    assert_string_equal((const char *)P.hdr.sname, "srv");
    assert_string_equal((const char *)P.hdr.file, "boot.img");
    assert_int_equal(P.msg_type, PKT4_OFFER);
    assert_int_equal(pkt4_opt_code_at(&P, 0), 53);
    uint32_t v;
    assert_true(pkt4_opt_u32(&P, 51, &v));
    assert_int_equal(v, 3600);
    assert_true(pkt4_opt_ipv4(&P, 54, &v));
    assert_int_equal(v, 0xc0000201);
    assert_true(pkt4_has_opt(&P, 80));

    /* sname/file are truncated to keep a terminating NUL; hlen is clamped. */
    h.hlen = 20;
    assert_int_equal(pkt4_out_init(&o, buf, sizeof buf, &h), 0);
    char longname[200];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    pkt4_out_set_sname(&o, longname);
    pkt4_out_set_file(&o, longname);
    assert_int_equal(pkt4_out_finish(&o), 300);
    assert_int_equal(buf[2], 16);
    assert_int_equal(buf[44 + 62], 'n');
    assert_int_equal(buf[44 + 63], 0);
    assert_int_equal(buf[108 + 126], 'n');
    assert_int_equal(buf[108 + 127], 0);
}

static void test_builder_split(void **state)
{
    (void)state;
    uint8_t buf[1500];
    uint8_t data[600];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i ^ 0x5a);
    pkt4_out_t o;
    pkt4_hdr_t h = reply_hdr();
    assert_int_equal(pkt4_out_init(&o, buf, sizeof buf, &h), 0);
    assert_int_equal(pkt4_out_opt_u8(&o, 53, PKT4_ACK), 0);
    assert_int_equal(pkt4_out_opt(&o, 119, data, sizeof data), 0);
    int len = pkt4_out_finish(&o);
    /* 240 + 3 + (2 + 255) + (2 + 255) + (2 + 90) + 1 */
    assert_int_equal(len, 850);
    assert_int_equal(buf[243], 119);
    assert_int_equal(buf[244], 255);
    assert_int_equal(buf[243 + 257], 119);
    assert_int_equal(buf[244 + 257], 255);
    assert_int_equal(buf[243 + 514], 119);
    assert_int_equal(buf[244 + 514], 90);
    assert_int_equal(buf[849], 255);
    assert_int_equal(pkt4_parse(&P, buf, (size_t)len), 0);
    assert_opt(&P, 119, data, sizeof data);
    /* Exactly 255 bytes is one instance, 256 two. */
    assert_int_equal(pkt4_out_init(&o, buf, sizeof buf, &h), 0);
    assert_int_equal(pkt4_out_opt(&o, 43, data, 255), 0);
    assert_int_equal(o.w.pos, 240 + 257);
    assert_int_equal(pkt4_out_opt(&o, 43, data, 256), 0);
    assert_int_equal(o.w.pos, 240 + 257 + 260);
}

static void test_builder_space(void **state)
{
    (void)state;
    /* The builder never writes past cap: bytes after it keep their canary value. */
    uint8_t buf[400];
    memset(buf, 0xee, sizeof buf);
    size_t cap = 320;
    pkt4_out_t o;
    pkt4_hdr_t h = reply_hdr();
    uint8_t data[300] = {0};
    assert_int_equal(pkt4_out_init(&o, buf, cap, &h), 0);
    assert_int_equal(pkt4_out_room(&o), cap - 240 - 1);        /* 79 */
    assert_int_equal(pkt4_out_opt(&o, 60, data, 78), NST_ENOSPACE);  /* 80 > 79 */
    assert_int_equal(o.w.pos, 240);                           /* nothing written */
    assert_int_equal(pkt4_out_opt(&o, 60, data, 77), 0);      /* 79: fills to cap - 1 */
    assert_int_equal(pkt4_out_room(&o), 0);
    assert_int_equal(pkt4_out_opt(&o, 53, data, 0), NST_ENOSPACE);
    assert_int_equal(pkt4_out_finish(&o), (int)cap);
    assert_int_equal(buf[cap - 1], 255);
    for (size_t i = cap; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0xee);
    /* A huge option fails cleanly. */
    assert_int_equal(pkt4_out_init(&o, buf, cap, &h), 0);
    assert_int_equal(pkt4_out_opt(&o, 60, data, SIZE_MAX - 3), NST_ENOSPACE);
    assert_int_equal(pkt4_out_opt(&o, 60, data, 300), NST_ENOSPACE);
    assert_int_equal(pkt4_out_finish(&o), 300);
    for (size_t i = cap; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0xee);
}

static void test_wire(void **state)
{
    (void)state;
    static const uint8_t in[] = {1, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    wire_rd_t r;
    wire_rd_init(&r, in, sizeof in);
    assert_int_equal(wire_rd_u8(&r), 1);
    assert_int_equal(wire_rd_u16(&r), 0x0203);
    assert_int_equal(wire_rd_u32(&r), 0x04050607);
    assert_int_equal(wire_rd_remaining(&r), 0);
    assert_true(wire_rd_ok(&r));
    assert_int_equal(wire_rd_u8(&r), 0);            /* past the end: 0 and sticky error */
    assert_false(wire_rd_ok(&r));
    wire_rd_init(&r, in, sizeof in);
    wire_rd_skip(&r, 5);
    assert_int_equal(wire_rd_u32(&r), 0);           /* 2 left: fails without consuming */
    assert_int_equal(r.pos, 5);
    assert_null(wire_rd_ptr(&r, 1));                /* error stays set */
    uint8_t b[3] = {9, 9, 9};
    wire_rd_bytes(&r, b, 3);
    assert_memory_equal(b, "\0\0\0", 3);
    assert_int_equal(wire_rd_remaining(&r), 0);

    uint8_t o[6];
    memset(o, 0xee, sizeof o);
    wire_wr_t w;
    wire_wr_init(&w, o, 5);
    wire_wr_u16(&w, 0x0102);
    wire_wr_u8(&w, 3);
    wire_wr_put_u16_at(&w, 0, 0xa1a2);
    assert_true(wire_wr_ok(&w));
    assert_int_equal(wire_wr_space(&w), 2);
    wire_wr_u32(&w, 0xffffffff);                    /* does not fit: nothing written */
    assert_false(wire_wr_ok(&w));
    wire_wr_u8(&w, 4);                              /* sticky */
    assert_int_equal(wire_wr_len(&w), 3);
    assert_memory_equal(o, "\xa1\xa2\x03\xee\xee\xee", 6);
    wire_wr_init(&w, o, 5);
    wire_wr_u8(&w, 1);
    wire_wr_put_u16_at(&w, 0, 1);                   /* would pass the written length */
    assert_false(wire_wr_ok(&w));
}

int test_pkt4_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire),
        cmocka_unit_test(test_discover),
        cmocka_unit_test(test_request_addresses),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_pad_end),
        cmocka_unit_test(test_long_options),
        cmocka_unit_test(test_overload),
        cmocka_unit_test(test_overload_bad),
        cmocka_unit_test(test_rai),
        cmocka_unit_test(test_names_labels),
        cmocka_unit_test(test_peek_type),
        cmocka_unit_test(test_builder_basic),
        cmocka_unit_test(test_builder_split),
        cmocka_unit_test(test_builder_space),
    };
    return cmocka_run_group_tests_name("pkt4", tests, NULL, NULL);
}
