/* Memfile store internals shared by memfile*.c (not a public header).
 *
 * Locking order: lfc_mu -> lock (index rwlock) -> io_mu -> q_mu.
 * - lfc_mu: cleanup scheduling state (the rotation runs with it held).
 * - lock: the indexes. Readers share it; changes, file rotation and non-durable writes hold
 *   it exclusively.
 * - io_mu: fd and fsize (the durable writer holds it while writing and syncing a batch).
 * - q_mu: the durable queue and its sequence numbers.
 * A durable batch that fails is undone by the writer under lock (then q_mu, to pass the state
 * before it on to later changes of the same addresses still queued), before its callbacks.
 */
#ifndef NESTOR_LEASE_MEMFILE_INT_H
#define NESTOR_LEASE_MEMFILE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "lease/csv.h"
#include "lease/lease.h"
#include "lease/memfile.h"
#include "lease/memfile_index.h"

/* The CSV dialect of one family, so loading, writing and cleanup are written once. */
typedef struct memfile_csv {
    enum lease_family family;
    const char *header;          /* current header, without newline */
    const csv_dialect_t *dialect; /* header check, schema age and version (csv.h) */
    /* Row parse (in place, borrowed fields); 0 with a non-empty err is a warning. */
    int (*parse_row)(const csv_schema_t *schema, char *line, unsigned lineno, lease_t *out,
                     bool *is_delete, char *err, size_t errlen);
    int (*format_row)(const lease_t *l, char *buf, size_t cap);
    size_t (*row_max_len)(const lease_t *l);
    /* Can l be written (and read back)? 0 or NST_EINVAL with err. */
    int (*check_lease)(const lease_t *l, char *err, size_t errlen);
} memfile_csv_t;

extern const memfile_csv_t memfile_csv4; /* lease4, schema 2.1 */
extern const memfile_csv_t memfile_csv6; /* lease6, schema 4.0 */

#define MEMFILE_SCHEMA_MAX 64 /* bytes of schema state (a csv_schema_t) a file read uses */

typedef struct memfile_pending {
    lease_commit_cb cb;
    void *arg;
} memfile_pending_t;

/* An in-memory change whose row is not yet written: what its address held before it, so that
 * a failed write can be undone. Queued with the rows in durable mode, in change order. */
typedef struct memfile_undo {
    memfile_key_t key;
    bool had;       /* a lease was there (before is an owned copy of it) */
    lease_t before;
} memfile_undo_t;

/* The durable queue: rows, the callbacks of their operations and their changes, in order. */
typedef struct memfile_queue {
    char *buf;
    size_t len, cap;
    size_t rows;
    memfile_pending_t *pend;
    size_t npend, cappend;
    memfile_undo_t *undo;
    size_t nundo, capundo;
} memfile_queue_t;

typedef struct memfile_store {
    lease_store_t base; /* first: a lease_store_t * is a memfile_store_t * */
    memfile_config_t cfg;
    char *path;
    const memfile_csv_t *csv;

    pthread_rwlock_t lock;
    memfile_idx_t idx;  /* of the family the store was opened for */

    pthread_mutex_t io_mu;
    int fd;             /* X opened for append; -1 when not persisting or after a failure */
    uint64_t fsize;     /* bytes known to be whole rows, for truncating a failed write */
    int io_err;         /* first write/sync error since the last flush() */

    /* durable writer */
    pthread_t writer;
    bool writer_started;
    pthread_mutex_t q_mu;
    pthread_cond_t q_cv, q_done_cv;
    memfile_queue_t q;
    uint64_t q_enq, q_taken, q_done; /* commits queued / taken by the writer / durable */
    bool q_stop;

    /* lease file cleanup */
    pthread_mutex_t lfc_mu;
    pthread_t lfc_thread;
    bool lfc_running;     /* a cleanup (thread or run_now) is in progress */
    bool lfc_joinable;    /* lfc_thread must be joined */
    atomic_bool lfc_done; /* the thread has finished */
    int64_t lfc_next_ms;  /* tick time of the next cleanup; < 0 until the first tick */
    bool lfc_pending_conversion;

    atomic_uint_fast64_t st_load_rows, st_load_errors, st_rows_written, st_write_errors,
        st_fsyncs, st_lfc_runs, st_lfc_failures;
} memfile_store_t;

