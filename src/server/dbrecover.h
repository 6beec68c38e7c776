/* Database recovery shared by the daemons, with Kea's semantics (reconnect-wait-time,
 * max-reconnect-tries, on-fail), for the lease database and the hosts databases.
 *
 * Contract:
 * - One srv_dbrec_t per daemon, on its main loop (libevent base). Outages are reported from any
 *   thread, once per outage each: the lease store's lost callback is srv_dbrec_lease_lost (arg:
 *   the srv_dbrec_t), a hosts database's (hostdb_set_lost_cb) is srv_dbrec_hosts_lost. Both only
 *   note the outage and wake the main loop.
 * - On the main loop one recovery runs for whatever is lost, with the parameters of the first
 *   lost database: the lease database's when it is among them, else the first lost hosts
 *   database in list order.
 *   - Reconnection disabled (max-reconnect-tries or reconnect-wait-time 0): logged
 *     (<P>_DB_RECONNECT_DISABLED); the daemon shuts down (ops->shutdown(EXIT_FAILURE)) unless
 *     on-fail is serve-retry-continue.
 *   - Otherwise: on-fail stop-retry-exit disables the service (srv_dbrec_disabled() is true,
 *     <P>_DB_RECONNECT_SERVICE_DISABLED) until the recovery succeeds; every reconnect-wait-time
 *     a try reconnects every lost database (the lease store first, then each lost hosts
 *     database); when all answer the service resumes (<P>_DB_RECONNECT_SUCCEEDED). A failed try
 *     is logged (<P>_DB_RECONNECT_ATTEMPT_FAILED); after max-reconnect-tries failed tries the
 *     daemon shuts down (<P>_DB_RECONNECT_FAILED, ops->shutdown(EXIT_FAILURE)) unless on-fail is
 *     serve-retry-continue, which keeps trying.
 *   - An outage reported while a recovery runs joins it (the next try reconnects it too); when
 *     that database's on-fail is stop-retry-exit the service is disabled from then on.
 * - Message ids carry the family's prefix, as Kea's do: <P> is "DHCP4" for the DHCPv4 daemon
 *   (DHCP4_DB_RECONNECT_*), "DHCP6" for DHCPv6; they go to the root logger.
 * - Nothing runs while no configuration runs (ops->lease_params NULL).
 */
#ifndef NESTOR_SERVER_DBRECOVER_H
#define NESTOR_SERVER_DBRECOVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg_db.h"
#include "hosts/hostdb.h"

struct event_base;
struct event;

/* What the recovery asks of the daemon (main loop only). */
typedef struct srv_dbrec_ops {
    /* The lease database's parameters in the running configuration; NULL while none runs. */
    const cfg_db_t *(*lease_params)(void *arg);
    /* Reconnects the lease store: 0 when it answers, else an error with err set. */
    int (*lease_reconnect)(void *arg, char *err, size_t errlen);
    /* Hosts database i of the running configuration; NULL past the last. */
    hostdb_t *(*hosts_db)(void *arg, size_t i);
    /* Ends the daemon with this exit code. */
    void (*shutdown)(void *arg, int code);
} srv_dbrec_ops_t;

typedef struct srv_dbrec {
    const srv_dbrec_ops_t *ops;
    void *arg;
    const char *prefix;          /* message id prefix: "DHCP4", "DHCP6" */
    _Atomic bool disabled;       /* a lost database's on-fail is stop-retry-exit */
    _Atomic bool lease_lost;     /* the lease store reported an outage not yet recovered */
    struct event *ev_lost, *ev_retry;
    bool recovering;
    uint32_t tries;              /* failed and current tries of the running recovery */
} srv_dbrec_t;

void srv_dbrec_init(srv_dbrec_t *r, struct event_base *base, const char *prefix, const srv_dbrec_ops_t *ops,
                    void *arg);
void srv_dbrec_fini(srv_dbrec_t *r);

/* Outage reports (any thread; arg is the srv_dbrec_t). */
void srv_dbrec_lease_lost(void *arg);
void srv_dbrec_hosts_lost(void *arg);

/* Whether a recovery keeps the service off (on-fail stop-retry-exit). Any thread. */
static inline bool srv_dbrec_disabled(const srv_dbrec_t *r)
{
    return atomic_load(&r->disabled);
}

#endif
