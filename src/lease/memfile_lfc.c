/* Lease file cleanup (LFC), in-process, with kea-lfc's files and steps:
 *   rotate (under the index lock): X -> X.1, fresh X with a header (skipped while X.completed
 *     or X.1 exists: a previous cleanup is unfinished, and this one finishes it);
 *   clean (background thread, no store lock): refuse if X.pid names another live process,
 *     write X.pid; unless X.completed exists, merge X.2 then X.1 (the last row for an address
 *     wins, deletes drop it; expired leases are kept) into X.output, fsync, rename it to
 *     X.completed; then remove X.2 and X.1, rename X.completed -> X.2, remove X.pid.
 * The merge reads the files once, remembering per address (the family's key, memfile_index.h)
 * where its last row is, in an ordered map (4 (kw + 1) bytes + 16 bytes an address); then it
 * writes exactly those rows in address order, as kea-lfc does, each read again at its offset
 * and re-formatted in the current schema. Memory stays small and independent of the store. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errcode.h"
#include "lease/lfile.h"
#include "lease/memfile_int.h"

/* ---- address -> last row ---- */

typedef struct lfc_row {
    uint64_t off;
    uint32_t file; /* index into the files merged */
    bool del;      /* the address ends deleted */
} lfc_row_t;

typedef struct lfc_map {
    memfile_ord_t by_key; /* key -> index into rows */
    lfc_row_t *rows;
    size_t n, cap;
    uint32_t file;        /* file being read */
} lfc_map_t;

static void note_row(void *ctx, const lease_t *l, bool is_delete, uint64_t off)
{
    lfc_map_t *mp = ctx;
    memfile_key_t k;
    memfile_key_of_lease(l, &k);
    uint32_t i = memfile_ord_get(&mp->by_key, k.w);
    if (i == MEMFILE_NONE) {
        if (mp->n == mp->cap)
            mp->rows = xrealloc(mp->rows, (mp->cap = mp->cap ? mp->cap * 2 : 1024) *
                                              sizeof(*mp->rows));
        i = (uint32_t)mp->n++;
        memfile_ord_insert(&mp->by_key, k.w, i);
    }
    mp->rows[i] = (lfc_row_t){.off = off, .file = mp->file, .del = is_delete};
}

/* One merged file, read again at the offsets of the rows kept: a window of it in buf. */
typedef struct lfc_src {
    int fd;
    char *buf;
    size_t cap;      /* allocated, one byte more for a NUL */
    size_t len;      /* bytes of the file in buf, from file offset start */
    uint64_t start;
    uint64_t schema[MEMFILE_SCHEMA_MAX / 8];
} lfc_src_t;

#define LFC_WINDOW 4096 /* bytes read at a time: rows in address order are often near */

/* The row at off, NUL-terminated without its newline (writable), or NULL with *rc set. */
static char *row_at(lfc_src_t *s, uint64_t off, int *rc)
{
    size_t want = LFC_WINDOW;
    for (;;) {
        if (off >= s->start && off < s->start + s->len) {
            char *p = s->buf + (off - s->start);
            char *nl = memchr(p, '\n', s->len - (size_t)(off - s->start));
            if (nl) {
                *nl = '\0';
                return p;
            }
            if (s->start == off && s->len < want) { /* the file's last line, unterminated */
                p[s->len] = '\0';
                return p;
            }
            if (s->start == off)
                want = s->len * 2; /* a long row */
        }
        if (want > LFILE_MAX_LINE + 1) {
            *rc = NST_EMALFORMED;
            return NULL;
        }
        if (want + 1 > s->cap) {
            free(s->buf);
            s->cap = want + 1;
            s->buf = xmalloc(s->cap);
        }
        ssize_t n = pread(s->fd, s->buf, want, (off_t)off);
        if (n <= 0) {
            *rc = n < 0 ? -errno : NST_EIO;
            return NULL;
        }
        s->start = off;
        s->len = (size_t)n;
        if ((size_t)n < want)
            want = (size_t)n + 1; /* end of file: what was read is all there is */
    }
}

