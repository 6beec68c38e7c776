/* nestor-perf: set up, run (once, or a --max-rate search), report. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "perf/perf.h"

static int setup(perf_t *p, char *err, size_t errlen)
{
    p->fam = p->o.family == 4 ? &perf_fam4 : &perf_fam6;
    if (perf_xtab_init(&p->xt, p->o.table_bits, p->fam->xid_mask) < 0)
        return errf(err, errlen, -12, "no memory for the exchange table");
    uint32_t cap = 16;
    while (cap < p->o.clients && cap < (1u << 31))
        cap <<= 1;
    p->leased.cap = cap;
    p->leased.v = xcalloc(cap, sizeof(uint32_t));
    p->clients = xcalloc(p->o.clients, p->fam->client_size);
    p->txq = perf_txq_new();
    p->txq_rx = perf_txq_new();
    int r = perf_io_open(p, err, errlen);
    return r < 0 ? r : p->fam->setup(p, err, errlen);
}

/* A fresh population for the next trial: new client identities, no leases. */
static void next_population(perf_t *p)
{
    p->o.first_client += p->o.clients;
    memset(p->clients, 0, (size_t)p->o.clients * p->fam->client_size);
    atomic_store(&p->leased.head, 0);
    atomic_store(&p->leased.tail, 0);
}

typedef struct trial {
    double rate, secs, cpu;
    perf_stats_t st;
} trial_t;

static void run_one(perf_t *p, double rate, trial_t *t)
{
    t->rate = rate;
    perf_run(p, rate, &t->st, &t->secs, &t->cpu);
}

static json_t *trial_json(const perf_t *p, const trial_t *t)
{
    return perf_report_json(p, &t->st, t->rate, t->secs, t->cpu);
}

static int search(perf_t *p)
{
    static trial_t t, best;
    json_t *trials = json_array();
    double lo = 0, hi = 0, r = p->o.search_low;
    bool have = false;
    for (int i = 0; i < 24; i++) {
        if (r > p->o.search_high)
            r = p->o.search_high;
        run_one(p, r, &t);
        double d = perf_drop_pct(&t.st);
        bool ok = d < p->o.max_drop && t.st.rx > 0;
        if (!p->o.json)
            printf("trial %d: %.0f/s offered, %.1f leases/s, drops %.2f%% -> %s\n", i + 1, r,
                   t.secs > 0 ? (double)t.st.leases / t.secs : 0, d, ok ? "ok" : "too many");
        fflush(stdout);
        json_array_append_new(trials, trial_json(p, &t));
        if (ok) {
            lo = r;
            best = t;
            have = true;
        } else {
            hi = r;
        }
        if (ok && r >= p->o.search_high)
            break;
        if (hi && hi - lo <= 0.03 * hi)
            break;
        r = hi ? (lo + hi) / 2 : r * 2;
        if (hi && !lo && r < 1)
            break;
        next_population(p);
        sleep(1);                         /* let the server settle between trials */
    }
    if (p->o.json) {
        json_t *o = json_pack("{s:f,s:f,s:o}", "max-rate", have ? lo : 0.0, "max-drop-percent",
                              p->o.max_drop, "trials", trials);
        if (have)
            json_object_set_new(o, "best", trial_json(p, &best));
        char *s = json_dumps(o, JSON_COMPACT);
        puts(s);
        free(s);
        json_decref(o);
    } else {
        json_decref(trials);
        if (have) {
            printf("highest rate with drops under %.2f%%: %.0f/s\n", p->o.max_drop, lo);
            perf_report_text(p, &best.st, best.rate, best.secs, best.cpu);
        } else {
            printf("no rate with drops under %.2f%% (lowest tried %.0f/s)\n", p->o.max_drop, r);
        }
    }
    return have ? 0 : 3;
}

int main(int argc, char **argv)
{
    static perf_t p;
    int r = perf_opts_parse(&p.o, argc, argv);
    if (r)
        return r == 2 ? 0 : 1;
    signal(SIGPIPE, SIG_IGN);
    char err[256];
    if (setup(&p, err, sizeof err) < 0) {
        fprintf(stderr, "nestor-perf: %s\n", err);
        return 2;
    }
    if (p.o.max_rate)
        return search(&p);
    static trial_t t;
    run_one(&p, p.o.rate[PK_NEW], &t);
    if (p.o.json) {
        json_t *o = trial_json(&p, &t);
        char *s = json_dumps(o, JSON_COMPACT);
        puts(s);
        free(s);
        json_decref(o);
    } else if (p.o.quiet) {
        printf("%.1f leases/s, drops %.2f%%, %.2f us/lease\n", t.secs > 0 ? (double)t.st.leases / t.secs : 0,
               perf_drop_pct(&t.st), t.st.leases ? t.cpu * 1e6 / (double)t.st.leases : 0.0);
    } else {
        perf_report_text(&p, &t.st, t.rate, t.secs, t.cpu);
    }
    perf_io_close(&p);
    return t.st.rx ? 0 : 3;
}
