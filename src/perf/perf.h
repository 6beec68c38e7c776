/* nestor-perf: an open-loop DHCPv4/DHCPv6 load generator.
 *
 * Contract:
 * - One process drives one server. New exchanges (DORA or SOLICIT/ADVERTISE/REQUEST/REPLY),
 *   renewals, releases, declines and informs each have a rate and are started on schedule
 *   whatever the answers do (open loop); only the second half of an exchange (REQUEST after
 *   OFFER/ADVERTISE) waits for its answer, as a client does.
 * - Nothing is allocated per packet: the exchange table, the client table, the send and receive
 *   batches and the latency histograms are sized once at start (perf_run).
 * - An answer finds its exchange in O(1): the transaction id is the exchange's sequence number
 *   and its low bits index the table (perf_xtab_*). An answer whose id does not match the slot
 *   (late, foreign, forged) is counted as unmatched and changes nothing.
 * - The engine (perf_run.c, perf_xtab.c, perf_hist.c, perf_io.c, perf_report.c) is family
 *   neutral; perf_v4.c and perf_v6.c build requests and read answers through perf_fam_t.
 * - Times: schedule on CLOCK_MONOTONIC; latency from the send time (CLOCK_REALTIME read just
 *   before the batch is handed to the kernel) to the kernel's receive timestamp (SO_TIMESTAMPNS,
 *   CLOCK_REALTIME), in nanoseconds.
 * - Threads: the sender thread owns scheduling, the exchange table's timeouts and sending; with
 *   --threads 2 a receiver thread reads and matches answers and sends the second halves. A slot's
 *   state changes only by compare-and-swap, so an answer and a timeout never both count.
 */
#ifndef NESTOR_PERF_H
#define NESTOR_PERF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "perf/perf_hist.h"

/* What a statistics line counts. The first two are the halves of a new exchange. */
enum perf_phase {
    PH_FIRST,     /* DISCOVER-OFFER, SOLICIT-ADVERTISE (or SOLICIT-REPLY with rapid commit) */
    PH_SECOND,    /* REQUEST-ACK, REQUEST-REPLY */
    PH_RENEW,     /* REQUEST(renewing)-ACK, RENEW-REPLY */
    PH_INFORM,    /* INFORM-ACK (v4) */
    PH_RELEASE,   /* RELEASE: sent only */
    PH_DECLINE,   /* DECLINE: sent only (v4) */
    PH__N,
};

/* What a scheduled stream starts. */
enum perf_kind { PK_NEW, PK_RENEW, PK_RELEASE, PK_DECLINE, PK_INFORM, PK__N };

enum perf_lease_type { PLT_NA = 1, PLT_PD = 2, PLT_BOTH = 3 };

typedef struct perf_opts {
    int family;                   /* 4 or 6 */
    const char *iface;            /* -l */
    const char *server;           /* positional: server address (relayed, or unicast v6) */
    const char *relay;            /* --relay ADDR: act as a relay agent with this address */
    double rate[PK__N];           /* -r, -f, -F, --decline-rate, --inform-rate (per second) */
    uint32_t clients;             /* -R: population size */
    uint32_t first_client;        /* index of the first client (max-rate trials move it) */
    uint64_t count;               /* -n: new exchanges to start (0: unlimited) */
    double period;                /* -p seconds of sending (after warm-up) */
    double warmup;                /* --warmup seconds, excluded from the figures */
    double drop_time;             /* -d seconds after which an answer is lost */
    double max_drop;              /* -D percent, for --max-rate and the exit status */
    bool max_rate;                /* --max-rate: search the highest rate with < max_drop drops */
    double search_low, search_high; /* --max-rate bounds */
    bool json;                    /* --json */
    bool quiet;
    bool broadcast;               /* -B: v4 broadcast flag */
    bool client_id;               /* --client-id: v4 option 61 */
    bool rapid_commit;            /* -c: v6 rapid commit */
    int lease_type;               /* -e: v6 IA_NA, IA_PD or both */
    uint8_t base_mac[6];          /* -b mac= */
    uint8_t base_duid[64];        /* -b duid= (v6); the client index fills its last 4 bytes */
    size_t base_duid_len;
    int threads;                  /* 1 or 2 */
    unsigned tick_us;             /* longest sleep between scheduling rounds */
    unsigned table_bits;          /* exchange table size 2^bits */
} perf_opts_t;

/* Adds a client's index to the last four bytes of an identifier (MAC or DUID), big-endian with
 * carry, so that client i's identifier is the first one plus i. */
