/* Kea lease6 CSV (csv6): rows written by Kea 2.2's kea-dhcp6 come back byte for byte (the
 * fixture made by tests/integration/test_csv6_kea.py, and kea-lfc's compaction of it), the
 * older headers, every column's rule, the hardware-address warnings, format limits, checks. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "csv6_file.h"
#include "lease/csv4.h"
#include "lease/csv6.h"
#include "lease/memfile_int.h"
#include "test_lease.h"

#define H12 "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid," \
            "prefix_len,fqdn_fwd,fqdn_rev,hostname"

/* Rows of the fixture (kea-dhcp6 2.2): IA_NA from perfdhcp, IA_PD, a release (delete), an
 * escaped hostname and user context from lease6-add, infinite lifetimes, a decline, a
 * reclaimed lease, an empty user context from lease6-update. */
static const char *const kea_rows[] = {
    "2001:db8:1::100,00:01:00:01:32:a5:37:9c:00:0c:01:02:03:04,4000,1796377276,7,3000,0,1,128,"
    "0,0,,00:0c:01:02:03:04,0,,1,2\n",
    "2001:db8:8000:a::,00:01:00:01:32:a5:37:9c:00:0c:01:02:0a:0a,4000,1796377276,7,3000,2,1,64,"
    "0,0,,00:0c:01:02:0a:0a,0,,1,2\n",
    "2001:db8:1::118,00:01:00:01:32:a5:37:9c:00:0c:01:02:0a:04,0,1796373276,7,0,0,1,128,0,0,,"
    "00:0c:01:02:0a:04,0,,1,2\n",
    "2001:db8:1::50,01:02:03:04,4000,1796377276,7,4000,0,5,128,1,0,host&#x2cone&#x26two.example,"
    "aa:bb:cc:dd:ee:ff,0,{ \"a\": \"x&#x2cy\"&#x2c \"b\": [ 1&#x2c { \"c\": true } ] },1,0\n",
    "2001:db8:8001::,0a:0b,4294967295,6091340571,7,4294967295,2,4294967295,56,0,0,,,0,,,\n",
    "2001:db8:1::120,00,86400,1796459676,7,0,0,77,128,0,0,,,1,,,\n",
    "2001:db8:1::51,01:02:03:05,2,1796373278,7,4000,0,6,128,0,0,,,2,,,\n",
    "2001:db8:1::100,00:01:02:03:04:05:06:07,4000,1796377276,7,4000,0,1,128,0,0,renamed.example,"
    ",0,{  },,\n",
};

/* Parses text (copied: parsing is in place) with schema sch (NULL: the current one). */
static int parse_with(const csv_schema_t *sch, const char *text, char *buf, size_t cap,
                      lease_t *l, bool *del, char *err)
{
    csv_schema_t cur;
    csv_schema_current(&csv6_dialect, &cur);
    snprintf(buf, cap, "%s", text);
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    return csv6_parse_row(sch ? sch : &cur, buf, 17, l, del, err, 256);
}

/* Parses text and formats it again into out. */
static void reformat(const csv_schema_t *sch, const char *text, char *out, size_t cap)
{
    char buf[1024], err[256];
    lease_t l;
    bool del;
    assert_int_equal(parse_with(sch, text, buf, sizeof buf, &l, &del, err), 0);
    assert_true(csv6_format_row(&l, out, cap) > 0);
}

static void test_round_trip_kea_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(kea_rows); i++) {
        char out[1024];
        reformat(NULL, kea_rows[i], out, sizeof out);
        assert_string_equal(out, kea_rows[i]);
    }
}