/* Writes the rows the map kept, in address order, to w. */
static int emit_rows(memfile_store_t *m, lfc_map_t *mp, lfc_src_t *src, lfile_writer_t *w,
                     uint64_t *kept, char *err, size_t errlen)
{
    memfile_ord_iter_t it;
    uint32_t i;
    char msg[256];
    int rc = 0;
    memfile_ord_seek(&mp->by_key, NULL, &it);
    while (rc == 0 && memfile_ord_next(&mp->by_key, &it, NULL, &i)) {
        const lfc_row_t *r = &mp->rows[i];
        lease_t l;
        bool del;
        if (r->del)
            continue;
        char *line = row_at(&src[r->file], r->off, &rc);
        if (!line || m->csv->parse_row((const csv_schema_t *)src[r->file].schema, line, 0, &l,
                                       &del, msg, sizeof msg) < 0) {
            if (rc == 0)
                rc = NST_EMALFORMED;
            snprintf(err, errlen, "cannot read a row again at offset %llu: %s",
                     (unsigned long long)r->off, line ? msg : nst_strerror(rc));
            break;
        }
        size_t need = m->csv->row_max_len(&l);
        char *p = lfile_writer_reserve(w, need);
        if (!p)
            break; /* the error is sticky; lfile_writer_close reports it */
        int n = m->csv->format_row(&l, p, need);
        if (n > 0) {
            lfile_writer_commit(w, (size_t)n);
            (*kept)++;
        }
    }
    return rc;
}

/* ---- the cleanup proper ---- */

