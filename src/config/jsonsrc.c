/* jsonsrc: Kea-syntax text -> jansson, with positions. See jsonsrc.h for the contract.
 *
 * Pipeline: (1) preprocess every file into one expanded buffer: comments become spaces (same
 * length, newlines kept), include directives are replaced by the included text, and a segment
 * table maps expanded offsets back to (file, offset); (2) blank extraneous commas (Kea 2.2
 * warns and ignores them); (3) jansson parses the buffer; its error offset is mapped back;
 * (4) one iterative walk of text and tree records the offset of every container node. */
#include "config/jsonsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errcode.h"
#include "common/util.h"

#define NOPOS UINT32_MAX

struct srcfile {
    char *name;
    uint32_t *lines; /* offsets of line starts; lines[0] == 0 */
    size_t nlines;
};

struct seg { /* expanded bytes [exp, next.exp) come from file at orig.. */
    uint32_t exp, file, orig;
};

struct nodepos { /* container node -> offset of its key (or NOPOS) and of its bracket */
    const json_t *node;
    uint32_t key, val;
};

struct jsonsrc {
    json_t *root;
    char *text;
    size_t len;
    uint32_t root_off;
    struct srcfile *files;
    size_t nfiles;
    struct seg *segs;
    size_t nsegs, segcap;
    struct nodepos *idx;
    size_t idx_cap, idx_count;
    char *warn[JSONSRC_MAX_WARNINGS];
    size_t nwarn;
};

struct buf {
    char *p;
    size_t len, cap;
};

static void buf_put(struct buf *b, char c)
{
    if (b->len + 1 >= b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = xrealloc(b->p, b->cap);
    }
    b->p[b->len++] = c;
}

/* ------------------------------------------------------------------ positions */

static void add_file(jsonsrc_t *s, const char *name, const char *text, size_t len)
{
    s->files = xrealloc(s->files, (s->nfiles + 1) * sizeof *s->files);
    struct srcfile *f = &s->files[s->nfiles++];
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    f->name = xstrdup(name);
    f->lines = xmalloc(n * sizeof *f->lines);
    f->nlines = 0;
    f->lines[f->nlines++] = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            f->lines[f->nlines++] = (uint32_t)(i + 1);
}

/* Starts a new segment at the current end of the expanded text. */
static void seg_start(jsonsrc_t *s, size_t exp, uint32_t file, size_t orig)
{
    if (s->nsegs && s->segs[s->nsegs - 1].exp == exp) {
        s->nsegs--; /* the previous segment is empty: replace it */
    }
    if (s->nsegs == s->segcap) {
        s->segcap = s->segcap ? s->segcap * 2 : 16;
        s->segs = xrealloc(s->segs, s->segcap * sizeof *s->segs);
    }
    s->segs[s->nsegs++] = (struct seg){(uint32_t)exp, file, (uint32_t)orig};
}

/* Maps an offset of the expanded text (len = just past the end) to file, line, col. */
static void map_off(const jsonsrc_t *s, size_t off, uint32_t *file, int *line, int *col)
{
    size_t orig = 0, extra = 0;
    *file = 0;
    if (off >= s->len && s->len > 0) {
        off = s->len - 1;
        extra = 1;
    }
    if (s->nsegs && off < s->len) {
        size_t lo = 0, hi = s->nsegs;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (s->segs[mid].exp <= off)
                lo = mid;
            else
                hi = mid;
        }
        *file = s->segs[lo].file;
        orig = s->segs[lo].orig + (off - s->segs[lo].exp) + extra;
    }
    const struct srcfile *f = &s->files[*file];
    size_t lo = 0, hi = f->nlines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (f->lines[mid] <= orig)
            lo = mid;
        else
            hi = mid;
    }
    *line = (int)(lo + 1);
    *col = (int)(orig - f->lines[lo] + 1);
}

static void fmt_where(const jsonsrc_t *s, size_t off, char *buf, size_t cap)
{
    uint32_t file;
    int line, col;
    map_off(s, off, &file, &line, &col);
    snprintf(buf, cap, "%s:%d:%d", s->files[file].name, line, col);
}

/* ------------------------------------------------------------------ preprocessing */

struct pp {
    jsonsrc_t *s;    /* NULL in strip-only mode */
    struct buf out;
    unsigned flags;
    size_t total;    /* bytes read so far, all files */
    int depth;       /* current include nesting */
    struct { dev_t dev; ino_t ino; } open[JSONSRC_MAX_INCLUDE_DEPTH + 1];
    int nopen;
    char *err;
    size_t errlen;
    int rc;
};

