/* Lease file block reader and write helpers (see lfile.h). */
#include "lease/lfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errcode.h"
#include "common/util.h"

int lfile_open(lfile_reader_t *r, const char *path)
{
    memset(r, 0, sizeof(*r));
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return -errno;
    r->cap = LFILE_BLOCK + 1;
    r->buf = xmalloc(r->cap);
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    return 0;
}

void lfile_close(lfile_reader_t *r)
{
    if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
    r->fd = -1;
    r->buf = NULL;
}

/* Moves unconsumed bytes to the front and reads more. 0, or -errno, or NST_ERANGE when the
 * buffer already holds LFILE_MAX_LINE bytes of one line. */
static int refill(lfile_reader_t *r)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->buf_off += r->pos;
        r->end -= r->pos;
        r->pos = 0;
    }
    if (r->end + 1 >= r->cap) {
        if (r->cap - 1 >= LFILE_MAX_LINE)
            return NST_ERANGE;
        size_t ncap = (r->cap - 1) * 2 + 1;
        r->buf = xrealloc(r->buf, ncap);
        r->cap = ncap;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - 1 - r->end);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            r->eof = true;
        r->end += (size_t)n;
        return 0;
    }
}

/* The buffer holds LFILE_MAX_LINE bytes of one line and no newline: reads on, one block at a
 * time, to the end of that line (its newline or the end of the file), keeping none of it, then
 * shrinks the buffer back to one block. Returns LFILE_LONG or -errno. */
static int skip_long(lfile_reader_t *r, size_t *len, uint64_t *off)
{
    uint64_t skipped = r->end - r->pos;
    *off = r->buf_off + r->pos;
    r->buf_off += r->end;
    r->pos = r->end = 0;
    while (!r->eof) {
        ssize_t n = read(r->fd, r->buf, LFILE_BLOCK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0) {
            r->eof = true;
            break;
        }
        char *nl = memchr(r->buf, '\n', (size_t)n);
        if (nl) {
            skipped += (size_t)(nl - r->buf);
            r->pos = (size_t)(nl - r->buf) + 1;
            r->end = (size_t)n;
            break;
        }
        skipped += (size_t)n;
        r->buf_off += (size_t)n;
    }
    if (r->cap > LFILE_BLOCK + 1) { /* what is left of the block fits one block */
        r->buf = xrealloc(r->buf, LFILE_BLOCK + 1);
        r->cap = LFILE_BLOCK + 1;
    }
    *len = skipped > SIZE_MAX ? SIZE_MAX : (size_t)skipped;
    r->lineno++;
    return LFILE_LONG;
}

int lfile_next(lfile_reader_t *r, char **line, size_t *len, uint64_t *off)
{
    size_t scanned = 0; /* bytes of the current line already known to hold no newline */
    for (;;) {
        char *start = r->buf + r->pos;
        size_t avail = r->end - r->pos;
        char *nl = memchr(start + scanned, '\n', avail - scanned);
        if (nl || (r->eof && avail > 0)) {
            size_t l = nl ? (size_t)(nl - start) : avail;
            start[l] = '\0'; /* the newline, or the spare byte kept at the end */
            *line = start;
            *len = l; /* NUL bytes inside the line are the caller's to judge */
            *off = r->buf_off + r->pos;
            r->pos += nl ? l + 1 : l;
            r->lineno++;
            return 1;
        }
        if (r->eof)
            return 0;
        scanned = avail;
        int rc = refill(r);
        if (rc == NST_ERANGE) {
            *line = NULL;
            return skip_long(r, len, off);
        }
        if (rc < 0)
            return rc;
    }
}

int lfile_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return NST_EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int lfile_sync_dir(const char *path)
{
    char *copy = xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

bool lfile_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int lfile_writer_open(lfile_writer_t *w, const char *path)
{
    memset(w, 0, sizeof(*w));
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0)
        return -errno;
    w->cap = LFILE_BLOCK;
    w->buf = xmalloc(w->cap);
    return 0;
}

static void writer_flush(lfile_writer_t *w)
{
    if (w->len && !w->err)
        w->err = lfile_write_all(w->fd, w->buf, w->len);
    w->len = 0;
}

char *lfile_writer_reserve(lfile_writer_t *w, size_t n)
{
    if (w->err)
        return NULL;
    if (w->cap - w->len < n) {
        writer_flush(w);
        if (w->err)
            return NULL;
        if (w->cap < n) {
            w->buf = xrealloc(w->buf, n);
            w->cap = n;
        }
    }
    return w->buf + w->len;
}

void lfile_writer_commit(lfile_writer_t *w, size_t n)
{
    w->len += n;
}

int lfile_writer_close(lfile_writer_t *w, bool sync)
{
    writer_flush(w);
    if (sync && !w->err && fsync(w->fd) < 0)
        w->err = -errno;
    if (close(w->fd) < 0 && !w->err)
        w->err = -errno;
    w->fd = -1;
    free(w->buf);
    w->buf = NULL;
    return w->err;
}
