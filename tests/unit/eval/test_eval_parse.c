/* eval: the lexer and the parser — literal forms, precedence, parentheses, name resolution,
 * family checks, errors with their columns, eval_classes_used. Values come from an empty fake
 * packet: only constants matter here. */
#include "test_eval.h"

#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"

static fake_pkt_t F4 = {.family = 4}, F6 = {.family = 6};
static eval_pkt_t V4, V6;

static int setup(void **state)
{
    (void)state;
    fake_view(&V4, &F4);
    fake_view(&V6, &F6);
    return 0;
}

#define T "'a' == 'a'"
#define F "'a' == 'b'"

static void test_literals(void **state)
{
    (void)state;
    /* The ARM's table of values: 0x5a7d is 'Z}', 10.0.0.1 is 0x0a000001, 123 is 0x0000007b. */
    EV_TRUE(&V4,
            "0x5a7d == 'Z}'",
            "0X5A7D == 'Z}'",
            "10.0.0.1 == 0x0a000001",
            "123 == 0x0000007b");
    assert_false(ev_bool(&V4, "123 == 0x7b"));
    /* Odd hex digit counts get a leading 0. */
    EV_TRUE(&V4,
            "0x1 == 0x01",
            "0x123 == 0x0123",
            "0 == 0x00000000",
            "4294967295 == 0xffffffff",
            "007 == 7");
    /* IPv6 and IPv4-mapped literals are 16 bytes. */
    EV_TRUE(&V4,
            "::1 == 0x00000000000000000000000000000001",
            "2001:db8::1 == 0x20010db8000000000000000000000001",
            "::ffff:1.2.3.4 == 0x00000000000000000000ffff01020304");
    /* Strings: anything but a quote or a newline, no escapes; blanks and newlines between
     * tokens. */
    assert_str_value(&V4, "'a b\t\"c\\'", "a b\t\"c\\");
    assert_str_value(&V4, "''", "");
    assert_true(ev_bool(&V4, " \t\n'x'\n==\t'x' "));
}

static void test_precedence(void **state)
{
    (void)state;
    /* not binds tightest, then and, then or; all left-associative. */
    assert_true(ev_bool(&V4, F " and " F " or " T));      /* (F and F) or T */
    assert_true(ev_bool(&V4, T " or " F " and " F));      /* T or (F and F) */
    assert_false(ev_bool(&V4, "(" T " or " F ") and " F));
    assert_false(ev_bool(&V4, "not " T " and " F));       /* (not T) and F */
    assert_true(ev_bool(&V4, "not (" T " and " F ")"));
    assert_true(ev_bool(&V4, "not not " T));
    assert_true(ev_bool(&V4, "not 'a' == 'b'"));           /* == binds tighter than not */
    assert_true(ev_bool(&V4, "((((" T "))))"));
    /* + binds tighter than ==, and parentheses group strings too. */
    EV_TRUE(&V4,
            "'a' + 'b' == 'ab'",
            "'ab' == 'a' + 'b'",
            "('a') == 'a'",
            "('a' + 'b') + ('c') == 'abc'",
            "'abc' + 'def' + 'ghi' + 'jkl' + '...' == 'abcdefghijkl...'");
    assert_str_value(&V4, "concat(concat(concat(concat('abc', 'def'), 'ghi'), 'jkl'), '...')",
                     "abcdefghijkl...");
    assert_str_value(&V4, "concat('abc', concat('def', concat('ghi', concat('jkl', '...'))))",
                     "abcdefghijkl...");
    assert_str_value(&V4, "ifelse(" T " and " F ", 'y', 'n')", "n");
}

static void test_lexing(void **state)
{
    (void)state;
    /* Option names: letters, digits, '-' and '_', blanks before the ']' allowed; a keyword
     * followed by ']' is a name. */
    assert_false(ev_bool(&V4, "option[host-name].exists"));
    assert_false(ev_bool(&V4, "option[ host-name\t].exists"));
    ev_err(4, EVAL_BOOL, "option[all].exists", "column 8: unknown option name 'all'");
    ev_err(4, EVAL_BOOL, "option[host-name-].exists", "column 8: invalid character 'h'");
    /* Keywords match as prefixes, as in Kea's scanner. */
    EV_ERRS(
        {4, EVAL_BOOL, "options[1].exists", "column 7: invalid character 's'"},
        {4, EVAL_BOOL, "'a' = 'b'", "column 5: invalid character '='"},
        {4, EVAL_BOOL, "'a' == \"b\"", "column 8: invalid character '\"'"},
        {4, EVAL_BOOL, "'a' == 'b\\x01", "column 8: unterminated string"},
        {4, EVAL_BOOL, "'a\nb' == 'a'", "column 1: unterminated string"},
        {4, EVAL_BOOL, "'a' == \x01", "column 8: invalid byte 0x01"});
    assert_true(ev_bool(&V4, "'\x01\x7f\xff' == 0x017fff"));     /* strings hold any byte */
    EV_ERRS(
        {4, EVAL_BOOL, "0x == 'a'", "column 2: invalid character 'x'"},
        {4, EVAL_BOOL, "1.2.3.256 == 'a'", "column 1: '1.2.3.256' is not an IP address"},
        {4, EVAL_BOOL, "1:2:3:4:5:6:7:8:9 == 'a'", "column 1: '1:2:3:4:5:6:7:8:9' is not an IP"},
        {4, EVAL_BOOL, "99999999999999999999 == 'a'", "column 1: integer 99999999999999999999 is too large"},
        {4, EVAL_BOOL, "- 1 == 'a'", "column 1: invalid character '-'"});
}

