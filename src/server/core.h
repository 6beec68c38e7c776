/* The server core every daemon embeds: what nestor-dhcp4 and a DHCPv6 daemon share above their
 * packets. A family (DHCPv4, DHCPv6) describes what differs in a srv_family_t; the core holds the
 * rest: event base, control channel and the neutral commands (server/cmds.c), configuration path,
 * service state (dhcp-disable origins with their max-period timers, database recovery), start
 * and reload times, exit code, the packet workers and the configuration generation slot, replies
 * completed off the main loop, signals, the neutral steps of applying a configuration
 * (server/apply.c) and the process (server/daemon.c: PID file, main loop, -t).
 *
 * Contract:
 * - One srv_core_t per process, embedded in the daemon's server object (srv4_t.core); the family's
 *   hooks get the core and find their object from it (container_of). Every function here runs on
 *   the main thread (the libevent loop) unless it says otherwise.
 * - Configurations are opaque to the core (a cfg4_t for DHCPv4): the family loads, applies and
 *   frees them, and shows the core what it reads of one through view() (its JSON source, the
 *   root key's map, the sections both families share). The running configuration is the
 *   family's (running(), NULL until the first was applied); apply() takes ownership of the
 *   configuration and leaves the running one untouched on failure.
 * - Service: packets are served while no origin disables it (srv_core_serving, any thread):
 *   dhcp-disable per origin (user, ha-partner), each with its own max-period timer (a disable with
 *   max-period (re)arms it, dhcp-enable of the origin cancels it, a disable without max-period
 *   leaves it), and a database recovery whose on-fail is stop-retry-exit (server/dbrecover.h:
 *   the core runs it with the lease database and hosts databases the family names).
 * - Commands (cmds.c): version-get, build-report, status-get, config-get, config-test,
 *   config-set, config-reload, config-write, shutdown, dhcp-disable, dhcp-enable,
 *   server-tag-get and the statistics commands, with Kea's argument shapes, result codes and
 *   texts; family words come from the descriptor (root "Dhcp4", service "DHCPv4", message ids
 *   "DHCP4_..."). config-set and config-test parse through load_api, which applies the path rules
 *   of configurations received by command (config/cfg_paths.h); config-write writes only into
 *   the configuration file's directory (docs/SECURITY.md). Exclusive commands (the default) run
 *   with the workers paused (the guard below), the family may register more on core.ctrl.
 * - Workers: core.workers is NULL when packets are processed on the main thread. The guard
 *   pauses them around every exclusive command (in_command is then true, and workers started
 *   meanwhile start paused). gens publishes the current generation to them (server/gen.h).
 * - Completions: a reply completed on another thread (a lease store's commit thread) is queued
 *   with srv_core_defer (any thread) and handed to family->complete on the main loop, or by
 *   srv_core_completions_run.
 * - Lifecycle: srv_core_init (from the family's init), then srv_core_run (or the family applies
 *   a configuration itself); at exit srv_core_stop (workers stopped, pending completions run,
 *   control channel closed, the generation dropped), then the family closes its sockets and
 *   stores, then srv_core_fini (events, the PID file removed).
 *   srv_core_shutdown stops serving at once and leaves the loop 200 ms later, so that the answer
 *   to a shutdown command still goes out; SIGTERM and SIGINT leave it at once (the process exits
 *   as soon as its stores are flushed).
 * - The process (daemon.c): srv_core_run loads the configuration file (fatal <P>_CONFIG_LOAD_FAIL),
 *   creates Kea's PID file $KEA_PIDFILE_DIR (default: the build's pid-dir)/<config name>.<daemon>.pid
 *   (refusing to start while the PID it names runs: <P>_ALREADY_RUNNING), applies the
 *   configuration (fatal <P>_INIT_FAIL), watches the signals and runs the loop until shutdown.
 *   srv_check_file is -t: Kea's texts on stderr and exit status 0 or 1.
 */
