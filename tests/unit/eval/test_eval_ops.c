/* eval: every operator and conversion with Kea's results (the ARM's examples and Kea's edge
 * cases), and the accessors over a fake packet view — the DHCPv6 ones included, which no real
 * packet can reach yet. */
#include "test_eval.h"

#include <stdio.h>
#include <string.h>

#include "common/errcode.h"

static fake_pkt_t F4 = {.family = 4};
static eval_pkt_t V4;

static int setup(void **state)
{
    (void)state;
    fake_view(&V4, &F4);
    return 0;
}

static void test_equal(void **state)
{
    (void)state;
    assert_false(ev_bool(&V4, "'foo' == 'bar'"));
    assert_true(ev_bool(&V4, "'foo' == 'foo'"));
    assert_false(ev_bool(&V4, "'foo' == 'foo '"));
    assert_false(ev_bool(&V4, "'' == 0x00"));
    assert_true(ev_bool(&V4, "'' == ''"));
    assert_true(ev_bool(&V4, "0x00ff == 0x00ff"));
}

static void test_substring(void **state)
{
    (void)state;
    /* The ARM's examples. */
    EV_TRUE(&V4,
            "substring('foobar', 0, 6) == 'foobar'",
            "substring('foobar', 3, 3) == 'bar'",
            "substring('foobar', 3, all) == 'bar'",
            "substring('foobar', 1, 4) == 'ooba'",
            "substring('foobar', -5, 4) == 'ooba'",
            "substring('foobar', -1, -3) == 'oba'",
            "substring('foobar', 4, -2) == 'ob'",
            "substring('foobar', 10, 2) == ''");
    /* Edges as Kea computes them. */
    EV_STRS(&V4,
            {"substring('foobar', 6, 1)", ""},
            {"substring('foobar', -6, all)", "foobar"},
            {"substring('foobar', -7, 1)", ""},
            {"substring('foobar', 5, 10)", "r"},
            {"substring('foobar', 0, 0)", ""},
            {"substring('foobar', 2, -5)", "fo"}, /* clipped at the start */
            {"substring('foobar', 0, -1)", ""},
            {"substring('foobar', 5, -2147483648)", "fooba"},
            {"substring('foobar', 1, 2147483647)", "oobar"},
            {"substring('', 0, all)", ""});
    /* Arguments Kea cannot read as an int fail the evaluation, unless the string is empty. */
    assert_int_equal(ev_rc(&V4, EVAL_STRING, "substring('abc', 3000000000, 1)"), NST_EINVAL);
    assert_int_equal(ev_rc(&V4, EVAL_STRING, "substring('abc', 0, -3000000000)"), NST_EINVAL);
    assert_int_equal(ev_rc(&V4, EVAL_STRING, "substring('', 3000000000, 1)"), 0);
    assert_int_equal(ev_rc(&V4, EVAL_BOOL, "substring('abc', 3000000000, 1) == ''"), NST_EINVAL);
}