static void test_type_errors(void **state)
{
    (void)state;
    EV_ERRS(
        {4, EVAL_BOOL, "'a'", "column 1: a string expression where a boolean is needed"},
        {4, EVAL_BOOL, "option[12].hex", "column 1: a string expression where a boolean is needed"},
        {4, EVAL_STRING, T, "column 1: a boolean expression where a string is needed"},
        {4, EVAL_STRING, "option[12].exists", "column 1: a boolean expression where a string"},
        {4, EVAL_BOOL, "not 'a'", "column 5: a string expression where a boolean is needed"},
        {4, EVAL_BOOL, "'a' + (" T ") == 'c'", "column 7: a boolean expression where a string"},
        {4, EVAL_BOOL, T " and 'x'", "column 16: a string expression where a boolean"},
        {4, EVAL_BOOL, "(" T ") == 'a'", "column 1: a boolean expression where a string"},
        {4, EVAL_STRING, "substring(" T ", 0, 1)", "column 11: a boolean expression where a string"},
        {4, EVAL_STRING, "ifelse('a', 'b', 'c')", "column 8: a string expression where a boolean"},
        {4, EVAL_BOOL, "option[12].exists == " T, "column 1: a boolean expression where a string"});
}

static void test_syntax_errors(void **state)
{
    (void)state;
    ev_err(4, EVAL_BOOL, "", "column 1: expected an expression, found the end of the expression");
    ev_err(4, EVAL_BOOL, "option[60].text == ",
           "column 20: expected an expression after '==', found the end of the expression");
    ev_err(4, EVAL_BOOL, "option[60.text == 'a'", "column 10: expected ']' after '60', found '.'");
    ev_err(4, EVAL_BOOL, "option[60].text == 'a' or",
           "column 26: expected an expression after 'or', found the end");
    ev_err(4, EVAL_BOOL, "'a' == 'b' == 'c'",
           "column 12: expected an operator or the end of the expression after 'b', found '=='");
    ev_err(4, EVAL_BOOL, "substring('abc', 0, 1, 2) == 'a'", "column 22: expected ')' after '1', found ','");
    EV_ERRS(
        {4, EVAL_BOOL, "substring('abc', 'x', 1) == 'a'", "column 18: expected start (an integer)"},
        {4, EVAL_BOOL, "substring('abc', 0, 'x') == 'a'", "column 21: expected length (an integer or 'all')"},
        {4, EVAL_BOOL, "split('a', '.', all) == 'a'", "column 17: expected field number"},
        {4, EVAL_BOOL, "(" T, "column 12: expected ')' after 'a', found the end"},
        {4, EVAL_BOOL, "option[12].hexa == 'a'", "column 15: invalid character 'a'"},
        {4, EVAL_BOOL, "option[12].foo", "column 12: invalid character 'f'"},
        {4, EVAL_BOOL, "option[12].len", "column 12: expected 'hex', 'text', 'exists' or 'option'"},
        {4, EVAL_BOOL, "option[12].option[host-name].exists", "column 19: expected option code (an integer)"},
        {4, EVAL_BOOL, "relay4[1].option[1].exists", "column 11: expected 'hex', 'text' or 'exists'"},
        {4, EVAL_BOOL, "pkt.mac == 'a'", "column 5: expected 'iface', 'src', 'dst' or 'len'"},
        {4, EVAL_BOOL, "pkt4.iface == 'a'", "column 6: expected a pkt4 field"},
        {6, EVAL_BOOL, "pkt6.mac == 'a'", "column 6: expected 'msgtype' or 'transid'"},
        {4, EVAL_BOOL, "vendor.exists", "column 8: expected 'enterprise'"},
        {4, EVAL_BOOL, "vendor[1].data == 'a'", "column 11: expected 'exists' or 'option'"},
        {4, EVAL_BOOL, "vendor-class[1].option[1].exists", "column 17: expected 'exists' or 'data'"},
        {4, EVAL_BOOL, "vendor[-].exists", "column 8: invalid character '-'"},
        {4, EVAL_BOOL, "member(foo)", "column 8: invalid character 'f'"});
    ev_err(4, EVAL_BOOL, "member(1)", "column 8: expected a class name in quotes after '(', found '1'");
    ev_err(4, EVAL_BOOL, "== 'a'", "column 1: expected an expression, found '=='");
    ev_err(4, EVAL_BOOL, "'a' == 'a' and", "column 15: expected an expression after 'and'");
    ev_err(4, EVAL_BOOL, "'a' == 'a' and )", "column 16: expected an expression after 'and', found ')'");
}

