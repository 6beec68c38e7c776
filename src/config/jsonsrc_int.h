/* Internal to src/config/jsonsrc*.c (not a public header): the jsonsrc_t layout and the helpers
 * shared by jsonsrc.c (loading, include expansion, jansson parse, warnings, free) and
 * jsonsrc_locate.c (lexer, node index, locate/where queries).
 *
 * Contract:
 * - Offsets are byte offsets into s->text, the expanded text (comments blanked, includes
 *   spliced in); they fit in uint32_t because the text is at most JSONSRC_MAX_TEXT bytes.
 *   NOPOS means "no position".
 * - Memory: everything reachable from a jsonsrc_t is owned by it and released by jsonsrc_free()
 *   (jsonsrc.c), including the json reference that the node index holds on each indexed node.
 * - Thread-safety: the builders (jsonsrc_build_index() and the loader) run once, inside a load
 *   call; everything else only reads s and may run concurrently.
 * - Robustness: the lexing helpers take (t, len) and never read at or past len; they accept any
 *   bytes and report malformed text by their return value, never by crashing.
 */
#ifndef NESTOR_CONFIG_JSONSRC_INT_H
#define NESTOR_CONFIG_JSONSRC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "config/jsonsrc.h"

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

/* Growable byte buffer; p is owned by its user (free(p)). */
struct buf {
    char *p;
    size_t len, cap;
};

static inline void buf_put(struct buf *b, char c)
{
    if (b->len + 1 >= b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = xrealloc(b->p, b->cap);
    }
    b->p[b->len++] = c;
}

/* ---- jsonsrc.c */

/* Maps an offset of the expanded text (s->len = just past the end) to the index of its file in
 * s->files and a 1-based line and byte column in that file. */
void jsonsrc_map_off(const jsonsrc_t *s, size_t off, uint32_t *file, int *line, int *col);

/* ---- jsonsrc_locate.c: lexing of the expanded text */

/* Offset of the first non-blank (space, tab, CR, LF) at or after i; len if none. */
size_t jsonsrc_skip_ws(const char *t, size_t len, size_t i);

/* Offset just past the token starting at t[i] (requires i < len): a string (up to its closing
 * quote, or the newline / end if unterminated), one punctuation byte, or a bare word. */
size_t jsonsrc_tok_end(const char *t, size_t len, size_t i);

/* Decodes the JSON string at t[i] == '"' into b (NUL-terminated, b->len excludes the NUL;
 * may contain NUL bytes from \u0000). Returns false if invalid; *end = offset after the
 * closing quote. b->p must be freed by the caller either way. */
bool jsonsrc_str_decode(const char *t, size_t len, size_t i, struct buf *b, size_t *end);

/* Finds member key in the object whose '{' is at s->text[obj]. Returns the key offset or NOPOS;
 * *voff = offset of the value. */
uint32_t jsonsrc_scan_member(const jsonsrc_t *s, size_t obj, const char *key, size_t *voff);

/* ---- jsonsrc_locate.c: node index */

/* Walks s->text and s->root together and indexes every container node (and sets s->root_off).
 * Called once by the loader after a successful parse. */
void jsonsrc_build_index(jsonsrc_t *s);

#endif
