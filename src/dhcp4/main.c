/* nestor-dhcp4: the command line; the server core runs the process (PID file, signals, main
 * loop: server/daemon.c). */
#include <getopt.h>
#include <stdio.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "build_config.h"
#include "common/util.h"
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
        return srv_check_file(&srv4_family, test, debug);
    if (!config) {
        fprintf(stderr, "nestor-dhcp4: a configuration file is required (-c FILE)\n\n%s", usage_text);
        return 1;
    }
    evthread_use_pthreads();
    struct event_base *base = event_base_new();
    srv4_t srv = {0};
    srv.server_port = sport;
    srv.client_port = cport;
    srv4_init(&srv, base, config);
    int rc = srv_core_run(&srv.core);
    srv4_fini(&srv);
    event_base_free(base);
    return rc;
}