static void test_ranges(void **state)
{
    (void)state;
    ev_err(4, EVAL_BOOL, "option[256].exists", "column 8: option code 256 is out of range 0..255");
    assert_false(ev_bool(&V6, "option[65535].exists"));
    EV_ERRS(
        {6, EVAL_BOOL, "option[65536].exists", "column 8: option code 65536 is out of range 0..65535"},
        {4, EVAL_BOOL, "option[-1].exists", "column 8: option code -1 is out of range 0..255"},
        {4, EVAL_BOOL, "option[1].option[256].exists", "column 18: option code 256 is out of range"},
        {4, EVAL_BOOL, "relay4[256].exists", "column 8: option code 256 is out of range"},
        {4, EVAL_BOOL, "vendor[4294967296].exists", "column 8: enterprise id 4294967296 is out of range"},
        {4, EVAL_BOOL, "vendor[-1].exists", "column 8: enterprise id -1 is out of range"},
        {4, EVAL_BOOL, "vendor-class[1].data[256] == 'a'", "column 22: data index 256 is out of range 0..255"},
        {6, EVAL_BOOL, "relay6[32].option[1].exists", "column 8: nest level 32 is out of range -32..31"},
        {6, EVAL_BOOL, "relay6[-33].option[1].exists", "column 8: nest level -33 is out of range"});
    assert_false(ev_bool(&V6, "relay6[-32].option[1].exists"));
    assert_false(ev_bool(&V6, "relay6[31].option[1].exists"));
    /* Integer literals are unsigned 32-bit: Kea's int8totext(-1) example does not compile. */
    ev_err(4, EVAL_BOOL, "int8totext(-1) == 'a'", "column 12: integer -1 is out of range 0..4294967295");
    ev_err(4, EVAL_BOOL, "4294967296 == 'a'", "column 1: integer 4294967296 is out of range");
    /* substring and split take any 64-bit integer at compile time (Kea checks them later). */
    assert_str_value(&V4, "substring('', 3000000000, -3000000000)", "");
    assert_str_value(&V4, "split('', '.', 3000000000)", "");
}

static void test_names(void **state)
{
    (void)state;
    eval_t *e = NULL;
    char err[128];
    EV_ERRS(
        {4, EVAL_BOOL, "option[foo].exists", "column 8: unknown option name 'foo'"},
        {6, EVAL_BOOL, "option[host-name].exists", "column 8: unknown option name 'host-name'"},
        {4, EVAL_BOOL, "option[client-id].exists", "column 8: unknown option name 'client-id'"},
        {4, EVAL_BOOL, "member('nope')", "column 8: class 'nope' is not defined (before this class)"},
        {4, EVAL_BOOL, "'a' == 'a' and member('')", "column 23: class '' is not defined"});
    /* Without resolvers every name is unknown. */
    eval_names_t bare = {.family = 4};
    assert_int_equal(eval_compile("option[host-name].exists", EVAL_BOOL, &bare, &e, err, sizeof err),
                     NST_ECONFIG);
    assert_string_equal(err, "column 8: unknown option name 'host-name'");
    assert_int_equal(eval_compile("known", EVAL_BOOL, &bare, &e, err, sizeof err), NST_ECONFIG);
    assert_string_equal(err, "column 1: class 'KNOWN' is not defined (before this class)");
    assert_int_equal(eval_compile("'a' == 'a'", EVAL_BOOL, &bare, &e, err, sizeof err), 0);
    eval_free(e);
    bare.family = 5;
    assert_int_equal(eval_compile("'a' == 'a'", EVAL_BOOL, &bare, &e, err, sizeof err), NST_EINVAL);
    eval_free(NULL);
}

