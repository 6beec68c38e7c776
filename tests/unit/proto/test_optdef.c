/* optdef: the standard table, custom definitions, csv encoding per type, hex, formatting. */
#include "test_proto.h"

#include <string.h>

#include "common/errcode.h"
#include "proto/optdef.h"

static uint8_t out[4096];
static char err[256];

static const optdef_t *std4(const char *name)
{
    const optdef_t *d = optdef_find_by_name(NULL, "dhcp4", name);
    if (!d)
        fail_msg("no standard definition '%s'", name);
    return d;
}

/* Encodes text with the named standard dhcp4 definition and checks the exact bytes. */
static void enc_ok(const char *name, const char *text, const void *want, size_t wlen)
{
    err[0] = 'x';
    int n = optdef_encode_csv(std4(name), text, out, sizeof out, err, sizeof err);
    if (n < 0)
        fail_msg("%s '%s': %d %s", name, text, n, err);
    assert_int_equal(n, (int)wlen);
    if (wlen)
        assert_memory_equal(out, want, wlen);
    assert_string_equal(err, "");
}

static void enc_bad_def(const optdef_t *d, const char *text, const char *want_err)
{
    int n = optdef_encode_csv(d, text, out, sizeof out, err, sizeof err);
    assert_int_equal(n, NST_EMALFORMED);
    assert_string_equal(err, want_err);
}

static void enc_bad(const char *name, const char *text, const char *want_err)
{
    enc_bad_def(std4(name), text, want_err);
}

/* ---- table ---------------------------------------------------------------------------------- */

static void test_std_table(void **state)
{
    (void)state;
    assert_int_equal(optdef_std_count("dhcp4"), 113);
    static const struct { const char *name; int code; } spot[] = {
        {"subnet-mask", 1}, {"time-offset", 2}, {"routers", 3}, {"domain-name-servers", 6},
        {"host-name", 12}, {"domain-name", 15}, {"broadcast-address", 28},
        {"ntp-servers", 42}, {"netbios-name-servers", 44}, {"dhcp-requested-address", 50},
        {"dhcp-lease-time", 51}, {"dhcp-option-overload", 52}, {"dhcp-message-type", 53},
        {"dhcp-server-identifier", 54}, {"dhcp-parameter-request-list", 55},
        {"dhcp-message", 56}, {"dhcp-max-message-size", 57}, {"dhcp-renewal-time", 58},
        {"dhcp-rebinding-time", 59}, {"vendor-class-identifier", 60},
        {"dhcp-client-identifier", 61}, {"tftp-server-name", 66}, {"boot-file-name", 67},
        {"streettalk-directory-assistance-server", 76}, {"user-class", 77}, {"fqdn", 81},
        {"dhcp-agent-options", 82}, {"nds-servers", 85}, {"bcms-controller-names", 88},
        {"authenticate", 90}, {"uuid-guid", 97}, {"v6-only-preferred", 108},
        {"v4-captive-portal", 114}, {"subnet-selection", 118}, {"domain-search", 119},
        {"vivco-suboptions", 124}, {"vivso-suboptions", 125}, {"pana-agent", 136},
        {"sip-ua-cs-domains", 141}, {"rdnss-selection", 146}, {"v4-portparams", 159},
        {"option-6rd", 212}, {"v4-access-domain", 213},
    };
    for (size_t i = 0; i < sizeof spot / sizeof spot[0]; i++) {
        const optdef_t *d = optdef_find_by_name(NULL, "dhcp4", spot[i].name);
        assert_non_null(d);
        assert_int_equal(d->code, spot[i].code);
        assert_ptr_equal(optdef_find_by_code(optdef_std(), "dhcp4", (uint16_t)spot[i].code), d);
        assert_string_equal(d->space, "dhcp4");
    }
    /* Every entry: valid name, sorted unique codes, records have >= 2 fields. */
    for (size_t i = 0; i < optdef_std_count("dhcp4"); i++) {
        const optdef_t *d = optdef_std_at("dhcp4", i);
        assert_true(optdef_valid_name(d->name));
        if (i > 0)
            assert_true(optdef_std_at("dhcp4", i - 1)->code < d->code);
        if (d->type == OPTDEF_RECORD)
            assert_true(d->nfields >= 2);
        else
            assert_int_equal(d->nfields, 0);
    }
    assert_null(optdef_std_at("dhcp4", 113));

    const optdef_t *d = std4("routers");
    assert_int_equal(d->type, OPTDEF_IPV4);
    assert_true(d->array);
    d = std4("domain-search");
    assert_int_equal(d->type, OPTDEF_FQDN);
    assert_true(d->array);
    d = std4("fqdn");
    assert_int_equal(d->type, OPTDEF_RECORD);
    assert_false(d->array);
    assert_int_equal(d->nfields, 4);
    assert_int_equal(d->fields[0], OPTDEF_UINT8);
    assert_int_equal(d->fields[3], OPTDEF_FQDN);
    d = std4("dhcp-agent-options");
    assert_int_equal(d->type, OPTDEF_EMPTY);
    assert_string_equal(d->encapsulate, "dhcp-agent-options-space");
    d = std4("dhcp-client-identifier");
    assert_int_equal(d->type, OPTDEF_BINARY);
    d = std4("option-6rd");
    assert_true(d->array);
    assert_int_equal(d->nfields, 4);
    assert_int_equal(d->fields[2], OPTDEF_IPV6);
    d = std4("v4-portparams");
    assert_int_equal(d->fields[1], OPTDEF_PSID);
    d = std4("slp-directory-agent");
    assert_true(d->array);
    assert_int_equal(d->fields[0], OPTDEF_BOOLEAN);

    /* Option 43 comes from the last-resort space. */
    d = optdef_find_by_code(NULL, "dhcp4", 43);
    assert_non_null(d);
    assert_string_equal(d->name, "vendor-encapsulated-options");
    assert_int_equal(d->type, OPTDEF_EMPTY);
    assert_string_equal(d->encapsulate, "vendor-encapsulated-options-space");
    assert_ptr_equal(std4("vendor-encapsulated-options"), d);

    /* Not in Kea 2.2: no default-url (114 is the captive portal), no 121, nothing at 250. */
    assert_null(optdef_find_by_name(NULL, "dhcp4", "default-url"));
    assert_null(optdef_find_by_code(NULL, "dhcp4", 121));
    assert_null(optdef_find_by_code(NULL, "dhcp4", 250));
    assert_null(optdef_find_by_code(NULL, "dhcp4", 0));
    assert_null(optdef_find_by_name(NULL, "dhcp6", "routers"));
    /* Sub-option spaces are empty in Kea 2.2. */
    assert_int_equal(optdef_std_count("dhcp-agent-options-space"), 0);
    assert_null(optdef_find_by_code(NULL, "dhcp-agent-options-space", 1));
    assert_int_equal(optdef_std_count("vendor-encapsulated-options-space"), 0);
    /* DOCSIS 3 definitions under both names. */
    d = optdef_find_by_code(NULL, "vendor-4491", 2);
    assert_non_null(d);
    assert_string_equal(d->name, "tftp-servers");
    assert_ptr_equal(optdef_find_by_name(NULL, "docsis3-v4", "tftp-servers"), d);
    assert_string_equal(optdef_find_by_code(NULL, "vendor-4491", 1)->name, "oro");

    optdef_type_t t;
    assert_true(optdef_type_from_name("ipv4-address", &t));
    assert_int_equal(t, OPTDEF_IPV4);
    assert_false(optdef_type_from_name("ipv4", &t));
    assert_string_equal(optdef_type_name(OPTDEF_PSID), "psid");
    assert_string_equal(optdef_type_name(OPTDEF_TYPE_COUNT), "unknown");
    assert_false(optdef_valid_name("-x"));
    assert_false(optdef_valid_name("x_"));
    assert_false(optdef_valid_name("a b"));
    assert_false(optdef_valid_name(""));
    assert_true(optdef_valid_name("a_b-C9"));
}

