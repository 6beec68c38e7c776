/* pkt6: builder and reader round trips, nested options, relay encapsulation, malformed input. */
#include "test_proto.h"

#include <string.h>

#include "common/errcode.h"
#include "proto/pkt6.h"

static const uint8_t DUID[] = {0, 3, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

static int solicit(uint8_t *buf, size_t cap)
{
    pkt6_out_t o;
    pkt6_out_init(&o, buf, cap, PKT6_SOLICIT, 0x123456);
    pkt6_out_opt(&o, PKT6_OPT_CLIENTID, DUID, sizeof DUID);
    pkt6_out_opt_u16(&o, PKT6_OPT_ELAPSED_TIME, 7);
    pkt6_out_begin(&o, PKT6_OPT_IA_NA);
    pkt6_out_u32(&o, 9);
    pkt6_out_u32(&o, 100);
    pkt6_out_u32(&o, 200);
    pkt6_out_begin(&o, PKT6_OPT_IAADDR);
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 5};
    pkt6_out_bytes(&o, a, 16);
    pkt6_out_u32(&o, 300);
    pkt6_out_u32(&o, 400);
    pkt6_out_end(&o);
    pkt6_out_end(&o);
    pkt6_out_opt(&o, PKT6_OPT_RAPID_COMMIT, NULL, 0);
    return pkt6_out_len(&o);
}

static void test_build_and_read(void **state)
{
    (void)state;
    uint8_t buf[256];
    int n = solicit(buf, sizeof buf);
    /* 4 header + (4+10) client id + (4+2) elapsed + (4+12+(4+24)) IA_NA + 4 rapid commit */
    assert_int_equal(n, 4 + 14 + 6 + 44 + 4);
    pkt6_view_t v;
    assert_int_equal(pkt6_parse(buf, (size_t)n, &v), 0);
    assert_int_equal(v.type, PKT6_SOLICIT);
    assert_int_equal(v.xid, 0x123456);
    size_t len;
    const uint8_t *cid = pkt6_opt_find(v.opts, v.opts_len, PKT6_OPT_CLIENTID, &len);
    assert_non_null(cid);
    assert_int_equal(len, sizeof DUID);
    assert_memory_equal(cid, DUID, sizeof DUID);
    assert_non_null(pkt6_opt_find(v.opts, v.opts_len, PKT6_OPT_RAPID_COMMIT, &len));
    assert_int_equal(len, 0);
    const uint8_t *ia = pkt6_opt_find(v.opts, v.opts_len, PKT6_OPT_IA_NA, &len);
    assert_int_equal(len, 40);
    uint32_t iaid;
    size_t olen;
    const uint8_t *sub = pkt6_ia_opts(ia, len, &iaid, &olen);
    assert_int_equal(iaid, 9);
    const uint8_t *addr = pkt6_opt_find(sub, olen, PKT6_OPT_IAADDR, &len);
    assert_int_equal(len, 24);
    assert_int_equal(addr[15], 5);
    assert_int_equal(pkt6_status_of(sub, olen), PKT6_STATUS_SUCCESS);
    assert_null(pkt6_opt_find(v.opts, v.opts_len, PKT6_OPT_SERVERID, NULL));
}

