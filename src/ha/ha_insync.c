/* Incremental synchronization (beyond Kea; see ha_service.h, "Incremental synchronization"): how
 * far this server is known to hold its partner's leases, kept in memory and, with a persistent
 * lease file, in a small state file beside it, so that a restarted server asks its partner only
 * for the leases changed since then. Main thread. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "ha/ha_service_int.h"
#include "log/log.h"

/* What "changed since" takes off the last moment in sync: the largest clock skew a pair keeps
 * running with (60 s, then terminated), the state file's write interval and the writes a crash
 * of the machine can lose from the page cache (about 30 s). */
#define INSYNC_MARGIN_S 120
#define INSYNC_WRITE_EVERY_S 10

void ha_service_set_state_file(ha_service_t *s, const char *path)
{
    free(s->state_file);
    s->state_file = path ? xstrdup(path) : NULL;
}

static void save(ha_service_t *s)
{
    if (!s->state_file || s->partner < 0 || !s->in_sync || s->in_sync == s->in_sync_saved)
        return;
    char tmp[4200], date[64];
    snprintf(tmp, sizeof tmp, "%s.tmp", s->state_file);
    ha_http_date(s->in_sync, date, sizeof date);
    json_t *j = json_pack("{s:s, s:s, s:I, s:s}", "this-server-name", s->names[s->me], "partner",
                          s->names[s->partner], "in-sync", (json_int_t)s->in_sync, "in-sync-date", date);
    int r = json_dump_file(j, tmp, JSON_COMPACT);
    json_decref(j);
    if (r || rename(tmp, s->state_file)) {
        if (!s->state_file_failed)
            LOG_WARN(NLOG_HA, "HA_SYNC_STATE_WRITE_FAILED", "cannot write the synchronization state file %s: %s; "
                     "the next synchronization after a restart will be a full one", s->state_file, strerror(errno));
        s->state_file_failed = true;
        unlink(tmp);
        return;
    }
    s->state_file_failed = false;
    s->in_sync_saved = s->in_sync;
}

void ha_insync_load(ha_service_t *s)
{
    if (!s->state_file || s->partner < 0)
        return;
    json_error_t e;
    json_t *j = json_load_file(s->state_file, 0, &e);
    if (!j)
        return;   /* none yet (or unreadable): the first synchronization is a full one */
    const char *me = json_string_value(json_object_get(j, "this-server-name"));
    const char *partner = json_string_value(json_object_get(j, "partner"));
    json_t *t = json_object_get(j, "in-sync");
    if (me && partner && json_is_integer(t) && !strcmp(me, s->names[s->me]) && !strcmp(partner, s->names[s->partner]) &&
        json_integer_value(t) > 0 && json_integer_value(t) <= (json_int_t)time(NULL)) {
        s->in_sync = s->in_sync_saved = (time_t)json_integer_value(t);
        char date[64];
        ha_http_date(s->in_sync, date, sizeof date);
        LOG_INFO(NLOG_HA, "HA_SYNC_STATE_LOADED", "this server held every lease of %s as of %s (%s)",
                 s->names[s->partner], date, s->state_file);
    }
    json_decref(j);
}

void ha_insync_note(ha_service_t *s, time_t t)
{
    if (t <= s->in_sync)
        return;
    s->in_sync = t;
    if (t - s->in_sync_saved >= INSYNC_WRITE_EVERY_S)
        save(s);
}

void ha_insync_save(ha_service_t *s)
{
    save(s);
}

int64_t ha_insync_since(const ha_service_t *s)
{
    return s->in_sync > INSYNC_MARGIN_S ? (int64_t)s->in_sync - INSYNC_MARGIN_S : 0;
}
