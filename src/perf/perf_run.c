/* One measured run: the open-loop schedule, the receive path (here or on a receiver thread),
 * timeouts and the drain at the end. See perf.h. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "perf/perf.h"

#define NS 1000000000LL

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void sleep_until(int64_t mono)
{
    struct timespec ts = {.tv_sec = mono / NS, .tv_nsec = mono % NS};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

/* Reads and answers what is waiting: at most a few batches, so scheduling is not starved. */
static void drain_rx(perf_t *p, perf_stats_t *st)
{
    for (int i = 0; i < 16; i++) {
        int n = perf_io_rx(p, st);
        perf_tx_flush(p);
        if (n < 64)
            break;
    }
}

static void *rx_thread(void *arg)
{
    perf_t *p = arg;
    perf_in_rx_thread = true;
    struct pollfd pf = {.fd = p->fd, .events = POLLIN};
    while (!atomic_load(&p->stop_rx)) {
        if (poll(&pf, 1, 5) > 0)
            drain_rx(p, &p->st_rx);
    }
    drain_rx(p, &p->st_rx);
    return NULL;
}

/* Starts the exchanges of stream `kind` that are due. Streams other than new exchanges need a
 * client that holds a lease; when none is waiting, the start is skipped (not counted). */
static void start_due(perf_t *p, int kind, uint64_t due, uint64_t *started, uint64_t *next_new)
{
    unsigned budget = 4096;                 /* at most this many per round: stay responsive */
    while (*started < due && budget--) {
        if (kind == PK_NEW) {
            p->fam->start(p, PK_NEW, (uint32_t)(*next_new % p->o.clients));
            ++*next_new;
        } else {
            uint32_t c;
            bool ok = false;
            while (!ok && perf_ring_pop(&p->leased, &c))
                ok = p->fam->start(p, kind, c);
            if (!ok) {                      /* nobody to renew yet: catch the schedule up */
                *started = due;
                break;
            }
        }
        ++*started;
    }
}

int perf_run(perf_t *p, double rate_new, perf_stats_t *out, double *elapsed, double *cpu_s)
{
    memset(&p->st, 0, sizeof p->st);
    memset(&p->st_rx, 0, sizeof p->st_rx);
    memset(&p->warm, 0, sizeof p->warm);
    double rate[PK__N];
    memcpy(rate, p->o.rate, sizeof rate);
    rate[PK_NEW] = rate_new;
    int64_t t0 = perf_now_mono(), r0 = perf_now_real();
    int64_t warm_ns = (int64_t)(p->o.warmup * NS);
    p->t_measure = r0 + warm_ns;
    int64_t end_send = p->o.period > 0 ? t0 + warm_ns + (int64_t)(p->o.period * NS) : INT64_MAX;
    int64_t drop_ns = (int64_t)(p->o.drop_time * NS);
    int64_t tick = (int64_t)p->o.tick_us * 1000;
    uint64_t started[PK__N] = {0}, next_new = 0;
    double cpu0 = 0;
    bool measuring = warm_ns == 0;
    if (measuring)
        cpu0 = cpu_now();
    int64_t t_meas_mono = t0 + warm_ns, t_end_meas = 0;

    pthread_t th;
    bool threaded = p->o.threads > 1;
    atomic_store(&p->stop_rx, false);
    if (threaded && pthread_create(&th, NULL, rx_thread, p) != 0)
        threaded = false;

    int64_t next_tick = t0;
    for (;;) {
        int64_t now = perf_now_mono();
        if (!measuring && now >= t_meas_mono) {
            measuring = true;
            cpu0 = cpu_now();
        }
        bool sending = now < end_send && (!p->o.count || started[PK_NEW] < p->o.count);
        if (sending) {
            for (int k = 0; k < PK__N; k++) {
                if (rate[k] <= 0)
                    continue;
                uint64_t due = (uint64_t)((double)(now - t0) * rate[k] / NS) + 1;
                if (k == PK_NEW && p->o.count && due > p->o.count)
                    due = p->o.count;
                start_due(p, k, due, &started[k], &next_new);
            }
            perf_tx_flush(p);
        } else if (!t_end_meas) {
            t_end_meas = now;
        }
        if (!threaded)
            drain_rx(p, &p->st);
        uint64_t inflight = perf_expire(p, perf_now_real(), drop_ns);
        if (!sending && (inflight == 0 || now - t_end_meas > drop_ns))
            break;
        next_tick += tick;
        if (next_tick < now)
            next_tick = now;
        sleep_until(next_tick);
    }
    if (threaded) {
        atomic_store(&p->stop_rx, true);
        pthread_join(th, NULL);
    }
    /* whatever is still unanswered is lost */
    perf_expire(p, INT64_MAX, 0);
    *cpu_s = cpu_now() - cpu0;
    int64_t meas_start = t_meas_mono < t_end_meas ? t_meas_mono : t_end_meas;
    *elapsed = (double)(t_end_meas - meas_start) / NS;
    *out = p->st;
    perf_stats_merge(out, &p->st_rx);
    return 0;
}
