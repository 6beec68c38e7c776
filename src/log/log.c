/* nlog: logger state, writing, sinks and rotation. Configuration parsing is in log_parse.c,
 * line layout in log_pattern.c. */
#define NLOG_NO_SHORT_MACROS /* <syslog.h> has its own LOG_INFO/LOG_DEBUG */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "common/errcode.h"
#include "log/log_int.h"

_Atomic int nlog_threshold[NLOG__COUNT];

static const char *const suffixes[NLOG__COUNT] = {
    [NLOG_ROOT] = "",
    [NLOG_APP] = NULL, /* derived from the root name */
    [NLOG_PACKETS] = "packets",
    [NLOG_LEASES] = "leases",
    [NLOG_ALLOC] = "alloc-engine",
    [NLOG_DHCPSRV] = "dhcpsrv",
    [NLOG_COMMANDS] = "commands",
    [NLOG_BAD_PACKETS] = "bad-packets",
    [NLOG_OPTIONS] = "options",
    [NLOG_HOSTS] = "hosts",
    [NLOG_DDNS] = "ddns",
    [NLOG_HA] = "ha-hooks",
    [NLOG_DATABASE] = "database",
    [NLOG_CTRL] = "commands",
    [NLOG_HOOKS] = "hooks",
    [NLOG_LEASE_CMDS] = "lease-cmds-hooks",
    [NLOG_STAT_CMDS] = "stat-cmds-hooks",
    [NLOG_LOG] = "log",
};

static struct {
    pthread_rwlock_t lock; /* writers hold it shared while they use cur */
    nlog_setup_t *cur;
    char root[128];
    char app[128];
    char names[NLOG__COUNT][192];
    bool debug;
    bool inited;
    long pid;
} g = {.lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP}; /* apply never starves */

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void after_fork_child(void)
{
    g.pid = (long)getpid();
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, after_fork_child);
}

const char *nlog_root_name(void)
{
    return g.root;
}

bool nlog_debug_mode(void)
{
    return g.debug;
}

const char *nlog_suffix(enum nlog_logger lg)
{
    if ((unsigned)lg >= NLOG__COUNT)
        return "";
    return lg == NLOG_APP ? g.app : suffixes[lg];
}

const char *nlog_logger_name(enum nlog_logger lg)
{
    return (unsigned)lg < NLOG__COUNT ? g.names[lg] : "";
}

static void set_names(const char *root)
{
    snprintf(g.root, sizeof g.root, "%.120s", root && *root ? root : "kea");
    const char *app = strncmp(g.root, "kea-", 4) == 0 ? g.root + 4 : g.root;
    snprintf(g.app, sizeof g.app, "%.100s", app);
    for (int i = 0; i < NLOG__COUNT; i++) {
        const char *suf = nlog_suffix((enum nlog_logger)i);
        if (*suf)
            snprintf(g.names[i], sizeof g.names[i], "%.120s.%.60s", g.root, suf);
        else
            snprintf(g.names[i], sizeof g.names[i], "%s", g.root);
    }
}

/* ------------------------------------------------------------------ sinks */

struct nlog_sink *nlog_sink_new(enum nlog_sink_kind kind, const char *path, int facility)
{
    struct nlog_sink *k = xcalloc(1, sizeof *k);
    k->kind = kind;
    k->path = path ? xstrdup(path) : NULL;
    k->facility = facility;
    k->fd = kind == NLOG_SINK_STDOUT ? STDOUT_FILENO : kind == NLOG_SINK_STDERR ? STDERR_FILENO
                                                                                  : -1;
    k->maxver = 1;
    pthread_mutex_init(&k->mu, NULL);
    return k;
}