static void test_fields_of_kea_rows(void **state)
{
    (void)state;
    char buf[1024], err[256];
    lease_t l;
    bool del;
    struct in6_addr a;
    static const uint8_t duid0[] = {0, 1, 0, 1, 0x32, 0xa5, 0x37, 0x9c, 0, 0x0c, 1, 2, 3, 4};

    assert_int_equal(parse_with(NULL, kea_rows[0], buf, sizeof buf, &l, &del, err), 0);
    assert_string_equal(err, "");
    inet_pton(AF_INET6, "2001:db8:1::100", &a);
    assert_memory_equal(&l.addr.v6, &a, 16);
    assert_int_equal(l.family, LEASE_V6);
    assert_int_equal(l.client_id_len, sizeof duid0);
    assert_memory_equal(l.client_id, duid0, sizeof duid0);
    assert_int_equal(l.valid_lft, 4000);
    assert_int_equal(l.cltt, 1796377276 - 4000);
    assert_int_equal(l.subnet_id, 7);
    assert_int_equal(l.pref_lft, 3000);
    assert_int_equal(l.type, LEASE6_NA);
    assert_int_equal(l.iaid, 1);
    assert_int_equal(l.prefix_len, 128);
    assert_int_equal(l.hwaddr_len, 6);
    assert_int_equal(l.hwaddr[5], 4);
    assert_int_equal(l.hwtype, 1);
    assert_int_equal(l.hwaddr_source, 2);
    assert_int_equal(l.state, LEASE_STATE_DEFAULT);
    assert_null(l.hostname);
    assert_null(l.user_context);
    assert_false(del);

    assert_int_equal(parse_with(NULL, kea_rows[1], buf, sizeof buf, &l, &del, err), 0);
    assert_int_equal(l.type, LEASE6_PD);
    assert_int_equal(l.prefix_len, 64);

    assert_int_equal(parse_with(NULL, kea_rows[2], buf, sizeof buf, &l, &del, err), 0);
    assert_true(del);
    assert_int_equal(l.pref_lft, 0);

    assert_int_equal(parse_with(NULL, kea_rows[3], buf, sizeof buf, &l, &del, err), 0);
    assert_string_equal(l.hostname, "host,one&two.example");
    assert_string_equal(l.user_context, "{ \"a\": \"x,y\", \"b\": [ 1, { \"c\": true } ] }");
    assert_true(l.fqdn_fwd);
    assert_false(l.fqdn_rev);
    assert_int_equal(l.hwaddr_source, 0);

    assert_int_equal(parse_with(NULL, kea_rows[4], buf, sizeof buf, &l, &del, err), 0);
    assert_int_equal(l.valid_lft, LEASE_INFINITE);
    assert_int_equal(l.pref_lft, LEASE_INFINITE);
    assert_int_equal(l.iaid, 4294967295u);
    assert_int_equal(l.cltt, 6091340571 - 4294967295LL);
    assert_int_equal(l.hwaddr_len, 0);

    /* A declined lease: Kea's empty DUID (one zero byte), no hardware address. */
    assert_int_equal(parse_with(NULL, kea_rows[5], buf, sizeof buf, &l, &del, err), 0);
    assert_int_equal(l.state, LEASE_STATE_DECLINED);
    assert_int_equal(l.client_id_len, 1);
    assert_int_equal(l.client_id[0], 0);
    assert_int_equal(parse_with(NULL, kea_rows[6], buf, sizeof buf, &l, &del, err), 0);
    assert_int_equal(l.state, LEASE_STATE_RECLAIMED);
    assert_int_equal(parse_with(NULL, kea_rows[7], buf, sizeof buf, &l, &del, err), 0);
    assert_string_equal(l.user_context, "{  }");
}

