/* Lease file I/O: a block reader that yields lines, and small write helpers.
 *
 * Contract:
 * - lfile_reader_t reads with large read(2) calls (no stdio) and hands out lines in place:
 *   the returned line is NUL-terminated (newline removed), writable by the caller, and valid
 *   until the next lfile_next()/lfile_close(). Its length counts every byte up to the newline,
 *   so a line holding NUL bytes is returned whole (strlen(line) < len tells the caller).
 *   A last line without a newline is still returned. A line of LFILE_MAX_LINE bytes or more is
 *   not returned but skipped (LFILE_LONG): the reader reads past it block by block to its
 *   newline, holding at most LFILE_MAX_LINE bytes, and goes on with the next line.
 *   One reader belongs to one thread.
 * - Write helpers retry short writes and EINTR; they return 0 or -errno.
 * - Used by the memfile load and by the lease file cleanup for both families.
 */
#ifndef NESTOR_LEASE_LFILE_H
#define NESTOR_LEASE_LFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LFILE_BLOCK (1u << 20)
#define LFILE_MAX_LINE (16u << 20)

typedef struct lfile_reader {
    int fd;
    char *buf;
    size_t cap;       /* allocated bytes; one is kept for the terminating NUL */
    size_t pos, end;  /* unconsumed bytes are buf[pos..end) */
    uint64_t buf_off; /* file offset of buf[0] */
    unsigned lineno;  /* number of the line last returned (1-based) */
    bool eof;
} lfile_reader_t;

/* Opens path for reading. Returns 0, NST_ENOENT if it does not exist, or -errno. */
int lfile_open(lfile_reader_t *r, const char *path);
/* Next line: returns 1 and sets *line, *len and *off (file offset of its first byte),
 * LFILE_LONG for a skipped over-long line (*line NULL, *len and *off its length and offset),
 * 0 at end of file, or -errno on a read error. Empty lines are returned too. */
#define LFILE_LONG 2
int lfile_next(lfile_reader_t *r, char **line, size_t *len, uint64_t *off);
void lfile_close(lfile_reader_t *r);

/* write(2) all of buf, retrying short writes and EINTR. 0 or -errno. */
int lfile_write_all(int fd, const void *buf, size_t len);
/* fsync the directory holding path (after a rename or create). 0 or -errno. */
int lfile_sync_dir(const char *path);
/* True if path exists (any type). */
bool lfile_exists(const char *path);

/* Buffered writer used to produce whole files (LFC output). Errors are sticky. */
typedef struct lfile_writer {
    int fd;
    char *buf;
    size_t len, cap;
    int err;
} lfile_writer_t;

/* Creates/truncates path (mode 0644). Returns 0 or -errno. */
int lfile_writer_open(lfile_writer_t *w, const char *path);
/* Space for at least n bytes at w->buf + w->len (flushing first if needed); NULL on error. */
char *lfile_writer_reserve(lfile_writer_t *w, size_t n);
void lfile_writer_commit(lfile_writer_t *w, size_t n);
/* Flushes, fsyncs and closes; returns the first error seen (0 if none). Always closes. */
int lfile_writer_close(lfile_writer_t *w, bool sync);

#endif
