/* Internal to src/stats: registry functions used by the command handlers. */
#ifndef NESTOR_STATS_STATS_INT_H
#define NESTOR_STATS_STATS_INT_H

#include "stats/stats.h"

/* Stores per-statistic sample limits (max_samples > 0 and/or max_age >= 0; pass -1 to leave
 * one unchanged). 0, or NST_ENOENT if name is not present. */
int stats_set_limits(const char *name, int64_t max_samples, int64_t max_age);
/* Sets the limit on every statistic and as the default for new ones. */
void stats_set_limits_all(int64_t max_samples, int64_t max_age);
/* Resets one present statistic to 0. 0 or NST_ENOENT. */
int stats_reset(const char *name);

#endif