static inline void perf_add_index(uint8_t *id_end, uint32_t index)
{
    uint32_t carry = 0;
    for (int i = 1; i <= 4; i++) {
        uint32_t v = id_end[-i] + (index & 0xff) + carry;
        id_end[-i] = (uint8_t)v;
        carry = v >> 8;
        index >>= 8;
    }
}

/* ---- exchange table --------------------------------------------------------------------- */

/* A slot's state: SLOT_FREE, or SLOT_WAIT + the phase whose answer it waits for. It changes
 * only by compare-and-swap, so an answer and a timeout never both count one request. */
#define SLOT_FREE 0u
#define SLOT_WAIT 1u

typedef struct perf_slot {
    _Atomic uint32_t state;
    uint32_t xid;                 /* full transaction id of the request in flight */
    uint32_t client;              /* client index */
    bool measured;                /* started after warm-up: its outcome counts */
    int64_t t_sent;               /* CLOCK_REALTIME ns of this phase's request */
    int64_t t_start;              /* CLOCK_REALTIME ns the exchange began (DISCOVER/SOLICIT) */
} perf_slot_t;

typedef struct perf_xtab {
    perf_slot_t *slot;
    uint32_t mask;                /* size - 1 */
    uint32_t xid_mask;            /* 0xffffffff (v4) or 0xffffff (v6) */
    _Atomic uint64_t next;        /* next sequence number (a receiver thread may start v6 REQUESTs) */
    uint64_t tail;                /* oldest sequence number not yet known done */
} perf_xtab_t;

int perf_xtab_init(perf_xtab_t *t, unsigned bits, uint32_t xid_mask);
void perf_xtab_free(perf_xtab_t *t);

/* ---- statistics --------------------------------------------------------------------------- */

typedef struct perf_phase_stats {
    uint64_t sent, done, lost, rejected; /* rejected: NAK or an error status */
    perf_hist_t lat;
} perf_phase_stats_t;

typedef struct perf_stats {
    perf_phase_stats_t ph[PH__N];
    perf_hist_t exch;             /* whole new exchange: first request to last answer */
    uint64_t rx, rx_bad, rx_unmatched, rx_unexpected, tx_fail;
    uint64_t leases;              /* completed exchanges that gave or renewed a lease */
} perf_stats_t;

/* ---- the run ------------------------------------------------------------------------------ */

typedef struct perf perf_t;

/* Where a request goes: a socket address, plus the link-layer address for v4 raw frames. */
typedef struct perf_dst {
    struct sockaddr_storage sa;
    socklen_t salen;
    uint8_t mac[6];               /* raw v4 only */
    uint8_t src_mac[6];           /* raw v4 only: the client's */
    uint32_t src_ip;              /* raw v4 only: IP source (host order, 0 before a lease) */
} perf_dst_t;

typedef struct perf_fam {
    int family;
    uint32_t xid_mask;
    size_t client_size;           /* bytes of per-client state (p->clients, zeroed per trial) */
    const char *phase_name[PH__N];
    int (*setup)(perf_t *p, char *err, size_t errlen);
    /* Starts one exchange of `kind` for `client`: builds and queues its first request. Returns
     * false when the client cannot do it now (e.g. no lease to renew). */
    bool (*start)(perf_t *p, int kind, uint32_t client);
    /* Reads one received DHCP message (payload only) with its kernel timestamp. */
    void (*rx)(perf_t *p, const uint8_t *msg, size_t len, int64_t ts);
} perf_fam_t;

extern const perf_fam_t perf_fam4, perf_fam6;

/* A FIFO of clients that hold a lease: renewals, releases, declines and informs take from it. */
typedef struct perf_ring {
    uint32_t *v;
    uint32_t cap;                 /* power of two */
    _Atomic uint64_t head, tail;  /* single producer (receiver), single consumer (sender) */
} perf_ring_t;

bool perf_ring_push(perf_ring_t *r, uint32_t v);
bool perf_ring_pop(perf_ring_t *r, uint32_t *v);

/* Per-thread sending side: a batch of messages handed to sendmmsg() at once. */
typedef struct perf_txq perf_txq_t;

