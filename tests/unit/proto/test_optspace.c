/* optdef option spaces: vendor spaces, which definitions carry sub-options, where a value ends,
 * the definitions a client class may add, and lookups through a class's own definitions. */
#include "test_proto.h"

#include <string.h>

#include "common/errcode.h"
#include "proto/optdef.h"

static char err[256];

static void test_vendor_id(void **state)
{
    (void)state;
    assert_int_equal(optdef_vendor_id("vendor-4491"), 4491);
    assert_int_equal(optdef_vendor_id("vendor-0339"), 339);          /* Kea: a number */
    assert_int_equal(optdef_vendor_id("vendor-4294967295"), 4294967295u);
    assert_int_equal(optdef_vendor_id("vendor-4294967296"), 0);      /* too big: a plain space */
    assert_int_equal(optdef_vendor_id("vendor-0"), 0);
    assert_int_equal(optdef_vendor_id("vendor-"), 0);
    assert_int_equal(optdef_vendor_id("vendor-12a"), 0);
    assert_int_equal(optdef_vendor_id("Vendor-12"), 0);
    assert_int_equal(optdef_vendor_id("dhcp4"), 0);
    assert_int_equal(optdef_vendor_id(NULL), 0);
}

static optdef_registry_t *reg_with(const char *name, int code, const char *type, const char *rec,
                                   const char *space, const char *encap)
{
    optdef_registry_t *r = optdef_registry_new();
    if (optdef_registry_define(r, name, code, type, rec, space, false, encap, err, sizeof err))
        fail_msg("%s", err);
    return r;
}

static void test_carries_suboptions(void **state)
{
    (void)state;
    /* The last-resort option 43 and option 82 carry their spaces. */
    assert_true(optdef_carries_suboptions(optdef_find_by_code(NULL, "dhcp4", 43)));
    assert_true(optdef_carries_suboptions(optdef_find_by_code(NULL, "dhcp4", 82)));
    assert_false(optdef_carries_suboptions(optdef_find_by_code(NULL, "dhcp4", 3)));
    assert_false(optdef_carries_suboptions(NULL));
    static const char *const yes[] = {"empty", "uint8", "int32", "ipv4-address", "fqdn", "boolean",
                                      "tuple", "ipv6-prefix", NULL};
    static const char *const no[] = {"binary", "string", NULL};
    for (size_t i = 0; yes[i]; i++) {
        optdef_registry_t *r = reg_with("x", 222, yes[i], "", "dhcp4", "isc");
        assert_true(optdef_carries_suboptions(optdef_find_by_code(r, "dhcp4", 222)));
        optdef_registry_free(r);
    }
    for (size_t i = 0; no[i]; i++) {
        optdef_registry_t *r = reg_with("x", 222, no[i], "", "dhcp4", "isc");
        assert_false(optdef_carries_suboptions(optdef_find_by_code(r, "dhcp4", 222)));
        optdef_registry_free(r);
    }
    optdef_registry_t *r = reg_with("x", 222, "record", "uint8, ipv4-address", "dhcp4", "isc");
    assert_true(optdef_carries_suboptions(optdef_find_by_code(r, "dhcp4", 222)));
    optdef_registry_free(r);
}

static void value_len(const char *type, const char *rec, const char *hex, int want)
{
    optdef_registry_t *r = reg_with("x", 222, type, rec, "dhcp4", "isc");
    uint8_t b[64];
    int n = optdef_parse_hex(hex, b, sizeof b);
    assert_true(n >= 0);
    int got = optdef_value_len(optdef_find_by_code(r, "dhcp4", 222), b, (size_t)n);
    if (got != want)
        fail_msg("%s(%s) on %s: %d, want %d", type, rec, hex, got, want);
    optdef_registry_free(r);
}

static void test_value_len(void **state)
{
    (void)state;
    value_len("empty", "", "010203", 0);
    value_len("uint16", "", "01020300", 2);
    value_len("uint16", "", "01", NST_EMALFORMED);          /* Kea: option buffer truncated */
    value_len("ipv4-address", "", "c00002010100", 4);
    value_len("fqdn", "", "03616263000100", 5);
    value_len("fqdn", "", "0361", NST_EMALFORMED);
    value_len("tuple", "", "0261620100", 3);
    value_len("ipv6-prefix", "", "1020010db80100", 3);    /* /16: one length byte, two bytes */
    value_len("record", "uint8, ipv4-address", "070a0000010100", 5);
    value_len("record", "uint8, ipv4-address", "070a00", NST_EMALFORMED);
    value_len("record", "uint8, string", "07616263", 4);
    assert_int_equal(optdef_value_len(NULL, NULL, 0), NST_EINVAL);
}

static void test_class_defs(void **state)
{
    (void)state;
    assert_true(optdef_class_may_define("dhcp4", 43));
    assert_true(optdef_class_may_define("dhcp4", 224));
    assert_true(optdef_class_may_define("dhcp4", 254));
    assert_false(optdef_class_may_define("dhcp4", 223));
    assert_false(optdef_class_may_define("dhcp4", 3));
    assert_false(optdef_class_may_define("isc", 43));

    /* A class redefines 43 to carry its own space: its definition wins over the global one,
     * which wins over the last-resort one. */
    optdef_registry_t *global = reg_with("vendor-encapsulated-options", 43, "empty", "", "dhcp4", "GLOBAL");
    optdef_registry_t *cls = reg_with("vendor-encapsulated-options", 43, "empty", "", "dhcp4", "APC");
    assert_string_equal(optdef_resolve_by_code(cls, global, "dhcp4", 43)->encapsulate, "APC");
    assert_string_equal(optdef_resolve_by_name(cls, global, "dhcp4", "vendor-encapsulated-options")->encapsulate, "APC");
    assert_string_equal(optdef_resolve_by_code(NULL, global, "dhcp4", 43)->encapsulate, "GLOBAL");
    assert_string_equal(optdef_resolve_by_code(NULL, NULL, "dhcp4", 43)->encapsulate,
                        "vendor-encapsulated-options-space");
    /* A class's definitions do not hide standard ones of other codes. */
    assert_string_equal(optdef_resolve_by_code(cls, global, "dhcp4", 3)->name, "routers");
    assert_null(optdef_resolve_by_code(cls, global, NULL, 3));
    assert_null(optdef_resolve_by_name(cls, global, "dhcp4", NULL));
    optdef_registry_free(cls);
    optdef_registry_free(global);
}

int test_optspace_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vendor_id),
        cmocka_unit_test(test_carries_suboptions),
        cmocka_unit_test(test_value_len),
        cmocka_unit_test(test_class_defs),
    };
    return cmocka_run_group_tests_name("optspace", tests, NULL, NULL);
}