static int write_pid(const char *pidpath)
{
    char buf[32];
    int fd = open(pidpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    int rc = lfile_write_all(fd, buf, (size_t)n);
    close(fd);
    return rc;
}

static int remove_if_present(const char *path)
{
    return (unlink(path) < 0 && errno != ENOENT) ? -errno : 0;
}

/* Merges prev + input into completed (via output). */
static int merge(memfile_store_t *m, const char *prev, const char *input, const char *output,
                 const char *completed, char *err, size_t errlen)
{
    const char *files[2] = {prev, input};
    lfc_map_t map = {0};
    lfc_src_t src[2] = {{.fd = -1}, {.fd = -1}};
    lfile_writer_t w;
    uint64_t rows, bad, total_rows = 0, total_bad = 0, kept = 0;
    bool missing;
    int rc = 0;
    memfile_ord_init(&map.by_key, m->idx.fam->kw);
    for (uint32_t i = 0; i < 2 && rc == 0; i++) {
        map.file = i;
        rc = memfile_read_file(m, files[i], src[i].schema, note_row, &map, 0, false, &rows,
                               &bad, &missing, err, errlen);
        total_rows += rows;
        total_bad += bad;
        if (rc == 0 && !missing && (src[i].fd = open(files[i], O_RDONLY | O_CLOEXEC)) < 0) {
            rc = -errno;
            snprintf(err, errlen, "cannot open %s: %s", files[i], strerror(errno));
        }
    }
    if (rc == 0 && (rc = lfile_writer_open(&w, output)) < 0)
        snprintf(err, errlen, "cannot create %s: %s", output, strerror(-rc));
    if (rc == 0) {
        size_t hl = strlen(m->csv->header);
        char *p = lfile_writer_reserve(&w, hl + 1);
        if (p) {
            memcpy(p, m->csv->header, hl);
            p[hl] = '\n';
            lfile_writer_commit(&w, hl + 1);
        }
        rc = emit_rows(m, &map, src, &w, &kept, err, errlen);
        int wrc = lfile_writer_close(&w, true);
        if (rc == 0 && wrc < 0) {
            rc = wrc;
            snprintf(err, errlen, "cannot write %s: %s", output, strerror(-wrc));
        }
    }
    for (int i = 0; i < 2; i++) {
        if (src[i].fd >= 0)
            close(src[i].fd);
        free(src[i].buf);
    }
    memfile_ord_free(&map.by_key);
    free(map.rows);
    if (rc == 0 && rename(output, completed) < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot rename %s to %s: %s", output, completed, strerror(errno));
    }
    if (rc == 0)
        lfile_sync_dir(completed);
    if (rc == 0)
        memfile_report(m, MEMFILE_SEV_INFO, "LFC_READ_STATS",
                       "lease file cleanup read %llu rows (%llu bad) and kept %llu leases",
                       (unsigned long long)total_rows, (unsigned long long)total_bad,
                       (unsigned long long)kept);
    else
        remove_if_present(output);
    return rc;
}

static int cleanup(memfile_store_t *m, char *err, size_t errlen)
{
    char *pid = memfile_suffixed(m->path, ".pid");
    char *prev = memfile_suffixed(m->path, ".2");
    char *input = memfile_suffixed(m->path, ".1");
    char *output = memfile_suffixed(m->path, ".output");
    char *completed = memfile_suffixed(m->path, ".completed");
    int rc = memfile_check_pid(pid, err, errlen);
    bool own_pid = false;
    if (rc == 0) {
        rc = write_pid(pid);
        if (rc < 0)
            snprintf(err, errlen, "cannot write %s: %s", pid, strerror(-rc));
        own_pid = rc == 0;
    }
    if (rc == 0 && !lfile_exists(completed))
        rc = merge(m, prev, input, output, completed, err, errlen);
    if (rc == 0) {
        /* Rotation, as kea-lfc: the merged file becomes the new "previous" file. */
        if ((rc = remove_if_present(prev)) < 0 || (rc = remove_if_present(input)) < 0)
            snprintf(err, errlen, "cannot remove old lease files: %s", strerror(-rc));
        else if (rename(completed, prev) < 0) {
            rc = -errno;
            snprintf(err, errlen, "cannot rename %s to %s: %s", completed, prev,
                     strerror(errno));
        } else {
            lfile_sync_dir(prev);
        }
    }
    if (own_pid)
        unlink(pid);
    free(pid);
    free(prev);
    free(input);
    free(output);
    free(completed);
    return rc;
}

static int run_cleanup(memfile_store_t *m)
{
    char err[512] = "";
    int rc = cleanup(m, err, sizeof err);
    if (rc == 0) {
        atomic_fetch_add(&m->st_lfc_runs, 1);
        memfile_report(m, MEMFILE_SEV_INFO, "LFC_TERMINATE",
                       "lease file cleanup of %s finished", m->path);
    } else {
        atomic_fetch_add(&m->st_lfc_failures, 1);
        memfile_report(m, MEMFILE_SEV_ERROR, "LFC_FAIL_PROCESS",
                       "lease file cleanup of %s failed: %s", m->path, err);
    }
    return rc;
}

/* With m->lock held for writing: X -> X.1 and a fresh X, unless a cleanup is unfinished. */
static int rotate(memfile_store_t *m)
{
    char *input = memfile_suffixed(m->path, ".1");
    char *completed = memfile_suffixed(m->path, ".completed");
    char err[512];
    int rc = 0;
    if (!lfile_exists(completed) && !lfile_exists(input)) {
        pthread_mutex_lock(&m->io_mu);
        if (m->fd >= 0)
            close(m->fd);
        m->fd = -1;
        if (rename(m->path, input) < 0) {
            rc = -errno;
            memfile_report(m, MEMFILE_SEV_ERROR, "DHCPSRV_MEMFILE_LFC_LEASE_FILE_RENAME_FAIL",
                           "cannot rename lease file %s to %s: %s", m->path, input,
                           strerror(errno));
        }
        if (memfile_file_open(m, err, sizeof err) < 0) {
            memfile_report(m, MEMFILE_SEV_ERROR, "DHCPSRV_MEMFILE_LFC_LEASE_FILE_REOPEN_FAIL",
                           "cannot reopen lease file %s after rotation (%s): leases will not "
                           "persist", m->path, err);
            if (rc == 0)
                rc = NST_EIO;
        } else if (rc == 0 && m->cfg.durable) {
            lfile_sync_dir(m->path);
        }
        pthread_mutex_unlock(&m->io_mu);
    }
    free(input);
    free(completed);
    return rc;
}

static int start_locked_rotation(memfile_store_t *m)
{
    memfile_report(m, MEMFILE_SEV_INFO, "DHCPSRV_MEMFILE_LFC_START",
                   "starting lease file cleanup of %s", m->path);
    pthread_rwlock_wrlock(&m->lock);
    int rc = rotate(m);
    pthread_rwlock_unlock(&m->lock);
    if (rc < 0)
        atomic_fetch_add(&m->st_lfc_failures, 1);
    return rc;
}

static void *lfc_main(void *arg)
{
    memfile_store_t *m = arg;
    run_cleanup(m);
    atomic_store(&m->lfc_done, true);
    return NULL;
}

/* With lfc_mu held: joins a finished background cleanup. */
static void reap(memfile_store_t *m)
{
    if (m->lfc_joinable && atomic_load(&m->lfc_done)) {
        pthread_join(m->lfc_thread, NULL);
        m->lfc_joinable = false;
        m->lfc_running = false;
    }
}

void memfile_lfc_tick(memfile_store_t *m, int64_t now_ms)
{
    if (!m->cfg.persist)
        return;
    pthread_mutex_lock(&m->lfc_mu);
    reap(m);
    int64_t period = (int64_t)m->cfg.lfc_interval * 1000;
    if (m->lfc_next_ms < 0)
        m->lfc_next_ms = now_ms + period; /* the first tick arms the timer */
    bool due = m->lfc_pending_conversion || (period > 0 && now_ms >= m->lfc_next_ms);
    if (due && !m->lfc_running) {
        m->lfc_next_ms = now_ms + period;
        m->lfc_pending_conversion = false;
        if (start_locked_rotation(m) == 0) {
            memfile_report(m, MEMFILE_SEV_INFO, "DHCPSRV_MEMFILE_LFC_EXECUTE",
                           "running lease file cleanup of %s in a background thread", m->path);
            atomic_store(&m->lfc_done, false);
            int rc = pthread_create(&m->lfc_thread, NULL, lfc_main, m);
            if (rc == 0) {
                m->lfc_running = m->lfc_joinable = true;
            } else {
                atomic_fetch_add(&m->st_lfc_failures, 1);
                memfile_report(m, MEMFILE_SEV_ERROR, "DHCPSRV_MEMFILE_LFC_SPAWN_FAIL",
                               "cannot start the lease file cleanup thread: %s", strerror(rc));
            }
        }
    }
    pthread_mutex_unlock(&m->lfc_mu);
}

void memfile_lfc_join(memfile_store_t *m)
{
    pthread_mutex_lock(&m->lfc_mu);
    bool joinable = m->lfc_joinable;
    m->lfc_joinable = false;
    pthread_mutex_unlock(&m->lfc_mu);
    if (joinable)
        pthread_join(m->lfc_thread, NULL);
    pthread_mutex_lock(&m->lfc_mu);
    m->lfc_running = false;
    pthread_mutex_unlock(&m->lfc_mu);
}

int memfile_lfc_run_now(lease_store_t *s)
{
    memfile_store_t *m = memfile_of(s);
    if (!m->cfg.persist)
        return NST_EINVAL;
    pthread_mutex_lock(&m->lfc_mu);
    reap(m);
    if (m->lfc_running) {
        pthread_mutex_unlock(&m->lfc_mu);
        return NST_EBUSY;
    }
    m->lfc_running = true;
    pthread_mutex_unlock(&m->lfc_mu);

    int rc = start_locked_rotation(m);
    if (rc == 0)
        rc = run_cleanup(m);

    pthread_mutex_lock(&m->lfc_mu);
    m->lfc_running = false;
    pthread_mutex_unlock(&m->lfc_mu);
    return rc;
}

bool memfile_lfc_running(lease_store_t *s)
{
    memfile_store_t *m = memfile_of(s);
    pthread_mutex_lock(&m->lfc_mu);
    reap(m);
    bool running = m->lfc_running;
    pthread_mutex_unlock(&m->lfc_mu);
    return running;
}
