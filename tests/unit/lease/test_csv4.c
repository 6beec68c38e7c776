/* Kea lease4 CSV: byte-exact rows (Kea 2.2 VERIFIED rows), escaping, headers, bad rows. */
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "lease/csv.h"
#include "lease/csv4.h"
#include "test_lease.h"

/* Rows written by Kea 2.2 (kea-2.2-facts.md section 2.2). */
static const char *const kea_rows[] = {
    "127.0.0.11,1a:1b:1c:1d:1e:1f,,4000,1795565871,1,0,0,a&#x2cb.example,0,"
    "{ \"x\": \"y&#x2cz\" }\n",
    "127.0.0.12,aa:bb:cc:dd:ee:ff,01:02:03:04,4294967295,6090529170,1,0,0,,0,\n",
    "127.0.0.11,1a:1b:1c:1d:1e:1f,,0,1795561871,1,1,0,foo.example,0,\n",
};

/* Parses text (a copy, since parsing is in place) with the current schema. */
static int parse_with(const csv4_schema_t *sch, const char *text, char *buf, size_t cap,
                      lease_t *l, bool *del, char *err)
{
    size_t n = strnlen(text, cap - 1); /* not snprintf: -O3 warns it may truncate */
    memcpy(buf, text, n);
    buf[n] = '\0';
    if (n && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    return csv4_parse_row(sch, buf, 17, l, del, err, 256);
}

static int parse(const char *text, char *buf, size_t cap, lease_t *l, bool *del, char *err)
{
    csv4_schema_t sch;
    csv4_schema_current(&sch);
    return parse_with(&sch, text, buf, cap, l, del, err);
}

static void test_format_kea_rows(void **state)
{
    (void)state;
    char out[512];
    lease_t l;
    static const uint8_t hw1[] = {0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
    static const uint8_t hw2[] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    static const uint8_t cid[] = {1, 2, 3, 4};

    lease_init(&l, LEASE_V4);
    l.addr.v4 = 0x7f00000b;
    memcpy(l.hwaddr, hw1, 6);
    l.hwaddr_len = 6;
    l.valid_lft = 4000;
    l.cltt = 1795565871 - 4000;
    l.subnet_id = 1;
    lease_set_hostname(&l, "a,b.example");
    lease_set_user_context(&l, "{ \"x\": \"y,z\" }");
    assert_int_equal(csv4_format_row(&l, out, sizeof out), (int)strlen(kea_rows[0]));
    assert_string_equal(out, kea_rows[0]);

    /* The delete of a lease is its row with valid_lifetime 0 (expire = cltt). */
    l.valid_lft = 0;
    l.cltt = 1795561871;
    l.fqdn_fwd = true;
    lease_set_hostname(&l, "foo.example");
    lease_set_user_context(&l, NULL);
    csv4_format_row(&l, out, sizeof out);
    assert_string_equal(out, kea_rows[2]);
    lease_free(&l);

    lease_init(&l, LEASE_V4);
    l.addr.v4 = 0x7f00000c;
    memcpy(l.hwaddr, hw2, 6);
    l.hwaddr_len = 6;
    lease_set_client_id(&l, cid, sizeof cid);
    l.valid_lft = LEASE_INFINITE; /* memfile: cltt + 0xffffffff, no 2038 cap */
    l.cltt = 6090529170 - 4294967295LL;
    l.subnet_id = 1;
    csv4_format_row(&l, out, sizeof out);
    assert_string_equal(out, kea_rows[1]);
    lease_free(&l);
}

static void test_round_trip_kea_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(kea_rows); i++) {
        char buf[512], out[512], err[256] = "";
        lease_t l;
        bool del = true;
        assert_int_equal(parse(kea_rows[i], buf, sizeof buf, &l, &del, err), 0);
        assert_int_equal(del, i == 2);
        assert_int_equal(csv4_format_row(&l, out, sizeof out), (int)strlen(kea_rows[i]));
        assert_string_equal(out, kea_rows[i]);
    }
    /* Field values of the first row. */
    char buf[512], err[256];
    lease_t l;
    bool del;
    assert_int_equal(parse(kea_rows[0], buf, sizeof buf, &l, &del, err), 0);
    assert_int_equal(l.addr.v4, 0x7f00000b);
    assert_int_equal(l.hwaddr_len, 6);
    assert_int_equal(l.client_id_len, 0);
    assert_null(l.client_id);
    assert_int_equal(l.valid_lft, 4000);
    assert_int_equal(l.cltt, 1795561871);
    assert_string_equal(l.hostname, "a,b.example");
    assert_string_equal(l.user_context, "{ \"x\": \"y,z\" }");
    assert_int_equal(parse(kea_rows[1], buf, sizeof buf, &l, &del, err), 0);
    assert_int_equal(l.valid_lft, LEASE_INFINITE);
    assert_int_equal(l.cltt, 1795561875);
    assert_int_equal(l.client_id_len, 4);
    assert_null(l.hostname);
    assert_null(l.user_context);
}