struct perf {
    perf_opts_t o;
    const perf_fam_t *fam;
    int fd;                       /* the socket everything goes through */
    bool raw;                     /* AF_PACKET v4 (direct mode) */
    int ifindex;
    uint8_t if_mac[6];
    uint8_t server_mac[6];        /* raw v4: learned from the first answer */
    bool have_server_mac;
    perf_dst_t to_server;         /* first requests (broadcast, multicast or the server) */
    perf_xtab_t xt;
    perf_ring_t leased;
    void *clients;                /* family's per-client state, o.clients entries */
    void *fam_state;              /* family's run state (server id learned, …) */
    perf_stats_t st;              /* measured; the sender's (single thread: all) */
    perf_stats_t st_rx;           /* receiver thread's (merged at the end) */
    perf_stats_t warm;            /* exchanges started during warm-up (not reported) */
    perf_txq_t *txq;              /* sender thread's */
    perf_txq_t *txq_rx;           /* receiver thread's (second halves) */
    void *rxq;                    /* receive batch (one reading thread at a time) */
    _Atomic bool stop_rx;
    int64_t t_measure;            /* CLOCK_REALTIME ns when measuring starts (after warm-up) */
};

/* The stats a slot's outcome goes to, for the calling thread (sender or receiver). */
perf_stats_t *perf_stats_for(perf_t *p, const perf_slot_t *s, bool rx_thread);
extern _Thread_local bool perf_in_rx_thread;

/* Exchange bookkeeping for the families. */
perf_slot_t *perf_begin(perf_t *p, uint32_t client, int phase, int64_t t_start, uint32_t *xid);
perf_slot_t *perf_match(perf_t *p, uint32_t xid);
/* The phase slot s waits for, or -1 when it is free. */
int perf_slot_phase(const perf_slot_t *s);
/* An answer for slot s, waiting for `phase`, arrived at ts: counts it (done, or rejected) with
 * its latency and ends the wait, or, with next >= 0, makes the slot wait for phase `next` of the
 * same exchange under the same transaction id (counted as sent now). False when the wait had
 * already ended (timed out): nothing is counted. */
bool perf_answer(perf_t *p, perf_slot_t *s, int phase, int64_t ts, bool rejected, int next);
void perf_count_sent(perf_t *p, int phase);

/* What an answer's slot says, read before perf_answer() may let the slot go. */
typedef struct perf_seen {
    uint32_t client;
    int phase;                    /* -1: the slot is free (a late copy) */
    int64_t t_start;
    bool measured;
} perf_seen_t;

static inline perf_seen_t perf_seen(const perf_slot_t *s)
{
    return (perf_seen_t){s->client, perf_slot_phase(s), s->t_start, s->measured};
}

/* The client of v holds a lease again (an exchange or a renewal completed at ts): counts the lease
 * when measured, the whole exchange's latency when `whole`, and offers the client to the streams
 * that need a lease (renew, release, …). */
void perf_lease_done(perf_t *p, const perf_seen_t *v, int64_t ts, bool whole);
/* Expires requests older than drop_ns at `now` (CLOCK_REALTIME), oldest first; returns the
 * number of sequence numbers still in flight. Sender thread only. */
uint64_t perf_expire(perf_t *p, int64_t now, int64_t drop_ns);

/* Sending: a buffer for the next message (payload; `cap` bytes), then the message's length and
 * destination. perf_tx_flush() sends the batch (the io layer also flushes when it is full). */
uint8_t *perf_tx_buf(perf_t *p, size_t *cap);
void perf_tx_commit(perf_t *p, size_t len, const perf_dst_t *dst);
void perf_tx_flush(perf_t *p);
/* The CLOCK_REALTIME time the current batch will carry as its send time. */
int64_t perf_tx_time(perf_t *p);

/* io (perf_io.c) */
int perf_io_open(perf_t *p, char *err, size_t errlen);
void perf_io_close(perf_t *p);
perf_txq_t *perf_txq_new(void);
void perf_txq_free(perf_txq_t *q);
/* Reads what is waiting (up to one batch), calling the family for each message; returns the
 * number read, 0 when nothing is waiting, or -1 on a socket error. */
int perf_io_rx(perf_t *p, perf_stats_t *st);

/* time */
int64_t perf_now_mono(void);
int64_t perf_now_real(void);

/* run and report (perf_run.c, perf_report.c) */
int perf_run(perf_t *p, double rate_new, perf_stats_t *out, double *elapsed, double *cpu_s);
void perf_report_text(const perf_t *p, const perf_stats_t *st, double rate, double secs, double cpu_s);
void *perf_report_json(const perf_t *p, const perf_stats_t *st, double rate, double secs, double cpu_s);
void perf_stats_merge(perf_stats_t *into, const perf_stats_t *from);
/* Percentage of measured new exchanges that did not complete. */
double perf_drop_pct(const perf_stats_t *st);

/* options (perf_opts.c): 0 ok, 1 usage error (message printed), 2 --help/--version printed */
int perf_opts_parse(perf_opts_t *o, int argc, char **argv);

#endif