static void pp_error(struct pp *pp, const char *name, const char *text, size_t off, int rc,
                     const char *fmt, ...) NST_PRINTF(6, 7);

static void pp_error(struct pp *pp, const char *name, const char *text, size_t off, int rc,
                     const char *fmt, ...)
{
    int line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pp->errlen) {
        if (name)
            snprintf(pp->err, pp->errlen, "%s:%d:%d: %s", name, line, col, msg);
        else
            snprintf(pp->err, pp->errlen, "%d:%d: %s", line, col, msg);
    }
    pp->rc = rc;
}

/* Reads a regular file of at most budget bytes. Returns 0 or -errno (ERANGE: too big). */
static int read_file(const char *path, size_t budget, char **data, size_t *len, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    int rc = 0;
    char *p = NULL;
    size_t n = 0;
    if (fstat(fd, st) < 0) {
        rc = -errno;
    } else if (!S_ISREG(st->st_mode)) {
        rc = S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
    } else if ((uint64_t)st->st_size > budget) {
        rc = -ERANGE;
    } else {
        size_t cap = (size_t)st->st_size + 1;
        p = xmalloc(cap + 1);
        for (;;) {
            if (n == cap) { /* the file grew while reading */
                if (cap > budget) {
                    rc = -ERANGE;
                    break;
                }
                cap *= 2;
                p = xrealloc(p, cap + 1);
            }
            ssize_t r = read(fd, p + n, cap - n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                rc = -errno;
                break;
            }
            if (r == 0)
                break;
            n += (size_t)r;
        }
        if (!rc && n > budget)
            rc = -ERANGE;
    }
    close(fd);
    if (rc) {
        free(p);
        return rc;
    }
    p[n] = '\0';
    *data = p;
    *len = n;
    return 0;
}

static int pp_text(struct pp *pp, uint32_t fidx, const char *name, const char *t, size_t len);

/* Handles <?include "path"?> found in file fidx at offset at. */
static int pp_include(struct pp *pp, uint32_t fidx, const char *name, const char *t,
                      size_t at, const char *path)
{
    if (pp->depth >= JSONSRC_MAX_INCLUDE_DEPTH) {
        pp_error(pp, name, t, at, NST_ERANGE, "too many nested includes (limit %d)",
                 JSONSRC_MAX_INCLUDE_DEPTH);
        return pp->rc;
    }
    /* Relative to the including file's directory first, then to the current directory. */
    char *resolved;
    const char *slash = strrchr(name, '/');
    if (path[0] != '/' && slash) {
        size_t dl = (size_t)(slash - name) + 1;
        resolved = xmalloc(dl + strlen(path) + 1);
        memcpy(resolved, name, dl);
        strcpy(resolved + dl, path);
    } else {
        resolved = xstrdup(path);
    }
    char *data = NULL;
    size_t dlen = 0;
    struct stat st;
    size_t budget = JSONSRC_MAX_TEXT - pp->total;
    int rc = read_file(resolved, budget, &data, &dlen, &st);
    if (rc == -ENOENT && strcmp(resolved, path) != 0) {
        rc = read_file(path, budget, &data, &dlen, &st);
        if (rc != -ENOENT) {
            free(resolved);
            resolved = xstrdup(path);
        }
    }
    if (rc) {
        if (rc == -ERANGE)
            pp_error(pp, name, t, at, NST_ERANGE, "include file %s: total text exceeds %u bytes",
                     resolved, JSONSRC_MAX_TEXT);
        else
            pp_error(pp, name, t, at, rc == -ENOENT ? NST_ENOENT : NST_EIO,
                     "cannot open include file %s: %s", resolved, strerror(-rc));
        free(resolved);
        return pp->rc;
    }
    for (int i = 0; i < pp->nopen; i++) {
        if (pp->open[i].dev == st.st_dev && pp->open[i].ino == st.st_ino) {
            pp_error(pp, name, t, at, -ELOOP, "include cycle: %s is already being included",
                     resolved);
            free(resolved);
            free(data);
            return pp->rc;
        }
    }
    pp->total += dlen;
    uint32_t nf = (uint32_t)pp->s->nfiles;
    add_file(pp->s, resolved, data, dlen);
    pp->open[pp->nopen].dev = st.st_dev;
    pp->open[pp->nopen].ino = st.st_ino;
    pp->nopen++;
    pp->depth++;
    rc = pp_text(pp, nf, pp->s->files[nf].name, data, dlen);
    pp->depth--;
    pp->nopen--;
    free(resolved);
    free(data);
    (void)fidx;
    return rc;
}

