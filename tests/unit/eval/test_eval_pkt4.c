/* eval: expressions evaluated on DHCPv4 messages built as bytes, parsed by the real codec
 * (pkt4_parse) and read through eval_view4: options, option 82 sub-options (relay4), option 43
 * sub-options, the vendor options 124/125 with enterprise ids, header fields and the daemon's
 * context. Several expressions are the ARM's and Kea's example configurations'. */
#include "test_eval.h"

#include <string.h>

#include "common/errcode.h"
#include "eval/eval_view4.h"
#include "proto/pkt4.h"

static pkt4_t P;                       /* ~68 KB: off the stack */
static uint8_t B[2048];
static eval_pkt_t V;
static eval_view4_ctx_t C;
static unsigned classes;               /* bit i: the packet is in class i */

static bool in_class(void *arg, unsigned index)
{
    return index < 32 && (*(unsigned *)arg >> index & 1);
}

/* A BOOTREQUEST from aa:bb:cc:dd:ee:ff (xid 0x1234abcd, ciaddr 192.0.2.55, giaddr 10.1.2.3,
 * siaddr 192.0.2.1) with the given options, parsed into P and viewed through V. */
static void packet(const uint8_t *opts, size_t optlen)
{
    static const uint8_t hdr[] = {1, 1, 6, 1, 0x12, 0x34, 0xab, 0xcd, 0, 7, 0x80, 0,
                                  192, 0, 2, 55, 0, 0, 0, 0, 192, 0, 2, 1, 10, 1, 2, 3,
                                  0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    memset(B, 0, sizeof B);
    memcpy(B, hdr, sizeof hdr);
    B[236] = 99, B[237] = 130, B[238] = 83, B[239] = 99;
    memcpy(B + 240, opts, optlen);
    assert_int_equal(pkt4_parse(&P, B, 240 + optlen), 0);
    C = (eval_view4_ctx_t){.iface = "eth1", .src = 0x0a010203, .dst = 0xc0000201,
                           .in_class = in_class, .arg = &classes};
    eval_view4(&V, &P, &C);
}

static const uint8_t pxe[] = {
    53, 1, 1,
    60, 32, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't', ':', 'A', 'r', 'c', 'h', ':', '0', '0',
    '0', '0', '0', ':', 'U', 'N', 'D', 'I', ':', '0', '0', '2', '0', '0', '1',
    61, 7, 1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    93, 2, 0x00, 0x09,
    12, 4, 'h', 'o', 's', 't',
    /* option 82: circuit-id "eth0/1", remote-id 0x0a0b, an empty sub-option 9 */
    82, 14, 1, 6, 'e', 't', 'h', '0', '/', '1', 2, 2, 0x0a, 0x0b, 9, 0,
    255,
};

static void test_options(void **state)
{
    (void)state;
    packet(pxe, sizeof pxe);
    EV_TRUE(&V,
            "option[60].text == 'PXEClient:Arch:00000:UNDI:002001'",
            "substring(option[60].hex,0,9) == 'PXEClient'",
            "option[vendor-class-identifier].exists");
    assert_false(ev_bool(&V, "option[vendor-class-identifier].text == 'PXEClient'"));
    EV_TRUE(&V,
            "option[93].hex == 0x0009", /* ARM */
            "option[host-name].text == 'host'",
            "option[61].hex == 0x01aabbccddeeff",
            "substring(option[61].hex,0,3) == 0x01aabb",
            "uint8totext(substring(option[61].hex,0,1)) == '1'",
            "uint16totext(option[93].hex) == '9'");
    assert_false(ev_bool(&V, "option[77].exists"));
    assert_true(ev_bool(&V, "option[53].hex == 0x01"));
    assert_false(ev_bool(&V, "option[0].exists or option[255].exists"));
    /* The task's typical class test: 'and' first. */
    assert_true(ev_bool(&V, "option[60].text == 'PXEClient' or substring(option[61].hex,0,3) == "
                            "0x01aabb and relay4[1].exists"));
    assert_false(ev_bool(&V, "option[60].text == 'PXEClient' or substring(option[61].hex,0,3) == "
                             "0x010203 and relay4[1].exists"));
    assert_true(ev_bool(&V, "ifelse(option[230].exists, option[230].hex, 'none') == 'none'"));
}

static void test_relay4(void **state)
{
    (void)state;
    packet(pxe, sizeof pxe);
    EV_TRUE(&V,
            "relay4[1].hex == 'eth0/1'",
            "relay4[1].text == 'eth0/1'",
            "relay4[2].hex == 0x0a0b",
            "relay4[9].exists and relay4[9].hex == ''");
    assert_false(ev_bool(&V, "relay4[3].exists"));
    assert_str_value(&V, "relay4[3].hex", "");
    assert_true(ev_bool(&V, "option[82].option[2].hex == 0x0a0b"));
    assert_str_value(&V, "hexstring(relay4[2].hex, ':')", "0a:0b");
    /* No option 82 at all. */
    static const uint8_t bare[] = {53, 1, 3, 255};
    packet(bare, sizeof bare);
    assert_false(ev_bool(&V, "relay4[1].exists"));
    assert_str_value(&V, "relay4[1].hex", "");
    /* A truncated sub-option: the ones before it are still read. */
    static const uint8_t trunc[] = {82, 7, 1, 2, 'a', 'b', 2, 5, 'x', 255};
    packet(trunc, sizeof trunc);
    assert_true(ev_bool(&V, "relay4[1].hex == 'ab'"));
    assert_false(ev_bool(&V, "relay4[2].exists"));
}

static void test_option43(void **state)
{
    (void)state;
    /* PXE-style sub-options of option 43, with a pad between them and an end after. */
    static const uint8_t opts[] = {53, 1, 1, 43, 14, 6, 1, 8, 0, 10, 4, 0, 'P', 'X', 'E', 255, 9, 1,
                                   'z', 255};
    packet(opts, sizeof opts);
    EV_TRUE(&V,
            "option[43].option[6].hex == 0x08",
            "option[43].option[10].hex == 0x00505845",
            "substring(option[43].option[10].text, 1, all) == 'PXE'",
            "option[43].option[6].exists");
    EV_FALSE(&V,
            "option[43].option[9].exists", /* after the end */
            "option[43].option[7].exists",
            "option[44].option[6].exists");
    assert_str_value(&V, "option[43].option[7].hex", "");
}

/* Option 125: enterprise 4491 (DOCSIS) with sub-options 1 and 2; option 124: 4491 with
 * "docsis3.0" then 3561 with "xy". */
static const uint8_t vendor[] = {
    53, 1, 1,
    125, 19, 0, 0, 0x11, 0x8b, 14, 1, 9, 'd', 'o', 'c', 's', 'i', 's', '3', '.', '0', 2, 1, 0x02,
    124, 21, 0, 0, 0x11, 0x8b, 9, 'd', 'o', 'c', 's', 'i', 's', '3', '.', '0', 0, 0, 0x0d, 0xe9, 2,
    'x', 'y',
    255,
};

static void test_vendor(void **state)
{
    (void)state;
    packet(vendor, sizeof vendor);
    EV_TRUE(&V,
            "vendor[*].exists",
            "vendor[0].exists",
            "vendor[4491].exists");
    assert_false(ev_bool(&V, "vendor[3561].exists"));
    assert_true(ev_bool(&V, "vendor.enterprise == 4491"));
    assert_true(ev_bool(&V, "vendor.enterprise == 0x0000118b"));
    assert_str_value(&V, "uint32totext(vendor.enterprise)", "4491");
    EV_TRUE(&V,
            "vendor[4491].option[1].exists",
            "vendor[4491].option[1].hex == 'docsis3.0'",
            "vendor[*].option[2].hex == 0x02");
    assert_false(ev_bool(&V, "vendor[4491].option[3].exists"));
    assert_false(ev_bool(&V, "vendor[3561].option[1].exists"));
    assert_str_value(&V, "vendor[3561].option[1].hex", "");
    /* Kea reads sub-option 0 as the vendor option's existence. */
    assert_str_value(&V, "vendor[4491].option[0].hex", "true");
    assert_true(ev_bool(&V, "vendor[4491].option[0].exists"));
    /* Vendor class: the first enterprise id counts; data[n] are the tuples of all of them. */
    assert_true(ev_bool(&V, "vendor-class[*].exists"));
    assert_true(ev_bool(&V, "vendor-class[4491].exists"));
    assert_false(ev_bool(&V, "vendor-class[3561].exists"));
    EV_TRUE(&V,
            "vendor-class.enterprise == 4491",
            "vendor-class[4491].data == 'docsis3.0'",
            "vendor-class[4491].data[0] == 'docsis3.0'",
            "vendor-class[*].data[1] == 'xy'",
            "vendor-class[4491].data[2] == ''",
            "vendor-class[3561].data[1] == ''",
            "substring(vendor-class[4491].data,0,6) == 'docsis'");
}

static void test_vendor_malformed(void **state)
{
    (void)state;
    /* 125 shorter than an enterprise id; 124 whose second tuple runs past the end. */
    static const uint8_t bad[] = {125, 3, 0, 0, 1, 124, 8, 0, 0, 0, 1, 1, 'a', 3, 'b', 255};
    packet(bad, sizeof bad);
    assert_false(ev_bool(&V, "vendor[*].exists"));
    assert_str_value(&V, "vendor.enterprise", "");
    assert_false(ev_bool(&V, "vendor-class[*].exists"));
    assert_str_value(&V, "vendor-class[1].data", "");
    /* 125 with an enterprise id only, 124 with an enterprise id only: present, empty. */
    static const uint8_t bare[] = {125, 4, 0, 0, 0, 7, 124, 4, 0, 0, 0, 7, 255};
    packet(bare, sizeof bare);
    assert_true(ev_bool(&V, "vendor[7].exists and vendor-class[7].exists"));
    assert_false(ev_bool(&V, "vendor[7].option[1].exists"));
    assert_str_value(&V, "vendor-class[7].data", "");
    /* A 125 sub-option running past its data-len chunk makes the option unreadable. */
    static const uint8_t over[] = {125, 8, 0, 0, 0, 7, 2, 1, 5, 'x', 255};
    packet(over, sizeof over);
    assert_false(ev_bool(&V, "vendor[7].exists"));
    /* 124: an enterprise id must be followed by at least 2 bytes, as Kea checks. */
    static const uint8_t tail[] = {124, 11, 0, 0, 0, 7, 1, 'a', 0, 0, 0, 8, 0, 255};
    packet(tail, sizeof tail);
    assert_false(ev_bool(&V, "vendor-class[*].exists"));
}

static void test_fields(void **state)
{
    (void)state;
    packet(pxe, sizeof pxe);
    assert_true(ev_bool(&V, "pkt4.mac == 0xaabbccddeeff"));
    assert_str_value(&V, "hexstring(pkt4.mac, ':')", "aa:bb:cc:dd:ee:ff");
    EV_TRUE(&V,
            "pkt4.hlen == 6",
            "pkt4.hlen == 0x00000006",
            "pkt4.htype == 1",
            "pkt4.ciaddr == 192.0.2.55",
            "pkt4.giaddr == 10.1.2.3",
            "pkt4.yiaddr == 0.0.0.0",
            "pkt4.siaddr == 192.0.2.1",
            "pkt4.msgtype == 1",
            "pkt4.transid == 0x1234abcd");
    assert_str_value(&V, "uint32totext(pkt4.transid)", "305441741");
    assert_str_value(&V, "addrtotext(pkt4.giaddr)", "10.1.2.3");
    EV_TRUE(&V,
            "pkt.iface == 'eth1'",
            "pkt.src == 10.1.2.3",
            "pkt.dst == 192.0.2.1");
    /* Kea's length: the 236-byte header and each option's 2 + data bytes (no cookie, end, pad). */
    assert_str_value(&V, "uint32totext(pkt.len)", "308");
    /* A message without option 53 has message type 0; a longer hardware address is hlen bytes. */
    static const uint8_t none[] = {12, 1, 'x'};
    packet(none, sizeof none);
    assert_true(ev_bool(&V, "pkt4.msgtype == 0"));
    assert_str_value(&V, "uint32totext(pkt.len)", "239");
    B[2] = 16;
    assert_int_equal(pkt4_parse(&P, B, 240 + sizeof none), 0);
    assert_true(ev_bool(&V, "pkt4.mac == 0xaabbccddeeff00000000000000000000"));
    assert_true(ev_bool(&V, "pkt4.hlen == 16"));
    /* The context's interface may be missing. */
    C.iface = NULL;
    assert_str_value(&V, "pkt.iface", "");
}

static void test_classes(void **state)
{
    (void)state;
    packet(pxe, sizeof pxe);
    classes = 1u << 3;                 /* foo */
    assert_true(ev_bool(&V, "member('foo')"));
    assert_false(ev_bool(&V, "member('bar') or known"));
    assert_true(ev_bool(&V, "member('foo') and option[93].hex == 0x0009"));
    classes = 1u << 1;
    assert_true(ev_bool(&V, "known and not unknown"));
    C.in_class = NULL;
    assert_false(ev_bool(&V, "known"));
    classes = 0;
}

/* The expressions of Kea's example configurations (kea4/classify.json and the ARM). */
static void test_kea_examples(void **state)
{
    (void)state;
    static const uint8_t aastra[] = {53, 1, 1, 60, 10, 'A', 'a', 's', 't', 'r', 'a', '6', '7', '3',
                                     '1', 255};
    packet(aastra, sizeof aastra);
    assert_true(ev_bool(&V, "substring(option[60].hex,0,6) == 'Aastra'"));
    assert_true(ev_bool(&V, "pkt4.msgtype == 1"));
    EV_FALSE(&V,
            "pkt4.transid == 0",
            "pkt4.mac == 0x010203040506",
            "substring(option[61].hex,0,3) == 'foo'");
    static const uint8_t foo[] = {53, 1, 1, 61, 4, 'f', 'o', 'o', '1', 60, 9, 'P', 'X', 'E',
                                  'C', 'l', 'i', 'e', 'n', 't', 255};
    packet(foo, sizeof foo);
    assert_true(ev_bool(&V, "substring(option[61].hex,0,3) == 'foo'"));
    assert_true(ev_bool(&V, "option[vendor-class-identifier].text == 'PXEClient'"));
}

int test_eval_pkt4_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),  cmocka_unit_test(test_relay4),
        cmocka_unit_test(test_option43), cmocka_unit_test(test_vendor),
        cmocka_unit_test(test_vendor_malformed), cmocka_unit_test(test_fields),
        cmocka_unit_test(test_classes),  cmocka_unit_test(test_kea_examples),
    };
    return cmocka_run_group_tests_name("eval_pkt4", tests, NULL, NULL);
}
