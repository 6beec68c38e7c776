/* High availability: the names Kea 2.2's HA hook uses (modes, roles, states, pause rules) and
 * its state machine as pure functions.
 *
 * Contract:
 * - Family-neutral and stateless: nothing here knows a packet, a lease or a clock. The caller
 *   (the HA service) gathers what Kea's state handlers look at into ha_input_t and applies the
 *   decision; one function, ha_next(), decides every automatic transition.
 * - Names are Kea's, lower-case as Kea prints them in commands and status-get
 *   ("partner-in-maintenance"); log messages use them upper-cased (HA_STATE_TRANSITION).
 * - HA_ST_UNAVAILABLE and HA_ST_UNKNOWN are partner states only: unavailable = the last heartbeat
 *   (or maintenance notify) failed; unknown = no answer yet since start (Kea's -1: no transition
 *   is made on it).
 */
#ifndef NESTOR_HA_HA_STATE_H
#define NESTOR_HA_HA_STATE_H

#include <stdbool.h>
#include <stdint.h>

enum ha_mode { HA_MODE_LOAD_BALANCING, HA_MODE_HOT_STANDBY, HA_MODE_PASSIVE_BACKUP };
enum ha_role { HA_ROLE_PRIMARY, HA_ROLE_SECONDARY, HA_ROLE_STANDBY, HA_ROLE_BACKUP };

enum ha_state {
    HA_ST_BACKUP,
    HA_ST_COMMUNICATION_RECOVERY,
    HA_ST_HOT_STANDBY,
    HA_ST_LOAD_BALANCING,
    HA_ST_IN_MAINTENANCE,
    HA_ST_PARTNER_DOWN,
    HA_ST_PARTNER_IN_MAINTENANCE,
    HA_ST_PASSIVE_BACKUP,
    HA_ST_READY,
    HA_ST_SYNCING,
    HA_ST_TERMINATED,
    HA_ST_WAITING,
    HA_ST_UNAVAILABLE,        /* partner only */
    HA_ST_COUNT,
    HA_ST_UNKNOWN = HA_ST_COUNT, /* partner only: not heard from yet */
};

/* state-machine "pause": never (default), always (each time the state is entered), once (the
 * first time only, until the configuration is replaced). */
enum ha_pause { HA_PAUSE_NEVER, HA_PAUSE_ALWAYS, HA_PAUSE_ONCE };

/* Names; the *_from_name functions return -1 for an unknown name. ha_state_name() of
 * HA_ST_UNKNOWN is "" (Kea reports an empty last-state then). */
const char *ha_mode_name(enum ha_mode m);
const char *ha_role_name(enum ha_role r);
const char *ha_state_name(enum ha_state s);
const char *ha_pause_name(enum ha_pause p);
int ha_mode_from_name(const char *name);
int ha_role_from_name(const char *name);
int ha_state_from_name(const char *name);   /* also "unavailable", as Kea's state-machine accepts it */
int ha_pause_from_name(const char *name);
/* NULL-terminated lists of the names (for "did you mean"). */
extern const char *const ha_mode_names[];
extern const char *const ha_role_names[];
extern const char *const ha_state_names[];
extern const char *const ha_pause_names[];

#endif
