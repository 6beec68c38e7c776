/* Unit tests: client classes in the configuration (cfg4_class.c) and the classification of a
 * packet (classify.c), against real expressions and a packet view over fixed data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/cfg4.h"
#include "config/cfg_class.h"
#include "config/classify.h"

static cfg4_t *load(const char *classes, const char *subnet_extra, char *err, size_t errlen)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"Dhcp4\": {\"client-classes\": %s, \"subnet4\": [{\"id\": 1, \"subnet\": \"10.0.0.0/24\", "
             "\"pools\": [{\"pool\": \"10.0.0.10 - 10.0.0.20\", \"client-class\": \"pooled\", "
             "\"require-client-classes\": [\"late\"]}] %s}]}}",
             classes, subnet_extra);
    cfg4_t *c = NULL;
    err[0] = '\0';
    cfg4_load_string(text, "test.json", &c, err, errlen);
    return c;
}

/* A packet view over a table of options and the packet's class set. */
typedef struct fake {
    const char *opt60;
    cls_set_t *set;
} fake_t;

static bool f_option(const eval_pkt_t *p, uint16_t code, const uint8_t **data, size_t *len)
{
    const fake_t *f = p->arg;
    if (code != 60 || !f->opt60)
        return false;
    *data = (const uint8_t *)f->opt60;
    *len = strlen(f->opt60);
    return true;
}

static bool f_relay(const eval_pkt_t *p, int nest, uint16_t code, const uint8_t **data, size_t *len)
{
    return false;
}

static int f_field(const eval_pkt_t *p, enum eval_field f, uint8_t *out, size_t cap)
{
    return -1;
}

static bool f_in_class(const eval_pkt_t *p, unsigned index)
{
    return cls_set_has(((const fake_t *)p->arg)->set, (int)index);
}

static eval_pkt_t view_of(fake_t *f)
{
    return (eval_pkt_t){.family = 4, .arg = f, .option = f_option, .relay_option = f_relay, .field = f_field,
                        .in_class = f_in_class};
}

static const char *const CLASSES =
    "[{\"name\": \"pxe\", \"test\": \"option[60].text == 'PXE'\", \"next-server\": \"10.0.0.5\","
    "  \"option-data\": [{\"name\": \"domain-name\", \"data\": \"pxe.example\"}]},"
    " {\"name\": \"pooled\", \"test\": \"member('pxe') or member('VENDOR_CLASS_x')\"},"
    " {\"name\": \"reserved\", \"test\": \"member('KNOWN')\"},"
    " {\"name\": \"late\", \"test\": \"member('ALL')\", \"only-if-required\": true, \"valid-lifetime\": 99},"
    " {\"name\": \"DROP\", \"test\": \"option[60].text == 'evil'\"}]";

