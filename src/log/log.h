/* nlog: Kea-compatible logging.
 *
 * Contract:
 * - A fixed set of loggers (enum nlog_logger) named like Kea's: "<root>" and "<root>.<suffix>",
 *   e.g. "kea-dhcp4.leases". Each has a threshold (severity + debug level); a message is written
 *   to every output of its logger, formatted with the output's pattern (Kea's defaults:
 *   "%D{%Y-%m-%d %H:%M:%S.%q} %-5p [%c/%i.%t] %m\n" for stdout/stderr/files and
 *   "%-5p [%c.%t] %m\n" for syslog). %m is "MSGID text".
 * - Configuration is Kea's "loggers" list (see nlog_prepare). Semantics follow Kea 2.2 with
 *   log4cplus: a logger without an entry inherits the severity and the outputs of its nearest
 *   configured ancestor (finally the root: INFO, or DEBUG/99 with -d, to stdout); an entry
 *   without output options keeps the root's default stdout output if it is the root, and has no
 *   output at all otherwise (Kea 2.2 does the same: such loggers are silenced). With -d every
 *   configured entry is forced to DEBUG/99.
 * - Files: appended to, one write() per line (never interleaved, so "flush" is always in effect),
 *   rotated after the line that makes them exceed maxsize: name -> name.1 -> ... -> name.maxver.
 *   As in log4cplus, a maxsize below 204800 (but not 0) counts as 204800 and maxver below 1 as 1.
 * - Thread-safety: nlog_write() may be called from any thread; nlog_enabled() is lock-free (one
 *   relaxed atomic load). nlog_apply() swaps the whole setup atomically with respect to writers
 *   and frees the old one after the last writer left it. nlog_init/nlog_apply/nlog_shutdown are
 *   meant for the main thread.
 * - Errors: nlog_prepare() validates everything first; on error nothing changes, the message
 *   names the offending entry and key. Write errors (disk full, closed stdout) are ignored.
 * - <syslog.h> defines LOG_INFO and LOG_DEBUG too: a file that needs it defines
 *   NLOG_NO_SHORT_MACROS before including this header and uses NLOG_AT(lg, sev, lvl, id, ...).
 */
#ifndef NESTOR_LOG_LOG_H
#define NESTOR_LOG_LOG_H

#include <jansson.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

enum nlog_sev { NLOG_DEBUG, NLOG_INFO, NLOG_WARN, NLOG_ERROR, NLOG_FATAL, NLOG_NONE };

/* Kea 2.2 kea-dhcp4 logger names (src/bin/dhcp4/dhcp4_log.cc, src/lib/dhcpsrv/dhcpsrv_log.cc,
 * ...). NLOG_APP is the server's own logger: "<root>.dhcp4" for root "kea-dhcp4". Kea has no
 * "ctrl" logger: control-socket messages use "commands", so NLOG_CTRL is that logger too. */
enum nlog_logger {
    NLOG_ROOT,        /* "<root>" */
    NLOG_APP,         /* "dhcp4" */
    NLOG_PACKETS,     /* "packets" */
    NLOG_LEASES,      /* "leases" */
    NLOG_ALLOC,       /* "alloc-engine" */
    NLOG_DHCPSRV,     /* "dhcpsrv" */
    NLOG_COMMANDS,    /* "commands" */
    NLOG_BAD_PACKETS, /* "bad-packets" */
    NLOG_OPTIONS,     /* "options" */
    NLOG_HOSTS,       /* "hosts" */
    NLOG_DDNS,        /* "ddns" */
    NLOG_HA,          /* "ha-hooks" */
    NLOG_DATABASE,    /* "database" */
    NLOG_CTRL,        /* "commands" (alias) */
    NLOG_HOOKS,       /* "hooks" */
    NLOG_LEASE_CMDS,  /* "lease-cmds-hooks" */
    NLOG_STAT_CMDS,   /* "stat-cmds-hooks" */
    NLOG_LOG,         /* "log": messages of the logging system itself */
    NLOG__COUNT
};

/* Kea's debug levels (src/lib/log/log_dbglevels.cc). */
enum {
    NLOG_DBG_START_SHUT = 0,
    NLOG_DBG_COMMAND = 10,
    NLOG_DBG_PKT_HANDLING = 15,
    NLOG_DBG_COMMAND_DATA = 20,
    NLOG_DBG_TRACE = 40,
    NLOG_DBG_TRACE_DATA = 45,
    NLOG_DBG_TRACE_DETAIL = 50,
    NLOG_DBG_TRACE_DETAIL_DATA = 55,
};

typedef struct nlog_setup nlog_setup_t;

/* Rank of a message: DEBUG/d -> 99-d, INFO 100, WARN 101, ERROR 102, FATAL 103, NONE 104.
 * A logger's threshold is the rank of its configured severity; a message passes if its rank is
 * >= the threshold (so DEBUG with debuglevel N lets debug levels 0..N through). */