/* ---- custom definitions --------------------------------------------------------------------- */

static void def_bad(optdef_registry_t *r, const char *name, int64_t code, const char *type,
                    const char *rec, const char *space, bool array, const char *encap,
                    const char *want)
{
    err[0] = '\0';
    assert_int_equal(optdef_registry_define(r, name, code, type, rec, space, array, encap, err,
                                            sizeof err), NST_ECONFIG);
    assert_string_equal(err, want);
}

static void test_custom_defs(void **state)
{
    (void)state;
    optdef_registry_t *r = optdef_registry_new();
    assert_int_equal(optdef_registry_define(r, "my-opt", 224, "uint32", NULL, "dhcp4", false,
                                            NULL, err, sizeof err), 0);
    assert_int_equal(optdef_registry_define(r, "my-rec", 225, "record", "uint8, ipv4-address",
                                            NULL, true, "", err, sizeof err), 0);
    assert_int_equal(optdef_registry_define(r, "my-enc", 226, "empty", "", "dhcp4", false,
                                            "my-space", err, sizeof err), 0);
    assert_int_equal(optdef_registry_define(r, "sub1", 1, "string", "", "my-space", false, "",
                                            err, sizeof err), 0);
    /* Kea lets option-def redefine 43 in dhcp4 (its definition is only a last resort). */
    assert_int_equal(optdef_registry_define(r, "vendor-stuff", 43, "binary", "", "dhcp4", false,
                                            "", err, sizeof err), 0);
    /* vendor-4491 is a vendor lookup, not a standard space: a definition is accepted, but (as in
     * Kea 2.2) the DOCSIS one of the same code is found first. */
    assert_int_equal(optdef_registry_define(r, "my-tftp", 2, "string", "", "vendor-4491",
                                            false, "", err, sizeof err), 0);
    assert_int_equal(optdef_custom_count(r), 6);

    const optdef_t *d = optdef_find_by_name(r, "dhcp4", "my-rec");
    assert_non_null(d);
    assert_int_equal(d->code, 225);
    assert_int_equal(d->type, OPTDEF_RECORD);
    assert_int_equal(d->nfields, 2);
    assert_int_equal(d->fields[1], OPTDEF_IPV4);
    assert_true(d->array);
    assert_ptr_equal(optdef_find_by_code(r, "dhcp4", 225), d);
    assert_ptr_equal(optdef_custom_at(r, 1), d);
    assert_string_equal(optdef_find_by_code(r, "dhcp4", 43)->name, "vendor-stuff");
    assert_string_equal(optdef_find_by_code(r, "my-space", 1)->name, "sub1");
    assert_string_equal(optdef_find_by_code(r, "vendor-4491", 2)->name, "tftp-servers");
    assert_string_equal(optdef_find_by_code(r, "dhcp4", 3)->name, "routers");
    assert_null(optdef_find_by_code(NULL, "dhcp4", 224));
    assert_string_equal(optdef_find_by_code(r, "dhcp4", 226)->encapsulate, "my-space");

    /* Encoding through a custom record array. */
    int n = optdef_encode_csv(d, "7, 192.0.2.1, 192.0.2.2", out, sizeof out, err, sizeof err);
    assert_int_equal(n, 9);
    assert_memory_equal(out, "\x07\xc0\x00\x02\x01\xc0\x00\x02\x02", 9);

    def_bad(r, "dup", 224, "uint8", "", "dhcp4", false, "",
            "option definition with code '224' already exists in option space 'dhcp4'");
    def_bad(r, "my-opt", 230, "uint8", "", "dhcp4", false, "",
            "option definition with name 'my-opt' already exists in option space 'dhcp4'");
    def_bad(r, "my-routers", 3, "ipv4-address", "", "dhcp4", true, "",
            "unable to override definition of option '3' in standard option space 'dhcp4'");
    def_bad(r, "routers", 240, "ipv4-address", "", "dhcp4", true, "",
            "unable to override definition of option 'routers' in standard option space "
            "'dhcp4'");
    def_bad(r, "x", 1, "uint8", "", "docsis3-v4", false, "",
            "unable to override definition of option '1' in standard option space "
            "'docsis3-v4'");
    def_bad(r, "x", 0, "uint8", "", "dhcp4", false, "",
            "invalid option code '0': reserved for PAD");
    def_bad(r, "x", 255, "uint8", "", "dhcp4", false, "",
            "invalid option code '255': reserved for END");
    def_bad(r, "x", 256, "uint8", "", "dhcp4", false, "",
            "invalid option code '256', it must not be greater than '255'");
    def_bad(r, "x", -1, "uint8", "", "dhcp4", false, "", "option code must not be negative");
    def_bad(r, "-x", 230, "uint8", "", "dhcp4", false, "", "invalid option name '-x'");
    def_bad(r, "a b", 230, "uint8", "", "dhcp4", false, "", "invalid option name 'a b'");
    def_bad(r, "x", 230, "uint8", "", "my space", false, "",
            "invalid option space name 'my space'");
    def_bad(r, "x", 230, "uint8", "", "dhcp4", false, "bad space",
            "invalid encapsulated option space name: 'bad space'");
    def_bad(r, "x", 230, "uint8", "", "dhcp4", true, "foo",
            "option 'dhcp4.x', comprising an array of data fields may not encapsulate any "
            "option space");
    def_bad(r, "x", 230, "uint8", "", "foo", false, "foo",
            "option must not encapsulate an option space it belongs to: 'foo.x' is set to "
            "encapsulate 'foo'");
    def_bad(r, "x", 230, "uint128", "", "dhcp4", false, "",
            "option type 'uint128' not supported.");
    def_bad(r, "x", 230, "record", "uint8", "dhcp4", false, "",
            "invalid number of data fields: 1 specified for the option of type 'record'. "
            "Expected at least 2 fields.");
    def_bad(r, "x", 230, "record", "string, uint8", "dhcp4", false, "",
            "string data field can't be laid before data fields of other types.");
    def_bad(r, "x", 230, "record", "binary, uint8", "dhcp4", false, "",
            "binary data field can't be laid before data fields of other types.");
    def_bad(r, "x", 230, "record", "uint8, string", "dhcp4", true, "",
            "array of strings is not a valid option definition.");
    def_bad(r, "x", 230, "string", "", "dhcp4", true, "",
            "array of strings is not a valid option definition.");
    def_bad(r, "x", 230, "binary", "", "dhcp4", true, "",
            "array of binary values is not a valid option definition.");
    def_bad(r, "x", 230, "empty", "", "dhcp4", true, "",
            "array of empty value is not a valid option definition.");
    def_bad(r, "x", 230, "uint8", "uint8, uint16", "dhcp4", false, "",
            "invalid record type values specified for the option definition: 'record' option "
            "type must be used instead of 'uint8' to add data fields to the record");
    def_bad(r, "x", 230, "record", "uint8, record", "dhcp4", false, "",
            "invalid record type values specified for the option definition: attempted to add "
            "invalid data type 'record' to the record.");
    def_bad(r, "x", 230, "record", "uint8, ipv4", "dhcp4", false, "",
            "invalid record type values specified for the option definition: attempted to add "
            "invalid data type 'unknown' to the record.");
    def_bad(r, "x", 230, "record", "uint8, empty", "dhcp4", false, "",
            "invalid record type values specified for the option definition: attempted to add "
            "invalid data type 'empty' to the record.");
    assert_int_equal(optdef_custom_count(r), 6);
    /* The standard registry is read-only. */
    assert_int_equal(optdef_registry_define((optdef_registry_t *)optdef_std(), "y", 230,
                                            "uint8", "", "dhcp4", false, "", err, sizeof err),
                     NST_ECONFIG);
    /* Empty record-types items are skipped (Kea tokens()). */
    assert_int_equal(optdef_registry_define(r, "my-rec2", 231, "record", " uint16 ,, int8, ",
                                            "dhcp4", false, "", NULL, 0), 0);
    d = optdef_find_by_code(r, "dhcp4", 231);
    assert_int_equal(d->nfields, 2);
    assert_int_equal(d->fields[1], OPTDEF_INT8);
    optdef_registry_free(r);
    optdef_registry_free(NULL);
}

