/* nlog: the "loggers" configuration (Kea 2.2 src/lib/process/log_parser.cc semantics, keys of
 * dhcp4_parser.yy's logger_param/output_params) -> nlog_setup_t. */
#define NLOG_NO_SHORT_MACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "common/errcode.h"
#include "log/log_int.h"

struct entry {
    const char *name_in;
    char *name;          /* full name */
    bool has_sev, has_outs;
    int threshold;
    size_t out_start, nout; /* slice of the setup's outs pool */
};

struct pctx {
    nlog_setup_t *s;
    unsigned flags;
    char *err, *epath;
    size_t errlen, epcap;
    size_t outcap;
};

static int bad(struct pctx *c, int rc, size_t li, const char *okey, long oi, const char *key,
               const char *fmt, ...) NST_PRINTF(7, 8);

static int bad(struct pctx *c, int rc, size_t li, const char *okey, long oi, const char *key,
               const char *fmt, ...)
{
    char where[128], msg[512];
    if (oi >= 0) {
        snprintf(where, sizeof where, "loggers[%zu].%s[%ld]", li, okey, oi);
        if (c->epcap)
            snprintf(c->epath, c->epcap, "/%zu/%s/%ld%s%s", li, okey, oi, key ? "/" : "",
                     key ? key : "");
    } else {
        snprintf(where, sizeof where, "loggers[%zu]", li);
        if (c->epcap)
            snprintf(c->epath, c->epcap, "/%zu%s%s", li, key ? "/" : "", key ? key : "");
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->errlen)
        snprintf(c->err, c->errlen, "%s: %s", where, msg);
    return rc;
}

