/* sqlbatch4 (combined client lookups), the lookahead of sqlcache4, and overlay4's client index. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "common/errcode.h"
#include "lease/overlay4.h"
#include "lease/sqlbatch4.h"
#include "test_lease.h"

/* A fake database: lease rows for hardware addresses ...:01 to ...:08 at 10.0.0.<hwlast>. The
 * query answers from them, counts its calls and the largest batch, and can be held. */
static struct {
    atomic_int calls, running, max_running, max_n, fail;
    atomic_bool hold;
} db;

static int fake_query(void *ctx, sqlbatch4_req_t *const *reqs, size_t n)
{
    (void)ctx;
    int r = atomic_fetch_add(&db.running, 1) + 1;
    if (r > atomic_load(&db.max_running))
        atomic_store(&db.max_running, r);
    atomic_fetch_add(&db.calls, 1);
    if ((int)n > atomic_load(&db.max_n))
        atomic_store(&db.max_n, (int)n);
    while (atomic_load(&db.hold))
        usleep(1000);
    int rc = atomic_load(&db.fail) ? NST_EIO : 0;
    for (uint8_t last = 1; !rc && last <= 8; last++) {
        lease_t l;
        tl_lease(&l, 0x0a000000u | last, last, 1000);
        /* rows come for every request; sqlbatch4_row gives each the ones that answer it */
        sqlbatch4_row(reqs, n, &l);
        lease_free(&l);
    }
    atomic_fetch_sub(&db.running, 1);
    return rc;
}

static void reset_db(void)
{
    atomic_store(&db.calls, 0);
    atomic_store(&db.running, 0);
    atomic_store(&db.max_running, 0);
    atomic_store(&db.max_n, 0);
    atomic_store(&db.fail, 0);
    atomic_store(&db.hold, false);
}

static uint8_t HWS[16][6];

static sqlbatch4_req_t req_for(uint8_t last, uint32_t also)
{
    static const uint8_t hw[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x00};
    memcpy(HWS[last], hw, 6);
    HWS[last][5] = last;
    return (sqlbatch4_req_t){.key = {NULL, 0, HWS[last], 6, 1}, .also_addr = also};
}

static void test_single_lookup(void **state)
{
    reset_db();
    sqlbatch4_t b;
    sqlbatch4_init(&b);
    sqlbatch4_req_t r = req_for(3, 0x0a000005);
    assert_int_equal(sqlbatch4_lookup(&b, &r, fake_query, NULL), 0);
    assert_int_equal(atomic_load(&db.calls), 1);
    assert_false(r.ans.have[0]);
    assert_true(r.ans.have[1]);
    assert_int_equal(r.ans.db[1].addr.v4, 0x0a000003);
    assert_true(r.ans.also_found);
    assert_int_equal(r.ans.also.addr.v4, 0x0a000005);
    sqlcache4_answer_free(&r.ans);
    /* an address without a row: also_found false */
    r = req_for(4, 0x0a0000f0);
    assert_int_equal(sqlbatch4_lookup(&b, &r, fake_query, NULL), 0);
    assert_true(r.ans.have[1] && !r.ans.also_found);
    sqlcache4_answer_free(&r.ans);
    sqlbatch4_fini(&b);
}

typedef struct arg {
    sqlbatch4_t *b;
    uint8_t last;
    int rc;
    uint32_t got;
} arg_t;

static void *lookup_thread(void *p)
{
    arg_t *a = p;
    sqlbatch4_req_t r = req_for(a->last, 0);
    a->rc = sqlbatch4_lookup(a->b, &r, fake_query, NULL);
    a->got = r.ans.have[1] ? r.ans.db[1].addr.v4 : 0;
    sqlcache4_answer_free(&r.ans);
    return NULL;
}

/* Lookups that arrive while a query runs share the next one, and only SQLBATCH4_LEADERS queries
 * run at a time; each thread gets its own client's row. */
