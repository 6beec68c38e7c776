/* Family-prefixed log message ids (see srvlog.h). */
#include "server/srvlog.h"

#include <stdarg.h>
#include <stdio.h>

void srv_log(const char *prefix, enum nlog_logger lg, enum nlog_sev sev, const char *suffix, const char *fmt, ...)
{
    if (!nlog_enabled(lg, sev, 0))
        return;
    char id[96];
    snprintf(id, sizeof id, "%s_%s", prefix, suffix);
    va_list ap;
    va_start(ap, fmt);
    nlog_vwrite(lg, sev, 0, id, fmt, ap);
    va_end(ap);
}
