/* nestor-dhcp4: command line, PID file, signals, main loop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "build_config.h"
#include "ctrl/ctrl.h"
#include "dhcp4/srv4.h"
#include "log/log.h"

static const char usage_text[] =
    "Usage: nestor-dhcp4 [-v|-V|-W] [-d] [-c FILE | -t FILE] [-p PORT] [-P PORT]\n"
    "\n"
    "A DHCPv4 server that reads ISC Kea 2.2 configuration files, keeps leases in Kea's memfile\n"
    "CSV format and answers Kea's control commands.\n"
    "\n"
    "Options:\n"
    "  -c FILE   run with the configuration in FILE (Kea's \"Dhcp4\" syntax; comments and\n"
    "            <?include \"file\"?> are allowed)\n"
    "  -t FILE   check the configuration in FILE and exit: 0 when it is valid, 1 otherwise,\n"
    "            with the error (file:line:col and the parameter at fault) on standard error\n"
    "  -d        debug mode: log everything at DEBUG level 99 to standard output\n"
    "  -p PORT   listen on this server port instead of 67 (testing)\n"
    "  -P PORT   send to this client port instead of 68 (testing)\n"
    "  -v        print the version and exit\n"
    "  -V        print the extended version and exit\n"
    "  -W        print the build configuration report and exit\n"
    "  -h, --help  print this help and exit\n"
    "\n"
    "Signals: SIGHUP reloads the configuration file (the running configuration stays if the new\n"
    "one is invalid); SIGTERM and SIGINT shut down cleanly, flushing the lease file.\n"
    "\n"
    "Files and environment:\n"
    "  lease file    lease-database \"name\", default " NESTOR_LEASE_DIR "/kea-leases4.csv\n"
    "  PID file      $KEA_PIDFILE_DIR (default " NESTOR_PID_DIR ")/<config name>.kea-dhcp4.pid;\n"
    "                a second server on the same configuration refuses to start\n"
    "\n"
    "Exit status: 0 on a clean shutdown (or the shutdown command's exit-value), 1 on error.\n";

static bool parse_port(const char *arg, uint16_t *out)
{
    uint64_t v;
    if (!parse_u64(arg, 65535, &v) || v == 0)
        return false;
    *out = (uint16_t)v;
    return true;
}

/* Kea's PID file: <dir>/<config basename without extension>.kea-dhcp4.pid. */
static int pidfile_create(srv4_t *s, const char *config)
{
    const char *dir = getenv("KEA_PIDFILE_DIR");
    if (!dir || !*dir)
        dir = NESTOR_PID_DIR;
    char *copy = xstrdup(config);
    char *base = basename(copy);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.kea-dhcp4.pid", dir, base);
    free(copy);
    mkdir(dir, 0755);
    FILE *f = fopen(path, "r");
    if (f) {
        long pid = 0;
        if (fscanf(f, "%ld", &pid) == 1 && pid > 0 && pid != getpid() && kill((pid_t)pid, 0) == 0) {
            fclose(f);
            LOG_FATAL(NLOG_ROOT, "DHCP4_ALREADY_RUNNING",
                      "a server is already running on this configuration (PID %ld in %s)", pid, path);
            return -1;
        }
        fclose(f);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        LOG_FATAL(NLOG_ROOT, "DHCP4_PID_FILE_ERROR", "cannot create PID file %s: %s (set KEA_PIDFILE_DIR to change its directory)",
                  path, strerror(errno));
        return -1;
    }
    dprintf(fd, "%ld\n", (long)getpid());
    close(fd);
    s->pid_path = xstrdup(path);
    return 0;
}

static int check_only(const char *file, bool debug)
{
    char err[4096];
    cfg4_t *cfg;
    if (cfg4_load_file(file, &cfg, err, sizeof err)) {
        fprintf(stderr, "Syntax check failed with: %s\n", err);
        return 1;
    }
    int r = srv4_check_config(cfg, err, sizeof err);
    cfg4_free(cfg);
    if (r) {
        fprintf(stderr, "Error encountered: %s\n", err);
        return 1;
    }
    if (debug) /* as kea-dhcp4: silent success unless -d */
        printf("Syntax check OK\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *test = NULL;
    bool debug = false;
    uint16_t sport = 67, cport = 68;
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "c:t:dp:P:vVWh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 't': test = optarg; break;
        case 'd': debug = true; break;
        case 'p':
            if (!parse_port(optarg, &sport)) {
                fprintf(stderr, "nestor-dhcp4: -p: '%s' is not a port number 1-65535\n", optarg);
                return 1;
            }
            break;
        case 'P':
            if (!parse_port(optarg, &cport)) {
                fprintf(stderr, "nestor-dhcp4: -P: '%s' is not a port number 1-65535\n", optarg);
                return 1;
            }
            break;
        case 'v': puts(NESTOR_VERSION); return 0;
        case 'V': printf("%s (Nestor, compatible with ISC Kea 2.2)\ncompiler: %s\n", NESTOR_VERSION, NESTOR_CC); return 0;
        case 'W': printf("Nestor %s\ncompiler: %s\nlease directory: %s\nPID directory: %s\n",
                         NESTOR_VERSION, NESTOR_CC, NESTOR_LEASE_DIR, NESTOR_PID_DIR); return 0;
        case 'h': fputs(usage_text, stdout); return 0;
        default: fputs(usage_text, stderr); return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "nestor-dhcp4: unexpected argument '%s'\n\n%s", argv[optind], usage_text);
        return 1;
    }
    nlog_init("kea-dhcp4", debug);
    if (test)
        return check_only(test, debug);
    if (!config) {
        fprintf(stderr, "nestor-dhcp4: a configuration file is required (-c FILE)\n\n%s", usage_text);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    unsigned long nofile;
    char lerr[256];
    if (ctrl_raise_nofile(&nofile, lerr, sizeof lerr) < 0)
        LOG_WARN(NLOG_ROOT, "DHCP4_NOFILE_LIMIT", "%s", lerr);
    else
        LOG_DEBUG(NLOG_ROOT, 10, "DHCP4_NOFILE_LIMIT", "descriptor limit: %lu", nofile);
    evthread_use_pthreads();
    struct event_base *base = event_base_new();
    srv4_t srv = {0};
    srv.server_port = sport;
    srv.client_port = cport;
    srv4_init(&srv, base, config);
    char err[4096];
    cfg4_t *cfg;
    int rc = 1;
    if (cfg4_load_file(config, &cfg, err, sizeof err)) {
        LOG_FATAL(NLOG_ROOT, "DHCP4_CONFIG_LOAD_FAIL", "configuration error: %s", err);
        goto out;
    }
    if (pidfile_create(&srv, config))
        goto out_cfg;
    if (srv4_apply_config(&srv, cfg, err, sizeof err)) {
        cfg = NULL;
        LOG_FATAL(NLOG_ROOT, "DHCP4_INIT_FAIL", "failed to initialize the server: %s", err);
        goto out;
    }
    cfg = NULL;
    srv_core_watch_signals(&srv.core);
    LOG_INFO(NLOG_ROOT, "DHCP4_STARTED", "Nestor DHCPv4 server version %s started (pid %ld)", NESTOR_VERSION, (long)getpid());
    event_base_dispatch(base);
    rc = srv.core.exit_code;
    LOG_INFO(NLOG_ROOT, "DHCP4_SHUTDOWN", "server shut down");
out_cfg:
    cfg4_free(cfg);
out:
    srv4_fini(&srv);
    if (srv.pid_path) {
        unlink(srv.pid_path);
        free(srv.pid_path);
    }
    event_base_free(base);
    return rc;
}
