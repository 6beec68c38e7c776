/* Unit tests: option-data in any option space, encapsulation per level (Kea 2.2
 * CfgOption::encapsulate), vendor spaces, and the class hooks (option-def and option-data of a
 * client class through a class's own definitions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/cfg4.h"
#include "config/cfg4_ctx.h"
#include "config/cfg_optencap.h"

static char buf[16384];

/* {"Dhcp4": {<body>}} */
static const char *dhcp4(const char *body)
{
    snprintf(buf, sizeof buf, "{\"Dhcp4\": {%s}}", body);
    return buf;
}

static cfg4_t *load_ok(const char *text)
{
    char err[1024] = "";
    cfg4_t *c = NULL;
    if (cfg4_load_string(text, "test.json", &c, err, sizeof err))
        fail_msg("unexpected error: %s", err);
    return c;
}

static void expect_error(const char *text, const char *needle)
{
    char err[1024] = "";
    cfg4_t *c = NULL;
    assert_int_not_equal(cfg4_load_string(text, "test.json", &c, err, sizeof err), 0);
    assert_null(c);
    if (!strstr(err, needle))
        fail_msg("error '%s' does not contain '%s'", err, needle);
}

static void hex_of(const cfg_option_t *o, char *out)
{
    for (size_t i = 0; i < o->len; i++)
        sprintf(out + 2 * i, "%02x", o->data[i]);
    out[2 * o->len] = '\0';
}

static void data_is(const cfg_option_t *o, const char *want)
{
    char h[8192];
    assert_non_null(o);
    hex_of(o, h);
    assert_string_equal(h, want);
}

/* The option of space (NULL: dhcp4) and code in a set. */
static const cfg_option_t *in_set(const cfg_optset_t *s, const char *space, uint16_t code)
{
    for (size_t i = 0; i < s->count; i++) {
        const cfg_option_t *o = &s->items[i];
        if (o->code == code && (space ? o->space && !strcmp(o->space, space) : !o->space))
            return o;
    }
    return NULL;
}

#define SUBOPT_DEFS                                                                                  \
    "\"option-def\": ["                                                                              \
    " {\"name\": \"sub1\", \"code\": 1, \"space\": \"isc\", \"type\": \"ipv4-address\"},"            \
    " {\"name\": \"sub3\", \"code\": 3, \"space\": \"isc\", \"type\": \"uint8\", \"encapsulate\": \"deep\"}," \
    " {\"name\": \"sub2\", \"code\": 2, \"space\": \"isc\", \"type\": \"string\"},"                  \
    " {\"name\": \"d1\", \"code\": 9, \"space\": \"deep\", \"type\": \"uint16\"},"                  \
    " {\"name\": \"container\", \"code\": 222, \"type\": \"uint16\", \"encapsulate\": \"isc\"},"     \
    " {\"name\": \"bin\", \"code\": 223, \"type\": \"binary\", \"encapsulate\": \"isc\"},"           \
    " {\"name\": \"rec\", \"code\": 225, \"type\": \"record\", \"record-types\": \"uint8, ipv4-address\"," \
    "  \"encapsulate\": \"isc\"},"                                                                   \
    " {\"name\": \"foo\", \"code\": 1, \"space\": \"vendor-encapsulated-options-space\", \"type\": \"string\"}," \
    " {\"name\": \"bar\", \"code\": 6, \"space\": \"vendor-encapsulated-options-space\", \"type\": \"uint8\"}]"

/* The bytes Kea 2.2 sends for these (checked against kea-dhcp4 on the wire): the value, then the
 * same level's sub-options in code order, nested; binary and string options carry none. */
