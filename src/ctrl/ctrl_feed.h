/* Incremental framing of one control command (Kea's "JSON feed" semantics).
 *
 * Contract: bytes are pushed in arbitrary chunks; the feed skips whitespace and comments
 * ('#' and '//' to end of line, C-style block comments) before the JSON value, requires it to
 * start with '{' or '[', tracks nesting outside strings and reports DONE at the matching
 * closing bracket. The text of the value is copied into an internal buffer with every comment
 * character replaced by a space (newlines kept), so a JSON parser fed with it reports the same
 * line and column as in the original text. Nothing here allocates per byte; the buffer grows
 * geometrically. Bytes after the closing bracket are not consumed. A feed is used by one thread
 * at a time. Errors are sticky: after CTRL_FEED_ERROR, ctrl_feed_error() names the problem. */
#ifndef NESTOR_CTRL_CTRL_FEED_H
#define NESTOR_CTRL_CTRL_FEED_H

#include <stdbool.h>
#include <stddef.h>

enum ctrl_feed_status {
    CTRL_FEED_MORE = 0,   /* the value is not complete yet */
    CTRL_FEED_DONE = 1,   /* the closing bracket was seen */
    CTRL_FEED_ERROR = -1, /* the text cannot be a command (see ctrl_feed_error) */
};

typedef struct ctrl_feed {
    int state;
    bool trailer;     /* trailer mode: only whitespace and comments are allowed */
    size_t depth;     /* open '{' / '[' outside strings */
    size_t seen;      /* raw bytes consumed so far */
    char *out;        /* stripped text of the value (not NUL-terminated) */
    size_t len, cap;
    char err[96];
} ctrl_feed_t;

/* Prepares an empty feed. */
void ctrl_feed_init(ctrl_feed_t *f);
/* Releases the buffer; the feed may be initialised again. */
void ctrl_feed_free(ctrl_feed_t *f);

/* Consumes up to len bytes. *used (may be NULL) receives how many bytes were consumed: all of
 * them for CTRL_FEED_MORE, up to and including the closing bracket for CTRL_FEED_DONE. Pushing
 * after DONE or ERROR returns the same status and consumes nothing. */
int ctrl_feed_push(ctrl_feed_t *f, const char *data, size_t len, size_t *used);

/* The stripped text of the complete value (valid after DONE until ctrl_feed_free). */
const char *ctrl_feed_text(const ctrl_feed_t *f, size_t *len);
/* Human-readable reason after CTRL_FEED_ERROR; "" otherwise. */
const char *ctrl_feed_error(const ctrl_feed_t *f);

/* Checks that text after a complete value holds only whitespace and complete comments.
 * Returns 0, or NST_EMALFORMED with a reason in err. */
int ctrl_feed_check_trailer(const char *data, size_t len, char *err, size_t errlen);

#endif