#ifndef NESTOR_SERVER_CORE_H
#define NESTOR_SERVER_CORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/cfg_common.h"
#include "config/jsonsrc.h"
#include "ctrl/ctrl.h"
#include "hosts/hostdb.h"
#include "log/log.h"
#include "server/dbrecover.h"
#include "server/gen.h"
#include "server/workq.h"

struct event_base;
struct event;

typedef struct srv_core srv_core_t;

/* Who disabled the service (Kea's NetworkState origins): a user, high availability (this
 * server's relationship and its partners' dhcp-disable "origin": "ha-partner"), and with several
 * HA relationships (hub-and-spoke) each one's own, SRV_ORIGIN_HA_REL + its index (Kea 2.6's
 * HA_LOCAL_COMMAND + id). */
#define SRV_HA_RELATIONSHIPS 16
enum srv_origin { SRV_ORIGIN_USER = 0, SRV_ORIGIN_HA = 1, SRV_ORIGIN_HA_REL = 2,
                  SRV_ORIGIN__COUNT = SRV_ORIGIN_HA_REL + SRV_HA_RELATIONSHIPS };

/* Link of something completed off the main loop (embedded in the family's reply). */
typedef struct srv_done {
    struct srv_done *next;
} srv_done_t;

/* What the core reads of a configuration. */
typedef struct srv_cfg_view {
    const jsonsrc_t *src;        /* the text it was parsed from */
    const json_t *map;           /* the root key's map inside src ("Dhcp4": {...}) */
    const cfg_common_t *common;  /* the sections both families share */
} srv_cfg_view_t;

typedef struct srv_family {
    const char *root;            /* the configuration's root key: "Dhcp4" */
    const char *service;         /* in answers: "DHCPv4" ("DHCPv4 service disabled") */
    const char *prefix;          /* message ids: "DHCP4" (DHCP4_CONFIG_LOAD_FAIL) */
    const char *realm;           /* default HTTP auth realm of control sockets */
    const char *daemon;          /* Kea's daemon name: "kea-dhcp4" (the PID file's name) */
    int (*load_file)(const char *path, void **cfg, char *err, size_t errlen);
    /* load_file for -t (optional): every error found in *errors, one a line (malloc'd). */
    int (*check_file)(const char *path, void **cfg, char **errors);
    /* The configuration as config-get and config-write show it (optional; default: its text). */
    json_t *(*config_json)(const void *cfg);
    /* A configuration received by command: text is the arguments ({"<root>": {...}}); also
     * checks the paths it would write to against the running configuration's (cfg_paths.h). */
    int (*load_api)(srv_core_t *c, const char *text, void **cfg, char *err, size_t errlen);
    int (*apply)(srv_core_t *c, void *cfg, char *err, size_t errlen);
    void (*free_cfg)(void *cfg);
    srv_cfg_view_t (*view)(const void *cfg);
    const void *(*running)(srv_core_t *c);
    /* Database recovery: the lease store's reconnect; hosts database i of the running
     * configuration (NULL past the last). */
    int (*lease_reconnect)(srv_core_t *c, char *err, size_t errlen);
    hostdb_t *(*hosts_db)(srv_core_t *c, size_t i);
    /* Starts the family's worker queue on core.gens (workq_start with its ops). */
    workq_t *(*start_workers)(srv_core_t *c, unsigned threads, unsigned queue_size, bool paused);
    /* Main loop: turns the family's packet receive events off or back on (srv_core_rx_room);
     * optional (without it the receiver is never held). */
    void (*rx_enable)(srv_core_t *c, bool on);
    /* Main loop: finishes something queued with srv_core_defer. */
    void (*complete)(srv_core_t *c, srv_done_t *d);
} srv_family_t;