static void test_concurrent_lookups_combine(void **state)
{
    reset_db();
    sqlbatch4_t b;
    sqlbatch4_init(&b);
    atomic_store(&db.hold, true);
    pthread_t t[8];
    arg_t a[8];
    for (int i = 0; i < 8; i++) {
        a[i] = (arg_t){&b, (uint8_t)(i + 1), -1, 0};
        pthread_create(&t[i], NULL, lookup_thread, &a[i]);
        if (i == 0)
            while (atomic_load(&db.calls) == 0)
                usleep(1000); /* the first lookup is running: the others queue behind it */
    }
    usleep(50000);
    atomic_store(&db.hold, false);
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].rc, 0);
        assert_int_equal(a[i].got, 0x0a000000u | (uint32_t)(i + 1));
    }
    assert_int_equal(atomic_load(&db.max_running), SQLBATCH4_LEADERS);
    assert_true(atomic_load(&db.calls) <= 1 + 7 / 1); /* never more queries than lookups */
    if (SQLBATCH4_LEADERS == 1) {
        assert_int_equal(atomic_load(&db.calls), 2); /* the 7 waiting ones in one query */
        assert_int_equal(atomic_load(&db.max_n), 7);
    }
    sqlbatch4_fini(&b);
}

static void test_failure_reaches_every_request(void **state)
{
    reset_db();
    atomic_store(&db.fail, 1);
    sqlbatch4_t b;
    sqlbatch4_init(&b);
    sqlbatch4_req_t r[3] = {req_for(1, 0x0a000002), req_for(2, 0), req_for(3, 0)};
    sqlbatch4_req_t *rs[3] = {&r[0], &r[1], &r[2]};
    assert_int_equal(sqlbatch4_lookup_many(&b, rs, 3, fake_query, NULL), NST_EIO);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(r[i].result, NST_EIO);
        assert_false(r[i].ans.have[0] || r[i].ans.have[1] || r[i].ans.also_found);
    }
    assert_int_equal(atomic_load(&db.calls), 1);
    sqlbatch4_fini(&b);
}

/* prefetch: one query for the run; each answer taken once, by its own key and also address. */
static void test_prefetch_lookahead(void **state)
{
    reset_db();
    sqlbatch4_t b;
    sqlbatch4_init(&b);
    static const int store; /* any address identifies the store */
    sqlbatch4_req_t k[4] = {req_for(1, 0x0a000011), req_for(2, 0x0a000012), req_for(3, 0), req_for(9, 0)};
    lease_client_query_t items[4];
    for (int i = 0; i < 4; i++) {
        items[i] = (lease_client_query_t){.family = LEASE_V4, .hw = k[i].key.hw, .hwlen = 6, .subnet_id = 1};
        if (k[i].also_addr)
            items[i].also = lease_key4(k[i].also_addr);
    }
    sqlcache4_ahead_begin(&store);
    assert_int_equal(sqlbatch4_prefetch(&b, items, 4, fake_query, NULL), 0);
    assert_int_equal(atomic_load(&db.calls), 1);
    assert_int_equal(atomic_load(&db.max_n), 4);
    sqlcache4_answer_t a;
    assert_false(sqlcache4_ahead_take(&store, &k[0].key, 0x0a000099, &a)); /* other also address */
    assert_false(sqlcache4_ahead_take(&b, &k[0].key, 0x0a000011, &a));     /* other store */
    assert_true(sqlcache4_ahead_take(&store, &k[0].key, 0x0a000011, &a));
    assert_true(a.have[1] && a.db[1].addr.v4 == 0x0a000001 && !a.also_found);
    sqlcache4_answer_free(&a);
    assert_false(sqlcache4_ahead_take(&store, &k[0].key, 0x0a000011, &a)); /* once */
    assert_true(sqlcache4_ahead_take(&store, &k[3].key, 0, &a));            /* no rows: an empty answer */
    assert_false(a.have[0] || a.have[1]);
    sqlcache4_answer_free(&a);
    /* a new run forgets what the last one left (here k[1] and k[2]) */
    sqlcache4_ahead_begin(&store);
    assert_false(sqlcache4_ahead_take(&store, &k[1].key, 0x0a000012, &a));
    sqlbatch4_fini(&b);
}

/* The overlay's by-client answers follow the queued writes: a lease that changes client moves
 * between the client chains, a delete takes it out, a failed write leaves it to the database. */
