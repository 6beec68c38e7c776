/* lease_t helpers: init, setters, dup, free, lists. */
#include <string.h>

#include "test_lease.h"

static void test_init_defaults(void **state)
{
    (void)state;
    lease_t l;
    memset(&l, 0xaa, sizeof l);
    lease_init(&l, LEASE_V4);
    assert_int_equal(l.family, LEASE_V4);
    assert_int_equal(l.prefix_len, 32);
    assert_int_equal(l.hwtype, 1);
    assert_int_equal(l.hwaddr_len, 0);
    assert_null(l.client_id);
    assert_null(l.hostname);
    assert_null(l.user_context);
    lease_init(&l, LEASE_V6);
    assert_int_equal(l.prefix_len, 128);
}

static void test_setters_and_dup(void **state)
{
    (void)state;
    lease_t a, b;
    const uint8_t cid[] = {1, 2, 3};
    lease_init(&a, LEASE_V4);
    lease_set_client_id(&a, cid, sizeof cid);
    lease_set_hostname(&a, "host.example");
    lease_set_user_context(&a, "{\"a\": 1}");
    assert_int_equal(a.client_id_len, 3);
    assert_memory_equal(a.client_id, cid, 3);

    lease_dup(&b, &a);
    assert_ptr_not_equal(b.client_id, a.client_id);
    assert_ptr_not_equal(b.hostname, a.hostname);
    assert_string_equal(b.hostname, "host.example");
    assert_string_equal(b.user_context, "{\"a\": 1}");
    lease_free(&a);
    assert_null(a.client_id);
    assert_int_equal(a.client_id_len, 0);
    assert_string_equal(b.hostname, "host.example"); /* deep copy survives */

    /* "" clears a hostname; NULL clears the others; aliasing the own field is safe. */
    lease_set_hostname(&b, "");
    assert_null(b.hostname);
    lease_set_user_context(&b, b.user_context);
    assert_string_equal(b.user_context, "{\"a\": 1}");
    lease_set_client_id(&b, b.client_id, b.client_id_len);
    assert_memory_equal(b.client_id, cid, 3);
    lease_set_client_id(&b, NULL, 5);
    assert_null(b.client_id);
    assert_int_equal(b.client_id_len, 0);
    lease_free(&b);
    lease_free(&b); /* idempotent */
}

static void test_client_id_capped(void **state)
{
    (void)state;
    uint8_t big[300];
    memset(big, 7, sizeof big);
    lease_t l;
    lease_init(&l, LEASE_V4);
    lease_set_client_id(&l, big, sizeof big);
    assert_int_equal(l.client_id_len, LEASE_CLIENTID_MAX);
    lease_free(&l);
}

static void test_list(void **state)
{
    (void)state;
    lease_list_t list = {0};
    lease_t l;
    lease_init(&l, LEASE_V4);
    for (uint32_t i = 0; i < 100; i++) {
        l.addr.v4 = i;
        lease_set_hostname(&l, i % 2 ? "odd" : "even");
        lease_list_push(&list, &l);
    }
    lease_free(&l);
    assert_int_equal(list.count, 100);
    assert_int_equal(list.items[41].addr.v4, 41);
    assert_string_equal(list.items[41].hostname, "odd");
    assert_string_equal(list.items[42].hostname, "even");
    lease_list_free(&list);
    assert_int_equal(list.count, 0);
    assert_null(list.items);
}

int test_model_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_defaults),
        cmocka_unit_test(test_setters_and_dup),
        cmocka_unit_test(test_client_id_capped),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests_name("lease_model", tests, NULL, NULL);
}
