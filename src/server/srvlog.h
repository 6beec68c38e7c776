/* Log messages whose ids carry the daemon family's prefix, as Kea's do (DHCP4_..., DHCP6_...).
 *
 * Contract: srv_log(prefix, lg, sev, "DB_RECONNECT_FAILED", fmt, ...) writes message
 * "<prefix>_DB_RECONNECT_FAILED" when the logger lg takes severity sev (debug level 0); the
 * arguments are formatted only then. Any thread. */
#ifndef NESTOR_SERVER_SRVLOG_H
#define NESTOR_SERVER_SRVLOG_H

#include "common/util.h"
#include "log/log.h"

void srv_log(const char *prefix, enum nlog_logger lg, enum nlog_sev sev, const char *suffix, const char *fmt, ...)
    NST_PRINTF(5, 6);

#endif