/* The lease a v6 server would build: formatted as Kea writes it. */
static void test_format_built_lease(void **state)
{
    (void)state;
    lease_t l;
    char out[1024];
    static const uint8_t duid[] = {1, 2, 3, 4};
    static const uint8_t hw[] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    lease_init(&l, LEASE_V6);
    inet_pton(AF_INET6, "2001:db8:1::50", &l.addr.v6);
    lease_set_client_id(&l, duid, sizeof duid);
    l.valid_lft = l.pref_lft = 4000;
    l.cltt = 1796377276 - 4000;
    l.subnet_id = 7;
    l.iaid = 5;
    l.fqdn_fwd = true;
    lease_set_hostname(&l, "host,one&two.example");
    memcpy(l.hwaddr, hw, sizeof hw);
    l.hwaddr_len = sizeof hw;
    l.hwtype = 1;
    lease_set_user_context(&l, "{ \"a\": \"x,y\", \"b\": [ 1, { \"c\": true } ] }");
    assert_int_equal(csv6_format_row(&l, out, sizeof out), (int)strlen(kea_rows[3]));
    assert_string_equal(out, kea_rows[3]);
    /* Its delete, as Kea's memfile writes it: both lifetimes 0, expire = cltt. */
    l.valid_lft = l.pref_lft = 0;
    csv6_format_row(&l, out, sizeof out);
    assert_non_null(strstr(out, "2001:db8:1::50,01:02:03:04,0,1796373276,7,0,0,5,128,1,0,"));
    lease_free(&l);
}