static void test_encapsulation(void **state)
{
    (void)state;
    cfg4_t *c = load_ok(dhcp4(SUBOPT_DEFS ", \"option-data\": ["
        " {\"name\": \"sub2\", \"space\": \"isc\", \"data\": \"hello\"}, {\"name\": \"container\", \"data\": \"258\"},"
        " {\"name\": \"sub1\", \"space\": \"isc\", \"data\": \"10.0.0.1\"}, {\"name\": \"d1\", \"space\": \"deep\", \"data\": \"5\"},"
        " {\"name\": \"sub3\", \"space\": \"isc\", \"data\": \"7\"}, {\"name\": \"bin\", \"data\": \"aabb\"},"
        " {\"name\": \"rec\", \"data\": \"1, 10.1.1.1\"}]"));
    data_is(cfg_optset_find(&c->options, 222), "010201040a000001020568656c6c6f03050709020005");
    data_is(cfg_optset_find(&c->options, 223), "aabb");
    data_is(cfg_optset_find(&c->options, 225), "010a01010101040a000001020568656c6c6f03050709020005");
    /* the sub-options themselves keep their own values */
    data_is(in_set(&c->options, "isc", 3), "07");
    assert_int_equal(in_set(&c->options, "isc", 3)->vendor_id, 0);
    cfg4_free(c);

    /* option 43 (last-resort definition): hex data holding sub-options keeps them, sorted with
     * the configured ones, which do not replace a code already there; a truncated one is
     * dropped; 0 pads and 255 ends (option 43 only). */
    static const struct {
        const char *hex, *conf, *want;
    } with_data[] = {
        {"0601080a0278790102abcd", "{\"name\": \"foo\", \"space\": \"vendor-encapsulated-options-space\", \"data\": \"conf\"}",
         "0102abcd0601080a027879"},
        {"000601ffff0102", "{\"name\": \"bar\", \"space\": \"vendor-encapsulated-options-space\", \"data\": \"9\"}",
         "0601ff"},
        {"0105ab", "{\"name\": \"foo\", \"space\": \"vendor-encapsulated-options-space\", \"data\": \"x\"}",
         "010178"},
    };
    for (size_t i = 0; i < sizeof with_data / sizeof with_data[0]; i++) {
        char body[4096];
        snprintf(body, sizeof body, SUBOPT_DEFS ", \"option-data\": [%s,"
                 " {\"code\": 43, \"csv-format\": false, \"data\": \"%s\"}]", with_data[i].conf, with_data[i].hex);
        c = load_ok(dhcp4(body));
        data_is(cfg_optset_find(&c->options, 43), with_data[i].want);
        cfg4_free(c);
    }
    /* no sub-options configured: an empty option 43 */
    c = load_ok(dhcp4("\"option-data\": [{\"name\": \"vendor-encapsulated-options\", \"always-send\": true}]"));
    data_is(cfg_optset_find(&c->options, 43), "");
    assert_true(cfg_optset_find(&c->options, 43)->always_send);
    cfg4_free(c);
}

static void test_encapsulation_per_level(void **state)
{
    /* Each level encapsulates its own sub-options only: option 43 of a subnet does not take the
     * global sub-options (Kea 2.2, checked on the wire); pools and reservations likewise. */
    (void)state;
    cfg4_t *c = load_ok(dhcp4(SUBOPT_DEFS ","
        "\"option-data\": [{\"name\": \"foo\", \"space\": \"vendor-encapsulated-options-space\", \"data\": \"g\"},"
        "                  {\"name\": \"vendor-encapsulated-options\"}],"
        "\"subnet4\": [{\"id\": 1, \"subnet\": \"192.0.2.0/24\","
        "  \"option-data\": [{\"name\": \"vendor-encapsulated-options\"},"
        "                    {\"name\": \"bar\", \"space\": \"vendor-encapsulated-options-space\", \"data\": \"7\"}],"
        "  \"pools\": [{\"pool\": \"192.0.2.10 - 192.0.2.20\", \"option-data\": ["
        "     {\"name\": \"vendor-encapsulated-options\"},"
        "     {\"name\": \"foo\", \"space\": \"vendor-encapsulated-options-space\", \"data\": \"p\"}]}],"
        "  \"reservations\": [{\"hw-address\": \"aa:bb:cc:dd:ee:ff\", \"option-data\": ["
        "     {\"name\": \"container\", \"data\": \"1\"},"
        "     {\"name\": \"sub2\", \"space\": \"isc\", \"data\": \"h\"}]}]}]"));
    data_is(cfg_optset_find(&c->options, 43), "010167");
    const cfg_subnet4_t *s = cfg4_subnet_by_id(c, 1);
    data_is(cfg_optset_find(&s->options, 43), "060107");
    data_is(cfg_optset_find(&s->pools[0].options, 43), "010170");
    data_is(cfg_optset_find(&c->hosts[0].options, 222), "0001020168");
    /* lookups through the levels find the most specific option 43 whole */
    cfg_optlevels_t lv = {{NULL, NULL, &s->pools[0].options, &s->options, NULL, &c->options}, 6};
    data_is(cfg_optlevels_find(&lv, 43), "010170");
    cfg4_free(c);
}

