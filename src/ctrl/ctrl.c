/* Command registry and dispatch: see ctrl.h.
 *
 * Request shape rules and answer texts follow Kea 2.2 (src/lib/cc/command_interpreter.cc
 * parseCommand and src/lib/config/base_command_mgr.cc processCommand), checked against
 * Debian's kea-dhcp4 2.2.0. */
#include "ctrl/ctrl_int.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/errcode.h"
#include "ctrl/ctrl_feed.h"

/* Kea wraps request-shape errors in this prefix (BaseCommandMgr::processCommand). */
#define SHAPE_PREFIX "Error during command processing: "

struct ctrl_reply {
    ctrl_done_fn done; /* NULL: nobody waits (detached) */
    void *arg;
    bool in_handler;   /* the handler has not returned yet */
    json_t *early;     /* sent before the handler returned */
};

static json_t pending_marker;
json_t *const ctrl_pending = &pending_marker;

void ctrl_report(const ctrl_t *c, int severity, const char *msgid, const char *fmt, ...)
{
    if (!c->report)
        return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    c->report(c->report_arg, severity, msgid, text);
}

char *ctrl_log_safe(char *out, size_t cap, const char *s, size_t max)
{
    size_t n = 0;
    if (max > cap - 4)
        max = cap - 4;
    for (; s[n] && n < max; n++) {
        unsigned char ch = (unsigned char)s[n];
        out[n] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (s[n]) {
        /* Do not leave half of a UTF-8 sequence before the ellipsis. */
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

static json_t *list_commands(const char *name, json_t *args, void *ud)
{
    ctrl_t *c = ud;
    json_t *list = json_array();
    for (size_t i = 0; i < c->ncmds; i++)
        json_array_append_new(list, json_string(c->cmds[i].name));
    return cmd_answer(CMD_SUCCESS, NULL, list);
}

ctrl_t *ctrl_new(struct event_base *base, ctrl_report_fn report, void *arg)
{
    if (!base)
        return NULL;
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
        sa.sa_handler == SIG_DFL) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
    }
    ctrl_t *c = xcalloc(1, sizeof(*c));
    c->base = base;
    c->report = report;
    c->report_arg = arg;
    c->max_request = CTRL_DEFAULT_MAX_REQUEST;
    c->timeout_ms = CTRL_DEFAULT_TIMEOUT_MS;
    c->http_max_conns = CTRL_DEFAULT_MAX_HTTP_CONNS;
    ctrl_register(c, "list-commands", list_commands, c);
    return c;
}

void ctrl_free(ctrl_t *c)
{
    if (!c)
        return;
    ctrl_unix_free_all(c);
    ctrl_http_free_all(c);
    for (size_t i = 0; i < c->ncmds; i++)
        free(c->cmds[i].name);
    free(c->cmds);
    free(c);
}

/* Index of name, or -(insertion point) - 1. */
static ptrdiff_t find_cmd(const ctrl_t *c, const char *name)
{
    size_t lo = 0, hi = c->ncmds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(name, c->cmds[mid].name);
        if (d == 0)
            return (ptrdiff_t)mid;
        if (d < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -(ptrdiff_t)lo - 1;
}

static int add_cmd(ctrl_t *c, const char *name, struct ctrl_cmd cmd)
{
    if (!c || !name || !*name || (!cmd.fn && !cmd.dfn))
        return NST_EINVAL;
    ptrdiff_t at = find_cmd(c, name);
    if (at >= 0)
        return NST_EEXIST;
    size_t pos = (size_t)(-at - 1);
    if (c->ncmds == c->capcmds) {
        c->capcmds = c->capcmds ? c->capcmds * 2 : 32;
        c->cmds = xrealloc(c->cmds, c->capcmds * sizeof(*c->cmds));
    }
    memmove(c->cmds + pos + 1, c->cmds + pos, (c->ncmds - pos) * sizeof(*c->cmds));
    cmd.name = xstrdup(name);
    c->cmds[pos] = cmd;
    c->ncmds++;
    char safe[160];
    ctrl_report(c, CTRL_SEV_DEBUG, "COMMAND_REGISTERED", "command %s registered",
                ctrl_log_safe(safe, sizeof safe, name, 128));
    return 0;
}

int ctrl_register(ctrl_t *c, const char *name, cmd_handler_fn fn, void *ud)
{
    return add_cmd(c, name, (struct ctrl_cmd){.fn = fn, .ud = ud});
}

int ctrl_register_ex(ctrl_t *c, const char *name, ctrl_handler_fn fn, void *ud, unsigned flags)
{
    if (flags & ~(unsigned)CTRL_CMD_CONCURRENT)
        return NST_EINVAL;
    return add_cmd(c, name, (struct ctrl_cmd){.dfn = fn, .ud = ud, .flags = flags});
}

int ctrl_unregister(ctrl_t *c, const char *name)
{
    if (!c || !name)
        return NST_EINVAL;
    if (strcmp(name, "list-commands") == 0)
        return NST_EINVAL;
    ptrdiff_t at = find_cmd(c, name);
    if (at < 0)
        return NST_ENOENT;
    free(c->cmds[at].name);
    memmove(c->cmds + at, c->cmds + at + 1, (c->ncmds - (size_t)at - 1) * sizeof(*c->cmds));
    c->ncmds--;
    char safe[160];
    ctrl_report(c, CTRL_SEV_DEBUG, "COMMAND_DEREGISTERED", "command %s deregistered",
                ctrl_log_safe(safe, sizeof safe, name, 128));
    return 0;
}

void ctrl_set_guard(ctrl_t *c, void (*enter)(void *), void (*leave)(void *), void *arg)
{
    c->guard_enter = enter;
    c->guard_leave = leave;
    c->guard_arg = arg;
}

void ctrl_set_limits(ctrl_t *c, size_t max_request, unsigned timeout_ms)
{
    if (max_request)
        c->max_request = max_request;
    if (timeout_ms)
        c->timeout_ms = timeout_ms;
}

void ctrl_set_http_max_conns(ctrl_t *c, unsigned n)
{
    if (n)
        c->http_max_conns = n;
}

int ctrl_raise_nofile(unsigned long *soft, char *err, size_t errlen)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return errf(err, errlen, NST_EIO, "cannot read the descriptor limit: %s",
                    strerror(errno));
    if (rl.rlim_cur != rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            return errf(err, errlen, NST_EIO, "cannot raise the descriptor limit to %llu: %s",
                        (unsigned long long)want, strerror(errno));
    }
    if (soft)
        *soft = rl.rlim_cur == RLIM_INFINITY ? (unsigned long)-1 : (unsigned long)rl.rlim_cur;
    return 0;
}

static void accept_retry(evutil_socket_t fd, short what, void *arg)
{
    ctrl_acceptor_t *a = arg;
    evconnlistener_enable(a->lev);
}

/* Only failures that retrying at once cannot cure reach here: libevent's listener retries
 * EINTR, EAGAIN and ECONNABORTED itself. */
static void accept_error(struct evconnlistener *lev, void *arg)
{
    ctrl_acceptor_t *a = arg;
    int e = EVUTIL_SOCKET_ERROR();
    int64_t now = now_mono_ms();
    a->failed++;
    if (now - a->reported_ms >= ACCEPT_REPORT_INTERVAL_MS) {
        ctrl_report(a->c, CTRL_SEV_ERROR, a->msgid,
                    "failed to accept incoming connection on %s: %s; retrying every %u to %u ms "
                    "until connections are accepted again", a->name, strerror(e),
                    ACCEPT_BACKOFF_MIN_MS, ACCEPT_BACKOFF_MAX_MS);
        a->reported = true;
        a->reported_ms = now;
    }
    a->backoff_ms = a->backoff_ms ? a->backoff_ms * 2 : ACCEPT_BACKOFF_MIN_MS;
    if (a->backoff_ms > ACCEPT_BACKOFF_MAX_MS)
        a->backoff_ms = ACCEPT_BACKOFF_MAX_MS;
    evconnlistener_disable(lev);
    struct timeval tv = {.tv_sec = a->backoff_ms / 1000, .tv_usec = (a->backoff_ms % 1000) * 1000};
    evtimer_add(a->retry, &tv);
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    ctrl_acceptor_t *a = arg;
    if (a->failed && a->reported) {
        ctrl_report(a->c, CTRL_SEV_INFO, a->msgid,
                    "accepting connections on %s again after %lu failed attempts", a->name,
                    a->failed);
        a->failed = 0;
        a->reported = false;
    }
    a->backoff_ms = 0;
    a->cb(lev, fd, sa, salen, a->arg);
}

int ctrl_acceptor_open(ctrl_acceptor_t *a, ctrl_t *c, evutil_socket_t fd, evconnlistener_cb cb,
                       void *arg, const char *msgid, const char *name)
{
    *a = (ctrl_acceptor_t){.c = c, .cb = cb, .arg = arg, .msgid = msgid,
                           .reported_ms = -ACCEPT_REPORT_INTERVAL_MS};
    a->lev = evconnlistener_new(c->base, accept_cb, a,
                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
    if (!a->lev) {
        close(fd);
        return NST_EIO;
    }
    evconnlistener_set_error_cb(a->lev, accept_error);
    a->retry = evtimer_new(c->base, accept_retry, a);
    a->name = xstrdup(name);
    return 0;
}

void ctrl_acceptor_close(ctrl_acceptor_t *a)
{
    if (a->lev)
        evconnlistener_free(a->lev);
    if (a->retry)
        event_free(a->retry);
    free(a->name);
    a->lev = NULL;
    a->retry = NULL;
    a->name = NULL;
}

json_t *ctrl_parse_request(const char *text, size_t len, char *err, size_t errlen)
{
    ctrl_feed_t f;
    size_t used = 0;
    json_t *j = NULL;
    ctrl_feed_init(&f);
    int st = ctrl_feed_push(&f, text, len, &used);
    if (st == CTRL_FEED_ERROR) {
        snprintf(err, errlen, "invalid command: %s", ctrl_feed_error(&f));
        goto out;
    }
    if (st == CTRL_FEED_MORE) {
        snprintf(err, errlen, "invalid command: %s",
                 f.depth == 0 ? "no JSON object found" : "incomplete JSON text");
        goto out;
    }
    char why[96];
    if (ctrl_feed_check_trailer(text + used, len - used, why, sizeof why) < 0) {
        snprintf(err, errlen, "invalid command: %s", why);
        goto out;
    }
    size_t n;
    const char *body = ctrl_feed_text(&f, &n);
    json_error_t je;
    j = json_loadb(body, n, 0, &je);
    if (!j)
        snprintf(err, errlen, "invalid command: JSON syntax error at line %d column %d: %s",
                 je.line, je.column, je.text);
out:
    /* jansson may quote raw input bytes: keep the text plain ASCII so it is valid JSON. */
    for (char *p = err; j == NULL && errlen && *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    ctrl_feed_free(&f);
    return j;
}

static json_t *shape_error(ctrl_t *c, const char *fmt, ...) NST_PRINTF(2, 3);

static json_t *shape_error(ctrl_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *detail = NULL;
    if (vasprintf(&detail, fmt, ap) < 0)
        abort();
    va_end(ap);
    size_t dl = strlen(detail);
    char *text = xmalloc(sizeof(SHAPE_PREFIX) + dl);
    memcpy(text, SHAPE_PREFIX, sizeof(SHAPE_PREFIX) - 1);
    memcpy(text + sizeof(SHAPE_PREFIX) - 1, detail, dl + 1);
    char safe[300];
    ctrl_report(c, CTRL_SEV_WARN, "COMMAND_PROCESS_ERROR2", "error while processing command: %s",
                ctrl_log_safe(safe, sizeof safe, detail, 256));
    json_t *a = cmd_answer(CMD_ERROR, text, NULL);
    free(detail);
    free(text);
    return a;
}

static bool allowed_key(const char *k)
{
    /* Kea 2.2 accepts exactly these top-level keys; "service" is for the Control Agent and
     * "remote-address" is added by Kea's HTTP layer. */
    return strcmp(k, "command") == 0 || strcmp(k, "arguments") == 0 ||
           strcmp(k, "service") == 0 || strcmp(k, "remote-address") == 0;
}

static json_t *no_response(void)
{
    return cmd_answer(CMD_ERROR, "internal server error: no response generated", NULL);
}

/* Validates req and runs its handler. Returns the answer, or NULL with the reply of a
 * handler that answers later in *pending. */
static json_t *dispatch(ctrl_t *c, json_t *req, ctrl_reply_t **pending)
{
    if (!json_is_object(req))
        return shape_error(c, "Invalid command Element specified, expected map");
    json_t *cmd = json_object_get(req, "command");
    if (!cmd)
        return shape_error(c, "Invalid answer specified, does not contain mandatory 'command'");
    /* Kea walks a sorted map, so the first unsupported key in byte order is reported. */
    const char *bad = NULL, *key;
    json_t *val;
    json_object_foreach(req, key, val) {
        if (!allowed_key(key) && (!bad || strcmp(key, bad) < 0))
            bad = key;
    }
    if (bad)
        return shape_error(c, "Received command contains unsupported parameter '%s'", bad);
    if (!json_is_string(cmd))
        return shape_error(c, "'command' element in command message is not a string");
    const char *name = json_string_value(cmd);
    json_t *args = json_object_get(req, "arguments");
    if (json_is_null(args))
        args = NULL;
    /* Stricter than Kea 2.2, which leaves this check to each handler: handlers here can rely
     * on arguments being absent or a map. The text is Kea's parseCommandWithArgs one. */
    if (args && !json_is_object(args))
        return shape_error(c, "arguments specified for the '%s' command are not a map", name);

    char safe[160];
    ctrl_log_safe(safe, sizeof safe, name, 128);
    ctrl_report(c, CTRL_SEV_INFO, "COMMAND_RECEIVED", "received command '%s'", safe);

    ptrdiff_t at = find_cmd(c, name);
    if (at < 0) {
        size_t nl = strlen(name);
        char *text = xmalloc(nl + 32);
        snprintf(text, nl + 32, "'%s' command not supported.", name);
        json_t *a = cmd_answer(CMD_UNSUPPORTED, text, NULL);
        free(text);
        return a;
    }
    /* Copy before calling: the handler may (un)register commands. */
    struct ctrl_cmd h = c->cmds[at];
    bool guard = !(h.flags & CTRL_CMD_CONCURRENT);
    ctrl_reply_t *r = xcalloc(1, sizeof(*r));
    r->in_handler = true;
    if (guard && c->guard_enter)
        c->guard_enter(c->guard_arg);
    json_t *ans = h.dfn ? h.dfn(r, name, args, h.ud) : h.fn(name, args, h.ud);
    if (guard && c->guard_leave)
        c->guard_leave(c->guard_arg);
    r->in_handler = false;
    if (ans == CTRL_PENDING && !r->early) {
        *pending = r;
        return NULL;
    }
    if (ans == CTRL_PENDING)
        ans = r->early;
    else
        json_decref(r->early); /* a handler that both sent and returned: the return wins */
    free(r);
    if (!ans) {
        ctrl_report(c, CTRL_SEV_WARN, "COMMAND_RESPONSE_ERROR",
                    "server failed to generate a response for command '%s'", safe);
        ans = no_response();
    }
    return ans;
}

json_t *ctrl_dispatch_async(ctrl_t *c, json_t *req, ctrl_done_fn done, void *arg,
                            ctrl_reply_t **pending)
{
    ctrl_reply_t *r = NULL;
    json_t *ans = dispatch(c, req, &r);
    if (!r)
        return ans;
    if (done) {
        r->done = done;
        r->arg = arg;
        *pending = r;
        return NULL;
    }
    /* Detached: the handler's later answer is dropped. */
    char safe[160];
    ctrl_log_safe(safe, sizeof safe, json_string_value(json_object_get(req, "command")), 128);
    ctrl_report(c, CTRL_SEV_WARN, "COMMAND_RESPONSE_ERROR",
                "command '%s' answers later, which this caller cannot wait for", safe);
    return cmd_answerf(CMD_ERROR, NULL, "command '%s' answers later, which this caller cannot "
                       "wait for", safe);
}

json_t *ctrl_dispatch_json(ctrl_t *c, json_t *req)
{
    return ctrl_dispatch_async(c, req, NULL, NULL, NULL);
}

json_t *ctrl_dispatch_text_async(ctrl_t *c, const char *text, size_t len, ctrl_done_fn done,
                                 void *arg, ctrl_reply_t **pending)
{
    char err[256];
    json_t *req = ctrl_parse_request(text, len, err, sizeof err);
    if (!req) {
        ctrl_report(c, CTRL_SEV_WARN, "COMMAND_PROCESS_ERROR1",
                    "error while processing command: %s", err);
        return cmd_answer(CMD_ERROR, err, NULL);
    }
    json_t *ans = ctrl_dispatch_async(c, req, done, arg, pending);
    json_decref(req);
    return ans;
}

json_t *ctrl_dispatch_text(ctrl_t *c, const char *text, size_t len)
{
    return ctrl_dispatch_text_async(c, text, len, NULL, NULL, NULL);
}

void ctrl_reply_send(ctrl_reply_t *r, json_t *answer)
{
    if (!answer)
        answer = no_response();
    if (r->in_handler) {
        json_decref(r->early);
        r->early = answer;
        return;
    }
    if (r->done)
        r->done(r->arg, answer);
    else
        json_decref(answer);
    free(r);
}

bool ctrl_reply_wanted(const ctrl_reply_t *r)
{
    return r->in_handler || r->done != NULL;
}

void ctrl_reply_detach(ctrl_reply_t *r)
{
    r->done = NULL;
    r->arg = NULL;
}

char *ctrl_answer_dump(const json_t *answer, size_t *len)
{
    char *s = json_dumps(answer, JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s)
        s = xstrdup("{\"result\": 1, \"text\": \"internal server error: answer not serialisable\"}");
    if (len)
        *len = strlen(s);
    return s;
}
