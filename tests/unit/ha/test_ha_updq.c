/* ha_updq: per-key order, the window, the communication-recovery backlog and its overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ha/ha_updq.h"

static int dropped;

static void on_drop(void *arg, ha_upd_t *u)
{
    (void)arg;
    (void)u;
    dropped++;
}

static void test_window_and_key_order(void **state)
{
    (void)state;
    ha_updq_t q;
    assert_int_equal(ha_updq_init(&q, 3, on_drop, NULL), 0);
    ha_upd_t u[6] = {{.key = 10}, {.key = 20}, {.key = 10}, {.key = 30}, {.key = 40}, {.key = 0}};
    for (int i = 0; i < 6; i++)
        assert_int_equal(ha_updq_push(&q, &u[i]), 1);
    /* 10 and 20 go; the second 10 waits for the first; 30 fills the window */
    assert_ptr_equal(ha_updq_next(&q), &u[0]);
    assert_ptr_equal(ha_updq_next(&q), &u[1]);
    assert_ptr_equal(ha_updq_next(&q), &u[3]);
    assert_null(ha_updq_next(&q));                 /* window of 3 full */
    assert_int_equal(ha_updq_inflight(&q), 3);
    ha_updq_done(&q, &u[1]);
    assert_ptr_equal(ha_updq_next(&q), &u[4]);     /* 10 still in flight: 40 goes first */
    ha_updq_done(&q, &u[0]);
    assert_ptr_equal(ha_updq_next(&q), &u[2]);     /* now the second 10 */
    assert_null(ha_updq_next(&q));
    ha_updq_done(&q, &u[3]);
    assert_ptr_equal(ha_updq_next(&q), &u[5]);     /* key 0 is a key like any other */
    assert_int_equal(ha_updq_waiting(&q), 0);
    ha_updq_destroy(&q);
    assert_int_equal(dropped, 0);
}

static void test_backlog_and_overflow(void **state)
{
    (void)state;
    dropped = 0;
    ha_updq_t q;
    assert_int_equal(ha_updq_init(&q, 4, on_drop, NULL), 0);
    ha_updq_hold(&q, 2);
    ha_upd_t u[4] = {{.key = 1}, {.key = 2}, {.key = 3}, {.key = 4}};
    assert_int_equal(ha_updq_push(&q, &u[0]), 0);  /* held: wait */
    assert_int_equal(ha_updq_push(&q, &u[1]), 0);
    assert_null(ha_updq_next(&q));
    ha_updq_release(&q);
    assert_ptr_equal(ha_updq_next(&q), &u[0]);     /* released in order */
    assert_ptr_equal(ha_updq_next(&q), &u[1]);
    ha_updq_hold(&q, 1);
    assert_int_equal(ha_updq_push(&q, &u[2]), 0);
    assert_int_equal(ha_updq_push(&q, &u[3]), -1); /* over the limit: all waiting dropped */
    assert_int_equal(dropped, 2);
    assert_int_equal(ha_updq_waiting(&q), 0);
    assert_int_equal(q.overflows, 1);
    /* clearing (partner down) drops what waits; what is in flight stays the caller's */
    ha_updq_release(&q);
    ha_upd_t v = {.key = 9};
    ha_updq_hold(&q, 10);
    ha_updq_push(&q, &v);
    assert_int_equal(ha_updq_clear(&q), 1);
    assert_int_equal(dropped, 3);
    assert_int_equal(ha_updq_inflight(&q), 2);
    ha_updq_destroy(&q);
}

static void test_many_keys(void **state)
{
    (void)state;
    ha_updq_t q;
    static ha_upd_t u[1000];
    assert_int_equal(ha_updq_init(&q, 16, NULL, NULL), 0);
    for (int i = 0; i < 1000; i++) {
        u[i].key = (uint64_t)(i % 50);
        ha_updq_push(&q, &u[i]);
    }
    /* drain: each key's updates come out in push order */
    int last[50];
    for (int i = 0; i < 50; i++)
        last[i] = -1;
    int n = 0;
    while (n < 1000) {
        ha_upd_t *got[16];
        int k = 0;
        ha_upd_t *x;
        while ((x = ha_updq_next(&q)))
            got[k++] = x;
        assert_true(k > 0);
        for (int i = 0; i < k; i++) {
            int idx = (int)(got[i] - u);
            assert_true(idx > last[idx % 50]);
            last[idx % 50] = idx;
            ha_updq_done(&q, got[i]);
            n++;
        }
    }
    ha_updq_destroy(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_and_key_order),
        cmocka_unit_test(test_backlog_and_overflow),
        cmocka_unit_test(test_many_keys),
    };
    return cmocka_run_group_tests_name("ha_updq", tests, NULL, NULL);
}