/* The whole file kea-dhcp6 wrote, and kea-lfc's compaction of it (test_csv6_kea.py). */
static void test_kea_fixture_file(void **state)
{
    (void)state;
    const char *src = getenv("NESTOR_SRCDIR");
    assert_non_null(src); /* set by meson test */
    char path[1024], lfc_path[1024], err[512] = "";
    snprintf(path, sizeof path, "%s/tests/unit/lease/fixtures/kea-2.2-leases6.csv", src);
    snprintf(lfc_path, sizeof lfc_path, "%s/tests/unit/lease/fixtures/kea-2.2-leases6-lfc.csv",
             src);
    csv6_file_stats_t st;
    lease_list_t left = {0};
    int rc = csv6_file_check(path, &st, &left, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(st.rows, 51);
    assert_int_equal(st.warnings, 0);
    assert_true(st.na >= 30 && st.pd >= 10 && st.deletes >= 3);
    assert_true(st.declined == 1 && st.reclaimed == 1 && st.escaped == 1 && st.contexts == 2);
    char *compact = csv6_file_compact(&left);
    char *lfc = tl_read(lfc_path);
    assert_non_null(lfc);
    assert_string_equal(compact, lfc);
    free(compact);
    free(lfc);
    lease_list_free(&left);
}

/* Headers csv6 refuses, and why. */
static const struct {
    const char *hdr, *err;
} bad_headers[] = {
    {"address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,"
     "prefix_len,fqdn_fwd,fqdn_rev",
     "invalid lease6 file header: only 11 known column(s), at least 12 required"},
    {CSV4_HEADER, "invalid lease6 file header: column 2 is 'hwaddr', expected 'duid'"},
    {H12 ",hwaddr,state,user_context,hwaddr_source",
     "invalid lease6 file header: column 16 is 'hwaddr_source', expected 'hwtype'"},
    {CSV6_HEADER "\r", "invalid lease6 file header: column 17 is 'hwaddr_source\r', "
                       "expected 'hwaddr_source'"},
};

/* A good row is "2001:db8::1,01,100,1000,1,50,0,1,128,0,0,,,0,,,"; each changes a column. */
static const struct {
    const char *row, *err;
} bad_rows[] = {
    {"10.0.0.1,01,100,1000,1,50,0,1,128,0,0,,,0,,,", "line 17: invalid address '10.0.0.1'"},
    {"fe80::1%eth0,01,100,1000,1,50,0,1,128,0,0,,,0,,,",
     "line 17: invalid address 'fe80::1%eth0'"},
    {"2001:db8::g,01,100,1000,1,50,0,1,128,0,0,,,0,,,",
     "line 17: invalid address '2001:db8::g'"},
    {"2001:db8::1,,100,1000,1,50,0,1,128,0,0,,,1,,,", "line 17: invalid duid '': empty"},
    {"2001:db8::1,zz,100,1000,1,50,0,1,128,0,0,,,0,,,", "line 17: invalid duid 'zz'"},
    {"2001:db8::1,01::02,100,1000,1,50,0,1,128,0,0,,,0,,,", "line 17: invalid duid '01::02'"},
    {"2001:db8::1,00,100,1000,1,50,0,1,128,0,0,,,0,,,",
     "line 17: invalid duid '00': the empty DUID is only valid for a declined lease "
     "(state 0)"},
    {"2001:db8::1,01,-1,1000,1,50,0,1,128,0,0,,,0,,,", "line 17: invalid valid_lifetime '-1'"},
    {"2001:db8::1,01,4294967296,1000,1,50,0,1,128,0,0,,,0,,,",
     "line 17: invalid valid_lifetime '4294967296'"},
    {"2001:db8::1,01,100,x,1,50,0,1,128,0,0,,,0,,,", "line 17: invalid expire 'x'"},
    {"2001:db8::1,01,100,1000,,50,0,1,128,0,0,,,0,,,", "line 17: invalid subnet_id ''"},
    {"2001:db8::1,01,100,1000,1,+50,0,1,128,0,0,,,0,,,",
     "line 17: invalid pref_lifetime '+50'"},
    {"2001:db8::1,01,100,1000,1,50,3,1,128,0,0,,,0,,,", "line 17: invalid lease_type '3'"},
    {"2001:db8::1,01,100,1000,1,50,-1,1,128,0,0,,,0,,,", "line 17: invalid lease_type '-1'"},
    {"2001:db8::1,01,100,1000,1,50,0,-1,128,0,0,,,0,,,", "line 17: invalid iaid '-1'"},
    {"2001:db8::1,01,100,1000,1,50,0,1,64,0,0,,,0,,,",
     "line 17: invalid prefix_len '64': must be 128 for an address lease"},
    {"2001:db8::1,01,100,1000,1,50,1,1,127,0,0,,,0,,,",
     "line 17: invalid prefix_len '127': must be 128 for an address lease"},
    {"2001:db8::,01,100,1000,1,50,2,1,0,0,0,,,0,,,",
     "line 17: invalid prefix_len '0': must be 1 to 128 for a prefix lease"},
    {"2001:db8::,01,100,1000,1,50,2,1,129,0,0,,,0,,,",
     "line 17: invalid prefix_len '129': must be 1 to 128 for a prefix lease"},
    {"2001:db8::,01,100,1000,1,50,2,1,300,0,0,,,0,,,", "line 17: invalid prefix_len '300'"},
    {"2001:db8::1,01,100,1000,1,50,0,1,128,2,0,,,0,,,", "line 17: invalid fqdn_fwd '2'"},
    {"2001:db8::1,01,100,1000,1,50,0,1,128,0,yes,,,0,,,", "line 17: invalid fqdn_rev 'yes'"},
    {"2001:db8::1,01,100,1000,1,50,0,1,128,0,0,,,x,,,", "line 17: invalid state 'x'"},
    {"2001:db8::1,01,100,1000,1,50,0,1,128,0,0,,,,,,", "line 17: invalid state ''"},
    {"2001:db8::1,01,100,1000,1,50,0,1,128,0,0,,,0,[1],,",
     "line 17: invalid user_context '[1]': not a JSON map"},
    {"2001:db8::1,01,100,1000,1,50,0,1,128,0,0,,,0,&#x00,,",
     "line 17: invalid user_context '&#x00': empty after unescaping"},
    {"2001:db8::1,01,100,1000,1,50,0,1,128,0,0,,,0,,", "line 17: expected 17 columns, found 16"},
    {"2001:db8::1,01,100,1000,1,50,0,1,128,0,0,,,0,,,,",
     "line 17: expected 17 columns, found 18"},
    {"", "line 17: expected 17 columns, found 1"},
};

static void test_headers(void **state)
{
    (void)state;
    csv_schema_t s;
    char err[256] = "", out[1024];
    static const struct {
        const char *hdr, *version;
        int age;
    } good[] = {
        {CSV6_HEADER, "4.0", 0},
        {H12, "1.0", -1},
        {H12 ",hwaddr", "2.0", -1},
        {H12 ",hwaddr,state", "3.0", -1},
        {H12 ",hwaddr,state,user_context", "3.1", -1},
        {H12 ",hwaddr,state,user_context,hwtype", "4.0", -1},
        {CSV6_HEADER ",pool_id", "4.0+", 1},
        {CSV6_HEADER ",pool_id,later", "4.0+", 1},
    };
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        assert_int_equal(csv_parse_header(&csv6_dialect, good[i].hdr, &s, err, sizeof err), 0);
        assert_string_equal(csv_schema_version(&csv6_dialect, &s), good[i].version);
        assert_int_equal(csv_schema_age(&csv6_dialect, &s), good[i].age);
    }

    /* Rows of an older file take the defaults, as kea-lfc 2.2 writes them: state 0, and
     * hwtype 1 / hwaddr_source 0 next to a hardware address. Up to 17 columns are accepted. */
    assert_int_equal(csv_parse_header(&csv6_dialect, H12, &s, err, sizeof err), 0);
    reformat(&s, "2001:db8::1,01,100,1000,1,50,0,1,128,0,0,h", out, sizeof out);
    assert_string_equal(out, "2001:db8::1,01,100,1000,1,50,0,1,128,0,0,h,,0,,,\n");
    reformat(&s, "2001:db8::2,01,100,1000,1,50,0,1,128,0,0,h,01:02", out, sizeof out);
    assert_string_equal(out, "2001:db8::2,01,100,1000,1,50,0,1,128,0,0,h,01:02,0,,1,0\n");
    reformat(&s, "2001:db8::3,01,100,1000,1,50,2,1,64,0,0,h,01:02,1,{}", out, sizeof out);
    assert_string_equal(out, "2001:db8::3,01,100,1000,1,50,2,1,64,0,0,h,01:02,1,{},1,0\n");
    reformat(&s, "2001:db8::4,01,100,1000,1,50,0,1,128,0,0,h,01:02,1,,6", out, sizeof out);
    assert_string_equal(out, "2001:db8::4,01,100,1000,1,50,0,1,128,0,0,h,01:02,1,,6,0\n");
    reformat(&s, "2001:db8::5,01,100,1000,1,50,0,1,128,0,0,h,01:02,1,,6,4", out, sizeof out);
    assert_string_equal(out, "2001:db8::5,01,100,1000,1,50,0,1,128,0,0,h,01:02,1,,6,4\n");
    lease_t l;
    bool del;
    char buf[1024];
    assert_int_equal(parse_with(&s, "2001:db8::1,01,100,1000,1,50,0,1,128,0,0", buf, sizeof buf,
                                &l, &del, err), NST_EMALFORMED);
    assert_string_equal(err, "line 17: expected 12 to 17 columns, found 11");

    /* A later schema: extra columns are carried and ignored. */
    assert_int_equal(csv_parse_header(&csv6_dialect, CSV6_HEADER ",pool_id", &s, err, sizeof err),
                     0);
    reformat(&s, "2001:db8::6,01,100,1000,1,50,0,1,128,0,0,,,0,,,9", out, sizeof out);
    assert_string_equal(out, "2001:db8::6,01,100,1000,1,50,0,1,128,0,0,,,0,,,\n");
    reformat(&s, "2001:db8::6,01,100,1000,1,50,0,1,128,0,0,,,0,,,", out, sizeof out);

    for (size_t i = 0; i < ARRAY_SIZE(bad_headers); i++) {
        assert_int_equal(csv_parse_header(&csv6_dialect, bad_headers[i].hdr, &s, err, sizeof err),
                         NST_EMALFORMED);
        assert_string_equal(err, bad_headers[i].err);
    }
}