int nlog_sink_open(struct nlog_sink *k)
{
    if (k->kind != NLOG_SINK_FILE || k->fd >= 0)
        return 0;
    k->fd = open(k->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
    if (k->fd < 0)
        return -errno;
    struct stat st;
    k->size = fstat(k->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    return 0;
}

static void sink_free(struct nlog_sink *k)
{
    if (k->kind == NLOG_SINK_FILE && k->fd >= 0)
        close(k->fd);
    pthread_mutex_destroy(&k->mu);
    free(k->path);
    free(k);
}

/* name -> name.1 -> ... -> name.maxver (the oldest is overwritten), then a fresh name. */
static void sink_rotate(struct nlog_sink *k)
{
    size_t n = strlen(k->path) + 16;
    char *from = xmalloc(n), *to = xmalloc(n);
    close(k->fd);
    for (int i = k->maxver - 1; i >= 1; i--) {
        snprintf(from, n, "%s.%d", k->path, i);
        snprintf(to, n, "%s.%d", k->path, i + 1);
        rename(from, to);
    }
    snprintf(to, n, "%s.1", k->path);
    rename(k->path, to);
    k->fd = open(k->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
    k->size = 0;
    free(from);
    free(to);
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0 && fd >= 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static int syslog_prio(enum nlog_sev sev)
{
    switch (sev) {
    case NLOG_DEBUG: return LOG_DEBUG;
    case NLOG_INFO: return LOG_INFO;
    case NLOG_WARN: return LOG_WARNING;
    case NLOG_ERROR: return LOG_ERR;
    default: return LOG_CRIT;
    }
}

static void sink_write(struct nlog_sink *k, enum nlog_sev sev, const char *line, size_t len)
{
    if (k->kind == NLOG_SINK_SYSLOG) {
        while (len && line[len - 1] == '\n')
            len--;
        syslog(k->facility | syslog_prio(sev), "%.*s", (int)len, line);
        return;
    }
    pthread_mutex_lock(&k->mu);
    write_all(k->fd, line, len);
    if (k->kind == NLOG_SINK_FILE) {
        k->size += len;
        if (k->maxsize && k->size > k->maxsize)
            sink_rotate(k);
    }
    pthread_mutex_unlock(&k->mu);
}

/* ------------------------------------------------------------------ setups */

void nlog_setup_free(nlog_setup_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nsinks; i++)
        sink_free(s->sinks[i]);
    for (size_t i = 0; i < s->npats; i++)
        nlog_pattern_free(s->pats[i]);
    free(s->sinks);
    free(s->pats);
    free(s->outs);
    free(s);
}

nlog_setup_t *nlog_default_setup(void)
{
    nlog_setup_t *s = xcalloc(1, sizeof *s);
    s->nsinks = s->npats = s->nouts = 1;
    s->sinks = xmalloc(sizeof *s->sinks);
    s->pats = xmalloc(sizeof *s->pats);
    s->outs = xmalloc(sizeof *s->outs);
    s->sinks[0] = nlog_sink_new(NLOG_SINK_STDOUT, NULL, 0);
    s->pats[0] = nlog_pattern_compile(nlog_default_pattern);
    s->outs[0] = (struct nlog_out){s->sinks[0], s->pats[0]};
    for (int i = 0; i < NLOG__COUNT; i++)
        s->lg[i] = (struct nlog_lcfg){g.debug ? NLOG_RANK_DEBUG99 : NLOG_RANK_INFO, 1, s->outs};
    return s;
}

void nlog_apply(nlog_setup_t *setup)
{
    if (!setup)
        return;
    pthread_rwlock_wrlock(&g.lock);
    nlog_setup_t *old = g.cur;
    g.cur = setup;
    for (int i = 0; i < NLOG__COUNT; i++)
        atomic_store_explicit(&nlog_threshold[i], setup->lg[i].threshold, memory_order_relaxed);
    pthread_rwlock_unlock(&g.lock);
    nlog_setup_free(old); /* no writer can hold it any more */
}

void nlog_init(const char *root_name, bool debug)
{
    pthread_once(&atfork_once, register_atfork);
    pthread_rwlock_wrlock(&g.lock);
    set_names(root_name);
    g.debug = debug;
    g.pid = (long)getpid();
    g.inited = true;
    pthread_rwlock_unlock(&g.lock);
    closelog();
    openlog(g.root, 0, LOG_LOCAL0);
    nlog_apply(nlog_default_setup());
}

void nlog_shutdown(void)
{
    pthread_rwlock_wrlock(&g.lock);
    nlog_setup_t *old = g.cur;
    g.cur = NULL;
    for (int i = 0; i < NLOG__COUNT; i++)
        atomic_store_explicit(&nlog_threshold[i], NLOG_RANK_INFO + 5, memory_order_relaxed);
    pthread_rwlock_unlock(&g.lock);
    nlog_setup_free(old);
}

static pthread_once_t lazy_once = PTHREAD_ONCE_INIT;

static void lazy_init(void)
{
    if (!g.inited)
        nlog_init("kea", false);
}

/* ------------------------------------------------------------------ writing */

void nlog_vwrite(enum nlog_logger lg, enum nlog_sev sev, int dbglvl, const char *msgid,
                 const char *fmt, va_list ap)
{
    if ((unsigned)lg >= NLOG__COUNT || sev >= NLOG_NONE)
        return;
    if (!g.inited)
        pthread_once(&lazy_once, lazy_init);
    if (!nlog_enabled(lg, sev, dbglvl))
        return;
    char small[1024];
    char *text = small;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= (int)sizeof small) {
        size_t cap = (size_t)n < NLOG_MAX_LINE ? (size_t)n + 1 : NLOG_MAX_LINE;
        text = xmalloc(cap);
        vsnprintf(text, cap, fmt, ap2);
    } else if (n < 0) {
        small[0] = '\0';
    }
    va_end(ap2);

    struct nlog_event ev = {.sev = sev, .msgid = msgid, .text = text,
                            .tid = (unsigned long)pthread_self()};
    clock_gettime(CLOCK_REALTIME, &ev.ts);
    struct nlog_buf line;
    nlog_buf_init(&line);

    pthread_rwlock_rdlock(&g.lock);
    nlog_setup_t *s = g.cur;
    if (s) {
        ev.logger = g.names[lg];
        ev.pid = g.pid;
        const struct nlog_lcfg *c = &s->lg[lg];
        for (size_t i = 0; i < c->nout; i++) {
            nlog_pattern_format(c->outs[i].pat, &ev, &line);
            sink_write(c->outs[i].sink, sev, line.p, line.len);
        }
    }
    pthread_rwlock_unlock(&g.lock);

    nlog_buf_free(&line);
    if (text != small)
        free(text);
}

void nlog_write(enum nlog_logger lg, enum nlog_sev sev, int dbglvl, const char *msgid,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nlog_vwrite(lg, sev, dbglvl, msgid, fmt, ap);
    va_end(ap);
}