static const struct {
    const char *name;
    int value;
} facilities[] = {
    {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
    {"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},           {"kern", LOG_KERN},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},     {"lpr", LOG_LPR},
    {"mail", LOG_MAIL},     {"news", LOG_NEWS},         {"syslog", LOG_SYSLOG},
    {"user", LOG_USER},     {"uucp", LOG_UUCP},
};

/* "syslog" uses local0 (Kea's OutputOption default); an unknown facility name falls back to
 * user, as log4cplus does. */
static int facility_of(const char *name)
{
    if (!*name)
        return LOG_LOCAL0;
    for (size_t i = 0; i < ARRAY_SIZE(facilities); i++)
        if (strcasecmp(name, facilities[i].name) == 0)
            return facilities[i].value;
    return LOG_USER;
}

static struct nlog_sink *get_sink(nlog_setup_t *s, enum nlog_sink_kind kind, const char *path,
                                  int facility, bool *fresh)
{
    *fresh = false;
    for (size_t i = 0; i < s->nsinks; i++) {
        struct nlog_sink *k = s->sinks[i];
        if (k->kind == kind && (kind != NLOG_SINK_FILE || strcmp(k->path, path) == 0) &&
            (kind != NLOG_SINK_SYSLOG || k->facility == facility))
            return k;
    }
    s->sinks = xrealloc(s->sinks, (s->nsinks + 1) * sizeof *s->sinks);
    *fresh = true;
    return s->sinks[s->nsinks++] = nlog_sink_new(kind, path, facility);
}

static size_t add_out(struct pctx *c, struct nlog_sink *k, const char *pattern)
{
    nlog_setup_t *s = c->s;
    if (s->nouts == c->outcap) {
        c->outcap = c->outcap ? c->outcap * 2 : 8;
        s->outs = xrealloc(s->outs, c->outcap * sizeof *s->outs);
    }
    s->pats = xrealloc(s->pats, (s->npats + 1) * sizeof *s->pats);
    s->pats[s->npats] = nlog_pattern_compile(pattern);
    s->outs[s->nouts] = (struct nlog_out){k, s->pats[s->npats++]};
    return s->nouts++;
}

static bool valid_key(const char *key, const char *const *keys)
{
    for (; *keys; keys++)
        if (strcmp(key, *keys) == 0)
            return true;
    return false;
}

static int parse_output(struct pctx *c, size_t li, const char *okey, size_t oi,
                        const json_t *o)
{
    static const char *const keys[] = {"output", "flush", "maxsize", "maxver", "pattern", NULL};
    const char *key;
    const json_t *v;
    long j = (long)oi;
    if (!json_is_object(o))
        return bad(c, NST_ECONFIG, li, okey, j, NULL, "must be a map");
    json_object_foreach((json_t *)o, key, v) {
        if (!valid_key(key, keys))
            return bad(c, NST_ECONFIG, li, okey, j, key, "unknown parameter '%s'", key);
    }
    const json_t *out = json_object_get(o, "output");
    if (!out)
        return bad(c, NST_ECONFIG, li, okey, j, NULL, "missing mandatory 'output' parameter");
    if (!json_is_string(out) || !*json_string_value(out))
        return bad(c, NST_ECONFIG, li, okey, j, "output", "'output' must be a non-empty string");
    if ((v = json_object_get(o, "flush")) && !json_is_boolean(v))
        return bad(c, NST_ECONFIG, li, okey, j, "flush", "'flush' must be a boolean");
    uint64_t maxsize = NLOG_DEFAULT_MAXSIZE;
    if ((v = json_object_get(o, "maxsize"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return bad(c, NST_ECONFIG, li, okey, j, "maxsize",
                       "'maxsize' must be a non-negative integer");
        maxsize = (uint64_t)json_integer_value(v);
    }
    int maxver = 1;
    if ((v = json_object_get(o, "maxver"))) {
        if (!json_is_integer(v))
            return bad(c, NST_ECONFIG, li, okey, j, "maxver", "'maxver' must be an integer");
        json_int_t mv = json_integer_value(v);
        maxver = mv < 1 ? 1 : mv > 1000000 ? 1000000 : (int)mv;
    }
    const char *pattern = "";
    if ((v = json_object_get(o, "pattern"))) {
        if (!json_is_string(v))
            return bad(c, NST_ECONFIG, li, okey, j, "pattern", "'pattern' must be a string");
        pattern = json_string_value(v);
    }

    const char *dest = json_string_value(out);
    enum nlog_sink_kind kind = NLOG_SINK_FILE;
    int facility = 0;
    if (strcmp(dest, "stdout") == 0) {
        kind = NLOG_SINK_STDOUT;
    } else if (strcmp(dest, "stderr") == 0) {
        kind = NLOG_SINK_STDERR;
    } else if (strcmp(dest, "syslog") == 0 || strncmp(dest, "syslog:", 7) == 0) {
        kind = NLOG_SINK_SYSLOG;
        facility = facility_of(dest[6] ? dest + 7 : "");
    }
    bool fresh;
    struct nlog_sink *k = get_sink(c->s, kind, dest, facility, &fresh);
    if (fresh && kind == NLOG_SINK_FILE) {
        /* As log4cplus: 0 = plain file, else at least 200 KiB. */
        k->maxsize = maxsize == 0 ? 0 : maxsize < NLOG_MIN_ROTATE ? NLOG_MIN_ROTATE : maxsize;
        k->maxver = maxver;
        if (!(c->flags & NLOG_PREPARE_CHECK_ONLY)) {
            int rc = nlog_sink_open(k);
            if (rc)
                return bad(c, NST_EIO, li, okey, j, "output", "cannot open log file '%s': %s",
                           dest, strerror(-rc));
        }
    }
    if (!*pattern)
        pattern = kind == NLOG_SINK_SYSLOG ? nlog_syslog_pattern : nlog_default_pattern;
    add_out(c, k, pattern);
    return 0;
}

static int parse_severity(const char *text, int dbglvl)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR", "FATAL", "NONE"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (strcasecmp(text, names[i]) == 0)
            return i == NLOG_NONE ? NLOG_RANK_INFO + 4 : nlog_rank((enum nlog_sev)i, dbglvl);
    return -1;
}

static char *full_name(const char *name)
{
    const char *root = nlog_root_name();
    size_t rl = strlen(root);
    if (strcmp(name, root) == 0 || (strncmp(name, root, rl) == 0 && name[rl] == '.'))
        return xstrdup(name);
    char *full = xmalloc(rl + strlen(name) + 2);
    sprintf(full, "%s.%s", root, name);
    return full;
}

static int parse_entry(struct pctx *c, size_t li, const json_t *e, struct entry *out)
{
    static const char *const keys[] = {"name", "severity", "debuglevel", "output_options",
                                       "output-options", "user-context", "comment", NULL};
    const char *key;
    const json_t *v;
    if (!json_is_object(e))
        return bad(c, NST_ECONFIG, li, NULL, -1, NULL, "must be a map");
    json_object_foreach((json_t *)e, key, v) {
        if (!valid_key(key, keys))
            return bad(c, NST_ECONFIG, li, NULL, -1, key, "unknown parameter '%s'", key);
    }
    const json_t *name = json_object_get(e, "name");
    if (!name)
        return bad(c, NST_ECONFIG, li, NULL, -1, NULL, "missing mandatory 'name' parameter");
    if (!json_is_string(name) || !*json_string_value(name))
        return bad(c, NST_ECONFIG, li, NULL, -1, "name", "'name' must be a non-empty string");
    if ((v = json_object_get(e, "user-context")) && !json_is_object(v))
        return bad(c, NST_ECONFIG, li, NULL, -1, "user-context", "'user-context' must be a map");
    if ((v = json_object_get(e, "comment")) && !json_is_string(v))
        return bad(c, NST_ECONFIG, li, NULL, -1, "comment", "'comment' must be a string");
    int dbglvl = 0;
    if ((v = json_object_get(e, "debuglevel"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 99) {
            char shown[64] = "";
            if (json_is_integer(v))
                snprintf(shown, sizeof shown, " %lld", (long long)json_integer_value(v));
            return bad(c, NST_ECONFIG, li, NULL, -1, "debuglevel",
                       "unsupported debuglevel value%s, expected 0-99", shown);
        }
        dbglvl = (int)json_integer_value(v);
    }
    out->name_in = json_string_value(name);
    out->threshold = NLOG_RANK_INFO;
    if ((v = json_object_get(e, "severity"))) {
        if (!json_is_string(v))
            return bad(c, NST_ECONFIG, li, NULL, -1, "severity", "'severity' must be a string");
        out->has_sev = true;
        out->threshold = parse_severity(json_string_value(v), dbglvl);
        if (out->threshold < 0) { /* Kea logs this and uses INFO */
            out->threshold = NLOG_RANK_INFO;
            nlog_write(NLOG_LOG, NLOG_ERROR, 0, "LOG_BAD_SEVERITY",
                       "unknown log severity '%s' for logger %s, using INFO",
                       json_string_value(v), out->name_in);
        }
    }
    const json_t *o1 = json_object_get(e, "output_options");
    const json_t *o2 = json_object_get(e, "output-options");
    if (o1 && o2)
        return bad(c, NST_ECONFIG, li, NULL, -1, "output-options",
                   "only one of 'output-options' and 'output_options' may be specified");
    const char *okey = o1 ? "output_options" : "output-options";
    const json_t *outs = o1 ? o1 : o2;
    if (outs && !json_is_array(outs))
        return bad(c, NST_ECONFIG, li, NULL, -1, okey, "'%s' must be a list", okey);
    out->out_start = c->s->nouts;
    for (size_t i = 0; outs && i < json_array_size(outs); i++) {
        int rc = parse_output(c, li, okey, i, json_array_get(outs, i));
        if (rc)
            return rc;
    }
    out->nout = c->s->nouts - out->out_start;
    out->has_outs = out->nout > 0; /* an empty list is the same as none (as in Kea) */
    return 0;
}

/* Entry for name: the last one wins for each of severity and outputs, as Kea applies them in
 * order. */
static void merged(const struct entry *es, size_t n, const char *name, struct entry *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(es[i].name, name) != 0)
            continue;
        m->name = es[i].name;
        if (es[i].has_sev) {
            m->has_sev = true;
            m->threshold = es[i].threshold;
        }
        if (es[i].has_outs) {
            m->has_outs = true;
            m->out_start = es[i].out_start;
            m->nout = es[i].nout;
        }
    }
}

/* Drops the last ".part" of name; false at the root. */
static bool parent(char *name, size_t rootlen)
{
    if (strlen(name) <= rootlen)
        return false;
    char *dot = strrchr(name, '.');
    if (!dot || (size_t)(dot - name) < rootlen)
        name[rootlen] = '\0';
    else
        *dot = '\0';
    return true;
}

static void resolve(struct pctx *c, const struct entry *es, size_t n)
{
    nlog_setup_t *s = c->s;
    size_t rl = strlen(nlog_root_name());
    size_t dflt = SIZE_MAX;
    size_t start[NLOG__COUNT], count[NLOG__COUNT];
    for (int lg = 0; lg < NLOG__COUNT; lg++) {
        char name[256];
        struct entry m;
        int thr = nlog_debug_mode() ? NLOG_RANK_DEBUG99 : NLOG_RANK_INFO;
        snprintf(name, sizeof name, "%s", nlog_logger_name((enum nlog_logger)lg));
        do {
            merged(es, n, name, &m);
            if (m.has_sev) {
                thr = m.threshold;
                break;
            }
        } while (parent(name, rl));
        if (nlog_debug_mode())
            thr = NLOG_RANK_DEBUG99;
        s->lg[lg].threshold = thr;

        snprintf(name, sizeof name, "%s", nlog_logger_name((enum nlog_logger)lg));
        bool found = false;
        do {
            merged(es, n, name, &m);
            if (m.name) {
                found = true;
                break;
            }
        } while (parent(name, rl));
        if (found && m.has_outs) {
            start[lg] = m.out_start;
            count[lg] = m.nout;
        } else if (found && strlen(name) > rl) {
            start[lg] = count[lg] = 0; /* configured child without outputs: silent (Kea 2.2) */
        } else {
            if (dflt == SIZE_MAX) {
                bool fresh;
                dflt = add_out(c, get_sink(s, NLOG_SINK_STDOUT, NULL, 0, &fresh),
                               nlog_default_pattern);
            }
            start[lg] = dflt;
            count[lg] = 1;
        }
    }
    for (int lg = 0; lg < NLOG__COUNT; lg++) { /* the pool no longer moves */
        s->lg[lg].outs = count[lg] ? &s->outs[start[lg]] : NULL;
        s->lg[lg].nout = count[lg];
    }
}

int nlog_prepare_ex(const json_t *loggers, unsigned flags, nlog_setup_t **out, char *err,
                    size_t errlen, char *errpath, size_t pathcap)
{
    struct pctx c = {.flags = flags, .err = err, .errlen = errlen, .epath = errpath,
                     .epcap = pathcap};
    if (out)
        *out = NULL;
    if (errlen)
        err[0] = '\0';
    if (pathcap)
        errpath[0] = '\0';
    if (loggers && !json_is_array(loggers)) {
        snprintf(err, errlen, "loggers: must be a list");
        return NST_ECONFIG;
    }
    size_t n = json_array_size(loggers);
    struct entry *es = xcalloc(n ? n : 1, sizeof *es);
    c.s = xcalloc(1, sizeof *c.s);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = parse_entry(&c, i, json_array_get(loggers, i), &es[i]);
        if (!rc)
            es[i].name = full_name(es[i].name_in);
    }
    if (!rc)
        resolve(&c, es, n);
    for (size_t i = 0; i < n; i++)
        free(es[i].name);
    free(es);
    if (rc || !out || (flags & NLOG_PREPARE_CHECK_ONLY)) {
        nlog_setup_free(c.s);
        return rc;
    }
    *out = c.s;
    return 0;
}

int nlog_prepare(const json_t *loggers, nlog_setup_t **out, char *err, size_t errlen)
{
    return nlog_prepare_ex(loggers, 0, out, err, errlen, NULL, 0);
}