static void test_bad_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad_rows); i++) {
        char buf[512], err[256] = "";
        lease_t l;
        bool del;
        assert_int_equal(parse_with(NULL, bad_rows[i].row, buf, sizeof buf, &l, &del, err),
                         NST_EMALFORMED);
        assert_string_equal(err, bad_rows[i].err);
    }

    /* DUID: Kea's formatted hex forms, at most 128 bytes. */
    char row[1024], buf[1024], err[256], out[1024];
    lease_t l;
    bool del;
    reformat(NULL, "2001:db8::1,0x0102,100,1000,1,50,0,1,128,0,0,,,0,,,", out, sizeof out);
    assert_string_equal(out, "2001:db8::1,01:02,100,1000,1,50,0,1,128,0,0,,,0,,,\n");
    reformat(NULL, "2001:db8::1,1 2 3,100,1000,1,50,0,1,128,0,0,,,0,,,", out, sizeof out);
    assert_string_equal(out, "2001:db8::1,01:02:03,100,1000,1,50,0,1,128,0,0,,,0,,,\n");
    char duid[3 * 129];
    for (int n = 128; n <= 129; n++) {
        for (int i = 0; i < n; i++)
            memcpy(duid + 3 * i, "ab:", 3);
        duid[3 * n - 1] = '\0';
        snprintf(row, sizeof row, "2001:db8::1,%s,100,1000,1,50,0,1,128,0,0,,,0,,,", duid);
        int rc = parse_with(NULL, row, buf, sizeof buf, &l, &del, err);
        assert_int_equal(rc, n == 128 ? 0 : NST_EMALFORMED);
    }
    assert_non_null(strstr(err, "': longer than 128 bytes"));
    /* Numbers at their limits; the hostname keeps its case (Kea's v6 loader does not lower it). */
    reformat(NULL, "2001:db8::1,01,4294967295,9223372036854775807,4294967295,4294967295,1,"
                   "4294967295,128,1,1,Host.EXAMPLE,,4294967295,,,", out, sizeof out);
    assert_string_equal(out, "2001:db8::1,01,4294967295,9223372036854775807,4294967295,4294967295,1,"
                             "4294967295,128,1,1,Host.EXAMPLE,,4294967295,,,\n");
    /* expire < valid_lifetime: cltt < 0, kept as read. */
    assert_int_equal(parse_with(NULL, "2001:db8::1,01,100,1,1,50,0,1,128,0,0,,,1,,,", buf,
                                sizeof buf, &l, &del, err), 0);
    assert_int_equal(l.cltt, -99);
}

