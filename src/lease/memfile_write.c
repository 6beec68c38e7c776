/* Memfile writes: rows of an operation (txn), the non-durable inline write, and the durable
 * group-commit writer thread. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errcode.h"
#include "lease/lfile.h"
#include "lease/memfile_int.h"

void memfile_txn_init(memfile_txn_t *t)
{
    t->buf = t->local;
    t->cap = sizeof(t->local);
    t->len = 0;
    t->rows = 0;
    t->undo = t->undo_local;
    t->capundo = ARRAY_SIZE(t->undo_local);
    t->nundo = 0;
}

static void undo_free(memfile_undo_t *u, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (u[i].had)
            lease_free(&u[i].before);
}

void memfile_txn_free(memfile_txn_t *t)
{
    if (t->buf != t->local)
        free(t->buf);
    undo_free(t->undo, t->nundo);
    if (t->undo != t->undo_local)
        free(t->undo);
    memfile_txn_init(t);
}

void memfile_txn_undo(memfile_store_t *m, memfile_txn_t *t, const memfile_key_t *key,
                      uint32_t id)
{
    if (!m->cfg.persist)
        return; /* nothing is written, nothing can fail */
    if (t->nundo == t->capundo) {
        memfile_undo_t *u = xmalloc(2 * t->capundo * sizeof(*u));
        memcpy(u, t->undo, t->nundo * sizeof(*u));
        if (t->undo != t->undo_local)
            free(t->undo);
        t->undo = u;
        t->capundo *= 2;
    }
    memfile_undo_t *u = &t->undo[t->nundo++];
    u->key = *key;
    u->had = id != MEMFILE_NONE;
    if (u->had)
        memfile_idx_copy(&m->idx, id, &u->before);
}

/* With the index write lock held: puts back what u's address held before its change. */
static void undo_apply(memfile_store_t *m, const memfile_undo_t *u)
{
    if (u->had) {
        memfile_idx_upsert(&m->idx, &u->before);
        return;
    }
    uint32_t id = memfile_idx_find(&m->idx, &u->key);
    if (id != MEMFILE_NONE)
        memfile_idx_remove(&m->idx, id);
}

/* The durable writer, after a batch failed: undoes its changes u[0..n) in order, under the index
 * lock. A change followed by a later one of the same address (in the batch or still queued)
 * leaves memory as that later change made it (its row is still to be written) and hands it its
 * own "before", which that change restores should it fail too. The next change of each address
 * is found through a map built backwards over the queue then the batch (O(k log k), k changes:
 * a failed wipe of many leases must not hold the lock for long). */
static void undo_batch(memfile_store_t *m, memfile_undo_t *u, size_t n)
{
    memfile_ord_t first; /* address -> position of its first change after the one at hand */
    uint32_t *next = xmalloc((n ? n : 1) * sizeof(*next));
    memfile_ord_init(&first, m->idx.fam->kw);
    pthread_rwlock_wrlock(&m->lock);
    pthread_mutex_lock(&m->q_mu);
    const memfile_queue_t *q = &m->q;
    for (size_t k = n + q->nundo; k-- > 0;) {
        const uint32_t *key = k < n ? u[k].key.w : q->undo[k - n].key.w;
        uint32_t later = memfile_ord_get(&first, key);
        if (later != MEMFILE_NONE)
            memfile_ord_remove(&first, key);
        memfile_ord_insert(&first, key, (uint32_t)k);
        if (k < n)
            next[k] = later;
    }
    for (size_t i = 0; i < n; i++) {
        if (next[i] == MEMFILE_NONE) {
            undo_apply(m, &u[i]);
            continue;
        }
        memfile_undo_t *later = next[i] < n ? &u[next[i]] : &q->undo[next[i] - n];
        if (later->had)
            lease_free(&later->before);
        later->had = u[i].had;
        later->before = u[i].before;
        u[i].had = false; /* moved */
    }
    pthread_mutex_unlock(&m->q_mu);
    pthread_rwlock_unlock(&m->lock);
    memfile_ord_free(&first);
    free(next);
}

static void txn_reserve(memfile_txn_t *t, size_t n)
{
    if (t->cap - t->len >= n)
        return;
    size_t ncap = t->cap * 2 > t->len + n ? t->cap * 2 : t->len + n;
    if (t->buf == t->local) {
        t->buf = xmalloc(ncap);
        memcpy(t->buf, t->local, t->len);
    } else {
        t->buf = xrealloc(t->buf, ncap);
    }
    t->cap = ncap;
}

