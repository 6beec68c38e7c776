/* Incremental command framing: see ctrl_feed.h. */
#include "ctrl/ctrl_feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"

enum {
    S_WS,        /* whitespace before the value (or after it, in trailer mode) */
    S_WS_SLASH,  /* '/' seen outside the value */
    S_WS_EOL,    /* '#' or '//' comment outside the value */
    S_WS_C,      /* block comment outside the value */
    S_WS_C_STAR, /* '*' inside such a comment */
    S_IN,        /* inside the value, outside strings */
    S_IN_SLASH,
    S_IN_EOL,
    S_IN_C,
    S_IN_C_STAR,
    S_STR,       /* inside a string */
    S_ESC,       /* after a backslash inside a string */
    S_DONE,
    S_ERR,
};

void ctrl_feed_init(ctrl_feed_t *f)
{
    memset(f, 0, sizeof(*f));
    f->state = S_WS;
}

void ctrl_feed_free(ctrl_feed_t *f)
{
    free(f->out);
    f->out = NULL;
    f->len = f->cap = 0;
}

static void describe(char *buf, size_t cap, unsigned char ch)
{
    if (ch > 0x20 && ch < 0x7f)
        snprintf(buf, cap, "'%c'", ch);
    else
        snprintf(buf, cap, "0x%02x", ch);
}

static int fail(ctrl_feed_t *f, const char *what, unsigned char ch)
{
    char d[8];
    describe(d, sizeof d, ch);
    snprintf(f->err, sizeof f->err, "%s %s", what, d);
    f->state = S_ERR;
    return CTRL_FEED_ERROR;
}

static inline bool is_ws(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

int ctrl_feed_push(ctrl_feed_t *f, const char *data, size_t len, size_t *used)
{
    size_t i = 0;
    if (used)
        *used = 0;
    if (f->state == S_DONE)
        return CTRL_FEED_DONE;
    if (f->state == S_ERR)
        return CTRL_FEED_ERROR;
    /* One push appends at most len + 1 bytes (a held '/' may be flushed as two). */
    if (!f->trailer && f->cap - f->len < len + 2) {
        size_t want = f->cap ? f->cap : 256;
        while (want - f->len < len + 2)
            want *= 2;
        f->out = xrealloc(f->out, want);
        f->cap = want;
    }
    char *o = f->out;
    size_t n = f->len;
    const bool keep = !f->trailer; /* trailer mode copies nothing */
#define EMIT(ch)            \
    do {                    \
        if (keep)           \
            o[n++] = (ch);  \
    } while (0)

    int status = CTRL_FEED_MORE;
    for (; i < len; i++) {
        unsigned char ch = (unsigned char)data[i];
        switch (f->state) {
        case S_WS:
            if (is_ws(ch)) {
                EMIT(ch);
            } else if (ch == '#') {
                EMIT(' ');
                f->state = S_WS_EOL;
            } else if (ch == '/') {
                f->state = S_WS_SLASH;
            } else if ((ch == '{' || ch == '[') && !f->trailer) {
                EMIT(ch);
                f->depth = 1;
                f->state = S_IN;
            } else {
                status = fail(f, f->trailer ? "unexpected data after the command:"
                                            : "invalid first character", ch);
                goto out;
            }
            break;
        case S_WS_SLASH:
        case S_IN_SLASH:
            if (ch == '/' || ch == '*') {
                EMIT(' ');
                EMIT(' ');
                if (f->state == S_WS_SLASH)
                    f->state = ch == '/' ? S_WS_EOL : S_WS_C;
                else
                    f->state = ch == '/' ? S_IN_EOL : S_IN_C;
            } else {
                status = fail(f, "'/' does not start a comment, followed by", ch);
                goto out;
            }
            break;
        case S_WS_EOL:
        case S_IN_EOL:
            if (ch == '\n') {
                EMIT('\n');
                f->state = f->state == S_WS_EOL ? S_WS : S_IN;
            } else {
                EMIT(' ');
            }
            break;
        case S_WS_C:
        case S_IN_C:
            EMIT(ch == '\n' ? '\n' : ' ');
            if (ch == '*')
                f->state = f->state == S_WS_C ? S_WS_C_STAR : S_IN_C_STAR;
            break;
        case S_WS_C_STAR:
        case S_IN_C_STAR:
            EMIT(ch == '\n' ? '\n' : ' ');
            if (ch == '/')
                f->state = f->state == S_WS_C_STAR ? S_WS : S_IN;
            else if (ch != '*')
                f->state = f->state == S_WS_C_STAR ? S_WS_C : S_IN_C;
            break;
        case S_IN:
            switch (ch) {
            case '{':
            case '[':
                EMIT(ch);
                f->depth++;
                break;
            case '}':
            case ']':
                EMIT(ch);
                if (--f->depth == 0) {
                    f->state = S_DONE;
                    i++;
                    status = CTRL_FEED_DONE;
                    goto out;
                }
                break;
            case '"':
                EMIT(ch);
                f->state = S_STR;
                break;
            case '#':
                EMIT(' ');
                f->state = S_IN_EOL;
                break;
            case '/':
                f->state = S_IN_SLASH;
                break;
            default:
                EMIT(ch);
            }
            break;
        case S_STR:
            EMIT(ch);
            if (ch == '"')
                f->state = S_IN;
            else if (ch == '\\')
                f->state = S_ESC;
            break;
        case S_ESC:
            EMIT(ch);
            f->state = S_STR;
            break;
        default:
            break;
        }
    }
out:
#undef EMIT
    f->len = n;
    f->seen += i;
    if (used)
        *used = i;
    return status;
}

const char *ctrl_feed_text(const ctrl_feed_t *f, size_t *len)
{
    if (len)
        *len = f->state == S_DONE ? f->len : 0;
    return f->state == S_DONE ? f->out : NULL;
}

const char *ctrl_feed_error(const ctrl_feed_t *f)
{
    return f->state == S_ERR ? f->err : "";
}

int ctrl_feed_check_trailer(const char *data, size_t len, char *err, size_t errlen)
{
    ctrl_feed_t f;
    ctrl_feed_init(&f);
    f.trailer = true;
    int rc = ctrl_feed_push(&f, data, len, NULL);
    if (rc == CTRL_FEED_ERROR) {
        snprintf(err, errlen, "%s", f.err);
        return NST_EMALFORMED;
    }
    if (f.state == S_WS_SLASH) {
        snprintf(err, errlen, "unexpected data after the command: '/'");
        return NST_EMALFORMED;
    }
    if (f.state == S_WS_C || f.state == S_WS_C_STAR) {
        snprintf(err, errlen, "unterminated comment after the command");
        return NST_EMALFORMED;
    }
    return 0;
}
