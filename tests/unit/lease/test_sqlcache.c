/* sqlcache4: the answers the SQL lease stores reuse (prefetch, offer memory). */
#include <string.h>
#include <unistd.h>

#include "lease/sqlcache4.h"
#include "test_lease.h"

static const uint8_t HW[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x01}; /* tl_lease(…, 1, …) */
static const uint8_t CID[3] = {1, 2, 3};

static sqlcache4_key_t key(uint32_t subnet)
{
    return (sqlcache4_key_t){CID, sizeof CID, HW, sizeof HW, subnet};
}

/* An answer as a lookup with also_addr would build it from the database's rows. */
static void answer(sqlcache4_answer_t *a, uint32_t also, bool client_row, bool also_row)
{
    sqlcache4_key_t k = key(1);
    sqlcache4_answer_init(a, also);
    lease_t l;
    if (client_row) {
        tl_lease(&l, 0x0a000005, 1, 1000);
        lease_set_client_id(&l, CID, sizeof CID);
        sqlcache4_answer_row(a, &k, &l);
        lease_free(&l);
    }
    if (also_row) {
        tl_lease(&l, also, 9, 1000);
        l.subnet_id = 7; /* another subnet: only the also row */
        sqlcache4_answer_row(a, &k, &l);
        lease_free(&l);
    }
}

static void test_answer_rows(void **state)
{
    sqlcache4_answer_t a;
    answer(&a, 0x0a000009, true, true);
    assert_true(a.have[0] && a.have[1]); /* the row matches by client-id and by hw address */
    assert_int_equal(a.db[0].addr.v4, 0x0a000005);
    assert_true(a.also_found);
    assert_int_equal(a.also.addr.v4, 0x0a000009);
    /* a later row of the same client wins */
    sqlcache4_key_t k = key(1);
    lease_t l;
    tl_lease(&l, 0x0a000006, 1, 2000);
    sqlcache4_answer_row(&a, &k, &l);
    lease_free(&l);
    assert_int_equal(a.db[1].addr.v4, 0x0a000006);
    assert_int_equal(a.db[0].addr.v4, 0x0a000005); /* no client-id on that row */
    sqlcache4_answer_free(&a);
}

static void test_offer_memory_taken_once(void **state)
{
    sqlcache4_t c;
    sqlcache4_init(&c);
    sqlcache4_answer_t a, got;
    answer(&a, 0x0a000009, false, true);
    sqlcache4_key_t k = key(1);
    sqlcache4_put(&c, &k, &a);
    sqlcache4_answer_free(&a);
    sqlcache4_key_t other = key(2);
    assert_false(sqlcache4_take(&c, &other, 0x0a000009, &got)); /* another subnet */
    assert_true(sqlcache4_take(&c, &k, 0x0a000009, &got));
    assert_false(got.have[0] || got.have[1]);
    assert_true(got.also_found);
    assert_int_equal(got.also.addr.v4, 0x0a000009);
    sqlcache4_answer_free(&got);
    assert_false(sqlcache4_take(&c, &k, 0x0a000009, &got)); /* once */
    /* a REQUEST for another address than the one fetched asks the database */
    answer(&a, 0x0a000009, false, false);
    sqlcache4_put(&c, &k, &a);
    sqlcache4_answer_free(&a);
    assert_false(sqlcache4_take(&c, &k, 0x0a00000a, &got));
    sqlcache4_fini(&c);
}

static void test_forget_and_expiry(void **state)
{
    sqlcache4_t c;
    sqlcache4_init(&c);
    sqlcache4_answer_t a, got;
    answer(&a, 0, true, false);
    sqlcache4_key_t k = key(1);
    sqlcache4_put(&c, &k, &a);
    /* a write queued for that client (any subnet) drops what was kept about it */
    lease_t l;
    tl_lease(&l, 0x0a000007, 1, 3000);
    memcpy(l.hwaddr, HW, sizeof HW);
    l.subnet_id = 3;
    sqlcache4_forget(&c, &l);
    assert_false(sqlcache4_take(&c, &k, 0, &got));
    /* a write for another client does not */
    sqlcache4_put(&c, &k, &a);
    l.hwaddr[5] = 0x77;
    sqlcache4_forget(&c, &l);
    lease_free(&l);
    assert_true(sqlcache4_take(&c, &k, 0, &got));
    sqlcache4_answer_free(&got);
    /* older than SQLCACHE4_OFFER_MS: not used */
    sqlcache4_put(&c, &k, &a);
    usleep((SQLCACHE4_OFFER_MS + 30) * 1000);
    assert_false(sqlcache4_take(&c, &k, 0, &got));
    sqlcache4_answer_free(&a);
    sqlcache4_fini(&c);
}

static void test_prefetch_once_per_store_and_address(void **state)
{
    sqlcache4_answer_t a;
    int store1, store2;
    lease_t out;
    answer(&a, 0x0a000009, false, true);
    sqlcache4_prefetch_set(&store1, &a);
    assert_int_equal(sqlcache4_prefetch_take(&store2, 0x0a000009, &out), 0); /* another store */
    sqlcache4_prefetch_set(&store1, &a);
    assert_int_equal(sqlcache4_prefetch_take(&store1, 0x0a00000a, &out), 0); /* another address */
    sqlcache4_prefetch_set(&store1, &a);
    assert_int_equal(sqlcache4_prefetch_take(&store1, 0x0a000009, &out), 1);
    assert_int_equal(out.addr.v4, 0x0a000009);
    lease_free(&out);
    assert_int_equal(sqlcache4_prefetch_take(&store1, 0x0a000009, &out), 0); /* once */
    sqlcache4_answer_free(&a);
    answer(&a, 0x0a000009, false, false); /* no row: "no lease" is an answer too */
    sqlcache4_prefetch_set(&store1, &a);
    assert_int_equal(sqlcache4_prefetch_take(&store1, 0x0a000009, &out), -1);
    sqlcache4_answer_free(&a);
}

int test_sqlcache_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer_rows),
        cmocka_unit_test(test_offer_memory_taken_once),
        cmocka_unit_test(test_forget_and_expiry),
        cmocka_unit_test(test_prefetch_once_per_store_and_address),
    };
    return cmocka_run_group_tests_name("sqlcache4", tests, NULL, NULL);
}