static void test_vendor_spaces(void **state)
{
    (void)state;
    cfg4_t *c = load_ok(dhcp4(
        "\"option-def\": [{\"name\": \"vlanid\", \"code\": 2, \"space\": \"vendor-339\", \"type\": \"uint32\"}],"
        "\"option-data\": [{\"name\": \"vivso-suboptions\", \"data\": \"339\"},"
        " {\"name\": \"vlanid\", \"space\": \"vendor-339\", \"data\": \"123\", \"always-send\": true},"
        " {\"name\": \"tftp-servers\", \"space\": \"vendor-4491\", \"data\": \"10.1.1.1, 10.1.1.2\"},"
        " {\"code\": 5, \"space\": \"vendor-04491\", \"csv-format\": false, \"data\": \"abcd\"}],"
        "\"subnet4\": [{\"id\": 1, \"subnet\": \"192.0.2.0/24\", \"option-data\": ["
        " {\"name\": \"vlanid\", \"space\": \"vendor-339\", \"data\": \"7\"}]}]"));
    data_is(cfg_optset_find(&c->options, 125), "0000015300");
    const cfg_option_t *v = cfg_optset_find_vendor(&c->options, 339, 2);
    data_is(v, "0000007b");
    assert_string_equal(v->space, "vendor-339");
    assert_true(v->always_send);
    data_is(cfg_optset_find_vendor(&c->options, 4491, 2), "0a0101010a010102");
    data_is(cfg_optset_find_vendor(&c->options, 4491, 5), "abcd");   /* "vendor-04491" is 4491 */
    assert_null(cfg_optset_find_vendor(&c->options, 4491, 3));
    assert_null(cfg_optset_find_vendor(&c->options, 0, 2));
    assert_null(cfg_optset_find(&c->options, 2));
    const cfg_subnet4_t *s = cfg4_subnet_by_id(c, 1);
    cfg_optlevels_t lv = {{NULL, NULL, NULL, &s->options, NULL, &c->options}, 6};
    data_is(cfg_optlevels_find_vendor(&lv, 339, 2), "00000007");
    data_is(cfg_optlevels_find_vendor(&lv, 4491, 2), "0a0101010a010102");
    cfg4_free(c);
}

