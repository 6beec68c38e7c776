/* sqlconns: the per-thread connection records of the SQL lease stores. */
#include <pthread.h>
#include <stdatomic.h>

#include "db/sqlconns.h"
#include "test_lease.h"

typedef struct fake_conn {
    sqlconn_t reg;
    int opened;                 /* the "connection": 1 while open */
} fake_conn_t;

static atomic_int open_conns, closes;

static void fake_close(sqlconn_t *rec)
{
    fake_conn_t *c = (fake_conn_t *)rec;
    if (c->opened) {
        c->opened = 0;
        atomic_fetch_sub(&open_conns, 1);
    }
    atomic_fetch_add(&closes, 1);
}

/* What a store's lookup does: its thread's record, connected on first use. */
static fake_conn_t *use(sqlconns_t *r)
{
    fake_conn_t *c = (fake_conn_t *)sqlconns_mine(r);
    if (!c->opened) {
        c->opened = 1;
        atomic_fetch_add(&open_conns, 1);
    }
    return c;
}

static void *worker(void *arg)
{
    fake_conn_t *a = use(arg), *b = use(arg);
    assert_ptr_equal(a, b);     /* one record per thread */
    return NULL;
}

/* Eight workers started and stopped thirty times (reloads): every ended thread's connection is
 * closed, none is left behind; the store's close takes the main thread's. */
static void test_thread_end_closes_its_connection(void **state)
{
    (void)state;
    atomic_store(&open_conns, 0);
    atomic_store(&closes, 0);
    sqlconns_t r;
    sqlconns_init(&r, sizeof(fake_conn_t), fake_close);
    use(&r);
    for (int round = 0; round < 30; round++) {
        pthread_t t[8];
        for (int i = 0; i < 8; i++)
            assert_int_equal(pthread_create(&t[i], NULL, worker, &r), 0);
        for (int i = 0; i < 8; i++)
            pthread_join(t[i], NULL);
        assert_int_equal(atomic_load(&open_conns), 1);
        assert_int_equal(sqlconns_count(&r), 1);
    }
    assert_int_equal(atomic_load(&closes), 30 * 8);
    sqlconns_fini(&r);
    assert_int_equal(atomic_load(&open_conns), 0);
    assert_int_equal(atomic_load(&closes), 30 * 8 + 1);
}

static void *late_thread(void *arg)
{
    sqlconns_t *r = arg;
    use(r);
    return NULL;
}

/* A store opened after another was closed (a reload that replaces the store) starts with no
 * record in any thread, and a thread that used both keeps each one apart. */
static void test_stores_keep_their_records_apart(void **state)
{
    (void)state;
    atomic_store(&open_conns, 0);
    atomic_store(&closes, 0);
    sqlconns_t a, b;
    sqlconns_init(&a, sizeof(fake_conn_t), fake_close);
    fake_conn_t *ca = use(&a);
    sqlconns_fini(&a);
    sqlconns_init(&b, sizeof(fake_conn_t), fake_close);
    assert_int_equal(sqlconns_count(&b), 0);
    fake_conn_t *cb = use(&b);
    (void)ca;
    assert_int_equal(cb->opened, 1);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, late_thread, &b), 0);
    pthread_join(t, NULL);
    assert_int_equal(sqlconns_count(&b), 1);
    sqlconns_fini(&b);
    assert_int_equal(atomic_load(&open_conns), 0);
    assert_int_equal(atomic_load(&closes), 3);
}

int test_sqlconns_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_end_closes_its_connection),
        cmocka_unit_test(test_stores_keep_their_records_apart),
    };
    return cmocka_run_group_tests_name("sqlconns", tests, NULL, NULL);
}
