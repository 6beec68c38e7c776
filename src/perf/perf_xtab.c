/* The exchange table, the leased-client ring and the bookkeeping the families share: see
 * perf.h. A transaction id is the exchange's sequence number (masked to the family's id width);
 * its low bits index the table, so an answer finds its slot in O(1). */
#include "perf/perf.h"

#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"

_Thread_local bool perf_in_rx_thread;

int perf_xtab_init(perf_xtab_t *t, unsigned bits, uint32_t xid_mask)
{
    memset(t, 0, sizeof *t);
    if (bits < 4 || bits > 24)
        return NST_EINVAL;
    t->slot = calloc((size_t)1 << bits, sizeof *t->slot);
    if (!t->slot)
        return NST_ENOMEM;
    t->mask = (1u << bits) - 1;
    t->xid_mask = xid_mask;
    t->next = 1;  /* transaction id 0 is never used */
    t->tail = 1;
    return 0;
}

void perf_xtab_free(perf_xtab_t *t)
{
    free(t->slot);
    t->slot = NULL;
}

perf_stats_t *perf_stats_for(perf_t *p, const perf_slot_t *s, bool rx_thread)
{
    if (!s->measured)
        return &p->warm;
    return rx_thread ? &p->st_rx : &p->st;
}

int perf_slot_phase(const perf_slot_t *s)
{
    uint32_t v = atomic_load(&s->state);
    return v == SLOT_FREE ? -1 : (int)(v - SLOT_WAIT);
}

/* Ends a wait that got no answer in time. */
static void expire(perf_t *p, perf_slot_t *s)
{
    uint32_t w = atomic_load(&s->state);
    if (w != SLOT_FREE && atomic_compare_exchange_strong(&s->state, &w, SLOT_FREE))
        perf_stats_for(p, s, perf_in_rx_thread)->ph[w - SLOT_WAIT].lost++;
}

perf_slot_t *perf_begin(perf_t *p, uint32_t client, int phase, int64_t t_start, uint32_t *xid)
{
    perf_xtab_t *t = &p->xt;
    uint64_t seq = atomic_fetch_add(&t->next, 1);
    if ((seq & t->xid_mask) == 0)        /* skip id 0 when the id space wraps */
        seq = atomic_fetch_add(&t->next, 1);
    perf_slot_t *s = &t->slot[seq & t->mask];
    if (atomic_load(&s->state) != SLOT_FREE)
        expire(p, s);                    /* the table wrapped onto an unanswered request */
    s->xid = (uint32_t)(seq & t->xid_mask);
    s->client = client;
    s->t_sent = perf_now_real();
    s->t_start = t_start ? t_start : s->t_sent;
    s->measured = s->t_start >= p->t_measure;
    perf_stats_for(p, s, perf_in_rx_thread)->ph[phase].sent++;
    atomic_store(&s->state, SLOT_WAIT + (uint32_t)phase);
    *xid = s->xid;
    return s;
}

perf_slot_t *perf_match(perf_t *p, uint32_t xid)
{
    perf_slot_t *s = &p->xt.slot[xid & p->xt.mask];
    if (atomic_load(&s->state) == SLOT_FREE || s->xid != xid)
        return NULL;
    return s;
}

bool perf_answer(perf_t *p, perf_slot_t *s, int phase, int64_t ts, bool rejected, int next)
{
    int64_t sent = s->t_sent;
    if (next >= 0)   /* before the state changes: a timeout scan must not see the old time */
        s->t_sent = perf_now_real();
    uint32_t w = SLOT_WAIT + (uint32_t)phase;
    if (!atomic_compare_exchange_strong(&s->state, &w, next >= 0 ? SLOT_WAIT + (uint32_t)next : SLOT_FREE))
        return false;
    perf_stats_t *st = perf_stats_for(p, s, perf_in_rx_thread);
    perf_phase_stats_t *ph = &st->ph[phase];
    if (rejected)
        ph->rejected++;
    else
        ph->done++;
    perf_hist_add(&ph->lat, ts > sent ? (uint64_t)(ts - sent) : 0);
    if (next >= 0)
        st->ph[next].sent++;
    return true;
}

void perf_count_sent(perf_t *p, int phase)
{
    perf_stats_t *st = perf_now_real() >= p->t_measure ? (perf_in_rx_thread ? &p->st_rx : &p->st)
                                                       : &p->warm;
    st->ph[phase].sent++;
    st->ph[phase].done++;       /* nothing answers it: sent is done */
}

void perf_lease_done(perf_t *p, const perf_seen_t *v, int64_t ts, bool whole)
{
    perf_stats_t *st = !v->measured ? &p->warm : perf_in_rx_thread ? &p->st_rx : &p->st;
    if (whole)
        perf_hist_add(&st->exch, ts > v->t_start ? (uint64_t)(ts - v->t_start) : 0);
    if (v->measured)
        st->leases++;
    perf_ring_push(&p->leased, v->client);
}

/* Expires requests older than the drop time, oldest first; returns how many are in flight. */
uint64_t perf_expire(perf_t *p, int64_t now, int64_t drop_ns)
{
    perf_xtab_t *t = &p->xt;
    uint64_t next = atomic_load(&t->next);
    if (next - t->tail > (uint64_t)t->mask + 1)   /* wrapped: perf_begin expired those */
        t->tail = next - t->mask - 1;
    while (t->tail < next) {
        perf_slot_t *s = &t->slot[t->tail & t->mask];
        if (atomic_load(&s->state) != SLOT_FREE && s->xid == (uint32_t)(t->tail & t->xid_mask)) {
            if (now - s->t_sent < drop_ns)
                break;
            expire(p, s);
        }
        t->tail++;
    }
    return next - t->tail;
}

bool perf_ring_push(perf_ring_t *r, uint32_t v)
{
    uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (h - atomic_load_explicit(&r->tail, memory_order_acquire) >= r->cap)
        return false;
    r->v[h & (r->cap - 1)] = v;
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
    return true;
}

bool perf_ring_pop(perf_ring_t *r, uint32_t *v)
{
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (t == atomic_load_explicit(&r->head, memory_order_acquire))
        return false;
    *v = r->v[t & (r->cap - 1)];
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    return true;
}