/* A hardware address Kea cannot read drops it with a warning: the row still loads. */
static void test_hwaddr_warnings(void **state)
{
    (void)state;
    static const struct {
        const char *cols, *warn; /* hwaddr,state,user_context,hwtype,hwaddr_source */
    } cases[] = {
        {"zz:01,0,,,", "line 17: invalid hwaddr 'zz:01': hardware address dropped"},
        {"01:02:03:04:05:06:07:08:09:10:11:12:13:14:15:16:17:18:19:20:21,0,,,",
         "line 17: invalid hwaddr '01:02:03:04:05:06:07:08:09:10:11:12:13:14:15:16:17:18:19:20:21'"
         ": hardware address dropped"},
        {"0a:1:ff,0,,x,", "line 17: invalid hwtype 'x': hardware address dropped"},
        {"0a:1:ff,0,,70000,", "line 17: invalid hwtype '70000': hardware address dropped"},
        {"0a:1:ff,0,,6,y", "line 17: invalid hwaddr_source 'y': hardware address dropped"},
        {",0,,x,y", ""}, /* no address: hwtype and source are not read */
        {",0,,6,8", ""},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char row[256], buf[256], err[256] = "x", out[256];
        lease_t l;
        bool del;
        snprintf(row, sizeof row, "2001:db8::1,01,100,1000,1,50,0,1,128,0,0,,%s", cases[i].cols);
        assert_int_equal(parse_with(NULL, row, buf, sizeof buf, &l, &del, err), 0);
        assert_string_equal(err, cases[i].warn);
        assert_int_equal(l.hwaddr_len, 0);
        csv6_format_row(&l, out, sizeof out);
        assert_string_equal(out, "2001:db8::1,01,100,1000,1,50,0,1,128,0,0,,,0,,,\n");
    }
    /* A good one keeps its type and source; one-digit groups are written as two. */
    char out[256];
    reformat(NULL, "2001:db8::1,01,100,1000,1,50,0,1,128,0,0,,0a:1:ff,0,,0,0", out, sizeof out);
    assert_string_equal(out, "2001:db8::1,01,100,1000,1,50,0,1,128,0,0,,0a:01:ff,0,,0,0\n");
}

