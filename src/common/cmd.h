/* Control-command answers, shared by every module that implements commands.
 *
 * Contract: a command handler receives the command name and its "arguments" (borrowed, may be
 * NULL) and returns a new JSON object {"result": N, "text": "...", "arguments": {...}} that the
 * caller owns. Result codes are Kea's (src/lib/cc/command_interpreter.h). */
#ifndef NESTOR_COMMON_CMD_H
#define NESTOR_COMMON_CMD_H

#include <jansson.h>

#include "common/util.h"

enum cmd_result {
    CMD_SUCCESS = 0,
    CMD_ERROR = 1,
    CMD_UNSUPPORTED = 2,
    CMD_EMPTY = 3,
    CMD_CONFLICT = 4,   /* Kea 2.4: a lease change refused because it conflicts with a stored lease */
};

typedef json_t *(*cmd_handler_fn)(const char *name, json_t *args, void *ud);

/* Builds an answer; args is stolen (NULL = no "arguments" key). */
json_t *cmd_answer(int result, const char *text, json_t *args);
json_t *cmd_answerf(int result, json_t *args, const char *fmt, ...) NST_PRINTF(3, 4);

#endif