/* substring('foobar', start, length) against the results Kea's own token tests expect. */
static void test_substring_table(void **state)
{
    (void)state;
    static const struct {
        const char *start, *len, *want;
    } cases[] = {
        {"0", "6", "foobar"}, {"0", "all", "foobar"}, {"0", "123456", "foobar"},
        {"-6", "all", "foobar"}, {"3", "3", "bar"}, {"3", "all", "bar"}, {"-3", "all", "bar"},
        {"-3", "123", "bar"}, {"1", "4", "ooba"}, {"-5", "4", "ooba"}, {"-1", "-4", "ooba"},
        {"5", "-4", "ooba"}, {"5", "all", "r"}, {"5", "1", "r"}, {"5", "5", "r"},
        {"-1", "all", "r"}, {"-1", "1", "r"}, {"-1", "5", "r"}, {"0", "-4", ""}, {"1", "-4", "f"},
        {"2", "-4", "fo"}, {"3", "-4", "foo"}, {"3", "4", "bar"}, {"4", "4", "ar"}, {"5", "4", "r"},
        {"6", "4", ""}, {"-7", "1", ""}, {"-7", "-11", ""}, {"-7", "all", ""}, {"6", "1", ""},
        {"6", "-11", ""}, {"6", "all", ""}, {"0", "0", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[96], out[16];
        snprintf(text, sizeof text, "substring('foobar', %s, %s)", cases[i].start, cases[i].len);
        ev_str(&V4, text, out, sizeof out);
        if (strcmp(out, cases[i].want) != 0)
            print_error("%s: '%s', wanted '%s'\n", text, out, cases[i].want);
        assert_string_equal(out, cases[i].want);
    }
    /* split(value, delimiters, n) likewise, with one and with two delimiters. */
    static const char *const fields[] = {"", "", "two", "three", "", "five", "", ""};
    for (int n = 0; n <= 7; n++) {
        char text[96], out[16];
        snprintf(text, sizeof text, "split('.two.three..five.', '.', %d)", n);
        ev_str(&V4, text, out, sizeof out);
        assert_string_equal(out, fields[n]);
        snprintf(text, sizeof text, "split('.two:three.:five.', '.:', %d)", n);
        ev_str(&V4, text, out, sizeof out);
        assert_string_equal(out, fields[n]);
    }
    assert_str_value(&V4, "split('just_one', '.', 1)", "just_one");
}

static void test_split(void **state)
{
    (void)state;
    /* The ARM's examples. */
    EV_TRUE(&V4,
            "split('one.two..four', '.', 1) == 'one'",
            "split('one.two..four', '.', 2) == 'two'",
            "split('one.two..four', '.', 3) == ''",
            "split('one.two..four', '.', 4) == 'four'",
            "split('one.two..four', '.', 5) == ''");
    assert_str_value(&V4, "split('foo.bar', '.', 2)", "bar");
    /* Any of the delimiters splits; adjacent ones are not merged. */
    EV_STRS(&V4,
            {"split('a,b;c', ',;', 3)", "c"},
            {"split('a,;c', ',;', 2)", ""},
            {"split('.a.', '.', 1)", ""},
            {"split('.a.', '.', 3)", ""},
            {"split('.a.', '.', 2)", "a"},
            {"split('abc', '.', 1)", "abc"},
            {"split('abc', '.', 0)", ""},
            {"split('abc', '.', -1)", ""});
    /* Empty value: empty; no delimiters: the value itself, whatever the field. */
    assert_str_value(&V4, "split('', '.', 1)", "");
    assert_str_value(&V4, "split('a.b', '', 7)", "a.b");
    assert_int_equal(ev_rc(&V4, EVAL_STRING, "split('a.b', '.', 3000000000)"), NST_EINVAL);
    assert_int_equal(ev_rc(&V4, EVAL_STRING, "split('a.b', '', 3000000000)"), NST_EINVAL);
}

static void test_concat_ifelse_hexstring(void **state)
{
    (void)state;
    assert_true(ev_bool(&V4, "concat('foo', 'bar') == 'foobar'"));
    assert_str_value(&V4, "concat('', '')", "");
    assert_str_value(&V4, "'a' + 0x00 + 'b'", "a\0b");
    EV_STRS(&V4,
            {"ifelse('foo' == 'bar', 'us', 'them')", "them"},
            {"ifelse('foo' == 'foo', 'us', 'them')", "us"},
            {"ifelse(option[230].exists, option[230].hex, 'none')", "none"},
            {"hexstring(0x0a1b2c3e, ':')", "0a:1b:2c:3e"},
            {"hexstring(0x0a1b2c3e, '-')", "0a-1b-2c-3e"},
            {"hexstring(0x0a1b2c3e, '')", "0a1b2c3e"},
            {"hexstring(0xff, ':')", "ff"},
            {"hexstring('', ':')", ""},
            {"hexstring('AB', ' :: ')", "41 :: 42"});
    /* Computed values are cut at EVAL_VALUE_MAX. */
    char text[1200] = "hexstring('";
    for (int i = 0; i < 400; i++)
        strcat(text, "x");
    strcat(text, "', ':')");
    char out[4096];
    assert_int_equal(ev_str(&V4, text, out, sizeof out), EVAL_VALUE_MAX);
    assert_memory_equal(out, "78:78:78", 8);
}

/* eval_string() cuts the value at the caller's capacity. */
static void test_string_cap(void **state)
{
    (void)state;
    eval_t *e = NULL;
    char err[64];
    assert_int_equal(eval_compile("'abc' + 'def'", EVAL_STRING, &test_names4, &e, err, sizeof err), 0);
    uint8_t buf[8] = {0};
    size_t n = 99;
    assert_int_equal(eval_string(e, &V4, buf, 4, &n), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "abcd\0", 5);
    assert_int_equal(eval_string(e, &V4, buf, 0, &n), 0);
    assert_int_equal(n, 0);
    bool b;
    assert_int_equal(eval_bool(e, &V4, &b), NST_EINVAL);     /* a string expression */
    eval_free(e);
}

static void test_totext(void **state)
{
    (void)state;
    EV_STRS(&V4,
            {"addrtotext(192.10.0.1)", "192.10.0.1"},
            {"addrtotext(2003:db8::)", "2003:db8::"},
            {"addrtotext(0xc0000201)", "192.0.2.1"},
            {"addrtotext(::ffff:1.2.3.4)", "::ffff:1.2.3.4"},
            {"addrtotext('')", ""});
    assert_int_equal(ev_rc(&V4, EVAL_STRING, "addrtotext(0x010203)"), NST_EINVAL);
    EV_STRS(&V4,
            {"int8totext(0xff)", "-1"},
            {"int8totext(0x80)", "-128"},
            {"int8totext(0x7f)", "127"},
            {"uint8totext(0xff)", "255"},
            {"int16totext(0xffff)", "-1"},
            {"int16totext(0x8000)", "-32768"},
            {"int16totext(0x1234)", "4660"},
            {"uint16totext(0xffff)", "65535"},
            {"int32totext(0xffffffff)", "-1"},
            {"int32totext(0x80000000)", "-2147483648"},
            {"uint32totext(4294967295)", "4294967295"},
            {"uint32totext(0)", "0"},
            {"uint32totext(123)", "123"});
    /* Empty stays empty; any other size than the conversion reads fails, as in Kea — the ARM's
     * uint8totext(255) among them (an integer literal is 4 bytes). */
    static const char *const empty[] = {"int8totext('')", "int16totext('')", "int32totext('')",
                                        "uint8totext('')", "uint16totext('')", "uint32totext('')"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        char out[8];
        assert_int_equal(ev_str(&V4, empty[i], out, sizeof out), 0);
    }
    static const char *const bad[] = {"int8totext(0x0102)", "uint8totext(255)", "int16totext(0x01)",
                                      "uint16totext(65535)", "int32totext(0x010203)",
                                      "uint32totext(0x0102030405)"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ev_rc(&V4, EVAL_STRING, bad[i]), NST_EINVAL);
    /* A failure anywhere fails the whole evaluation, even where the result would not need it. */
    assert_int_equal(ev_rc(&V4, EVAL_BOOL, "'a' == 'a' or uint8totext(1) == '1'"), NST_EINVAL);
}

/* A DHCPv6 packet relayed twice, with vendor options and fields. */
static const uint8_t iid[] = {'i', 'f', '1'};
static const uint8_t rid[] = {0x00, 0x01, 0x02};
static const uint8_t vso[] = {0, 0, 0x11, 0x8b,              /* enterprise 4491 */
                              0, 1, 0, 3, 'a', 'b', 'c',     /* sub-option 1 */
                              0x01, 0x00, 0, 1, 'z'};        /* sub-option 256 */
static const uint8_t vco[] = {0, 0, 0x11, 0x8b, 0, 2, 'd', '3', 0, 0, 0, 1, 'x'};
static const uint8_t oro[] = {0, 1, 0, 2, 'h', 'i'};         /* option 1 holding sub-option 1 */
static const uint8_t msgtype[] = {0, 0, 0, 1}, transid[] = {0, 0x12, 0x34, 0x56};

static void test_v6(void **state)
{
    (void)state;
    fake_pkt_t f = {.family = 6, .n_levels = 2};
    f.relay[f.n_relay++] = (fake_opt_t){0, 18, iid, sizeof iid};
    f.relay[f.n_relay++] = (fake_opt_t){1, 37, rid, sizeof rid};
    f.relay[f.n_relay++] = (fake_opt_t){-1, 37, rid, sizeof rid};
    f.opts[f.n_opts++] = (fake_opt_t){0, 17, vso, sizeof vso};
    f.opts[f.n_opts++] = (fake_opt_t){0, 16, vco, sizeof vco};
    f.opts[f.n_opts++] = (fake_opt_t){0, 300, oro, sizeof oro};
    f.peer[0][15] = 1, f.peer[0][0] = 0x20, f.peer[0][1] = 0x01;
    f.link[1][0] = 0xfe, f.link[1][1] = 0x80, f.link[1][15] = 2;
    f.field[EVAL_PKT6_MSGTYPE] = msgtype, f.field_len[EVAL_PKT6_MSGTYPE] = 4;
    f.field[EVAL_PKT6_TRANSID] = transid, f.field_len[EVAL_PKT6_TRANSID] = 4;
    eval_pkt_t v;
    fake_view(&v, &f);
    assert_true(ev_bool(&v, "relay6[0].option[18].hex == 'if1'"));
    assert_true(ev_bool(&v, "relay6[0].option[18].exists"));
    assert_false(ev_bool(&v, "relay6[0].option[37].exists"));
    assert_true(ev_bool(&v, "relay6[1].option[37].hex == 0x000102"));
    assert_true(ev_bool(&v, "relay6[-1].option[37].exists"));      /* the view resolves -1 */
    assert_false(ev_bool(&v, "relay6[5].option[18].exists"));
    assert_str_value(&v, "relay6[5].option[18].hex", "");
    EV_TRUE(&v,
            "relay6[0].peeraddr == 2001::1",
            "relay6[1].linkaddr == fe80::2",
            "relay6[-2].peeraddr == 2001::1");
    EV_STRS(&v,
            {"addrtotext(relay6[-1].linkaddr)", "fe80::2"},
            {"relay6[2].peeraddr", ""},
            {"relay6[-3].linkaddr", ""});
    assert_true(ev_bool(&v, "pkt6.msgtype == 1"));
    assert_true(ev_bool(&v, "pkt6.transid == 0x00123456"));
    assert_str_value(&v, "uint32totext(pkt6.transid)", "1193046");
    /* Vendor options with 2-byte codes and lengths. */
    assert_true(ev_bool(&v, "vendor[4491].exists"));
    assert_true(ev_bool(&v, "vendor[*].exists and vendor[0].exists"));
    assert_false(ev_bool(&v, "vendor[4492].exists"));
    EV_TRUE(&v,
            "vendor.enterprise == 4491",
            "vendor[4491].option[1].hex == 'abc'",
            "vendor[4491].option[256].text == 'z'");
    assert_false(ev_bool(&v, "vendor[4491].option[2].exists"));
    EV_TRUE(&v,
            "vendor-class[4491].exists",
            "vendor-class.enterprise == 4491",
            "vendor-class[4491].data == 'd3'",
            "vendor-class[4491].data[1] == ''", /* an empty tuple */
            "vendor-class[4491].data[2] == 'x'",
            "vendor-class[4491].data[3] == ''",
            "option[300].option[1].hex == 'hi'");
    assert_false(ev_bool(&v, "option[300].option[2].exists"));
    /* Fields the view does not have are empty. */
    assert_str_value(&v, "pkt.iface", "");
    assert_true(ev_bool(&v, "pkt.src == ''"));
}

/* The same accessors without any packet data: Kea's values for absent things. */
static void test_absent(void **state)
{
    (void)state;
    assert_false(ev_bool(&V4, "option[12].exists"));
    assert_str_value(&V4, "option[12].hex", "");
    assert_str_value(&V4, "option[12].text", "");
    assert_false(ev_bool(&V4, "option[82].option[1].exists"));
    assert_str_value(&V4, "option[82].option[1].hex", "");
    assert_false(ev_bool(&V4, "relay4[1].exists"));
    assert_str_value(&V4, "relay4[1].hex", "");
    assert_false(ev_bool(&V4, "vendor[*].exists"));
    assert_false(ev_bool(&V4, "vendor[4491].option[1].exists"));
    EV_STRS(&V4,
            {"vendor[4491].option[1].hex", ""},
            {"vendor[4491].option[0].hex", ""},
            {"vendor.enterprise", ""});
    assert_false(ev_bool(&V4, "vendor-class[*].exists"));
    assert_str_value(&V4, "vendor-class.enterprise", "");
    assert_str_value(&V4, "vendor-class[0].data", "");
    EV_FALSE(&V4,
            "member('foo')",
            "known",
            "unknown");
    assert_str_value(&V4, "pkt4.mac", "");
    /* A view without callbacks at all. */
    eval_pkt_t bare = {.family = 4};
    assert_false(ev_bool(&bare, "option[12].exists or relay4[1].exists or member('foo')"));
    assert_str_value(&bare, "pkt4.mac + pkt.iface", "");
}

static void test_members(void **state)
{
    (void)state;
    fake_pkt_t f = {.family = 4, .classes = 1u << 1 | 1u << 3};   /* KNOWN, foo */
    eval_pkt_t v;
    fake_view(&v, &f);
    assert_true(ev_bool(&v, "member('foo')"));
    assert_false(ev_bool(&v, "member('bar')"));
    assert_true(ev_bool(&v, "known"));
    assert_false(ev_bool(&v, "unknown"));
    assert_true(ev_bool(&v, "member('foo') and not member('bar')"));
    f.classes = 1u << 2;
    assert_true(ev_bool(&v, "unknown and not known"));
}

int test_eval_ops_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal),   cmocka_unit_test(test_substring),
        cmocka_unit_test(test_substring_table),
        cmocka_unit_test(test_split),   cmocka_unit_test(test_concat_ifelse_hexstring),
        cmocka_unit_test(test_string_cap),
        cmocka_unit_test(test_totext),  cmocka_unit_test(test_v6),
        cmocka_unit_test(test_absent),  cmocka_unit_test(test_members),
    };
    return cmocka_run_group_tests_name("eval_ops", tests, setup, NULL);
}