static void test_families(void **state)
{
    (void)state;
    EV_ERRS(
        {6, EVAL_BOOL, "relay4[1].exists", "column 1: relay4 can only be used in DHCPv4"},
        {6, EVAL_BOOL, "'a' == 'b' or pkt4.mac == 'a'", "column 15: pkt4 can only be used in DHCPv4"},
        {4, EVAL_BOOL, "relay6[0].option[1].exists", "column 1: relay6 can only be used in DHCPv6"},
        {4, EVAL_BOOL, "relay6[0].peeraddr == ::1", "column 1: relay6 can only be used in DHCPv6"},
        {4, EVAL_BOOL, "pkt6.msgtype == 1", "column 1: pkt6 can only be used in DHCPv6"},
        {4, EVAL_STRING, "pkt6.transid", "column 1: pkt6 can only be used in DHCPv6"});
    /* Both families share the rest. */
    static const char *const shared[] = {
        "pkt.iface == 'eth0'", "pkt.src == 10.0.0.1", "pkt.dst == ::1", "pkt.len == 300",
        "vendor[*].exists", "vendor.enterprise == 4491", "vendor[4491].option[1].exists",
        "vendor-class[0].exists", "vendor-class.enterprise == 1", "vendor-class[1].data[2] == 'x'",
        "member('foo') or known or unknown", "option[1].option[2].hex == 'a'",
    };
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++) {
        (void)ev_bool(&V4, shared[i]);
        (void)ev_bool(&V6, shared[i]);
    }
    /* An expression runs only on packets of its family. */
    assert_int_equal(ev_rc(&V6, EVAL_BOOL, "'a' == 'a'"), 0);
    eval_t *e = NULL;
    char err[64];
    assert_int_equal(eval_compile("'a' == 'a'", EVAL_BOOL, &test_names4, &e, err, sizeof err), 0);
    bool b;
    assert_int_equal(eval_bool(e, &V6, &b), NST_EINVAL);
    uint8_t buf[8];
    size_t n;
    assert_int_equal(eval_string(e, &V4, buf, sizeof buf, &n), NST_EINVAL);  /* a boolean */
    eval_free(e);
}

static void test_classes_used(void **state)
{
    (void)state;
    eval_t *e = NULL;
    char err[64];
    unsigned idx[8];
    assert_int_equal(eval_compile("member('bar') and known or member('bar') and not unknown or "
                                  "member('ALL')",
                                  EVAL_BOOL, &test_names4, &e, err, sizeof err), 0);
    assert_int_equal(eval_classes_used(e, idx, 8), 4);
    assert_int_equal(idx[0], 4);
    assert_int_equal(idx[1], 1);
    assert_int_equal(idx[2], 2);
    assert_int_equal(idx[3], 0);
    /* The count does not depend on max. */
    assert_int_equal(eval_classes_used(e, idx, 1), 4);
    assert_int_equal(idx[0], 4);
    eval_free(e);
    assert_int_equal(eval_compile("'a' == 'a'", EVAL_BOOL, &test_names4, &e, err, sizeof err), 0);
    assert_int_equal(eval_classes_used(e, idx, 8), 0);
    eval_free(e);
    assert_int_equal(eval_classes_used(NULL, idx, 8), 0);
}

static void test_limits(void **state)
{
    (void)state;
    /* Right-nested concatenations keep every value pending: 16 fit, 17 do not. */
    char text[2048] = "";
    for (int i = 0; i < 15; i++)
        strcat(text, "concat('a', ");
    strcat(text, "'a'");
    for (int i = 0; i < 15; i++)
        strcat(text, ")");
    char want[32];
    memset(want, 'a', 16);
    want[16] = 0;
    char out[64];
    assert_int_equal(ev_str(&V4, text, out, sizeof out), 16);
    assert_string_equal(out, want);
    char text2[2048] = "concat('a', ";
    strcat(text2, text);
    strcat(text2, ")");
    ev_err(4, EVAL_STRING, text2, "column 193: expression too complex: more than 16 values pending");
    /* Left-nested ones do not pile up. */
    char text3[4096] = "'a'";
    for (int i = 0; i < 100; i++)
        strcat(text3, " + 'a'");
    assert_int_equal(ev_str(&V4, text3, out, sizeof out), 63);
    /* Parentheses, calls and nots nest 64 deep at most (the innermost value counts). */
    char deep[512] = "";
    for (int i = 0; i < 63; i++)
        strcat(deep, "(");
    strcat(deep, "'a'");
    for (int i = 0; i < 63; i++)
        strcat(deep, ")");
    assert_int_equal(ev_str(&V4, deep, out, sizeof out), 1);
    char deeper[512] = "(";
    strcat(deeper, deep);
    strcat(deeper, ")");
    ev_err(4, EVAL_STRING, deeper, "column 65: expression nested too deeply");
    char nots[1024] = "";
    for (int i = 0; i < 70; i++)
        strcat(nots, "not ");
    strcat(nots, T);
    ev_err(4, EVAL_BOOL, nots, "column 257: expression nested too deeply");
}

int test_eval_parse_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),     cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_lexing),       cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_syntax_errors), cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_names),        cmocka_unit_test(test_families),
        cmocka_unit_test(test_classes_used), cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests_name("eval_parse", tests, setup, NULL);
}