static void test_overlay_client_index(void **state)
{
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    overlay4_t o;
    overlay4_init(&o, &lock);
    lease_t l, out;
    bool cond;
    int64_t exp;
    overlay4_delta_t d;
    uint8_t hw1[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 1}, hw2[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 2};
    overlay4_key_t by1 = {hw1, 6, 1, true}, by2 = {hw2, 6, 1, true}, other_subnet = {hw1, 6, 2, true};
    tl_lease(&l, 0x0a000001, 1, 1000);
    assert_int_equal(overlay4_begin(&o, OVERLAY4_ADD, &l, NULL, &cond, &exp, &d), 0);
    assert_int_equal(overlay4_client(&o, NULL, false, &by1, &out), 0);
    assert_int_equal(out.addr.v4, 0x0a000001);
    lease_free(&out);
    assert_int_equal(overlay4_client(&o, NULL, false, &other_subnet, &out), NST_ENOENT);
    assert_int_equal(overlay4_client(&o, NULL, false, &by2, &out), NST_ENOENT);
    /* the address goes to client 2 */
    lease_t l2;
    tl_lease(&l2, 0x0a000001, 2, 1100);
    assert_int_equal(overlay4_begin(&o, OVERLAY4_UPDATE, &l2, &l, &cond, &exp, &d), 0);
    assert_int_equal(overlay4_client(&o, NULL, false, &by1, &out), NST_ENOENT);
    assert_int_equal(overlay4_client(&o, NULL, false, &by2, &out), 0);
    lease_free(&out);
    /* a database row of client 1 at that address is replaced by the queued state */
    lease_t row;
    tl_lease(&row, 0x0a000001, 1, 900);
    assert_int_equal(overlay4_client(&o, &row, true, &by1, &out), NST_ENOENT);
    /* many leases of other clients in the same chains change nothing */
    for (uint32_t i = 2; i < 200; i++) {
        lease_t x;
        tl_lease(&x, 0x0a000000u | i, (uint8_t)(i + 10), 1000);
        assert_int_equal(overlay4_begin(&o, OVERLAY4_ADD, &x, NULL, &cond, &exp, &d), 0);
        lease_free(&x);
    }
    assert_int_equal(overlay4_client(&o, NULL, false, &by2, &out), 0);
    assert_int_equal(out.addr.v4, 0x0a000001);
    lease_free(&out);
    /* delete: gone from the chains; then both writes complete and the entry goes */
    assert_int_equal(overlay4_begin(&o, OVERLAY4_DEL, &l2, NULL, &cond, &exp, &d), 0);
    assert_int_equal(overlay4_client(&o, NULL, false, &by2, &out), NST_ENOENT);
    for (int i = 0; i < 3; i++)
        overlay4_end(&o, &(lease_key_t){.family = LEASE_V4, .addr.v4 = 0x0a000001}, false);
    assert_null(overlay4_find(&o, &(lease_key_t){.family = LEASE_V4, .addr.v4 = 0x0a000001}));
    /* a failed write makes the entry stale: the database's row answers */
    lease_t y;
    tl_lease(&y, 0x0a000300, 1, 5000);
    assert_int_equal(overlay4_begin(&o, OVERLAY4_ADD, &y, NULL, &cond, &exp, &d), 0);
    assert_int_equal(overlay4_begin(&o, OVERLAY4_UPDATE, &y, &y, &cond, &exp, &d), 0);
    overlay4_end(&o, &(lease_key_t){.family = LEASE_V4, .addr.v4 = 0x0a000300}, true);
    assert_int_equal(overlay4_client(&o, NULL, false, &by1, &out), NST_ENOENT);
    overlay4_end(&o, &(lease_key_t){.family = LEASE_V4, .addr.v4 = 0x0a000300}, false);
    assert_null(overlay4_find(&o, &(lease_key_t){.family = LEASE_V4, .addr.v4 = 0x0a000300}));
    lease_free(&y);
    lease_free(&l);
    lease_free(&l2);
    overlay4_fini(&o);
}

int test_sqlbatch_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_lookup),
        cmocka_unit_test(test_concurrent_lookups_combine),
        cmocka_unit_test(test_failure_reaches_every_request),
        cmocka_unit_test(test_prefetch_lookahead),
        cmocka_unit_test(test_overlay_client_index),
    };
    return cmocka_run_group_tests_name("sqlbatch4", tests, NULL, NULL);
}