static void test_dictionary_and_references(void **state)
{
    char err[1024];
    cfg4_t *c = load(CLASSES, "", err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    const cfg_classes_t *d = c->classes;
    int pxe = cfg_classes_find(d, "pxe"), pooled = cfg_classes_find(d, "pooled"), late = cfg_classes_find(d, "late");
    assert_true(pxe >= CFG_CLASS_BUILTIN_COUNT && pooled > pxe);
    assert_int_equal(d->norder, 5);
    assert_int_equal(d->drop, cfg_classes_find(d, "DROP"));
    assert_true(cfg_classes_find(d, "VENDOR_CLASS_x") >= 0);          /* built-in name, interned */
    assert_false(d->items[pxe].after_host);
    assert_true(d->items[cfg_classes_find(d, "reserved")].after_host); /* KNOWN */
    assert_true(d->any_after_host);
    assert_int_equal(d->items[pxe].next_server, 0x0a000005);
    assert_int_equal(d->items[pxe].options.count, 1);
    assert_true(d->items[late].has_valid && d->items[late].valid == 99);
    const cfg_pool4_t *pool = &c->subnets[0].pools[0];
    assert_int_equal(pool->cls.client_class, pooled);
    assert_int_equal(pool->cls.required_count, 1);
    assert_int_equal(pool->cls.required[0], late);
    assert_int_equal(c->subnets[0].cls.client_class, -1);
    cfg4_free(c);
}

static void test_classification_steps(void **state)
{
    char err[1024];
    cfg4_t *c = load(CLASSES, "", err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    const cfg_classes_t *d = c->classes;
    cls_set_t set;
    fake_t f = {"PXE", &set};
    eval_pkt_t v = view_of(&f);
    cls_set_init(&set);
    classify_run(d, &set, &v, false);
    assert_true(cls_set_has(&set, cfg_classes_find(d, "pxe")));
    assert_true(cls_set_has(&set, cfg_classes_find(d, "pooled")));
    assert_false(cls_set_has(&set, cfg_classes_find(d, "reserved"))); /* waits for the host lookup */
    assert_false(cls_set_has(&set, cfg_classes_find(d, "late")));     /* only if required */
    cls_set_add(&set, CFG_CLASS_KNOWN);
    classify_run(d, &set, &v, true);
    assert_true(cls_set_has(&set, cfg_classes_find(d, "reserved")));
    const cfg_pool4_t *pool = &c->subnets[0].pools[0];
    classify_required(d, &set, &v, pool->cls.required, pool->cls.required_count);
    assert_true(cls_set_has(&set, cfg_classes_find(d, "late")));
    /* assignment order: ALL, pxe, pooled, KNOWN, reserved, late */
    char text[256];
    cls_set_describe(d, &set, text, sizeof text);
    assert_string_equal(text, "ALL, pxe, pooled, KNOWN, reserved, late");
    assert_false(cls_set_has(&set, d->drop));
    f.opt60 = "evil";
    cls_set_init(&set);
    classify_run(d, &set, &v, false);
    assert_true(cls_set_has(&set, d->drop));
    assert_false(cls_allows(&set, cfg_classes_find(d, "pooled")));
    assert_true(cls_allows(&set, -1) && cls_allows(&set, CFG_CLASS_ALL));
    cfg4_free(c);
}

static void expect_error(const char *classes, const char *extra, const char *needle)
{
    char err[1024];
    cfg4_t *c = load(classes, extra, err, sizeof err);
    if (c) {
        cfg4_free(c);
        fail_msg("accepted, expected an error with '%s'", needle);
    }
    if (!strstr(err, needle))
        fail_msg("error '%s' does not contain '%s'", err, needle);
}

static void test_errors(void **state)
{
    expect_error("[{\"name\": \"a\", \"test\": \"member('b')\"}, {\"name\": \"b\"}]", "", "'b'");
    expect_error("[{\"name\": \"a\"}, {\"name\": \"a\"}]", "", "defined twice");
    expect_error("[{\"name\": \"KNOWN\"}]", "", "built-in");
    expect_error("[{\"name\": \"\"}]", "", "non-empty 'name'");
    expect_error("[{\"name\": \"a\", \"test\": \"option[60].text ==\"}]", "", "client class 'a'");
    expect_error("[{\"name\": \"a\", \"test\": \"option[60].text ==\"}]", "", "column");
    expect_error("[{\"name\": \"a\", \"bogus\": 1}]", "", "bogus");
    expect_error("[{\"name\": \"a\", \"valid-lifetime\": 10, \"min-valid-lifetime\": 20}]", "", "min-valid-lifetime");
    expect_error("[]", ", \"require-client-classes\": [\"\"]", "must not be empty");
    /* the error points at the test value: file:line:col */
    expect_error("[{\"name\": \"a\", \"test\": \"option[60].text ==\"}]", "", "test.json:1:");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dictionary_and_references),
        cmocka_unit_test(test_classification_steps),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("classes", tests, NULL, NULL);
}
