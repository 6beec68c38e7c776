/* Memfile lease store: leases in memory, persisted to Kea-compatible CSV lease files.
 *
 * Contract:
 * - memfile_open() loads X.completed if it exists, else X.2 then X.1, then X (the last row for
 *   an address wins; valid_lifetime 0 deletes). Bad rows are skipped and reported (a row of
 *   LFILE_MAX_LINE = 16 MiB or more, read past without being held, and a row holding a NUL
 *   byte are bad rows; a header holding one is a bad header); more than
 *   max_row_errors bad rows in one file (when non-zero) fails the open. It refuses to open
 *   while X.pid names a live process (a running kea-lfc). With persist, X is then opened for
 *   appending (a header is written if X is new or empty).
 * - The store implements lease_store_ops_t (lease.h) for the family it was opened for
 *   (LEASE_V4: Kea's lease4 CSV, LEASE_V6: lease6); keys, leases, queries and families of the
 *   other answer NST_EINVAL.
 * - Writes: every add/update/del appends a CSV row; the in-memory change is visible as soon
 *   as the call returns 0. The commit callback is called exactly once for each call that
 *   returns 0, and never for a call that fails (NST_EEXIST, NST_ENOENT, NST_EINVAL).
 *     persist=false: nothing is written; the callback runs inline with err 0.
 *     durable=false: the row is written with write(2) before the call returns and the
 *       callback runs inline (a crash of the process loses nothing acknowledged; a power loss
 *       may, as with Kea).
 *     durable=true (Nestor extension): rows go to a writer thread that writes every queued
 *       row, fdatasync()s once, then runs the callbacks of the batch (group commit) on the
 *       writer thread.
 *   A row that cannot be written is reported, the in-memory change is undone (an add removed,
 *   an update restored to the lease it replaced, a del or wipe re-inserted), and then its
 *   callback gets err < 0: memory never holds what the file lacks. Non-durable, this happens
 *   before the call returns (wipe and delete_reclaimed then return the error). Durable, the
 *   writer undoes a failed batch under the index lock, in order; a change followed by a later
 *   one of the same address already applied (queued behind it) leaves memory as that one made
 *   it, and that one, should it fail too, restores the state before both.
 * - Thread-safety: every op may be called from any thread. Lookups share a read lock;
 *   changes take the write lock for a few microseconds (non-durable mode also does the
 *   write(2) under it so file order equals memory order). In durable mode no I/O happens under
 *   the index lock. No store lock is held while a callback runs, so a callback may call
 *   lookups or changes, but not flush() or close() (in durable mode it runs on the writer).
 * - Lease file cleanup (LFC): every lfc_interval seconds (from ops->tick) the store rotates
 *   X -> X.1 (unless X.completed or X.1 exists) and reopens X; a background thread merges
 *   X.2 + X.1 into X.output -> X.completed, then removes X.2 and X.1 and renames
 *   X.completed -> X.2, holding X.pid meanwhile: the same files and steps as kea-lfc.
 * - report(): log lines with Kea message ids (e.g. DHCPSRV_MEMFILE_LEASE_LOAD_ROW_ERROR),
 *   called from any store thread; it must be thread-safe and must not call into the store.
 * - close() flushes, waits for the writer and LFC threads and frees everything.
 * - Operation details: add/update refuse (NST_EINVAL) a lease that would not load back
 *   (the dialect's check_lease: csv4.h, csv6.h). del writes the stored lease with
 *   valid_lifetime 0 (v6: and preferred lifetime 0, as Kea). Collections return 0 and append
 *   to the list in address order (expired: oldest expiry first). client() (v4 only; v6
 *   clients are looked up with LEASE_BY_DUID_IAID) answers each lookup with the lease of the
 *   largest cltt in exactly q->subnet_id, under one read lock (also is ignored). A
 *   LEASE_BY_PAGE query refuses limit 0. delete_reclaimed removes reclaimed leases with
 *   expire < now - secs; it and wipe write a delete row per lease and report the count.
 *   LEASE_BY_HOSTNAME compares without case and scans (a control-command query). counts
 *   appends the (subnet, type) pairs with a non-zero count, ordered by subnet then type.
 * - v6 keys: as Kea, a lease6 address holds one lease whatever its type. add answers
 *   NST_EEXIST when the address is taken by any type; get, update and del of an address whose
 *   lease has another type answer NST_ENOENT. A loaded row replaces the address's lease
 *   whatever its type. LEASE_BY_CLIENT_ID lists every lease of a DUID; LEASE_BY_DUID_IAID
 *   those of one IA (DUID, IAID, type; subnet_id 0 = any); LEASE_BY_HWADDR compares the
 *   hardware address bytes.
 * - LFC writes the rows it keeps in address order (as kea-lfc), so its output equals
 *   kea-lfc's for the same input, both families.
 */
#ifndef NESTOR_LEASE_MEMFILE_H
#define NESTOR_LEASE_MEMFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lease/lease.h"

/* Severities passed to report(), with syslog's numbering. */
enum memfile_severity {
    MEMFILE_SEV_ERROR = 3,
    MEMFILE_SEV_WARN = 4,
    MEMFILE_SEV_INFO = 6,
    MEMFILE_SEV_DEBUG = 7,
};

typedef void (*memfile_report_fn)(void *arg, int severity, const char *msgid, const char *text);

typedef struct memfile_config {
    enum lease_family family;
    const char *path;          /* lease file X (copied) */
    bool persist;              /* Kea "persist", default true */
    uint32_t lfc_interval;     /* seconds; 0 = no periodic LFC */
    uint32_t max_row_errors;   /* per file; 0 = unlimited */
    bool durable;              /* group-committed fdatasync before callbacks */
    memfile_report_fn report;  /* optional */
    void *report_arg;
    /* Optional, at open: called for each lease row read from the files (not delete rows) before
     * it is stored; may change the lease's subnet-id; non-zero drops the row (Kea's sanity
     * checks on load). */
    int (*check)(void *arg, lease_t *l);
    void *check_arg;
} memfile_config_t;

/* Store counters (memfile_get_stats). */
typedef struct memfile_stats {
    uint64_t leases;            /* live leases in memory */
    uint64_t load_rows;         /* rows read at open (all files) */
    uint64_t load_errors;       /* rows skipped at open */
    uint64_t rows_written;      /* rows appended since open */
    uint64_t write_errors;      /* rows that could not be written */
    uint64_t fsyncs;            /* fdatasync calls by the durable writer */
    uint64_t lfc_runs;          /* completed cleanups */
    uint64_t lfc_failures;
} memfile_stats_t;

/* Opens the store (see the contract). On failure returns < 0 and writes a message to err;
 * *out is set only on success. */
int memfile_open(const memfile_config_t *cfg, lease_store_t **out, char *err, size_t errlen);

/* True if s is a memfile store (the functions below require one). */
bool memfile_is(const lease_store_t *s);

void memfile_get_stats(lease_store_t *s, memfile_stats_t *out);

/* Runs a lease file cleanup now in the calling thread (rotation, merge, file rotation) and
 * waits for it. Returns 0, NST_EBUSY if a cleanup is already running or X.pid names another
 * live process, NST_EINVAL without persist, or the I/O / parse error. */
int memfile_lfc_run_now(lease_store_t *s);

/* True while a background cleanup started by tick() is running. */
bool memfile_lfc_running(lease_store_t *s);

#endif