/* ---- encoding ------------------------------------------------------------------------------- */

static void test_encode_addresses(void **state)
{
    (void)state;
    enc_ok("routers", "192.0.2.1, 192.0.2.2", "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
    enc_ok("routers", "192.0.2.1,,192.0.2.2,", "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
    enc_ok("routers", "", "", 0);
    enc_ok("subnet-mask", " 255.255.255.0 ", "\xff\xff\xff\x00", 4);
    /* A single value uses the first field only, as Kea does. */
    enc_ok("subnet-mask", "255.255.255.0, 1.2.3.4", "\xff\xff\xff\x00", 4);
    enc_bad("routers", "192.0.2.1, 192.0.2.300", "'192.0.2.300' is not a valid IPv4 address");
    enc_bad("routers", "2001:db8::1", "'2001:db8::1' is not a valid IPv4 address");
    enc_bad("subnet-mask", "", "no option value specified");
    /* Output space. */
    assert_int_equal(optdef_encode_csv(std4("routers"), "1.2.3.4, 5.6.7.8", out, 7, err,
                                       sizeof err), NST_ENOSPACE);
    assert_int_equal(optdef_encode_csv(std4("routers"), "1.2.3.4, 5.6.7.8", out, 8, NULL, 0),
                     8);
}

static void test_encode_integers(void **state)
{
    (void)state;
    enc_ok("default-ip-ttl", "255", "\xff", 1);
    enc_ok("default-ip-ttl", "0", "\x00", 1);
    enc_ok("default-ip-ttl", "0xff", "\xff", 1);
    enc_ok("default-ip-ttl", "0x1F", "\x1f", 1);
    enc_ok("default-ip-ttl", "ff", "\xff", 1);          /* Kea's hex fallback */
    enc_ok("default-ip-ttl", "+7", "\x07", 1);
    enc_bad("default-ip-ttl", "300", "'300' is out of range for uint8 (0..255)");
    enc_bad("default-ip-ttl", "-1", "'-1' is out of range for uint8 (0..255)");
    enc_bad("default-ip-ttl", "0x100", "'0x100' is out of range for uint8 (0..255)");
    enc_bad("default-ip-ttl", "xyz", "'xyz' is not a valid uint8");
    enc_bad("default-ip-ttl", "0x", "'0x' is not a valid uint8");
    enc_bad("default-ip-ttl", "1.5", "'1.5' is not a valid uint8");
    enc_ok("interface-mtu", "1500", "\x05\xdc", 2);
    enc_bad("interface-mtu", "65536", "'65536' is out of range for uint16 (0..65535)");
    enc_ok("dhcp-lease-time", "4294967295", "\xff\xff\xff\xff", 4);
    enc_bad("dhcp-lease-time", "4294967296", "'4294967296' is out of range for uint32 "
            "(0..4294967295)");
    enc_bad("dhcp-lease-time", "99999999999999999999999", "'99999999999999999999999' is not a "
            "valid uint32");
    enc_ok("time-offset", "-3600", "\xff\xff\xf1\xf0", 4);
    enc_ok("time-offset", "-2147483648", "\x80\x00\x00\x00", 4);
    enc_bad("time-offset", "2147483648", "'2147483648' is out of range for int32 "
            "(-2147483648..2147483647)");
    enc_ok("dhcp-parameter-request-list", "1, 3, 6, 15", "\x01\x03\x06\x0f", 4);
    enc_bad("dhcp-parameter-request-list", "", "option 55 empty");
    enc_ok("path-mtu-plateau-table", "68, 296", "\x00\x44\x01\x28", 4);
    /* int8 / int16 through custom definitions. */
    optdef_registry_t *r = optdef_registry_new();
    assert_int_equal(optdef_registry_define(r, "i8", 230, "int8", "", "dhcp4", true, "", err,
                                            sizeof err), 0);
    assert_int_equal(optdef_registry_define(r, "i16", 231, "int16", "", "dhcp4", false, "", err,
                                            sizeof err), 0);
    const optdef_t *i8 = optdef_find_by_code(r, "dhcp4", 230);
    assert_int_equal(optdef_encode_csv(i8, "-128, 127, -1", out, sizeof out, err, sizeof err), 3);
    assert_memory_equal(out, "\x80\x7f\xff", 3);
    enc_bad_def(i8, "128", "'128' is out of range for int8 (-128..127)");
    enc_bad_def(i8, "-129", "'-129' is out of range for int8 (-128..127)");
    const optdef_t *i16 = optdef_find_by_code(r, "dhcp4", 231);
    assert_int_equal(optdef_encode_csv(i16, "-32768", out, sizeof out, err, sizeof err), 2);
    assert_memory_equal(out, "\x80\x00", 2);
    enc_bad_def(i16, "32768", "'32768' is out of range for int16 (-32768..32767)");
    optdef_registry_free(r);
}

static void test_encode_bool_string(void **state)
{
    (void)state;
    enc_ok("ip-forwarding", "true", "\x01", 1);
    enc_ok("ip-forwarding", "FALSE", "\x00", 1);
    enc_ok("ip-forwarding", "1", "\x01", 1);
    enc_ok("ip-forwarding", "0", "\x00", 1);
    enc_bad("ip-forwarding", "2", "'2' is not a valid boolean (true, false, 1 or 0)");
    enc_bad("ip-forwarding", "yes", "'yes' is not a valid boolean (true, false, 1 or 0)");

    enc_ok("host-name", "my host", "my host", 7);
    enc_ok("host-name", "  spaced\t", "spaced", 6);
    enc_ok("domain-name", "a\\,b", "a,b", 3);
    enc_ok("domain-name", "a\\\\b", "a\\b", 3);
    enc_ok("domain-name", "a\\nb", "a\\nb", 4);          /* other escapes stay as written */
    enc_ok("domain-name", "a,b", "a", 1);                 /* first field only */
    enc_ok("domain-name", "end\\", "end\\", 4);
    enc_bad("host-name", "", "no option value specified");
    enc_bad("host-name", " ", "string value carried by the option '12' must not be empty");

    enc_ok("dhcp-client-identifier", "01020a", "\x01\x02\x0a", 3);
    enc_ok("dhcp-client-identifier", "01 02 0A", "\x01\x02\x0a", 3);
    enc_bad("dhcp-client-identifier", "123",
            "'123' is not a valid binary value (odd number of hex digits)");
    enc_bad("dhcp-client-identifier", "0x12", "'0x12' is not a valid binary value (hex digits)");
    enc_bad("dhcp-client-identifier", "zz", "'zz' is not a valid binary value (hex digits)");

    /* Empty type: no data allowed. */
    enc_ok("dhcp-agent-options", "", "", 0);
    enc_bad("dhcp-agent-options", "x", "option 'dhcp-agent-options' of type empty takes no data");
    /* vivso: enterprise number plus Kea's data-len octet. */
    enc_ok("vivso-suboptions", "4491", "\x00\x00\x11\x8b\x00", 5);
}

static void test_encode_fqdn(void **state)
{
    (void)state;
    static const uint8_t two[] = "\x07" "example" "\x03" "com" "\x00"
                                 "\x03" "foo" "\x07" "example" "\x03" "org" "\x00";
    enc_ok("domain-search", "example.com, foo.example.org.", two, sizeof two - 1);
    enc_ok("v4-lost", ".", "\x00", 1);
    enc_ok("v4-lost", "a\\.b.com", "\x03" "a.b" "\x03" "com" "\x00", 9);
    enc_ok("v4-lost", "\\065bc", "\x03" "Abc" "\x00", 5);
    enc_ok("v4-lost", "MiXeD.Case", "\x05" "MiXeD" "\x04" "Case" "\x00", 12);
    enc_bad("v4-lost", "a..b", "'a..b' is not a valid domain name");
    enc_bad("v4-lost", ".a", "'.a' is not a valid domain name");
    enc_bad("v4-lost", "a\\", "'a\\' is not a valid domain name");
    enc_bad("v4-lost", "\\256", "'\\256' is not a valid domain name");
    enc_bad("domain-search", "", "FQDN list option has invalid length of 0");
    char label[80];
    memset(label, 'a', 63);
    strcpy(label + 63, ".com");
    assert_int_equal(optdef_encode_csv(std4("v4-lost"), label, out, sizeof out, err, sizeof err),
                     69);
    memset(label, 'a', 64);
    strcpy(label + 64, ".com");
    assert_int_equal(optdef_encode_csv(std4("v4-lost"), label, out, sizeof out, err, sizeof err),
                     NST_EMALFORMED);
    /* 255 bytes on the wire is the limit: 4 x 63-byte labels = 4 * 64 + 1 = 257 > 255. */
    char big[300];
    size_t k = 0;
    for (int l = 0; l < 4; l++) {
        memset(big + k, 'b', 63);
        k += 63;
        big[k++] = '.';
    }
    big[k] = '\0';
    assert_int_equal(optdef_fqdn_to_wire(big, k, out, sizeof out), NST_EMALFORMED);
    /* 3 x 63 + one 61-byte label = 64 * 3 + 62 + 1 = 255: accepted. */
    big[3 * 64 + 61] = '\0';
    assert_int_equal(optdef_fqdn_to_wire(big, strlen(big), out, sizeof out), 255);
    assert_int_equal(optdef_fqdn_to_wire("a.b", 3, out, 4), NST_ENOSPACE);
    assert_int_equal(optdef_fqdn_to_wire("a.b", 3, out, 5), 5);
    assert_int_equal(optdef_fqdn_to_wire("", 0, out, 5), NST_EMALFORMED);
}

static void test_encode_records(void **state)
{
    (void)state;
    static const uint8_t fq[] = "\x01\xff\xff" "\x04" "host" "\x07" "example" "\x03" "com" "\x00";
    enc_ok("fqdn", "1, 255, 255, host.example.com", fq, sizeof fq - 1);
    enc_bad("fqdn", "1, 255, 255", "number of data fields for the option type '81' is greater "
            "than number of values provided.");
    enc_bad("fqdn", "1, 256, 255, a", "'256' is out of range for uint8 (0..255)");
    enc_ok("slp-directory-agent", "true, 192.0.2.1, 192.0.2.2",
           "\x01\xc0\x00\x02\x01\xc0\x00\x02\x02", 9);
    enc_ok("slp-service-scope", "false, some\\, scope", "\x00some, scope", 12);
    enc_ok("client-ndi", "1, 2, 3", "\x01\x02\x03", 3);
    enc_ok("client-ndi", "1, 2, 3, 4", "\x01\x02\x03", 3);   /* not an array: extra ignored */
    enc_ok("uuid-guid", "0, 0102030405", "\x00\x01\x02\x03\x04\x05", 6);
    enc_ok("vivco-suboptions", "4491, 02abcd", "\x00\x00\x11\x8b\x02\xab\xcd", 7);
    static const uint8_t rd[] = "\x01\xc0\x00\x02\x01\xc0\x00\x02\x02"
                                "\x01" "a" "\x03" "com" "\x00" "\x01" "b" "\x00";
    enc_ok("rdnss-selection", "1, 192.0.2.1, 192.0.2.2, a.com, b", rd, sizeof rd - 1);
    /* psid: 3 with length 4 is left-aligned: 0011 0000 0000 0000. */
    enc_ok("v4-portparams", "2, 3/4", "\x02\x04\x30\x00", 4);
    enc_ok("v4-portparams", "0, 0/0", "\x00\x00\x00\x00", 4);
    enc_ok("v4-portparams", "0, 65535 / 16", "\x00\x10\xff\xff", 4);
    enc_bad("v4-portparams", "2, 16/4", "invalid PSID value 16 for PSID length 4");
    enc_bad("v4-portparams", "2, 1/17", "provided PSID length '17' is not valid (0..16)");
    enc_bad("v4-portparams", "2, 3", "'3' is not a valid PSID value (psid/length)");
    static const uint8_t rd6[] = "\x00\x40" "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00"
                                 "\x00\x00\x00\x00" "\xc0\x00\x02\x01" "\xc0\x00\x02\x02";
    enc_ok("option-6rd", "0, 64, 2001:db8::, 192.0.2.1, 192.0.2.2", rd6, sizeof rd6 - 1);
    enc_bad("option-6rd", "0, 64, 192.0.2.1, 192.0.2.1", "'192.0.2.1' is not a valid IPv6 "
            "address");

    /* ipv6-prefix and tuple through custom definitions. */
    optdef_registry_t *r = optdef_registry_new();
    assert_int_equal(optdef_registry_define(r, "pfx", 230, "ipv6-prefix", "", "dhcp4", true, "",
                                            err, sizeof err), 0);
    assert_int_equal(optdef_registry_define(r, "tup", 231, "tuple", "", "dhcp4", true, "", err,
                                            sizeof err), 0);
    const optdef_t *pfx = optdef_find_by_code(r, "dhcp4", 230);
    int n = optdef_encode_csv(pfx, "2001:db8:1::/48, 2001:db8:ffff::/33, ::/0", out, sizeof out,
                              err, sizeof err);
    assert_int_equal(n, 7 + 6 + 1);
    assert_memory_equal(out, "\x30\x20\x01\x0d\xb8\x00\x01" "\x21\x20\x01\x0d\xb8\x80" "\x00",
                        14);
    enc_bad_def(pfx, "2001:db8::/129", "'129' is not a valid IPv6 prefix length");
    enc_bad_def(pfx, "2001:db8::", "'2001:db8::' is not a valid IPv6 prefix (address/length)");
    const optdef_t *tup = optdef_find_by_code(r, "dhcp4", 231);
    n = optdef_encode_csv(tup, "abc, de", out, sizeof out, err, sizeof err);
    assert_int_equal(n, 7);
    assert_memory_equal(out, "\x03" "abc" "\x02" "de", 7);
    char longv[300];
    memset(longv, 'x', 256);
    longv[256] = '\0';
    enc_bad_def(tup, longv, "tuple value is longer than 255 bytes");
    optdef_registry_free(r);
}

/* ---- hex ------------------------------------------------------------------------------------ */

static void hex_ok(const char *text, const void *want, int wlen)
{
    memset(out, 0xee, 16);
    assert_int_equal(optdef_parse_hex(text, out, sizeof out), wlen);
    if (wlen)
        assert_memory_equal(out, want, (size_t)wlen);
}

static void test_hex(void **state)
{
    (void)state;
    hex_ok("01:02:03", "\x01\x02\x03", 3);
    hex_ok("1:2:a", "\x01\x02\x0a", 3);
    hex_ok("01 02 0A", "\x01\x02\x0a", 3);
    hex_ok("0x0102", "\x01\x02", 2);
    hex_ok("0x102", "\x01\x02", 2);
    hex_ok("102", "\x01\x02", 2);
    hex_ok("AbCd", "\xab\xcd", 2);
    hex_ok("", "", 0);
    hex_ok("7", "\x07", 1);
    assert_int_equal(optdef_parse_hex("0x", out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_hex("0X01", out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_hex("01::02", out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_hex(":01", out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_hex("01:", out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_hex("012:03", out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_hex("01  02", out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_hex("0g", out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_hex("01:0g", out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_hex("01 02:03", out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_hex(NULL, out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_hex("010203", out, 2), NST_ENOSPACE);
    assert_int_equal(optdef_parse_hex("01:02:03", out, 2), NST_ENOSPACE);
    assert_int_equal(optdef_parse_hex("010203", out, 3), 3);

    assert_int_equal(optdef_parse_binary("'abc'", out, sizeof out), 3);
    assert_memory_equal(out, "abc", 3);
    assert_int_equal(optdef_parse_binary(" ' a b ' ", out, sizeof out), 3);
    assert_memory_equal(out, "a b", 3);
    assert_int_equal(optdef_parse_binary("0a0b", out, sizeof out), 2);
    assert_memory_equal(out, "\x0a\x0b", 2);
    assert_int_equal(optdef_parse_binary("''", out, sizeof out), NST_EMALFORMED);
    assert_int_equal(optdef_parse_binary("'abc'", out, 2), NST_ENOSPACE);
}

/* ---- formatting ----------------------------------------------------------------------------- */

static void fmt_ok(const optdef_t *d, const void *data, size_t len, const char *want)
{
    char txt[512];
    int n = optdef_format(d, data, len, txt, sizeof txt);
    if (n < 0)
        fail_msg("format %s: %d", d->name, n);
    assert_string_equal(txt, want);
    assert_int_equal(n, (int)strlen(want));
    /* And back. */
    int m = optdef_encode_csv(d, txt, out, sizeof out, err, sizeof err);
    if (m < 0)
        fail_msg("re-encode %s '%s': %s", d->name, txt, err);
    assert_int_equal(m, (int)len);
    assert_memory_equal(out, data, len);
}

static void test_format(void **state)
{
    (void)state;
    fmt_ok(std4("routers"), "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8, "192.0.2.1, 192.0.2.2");
    fmt_ok(std4("time-offset"), "\xff\xff\xf1\xf0", 4, "-3600");
    fmt_ok(std4("dhcp-lease-time"), "\xff\xff\xff\xff", 4, "4294967295");
    fmt_ok(std4("dhcp-parameter-request-list"), "\x01\x03\x06", 3, "1, 3, 6");
    fmt_ok(std4("ip-forwarding"), "\x01", 1, "true");
    fmt_ok(std4("domain-name"), "a,b\\c", 5, "a\\,b\\\\c");
    fmt_ok(std4("dhcp-client-identifier"), "\x01\xab", 2, "01ab");
    static const uint8_t two[] = "\x07" "example" "\x03" "com" "\x00" "\x01" "a" "\x00";
    fmt_ok(std4("domain-search"), two, sizeof two - 1, "example.com., a.");
    static const uint8_t esc[] = "\x05" "a.b,\\" "\x00";
    fmt_ok(std4("v4-lost"), esc, sizeof esc - 1, "a\\.b\\,\\092.");
    fmt_ok(std4("v4-lost"), "\x00", 1, ".");
    static const uint8_t fq[] = "\x01\xff\xff" "\x04" "host" "\x00";
    fmt_ok(std4("fqdn"), fq, sizeof fq - 1, "1, 255, 255, host.");
    fmt_ok(std4("v4-portparams"), "\x02\x04\x30\x00", 4, "2, 3/4");
    fmt_ok(std4("slp-directory-agent"), "\x00\xc0\x00\x02\x01\xc0\x00\x02\x02", 9,
           "false, 192.0.2.1, 192.0.2.2");
    static const uint8_t rd6[] = "\x00\x40" "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00"
                                 "\x00\x00\x00\x00" "\xc0\x00\x02\x01";
    fmt_ok(std4("option-6rd"), rd6, sizeof rd6 - 1, "0, 64, 2001:db8::, 192.0.2.1");
    fmt_ok(std4("vivso-suboptions"), "\x00\x00\x11\x8b\x00", 5, "4491");
    fmt_ok(std4("dhcp-agent-options"), "", 0, "");

    /* Trailing NULs of a string are not data (RFC 2132 §2). */
    char txt[64];
    assert_int_equal(optdef_format(std4("host-name"), (const uint8_t *)"ab\0\0", 4, txt,
                                   sizeof txt), 2);
    assert_string_equal(txt, "ab");
    /* Data that does not fit the definition. */
    assert_int_equal(optdef_format(std4("routers"), (const uint8_t *)"\x01\x02\x03\x04\x05", 5,
                                   txt, sizeof txt), NST_EMALFORMED);
    assert_string_equal(txt, "");
    assert_int_equal(optdef_format(std4("ip-forwarding"), (const uint8_t *)"\x02", 1, txt,
                                   sizeof txt), NST_EMALFORMED);
    assert_int_equal(optdef_format(std4("subnet-mask"), (const uint8_t *)"\x01\x02\x03", 3, txt,
                                   sizeof txt), NST_EMALFORMED);
    assert_int_equal(optdef_format(std4("subnet-mask"), (const uint8_t *)"\x01\x02\x03\x04\x05",
                                   5, txt, sizeof txt), NST_EMALFORMED);
    assert_int_equal(optdef_format(std4("v4-lost"), (const uint8_t *)"\xc0\x0c", 2, txt,
                                   sizeof txt), NST_EMALFORMED);
    assert_int_equal(optdef_format(std4("v4-lost"), (const uint8_t *)"\x03" "ab", 3, txt,
                                   sizeof txt), NST_EMALFORMED);
    assert_int_equal(optdef_format(std4("v4-portparams"), (const uint8_t *)"\x02\x04\x30\x01", 4,
                                   txt, sizeof txt), NST_EMALFORMED);
    assert_int_equal(optdef_format(std4("vivso-suboptions"), (const uint8_t *)"\x00\x00", 2, txt,
                                   sizeof txt), NST_EMALFORMED);
    assert_int_equal(optdef_format(std4("fqdn"), (const uint8_t *)"\x01", 1, txt, sizeof txt),
                     NST_EMALFORMED);
    /* Output space: truncated but terminated. */
    char tiny[8];
    assert_int_equal(optdef_format(std4("routers"), (const uint8_t *)"\xc0\x00\x02\x01", 4, tiny,
                                   sizeof tiny), NST_ENOSPACE);
    assert_string_equal(tiny, "192.0.2");
    assert_int_equal(optdef_format(std4("routers"), (const uint8_t *)"\x01\x01\x01\x01", 4, tiny,
                                   sizeof tiny), 7);
    assert_string_equal(tiny, "1.1.1.1");
}

int test_optdef_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_std_table),
        cmocka_unit_test(test_custom_defs),
        cmocka_unit_test(test_encode_addresses),
        cmocka_unit_test(test_encode_integers),
        cmocka_unit_test(test_encode_bool_string),
        cmocka_unit_test(test_encode_fqdn),
        cmocka_unit_test(test_encode_records),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests_name("optdef", tests, NULL, NULL);
}
