/* Bounds-checked cursors over byte buffers (network byte order).
 *
 * Contract:
 * - wire_rd_t reads from a borrowed, read-only buffer; wire_wr_t writes into a borrowed buffer.
 *   Neither owns nor allocates memory.
 * - Every access is checked against the buffer end. A read past the end returns 0 (or NULL for
 *   pointer reads), consumes nothing and sets the sticky `err` flag; a write past the end writes
 *   nothing and sets the sticky `err` flag. Once set, the flag stays set and every later access
 *   fails the same way, so a parser can read a whole structure and test the flag once.
 * - Multi-byte integers are big-endian on the wire and host order in C.
 * - Cursors are plain values: not thread-safe, but independent cursors over the same read-only
 *   buffer may be used from different threads.
 */
#ifndef NESTOR_PROTO_WIRE_H
#define NESTOR_PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- read cursor ---------------------------------------------------------------------------- */

typedef struct wire_rd {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    bool err;
} wire_rd_t;

/* Starts a cursor over len bytes at buf (buf may be NULL when len is 0). */
static inline void wire_rd_init(wire_rd_t *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->len = len;
    r->pos = 0;
    r->err = false;
}

/* Bytes left to read (0 once the error flag is set). */
static inline size_t wire_rd_remaining(const wire_rd_t *r)
{
    return r->err ? 0 : r->len - r->pos;
}

/* True while no access has failed. */
static inline bool wire_rd_ok(const wire_rd_t *r)
{
    return !r->err;
}

/* Reserves n bytes and returns a pointer to them, or NULL (error flag set) if fewer remain. */
static inline const uint8_t *wire_rd_ptr(wire_rd_t *r, size_t n)
{
    if (r->err || n > r->len - r->pos) {
        r->err = true;
        return NULL;
    }
    const uint8_t *p = r->buf + r->pos;
    r->pos += n;
    return p;
}

static inline uint8_t wire_rd_u8(wire_rd_t *r)
{
    const uint8_t *p = wire_rd_ptr(r, 1);
    return p ? p[0] : 0;
}

static inline uint16_t wire_rd_u16(wire_rd_t *r)
{
    const uint8_t *p = wire_rd_ptr(r, 2);
    return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

static inline uint32_t wire_rd_u32(wire_rd_t *r)
{
    const uint8_t *p = wire_rd_ptr(r, 4);
    return p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3] : 0;
}

/* Copies n bytes into dst; on failure dst is zero-filled. */
static inline void wire_rd_bytes(wire_rd_t *r, void *dst, size_t n)
{
    const uint8_t *p = wire_rd_ptr(r, n);
    if (p)
        memcpy(dst, p, n);
    else if (n)
        memset(dst, 0, n);
}

static inline void wire_rd_skip(wire_rd_t *r, size_t n)
{
    (void)wire_rd_ptr(r, n);
}

/* ---- write cursor --------------------------------------------------------------------------- */

typedef struct wire_wr {
    uint8_t *buf;
    size_t cap;
    size_t pos;
    bool err;
} wire_wr_t;

static inline void wire_wr_init(wire_wr_t *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->pos = 0;
    w->err = false;
}

/* Bytes written so far. */
static inline size_t wire_wr_len(const wire_wr_t *w)
{
    return w->pos;
}

/* Room left (0 once the error flag is set). */
static inline size_t wire_wr_space(const wire_wr_t *w)
{
    return w->err ? 0 : w->cap - w->pos;
}

static inline bool wire_wr_ok(const wire_wr_t *w)
{
    return !w->err;
}

/* Reserves n bytes and returns a pointer to them, or NULL (error flag set) if they do not fit. */
static inline uint8_t *wire_wr_ptr(wire_wr_t *w, size_t n)
{
    if (w->err || n > w->cap - w->pos) {
        w->err = true;
        return NULL;
    }
    uint8_t *p = w->buf + w->pos;
    w->pos += n;
    return p;
}

static inline void wire_wr_u8(wire_wr_t *w, uint8_t v)
{
    uint8_t *p = wire_wr_ptr(w, 1);
    if (p)
        p[0] = v;
}

static inline void wire_wr_u16(wire_wr_t *w, uint16_t v)
{
    uint8_t *p = wire_wr_ptr(w, 2);
    if (p) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
    }
}

static inline void wire_wr_u32(wire_wr_t *w, uint32_t v)
{
    uint8_t *p = wire_wr_ptr(w, 4);
    if (p) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
    }
}

/* Copies n bytes from src (src may overlap the destination). */
static inline void wire_wr_bytes(wire_wr_t *w, const void *src, size_t n)
{
    uint8_t *p = wire_wr_ptr(w, n);
    if (p && n)
        memmove(p, src, n);
}

/* Writes n copies of byte v. */
static inline void wire_wr_fill(wire_wr_t *w, uint8_t v, size_t n)
{
    uint8_t *p = wire_wr_ptr(w, n);
    if (p && n)
        memset(p, v, n);
}

/* Overwrites a 16-bit value at an offset already written (for lengths and checksums).
 * Out-of-range offsets set the error flag. */
static inline void wire_wr_put_u16_at(wire_wr_t *w, size_t off, uint16_t v)
{
    if (w->err || off > w->pos || w->pos - off < 2) {
        w->err = true;
        return;
    }
    w->buf[off] = (uint8_t)(v >> 8);
    w->buf[off + 1] = (uint8_t)v;
}

/* Drops everything written after position pos (pos <= current length); clears nothing else. */
static inline void wire_wr_truncate(wire_wr_t *w, size_t pos)
{
    if (pos <= w->pos)
        w->pos = pos;
}

#endif
