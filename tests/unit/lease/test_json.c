/* Unit tests: leases as Kea's JSON, both families (lease_json.h). */
#include <arpa/inet.h>
#include <string.h>

#include "common/errcode.h"
#include "lease/lease_json.h"
#include "test_lease.h"

static const lease_json_defaults_t def = {.subnet_id = 7, .valid_lft = 3600, .pref_lft = 1800, .now = 1000};

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j)
        fail_msg("%s: %s", text, e.text);
    return j;
}

/* Decodes text; returns the error code and the message in err. */
static int decode(const char *text, enum lease_family fam, lease_t *l, char *err, size_t errlen)
{
    json_t *j = parse(text);
    int r = lease_from_json(j, fam, &def, l, err, errlen);
    json_decref(j);
    return r;
}

static void test_v4_round_trip(void **state)
{
    lease_t l, back;
    char err[256];
    assert_int_equal(decode("{\"ip-address\": \"192.0.2.5\", \"hw-address\": \"1a:1b:1c:1d:1e:1f\","
                            " \"client-id\": \"01:02:03\", \"hostname\": \"host.example\", \"cltt\": 5000,"
                            " \"fqdn-fwd\": true, \"state\": 1, \"user-context\": {\"a\": 1}}",
                            LEASE_V4, &l, err, sizeof err), 0);
    assert_int_equal(l.addr.v4, 0xc0000205);
    assert_int_equal(l.subnet_id, 7);
    assert_int_equal(l.valid_lft, 3600); /* the default */
    assert_int_equal(l.cltt, 5000);
    assert_int_equal(l.client_id_len, 3);
    assert_true(l.fqdn_fwd && !l.fqdn_rev);
    json_t *j = lease_to_json(&l);
    assert_string_equal(json_string_value(json_object_get(j, "hw-address")), "1a:1b:1c:1d:1e:1f");
    assert_string_equal(json_string_value(json_object_get(j, "client-id")), "01:02:03");
    assert_null(json_object_get(j, "duid"));
    assert_int_equal(lease_from_json(j, LEASE_V4, &def, &back, err, sizeof err), 0);
    tl_assert_lease_eq(&l, &back);
    json_decref(j);
    lease_free(&l);
    lease_free(&back);
    /* "expire" (HA's lease updates) gives cltt through the lifetime */
    assert_int_equal(decode("{\"ip-address\": \"192.0.2.5\", \"hw-address\": \"1a:1b:1c:1d:1e:1f\","
                            " \"valid-lft\": 100, \"expire\": 2100}", LEASE_V4, &l, err, sizeof err), 0);
    assert_int_equal(l.cltt, 2000);
    lease_free(&l);
}

static void test_v6_round_trip(void **state)
{
    lease_t l, back;
    char err[256];
    assert_int_equal(decode("{\"ip-address\": \"2001:db8:1::\", \"type\": \"IA_PD\", \"prefix-len\": 56,"
                            " \"duid\": \"00:01:02:03\", \"iaid\": 4294967295, \"preferred-lft\": 10,"
                            " \"valid-lft\": 20, \"cltt\": 30, \"hw-address\": \"0a:0b\"}",
                            LEASE_V6, &l, err, sizeof err), 0);
    assert_int_equal(l.family, LEASE_V6);
    assert_int_equal(l.type, LEASE6_PD);
    assert_int_equal(l.prefix_len, 56);
    assert_int_equal(l.iaid, UINT32_MAX);
    assert_int_equal(l.pref_lft, 10);
    assert_int_equal(l.client_id_len, 4);
    assert_int_equal(l.hwaddr_len, 2);
    json_t *j = lease_to_json(&l);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "IA_PD");
    assert_string_equal(json_string_value(json_object_get(j, "ip-address")), "2001:db8:1::");
    assert_string_equal(json_string_value(json_object_get(j, "duid")), "00:01:02:03");
    assert_int_equal(json_integer_value(json_object_get(j, "prefix-len")), 56);
    assert_null(json_object_get(j, "client-id"));
    assert_int_equal(lease_from_json(j, LEASE_V6, &def, &back, err, sizeof err), 0);
    tl_assert_lease_eq(&l, &back);
    json_decref(j);
    lease_free(&l);
    lease_free(&back);
    /* an address: type IA_NA by default, prefix 128, preferred lifetime from the defaults, and no
     * prefix-len in the answer */
    assert_int_equal(decode("{\"ip-address\": \"2001:db8::5\", \"duid\": \"01:02\", \"iaid\": 1}", LEASE_V6,
                            &l, err, sizeof err), 0);
    assert_int_equal(l.type, LEASE6_NA);
    assert_int_equal(l.prefix_len, 128);
    assert_int_equal(l.pref_lft, 1800);
    j = lease_to_json(&l);
    assert_null(json_object_get(j, "prefix-len"));
    assert_null(json_object_get(j, "hw-address"));
    json_decref(j);
    lease_free(&l);
}

