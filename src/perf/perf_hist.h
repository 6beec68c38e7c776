/* Latency histogram with bounded relative error, for nestor-perf.
 *
 * Contract:
 * - Log-linear buckets: exact below 32, then 16 buckets per power of two (error < 6.25%), over
 *   the whole uint64 range: perf_hist_add() never fails and never allocates.
 * - A histogram is a plain value: zero it to start (or perf_hist_reset), merge by adding.
 * - Not thread-safe: one writer per histogram.
 */
#ifndef NESTOR_PERF_HIST_H
#define NESTOR_PERF_HIST_H

#include <stdint.h>

#define PERF_HIST_BUCKETS 976

typedef struct perf_hist {
    uint64_t n, max, sum;
    uint32_t b[PERF_HIST_BUCKETS];
} perf_hist_t;

void perf_hist_reset(perf_hist_t *h);
void perf_hist_add(perf_hist_t *h, uint64_t v);
void perf_hist_merge(perf_hist_t *into, const perf_hist_t *from);
/* The value at quantile q (0..1): the middle of the bucket holding it (the maximum for q = 1,
 * 0 for an empty histogram). */
uint64_t perf_hist_quantile(const perf_hist_t *h, double q);

/* Bucket index of v and the smallest value of bucket i (exposed for the unit tests). */
unsigned perf_hist_index(uint64_t v);
uint64_t perf_hist_low(unsigned i);

#endif