static void test_format_limits_and_check(void **state)
{
    (void)state;
    lease_t l;
    char out[1024], err[256];
    char buf[1024];
    bool del;
    assert_int_equal(parse_with(NULL, kea_rows[3], buf, sizeof buf, &l, &del, err), 0);
    lease_t own;
    lease_dup(&own, &l);
    int n = csv6_format_row(&own, out, sizeof out);
    assert_int_equal(n, (int)strlen(kea_rows[3]));
    assert_true((size_t)n + 1 <= csv6_row_max_len(&own));
    for (int cap = 0; cap <= n; cap++)
        assert_int_equal(csv6_format_row(&own, out, (size_t)cap), NST_ENOSPACE);
    assert_int_equal(csv6_format_row(&own, out, (size_t)n + 1), n);

    /* The longest fixed columns fit the bound. */
    memset(own.addr.v6.s6_addr, 0xff, 16);
    own.addr.v6.s6_addr[10] = 0; /* not a mapped address: all eight groups */
    own.valid_lft = own.pref_lft = own.iaid = own.subnet_id = own.state = UINT32_MAX;
    own.cltt = INT64_MAX - UINT32_MAX;
    own.hwtype = UINT16_MAX;
    own.hwaddr_source = UINT32_MAX;
    own.hwaddr_len = LEASE_HWADDR_MAX;
    n = csv6_format_row(&own, out, sizeof out);
    assert_true(n > 0 && (size_t)n < csv6_row_max_len(&own));

    assert_int_equal(csv6_check_lease(&own, err, sizeof err), 0);
    own.type = 3;
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), NST_EINVAL);
    assert_string_equal(err, "lease type 3 is not 0 (NA), 1 (TA) or 2 (PD)");
    own.type = LEASE6_NA;
    own.prefix_len = 64;
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), NST_EINVAL);
    assert_string_equal(err, "prefix_len 64 must be 128 for an address lease");
    own.type = LEASE6_PD;
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), 0);
    own.prefix_len = 0;
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), NST_EINVAL);
    own.prefix_len = 56;
    static const uint8_t empty[] = {0};
    lease_set_client_id(&own, empty, 1);
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), NST_EINVAL);
    assert_string_equal(err, "the empty DUID (00) is only valid for a declined lease");
    own.state = LEASE_STATE_DECLINED;
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), 0);
    lease_set_client_id(&own, NULL, 0);
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), NST_EINVAL);
    assert_string_equal(err, "duid must be 1 to 128 bytes");
    uint8_t big[129] = {1};
    lease_set_client_id(&own, big, sizeof big);
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), NST_EINVAL);
    lease_set_client_id(&own, big, 128);
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), 0);
    lease_set_user_context(&own, "[1]");
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), NST_EINVAL);
    assert_string_equal(err, "user_context: not a JSON map");
    lease_set_user_context(&own, NULL);
    own.cltt = -5;
    own.valid_lft = 0;
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), NST_EINVAL);
    own.cltt = 0;
    own.family = LEASE_V4;
    assert_int_equal(csv6_check_lease(&own, err, sizeof err), NST_EINVAL);
    assert_string_equal(err, "not an IPv6 lease");
    lease_free(&own);
}

