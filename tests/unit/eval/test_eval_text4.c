/* eval: DHCPv4 options as Kea 2.2 decodes them by their definitions (eval_text4.c): .text of
 * every kind of option and option[a].option[b], compared with what kea-dhcp4 2.2 evaluated on
 * the same client options (its EVAL_DEBUG_OPTION / EVAL_DEBUG_SUB_OPTION log lines); options 43
 * and 224..254 plain before the first classification pass, decoded after it. */
#include "test_eval.h"

#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "eval/eval_view4.h"
#include "proto/optdef.h"
#include "proto/pkt4.h"

static pkt4_t P;
static uint8_t B[2048];
static eval_pkt_t V;
static eval_view4_ctx_t C;
static optdef_registry_t *defs;

static int opt_code(void *ctx, const char *name, uint16_t *code)
{
    const optdef_t *d = optdef_find_by_name(ctx, OPTDEF_SPACE_DHCP4, name);
    if (!d)
        return NST_ENOENT;
    *code = d->code;
    return 0;
}

/* The client options of the comparison with Kea (hex of tests/integration/test_classes.py's
 * test_option_text_as_kea). */
static const char client[] =
    "0c03706331" "3c03505845" "3d0401020304" "3204c000024d" "390205dc" "3703010306" "52060104706f7274"
    "7d0a0000270f050203616263" "7c090000118b0403616263" "5109000000036162630000" "de03616263" "4d0403616263"
    "5d020007" "5e03010201" "61110011111111111111111111111111111111" "2b050103616263" "330400000e10"
    "7604c0000201" "df0700070103616263" "e00105" "770a03616263000378797a00" "790818c0000ac0000201"
    "0608c0000235c0000236" "0304c0000201" "1a0205dc" "130101";

static void packet(bool decoded)
{
    static const uint8_t hdr[] = {1, 1, 6, 0, 0, 0, 0x55, 0x01};
    memset(B, 0, sizeof B);
    memcpy(B, hdr, sizeof hdr);
    B[236] = 99, B[237] = 130, B[238] = 83, B[239] = 99;
    size_t n = 240;
    B[n++] = 53, B[n++] = 1, B[n++] = 1;
    for (const char *p = client; p[0]; p += 2) {
        unsigned x;
        sscanf(p, "%2x", &x);
        B[n++] = (uint8_t)x;
    }
    B[n++] = 255;
    assert_int_equal(pkt4_parse(&P, B, n), 0);
    C = (eval_view4_ctx_t){.iface = "eth1", .deferred_decoded = decoded};
    eval_view4(&V, &P, &C);
}

/* The value of a string expression compiled with the definitions. */
static const char *value(const char *text)
{
    static char out[2048];
    eval_names_t names = {.family = 4, .option_code = opt_code, .ctx = defs, .optdefs = defs};
    eval_t *e = NULL;
    char err[256];
    if (eval_compile(text, EVAL_STRING, &names, &e, err, sizeof err))
        fail_msg("%s: %s", text, err);
    size_t n = 0;
    assert_int_equal(eval_string(e, &V, (uint8_t *)out, sizeof out - 1, &n), 0);
    out[n] = 0;
    eval_free(e);
    return out;
}

#define SAME(text, want) \
    do { \
        const char *got_ = value(text); \
        if (strcmp(got_, want)) \
            fail_msg("%s: got '%s', Kea's '%s'", text, got_, want); \
    } while (0)

