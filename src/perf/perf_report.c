/* nestor-perf figures: per-phase counts and latency quantiles, leases/s, drops and the
 * generator's own CPU per lease, as text or as one JSON object. */
#include <jansson.h>
#include <stdio.h>

#include "perf/perf.h"

void perf_stats_merge(perf_stats_t *into, const perf_stats_t *from)
{
    for (int i = 0; i < PH__N; i++) {
        into->ph[i].sent += from->ph[i].sent;
        into->ph[i].done += from->ph[i].done;
        into->ph[i].lost += from->ph[i].lost;
        into->ph[i].rejected += from->ph[i].rejected;
        perf_hist_merge(&into->ph[i].lat, &from->ph[i].lat);
    }
    perf_hist_merge(&into->exch, &from->exch);
    into->rx += from->rx;
    into->rx_bad += from->rx_bad;
    into->rx_unmatched += from->rx_unmatched;
    into->rx_unexpected += from->rx_unexpected;
    into->tx_fail += from->tx_fail;
    into->leases += from->leases;
}

/* New exchanges that completed: the second half's answers, or the first's with rapid commit. */
static uint64_t completed(const perf_stats_t *st)
{
    return st->ph[PH_SECOND].sent ? st->ph[PH_SECOND].done : st->ph[PH_FIRST].done;
}

double perf_drop_pct(const perf_stats_t *st)
{
    uint64_t started = st->ph[PH_FIRST].sent;
    if (!started)
        return 0.0;
    return 100.0 * (double)(started - completed(st)) / (double)started;
}

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static const char *mode(const perf_t *p)
{
    return p->o.relay ? "relayed" : "direct";
}

void perf_report_text(const perf_t *p, const perf_stats_t *st, double rate, double secs, double cpu_s)
{
    FILE *f = stdout;
    fprintf(f, "DHCPv%d %s, %.0f new exchanges/s offered for %.2f s", p->o.family, mode(p), rate, secs);
    if (p->o.warmup > 0)
        fprintf(f, " (after %.1f s of warm-up)", p->o.warmup);
    fprintf(f, "\n%-18s %9s %9s %8s %8s %9s %9s %9s %9s\n", "phase", "sent", "answered", "lost",
            "rejected", "p50 ms", "p90 ms", "p99 ms", "max ms");
    for (int i = 0; i < PH__N; i++) {
        const perf_phase_stats_t *ph = &st->ph[i];
        if (!ph->sent)
            continue;
        if ((i == PH_RELEASE || i == PH_DECLINE) && !ph->lat.n) {
            fprintf(f, "%-18s %9llu %9s\n", p->fam->phase_name[i], (unsigned long long)ph->sent, "-");
            continue;
        }
        fprintf(f, "%-18s %9llu %9llu %8llu %8llu %9.3f %9.3f %9.3f %9.3f\n", p->fam->phase_name[i],
                (unsigned long long)ph->sent, (unsigned long long)ph->done,
                (unsigned long long)ph->lost, (unsigned long long)ph->rejected,
                ms(perf_hist_quantile(&ph->lat, 0.5)), ms(perf_hist_quantile(&ph->lat, 0.9)),
                ms(perf_hist_quantile(&ph->lat, 0.99)), ms(ph->lat.max));
    }
    if (st->exch.n)
        fprintf(f, "%-18s %9s %9llu %8s %8s %9.3f %9.3f %9.3f %9.3f\n",
                p->o.family == 4 ? "DORA (whole)" : "SARR (whole)", "",
                (unsigned long long)st->exch.n, "", "", ms(perf_hist_quantile(&st->exch, 0.5)),
                ms(perf_hist_quantile(&st->exch, 0.9)), ms(perf_hist_quantile(&st->exch, 0.99)),
                ms(st->exch.max));
    double lps = secs > 0 ? (double)st->leases / secs : 0;
    fprintf(f, "leases/s: %.1f   drops: %.2f%%   generator CPU: %.2f us/lease (%.1f%% of a core)\n",
            lps, perf_drop_pct(st), st->leases ? cpu_s * 1e6 / (double)st->leases : 0.0,
            secs > 0 ? 100.0 * cpu_s / secs : 0.0);
    fprintf(f, "received: %llu (malformed %llu, unmatched %llu, unexpected %llu); send failures: %llu\n",
            (unsigned long long)st->rx, (unsigned long long)st->rx_bad,
            (unsigned long long)st->rx_unmatched, (unsigned long long)st->rx_unexpected,
            (unsigned long long)st->tx_fail);
    if (!st->rx && st->ph[PH_FIRST].sent)
        fprintf(f, "no answer: the server answered none of %llu requests\n",
                (unsigned long long)st->ph[PH_FIRST].sent);
}

static json_t *lat_json(const perf_hist_t *h)
{
    return json_pack("{s:f,s:f,s:f,s:f,s:f}", "p50", perf_hist_quantile(h, 0.5) / 1e3,
                     "p90", perf_hist_quantile(h, 0.9) / 1e3, "p99", perf_hist_quantile(h, 0.99) / 1e3,
                     "max", h->max / 1e3, "mean", h->n ? (double)h->sum / (double)h->n / 1e3 : 0.0);
}

void *perf_report_json(const perf_t *p, const perf_stats_t *st, double rate, double secs, double cpu_s)
{
    json_t *phases = json_object();
    for (int i = 0; i < PH__N; i++) {
        const perf_phase_stats_t *ph = &st->ph[i];
        if (!ph->sent)
            continue;
        json_t *o = json_pack("{s:I,s:I,s:I,s:I}", "sent", (json_int_t)ph->sent,
                              "answered", (json_int_t)ph->done, "lost", (json_int_t)ph->lost,
                              "rejected", (json_int_t)ph->rejected);
        if (ph->lat.n)
            json_object_set_new(o, "latency-us", lat_json(&ph->lat));
        json_object_set_new(phases, p->fam->phase_name[i], o);
    }
    json_t *r = json_pack("{s:i,s:s,s:f,s:f,s:f,s:o,s:I,s:f,s:f,s:f,s:f,s:f}", "family", p->o.family,
                          "mode", mode(p), "offered-rate", rate, "seconds", secs, "warmup", p->o.warmup,
                          "phases", phases, "leases", (json_int_t)st->leases,
                          "leases-per-second", secs > 0 ? (double)st->leases / secs : 0.0,
                          "drop-percent", perf_drop_pct(st),
                          "cpu-seconds", cpu_s,
                          "cpu-us-per-lease", st->leases ? cpu_s * 1e6 / (double)st->leases : 0.0,
                          "cpu-percent", secs > 0 ? 100.0 * cpu_s / secs : 0.0);
    json_object_set_new(r, "exchange-latency-us", lat_json(&st->exch));
    json_object_set_new(r, "received",
                        json_pack("{s:I,s:I,s:I,s:I}", "total", (json_int_t)st->rx,
                                  "malformed", (json_int_t)st->rx_bad,
                                  "unmatched", (json_int_t)st->rx_unmatched,
                                  "unexpected", (json_int_t)st->rx_unexpected));
    json_object_set_new(r, "send-failures", json_integer((json_int_t)st->tx_fail));
    return r;
}
