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
}

void memfile_txn_free(memfile_txn_t *t)
{
    if (t->buf != t->local)
        free(t->buf);
    memfile_txn_init(t);
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

int memfile_txn_commit(memfile_store_t *m, memfile_txn_t *t, lease_commit_cb cb, void *arg,
                       bool *deferred)
{
    *deferred = false;
    if (!m->cfg.persist)
        return 0;
    if (m->cfg.durable) {
        pthread_mutex_lock(&m->q_mu);
        if (m->qcap - m->qlen < t->len) {
            size_t ncap = m->qcap * 2 > m->qlen + t->len ? m->qcap * 2 : m->qlen + t->len;
            m->qbuf = xrealloc(m->qbuf, ncap);
            m->qcap = ncap;
        }
        if (t->len)
            memcpy(m->qbuf + m->qlen, t->buf, t->len);
        m->qlen += t->len;
        m->qrows += t->rows;
        if (cb) {
            if (m->qnpend == m->qcappend) {
                m->qcappend = m->qcappend ? m->qcappend * 2 : 256;
                m->qpend = xrealloc(m->qpend, m->qcappend * sizeof(*m->qpend));
            }
            m->qpend[m->qnpend++] = (memfile_pending_t){cb, arg};
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
    if (rc == 0)
        atomic_fetch_add(&m->st_rows_written, t->rows);
    else
        report_write_error(m, rc, t->rows);
    return rc;
}

static void *writer_main(void *arg)
{
    memfile_store_t *m = arg;
    char *buf = NULL;
    size_t cap = 0;
    memfile_pending_t *pend = NULL;
    size_t pcap = 0;

    pthread_mutex_lock(&m->q_mu);
    for (;;) {
        if (m->q_taken == m->q_enq) {
            if (m->q_stop)
                break;
            pthread_cond_wait(&m->q_cv, &m->q_mu);
            continue;
        }
        /* Take everything queued: swap buffers so producers keep appending meanwhile. */
        char *tb = m->qbuf;
        size_t tcap = m->qcap, len = m->qlen, rows = m->qrows;
        m->qbuf = buf;
        m->qcap = cap;
        m->qlen = 0;
        m->qrows = 0;
        buf = tb;
        cap = tcap;
        memfile_pending_t *tp = m->qpend;
        size_t tpcap = m->qcappend, npend = m->qnpend;
        m->qpend = pend;
        m->qcappend = pcap;
        m->qnpend = 0;
        pend = tp;
        pcap = tpcap;
        uint64_t batch_end = m->q_enq;
        m->q_taken = batch_end;
        pthread_mutex_unlock(&m->q_mu);

        int rc = 0;
        if (len > 0) {
            pthread_mutex_lock(&m->io_mu);
            rc = write_locked(m, buf, len);
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
                atomic_fetch_add(&m->st_rows_written, rows);
            else
                report_write_error(m, rc, rows);
        }
        for (size_t i = 0; i < npend; i++)
            pend[i].cb(pend[i].arg, rc);

        pthread_mutex_lock(&m->q_mu);
        m->q_done = batch_end;
        pthread_cond_broadcast(&m->q_done_cv);
    }
    pthread_mutex_unlock(&m->q_mu);
    free(buf);
    free(pend);
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