static inline memfile_store_t *memfile_of(lease_store_t *s)
{
    return (memfile_store_t *)s;
}

/* report() with printf formatting; no-op without a callback. */
NST_PRINTF(4, 5)
void memfile_report(const memfile_store_t *m, int sev, const char *msgid, const char *fmt, ...);

/* "X" + suffix, malloc'd. */
char *memfile_suffixed(const char *path, const char *suffix);

/* ---- memfile_load.c ---- */
/* Loads X.completed or X.2 + X.1, then X, into m->idx. 0 or < 0 with err. */
int memfile_load_all(memfile_store_t *m, bool *needs_conversion, char *err, size_t errlen);
/* Reads one lease file, calling row() for each good row. Bad rows are counted in *errors
 * and, if report_rows, reported; more than max_errors (non-zero) bad rows fails.
 * A missing file is not an error (*missing = true). Fills *schema from the header. */
typedef void (*memfile_row_fn)(void *ctx, const lease_t *l, bool is_delete, uint64_t offset);
int memfile_read_file(const memfile_store_t *m, const char *path, void *schema,
                      memfile_row_fn row, void *ctx, uint32_t max_errors,
                      bool report_rows, uint64_t *rows, uint64_t *errors, bool *missing,
                      char *err, size_t errlen);
/* Checks X.pid: NST_EBUSY (with err) if it names a live process other than us. */
int memfile_check_pid(const char *pidpath, char *err, size_t errlen);

/* ---- memfile_write.c ---- */
/* Rows of one operation, written or queued together, and the changes they record. */
typedef struct memfile_txn {
    char *buf;
    size_t len, cap;
    size_t rows;
    memfile_undo_t *undo;
    size_t nundo, capundo;
    memfile_undo_t undo_local[1];
    char local[1024];
} memfile_txn_t;

void memfile_txn_init(memfile_txn_t *t);
void memfile_txn_free(memfile_txn_t *t);
/* Formats l as a row (a delete when is_delete) into t. */
void memfile_txn_add(memfile_store_t *m, memfile_txn_t *t, const lease_t *l, bool is_delete);
/* With the index write lock held, before the index changes key (whose record is id, or
 * MEMFILE_NONE): records what key holds, to undo the change if its row cannot be written. */
void memfile_txn_undo(memfile_store_t *m, memfile_txn_t *t, const memfile_key_t *key,
                      uint32_t id);
/* With the index write lock held: non-durable writes t now and returns the error, having undone
 * t's changes if it failed (cb is NOT called: the caller calls it after unlocking); durable
 * queues t with cb and its changes and sets *deferred. Without persist, returns 0. */
int memfile_txn_commit(memfile_store_t *m, memfile_txn_t *t, lease_commit_cb cb, void *arg,
                       bool *deferred);
/* Opens X for append into m->fd, writing the header if it is new or empty (and ending a
 * torn last line). The caller holds io_mu, or is alone (open). 0 or -errno (err filled). */
int memfile_file_open(memfile_store_t *m, char *err, size_t errlen);
int memfile_writer_start(memfile_store_t *m);
/* Waits until everything committed so far is written and synced; returns m->io_err. */
int memfile_flush(memfile_store_t *m);
/* Drains and stops the durable writer. */
void memfile_writer_stop(memfile_store_t *m);
void memfile_queue_free(memfile_queue_t *q);

/* ---- memfile_lfc.c ---- */
void memfile_lfc_tick(memfile_store_t *m, int64_t now_ms);
/* Waits for a running background cleanup (close). */
void memfile_lfc_join(memfile_store_t *m);

#endif
