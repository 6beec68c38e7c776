/* Unit tests: flex-option's sub-option actions on a reply's option (reply4_flexsub_apply), with
 * the results kea-dhcp4 2.2's flex_option hook gives for the same actions
 * (tests/integration/test_flex_option.py compares them on the wire). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/cfg4.h"
#include "dhcp4/reply4.h"
#include "proto/pkt4.h"

static reply4_flex_t plan;
static cfg_flexsub_t subs[8];

/* Adds an action on sub-option code of container: value text for add/supersede, yes for remove. */
static void action(uint8_t container, uint8_t code, uint8_t act, const char *text, bool yes, bool container_act,
                   uint32_t vendor_id, const optdef_t *cdef)
{
    cfg_flexsub_t *k = &subs[plan.nsub];
    *k = (cfg_flexsub_t){.container = container, .code = code, .action = act, .container_act = container_act,
                         .vendor_id = vendor_id, .container_def = cdef, .container_class = -1, .client_class = -1};
    plan.sub[plan.nsub++] = (reply4_flexsub_step_t){.cfg = k, .yes = yes, .val = (const uint8_t *)text,
                                                    .len = text ? (uint16_t)strlen(text) : 0};
}

static int apply(uint8_t code, const char *in, size_t in_len, bool own, uint8_t *out)
{
    int n = reply4_flexsub_apply(&plan, code, (const uint8_t *)in, in_len, own, out, 1500);
    plan.nsub = 0;
    return n;
}

#define SAME(out, n, lit) \
    do { \
        assert_int_equal((n), sizeof(lit) - 1); \
        assert_memory_equal((out), (lit), sizeof(lit) - 1); \
    } while (0)

static void test_option43(void **state)
{
    (void)state;
    const optdef_t *d43 = optdef_find_by_code(NULL, OPTDEF_SPACE_DHCP4, 43); /* encapsulates its space */
    static const char cfg43[] = "\x06\x01\x03\x0a\x02\x00X";
    uint8_t out[1500];
    action(43, 1, CFG_FLEXOPT_ADD, "pc1", false, true, 0, d43);          /* in code order */
    int n = apply(43, cfg43, sizeof cfg43 - 1, false, out);
    SAME(out, n, "\x01\x03pc1\x06\x01\x03\x0a\x02\x00X");
    action(43, 6, CFG_FLEXOPT_ADD, "z", false, true, 0, d43);            /* present: kept */
    action(43, 10, CFG_FLEXOPT_SUPERSEDE, "new", false, true, 0, d43);
    action(43, 7, CFG_FLEXOPT_ADD, "", false, true, 0, d43);             /* empty: nothing */
    n = apply(43, cfg43, sizeof cfg43 - 1, false, out);
    SAME(out, n, "\x06\x01\x03\x0a\x03new");
    action(43, 6, CFG_FLEXOPT_REMOVE, NULL, false, true, 0, d43);        /* false: nothing */
    n = apply(43, cfg43, sizeof cfg43 - 1, false, out);
    SAME(out, n, "\x06\x01\x03\x0a\x02\x00X");
    action(43, 6, CFG_FLEXOPT_REMOVE, NULL, true, true, 0, d43);
    action(43, 10, CFG_FLEXOPT_REMOVE, NULL, true, true, 0, d43);        /* empty: the option goes */
    assert_int_equal(apply(43, cfg43, sizeof cfg43 - 1, false, out), -1);
    action(43, 1, CFG_FLEXOPT_ADD, "a", false, false, 0, d43);           /* absent, no container-add */
    assert_int_equal(apply(43, NULL, 0, false, out), -1);
    action(43, 1, CFG_FLEXOPT_SUPERSEDE, "a", false, true, 0, d43);
    n = apply(43, NULL, 0, false, out);
    SAME(out, n, "\x01\x01" "a");
    action(43, 1, CFG_FLEXOPT_ADD, "a", false, true, 0, d43);            /* flex-option's own value: opaque */
    n = apply(43, "\x06\x01\x03", 3, true, out);
    SAME(out, n, "\x06\x01\x03\x01\x01" "a");
}

static void test_container_with_own_value(void **state)
{
    (void)state;
    optdef_t def = {.name = "container", .code = 222, .space = "dhcp4", .type = OPTDEF_UINT16, .encapsulate = "isc"};
    uint8_t out[1500];
    action(222, 1, CFG_FLEXOPT_REMOVE, NULL, true, false, 0, &def);      /* container-remove false */
    int n = apply(222, "\x01\x02\x01\x04\x0a\x00\x00\x01", 8, false, out);
    SAME(out, n, "\x01\x02");
    action(222, 2, CFG_FLEXOPT_ADD, "two", false, true, 0, &def);
    n = apply(222, "\x01\x02\x01\x01x", 5, false, out);
    SAME(out, n, "\x01\x02\x01\x01x\x02\x03two");
}

static void test_vendor_option125(void **state)
{
    (void)state;
    static const char docsis[] = "\x00\x00\x11\x8b\x06\x02\x04\xc0\x00\x02\x01";
    uint8_t out[1500];
    action(125, 3, CFG_FLEXOPT_ADD, "z", false, true, 339, NULL);        /* another vendor's: left alone */
    int n = apply(125, docsis, sizeof docsis - 1, false, out);
    SAME(out, n, "\x00\x00\x11\x8b\x06\x02\x04\xc0\x00\x02\x01");
    action(125, 1, CFG_FLEXOPT_ADD, "ab", false, true, 4491, NULL);      /* data-len follows */
    n = apply(125, docsis, sizeof docsis - 1, false, out);
    SAME(out, n, "\x00\x00\x11\x8b\x0a\x01\x02" "ab\x02\x04\xc0\x00\x02\x01");
    action(125, 2, CFG_FLEXOPT_REMOVE, NULL, true, true, 4491, NULL);    /* the last one: gone ... */
    action(125, 3, CFG_FLEXOPT_ADD, "z", false, true, 339, NULL);        /* ... and made again, 339's */
    n = apply(125, docsis, sizeof docsis - 1, false, out);
    SAME(out, n, "\x00\x00\x01\x53\x03\x03\x01z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_option43),
        cmocka_unit_test(test_container_with_own_value),
        cmocka_unit_test(test_vendor_option125),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
