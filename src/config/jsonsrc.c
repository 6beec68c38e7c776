/* jsonsrc: Kea-syntax text -> jansson, with positions. See jsonsrc.h for the contract.
 *
 * Pipeline: (1) preprocess every file into one expanded buffer: comments become spaces (same
 * length, newlines kept), include directives are replaced by the included text, and a segment
 * table maps expanded offsets back to (file, offset); (2) blank extraneous commas (Kea 2.2
 * warns and ignores them); (3) jansson parses the buffer; its error offset is mapped back;
 * (4) one iterative walk of text and tree records the offset of every container node.
 * This file does loading (1)-(3) and freeing; the lexer, the node index (4) and the locate/where
 * queries are in jsonsrc_locate.c (shared declarations: jsonsrc_int.h). */
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
#include "config/jsonsrc_int.h"

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
void jsonsrc_map_off(const jsonsrc_t *s, size_t off, uint32_t *file, int *line, int *col)
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
    jsonsrc_map_off(s, off, &file, &line, &col);
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

/* Whether a value may start here: the last character written other than blanks opens a value
 * (after ':' ',' '[') or is a minus sign. */
static bool number_may_start(const struct buf *o)
{
    size_t k = o->len;
    while (k > 0 && (o->p[k - 1] == ' ' || o->p[k - 1] == '\t' || o->p[k - 1] == '\n' || o->p[k - 1] == '\r'))
        k--;
    return k > 0 && (o->p[k - 1] == ':' || o->p[k - 1] == ',' || o->p[k - 1] == '[' || o->p[k - 1] == '-');
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
            if (c == '.' && i + 1 < len && t[i + 1] >= '0' && t[i + 1] <= '9' && number_may_start(o)) {
                /* Kea's JSON reads ".5" as 0.5: jansson needs the 0, inserted without moving
                 * what follows in the position map */
                buf_put(o, '0');
                if (pp->s)
                    seg_start(pp->s, o->len, fidx, i);
            }
            buf_put(o, c);
            i++;
        }
    }
    return 0;
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
    while ((i = jsonsrc_skip_ws(t, len, i)) < len) {
        char c = t[i];
        size_t e = jsonsrc_tok_end(t, len, i);
        if (c == ',') {
            size_t n = jsonsrc_skip_ws(t, len, e);
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
    while ((i = jsonsrc_skip_ws(s->text, s->len, i)) < s->len) {
        if (i > off)
            return off;
        size_t e = jsonsrc_tok_end(s->text, s->len, i);
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
    while ((i = jsonsrc_skip_ws(s->text, s->len, i)) < s->len && i < off) {
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
        i = jsonsrc_tok_end(s->text, s->len, i);
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
        if (jsonsrc_str_decode(s->text, s->len, off, &kb, &kend) && obj != NOPOS) {
            uint32_t first = jsonsrc_scan_member(s, obj, kb.p, &v);
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
    jsonsrc_build_index(s);
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