static void test_space_errors(void **state)
{
    (void)state;
    expect_error(dhcp4("\"option-data\": [{\"code\": 5, \"space\": \"dhcp6\", \"csv-format\": false, \"data\": \"01\"}]"),
                 "'dhcp6' option space name is reserved for DHCPv6 server");
    expect_error(dhcp4("\"option-data\": [{\"code\": 5, \"space\": \"-bad\", \"csv-format\": false, \"data\": \"01\"}]"),
                 "invalid option space name '-bad'");
    expect_error(dhcp4("\"option-data\": [{\"name\": \"foo\", \"space\": \"nope\"}]"),
                 "unknown option name 'foo' in space nope");
    expect_error(dhcp4("\"option-data\": [{\"code\": 5, \"space\": \"nope\", \"data\": \"12\"}]"),
                 "option code 5 has no definition in space nope");
    expect_error(dhcp4("\"option-data\": [{\"code\": 256, \"space\": \"isc\", \"csv-format\": false}]"),
                 "out of range");
    expect_error(dhcp4("\"option-data\": [{\"code\": 0, \"csv-format\": false, \"data\": \"01\"}]"),
                 "option code 0 is reserved");
    expect_error(dhcp4("\"option-data\": [{\"code\": 5, \"space\": \"isc\", \"csv-format\": false, \"data\": \"01\"},"
                       "{\"code\": 5, \"space\": \"isc\", \"csv-format\": false, \"data\": \"02\"}]"),
                 "option code 5 of space isc is specified twice at this level");
    expect_error(dhcp4("\"option-data\": [{\"code\": 125, \"csv-format\": false, \"data\": \"0001\"}]"),
                 "Truncated vendor-specific information option, length=2");
    expect_error(dhcp4("\"option-def\": [{\"name\": \"c\", \"code\": 222, \"type\": \"uint16\", \"encapsulate\": \"isc\"}],"
                       "\"option-data\": [{\"code\": 222, \"csv-format\": false, \"data\": \"01\"}]"),
                 "too short for a value of its definition (type uint16)");
    /* the DOCSIS definitions come first in vendor-4491, as in Kea */
    expect_error(dhcp4("\"option-def\": [{\"name\": \"t\", \"code\": 2, \"space\": \"vendor-4491\", \"type\": \"string\"}],"
                       "\"option-data\": [{\"code\": 2, \"space\": \"vendor-4491\", \"data\": \"abc\"}]"),
                 "'abc' is not a valid IPv4 address");
    /* spaces that encapsulate each other (Kea 2.2 crashes on this) */
    expect_error(dhcp4("\"option-def\": [{\"name\": \"a\", \"code\": 1, \"space\": \"s1\", \"type\": \"empty\", \"encapsulate\": \"s2\"},"
                       " {\"name\": \"b\", \"code\": 1, \"space\": \"s2\", \"type\": \"empty\", \"encapsulate\": \"s1\"},"
                       " {\"name\": \"top\", \"code\": 222, \"type\": \"empty\", \"encapsulate\": \"s1\"}],"
                       "\"option-data\": [{\"name\": \"a\", \"space\": \"s1\"}, {\"name\": \"b\", \"space\": \"s2\"},"
                       " {\"name\": \"top\"}]"),
                 "the option spaces it encapsulates form a loop");
    /* codes 0 and 255 are ordinary outside dhcp4 (Kea lets sub-options use them) */
    cfg4_t *c = load_ok(dhcp4("\"option-def\": [{\"name\": \"x\", \"code\": 255, \"space\": \"isc\", \"type\": \"uint8\"},"
                              " {\"name\": \"z\", \"code\": 0, \"space\": \"isc\", \"type\": \"uint8\"}],"
                              "\"option-data\": [{\"name\": \"x\", \"space\": \"isc\", \"data\": \"1\"},"
                              " {\"code\": 0, \"space\": \"isc\", \"data\": \"2\"}]"));
    data_is(in_set(&c->options, "isc", 255), "01");
    data_is(in_set(&c->options, "isc", 0), "02");
    cfg4_free(c);
}

/* A parse context over a client class's JSON, for the class hooks. */
typedef struct classctx {
    jsonsrc_t *src;
    pctx_t p;
    char err[1024];
} classctx_t;

static void class_ctx(classctx_t *x, cfg4_t *c, const char *text)
{
    memset(x, 0, sizeof *x);
    char e[256];
    if (jsonsrc_load_string(text, "class.json", &x->src, e, sizeof e))
        fail_msg("%s", e);
    x->p = (pctx_t){.src = x->src, .cfg = c, .common = &c->common, .err = x->err, .errlen = sizeof x->err};
}

/* The lead's hooks: a class parses its option-def into its own registry (only 43 and 224..254 of
 * dhcp4, as Kea) and its option-data through it, so a class redefines option 43 for its
 * options, whose sub-options come from the class's own option-data. */
