/* nestor-perf's engine: the latency histogram's error bound and quantiles, the exchange table
 * (O(1) matching, a late or foreign answer ignored, an answer and a timeout never both counted,
 * second halves under the same id, wrap-around) and the leased-client ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "perf/perf.h"

static void test_hist_buckets(void **state)
{
    (void)state;
    /* exact below 32, contiguous, and every value within 6.25% of its bucket's low bound */
    for (uint64_t v = 0; v < 32; v++)
        assert_int_equal(perf_hist_index(v), v);
    unsigned prev = 0;
    for (uint64_t v = 1; v < (1ull << 40); v = v * 3 / 2 + 1) {
        unsigned i = perf_hist_index(v);
        assert_true(i >= prev);
        assert_true(i < PERF_HIST_BUCKETS);
        uint64_t lo = perf_hist_low(i);
        assert_true(lo <= v);
        assert_true((double)(v - lo) <= 0.0625 * (double)v + 1);
        assert_true(perf_hist_low(i + 1) > v);
        prev = i;
    }
    assert_int_equal(perf_hist_index(UINT64_MAX), PERF_HIST_BUCKETS - 1);
}

static void test_hist_quantiles(void **state)
{
    (void)state;
    static perf_hist_t h;
    perf_hist_reset(&h);
    assert_int_equal(perf_hist_quantile(&h, 0.5), 0);
    for (uint64_t v = 1; v <= 1000; v++)
        perf_hist_add(&h, v * 1000);           /* 1 us .. 1 ms */
    assert_int_equal(h.n, 1000);
    assert_int_equal(h.max, 1000000);
    double p50 = (double)perf_hist_quantile(&h, 0.5), p99 = (double)perf_hist_quantile(&h, 0.99);
    assert_true(p50 > 500000 * 0.94 && p50 < 500000 * 1.07);
    assert_true(p99 > 990000 * 0.94 && p99 <= 1000000);
    assert_int_equal(perf_hist_quantile(&h, 1.0), 1000000);
    static perf_hist_t g;
    perf_hist_reset(&g);
    perf_hist_add(&g, 5000000);
    perf_hist_merge(&h, &g);
    assert_int_equal(h.n, 1001);
    assert_int_equal(h.max, 5000000);
}

static perf_t P;

static void setup_table(unsigned bits, uint32_t xid_mask)
{
    memset(&P, 0, sizeof P);
    assert_int_equal(perf_xtab_init(&P.xt, bits, xid_mask), 0);
    P.t_measure = 0;   /* everything is measured */
}

static void test_xtab_match_and_answer(void **state)
{
    (void)state;
    setup_table(8, 0xffffffffu);
    uint32_t x1, x2;
    perf_slot_t *a = perf_begin(&P, 7, PH_FIRST, 0, &x1);
    perf_slot_t *b = perf_begin(&P, 8, PH_FIRST, 0, &x2);
    assert_int_not_equal(x1, x2);
    assert_int_not_equal(x1, 0);
    assert_ptr_equal(perf_match(&P, x1), a);
    assert_ptr_equal(perf_match(&P, x2), b);
    assert_int_equal(a->client, 7);
    assert_null(perf_match(&P, x1 + 256));         /* same slot, another id: foreign */
    assert_int_equal(P.st.ph[PH_FIRST].sent, 2);
    /* the OFFER moves the slot to the REQUEST under the same id */
    assert_true(perf_answer(&P, a, PH_FIRST, perf_now_real(), false, PH_SECOND));
    assert_ptr_equal(perf_match(&P, x1), a);
    assert_int_equal(perf_slot_phase(a), PH_SECOND);
    assert_int_equal(P.st.ph[PH_FIRST].done, 1);
    assert_int_equal(P.st.ph[PH_SECOND].sent, 1);
    /* a duplicate OFFER (answer for a phase no longer awaited) counts nothing */
    assert_false(perf_answer(&P, a, PH_FIRST, perf_now_real(), false, PH_SECOND));
    assert_int_equal(P.st.ph[PH_FIRST].done, 1);
    assert_true(perf_answer(&P, a, PH_SECOND, perf_now_real(), false, -1));
    assert_null(perf_match(&P, x1));               /* done: a late copy is unmatched */
    assert_int_equal(P.st.ph[PH_SECOND].done, 1);
    /* b gets no answer: after the drop time it is lost, once */
    assert_int_equal(perf_expire(&P, perf_now_real(), 1000000000LL), 1);
    assert_int_equal(perf_expire(&P, perf_now_real() + 2000000000LL, 1000000000LL), 0);
    assert_int_equal(P.st.ph[PH_FIRST].lost, 1);
    assert_false(perf_answer(&P, b, PH_FIRST, perf_now_real(), false, -1));
    assert_int_equal(P.st.ph[PH_FIRST].done, 1);
    /* a NAK is rejected, with its latency */
    uint32_t x3;
    perf_slot_t *c = perf_begin(&P, 9, PH_RENEW, 0, &x3);
    assert_true(perf_answer(&P, c, PH_RENEW, perf_now_real(), true, -1));
    assert_int_equal(P.st.ph[PH_RENEW].rejected, 1);
    assert_int_equal(P.st.ph[PH_RENEW].lat.n, 1);
    perf_xtab_free(&P.xt);
}

static void test_xtab_wrap_and_v6_ids(void **state)
{
    (void)state;
    setup_table(4, 0xffffffu);                    /* 16 slots, 24-bit ids */
    uint32_t first, x;
    perf_begin(&P, 0, PH_FIRST, 0, &first);
    for (int i = 0; i < 16; i++)
        perf_begin(&P, (uint32_t)i + 1, PH_FIRST, 0, &x);
    /* the 17th request took the first one's slot: the first is lost, the table is consistent */
    assert_int_equal(P.st.ph[PH_FIRST].lost, 1);
    assert_null(perf_match(&P, first));
    assert_non_null(perf_match(&P, x));
    assert_true(perf_expire(&P, perf_now_real(), 1000000000LL) <= 16);
    /* ids never reach 0 or pass 24 bits */
    atomic_store(&P.xt.next, 0xfffffeu);
    perf_begin(&P, 1, PH_FIRST, 0, &x);
    assert_int_equal(x, 0xfffffe);
    perf_begin(&P, 1, PH_FIRST, 0, &x);
    assert_int_equal(x, 0xffffff);
    perf_begin(&P, 1, PH_FIRST, 0, &x);
    assert_int_equal(x, 1);
    perf_xtab_free(&P.xt);
}

static void test_ring(void **state)
{
    (void)state;
    uint32_t buf[4];
    perf_ring_t r = {.v = buf, .cap = 4};
    uint32_t v;
    assert_false(perf_ring_pop(&r, &v));
    for (uint32_t i = 0; i < 4; i++)
        assert_true(perf_ring_push(&r, i));
    assert_false(perf_ring_push(&r, 99));          /* full */
    assert_true(perf_ring_pop(&r, &v));
    assert_int_equal(v, 0);                        /* oldest first */
    assert_true(perf_ring_push(&r, 4));
    for (uint32_t i = 1; i <= 4; i++) {
        assert_true(perf_ring_pop(&r, &v));
        assert_int_equal(v, i);
    }
    assert_false(perf_ring_pop(&r, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_buckets),
        cmocka_unit_test(test_hist_quantiles),
        cmocka_unit_test(test_xtab_match_and_answer),
        cmocka_unit_test(test_xtab_wrap_and_v6_ids),
        cmocka_unit_test(test_ring),
    };
    return cmocka_run_group_tests_name("perf", tests, NULL, NULL);
}