struct srv_core {
    const srv_family_t *fam;
    struct event_base *base;
    ctrl_t *ctrl;
    const char *config_path;     /* -c FILE (borrowed): config-reload, config-write, SIGHUP */
    gen_slot_t gens;             /* publishes the current generation to the workers */
    workq_t *workers;            /* NULL: packets are processed on the main thread */
    bool in_command;             /* an exclusive command runs (workers paused) */
    _Atomic bool disabled[SRV_ORIGIN__COUNT];
    struct srv_enable_timer {    /* an origin's max-period timer (created on first use) */
        srv_core_t *core;
        enum srv_origin origin;
        struct event *ev;
    } enable[SRV_ORIGIN__COUNT];
    srv_dbrec_t dbrec;
    int64_t start_mono_ms, reload_mono_ms;
    int exit_code;
    char *pid_path;              /* the PID file srv_core_run created (removed by srv_core_fini) */
    pthread_mutex_t done_lock;
    srv_done_t *done_head;
    struct event *ev_completions, *ev_sigs[3];
    struct event *ev_rx_room;    /* ends a receive hold (srv_core_rx_room) */
    bool rx_held;
    uint64_t rx_holds;           /* receive holds so far */
    /* status-get adds what this hook puts into its arguments (high availability's section). */
    void (*status_add)(void *arg, json_t *args);
    void *status_arg;
};

/* Creates the control channel (events to srv_report_to_log on the commands logger, the workers'
 * guard) with the neutral commands, the completions event and the database recovery.
 * config_path (borrowed, may be NULL) is the -c file. */
void srv_core_init(srv_core_t *c, struct event_base *base, const srv_family_t *fam, const char *config_path);
void srv_core_stop(srv_core_t *c);
void srv_core_fini(srv_core_t *c);

/* Receive hold (main thread). A burst the main thread reads at once (after a reload's parse, say)
 * would overflow the workers' queue, which then drops packets; the sockets' buffers can hold them
 * instead. So the family asks before each receive how many packets it may take: SIZE_MAX without
 * workers; 0 when their queue is full, and then its receive events are off (family->rx_enable)
 * until a worker has freed a quarter of the queue, or SRV_RX_HOLD_MAX_MS passed (the queue stays
 * full: the workers are paused, say), when they are back on. Under lasting overload the backlog
 * so waits in the socket, where it ages: the family drops requests that start an exchange when
 * they are too old to answer, as it does without workers. */
#define SRV_RX_HOLD_MAX_MS 100
size_t srv_core_rx_room(srv_core_t *c);
/* Any thread. */
bool srv_core_serving(const srv_core_t *c);
/* Main thread: the service disabled or enabled for one origin (enabling cancels its max-period
 * timer), as dhcp-disable / dhcp-enable do without their logs. */
void srv_core_set_service(srv_core_t *c, enum srv_origin o, bool enabled);
void srv_core_shutdown(srv_core_t *c, int code);

/* Runs the daemon (see the contract); returns its exit status: 1 when it could not start, else
 * the shutdown's code. Call after srv_core_init (and the family's own init); srv_core_stop and
 * srv_core_fini follow whatever it returns. */
int srv_core_run(srv_core_t *c);
/* Checks a configuration file as -t does: 0 valid, 1 not (the error on stderr). */
int srv_check_file(const srv_family_t *fam, const char *file, bool debug);

/* SIGHUP reloads the configuration file (the running one stays if it fails), SIGTERM and SIGINT
 * shut down (exit code 0). */
void srv_core_watch_signals(srv_core_t *c);

/* Loads the file and applies it (family->load_file, family->apply), logging Kea's
 * <PREFIX>_DYNAMIC_RECONFIGURATION, then _SUCCESS, or CONFIG_LOAD_FAIL and _FAIL (SIGHUP and
 * config-reload). */
int srv_core_reload_file(srv_core_t *c, const char *path, char *err, size_t errlen);

/* What a configuration needs of other modules, validated: its loggers (*logs, for nlog_apply) and
 * its control sockets (*socks, for ctrl_apply_sockets). Errors name the position
 * (file:line:col). srv_core_check only validates (configuration checks: -t, config-test). */
int srv_core_prepare(const srv_family_t *fam, const void *cfg, nlog_setup_t **logs, ctrl_sockets_config_t **socks,
                     char *err, size_t errlen);
