/* nestor-perf command line: perfdhcp's flags where they mean the same, long options otherwise. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_config.h"
#include "common/util.h"
#include "perf/perf.h"

static const char USAGE[] =
"Usage: nestor-perf [-4|-6] [OPTIONS] [SERVER]\n"
"\n"
"An open-loop DHCPv4/DHCPv6 load generator. Simulated clients start exchanges at a fixed rate\n"
"whatever the server answers, so the figures show what the server does under that load, not\n"
"how fast the generator waits. Any DHCP server can be measured (Nestor, ISC Kea, others).\n"
"\n"
"Modes:\n"
"  direct    clients on the link of -l IFACE. DHCPv4 sends Ethernet frames from each client's\n"
"            MAC on a packet socket (root); DHCPv6 sends from port 546 to ff02::1:2, or to SERVER.\n"
"  relayed   with --relay ADDR, act as a relay agent at ADDR (which must be configured on this\n"
"            host) and send to SERVER: DHCPv4 with giaddr and option 82 (circuit-id = client\n"
"            index), DHCPv6 in RELAY-FORW with link-address ADDR and an interface-id.\n"
"\n"
"Exchanges (each stream has its own rate, in exchanges per second):\n"
"  -r RATE           new exchanges: DORA (v4), SOLICIT-ADVERTISE-REQUEST-REPLY (v6). Default 100.\n"
"  -f RATE           renewals of leases obtained in this run (v4 REQUEST with ciaddr; v6 RENEW).\n"
"  -F RATE           releases of leases obtained in this run.\n"
"      --decline-rate RATE   v4 DECLINEs of leases obtained in this run.\n"
"      --inform-rate RATE    v4 INFORMs (ciaddr = a leased address), answered by ACK.\n"
"  -c                v6: rapid commit (SOLICIT answered by REPLY).\n"
"  -e TYPE           v6 lease type: address-only (IA_NA, default), prefix-only (IA_PD),\n"
"                    address-and-prefix (both).\n"
"\n"
"Clients:\n"
"  -R N              number of simulated clients (default 100000). New exchanges use them in turn;\n"
"                    renewals, releases, declines and informs use the oldest lease obtained.\n"
"  -b mac=XX:..:XX   first client's MAC (default 00:0c:01:00:00:00); client i adds i to it.\n"
"  -b duid=HEX       first client's DUID (v6; default a DUID-LL from the MAC); the last four\n"
"                    bytes carry the client index.\n"
"  -B                v4: set the broadcast flag (answers to 255.255.255.255).\n"
"      --client-id   v4: send option 61 (type 1 + MAC).\n"
"\n"
"Duration and figures:\n"
"  -p SECONDS        sending time (default 10 when -n is not given); then answers are awaited for\n"
"                    up to the drop time and the run ends, whatever the server does.\n"
"  -n COUNT          stop after COUNT new exchanges.\n"
"      --warmup SECONDS  send for this long first; exchanges started meanwhile are not counted.\n"
"  -d SECONDS        drop time: a request unanswered for this long is lost (default 1).\n"
"  -D PERCENT        drop threshold for --max-rate (default 1).\n"
"      --max-rate    search the highest rate of new exchanges with fewer than -D percent drops:\n"
"                    repeated runs of -p seconds (new clients each time), doubling from -r, then\n"
"                    bisecting to within 3%. Bounds: --search-low RATE, --search-high RATE.\n"
"      --json        print one JSON object for the run (with --max-rate: every trial and the best).\n"
"  -q                only the summary line (text).\n"
"\n"
"Performance:\n"
"      --threads 1|2 receive and answer on a second thread (default 1).\n"
"      --tick US     scheduling round (default 250 us): requests due are sent in one batch per\n"
"                    round; answers are read every round (and at once with --threads 2).\n"
"      --table-bits N  exchange table of 2^N slots (default 18; at most 24).\n"
"\n"
"  -h, --help        this help.   -V, --version   the version.\n"
"\n"
"Figures: per phase (DISCOVER-OFFER, REQUEST-ACK, …) requests sent, answered, lost (no answer\n"
"within the drop time), rejected (NAK, or a v6 status other than Success), latency quantiles from\n"
"the send time to the kernel's receive timestamp; leases/s (completed new exchanges and renewals\n"
"over the sending time); drops (new exchanges started but not completed, in percent); the\n"
"generator's own CPU per lease. Answers that are malformed, unmatched (late, or for another\n"
"client) or of an unexpected type are counted and ignored.\n"
"\n"
"Exit status: 0 when the run completed, 1 for a usage error, 2 when a socket could not be set up,\n"
"3 when the server answered nothing.\n"
"\n"
"Differences from perfdhcp: the schedule never waits for answers (perfdhcp's -a is not needed);\n"
"clients are used in turn, not at random; -R counts clients, -p and -n end the run the same way;\n"
"relayed mode is --relay ADDR (perfdhcp -A 1 and a unicast server); there are no template files\n"
"(-T) and no -x diagnostics: the JSON object carries the figures.\n";

enum { O_DECLINE = 256, O_INFORM, O_CLIENT_ID, O_WARMUP, O_MAXRATE, O_LOW, O_HIGH, O_JSON,
       O_THREADS, O_TICK, O_BITS, O_RELAY };

static bool num(const char *s, double lo, double hi, double *out)
{
    char *e;
    double v = strtod(s, &e);
    if (e == s || *e || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_b(perf_opts_t *o, const char *v)
{
    if (!strncmp(v, "mac=", 4)) {
        unsigned m[6];
        if (sscanf(v + 4, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
            return false;
        for (int i = 0; i < 6; i++) {
            if (m[i] > 255)
                return false;
            o->base_mac[i] = (uint8_t)m[i];
        }
        return true;
    }
    if (!strncmp(v, "duid=", 5)) {
        int n = hex_parse(o->base_duid, sizeof o->base_duid, v + 5);
        if (n < 6)
            return false;
        o->base_duid_len = (size_t)n;
        return true;
    }
    return false;
}

int perf_opts_parse(perf_opts_t *o, int argc, char **argv)
{
    static const struct option lo[] = {
        {"decline-rate", 1, 0, O_DECLINE}, {"inform-rate", 1, 0, O_INFORM},
        {"client-id", 0, 0, O_CLIENT_ID}, {"warmup", 1, 0, O_WARMUP}, {"max-rate", 0, 0, O_MAXRATE},
        {"search-low", 1, 0, O_LOW}, {"search-high", 1, 0, O_HIGH}, {"json", 0, 0, O_JSON},
        {"threads", 1, 0, O_THREADS}, {"tick", 1, 0, O_TICK}, {"table-bits", 1, 0, O_BITS},
        {"relay", 1, 0, O_RELAY}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->family = 4;
    o->rate[PK_NEW] = 100;
    o->clients = 100000;
    o->drop_time = 1;
    o->max_drop = 1;
    o->lease_type = PLT_NA;
    o->threads = 1;
    o->tick_us = 250;
    o->table_bits = 18;
    o->search_high = 1e7;
    memcpy(o->base_mac, (uint8_t[]){0x00, 0x0c, 0x01, 0, 0, 0}, 6);
    double v;
    const char *bad = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":46l:r:f:F:R:n:p:d:D:b:e:cBqhV", lo, NULL)) != -1) {
        switch (c) {
        case '4': o->family = 4; break;
        case '6': o->family = 6; break;
        case 'l': o->iface = optarg; break;
        case 'r': if (!num(optarg, 0.001, 1e8, &o->rate[PK_NEW])) bad = "-r"; break;
        case 'f': if (!num(optarg, 0, 1e8, &o->rate[PK_RENEW])) bad = "-f"; break;
        case 'F': if (!num(optarg, 0, 1e8, &o->rate[PK_RELEASE])) bad = "-F"; break;
        case O_DECLINE: if (!num(optarg, 0, 1e8, &o->rate[PK_DECLINE])) bad = "--decline-rate"; break;
        case O_INFORM: if (!num(optarg, 0, 1e8, &o->rate[PK_INFORM])) bad = "--inform-rate"; break;
        case 'R': if (!num(optarg, 1, 1 << 30, &v)) bad = "-R"; else o->clients = (uint32_t)v; break;
        case 'n': if (!num(optarg, 1, 1e15, &v)) bad = "-n"; else o->count = (uint64_t)v; break;
        case 'p': if (!num(optarg, 0.01, 1e7, &o->period)) bad = "-p"; break;
        case 'd': if (!num(optarg, 0.001, 3600, &o->drop_time)) bad = "-d"; break;
        case 'D': if (!num(optarg, 0, 100, &o->max_drop)) bad = "-D"; break;
        case 'b': if (!parse_b(o, optarg)) bad = "-b (mac=XX:XX:XX:XX:XX:XX or duid=HEX)"; break;
        case 'e':
            if (!strcmp(optarg, "address-only")) o->lease_type = PLT_NA;
            else if (!strcmp(optarg, "prefix-only")) o->lease_type = PLT_PD;
            else if (!strcmp(optarg, "address-and-prefix")) o->lease_type = PLT_BOTH;
            else bad = "-e (address-only, prefix-only or address-and-prefix)";
            break;
        case 'c': o->rapid_commit = true; break;
        case 'B': o->broadcast = true; break;
        case 'q': o->quiet = true; break;
        case O_CLIENT_ID: o->client_id = true; break;
        case O_WARMUP: if (!num(optarg, 0, 1e6, &o->warmup)) bad = "--warmup"; break;
        case O_MAXRATE: o->max_rate = true; break;
        case O_LOW: if (!num(optarg, 1, 1e8, &o->search_low)) bad = "--search-low"; break;
        case O_HIGH: if (!num(optarg, 1, 1e8, &o->search_high)) bad = "--search-high"; break;
        case O_JSON: o->json = true; break;
        case O_THREADS: if (!num(optarg, 1, 2, &v)) bad = "--threads (1 or 2)"; else o->threads = (int)v; break;
        case O_TICK: if (!num(optarg, 10, 1e6, &v)) bad = "--tick"; else o->tick_us = (unsigned)v; break;
        case O_BITS: if (!num(optarg, 8, 24, &v)) bad = "--table-bits (8..24)"; else o->table_bits = (unsigned)v; break;
        case O_RELAY: o->relay = optarg; break;
        case 'h': fputs(USAGE, stdout); return 2;
        case 'V': printf("nestor-perf %s\n", NESTOR_VERSION); return 2;
        case ':':
            fprintf(stderr, "nestor-perf: option %s needs a value (see --help)\n", argv[optind - 1]);
            return 1;
        default:
            fprintf(stderr, "nestor-perf: unknown option %s (see --help)\n", argv[optind - 1]);
            return 1;
        }
        if (bad) {
            fprintf(stderr, "nestor-perf: bad value '%s' for %s (see --help)\n", optarg, bad);
            return 1;
        }
    }
    if (optind < argc)
        o->server = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "nestor-perf: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 1;
    }
    if (!o->period && !o->count)
        o->period = 10;
    if (o->family == 4 && (o->rapid_commit || o->lease_type != PLT_NA || o->base_duid_len)) {
        fprintf(stderr, "nestor-perf: -c, -e and -b duid= are DHCPv6 options (add -6)\n");
        return 1;
    }
    if (o->family == 6 && (o->broadcast || o->client_id || o->rate[PK_DECLINE] > 0 || o->rate[PK_INFORM] > 0)) {
        fprintf(stderr, "nestor-perf: -B, --client-id, --decline-rate and --inform-rate are DHCPv4 options\n");
        return 1;
    }
    if (o->family == 6 && o->table_bits > 23)
        o->table_bits = 23;  /* v6 transaction ids have 24 bits */
    if (!o->search_low)
        o->search_low = o->rate[PK_NEW];
    return 0;
}