void memfile_txn_add(memfile_store_t *m, memfile_txn_t *t, const lease_t *l, bool is_delete)
{
    if (!m->cfg.persist)
        return;
    lease_t row = *l; /* shallow: only read by the formatter */
    if (is_delete)
        row.valid_lft = row.pref_lft = 0; /* v6 writes both 0, as Kea */
    txn_reserve(t, m->csv->row_max_len(&row));
    int n = m->csv->format_row(&row, t->buf + t->len, t->cap - t->len);
    if (n < 0) { /* cannot happen: row_max_len bounds the output */
        memfile_report(m, MEMFILE_SEV_ERROR, "MEMFILE_FORMAT_FAILED",
                       "cannot format a lease row: %s", nst_strerror(n));
        return;
    }
    t->len += (size_t)n;
    t->rows++;
}

/* Appends buf to X. Caller holds io_mu. On failure the file is cut back to its last whole
 * row so the next row does not glue onto a torn one. */
static int write_locked(memfile_store_t *m, const char *buf, size_t len)
{
    int rc = m->fd < 0 ? NST_EIO : lfile_write_all(m->fd, buf, len);
    if (rc == 0) {
        m->fsize += len;
        return 0;
    }
    if (m->fd >= 0 && ftruncate(m->fd, (off_t)m->fsize) < 0) {
        /* Nothing more to do: the torn row will be skipped as a bad row at load. */
    }
    if (!m->io_err)
        m->io_err = rc;
    return rc;
}

static void report_write_error(memfile_store_t *m, int rc, size_t rows)
{
    atomic_fetch_add(&m->st_write_errors, rows);
    memfile_report(m, MEMFILE_SEV_ERROR, "MEMFILE_WRITE_FAILED",
                   "failed to write %zu lease row(s) to %s: %s", rows, m->path,
                   nst_strerror(rc));
}

/* a, with room for need elements of sz bytes (*cap updated). */
static void *grow(void *a, size_t *cap, size_t need, size_t sz)
{
    if (*cap >= need)
        return a;
    *cap = *cap * 2 > need ? *cap * 2 : need;
    return xrealloc(a, *cap * sz);
}

void memfile_queue_free(memfile_queue_t *q)
{
    undo_free(q->undo, q->nundo);
    free(q->buf);
    free(q->pend);
    free(q->undo);
    memset(q, 0, sizeof(*q));
}

int memfile_txn_commit(memfile_store_t *m, memfile_txn_t *t, lease_commit_cb cb, void *arg,
                       bool *deferred)
{
    *deferred = false;
    if (!m->cfg.persist)
        return 0;
    if (m->cfg.durable) {
        memfile_queue_t *q = &m->q;
        pthread_mutex_lock(&m->q_mu);
        q->buf = grow(q->buf, &q->cap, q->len + t->len, 1);
        if (t->len)
            memcpy(q->buf + q->len, t->buf, t->len);
        q->len += t->len;
        q->rows += t->rows;
        q->undo = grow(q->undo, &q->capundo, q->nundo + t->nundo, sizeof(*q->undo));
        if (t->nundo)
            memcpy(q->undo + q->nundo, t->undo, t->nundo * sizeof(*t->undo));
        q->nundo += t->nundo;
        t->nundo = 0; /* the queue owns them now */
        if (cb) {
            q->pend = grow(q->pend, &q->cappend, q->npend + 1, sizeof(*q->pend));
            q->pend[q->npend++] = (memfile_pending_t){cb, arg};
            *deferred = true;
        }
        m->q_enq++;
        pthread_cond_signal(&m->q_cv);
        pthread_mutex_unlock(&m->q_mu);
        return 0;
    }
    if (t->len == 0)
        return 0;
    pthread_mutex_lock(&m->io_mu);
    int rc = write_locked(m, t->buf, t->len);
    pthread_mutex_unlock(&m->io_mu);
    if (rc == 0) {
        atomic_fetch_add(&m->st_rows_written, t->rows);
    } else {
        report_write_error(m, rc, t->rows);
        for (size_t i = t->nundo; i-- > 0;)
            undo_apply(m, &t->undo[i]);
    }
    return rc;
}

