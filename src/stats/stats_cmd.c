/* statistic-* command handlers. Result codes and texts are those kea-dhcp4 2.2 sends (checked
 * against a running server); where Kea fails internally (a non-integer "duration") or accepts
 * nonsense (a negative "duration" or "max-samples"), Nestor answers with a plain error. */
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "stats/stats_int.h"

/* The mandatory string "name" argument, or an error answer in *answer. */
static const char *arg_name(json_t *args, json_t **answer)
{
    json_t *n = json_is_object(args) ? json_object_get(args, "name") : NULL;
    if (!n) {
        *answer = cmd_answer(CMD_ERROR, "Missing mandatory 'name' parameter.", NULL);
        return NULL;
    }
    if (!json_is_string(n)) {
        *answer = cmd_answer(CMD_ERROR, "'name' parameter expected to be a string.", NULL);
        return NULL;
    }
    return json_string_value(n);
}

/* A mandatory integer argument: >= 0, and > 0 if nonzero is set. */
static bool arg_int(json_t *args, const char *key, bool nonzero, int64_t *out, json_t **answer)
{
    json_t *v = json_is_object(args) ? json_object_get(args, key) : NULL;
    if (!v) {
        *answer = cmd_answerf(CMD_ERROR, NULL, "Missing mandatory '%s' parameter.", key);
        return false;
    }
    if (!json_is_integer(v)) {
        *answer = cmd_answerf(CMD_ERROR, NULL, "'%s' parameter expected to be an integer.", key);
        return false;
    }
    *out = json_integer_value(v);
    if (nonzero && *out == 0) {
        *answer = cmd_answerf(CMD_ERROR, NULL, "'%s' parameter must not be zero", key);
        return false;
    }
    if (*out < 0) {
        *answer = cmd_answerf(CMD_ERROR, NULL, "'%s' parameter must not be negative", key);
        return false;
    }
    return true;
}

static json_t *not_found(const char *stat)
{
    return cmd_answerf(CMD_ERROR, NULL, "No '%s' statistic found", stat);
}

json_t *stats_cmd_get(const char *name, json_t *args, void *ud)
{
    json_t *answer = NULL;
    const char *stat = arg_name(args, &answer);
    if (!stat)
        return answer;
    stats_tick();
    return cmd_answer(CMD_SUCCESS, NULL, stats_get_json(stat));
}

json_t *stats_cmd_get_all(const char *name, json_t *args, void *ud)
{
    stats_tick();
    return cmd_answer(CMD_SUCCESS, NULL, stats_get_all_json());
}

json_t *stats_cmd_reset(const char *name, json_t *args, void *ud)
{
    json_t *answer = NULL;
    const char *stat = arg_name(args, &answer);
    if (!stat)
        return answer;
    if (stats_reset(stat) != 0)
        return not_found(stat);
    return cmd_answerf(CMD_SUCCESS, NULL, "Statistic '%s' reset.", stat);
}

json_t *stats_cmd_reset_all(const char *name, json_t *args, void *ud)
{
    stats_reset_all();
    return cmd_answer(CMD_SUCCESS, "All statistics reset to neutral values.", NULL);
}

json_t *stats_cmd_remove(const char *name, json_t *args, void *ud)
{
    json_t *answer = NULL;
    const char *stat = arg_name(args, &answer);
    if (!stat)
        return answer;
    if (stats_remove(stat) != 0)
        return not_found(stat);
    return cmd_answerf(CMD_SUCCESS, NULL, "Statistic '%s' removed.", stat);
}

json_t *stats_cmd_remove_all(const char *name, json_t *args, void *ud)
{
    stats_remove_all();
    return cmd_answer(CMD_SUCCESS, "Warning: statistic-remove-all command is deprecated. "
                                   "All statistics removed.", NULL);
}

json_t *stats_cmd_sample_age_set(const char *name, json_t *args, void *ud)
{
    json_t *answer = NULL;
    int64_t v;
    const char *stat = arg_name(args, &answer);
    if (!stat || !arg_int(args, "duration", false, &v, &answer))
        return answer;
    if (stats_set_limits(stat, -1, v) != 0)
        return not_found(stat);
    return cmd_answerf(CMD_SUCCESS, NULL, "Statistic '%s' duration limit is set.", stat);
}

json_t *stats_cmd_sample_age_set_all(const char *name, json_t *args, void *ud)
{
    json_t *answer = NULL;
    int64_t v;
    if (!arg_int(args, "duration", false, &v, &answer))
        return answer;
    stats_set_limits_all(-1, v);
    return cmd_answer(CMD_SUCCESS, "All statistics duration limit are set.", NULL);
}

json_t *stats_cmd_sample_count_set(const char *name, json_t *args, void *ud)
{
    json_t *answer = NULL;
    int64_t v;
    const char *stat = arg_name(args, &answer);
    if (!stat || !arg_int(args, "max-samples", true, &v, &answer))
        return answer;
    if (stats_set_limits(stat, v, -1) != 0)
        return not_found(stat);
    return cmd_answerf(CMD_SUCCESS, NULL, "Statistic '%s' count limit is set.", stat);
}

json_t *stats_cmd_sample_count_set_all(const char *name, json_t *args, void *ud)
{
    json_t *answer = NULL;
    int64_t v;
    if (!arg_int(args, "max-samples", true, &v, &answer))
        return answer;
    stats_set_limits_all(v, -1);
    return cmd_answer(CMD_SUCCESS, "All statistics count limit are set.", NULL);
}

const struct stats_cmd stats_cmds[] = {
    {"statistic-get", stats_cmd_get},
    {"statistic-get-all", stats_cmd_get_all},
    {"statistic-reset", stats_cmd_reset},
    {"statistic-reset-all", stats_cmd_reset_all},
    {"statistic-remove", stats_cmd_remove},
    {"statistic-remove-all", stats_cmd_remove_all},
    {"statistic-sample-age-set", stats_cmd_sample_age_set},
    {"statistic-sample-age-set-all", stats_cmd_sample_age_set_all},
    {"statistic-sample-count-set", stats_cmd_sample_count_set},
    {"statistic-sample-count-set-all", stats_cmd_sample_count_set_all},
    {NULL, NULL},
};