static inline int nlog_rank(enum nlog_sev sev, int dbglvl)
{
    if (sev == NLOG_DEBUG)
        return 99 - (dbglvl < 0 ? 0 : dbglvl > 99 ? 99 : dbglvl);
    return 100 + (int)sev - (int)NLOG_INFO;
}

/* Current thresholds; written only by nlog_apply(). Zero (all enabled) before nlog_init(). */
extern _Atomic int nlog_threshold[NLOG__COUNT];

static inline bool nlog_enabled(enum nlog_logger lg, enum nlog_sev sev, int dbglvl)
{
    return nlog_rank(sev, dbglvl) >= atomic_load_explicit(&nlog_threshold[lg],
                                                          memory_order_relaxed);
}

/* Sets the root logger name ("kea-dhcp4") and the -d flag, and installs the default setup
 * (root at INFO, or DEBUG/99 when debug, to stdout). Calling it again resets to defaults.
 * If a message is written before nlog_init(), the root is "kea". */
void nlog_init(const char *root_name, bool debug);

/* Validates a "loggers" list (borrowed; NULL = no entries, i.e. defaults) and builds a setup,
 * opening its files. Accepted keys per entry: name (mandatory), severity (FATAL, ERROR, WARN,
 * INFO, DEBUG, NONE, any case; an unknown value is logged as LOG_BAD_SEVERITY and INFO is used,
 * as Kea does; when absent the severity is inherited), debuglevel (0..99), output_options or
 * output-options (not both), user-context, comment. Per output: output (mandatory: "stdout",
 * "stderr", "syslog", "syslog:<facility>" or a file path), pattern, flush, maxsize (bytes, 0 =
 * never rotate, default 10240000), maxver (default 1). Names that do not start with the root
 * name are taken as below it ("leases" = "kea-dhcp4.leases").
 * Returns 0, or NST_ECONFIG (bad entry) / NST_EIO (a file cannot be opened) with a message
 * in err. */
int nlog_prepare(const json_t *loggers, nlog_setup_t **out, char *err, size_t errlen);

enum nlog_prepare_flags {
    NLOG_PREPARE_CHECK_ONLY = 1, /* validate only: no file is opened, *out may be NULL */
};
/* nlog_prepare with flags; errpath (optional) receives a JSON-pointer path of the offending
 * node relative to the "loggers" list, e.g. "/0/output_options/1/maxver" (for jsonsrc_where). */
int nlog_prepare_ex(const json_t *loggers, unsigned flags, nlog_setup_t **out, char *err,
                    size_t errlen, char *errpath, size_t pathcap);

/* Installs setup (takes ownership) and frees the previous one once no writer uses it. */
void nlog_apply(nlog_setup_t *setup);

/* Frees a setup that was not applied. NULL is fine. */
void nlog_setup_free(nlog_setup_t *s);

/* Frees the current setup; later messages are dropped until nlog_init(). */
void nlog_shutdown(void);

/* Full name of a logger, e.g. "kea-dhcp4.leases". */
const char *nlog_logger_name(enum nlog_logger lg);

/* Writes one message (msgid may be NULL). Callers normally check nlog_enabled() first (the
 * LOG_* macros do), so arguments are not evaluated for disabled messages. */
void nlog_write(enum nlog_logger lg, enum nlog_sev sev, int dbglvl, const char *msgid,
                const char *fmt, ...) NST_PRINTF(5, 6);
void nlog_vwrite(enum nlog_logger lg, enum nlog_sev sev, int dbglvl, const char *msgid,
                 const char *fmt, va_list ap) NST_PRINTF(5, 0);

#if defined(LOG_INFO) && !defined(NLOG_NO_SHORT_MACROS)
#error "<syslog.h> defines LOG_INFO: define NLOG_NO_SHORT_MACROS before including log/log.h"
#endif
#define NLOG_AT(lg, sev, lvl, id, ...)                                                           \
    do {                                                                                         \
        if (nlog_enabled(lg, sev, lvl))                                                          \
            nlog_write(lg, sev, lvl, id, __VA_ARGS__);                                           \
    } while (0)
#ifndef NLOG_NO_SHORT_MACROS
#define LOG_FATAL(lg, id, ...) NLOG_AT(lg, NLOG_FATAL, 0, id, __VA_ARGS__)
#define LOG_ERROR(lg, id, ...) NLOG_AT(lg, NLOG_ERROR, 0, id, __VA_ARGS__)
#define LOG_WARN(lg, id, ...) NLOG_AT(lg, NLOG_WARN, 0, id, __VA_ARGS__)
#define LOG_INFO(lg, id, ...) NLOG_AT(lg, NLOG_INFO, 0, id, __VA_ARGS__)
#define LOG_DEBUG(lg, lvl, id, ...) NLOG_AT(lg, NLOG_DEBUG, lvl, id, __VA_ARGS__)
#endif

#endif