static void test_relay_round_trip(void **state)
{
    (void)state;
    uint8_t inner[256], buf[512];
    int n = solicit(inner, sizeof inner);
    uint8_t link[16] = {0x20, 0x01, [15] = 1}, peer[16] = {0xfe, 0x80, [15] = 2};
    pkt6_out_t o;
    pkt6_out_init_relay(&o, buf, sizeof buf, PKT6_RELAY_FORW, 0, link, peer);
    pkt6_out_opt(&o, PKT6_OPT_INTERFACE_ID, "eth0", 4);
    pkt6_out_opt(&o, PKT6_OPT_RELAY_MSG, inner, (size_t)n);
    int m = pkt6_out_len(&o);
    assert_int_equal(m, 34 + 8 + 4 + n);
    pkt6_view_t outer, in, relays[2];
    size_t k;
    assert_int_equal(pkt6_parse(buf, (size_t)m, &outer), 0);
    assert_true(pkt6_is_relay(outer.type));
    assert_int_equal(pkt6_unrelay(&outer, &in, relays, 2, &k), 0);
    assert_int_equal(k, 1);
    assert_memory_equal(relays[0].link, link, 16);
    assert_memory_equal(relays[0].peer, peer, 16);
    assert_int_equal(in.type, PKT6_SOLICIT);
    assert_int_equal(in.xid, 0x123456);
    /* a relay without RELAY_MSG, and one nested past the hop limit, are refused */
    pkt6_out_init_relay(&o, buf, sizeof buf, PKT6_RELAY_REPL, 0, link, peer);
    m = pkt6_out_len(&o);
    assert_int_equal(pkt6_parse(buf, (size_t)m, &outer), 0);
    assert_int_equal(pkt6_unrelay(&outer, &in, NULL, 0, NULL), NST_EMALFORMED);
    pkt6_out_init_relay(&o, buf, sizeof buf, PKT6_RELAY_FORW, 0, link, peer);
    for (int i = 0; i < PKT6_MAX_NEST; i++) {
        pkt6_out_begin(&o, PKT6_OPT_RELAY_MSG);
        uint8_t h[34] = {PKT6_RELAY_FORW};
        pkt6_out_bytes(&o, h, sizeof h);
    }
    assert_int_equal(pkt6_out_len(&o), NST_EINVAL);   /* options left open */
}

static void test_malformed(void **state)
{
    (void)state;
    uint8_t buf[64] = {PKT6_REPLY, 0, 0, 1, 0, PKT6_OPT_SERVERID, 0, 40, 1, 2};
    pkt6_view_t v;
    assert_int_equal(pkt6_parse(buf, 3, &v), NST_ETRUNCATED);
    assert_int_equal(pkt6_parse(buf, 0, &v), NST_EMALFORMED);
    assert_int_equal(pkt6_parse(buf, 10, &v), 0);
    /* the server id claims 40 bytes, 2 are there: iteration stops, flagged */
    pkt6_opt_iter_t it;
    pkt6_opt_iter_init(&it, v.opts, v.opts_len);
    uint16_t c;
    const uint8_t *d;
    size_t l;
    assert_false(pkt6_opt_next(&it, &c, &d, &l));
    assert_true(it.bad);
    assert_null(pkt6_opt_find(v.opts, v.opts_len, PKT6_OPT_SERVERID, NULL));
    /* a relay header cut short */
    buf[0] = PKT6_RELAY_REPL;
    assert_int_equal(pkt6_parse(buf, 33, &v), NST_ETRUNCATED);
    /* a status code option too short to hold its code */
    uint8_t st[] = {0, PKT6_OPT_STATUS_CODE, 0, 1, 0};
    assert_int_equal(pkt6_status_of(st, sizeof st), -1);
    uint8_t st2[] = {0, PKT6_OPT_STATUS_CODE, 0, 4, 0, 2, 'n', 'o'};
    assert_int_equal(pkt6_status_of(st2, sizeof st2), PKT6_STATUS_NO_ADDRS_AVAIL);
    /* builder overflow is sticky */
    pkt6_out_t o;
    uint8_t small[12];
    pkt6_out_init(&o, small, sizeof small, PKT6_SOLICIT, 1);
    pkt6_out_opt(&o, PKT6_OPT_CLIENTID, DUID, sizeof DUID);
    pkt6_out_opt_u16(&o, PKT6_OPT_ELAPSED_TIME, 0);
    assert_int_equal(pkt6_out_len(&o), NST_ENOSPACE);
}

int test_pkt6_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_and_read),
        cmocka_unit_test(test_relay_round_trip),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests_name("pkt6", tests, NULL, NULL);
}
