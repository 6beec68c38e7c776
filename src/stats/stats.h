/* stats: Kea-compatible named statistics and the statistic-* control commands.
 *
 * Contract:
 * - A statistic is a named int64 with a "last changed" timestamp. stats_declare() returns a
 *   handle that stays valid (and keeps its identity) until stats_shutdown(), across
 *   statistic-remove and statistic-reset. A declared statistic is not visible (absent from
 *   statistic-get/-get-all) until its first stat_add()/stat_set(), like Kea's StatsMgr where a
 *   statistic exists once a value was set; statistic-remove makes it absent again and restarts
 *   it from 0, so the next stat_add(h, 1) shows 1 (Kea recreates it the same way).
 * - Hot path: stat_add() is one atomic fetch-add plus relaxed loads (a relaxed store of the
 *   timestamp at most once per clock tick and statistic); no lock, no clock read. Timestamps come
 *   from a coarse clock that stats_tick() refreshes (the main loop calls it, e.g. every
 *   iteration or every 100 ms); command handlers refresh it themselves.
 * - History, as Kea's Observation: every stat_add()/stat_set() records a sample (value, coarse
 *   timestamp); statistic-get/-get-all list the kept ones newest first as
 *   [[value, "YYYY-MM-DD HH:MM:SS.ffffff"], ...]. Kept: the newest statistic-default-sample-count
 *   (20) by default; statistic-sample-count-set(-all) sets a count (a lower count drops the older
 *   samples for good), statistic-sample-age-set(-all) an age (the samples within that many
 *   seconds of the newest, at most 1024 here); the -all forms also set the default of new
 *   statistics, and so does the configuration (stats_set_default_limits: Kea's
 *   statistic-default-sample-count/-age, a count of 0 meaning the age). statistic-reset leaves one
 *   sample 0; statistic-remove drops the history. The hot path records a sample lock-free in a
 *   per-statistic ring; under racing updates the newest sample shows the exact value and older
 *   ones may be out of order.
 * - Thread-safety: every function may be called from any thread. Values under concurrent
 *   stat_add() are exact; a remove/reset racing with updates may keep one of those updates.
 * - Command handlers have the cmd_handler_fn signature (common/cmd.h) and return Kea's answers
 *   (result codes and texts as kea-dhcp4 2.2 sends them).
 */
#ifndef NESTOR_STATS_STATS_H
#define NESTOR_STATS_STATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cmd.h"

typedef struct stats_entry stat_t;

/* Returns the handle for name, creating it (absent, value 0) if needed. Idempotent. */
stat_t *stats_declare(const char *name);
/* Handle for name, or NULL if it was never declared. */
stat_t *stats_find(const char *name);

/* Adds delta (atomic) and marks the statistic present. */
void stat_add(stat_t *s, int64_t delta);
/* Sets the value and marks the statistic present. */
void stat_set(stat_t *s, int64_t value);
int64_t stat_value(const stat_t *s);
bool stat_present(const stat_t *s);
const char *stat_name(const stat_t *s);

/* By-name conveniences (declare + add/set), for code that is not per packet. */
void stats_add(const char *name, int64_t delta);
void stats_set(const char *name, int64_t value);

/* Makes a statistic absent (and 0). 0, or NST_ENOENT if it is not present. */
int stats_remove(const char *name);
/* Removes every present statistic whose name starts with prefix (e.g. "subnet[5]."). Returns
 * how many were removed. */
size_t stats_remove_prefix(const char *prefix);
/* Sets every present statistic to 0 (statistic-reset-all). */
void stats_reset_all(void);
/* Makes every statistic absent (statistic-remove-all). */
void stats_remove_all(void);

/* {"name": [[value, "timestamp"]]} for a present statistic, {} otherwise. New reference. */
json_t *stats_get_json(const char *name);
/* All present statistics, sorted by name, in the same shape. New reference. */
json_t *stats_get_all_json(void);

/* Refreshes the coarse clock used for timestamps. */
void stats_tick(void);

/* Kea's statistic-default-sample-count (20; 0 = use the age) and statistic-default-sample-age
 * (0 s), from the configuration: applied to every statistic and to new ones. */
void stats_set_default_limits(uint32_t max_samples, uint32_t max_age);
void stats_default_limits(uint32_t *max_samples, uint32_t *max_age);

/* Frees everything; every handle becomes invalid. For tests and exit. */
void stats_shutdown(void);

/* Command handlers (statistic-get, -get-all, -reset, -reset-all, -remove, -remove-all,
 * -sample-age-set, -sample-age-set-all, -sample-count-set, -sample-count-set-all). */
json_t *stats_cmd_get(const char *name, json_t *args, void *ud);
json_t *stats_cmd_get_all(const char *name, json_t *args, void *ud);
json_t *stats_cmd_reset(const char *name, json_t *args, void *ud);
json_t *stats_cmd_reset_all(const char *name, json_t *args, void *ud);
json_t *stats_cmd_remove(const char *name, json_t *args, void *ud);
json_t *stats_cmd_remove_all(const char *name, json_t *args, void *ud);
json_t *stats_cmd_sample_age_set(const char *name, json_t *args, void *ud);
json_t *stats_cmd_sample_age_set_all(const char *name, json_t *args, void *ud);
json_t *stats_cmd_sample_count_set(const char *name, json_t *args, void *ud);
json_t *stats_cmd_sample_count_set_all(const char *name, json_t *args, void *ud);

/* The commands above by name, for registration; ends with {NULL, NULL}. */
struct stats_cmd {
    const char *name;
    cmd_handler_fn fn;
};
extern const struct stats_cmd stats_cmds[];

#endif
