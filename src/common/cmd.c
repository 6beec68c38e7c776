#include "common/cmd.h"

#include <stdarg.h>
#include <stdio.h>

json_t *cmd_answer(int result, const char *text, json_t *args)
{
    json_t *a = json_object();
    json_object_set_new(a, "result", json_integer(result));
    if (text)
        json_object_set_new(a, "text", json_string(text));
    if (args)
        json_object_set_new(a, "arguments", args);
    return a;
}

json_t *cmd_answerf(int result, json_t *args, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return cmd_answer(result, buf, args);
}
