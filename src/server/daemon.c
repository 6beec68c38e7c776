/* The process around a server core: running it on a configuration file (PID file, descriptor
 * limit, signals, the main loop) and checking a configuration file (-t). See core.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "build_config.h"
#include "common/util.h"
#include "server/core.h"
#include "server/srvlog.h"

/* Kea's PID file: $KEA_PIDFILE_DIR/<config basename without extension>.<daemon>.pid. */
static int pidfile_create(srv_core_t *c)
{
    const char *p = c->fam->prefix;
    const char *dir = getenv("KEA_PIDFILE_DIR");
    if (!dir || !*dir)
        dir = NESTOR_PID_DIR;
    char *copy = xstrdup(c->config_path);
    char *base = basename(copy);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s.pid", dir, base, c->fam->daemon);
    free(copy);
    mkdir(dir, 0755);
    FILE *f = fopen(path, "r");
    if (f) {
        long pid = 0;
        if (fscanf(f, "%ld", &pid) == 1 && pid > 0 && pid != getpid() && kill((pid_t)pid, 0) == 0) {
            fclose(f);
            srv_log(p, NLOG_ROOT, NLOG_FATAL, "ALREADY_RUNNING",
                    "a server is already running on this configuration (PID %ld in %s)", pid, path);
            return -1;
        }
        fclose(f);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        srv_log(p, NLOG_ROOT, NLOG_FATAL, "PID_FILE_ERROR",
                "cannot create PID file %s: %s (set KEA_PIDFILE_DIR to change its directory)", path, strerror(errno));
        return -1;
    }
    dprintf(fd, "%ld\n", (long)getpid());
    close(fd);
    c->pid_path = xstrdup(path);
    return 0;
}

int srv_core_run(srv_core_t *c)
{
    const srv_family_t *fam = c->fam;
    const char *p = fam->prefix;
    signal(SIGPIPE, SIG_IGN);
    unsigned long nofile;
    char err[4096];
    if (ctrl_raise_nofile(&nofile, err, sizeof err) < 0)
        srv_log(p, NLOG_ROOT, NLOG_WARN, "NOFILE_LIMIT", "%s", err);
    else if (nlog_enabled(NLOG_ROOT, NLOG_DEBUG, 10)) {
        char id[64];
        snprintf(id, sizeof id, "%s_NOFILE_LIMIT", p);
        nlog_write(NLOG_ROOT, NLOG_DEBUG, 10, id, "descriptor limit: %lu", nofile);
    }
    void *cfg;
    if (fam->load_file(c->config_path, &cfg, err, sizeof err)) {
        /* Kea's pair: the file and the reason, then why the start failed */
        srv_log(p, NLOG_APP, NLOG_ERROR, "CONFIG_LOAD_FAIL", "configuration error using file: %s, reason: %s",
                c->config_path, err);
        srv_log(p, NLOG_APP, NLOG_ERROR, "INIT_FAIL", "failed to initialize the server: configuration error "
                "using file '%s': %s", c->config_path, err);
        return 1;
    }
    if (pidfile_create(c)) {
        fam->free_cfg(cfg);
        return 1;
    }
    if (fam->apply(c, cfg, err, sizeof err)) {
        srv_log(p, NLOG_APP, NLOG_ERROR, "INIT_FAIL", "failed to initialize the server: %s", err);
        return 1;
    }
    srv_core_watch_signals(c);
    srv_log(p, NLOG_ROOT, NLOG_INFO, "STARTED", "Nestor %s server version %s started (pid %ld)", fam->service,
            NESTOR_VERSION, (long)getpid());
    event_base_dispatch(c->base);
    srv_log(p, NLOG_ROOT, NLOG_INFO, "SHUTDOWN", "server shut down");
    return c->exit_code;
}

int srv_check_file(const srv_family_t *fam, const char *file, bool debug)
{
    char err[4096];
    void *cfg;
    char *errors = NULL;
    if (fam->check_file ? fam->check_file(file, &cfg, &errors) : fam->load_file(file, &cfg, err, sizeof err)) {
        /* one line per error found, each as Kea prints its one */
        const char *line = errors ? errors : err;
        do {
            const char *nl = strchr(line, '\n');
            int n = nl ? (int)(nl - line) : (int)strlen(line);
            fprintf(stderr, "Syntax check failed with: %.*s\n", n, line);
            line = nl ? nl + 1 : NULL;
        } while (line);
        free(errors);
        return 1;
    }
    int r = srv_core_check(fam, cfg, err, sizeof err);
    fam->free_cfg(cfg);
    if (r) {
        fprintf(stderr, "Error encountered: %s\n", err);
        return 1;
    }
    if (debug) /* as Kea's daemons: silent success unless -d */
        printf("Syntax check OK\n");
    return 0;
}