static void test_text_as_kea(void **state)
{
    (void)state;
    packet(false);
    SAME("option[12].text", "pc1");
    SAME("option[60].text", "PXE");
    SAME("option[61].text", "type=061, len=004: 01:02:03:04");
    SAME("option[50].text", "type=050, len=004: 192.0.2.77 (ipv4-address)");
    SAME("option[57].text", "type=057, len=002: 1500 (uint16)");
    SAME("option[55].text", "type=055, len=003: 1(uint8) 3(uint8) 6(uint8)");
    SAME("option[82].text", "type=082, len=006:,\noptions:\n  type=001, len=004: 70:6f:72:74");
    SAME("option[125].text", "type=125, len=010: 9999 (uint32) 5 (uint8),\noptions:\n  type=002, len=003: 61:62:63");
    SAME("option[124].text", "type=124, len=9,  enterprise id=0x118b, data-len0=4, vendor-class-data0='\003abc'");
    SAME("option[81].text", "type=81 (CLIENT_FQDN), flags: (N=0, E=0, O=0, S=0), domain-name='\\003abc\\000\\000' "
                            "(partial)");
    SAME("option[222].text", "type=222, len=003: 61:62:63");
    SAME("option[77].text", "type=077, len=004: 03:61:62:63");
    SAME("option[93].text", "type=093, len=002: 7(uint16)");
    SAME("option[94].text", "type=094, len=003: 1 (uint8) 2 (uint8) 1 (uint8)");
    SAME("option[97].text", "type=097, len=017: 0 (uint8) 11111111111111111111111111111111 (binary)");
    SAME("option[43].text", "type=043, len=005: 01:03:61:62:63");  /* not decoded yet */
    SAME("option[51].text", "type=051, len=004: 3600 (uint32)");
    SAME("option[118].text", "type=118, len=004: 192.0.2.1 (ipv4-address)");
    SAME("option[223].text", "type=223, len=007: 7 (uint16),\noptions:\n  type=001, len=003: 61:62:63");
    SAME("option[224].text", "type=224, len=001: 05");              /* not decoded yet */
    SAME("option[119].text", "type=119, len=010: \"abc.\" (fqdn) \"xyz.\" (fqdn)");
    SAME("option[121].text", "type=121, len=008: 18:c0:00:0a:c0:00:02:01");
    SAME("option[6].text", "type=006, len=008: 192.0.2.53 192.0.2.54");
    SAME("option[3].text", "type=003, len=004: 192.0.2.1");
    SAME("option[26].text", "type=026, len=002: 1500 (uint16)");
    SAME("option[19].text", "type=019, len=001: true (boolean)");
    SAME("option[12].hex", "pc1");
    SAME("option[99].text", "");
}

static void test_suboptions_as_kea(void **state)
{
    (void)state;
    packet(false);
    SAME("option[82].option[1].hex", "port");
    SAME("option[82].option[1].text", "type=001, len=004: 70:6f:72:74");
    SAME("option[223].option[1].hex", "abc");   /* after the option's own uint16 */
    SAME("option[223].option[1].text", "type=001, len=003: 61:62:63");
    SAME("option[125].option[2].hex", "abc");   /* in the vendor's space */
    SAME("option[125].option[2].text", "type=002, len=003: 61:62:63");
    /* no sub-options where the definition encapsulates nothing (or there is none) */
    static const char *const none[] = {"option[61].option[1]", "option[222].option[97]", "option[224].option[5]",
                                       "option[12].option[112]", "option[93].option[0]", "option[119].option[3]",
                                       "option[43].option[1]"};
    char text[64];
    for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
        snprintf(text, sizeof text, "%s.hex", none[i]);
        SAME(text, "");
        snprintf(text, sizeof text, "%s.text", none[i]);
        SAME(text, "");
        snprintf(text, sizeof text, "ifelse(%s.exists, 'yes', 'no')", none[i]);
        SAME(text, "no");
    }
}

static void test_deferred_options_decoded(void **state)
{
    (void)state;
    packet(true);
    SAME("option[43].option[1].hex", "abc");
    SAME("option[43].text", "type=043, len=005:,\noptions:\n  type=001, len=003: 61:62:63");
    SAME("option[224].text", "type=224, len=001: 5 (uint8)");
}

static void test_string_options_lose_trailing_nuls(void **state)
{
    (void)state;
    static const uint8_t opts[] = {53, 1, 1, 12, 4, 'p', 'c', '1', 0, 60, 2, 0, 0, 255};
    memset(B, 0, sizeof B);
    B[0] = 1, B[1] = 1, B[2] = 6;
    B[236] = 99, B[237] = 130, B[238] = 83, B[239] = 99;
    memcpy(B + 240, opts, sizeof opts);
    assert_int_equal(pkt4_parse(&P, B, 240 + sizeof opts), 0);
    C = (eval_view4_ctx_t){.deferred_decoded = true};
    eval_view4(&V, &P, &C);
    SAME("option[12].hex", "pc1");
    SAME("option[12].text", "pc1");
    SAME("ifelse(option[60].exists, 'yes', 'no')", "no"); /* only NULs: Kea skips the option */
}

static int setup(void **state)
{
    (void)state;
    char err[128];
    defs = optdef_registry_new();
    assert_int_equal(optdef_registry_define(defs, "cont", 223, "uint16", NULL, "dhcp4", false, "foo", err, sizeof err),
                     0);
    assert_int_equal(optdef_registry_define(defs, "plainu8", 224, "uint8", NULL, "dhcp4", false, "", err, sizeof err),
                     0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    optdef_registry_free(defs);
    return 0;
}

int test_eval_text4_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_as_kea),
        cmocka_unit_test(test_suboptions_as_kea),
        cmocka_unit_test(test_deferred_options_decoded),
        cmocka_unit_test(test_string_options_lose_trailing_nuls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
