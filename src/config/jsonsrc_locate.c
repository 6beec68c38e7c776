/* jsonsrc: the lexer over the expanded text, the node index (container node -> offsets of its
 * key and bracket) and the locate/where queries. See jsonsrc.h for the contract and
 * jsonsrc_int.h for what is shared with jsonsrc.c (loading). */
#include "config/jsonsrc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "config/jsonsrc_int.h"

/* ------------------------------------------------------------------ expanded-text lexing */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_punct(char c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',';
}

size_t jsonsrc_skip_ws(const char *t, size_t len, size_t i)
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

size_t jsonsrc_tok_end(const char *t, size_t len, size_t i)
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
        return jsonsrc_tok_end(t, len, i);
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
bool jsonsrc_str_decode(const char *t, size_t len, size_t i, struct buf *b, size_t *end)
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
uint32_t jsonsrc_scan_member(const jsonsrc_t *s, size_t obj, const char *key, size_t *voff)
{
    const char *t = s->text;
    size_t len = s->len, i = obj + 1, kend;
    struct buf kb = {0};
    uint32_t found = NOPOS;
    if (obj >= len || t[obj] != '{')
        return NOPOS;
    for (;;) {
        i = jsonsrc_skip_ws(t, len, i);
        if (i < len && t[i] == ',') {
            i++;
            continue;
        }
        if (i >= len || t[i] != '"' || !jsonsrc_str_decode(t, len, i, &kb, &kend))
            break;
        size_t j = jsonsrc_skip_ws(t, len, kend);
        if (j >= len || t[j] != ':')
            break;
        size_t v = jsonsrc_skip_ws(t, len, j + 1);
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
        i = jsonsrc_skip_ws(t, len, i);
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
void jsonsrc_build_index(jsonsrc_t *s)
{
    struct frame {
        json_t *node;
        size_t pos, idx;
    } *st = NULL;
    size_t n = 0, cap = 0;
    const char *t = s->text;
    size_t len = s->len, i = jsonsrc_skip_ws(t, len, 0);
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
        i = jsonsrc_skip_ws(t, len, f->pos);
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
            if (t[i] != '"' || !jsonsrc_str_decode(t, len, i, &kb, &kend))
                break;
            koff = i;
            size_t j = jsonsrc_skip_ws(t, len, kend);
            if (j >= len || t[j] != ':')
                break;
            voff = jsonsrc_skip_ws(t, len, j + 1);
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
            f->pos = jsonsrc_tok_end(t, len, voff);
        }
    }
    free(st);
    free(kb.p);
}

/* ------------------------------------------------------------------ locating */

static int report(const jsonsrc_t *s, size_t off, const char **file, int *line, int *col)
{
    uint32_t f;
    int l, c;
    if (off == NOPOS || off >= s->len)
        return NST_ENOENT;
    jsonsrc_map_off(s, off, &f, &l, &c);
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
        return jsonsrc_scan_member(s, cur_off, key, val);
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
