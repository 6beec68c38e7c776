/* Line layout: a subset of log4cplus's PatternLayout, which Kea's "pattern" uses.
 * Conversions: %c logger, %d{fmt} UTC time, %D{fmt} local time (strftime plus %q milliseconds
 * and %Q milliseconds with microsecond fraction), %p severity, %i pid, %t/%T thread id, %m
 * "MSGID text", %n newline, %h/%H host name, %% percent. Modifiers: %-W.Mx (left-justify, minimum
 * width W, at most M characters keeping the end). Location conversions (%b %F %L %l %M) print
 * nothing; anything else is copied literally. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log_int.h"

const char nlog_default_pattern[] = "%D{%Y-%m-%d %H:%M:%S.%q} %-5p [%c/%i.%t] %m\n";
const char nlog_syslog_pattern[] = "%-5p [%c.%t] %m\n";

enum op_kind { OP_LIT, OP_LOGGER, OP_UTC, OP_LOCAL, OP_SEV, OP_PID, OP_TID, OP_MSG, OP_HOST };

struct op {
    enum op_kind kind;
    bool left;
    int minw, maxw; /* maxw < 0: no limit */
    char *arg;      /* literal text or date format */
};

struct nlog_pattern {
    struct op *ops;
    size_t n;
    char host[256];
};

void nlog_buf_init(struct nlog_buf *b)
{
    b->p = b->small;
    b->len = 0;
    b->cap = sizeof b->small;
}

void nlog_buf_free(struct nlog_buf *b)
{
    if (b->p != b->small)
        free(b->p);
    nlog_buf_init(b);
}

void nlog_buf_put(struct nlog_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        if (b->len + n + 1 > NLOG_MAX_LINE)
            n = b->len + 1 < NLOG_MAX_LINE ? NLOG_MAX_LINE - b->len - 1 : 0;
        size_t ncap = b->cap;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        if (ncap != b->cap) {
            char *np = xmalloc(ncap);
            memcpy(np, b->p, b->len);
            if (b->p != b->small)
                free(b->p);
            b->p = np;
            b->cap = ncap;
        }
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void add_op(struct nlog_pattern *p, struct op op)
{
    p->ops = xrealloc(p->ops, (p->n + 1) * sizeof *p->ops);
    p->ops[p->n++] = op;
}

static void add_lit(struct nlog_pattern *p, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (p->n && p->ops[p->n - 1].kind == OP_LIT && p->ops[p->n - 1].minw == 0) {
        struct op *o = &p->ops[p->n - 1];
        size_t old = strlen(o->arg);
        o->arg = xrealloc(o->arg, old + n + 1);
        memcpy(o->arg + old, s, n);
        o->arg[old + n] = '\0';
        return;
    }
    add_op(p, (struct op){OP_LIT, false, 0, -1, xstrndup(s, n)});
}

struct nlog_pattern *nlog_pattern_compile(const char *text)
{
    struct nlog_pattern *p = xcalloc(1, sizeof *p);
    if (gethostname(p->host, sizeof p->host - 1) != 0)
        p->host[0] = '\0';
    size_t i = 0;
    while (text[i]) {
        if (text[i] != '%') {
            size_t j = i;
            while (text[j] && text[j] != '%')
                j++;
            add_lit(p, text + i, j - i);
            i = j;
            continue;
        }
        size_t j = i + 1;
        struct op op = {OP_LIT, false, 0, -1, NULL};
        if (text[j] == '-') {
            op.left = true;
            j++;
        }
        while (text[j] >= '0' && text[j] <= '9') {
            op.minw = op.minw < 1000 ? op.minw * 10 + (text[j] - '0') : op.minw;
            j++;
        }
        if (text[j] == '.') {
            op.maxw = 0;
            j++;
            while (text[j] >= '0' && text[j] <= '9') {
                op.maxw = op.maxw < 1000 ? op.maxw * 10 + (text[j] - '0') : op.maxw;
                j++;
            }
        }
        char c = text[j];
        if (!c) {
            add_lit(p, text + i, j - i);
            break;
        }
        j++;
        const char *arg = NULL;
        size_t arglen = 0;
        if (text[j] == '{' && strchr(text + j, '}')) {
            arg = text + j + 1;
            arglen = (size_t)(strchr(text + j, '}') - arg);
            j += arglen + 2;
        }
        switch (c) {
        case '%': add_lit(p, "%", 1); i = j; continue;
        case 'n': add_lit(p, "\n", 1); i = j; continue;
        case 'c': op.kind = OP_LOGGER; break;
        case 'd': op.kind = OP_UTC; break;
        case 'D': op.kind = OP_LOCAL; break;
        case 'p': op.kind = OP_SEV; break;
        case 'i': op.kind = OP_PID; break;
        case 't': case 'T': op.kind = OP_TID; break;
        case 'm': op.kind = OP_MSG; break;
        case 'h': case 'H': op.kind = OP_HOST; break;
        case 'b': case 'F': case 'L': case 'l': case 'M': op.arg = xstrdup(""); break;
        default:
            add_lit(p, text + i, j - i);
            i = j;
            continue;
        }
        if (op.kind == OP_UTC || op.kind == OP_LOCAL)
            op.arg = arg ? xstrndup(arg, arglen) : xstrdup("%Y-%m-%d %H:%M:%S.%q");
        add_op(p, op);
        i = j;
    }
    return p;
}

void nlog_pattern_free(struct nlog_pattern *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->ops[i].arg);
    free(p->ops);
    free(p);
}