static void *writer_main(void *arg)
{
    memfile_store_t *m = arg;
    memfile_queue_t spare = {0}; /* the other queue: empty, its buffers kept */

    pthread_mutex_lock(&m->q_mu);
    for (;;) {
        if (m->q_taken == m->q_enq) {
            if (m->q_stop)
                break;
            pthread_cond_wait(&m->q_cv, &m->q_mu);
            continue;
        }
        /* Take everything queued: swap queues so producers keep appending meanwhile. */
        memfile_queue_t b = m->q;
        m->q = spare;
        uint64_t batch_end = m->q_enq;
        m->q_taken = batch_end;
        pthread_mutex_unlock(&m->q_mu);

        int rc = 0;
        if (b.len > 0) {
            pthread_mutex_lock(&m->io_mu);
            rc = write_locked(m, b.buf, b.len);
            if (rc == 0) {
                if (fdatasync(m->fd) < 0) {
                    rc = -errno;
                    if (!m->io_err)
                        m->io_err = rc;
                }
                atomic_fetch_add(&m->st_fsyncs, 1);
            }
            pthread_mutex_unlock(&m->io_mu);
            if (rc == 0)
                atomic_fetch_add(&m->st_rows_written, b.rows);
            else
                report_write_error(m, rc, b.rows);
        }
        if (rc < 0)
            undo_batch(m, b.undo, b.nundo);
        undo_free(b.undo, b.nundo);
        for (size_t i = 0; i < b.npend; i++)
            b.pend[i].cb(b.pend[i].arg, rc);
        spare = b;
        spare.len = spare.rows = spare.npend = spare.nundo = 0;

        pthread_mutex_lock(&m->q_mu);
        m->q_done = batch_end;
        pthread_cond_broadcast(&m->q_done_cv);
    }
    pthread_mutex_unlock(&m->q_mu);
    memfile_queue_free(&spare);
    return NULL;
}

int memfile_writer_start(memfile_store_t *m)
{
    int rc = pthread_create(&m->writer, NULL, writer_main, m);
    if (rc != 0)
        return -rc;
    m->writer_started = true;
    return 0;
}

void memfile_writer_stop(memfile_store_t *m)
{
    if (!m->writer_started)
        return;
    pthread_mutex_lock(&m->q_mu);
    m->q_stop = true;
    pthread_cond_signal(&m->q_cv);
    pthread_mutex_unlock(&m->q_mu);
    pthread_join(m->writer, NULL);
    m->writer_started = false;
}

int memfile_flush(memfile_store_t *m)
{
    if (!m->cfg.persist)
        return 0;
    if (m->cfg.durable && m->writer_started) {
        pthread_mutex_lock(&m->q_mu);
        uint64_t target = m->q_enq;
        while (m->q_done < target)
            pthread_cond_wait(&m->q_done_cv, &m->q_mu);
        pthread_mutex_unlock(&m->q_mu);
    }
    pthread_mutex_lock(&m->io_mu);
    if (!m->cfg.durable && m->fd >= 0 && fdatasync(m->fd) < 0 && !m->io_err)
        m->io_err = -errno;
    int rc = m->io_err;
    m->io_err = 0;
    pthread_mutex_unlock(&m->io_mu);
    return rc;
}

int memfile_file_open(memfile_store_t *m, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(m->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || fstat(fd, &st) < 0) {
        int rc = -errno;
        snprintf(err, errlen, "cannot open lease file %s: %s", m->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return rc;
    }
    int rc = 0;
    uint64_t size = (uint64_t)st.st_size;
    char last = '\n';
    if (size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
        last = '\n';
    if (size == 0) {
        char hdr[1024];
        int n = snprintf(hdr, sizeof hdr, "%s\n", m->csv->header);
        rc = lfile_write_all(fd, hdr, (size_t)n);
        size = (uint64_t)n;
        if (rc == 0 && m->cfg.durable && (fsync(fd) < 0 || lfile_sync_dir(m->path) < 0))
            rc = -errno;
    } else if (last != '\n') {
        /* A torn last row (crash or full disk): end it, so it stays one bad row. */
        rc = lfile_write_all(fd, "\n", 1);
        size++;
    }
    if (rc < 0) {
        snprintf(err, errlen, "cannot write lease file %s: %s", m->path, strerror(-rc));
        close(fd);
        return rc;
    }
    m->fd = fd;
    m->fsize = size;
    return 0;
}
