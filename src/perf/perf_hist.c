/* Log-linear latency histogram: see perf_hist.h. */
#include "perf/perf_hist.h"

#include <string.h>

#define SUB 16u /* buckets per power of two above 32 */

unsigned perf_hist_index(uint64_t v)
{
    if (v < 2 * SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - 4u;                       /* v >> shift lies in [16, 32) */
    return shift * SUB + (unsigned)(v >> shift);
}

uint64_t perf_hist_low(unsigned i)
{
    if (i < 2 * SUB)
        return i;
    unsigned shift = i / SUB - 1u;
    return (uint64_t)(i - shift * SUB) << shift;
}

void perf_hist_reset(perf_hist_t *h)
{
    memset(h, 0, sizeof *h);
}

void perf_hist_add(perf_hist_t *h, uint64_t v)
{
    h->b[perf_hist_index(v)]++;
    h->n++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
}

void perf_hist_merge(perf_hist_t *into, const perf_hist_t *from)
{
    for (unsigned i = 0; i < PERF_HIST_BUCKETS; i++)
        into->b[i] += from->b[i];
    into->n += from->n;
    into->sum += from->sum;
    if (from->max > into->max)
        into->max = from->max;
}

uint64_t perf_hist_quantile(const perf_hist_t *h, double q)
{
    if (!h->n)
        return 0;
    if (q >= 1.0)
        return h->max;
    uint64_t rank = (uint64_t)(q * (double)h->n) + 1, seen = 0;
    if (rank > h->n)
        rank = h->n;
    for (unsigned i = 0; i < PERF_HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank) {
            uint64_t lo = perf_hist_low(i);
            uint64_t hi = i + 1 < PERF_HIST_BUCKETS ? perf_hist_low(i + 1) : h->max + 1;
            uint64_t mid = lo + (hi - lo) / 2;
            return mid > h->max ? h->max : mid;
        }
    }
    return h->max;
}