/* strftime with %q (milliseconds, 3 digits) and %Q (milliseconds.microseconds). */
static size_t fmt_time(char *out, size_t cap, const char *fmt, const struct tm *tm, long nsec)
{
    char f[512], ms[48];
    size_t o = 0;
    int msec = (int)(nsec / 1000000 % 1000), usec = (int)(nsec / 1000 % 1000);
    for (size_t i = 0; fmt[i] && o + 12 < sizeof f; i++) {
        if (fmt[i] == '%' && (fmt[i + 1] == 'q' || fmt[i + 1] == 'Q')) {
            if (fmt[i + 1] == 'q')
                snprintf(ms, sizeof ms, "%03d", msec);
            else
                snprintf(ms, sizeof ms, "%03d.%03d", msec, usec);
            memcpy(f + o, ms, strlen(ms));
            o += strlen(ms);
            i++;
        } else if (fmt[i] == '%' && fmt[i + 1]) {
            f[o++] = fmt[i++];
            f[o++] = fmt[i];
        } else {
            f[o++] = fmt[i];
        }
    }
    f[o] = '\0';
    if (!f[0])
        return 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    return strftime(out, cap, f, tm);
#pragma GCC diagnostic pop
}

static const char *sev_name(enum nlog_sev sev)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR", "FATAL", "NONE"};
    return (unsigned)sev < ARRAY_SIZE(names) ? names[sev] : "NONE";
}

static void put_field(struct nlog_buf *b, const struct op *op, const char *s, size_t n)
{
    static const char spaces[] = "                                ";
    if (op->maxw >= 0 && n > (size_t)op->maxw) {
        s += n - (size_t)op->maxw;
        n = (size_t)op->maxw;
    }
    size_t pad = op->minw > 0 && (size_t)op->minw > n ? (size_t)op->minw - n : 0;
    if (!op->left)
        for (size_t k = pad; k > 0; k -= k < 32 ? k : 32)
            nlog_buf_put(b, spaces, k < 32 ? k : 32);
    nlog_buf_put(b, s, n);
    if (op->left)
        for (size_t k = pad; k > 0; k -= k < 32 ? k : 32)
            nlog_buf_put(b, spaces, k < 32 ? k : 32);
}

void nlog_pattern_format(const struct nlog_pattern *p, struct nlog_event *ev, struct nlog_buf *b)
{
    char tmp[512];
    b->len = 0;
    if (b->cap)
        b->p[0] = '\0';
    for (size_t i = 0; i < p->n; i++) {
        const struct op *op = &p->ops[i];
        const char *s = tmp;
        size_t n = 0;
        switch (op->kind) {
        case OP_LIT:
            s = op->arg;
            n = strlen(s);
            break;
        case OP_LOGGER:
            s = ev->logger;
            n = strlen(s);
            break;
        case OP_UTC:
            if (!ev->have_utc)
                ev->have_utc = gmtime_r(&ev->ts.tv_sec, &ev->utc) != NULL;
            n = ev->have_utc ? fmt_time(tmp, sizeof tmp, op->arg, &ev->utc, ev->ts.tv_nsec) : 0;
            break;
        case OP_LOCAL:
            if (!ev->have_local)
                ev->have_local = localtime_r(&ev->ts.tv_sec, &ev->local) != NULL;
            n = ev->have_local ? fmt_time(tmp, sizeof tmp, op->arg, &ev->local, ev->ts.tv_nsec)
                               : 0;
            break;
        case OP_SEV:
            s = sev_name(ev->sev);
            n = strlen(s);
            break;
        case OP_PID:
            n = (size_t)snprintf(tmp, sizeof tmp, "%ld", ev->pid);
            break;
        case OP_TID:
            n = (size_t)snprintf(tmp, sizeof tmp, "%lu", ev->tid);
            break;
        case OP_HOST:
            s = p->host;
            n = strlen(s);
            break;
        case OP_MSG:
            if (op->minw == 0 && op->maxw < 0) { /* the common case: no copy */
                if (ev->msgid) {
                    nlog_buf_put(b, ev->msgid, strlen(ev->msgid));
                    nlog_buf_put(b, " ", 1);
                }
                nlog_buf_put(b, ev->text, strlen(ev->text));
                continue;
            }
            n = (size_t)snprintf(tmp, sizeof tmp, "%s%s%s", ev->msgid ? ev->msgid : "",
                                 ev->msgid ? " " : "", ev->text);
            if (n >= sizeof tmp)
                n = sizeof tmp - 1;
            break;
        }
        put_field(b, op, s, n);
    }
}