static size_t skip_blank(const char *t, size_t len, size_t j)
{
    while (j < len && (t[j] == ' ' || t[j] == '\t'))
        j++;
    return j;
}

/* Parses a directive starting at t[i] == '<', t[i+1] == '?'. Returns the offset after it, or 0
 * if malformed; the path is [*ps, *pe). */
static size_t parse_directive(const char *t, size_t len, size_t i, size_t *ps, size_t *pe)
{
    size_t j = skip_blank(t, len, i + 2);
    if (len - j < 7 || memcmp(t + j, "include", 7) != 0)
        return 0;
    j = skip_blank(t, len, j + 7);
    if (j >= len || t[j] != '"')
        return 0;
    *ps = ++j;
    while (j < len && t[j] != '"' && t[j] != '\n' && t[j] != '\0')
        j++;
    if (j >= len || t[j] != '"' || j == *ps)
        return 0;
    *pe = j;
    j = skip_blank(t, len, j + 1);
    if (len - j < 2 || t[j] != '?' || t[j + 1] != '>')
        return 0;
    return j + 2;
}

/* Appends file text t to the expanded buffer, blanking comments and expanding includes. */
static int pp_text(struct pp *pp, uint32_t fidx, const char *name, const char *t, size_t len)
{
    struct buf *o = &pp->out;
    size_t i = 0;
    if (pp->s)
        seg_start(pp->s, o->len, fidx, 0);
    while (i < len) {
        char c = t[i];
        if (c == '"') {
            size_t st = i;
            buf_put(o, t[i++]);
            while (i < len && t[i] != '"' && t[i] != '\n') {
                if (t[i] == '\\' && i + 1 < len && t[i + 1] != '\n')
                    buf_put(o, t[i++]);
                buf_put(o, t[i++]);
            }
            if ((i >= len || t[i] == '\n') && pp->s) { /* JSON strings hold no raw newline */
                pp_error(pp, name, t, st, NST_EMALFORMED, "unterminated string");
                return pp->rc;
            }
            if (i < len && t[i] == '"')
                buf_put(o, t[i++]);
        } else if (c == '#' || (c == '/' && i + 1 < len && t[i + 1] == '/')) {
            while (i < len && t[i] != '\n') {
                buf_put(o, ' ');
                i++;
            }
        } else if (c == '/' && i + 1 < len && t[i + 1] == '*') {
            size_t st = i;
            buf_put(o, ' ');
            buf_put(o, ' ');
            i += 2;
            while (i + 1 < len && !(t[i] == '*' && t[i + 1] == '/')) {
                buf_put(o, t[i] == '\n' ? '\n' : ' ');
                i++;
            }
            if (i + 1 >= len) {
                pp_error(pp, name, t, st, NST_EMALFORMED, "comment not closed");
                return pp->rc;
            }
            buf_put(o, ' ');
            buf_put(o, ' ');
            i += 2;
        } else if (c == '<' && i + 1 < len && t[i + 1] == '?' && pp->s) {
            size_t ps = 0, pe = 0;
            size_t end = parse_directive(t, len, i, &ps, &pe);
            if (!end) {
                pp_error(pp, name, t, i, NST_EMALFORMED,
                         "malformed include directive (expected <?include \"file\"?>)");
                return pp->rc;
            }
            if (pp->flags & JSONSRC_NO_INCLUDE) {
                pp_error(pp, name, t, i, NST_EMALFORMED, "include directives are not allowed");
                return pp->rc;
            }
            char *path = xstrndup(t + ps, pe - ps);
            int rc = pp_include(pp, fidx, name, t, i, path);
            free(path);
            if (rc)
                return rc;
            i = end;
            seg_start(pp->s, o->len, fidx, i);
        } else {
            buf_put(o, c);
            i++;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ expanded-text lexing */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_punct(char c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',';
}

static size_t skip_ws(const char *t, size_t len, size_t i)
{
    while (i < len && is_ws(t[i]))
        i++;
    return i;
}

/* t[i] == '"': offset after the closing quote, or of the newline / end if unterminated. */
static size_t str_end(const char *t, size_t len, size_t i)
{
    i++;
    while (i < len && t[i] != '"' && t[i] != '\n') {
        if (t[i] == '\\' && i + 1 < len && t[i + 1] != '\n')
            i++;
        i++;
    }
    return i < len && t[i] == '"' ? i + 1 : i;
}

static size_t tok_end(const char *t, size_t len, size_t i)
{
    if (t[i] == '"')
        return str_end(t, len, i);
    if (is_punct(t[i]))
        return i + 1;
    while (i < len && !is_ws(t[i]) && !is_punct(t[i]) && t[i] != '"')
        i++;
    return i;
}

/* Offset after the value starting at t[i] (a scalar or a whole container). */
static size_t skip_value(const char *t, size_t len, size_t i)
{
    if (i >= len)
        return len;
    if (t[i] != '{' && t[i] != '[')
        return tok_end(t, len, i);
    size_t depth = 0;
    while (i < len) {
        char c = t[i];
        if (c == '"') {
            i = str_end(t, len, i);
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return i + 1;
        i++;
    }
    return len;
}


static bool hex4(const char *t, size_t len, size_t i, unsigned *v)
{
    *v = 0;
    if (i > len || len - i < 4)
        return false;
    for (int k = 0; k < 4; k++) {
        int h = hex_digit(t[i + k]);
        if (h < 0)
            return false;
        *v = *v << 4 | (unsigned)h;
    }
    return true;
}

/* Decodes the JSON string at t[i] == '"' into b (NUL-terminated). Returns false if invalid;
 * *end = offset after the closing quote. */
static bool str_decode(const char *t, size_t len, size_t i, struct buf *b, size_t *end)
{
    b->len = 0;
    i++;
    while (i < len && t[i] != '"') {
        unsigned cp;
        if (t[i] == '\n')
            return false;
        if (t[i] != '\\') {
            buf_put(b, t[i++]);
            continue;
        }
        if (++i >= len)
            return false;
        switch (t[i++]) {
        case '"': buf_put(b, '"'); continue;
        case '\\': buf_put(b, '\\'); continue;
        case '/': buf_put(b, '/'); continue;
        case 'b': buf_put(b, '\b'); continue;
        case 'f': buf_put(b, '\f'); continue;
        case 'n': buf_put(b, '\n'); continue;
        case 'r': buf_put(b, '\r'); continue;
        case 't': buf_put(b, '\t'); continue;
        case 'u': break;
        default: return false;
        }
        if (!hex4(t, len, i, &cp))
            return false;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) { /* RFC 8259 section 7: surrogate pair */
            unsigned lo;
            if (len - i < 6 || t[i] != '\\' || t[i + 1] != 'u' || !hex4(t, len, i + 2, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF)
                return false;
            i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
        }
        if (cp < 0x80) {
            buf_put(b, (char)cp);
        } else if (cp < 0x800) {
            buf_put(b, (char)(0xC0 | cp >> 6));
            buf_put(b, (char)(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            buf_put(b, (char)(0xE0 | cp >> 12));
            buf_put(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
            buf_put(b, (char)(0x80 | (cp & 0x3F)));
        } else {
            buf_put(b, (char)(0xF0 | cp >> 18));
            buf_put(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
            buf_put(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
            buf_put(b, (char)(0x80 | (cp & 0x3F)));
        }
    }
    if (i >= len)
        return false;
    buf_put(b, '\0');
    b->len--;
    *end = i + 1;
    return true;
}

/* Finds member key in the object whose '{' is at t[obj]. Returns the key offset or NOPOS;
 * *voff = offset of the value. */
static uint32_t scan_member(const jsonsrc_t *s, size_t obj, const char *key, size_t *voff)
{
    const char *t = s->text;
    size_t len = s->len, i = obj + 1, kend;
    struct buf kb = {0};
    uint32_t found = NOPOS;
    if (obj >= len || t[obj] != '{')
        return NOPOS;
    for (;;) {
        i = skip_ws(t, len, i);
        if (i < len && t[i] == ',') {
            i++;
            continue;
        }
        if (i >= len || t[i] != '"' || !str_decode(t, len, i, &kb, &kend))
            break;
        size_t j = skip_ws(t, len, kend);
        if (j >= len || t[j] != ':')
            break;
        size_t v = skip_ws(t, len, j + 1);
        if (strlen(kb.p) == kb.len && strcmp(kb.p, key) == 0) {
            found = (uint32_t)i;
            *voff = v;
            break;
        }
        i = skip_value(t, len, v);
    }
    free(kb.p);
    return found;
}

/* Offset of element idx in the array whose '[' is at t[arr], or NOPOS. */
static uint32_t scan_index(const jsonsrc_t *s, size_t arr, size_t idx)
{
    const char *t = s->text;
    size_t len = s->len, i = arr + 1, n = 0;
    if (arr >= len || t[arr] != '[')
        return NOPOS;
    for (;;) {
        i = skip_ws(t, len, i);
        if (i < len && t[i] == ',') {
            i++;
            continue;
        }
        if (i >= len || t[i] == ']' || t[i] == '}')
            return NOPOS;
        if (n++ == idx)
            return (uint32_t)i;
        i = skip_value(t, len, i);
    }
}

/* ------------------------------------------------------------------ extraneous commas */

static void add_warning(jsonsrc_t *s, size_t off, const char *msg)
{
    if (s->nwarn >= JSONSRC_MAX_WARNINGS)
        return;
    char where[600], line[700];
    fmt_where(s, off, where, sizeof where);
    snprintf(line, sizeof line, "%s: %s", where, msg);
    s->warn[s->nwarn++] = xstrdup(line);
}

/* A comma after a value and before ',' ']' or '}' is dropped with a warning, as Kea 2.2 does
 * (its grammar has "list COMMA" alternatives); a comma right after '[' '{' ':' or ',' (kept)
 * stays, so jansson reports it. */
static void drop_extra_commas(jsonsrc_t *s)
{
    char *t = s->text;
    size_t len = s->len, i = 0;
    enum { P_NONE, P_OPEN, P_COMMA, P_COLON, P_VALUE } prev = P_NONE;
    while ((i = skip_ws(t, len, i)) < len) {
        char c = t[i];
        size_t e = tok_end(t, len, i);
        if (c == ',') {
            size_t n = skip_ws(t, len, e);
            if (prev == P_VALUE && n < len && (t[n] == ',' || t[n] == ']' || t[n] == '}')) {
                t[i] = ' ';
                add_warning(s, i, "extraneous comma ignored; a part of the configuration "
                                  "may be missing");
            } else {
                prev = P_COMMA;
            }
        } else if (c == '{' || c == '[') {
            prev = P_OPEN;
        } else if (c == ':') {
            prev = P_COLON;
        } else {
            prev = P_VALUE;
        }
        i = e;
    }
}

/* ------------------------------------------------------------------ jansson errors */

/* Start of the token that contains offset off (or off itself if in blanks). */
static size_t token_start(const jsonsrc_t *s, size_t off)
{
    size_t i = 0;
    while ((i = skip_ws(s->text, s->len, i)) < s->len) {
        if (i > off)
            return off;
        size_t e = tok_end(s->text, s->len, i);
        if (off < e)
            return i;
        i = e;
    }
    return off;
}

/* '{' of the innermost object that contains offset off, or NOPOS. */
static size_t enclosing_object(const jsonsrc_t *s, size_t off)
{
    size_t *stack = NULL, n = 0, cap = 0, i = 0, res = NOPOS;
    while ((i = skip_ws(s->text, s->len, i)) < s->len && i < off) {
        char c = s->text[i];
        if (c == '{' || c == '[') {
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                stack = xrealloc(stack, cap * sizeof *stack);
            }
            stack[n++] = i;
        } else if ((c == '}' || c == ']') && n) {
            n--;
        }
        i = tok_end(s->text, s->len, i);
    }
    if (n && s->text[stack[n - 1]] == '{')
        res = stack[n - 1];
    free(stack);
    return res;
}

static int parse_error(jsonsrc_t *s, const json_error_t *je, char *err, size_t errlen)
{
    size_t pos = je->position > 0 ? (size_t)je->position : 0;
    size_t off = pos >= s->len ? s->len : token_start(s, pos > 0 ? pos - 1 : 0);
    /* jansson's offset is just past the token it quotes as "near '...'": prefer that token. */
    const char *near = strstr(je->text, "near '");
    if (near && pos <= s->len) {
        near += 6;
        size_t n = strlen(near);
        if (n >= 1 && near[n - 1] == '\'' && n - 1 <= pos &&
            memcmp(s->text + pos - (n - 1), near, n - 1) == 0)
            off = pos - (n - 1);
    }
    char where[600], prev[600];
    fmt_where(s, off, where, sizeof where);
    if (json_error_code(je) == json_error_duplicate_key && off < s->len && s->text[off] == '"') {
        struct buf kb = {0};
        size_t kend, v, obj = enclosing_object(s, off);
        if (str_decode(s->text, s->len, off, &kb, &kend) && obj != NOPOS) {
            uint32_t first = scan_member(s, obj, kb.p, &v);
            if (first != NOPOS && first != off) {
                fmt_where(s, first, prev, sizeof prev);
                snprintf(err, errlen, "%s: duplicate key \"%s\" (previous at %s)", where, kb.p,
                         prev);
                free(kb.p);
                return NST_EMALFORMED;
            }
        }
        free(kb.p);
    }
    snprintf(err, errlen, "%s: %s", where, je->text);
    return NST_EMALFORMED;
}

/* ------------------------------------------------------------------ node index */

static size_t ptr_hash(const json_t *p)
{
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 17;
    x *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return (size_t)(x ^ (x >> 29));
}

static void idx_add(jsonsrc_t *s, const json_t *node, uint32_t key, uint32_t val)
{
    if ((s->idx_count + 1) * 2 > s->idx_cap) {
        size_t ncap = s->idx_cap ? s->idx_cap * 2 : 64;
        struct nodepos *n = xcalloc(ncap, sizeof *n);
        for (size_t i = 0; i < s->idx_cap; i++) {
            if (!s->idx[i].node)
                continue;
            size_t h = ptr_hash(s->idx[i].node) & (ncap - 1);
            while (n[h].node)
                h = (h + 1) & (ncap - 1);
            n[h] = s->idx[i];
        }
        free(s->idx);
        s->idx = n;
        s->idx_cap = ncap;
    }
    size_t h = ptr_hash(node) & (s->idx_cap - 1);
    while (s->idx[h].node) {
        if (s->idx[h].node == node)
            return;
        h = (h + 1) & (s->idx_cap - 1);
    }
    /* The reference keeps the address from being reused if the caller edits the tree. */
    json_incref((json_t *)node);
    s->idx[h] = (struct nodepos){node, key, val};
    s->idx_count++;
}

static const struct nodepos *idx_find(const jsonsrc_t *s, const json_t *node)
{
    if (!s->idx_cap || !node)
        return NULL;
    size_t h = ptr_hash(node) & (s->idx_cap - 1);
    while (s->idx[h].node) {
        if (s->idx[h].node == node)
            return &s->idx[h];
        h = (h + 1) & (s->idx_cap - 1);
    }
    return NULL;
}

/* Walks text and tree together (iteratively) and indexes every container node. Stops quietly
 * at the first mismatch, which valid text never has. */
static void build_index(jsonsrc_t *s)
{
    struct frame {
        json_t *node;
        size_t pos, idx;
    } *st = NULL;
    size_t n = 0, cap = 0;
    const char *t = s->text;
    size_t len = s->len, i = skip_ws(t, len, 0);
    struct buf kb = {0};
    if (i >= len || (t[i] != '{' && t[i] != '['))
        return;
    s->root_off = (uint32_t)i;
    idx_add(s, s->root, NOPOS, (uint32_t)i);
    cap = 16;
    st = xmalloc(cap * sizeof *st);
    st[n++] = (struct frame){s->root, i + 1, 0};
    while (n) {
        struct frame *f = &st[n - 1];
        i = skip_ws(t, len, f->pos);
        if (i >= len)
            break;
        if (t[i] == ',') {
            f->pos = i + 1;
            continue;
        }
        if (t[i] == '}' || t[i] == ']') {
            if (--n)
                st[n - 1].pos = i + 1;
            continue;
        }
        json_t *child;
        size_t koff = NOPOS, voff, kend;
        if (json_is_object(f->node)) {
            if (t[i] != '"' || !str_decode(t, len, i, &kb, &kend))
                break;
            koff = i;
            size_t j = skip_ws(t, len, kend);
            if (j >= len || t[j] != ':')
                break;
            voff = skip_ws(t, len, j + 1);
            child = json_object_getn(f->node, kb.p, kb.len);
        } else {
            voff = i;
            child = json_array_get(f->node, f->idx++);
        }
        if (!child || voff >= len)
            break;
        if (t[voff] == '{' || t[voff] == '[') {
            if (!json_is_object(child) && !json_is_array(child))
                break;
            idx_add(s, child, (uint32_t)koff, (uint32_t)voff);
            if (n == cap) {
                cap *= 2;
                st = xrealloc(st, cap * sizeof *st);
            }
            st[n++] = (struct frame){child, voff + 1, 0};
        } else {
            f->pos = tok_end(t, len, voff);
        }
    }
    free(st);
    free(kb.p);
}

/* ------------------------------------------------------------------ loading */

static int finish_load(jsonsrc_t *s, struct pp *pp, jsonsrc_t **out, char *err, size_t errlen)
{
    int rc = pp->rc;
    s->text = pp->out.p ? pp->out.p : xstrdup("");
    s->len = pp->out.len;
    if (!rc) {
        drop_extra_commas(s);
        json_error_t je;
        s->root = json_loadb(s->text, s->len, JSON_REJECT_DUPLICATES, &je);
        if (!s->root)
            rc = parse_error(s, &je, err, errlen);
    }
    if (rc) {
        jsonsrc_free(s);
        return rc;
    }
    build_index(s);
    *out = s;
    return 0;
}

int jsonsrc_load_buffer(const char *data, size_t len, const char *name, unsigned flags,
                        jsonsrc_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (errlen)
        err[0] = '\0';
    if (!name)
        name = "<string>";
    if (len > JSONSRC_MAX_TEXT) {
        snprintf(err, errlen, "%s: text exceeds %u bytes", name, JSONSRC_MAX_TEXT);
        return NST_ERANGE;
    }
    jsonsrc_t *s = xcalloc(1, sizeof *s);
    struct pp pp = {.s = s, .flags = flags, .total = len, .err = err, .errlen = errlen};
    add_file(s, name, data, len);
    pp_text(&pp, 0, s->files[0].name, data, len);
    return finish_load(s, &pp, out, err, errlen);
}

int jsonsrc_load_string(const char *text, const char *name, jsonsrc_t **out, char *err,
                        size_t errlen)
{
    return jsonsrc_load_buffer(text, strlen(text), name, 0, out, err, errlen);
}

int jsonsrc_load_file(const char *path, jsonsrc_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (errlen)
        err[0] = '\0';
    char *data;
    size_t len;
    struct stat st;
    int rc = read_file(path, JSONSRC_MAX_TEXT, &data, &len, &st);
    if (rc) {
        if (rc == -ERANGE)
            snprintf(err, errlen, "%s: file exceeds %u bytes", path, JSONSRC_MAX_TEXT);
        else
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
        return rc == -ENOENT ? NST_ENOENT : rc == -ERANGE ? NST_ERANGE : NST_EIO;
    }
    jsonsrc_t *s = xcalloc(1, sizeof *s);
    struct pp pp = {.s = s, .total = len, .err = err, .errlen = errlen, .nopen = 1};
    pp.open[0].dev = st.st_dev;
    pp.open[0].ino = st.st_ino;
    add_file(s, path, data, len);
    pp_text(&pp, 0, s->files[0].name, data, len);
    free(data);
    return finish_load(s, &pp, out, err, errlen);
}

char *jsonsrc_strip_comments(const char *text, size_t len, size_t *outlen, char *err,
                             size_t errlen)
{
    struct pp pp = {.err = err, .errlen = errlen};
    if (errlen)
        err[0] = '\0';
    pp_text(&pp, 0, NULL, text, len);
    if (pp.rc) {
        free(pp.out.p);
        return NULL;
    }
    buf_put(&pp.out, '\0');
    if (outlen)
        *outlen = pp.out.len - 1;
    return pp.out.p;
}

void jsonsrc_free(jsonsrc_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->idx_cap; i++)
        if (s->idx[i].node)
            json_decref((json_t *)s->idx[i].node);
    free(s->idx);
    json_decref(s->root);
    for (size_t i = 0; i < s->nfiles; i++) {
        free(s->files[i].name);
        free(s->files[i].lines);
    }
    for (size_t i = 0; i < s->nwarn; i++)
        free(s->warn[i]);
    free(s->files);
    free(s->segs);
    free(s->text);
    free(s);
}

json_t *jsonsrc_root(const jsonsrc_t *s)
{
    return s->root;
}

const char *jsonsrc_name(const jsonsrc_t *s)
{
    return s->files[0].name;
}

size_t jsonsrc_warning_count(const jsonsrc_t *s)
{
    return s->nwarn;
}

const char *jsonsrc_warning(const jsonsrc_t *s, size_t i)
{
    return i < s->nwarn ? s->warn[i] : NULL;
}

/* ------------------------------------------------------------------ locating */

static int report(const jsonsrc_t *s, size_t off, const char **file, int *line, int *col)
{
    uint32_t f;
    int l, c;
    if (off == NOPOS || off >= s->len)
        return NST_ENOENT;
    map_off(s, off, &f, &l, &c);
    if (file)
        *file = s->files[f].name;
    if (line)
        *line = l;
    if (col)
        *col = c;
    return 0;
}

/* Offset of a container's bracket in the text, or NOPOS. */
static size_t node_val(const jsonsrc_t *s, const json_t *node)
{
    const struct nodepos *p = idx_find(s, node);
    return p ? p->val : NOPOS;
}

/* Key (or, for arrays, value) offset of a child of container cur whose bracket is at cur_off;
 * *child_off = offset of the child's value. */
static size_t child_off(const jsonsrc_t *s, const json_t *cur, size_t cur_off, const char *key,
                        size_t idx, const json_t *child, size_t *val)
{
    const struct nodepos *p = idx_find(s, child);
    if (json_is_object(cur)) {
        if (p && p->key != NOPOS) {
            *val = p->val;
            return p->key;
        }
        return scan_member(s, cur_off, key, val);
    }
    if (p) {
        *val = p->val;
        return p->val;
    }
    size_t off = scan_index(s, cur_off, idx);
    *val = off;
    return off;
}

int jsonsrc_locate(const jsonsrc_t *s, const char *path, const char **file, int *line, int *col)
{
    const json_t *cur = s->root;
    size_t cur_off = s->root_off, off = s->root_off;
    const char *p = path ? path : "";
    char key[1024];
    if (!cur)
        return NST_ENOENT;
    if (*p == '/')
        p++;
    while (*p) {
        size_t k = 0;
        for (; *p && *p != '/'; p++) {
            char c = *p;
            if (c == '~' && (p[1] == '0' || p[1] == '1'))
                c = *++p == '0' ? '~' : '/';
            if (k + 1 >= sizeof key)
                return NST_ENOENT;
            key[k++] = c;
        }
        key[k] = '\0';
        if (*p == '/')
            p++;
        const json_t *child;
        size_t idx = 0;
        if (json_is_object(cur)) {
            child = json_object_get(cur, key);
        } else if (json_is_array(cur)) {
            uint64_t v;
            if (!parse_u64(key, SIZE_MAX, &v))
                return NST_ENOENT;
            idx = (size_t)v;
            child = json_array_get(cur, idx);
        } else {
            return NST_ENOENT;
        }
        if (!child || cur_off == NOPOS)
            return NST_ENOENT;
        off = child_off(s, cur, cur_off, key, idx, child, &cur_off);
        if (off == NOPOS)
            return NST_ENOENT;
        cur = child;
    }
    return report(s, off, file, line, col);
}

int jsonsrc_locate_node(const jsonsrc_t *s, const json_t *node, const char **file, int *line,
                        int *col)
{
    const struct nodepos *p = idx_find(s, node);
    if (!p)
        return NST_ENOENT;
    return report(s, p->key != NOPOS ? p->key : p->val, file, line, col);
}

int jsonsrc_locate_member(const jsonsrc_t *s, const json_t *obj, const char *key,
                          const char **file, int *line, int *col)
{
    size_t val, off = node_val(s, obj);
    const json_t *child = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (off == NOPOS || !child)
        return NST_ENOENT;
    return report(s, child_off(s, obj, off, key, 0, child, &val), file, line, col);
}

int jsonsrc_locate_index(const jsonsrc_t *s, const json_t *arr, size_t idx, const char **file,
                         int *line, int *col)
{
    size_t val, off = node_val(s, arr);
    const json_t *child = json_is_array(arr) ? json_array_get(arr, idx) : NULL;
    if (off == NOPOS || !child)
        return NST_ENOENT;
    return report(s, child_off(s, arr, off, NULL, idx, child, &val), file, line, col);
}

static const char *where_fmt(const jsonsrc_t *s, int rc, const char *file, int line, int col,
                             char *buf, size_t cap)
{
    if (cap == 0)
        return buf;
    if (rc == 0)
        snprintf(buf, cap, "%s:%d:%d", file, line, col);
    else
        snprintf(buf, cap, "%s", s->files[0].name);
    return buf;
}

const char *jsonsrc_where(const jsonsrc_t *s, const char *path, char *buf, size_t cap)
{
    const char *f = NULL;
    int l = 0, c = 0;
    int rc = jsonsrc_locate(s, path, &f, &l, &c);
    return where_fmt(s, rc, f, l, c, buf, cap);
}

const char *jsonsrc_where_member(const jsonsrc_t *s, const json_t *obj, const char *key,
                                 char *buf, size_t cap)
{
    const char *f = NULL;
    int l = 0, c = 0;
    int rc = jsonsrc_locate_member(s, obj, key, &f, &l, &c);
    if (rc)
        rc = jsonsrc_locate_node(s, obj, &f, &l, &c);
    return where_fmt(s, rc, f, l, c, buf, cap);
}

const char *jsonsrc_where_node(const jsonsrc_t *s, const json_t *node, char *buf, size_t cap)
{
    const char *f = NULL;
    int l = 0, c = 0;
    int rc = jsonsrc_locate_node(s, node, &f, &l, &c);
    return where_fmt(s, rc, f, l, c, buf, cap);
}
