/* Fuzz target: arbitrary bytes as a control command, through the same paths the transports
 * use: ctrl_dispatch_text (HTTP body, strict trailer) and the incremental feed (UNIX socket,
 * split at a point chosen by the first input byte). Two dummy commands are registered so
 * valid requests reach a handler. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "ctrl/ctrl.h"
#include "ctrl/ctrl_feed.h"

static json_t *echo(const char *name, json_t *args, void *ud)
{
    return cmd_answer(CMD_SUCCESS, "ok", args ? json_deep_copy(args) : NULL);
}

static json_t *empty(const char *name, json_t *args, void *ud)
{
    return cmd_answer(CMD_EMPTY, "nothing", NULL);
}

static ctrl_t *setup(void)
{
    static struct event_base *base;
    static ctrl_t *c;
    if (!c) {
        base = event_base_new();
        c = ctrl_new(base, NULL, NULL);
        ctrl_register(c, "echo", echo, NULL);
        ctrl_register(c, "lease4-get", empty, NULL);
    }
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ctrl_t *c = setup();
    json_t *ans = ctrl_dispatch_text(c, (const char *)data, size);
    char *text = ctrl_answer_dump(ans, NULL);
    /* Every answer is an object with an integer result and, if present, a string text. */
    if (!json_is_object(ans) || !json_is_integer(json_object_get(ans, "result")) ||
        (json_object_get(ans, "text") && !json_is_string(json_object_get(ans, "text"))))
        abort();
    free(text);
    json_decref(ans);

    /* Feed in two chunks; the stripped text must parse the same way whatever the split. */
    size_t split = size ? data[0] % (size + 1) : 0;
    ctrl_feed_t f;
    ctrl_feed_init(&f);
    size_t used = 0;
    int st = ctrl_feed_push(&f, (const char *)data, split, &used);
    if (st == CTRL_FEED_MORE) {
        size_t used2 = 0;
        st = ctrl_feed_push(&f, (const char *)data + split, size - split, &used2);
        used += used2;
    }
    if (used > size || f.seen != used)
        abort();
    if (st == CTRL_FEED_DONE) {
        size_t n;
        const char *body = ctrl_feed_text(&f, &n);
        if (n != used)
            abort();
        json_t *a = ctrl_dispatch_text(c, body, n);
        json_decref(a);
    }
    ctrl_feed_free(&f);
    return 0;
}