/* Each bad key is refused with a message naming it. */
static void test_errors_name_the_key(void **state)
{
    static const struct {
        int fam;
        const char *text, *names;
    } bad[] = {
        {4, "{\"ip-address\": \"2001:db8::1\", \"hw-address\": \"01:02\"}", "ip-address"},
        {6, "{\"ip-address\": \"192.0.2.1\", \"duid\": \"01:02\", \"iaid\": 1}", "ip-address"},
        {4, "{\"ip-address\": \"192.0.2.1\"}", "hw-address"},
        {4, "{\"ip-address\": \"192.0.2.1\", \"hw-address\": \"zz\"}", "hw-address"},
        {4, "{\"ip-address\": \"192.0.2.1\", \"hw-address\": \"01:02\", \"client-id\": \"01\"}", "client-id"},
        {4, "{\"ip-address\": \"192.0.2.1\", \"hw-address\": \"01:02\", \"valid-lft\": -1}", "valid-lft"},
        {4, "{\"ip-address\": \"192.0.2.1\", \"hw-address\": \"01:02\", \"cltt\": \"x\"}", "cltt"},
        {4, "{\"ip-address\": \"192.0.2.1\", \"hw-address\": \"01:02\", \"state\": 3}", "state"},
        {4, "{\"ip-address\": \"192.0.2.1\", \"hw-address\": \"01:02\", \"user-context\": 1}", "user-context"},
        {4, "{\"ip-address\": \"192.0.2.1\", \"hw-address\": \"\"}", "hw-address"},
        {6, "{\"ip-address\": \"2001:db8::1\", \"iaid\": 1}", "duid"},
        {6, "{\"ip-address\": \"2001:db8::1\", \"duid\": \"01\"}", "iaid"},
        {6, "{\"ip-address\": \"2001:db8::1\", \"duid\": \"01\", \"iaid\": 1, \"type\": \"IA_XX\"}", "type"},
        {6, "{\"ip-address\": \"2001:db8::\", \"duid\": \"01\", \"iaid\": 1, \"type\": \"IA_PD\"}", "prefix-len"},
        {6, "{\"ip-address\": \"2001:db8::1\", \"duid\": \"01\", \"iaid\": 1, \"prefix-len\": 64}", "prefix-len"},
        {6, "{\"ip-address\": \"2001:db8::1\", \"duid\": \"01\", \"iaid\": 1, \"preferred-lft\": 4294967296}",
         "preferred-lft"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lease_t l;
        char err[256] = "";
        int r = decode(bad[i].text, (enum lease_family)bad[i].fam, &l, err, sizeof err);
        if (r != NST_EINVAL || !strstr(err, bad[i].names))
            fail_msg("%s: got %d '%s', wanted an error naming %s", bad[i].text, r, err, bad[i].names);
        lease_free(&l);
    }
    /* bounds as Kea's schemas: a hostname of 256 bytes is refused, 255 taken */
    char text[600], name[300];
    memset(name, 'a', 256);
    name[256] = 0;
    snprintf(text, sizeof text, "{\"ip-address\": \"192.0.2.1\", \"hw-address\": \"01:02\", \"hostname\": \"%s\"}", name);
    lease_t l;
    char err[256];
    assert_int_equal(decode(text, LEASE_V4, &l, err, sizeof err), NST_EINVAL);
    assert_non_null(strstr(err, "hostname"));
    lease_free(&l);
    name[255] = 0;
    snprintf(text, sizeof text, "{\"ip-address\": \"192.0.2.1\", \"hw-address\": \"01:02\", \"hostname\": \"%s\"}", name);
    assert_int_equal(decode(text, LEASE_V4, &l, err, sizeof err), 0);
    lease_free(&l);
}

int test_json_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_round_trip),
        cmocka_unit_test(test_v6_round_trip),
        cmocka_unit_test(test_errors_name_the_key),
    };
    return cmocka_run_group_tests_name("lease_json", tests, NULL, NULL);
}
