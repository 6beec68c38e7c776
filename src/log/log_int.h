/* Internal to src/log: setup structures shared by log.c (writing), log_parse.c (config) and
 * log_pattern.c (line layout). Not for other modules. */
#ifndef NESTOR_LOG_LOG_INT_H
#define NESTOR_LOG_LOG_INT_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "log/log.h"

#define NLOG_RANK_INFO 100
#define NLOG_RANK_DEBUG99 0
#define NLOG_MIN_ROTATE 204800u /* log4cplus MINIMUM_ROLLING_LOG_SIZE */
#define NLOG_DEFAULT_MAXSIZE 10240000u
#define NLOG_MAX_LINE 65536

extern const char nlog_default_pattern[];
extern const char nlog_syslog_pattern[];

enum nlog_sink_kind { NLOG_SINK_STDOUT, NLOG_SINK_STDERR, NLOG_SINK_FILE, NLOG_SINK_SYSLOG };

/* One destination; shared by every output that names the same file (or stream, facility). */
struct nlog_sink {
    enum nlog_sink_kind kind;
    char *path;      /* file path (FILE) */
    int facility;    /* LOG_LOCAL0... (SYSLOG) */
    int fd;          /* -1 when not open */
    pthread_mutex_t mu;
    uint64_t size;   /* current file size */
    uint64_t maxsize; /* 0 = no rotation */
    int maxver;
};

struct nlog_pattern; /* compiled layout, log_pattern.c */

struct nlog_out {
    struct nlog_sink *sink;
    struct nlog_pattern *pat;
};

struct nlog_lcfg { /* one enum logger, resolved */
    int threshold;
    size_t nout;
    struct nlog_out *outs; /* borrowed from the setup's pools */
};

struct nlog_setup {
    struct nlog_sink **sinks;
    size_t nsinks;
    struct nlog_pattern **pats;
    size_t npats;
    struct nlog_out *outs; /* pool the loggers point into */
    size_t nouts;
    struct nlog_lcfg lg[NLOG__COUNT];
};

/* Line data handed to the layout. */
struct nlog_event {
    const char *logger;
    enum nlog_sev sev;
    const char *msgid;
    const char *text;
    struct timespec ts;
    unsigned long tid;
    long pid;
    struct tm local, utc; /* filled on first use */
    int have_local, have_utc;
};

struct nlog_buf {
    char *p;
    size_t len, cap;
    char small[1024];
};

void nlog_buf_init(struct nlog_buf *b);
void nlog_buf_free(struct nlog_buf *b);
void nlog_buf_put(struct nlog_buf *b, const char *s, size_t n);

struct nlog_pattern *nlog_pattern_compile(const char *text);
void nlog_pattern_free(struct nlog_pattern *p);
/* Appends the line for ev to b (b->len is reset first). */
void nlog_pattern_format(const struct nlog_pattern *p, struct nlog_event *ev, struct nlog_buf *b);

/* log.c: state needed by the parser. */
const char *nlog_root_name(void);
bool nlog_debug_mode(void);
const char *nlog_suffix(enum nlog_logger lg);
/* Builds the setup used before any configuration (root default output only). */
nlog_setup_t *nlog_default_setup(void);
struct nlog_sink *nlog_sink_new(enum nlog_sink_kind kind, const char *path, int facility);
int nlog_sink_open(struct nlog_sink *k);

#endif
