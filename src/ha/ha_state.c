/* Kea 2.2's HA names and state machine (see ha_state.h). */
#include "ha/ha_state.h"

#include <string.h>

#include "common/util.h"

const char *const ha_mode_names[] = {"load-balancing", "hot-standby", "passive-backup", NULL};
const char *const ha_role_names[] = {"primary", "secondary", "standby", "backup", NULL};
const char *const ha_state_names[] = {
    "backup", "communication-recovery", "hot-standby", "load-balancing", "in-maintenance", "partner-down",
    "partner-in-maintenance", "passive-backup", "ready", "syncing", "terminated", "waiting", "unavailable", NULL,
};
const char *const ha_pause_names[] = {"never", "always", "once", NULL};

static int index_of(const char *const *names, const char *name)
{
    for (int i = 0; name && names[i]; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

const char *ha_mode_name(enum ha_mode m) { return (unsigned)m < 3 ? ha_mode_names[m] : ""; }
const char *ha_role_name(enum ha_role r) { return (unsigned)r < 4 ? ha_role_names[r] : ""; }
const char *ha_state_name(enum ha_state s) { return (unsigned)s < HA_ST_COUNT ? ha_state_names[s] : ""; }
const char *ha_pause_name(enum ha_pause p) { return (unsigned)p < 3 ? ha_pause_names[p] : ""; }
int ha_mode_from_name(const char *name) { return index_of(ha_mode_names, name); }
int ha_role_from_name(const char *name) { return index_of(ha_role_names, name); }
int ha_state_from_name(const char *name) { return index_of(ha_state_names, name); }
int ha_pause_from_name(const char *name) { return index_of(ha_pause_names, name); }
