/* Unit tests: option 125 in replies (reply4_vivso), with the bytes kea-dhcp4 2.2 sent for the
 * same configuration and client option 125 (tests/integration/test_option_spaces.py compares
 * them on the wire). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/cfg4.h"
#include "dhcp4/reply4.h"
#include "proto/pkt4.h"

static const char config[] =
    "{\"Dhcp4\": {"
    " \"option-def\": [{\"name\": \"vlanid\", \"code\": 2, \"space\": \"vendor-339\", \"type\": \"uint32\"},"
    "                 {\"name\": \"dls\", \"code\": 3, \"space\": \"vendor-339\", \"type\": \"string\"}],"
    " \"option-data\": [{\"name\": \"vivso-suboptions\", \"data\": \"339\"},"
    "   {\"name\": \"dls\", \"space\": \"vendor-339\", \"data\": \"sdlp://x\", \"always-send\": true},"
    "   {\"name\": \"vlanid\", \"space\": \"vendor-339\", \"data\": \"123\"},"
    "   {\"name\": \"tftp-servers\", \"space\": \"vendor-4491\", \"data\": \"10.1.1.1, 10.1.1.2\"},"
    "   {\"code\": 5, \"space\": \"vendor-4491\", \"csv-format\": false, \"data\": \"abcd\", \"always-send\": true}],"
    " \"subnet4\": [{\"id\": 1, \"subnet\": \"192.0.2.0/24\", \"option-data\": ["
    "   {\"name\": \"vivso-suboptions\", \"data\": \"25167\"},"
    "   {\"code\": 5, \"space\": \"vendor-4491\", \"csv-format\": false, \"data\": \"0102\"}]}]"
    "}}";

static cfg4_t *cfg;
static pkt4_t *q;

static int setup(void **state)
{
    (void)state;
    char err[512];
    if (cfg4_load_string(config, "test.json", &cfg, err, sizeof err))
        fail_msg("%s", err);
    q = malloc(sizeof *q);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cfg4_free(cfg);
    free(q);
    return 0;
}

/* A DISCOVER whose options are the given hex (after option 53). */
static void query(const char *opts_hex)
{
    uint8_t m[600] = {1, 1, 6, 0};
    size_t n = 240;
    m[236] = 0x63, m[237] = 0x82, m[238] = 0x53, m[239] = 0x63;
    m[n++] = 53, m[n++] = 1, m[n++] = 1;
    for (const char *p = opts_hex; p[0] && p[1]; p += 2) {
        unsigned b;
        sscanf(p, "%2x", &b);
        m[n++] = (uint8_t)b;
    }
    m[n++] = 255;
    assert_int_equal(pkt4_parse(q, m, n < 300 ? 300 : n), 0);
}

static void vivso_is(const cfg_optlevels_t *lv, const cfg_option_t *configured, const char *want)
{
    uint8_t out[300];
    int n = reply4_vivso(lv, q, configured, out, sizeof out);
    char h[700] = "";
    for (int i = 0; i < n; i++)
        sprintf(h + 2 * i, "%02x", out[i]);
    assert_string_equal(h, want);
}

static void test_vendor_of_reply_or_client(void **state)
{
    (void)state;
    cfg_optlevels_t lv = {{NULL, NULL, NULL, NULL, NULL, &cfg->options}, 6};
    static const struct {
        const char *why, *query;
        bool configured;        /* the reply carries the configured 125 (asked for in the PRL) */
        const char *want;
    } cases[] = {
        {"asked for: the configured vendor 339 with its always-send sub-option", "37017d", true,
         "000001530a030873646c703a2f2f78"},
        {"the configured 125 wins over the client's vendor (and its ORO)", "37017d" "7d090000118b0401020209", true,
         "000001530a030873646c703a2f2f78"},
        {"not asked for: the client's vendor; its DOCSIS ORO asks for 2 (and 9, not configured)",
         "7d090000118b0401020209", false, "0000118b0e02080a0101010a0101020502abcd"},
        {"DOCSIS without ORO: the always-send sub-option only", "7d050000118b00", false, "0000118b040502abcd"},
        {"an enterprise id alone names the vendor too", "7d0400000153", false, "000001530a030873646c703a2f2f78"},
        {"a vendor with nothing configured: no option 125", "7d050000000100", false, ""},
        {"a malformed client 125 (data-len past its end) is no vendor", "7d060000118b0901", false, ""},
        {"no 125 anywhere", "", false, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("%s\n", cases[i].why);
        query(cases[i].query);
        vivso_is(&lv, cases[i].configured ? cfg_optlevels_find(&lv, 125) : NULL, cases[i].want);
    }
}

static void test_levels(void **state)
{
    (void)state;
    const cfg_subnet4_t *s = cfg4_subnet_by_id(cfg, 1);
    cfg_optlevels_t lv = {{NULL, NULL, NULL, &s->options, NULL, &cfg->options}, 6};
    /* the subnet's 125 (25167) has no sub-options: sent as configured, with its data-len */
    query("37017d");
    vivso_is(&lv, cfg_optlevels_find(&lv, 125), "0000624f00");
    /* the subnet's sub-option 5 of vendor-4491 hides the global one; always-send comes from
     * any level */
    query("7d050000118b00");
    vivso_is(&lv, NULL, "0000118b0405020102");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vendor_of_reply_or_client),
        cmocka_unit_test(test_levels),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