int srv_core_check(const srv_family_t *fam, const void *cfg, char *err, size_t errlen);
/* High availability (ha_listen.c): unless one of socks already listens at this server's own peer
 * URL (address and port), adds an HTTP(S) listener there, as Kea's HA hook does with
 * http-dedicated-listener or its Control Agent does otherwise, so that the peers reach the HA
 * commands: TLS with this peer's files (client certificates required as require-client-certs
 * says), basic auth with this peer's basic-auth-user and -password when set (what the partner
 * sends; the family's realm), with restrict-commands only the commands a partner sends (Kea
 * 2.2's list for the family; a listed control socket at that URL is not restricted).
 * With several relationships (hub-and-spoke) one for each relationship's own URL, which gives an
 * ha-* command without "server-name" this relationship's (ctrl_http_config_t.server_name).
 * srv_core_prepare calls it for a configuration with HA. */
struct ha_config;
void srv_ha_listener(const struct ha_config *ha, const srv_family_t *fam, ctrl_sockets_config_t *socks);

/* Applying a configuration: the neutral steps a family's apply takes, in this order.
 *   srv_apply_begin   validates the loggers and control sockets (failure: nothing changed); at
 *                     start-up (nothing runs) installs the loggers at once, so that what the
 *                     family opens next reports to them; notes whether the worker settings change;
 *   (the family builds what it needs: stores, databases)
 *   srv_apply_ctrl    applies the control sockets;
 *   srv_apply_pause   pauses the workers from here on when the change is structural (the family's
 *                     store or sockets change, or the worker settings do): nothing is written to a
 *                     store being replaced or sent on sockets being reopened;
 *   (the family replaces its sockets)
 *   then either srv_apply_abort (failure: the running configuration's control sockets back, the
 *   new loggers dropped, the workers resumed; the running configuration is untouched), or
 *   srv_apply_accept (the new loggers installed), the family builds its generation and makes it
 *   its running configuration, and srv_apply_publish publishes it: the workers pause (if they are
 *   not paused already) only for the swap and under_pause (a statistics recount, which must not
 *   race their writes), then resume, or restart when their settings changed (what waited in the
 *   queue is dropped and counted); the reload time is set. */
typedef struct srv_apply {
    nlog_setup_t *logs;
    ctrl_sockets_config_t *socks;
    const cfg_mt_t *mt;          /* the new configuration's worker settings */
    bool ctrl_changed, new_workers, paused;
} srv_apply_t;

int srv_apply_begin(srv_core_t *c, const void *cfg, srv_apply_t *a, char *err, size_t errlen);
int srv_apply_ctrl(srv_core_t *c, srv_apply_t *a, char *err, size_t errlen);
void srv_apply_pause(srv_core_t *c, srv_apply_t *a, bool structural);
void srv_apply_abort(srv_core_t *c, srv_apply_t *a);
void srv_apply_accept(srv_core_t *c, srv_apply_t *a);
void srv_apply_publish(srv_core_t *c, srv_apply_t *a, gen_t *g, void (*under_pause)(gen_t *g));

/* Workers: whether mt asks for other workers than those running (or no configuration runs);
 * starting them as mt says (none when multi-threading is off), paused while a command runs. */
bool srv_core_workers_change(srv_core_t *c, const cfg_mt_t *mt);
void srv_core_start_workers(srv_core_t *c, const cfg_mt_t *mt);

/* Completions: srv_core_defer from any thread; srv_core_completions_run on the main thread. */
void srv_core_defer(srv_core_t *c, srv_done_t *d);
void srv_core_completions_run(srv_core_t *c);

/* A report callback (ctrl, hosts databases) writing to logger (intptr_t)arg: severity 0 debug ..
 * 4 fatal. */
void srv_report_to_log(void *arg, int severity, const char *msgid, const char *text);

/* The neutral commands (cmds.c); called by srv_core_init. */
void srv_cmds_register(srv_core_t *c);

#endif