static void test_class_hooks(void **state)
{
    (void)state;
    cfg4_t *c = load_ok(dhcp4(
        "\"option-def\": [{\"name\": \"cookie\", \"code\": 1, \"space\": \"APC\", \"type\": \"string\"},"
        "                 {\"name\": \"mtftp-ip\", \"code\": 1, \"space\": \"PXE\", \"type\": \"ipv4-address\"}],"
        "\"option-data\": [{\"name\": \"cookie\", \"space\": \"APC\", \"data\": \"global\"}]"));
    classctx_t x;
    class_ctx(&x, c,
        "{\"name\": \"APC\", \"option-def\": [{\"name\": \"vendor-encapsulated-options\", \"code\": 43,"
        "  \"type\": \"empty\", \"encapsulate\": \"APC\"}],"
        " \"option-data\": [{\"name\": \"cookie\", \"space\": \"APC\", \"data\": \"1APC\"},"
        "                   {\"name\": \"vendor-encapsulated-options\"}]}");
    json_t *cls = jsonsrc_root(x.src);
    optdef_registry_t *defs = optdef_registry_new();
    assert_int_equal(cfg4_parse_option_defs_into(&x.p, json_object_get(cls, "option-def"), defs, true), 0);
    cfg_optset_t opts = {0};
    size_t old = pctx_push(&x.p, "option-data");
    assert_int_equal(cfg4_parse_options_local(&x.p, json_object_get(cls, "option-data"), &opts, defs), 0);
    pctx_pop(&x.p, old);
    data_is(cfg_optset_find(&opts, 43), "010431415043");
    /* a member's option 43 decodes with the class's definition first */
    assert_string_equal(optdef_resolve_by_code(defs, c->optdefs, "dhcp4", 43)->encapsulate, "APC");
    cfg_optset_free(&opts);
    optdef_registry_free(defs);
    jsonsrc_free(x.src);

    /* other options cannot be defined in a class */
    class_ctx(&x, c, "{\"option-def\": [{\"name\": \"x\", \"code\": 200, \"type\": \"uint8\"}]}");
    defs = optdef_registry_new();
    assert_int_equal(cfg4_parse_option_defs_into(&x.p, json_object_get(jsonsrc_root(x.src), "option-def"), defs,
                                                 true), NST_ECONFIG);
    if (!strstr(x.err, "Not allowed option definition for code '200' in space 'dhcp4'"))
        fail_msg("%s", x.err);
    assert_non_null(strstr(x.err, "class.json:1:"));
    optdef_registry_free(defs);
    jsonsrc_free(x.src);
    cfg4_free(c);
}

/* cfg_optset_encapsulate() on its own: DHCPv6-style two-byte headers, long DHCPv4 sub-options. */
static void test_encapsulate_families(void **state)
{
    (void)state;
    uint8_t top[] = {0x00, 0x01}, sub[300];
    memset(sub, 0xaa, sizeof sub);
    cfg_option_t items[2] = {
        {.code = 17, .len = 2, .data = malloc(2)},
        {.code = 7, .len = 300, .space = "s", .data = sub},
    };
    memcpy(items[0].data, top, 2);
    cfg_optset_t set = {items, 2};
    cfg_optencap_t how[2] = {{.encap = "s", .head = 2}, {0}};
    static const cfg_optfamily_t fam6 = {.std_space = "dhcp6", .hdr = 2};
    char err[256];
    assert_int_equal(cfg_optset_encapsulate(&set, how, &fam6, err, sizeof err), 0);
    assert_int_equal(items[0].len, 2 + 4 + 300);
    assert_memory_equal(items[0].data, "\x00\x01\x00\x07\x01\x2c", 6);
    free(items[0].data);
    /* DHCPv4: a sub-option longer than 255 bytes goes in pieces of the same code */
    items[0].len = 2;
    items[0].data = malloc(2);
    memcpy(items[0].data, top, 2);
    assert_int_equal(cfg_optset_encapsulate(&set, how, &cfg_optfamily4, err, sizeof err), 0);
    assert_int_equal(items[0].len, 2 + 2 + 255 + 2 + 45);
    assert_memory_equal(items[0].data, "\x00\x01\x07\xff", 4);
    assert_memory_equal(items[0].data + 4 + 255, "\x07\x2d", 2);
    free(items[0].data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encapsulation),
        cmocka_unit_test(test_encapsulation_per_level),
        cmocka_unit_test(test_vendor_spaces),
        cmocka_unit_test(test_space_errors),
        cmocka_unit_test(test_class_hooks),
        cmocka_unit_test(test_encapsulate_families),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