static void test_escaping(void **state)
{
    (void)state;
    char out[128];
    csv_out_t o;
    csv_out_init(&o, out, sizeof out);
    csv_out_escaped(&o, "a&b,c\td\xc3\xa9\ne");
    csv_out_char(&o, '\0');
    /* Kea 2.2 escapes ',' and '&' only (tab and UTF-8 stay raw); we add '\n'. */
    assert_string_equal(out, "a&#x26b&#x2cc\td\xc3\xa9&#x0ae");
    assert_int_equal(csv_escaped_len("a&b,c\td\xc3\xa9\ne"), strlen(out));

    static const struct {
        const char *in, *out;
    } un[] = {
        {"a&#x26b&#x2cc&#x0ae", "a&b,c\ne"},
        {"&#x2C&#X2c", ",&#X2c"},  /* upper-case digits decode; the tag is lower-case only */
        {"a&#x2gb", "a&#x2gb"},    /* not hex: kept literally */
        {"ab&#x2", "ab"},          /* under two characters left: Kea decodes NUL, value ends */
        {"ab&#x", "ab"},
        {"a&#x00b", "a"},          /* a decoded NUL ends the value */
        {"&&#x26#x2c", "&&#x2c"},  /* one pass only */
        {"plain", "plain"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(un); i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", un[i].in);
        size_t n = csv_unescape_inplace(buf);
        assert_string_equal(buf, un[i].out);
        assert_int_equal(n, strlen(un[i].out));
    }
}

static void test_identifier_forms(void **state)
{
    (void)state;
    /* Forms kea-lfc 2.2 accepts (hwaddr: ':' only; client-id: formatted hex). */
    static const struct {
        const char *hw, *cid, *hw_out, *cid_out;
    } ok[] = {
        {"1:2:3", "01 02", "01:02:03", "01:02"},
        {"a", "0x0102", "0a", "01:02"},
        {"AA:bB", "102", "aa:bb", "01:02"},
        {"", "1:2", "", "01:02"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        char row[256], buf[256], out[256], err[256] = "", want[256];
        lease_t l;
        bool del;
        snprintf(row, sizeof row, "10.0.0.1,%s,%s,100,1000,1,0,0,,0,", ok[i].hw, ok[i].cid);
        assert_int_equal(parse(row, buf, sizeof buf, &l, &del, err), 0);
        csv4_format_row(&l, out, sizeof out);
        snprintf(want, sizeof want, "10.0.0.1,%s,%s,100,1000,1,0,0,,0,\n", ok[i].hw_out,
                 ok[i].cid_out);
        assert_string_equal(out, want);
    }
}

static void test_defaults_and_leniency(void **state)
{
    (void)state;
    char buf[256], err[256];
    lease_t l;
    bool del;
    /* A declined lease may lack both identifiers; hostnames are lower-cased; an expire below
     * the lifetime gives a negative cltt, as Kea computes it. */
    assert_int_equal(parse("10.0.0.2,,,100,50,7,00,01,Host.EXAMPLE,1,{}", buf, sizeof buf, &l,
                           &del, err), 0);
    assert_int_equal(l.state, LEASE_STATE_DECLINED);
    assert_int_equal(l.cltt, -50);
    assert_string_equal(l.hostname, "host.example");
    assert_false(l.fqdn_fwd);
    assert_true(l.fqdn_rev);
    assert_string_equal(l.user_context, "{}");
    assert_int_equal(l.subnet_id, 7);
    assert_int_equal(parse("0.0.0.0,01,,1,1,0,0,0,,3,", buf, sizeof buf, &l, &del, err), 0);
    assert_int_equal(l.state, 3);
    assert_int_equal(parse("255.255.255.255,01,,1,1,4294967295,0,0,,0, {\"a\":1} ", buf,
                           sizeof buf, &l, &del, err), 0);
    assert_int_equal(l.subnet_id, 4294967295u);
}

static void test_headers(void **state)
{
    (void)state;
    csv4_schema_t s;
    char err[256] = "";
    assert_int_equal(csv4_parse_header(CSV4_HEADER, &s, err, sizeof err), 0);
    assert_false(csv4_schema_needs_conversion(&s));
    assert_string_equal(csv4_schema_version(&s), "2.1");
    assert_int_equal(csv4_parse_header("address,hwaddr,client_id,valid_lifetime,expire,"
                                       "subnet_id,fqdn_fwd,fqdn_rev,hostname,state",
                                       &s, err, sizeof err), 0);
    assert_string_equal(csv4_schema_version(&s), "2.0");
    assert_true(csv4_schema_needs_conversion(&s));

    /* 1.0: rows of 9 columns take the defaults; longer rows (up to 11) are accepted. */
    assert_int_equal(csv4_parse_header("address,hwaddr,client_id,valid_lifetime,expire,"
                                       "subnet_id,fqdn_fwd,fqdn_rev,hostname",
                                       &s, err, sizeof err), 0);
    assert_string_equal(csv4_schema_version(&s), "1.0");
    char buf[256];
    lease_t l;
    bool del;
    assert_int_equal(parse_with(&s, "10.0.0.1,01:02,,100,1000,1,0,0,h", buf, sizeof buf, &l,
                                &del, err), 0);
    assert_int_equal(l.state, 0);
    assert_null(l.user_context);
    assert_int_equal(parse_with(&s, "10.0.0.1,01:02,,100,1000,1,0,0,h,1,{\"a\":1}", buf,
                                sizeof buf, &l, &del, err), 0);
    assert_int_equal(l.state, 1);
    assert_int_equal(parse_with(&s, "10.0.0.1,01:02,,100,1000,1,0,0", buf, sizeof buf, &l,
                                &del, err), NST_EMALFORMED);
    assert_string_equal(err, "line 17: expected 9 to 11 columns, found 8");

    /* A later schema (Kea 3 adds pool_id): extra columns are ignored. */
    assert_int_equal(csv4_parse_header(CSV4_HEADER ",pool_id", &s, err, sizeof err), 0);
    assert_string_equal(csv4_schema_version(&s), "2.1+");
    assert_int_equal(parse_with(&s, "10.0.0.1,01:02,,100,1000,1,0,0,h,0,,7", buf, sizeof buf,
                                &l, &del, err), 0);
    assert_int_equal(parse_with(&s, "10.0.0.1,01:02,,100,1000,1,0,0,h,0,", buf, sizeof buf,
                                &l, &del, err), 0);

    static const struct {
        const char *hdr, *err;
    } bad[] = {
        {"address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev",
         "invalid lease4 file header: only 8 known column(s), at least 9 required"},
        {"address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostnme",
         "invalid lease4 file header: column 9 is 'hostnme', expected 'hostname'"},
        {CSV4_HEADER "\r", "invalid lease4 file header: column 11 is 'user_context\r', "
                           "expected 'user_context'"},
        {"address,duid,valid_lifetime", "invalid lease4 file header: column 2 is 'duid', "
                                        "expected 'hwaddr'"},
        {"", "invalid lease4 file header: column 1 is '', expected 'address'"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(csv4_parse_header(bad[i].hdr, &s, err, sizeof err), NST_EMALFORMED);
        assert_string_equal(err, bad[i].err);
    }
}

static void test_bad_rows(void **state)
{
    (void)state;
    static const struct {
        const char *row, *err;
    } bad[] = {
        {"127.0.0.1,,,100,1795565871,1,0,0,,0,",
         "line 17: lease has neither hwaddr nor client_id (state 0)"},
        {"127.0.0.1,,,100,1795565871,1,0,0,,2,",
         "line 17: lease has neither hwaddr nor client_id (state 2)"},
        {"1.2.3,01,,100,1,1,0,0,,0,", "line 17: invalid address '1.2.3'"},
        {"::1,01,,100,1,1,0,0,,0,", "line 17: invalid address '::1'"},
        {"01.2.3.4,01,,100,1,1,0,0,,0,", "line 17: invalid address '01.2.3.4'"},
        {"10.0.0.1,zz:01,,100,1,1,0,0,,0,", "line 17: invalid hwaddr 'zz:01'"},
        {"10.0.0.1,01::02,,100,1,1,0,0,,0,", "line 17: invalid hwaddr '01::02'"},
        {"10.0.0.1,01:,,100,1,1,0,0,,0,", "line 17: invalid hwaddr '01:'"},
        {"10.0.0.1,01-02,,100,1,1,0,0,,0,", "line 17: invalid hwaddr '01-02'"},
        {"10.0.0.1,0102,,100,1,1,0,0,,0,", "line 17: invalid hwaddr '0102'"},
        {"10.0.0.1,abc,,100,1,1,0,0,,0,", "line 17: invalid hwaddr 'abc'"},
        {"10.0.0.1,1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18:19:20:21,,100,1,1,0,0,,0,",
         "line 17: invalid hwaddr '1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18:19:20:21'"},
        {"10.0.0.1,,zz,100,1,1,0,0,,0,", "line 17: invalid client_id 'zz'"},
        {"10.0.0.1,,00,100,1,1,0,0,,0,",
         "line 17: invalid client_id '00': shorter than 2 bytes"},
        {"10.0.0.1,01,,-1,1,1,0,0,,0,", "line 17: invalid valid_lifetime '-1'"},
        {"10.0.0.1,01,,4294967296,1,1,0,0,,0,",
         "line 17: invalid valid_lifetime '4294967296'"},
        {"10.0.0.1,01,,100, 1795565871,1,0,0,,0,", "line 17: invalid expire ' 1795565871'"},
        {"10.0.0.1,01,,100,0x10,1,0,0,,0,", "line 17: invalid expire '0x10'"},
        {"10.0.0.1,01,,100,1,4294967296,0,0,,0,", "line 17: invalid subnet_id '4294967296'"},
        {"10.0.0.1,01,,100,1,1,2,0,,0,", "line 17: invalid fqdn_fwd '2'"},
        {"10.0.0.1,01,,100,1,1,0,true,,0,", "line 17: invalid fqdn_rev 'true'"},
        {"10.0.0.1,01,,100,1,1,0,0,,x,", "line 17: invalid state 'x'"},
        {"10.0.0.1,01,,100,1,1,0,0,,0,[1]", "line 17: invalid user_context '[1]': not a JSON map"},
        {"10.0.0.1,01,,100,1,1,0,0,,0,null",
         "line 17: invalid user_context 'null': not a JSON map"},
        {"10.0.0.1,01,,100,1,1,0,0,,0,&#x00", "line 17: invalid user_context '&#x00': "
                                               "empty after unescaping"},
        {"10.0.0.1,01,,100,1,1,0,0,,0", "line 17: expected 11 columns, found 10"},
        {"10.0.0.1,01,,100,1,1,0,0,,0,,", "line 17: expected 11 columns, found 12"},
        {"", "line 17: expected 11 columns, found 1"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char buf[256], err[256] = "";
        lease_t l;
        bool del;
        assert_int_equal(parse(bad[i].row, buf, sizeof buf, &l, &del, err), NST_EMALFORMED);
        assert_string_equal(err, bad[i].err);
    }
    /* A malformed JSON context names the row; the reason comes from the JSON parser. */
    char buf[256], err[256] = "";
    lease_t l;
    bool del;
    assert_int_equal(parse("10.0.0.1,01,,100,1,1,0,0,,0,{bad", buf, sizeof buf, &l, &del, err),
                     NST_EMALFORMED);
    assert_non_null(strstr(err, "line 17: invalid user_context '{bad': "));
    /* Long values are cut in messages. */
    char row[512];
    snprintf(row, sizeof row, "10.0.0.1,%0100d,,100,1,1,0,0,,0,", 0);
    assert_int_equal(parse(row, buf, sizeof buf, &l, &del, err), NST_EMALFORMED);
    assert_int_equal(strlen(err), strlen("line 17: invalid hwaddr ''") + 64 + 3);
}

static void test_format_limits_and_check(void **state)
{
    (void)state;
    lease_t l;
    char out[512], err[256];
    tl_lease(&l, 0x0a000001, 1, 1000);
    int n = csv4_format_row(&l, out, sizeof out);
    assert_true(n > 0);
    assert_true((size_t)n + 1 <= csv4_row_max_len(&l));
    for (int cap = 0; cap <= n; cap++) /* the NUL needs room too */
        assert_int_equal(csv4_format_row(&l, out, (size_t)cap), NST_ENOSPACE);
    assert_int_equal(csv4_format_row(&l, out, (size_t)n + 1), n);

    assert_int_equal(csv4_check_lease(&l, err, sizeof err), 0);
    l.hwaddr_len = 0;
    assert_int_equal(csv4_check_lease(&l, err, sizeof err), NST_EINVAL);
    assert_string_equal(err, "lease has neither hwaddr nor client_id");
    l.state = LEASE_STATE_DECLINED;
    assert_int_equal(csv4_check_lease(&l, err, sizeof err), 0);
    static const uint8_t one[] = {1};
    lease_set_client_id(&l, one, 1);
    assert_int_equal(csv4_check_lease(&l, err, sizeof err), NST_EINVAL);
    assert_string_equal(err, "client_id must be 2 to 255 bytes");
    lease_set_client_id(&l, NULL, 0);
    lease_set_user_context(&l, "[1]");
    assert_int_equal(csv4_check_lease(&l, err, sizeof err), NST_EINVAL);
    assert_string_equal(err, "user_context: not a JSON map");
    lease_set_user_context(&l, NULL);
    l.cltt = -5000;
    assert_int_equal(csv4_check_lease(&l, err, sizeof err), NST_EINVAL);
    l.cltt = 0;
    l.family = LEASE_V6;
    assert_int_equal(csv4_check_lease(&l, err, sizeof err), NST_EINVAL);
    lease_free(&l);

    /* Every escaped character in a long hostname fits the bound. */
    tl_lease(&l, 1, 1, 1);
    char host[301];
    memset(host, ',', 300);
    host[300] = '\0';
    lease_set_hostname(&l, host);
    char big[2048];
    n = csv4_format_row(&l, big, sizeof big);
    assert_true(n > 1500);
    assert_true((size_t)n < csv4_row_max_len(&l));
    lease_free(&l);
}

int test_csv4_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_kea_rows),
        cmocka_unit_test(test_round_trip_kea_rows),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_identifier_forms),
        cmocka_unit_test(test_defaults_and_leniency),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_format_limits_and_check),
    };
    return cmocka_run_group_tests_name("csv4", tests, NULL, NULL);
}