/* memfile's v6 dialect is csv6. */
static void test_memfile_csv6(void **state)
{
    (void)state;
    assert_int_equal(memfile_csv6.family, LEASE_V6);
    assert_string_equal(memfile_csv6.header, CSV6_HEADER);
    assert_ptr_equal(memfile_csv6.dialect, &csv6_dialect);
    assert_ptr_equal(memfile_csv6.parse_row, csv6_parse_row);
    assert_ptr_equal(memfile_csv6.format_row, csv6_format_row);
    assert_ptr_equal(memfile_csv6.row_max_len, csv6_row_max_len);
    assert_ptr_equal(memfile_csv6.check_lease, csv6_check_lease);
}

static void count_row(void *ctx, const lease_t *l, bool is_delete, uint64_t offset)
{
    unsigned *n = ctx;
    (void)offset;
    n[0]++;
    n[1] += is_delete;
    n[2] += l->hwaddr_len > 0;
}

/* memfile's reader with the v6 dialect: an older header, a bad row reported and skipped, a
 * dropped hardware address reported as a warning, the schema reported for conversion. */
static void test_memfile_reads_lease6_file(void **state)
{
    (void)state;
    char *dir = tl_mkdtemp(), *path = tl_path(dir, "leases6.csv"), err[256] = "";
    tl_write(path, H12 ",hwaddr,state\n"
                   "2001:db8::1,01,100,1000,1,50,0,1,128,0,0,h,01:02,0\n"
                   "2001:db8::3,01,100,1000,1,50,5,1,128,0,0,h,,0\n"
                   "2001:db8::2,01,100,1000,1,50,0,1,128,0,0,h,zz,0\n"
                   "\n"
                   "2001:db8::1,01,0,1000,1,0,0,1,128,0,0,h,01:02,0\n");
    tl_reports_t r = {0};
    memfile_store_t m = {.csv = &memfile_csv6, .cfg = tl_config(path, &r)};
    csv_schema_t schema;
    uint64_t rows, errors;
    bool missing;
    unsigned n[3] = {0};
    assert_int_equal(memfile_read_file(&m, path, &schema, count_row, n, 0, true, &rows, &errors,
                                       &missing, err, sizeof err), 0);
    assert_false(missing);
    assert_int_equal(rows, 4);
    assert_int_equal(errors, 1);
    assert_int_equal(r.row_errors, 1);
    assert_int_equal(n[0], 3);
    assert_int_equal(n[1], 1);
    assert_int_equal(n[2], 2);
    assert_string_equal(r.last_id, "DHCPSRV_MEMFILE_READ_HWADDR_FAIL");
    assert_non_null(strstr(r.last_text, "line 4: invalid hwaddr 'zz': hardware address dropped"));
    assert_int_equal(csv_schema_age(memfile_csv6.dialect, &schema), -1);
    assert_string_equal(csv_schema_version(memfile_csv6.dialect, &schema), "3.0");

    /* The whole file Kea wrote loads without a message. */
    char fixture[1024];
    snprintf(fixture, sizeof fixture, "%s/tests/unit/lease/fixtures/kea-2.2-leases6.csv",
             getenv("NESTOR_SRCDIR"));
    memset(&r, 0, sizeof r);
    assert_int_equal(memfile_read_file(&m, fixture, &schema, count_row, n, 0, true, &rows,
                                       &errors, &missing, err, sizeof err), 0);
    assert_int_equal(rows, 51);
    assert_int_equal(errors, 0);
    assert_int_equal(r.count, 0);
    assert_int_equal(csv_schema_age(memfile_csv6.dialect, &schema), 0);
    free(path);
    tl_rmdir(dir);
}

int test_csv6_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_kea_rows),
        cmocka_unit_test(test_fields_of_kea_rows),
        cmocka_unit_test(test_format_built_lease),
        cmocka_unit_test(test_kea_fixture_file),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_hwaddr_warnings),
        cmocka_unit_test(test_format_limits_and_check),
        cmocka_unit_test(test_memfile_csv6),
        cmocka_unit_test(test_memfile_reads_lease6_file),
    };
    return cmocka_run_group_tests_name("csv6", tests, NULL, NULL);
}
