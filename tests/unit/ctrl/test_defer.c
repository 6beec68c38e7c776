/* Deferred answers and command concurrency: handlers that answer later from a timer, over
 * both transports, with clients that wait, half-close or vanish before the answer. */
#include "ctrl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/errcode.h"

#define JSON_CT "Content-Type: application/json\r\n"

static int g_depth, g_enters;

static void guard_enter(void *arg)
{
    g_depth++;
    g_enters++;
}

static void guard_leave(void *arg)
{
    g_depth--;
}

/* One answer to come: sent by a timer after LATER_MS. */
#define LATER_MS 100
typedef struct later {
    ctrl_reply_t *reply;
    struct event *timer;
    json_t *args;
    bool wanted_at_send;
    int sent;
} later_t;

static later_t g_later;

static void later_fire(evutil_socket_t fd, short what, void *arg)
{
    later_t *l = arg;
    l->wanted_at_send = ctrl_reply_wanted(l->reply);
    assert_int_equal(g_depth, 0); /* the guard covers the handler call only */
    ctrl_reply_send(l->reply, cmd_answer(CMD_SUCCESS, "later", l->args));
    l->reply = NULL;
    l->args = NULL;
    l->sent++;
}

static json_t *later(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    ct_env_t *e = ud;
    assert_int_equal(g_depth, 1); /* exclusive: inside the guard */
    assert_null(g_later.reply);
    g_later.reply = reply;
    g_later.args = args ? json_deep_copy(args) : NULL; /* args are borrowed for the call */
    if (!g_later.timer)
        g_later.timer = evtimer_new(e->base, later_fire, &g_later);
    struct timeval tv = {0, LATER_MS * 1000};
    evtimer_add(g_later.timer, &tv);
    return CTRL_PENDING;
}

static json_t *now_via_reply(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    ctrl_reply_send(reply, cmd_answer(CMD_SUCCESS, "sent inside", NULL));
    return CTRL_PENDING;
}

static json_t *concurrent(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    assert_int_equal(g_depth, 0);
    return cmd_answer(CMD_SUCCESS, "no pause", NULL);
}

static ct_env_t *setup_env(void)
{
    ct_env_t *e = ct_env_new();
    memset(&g_later, 0, sizeof g_later);
    g_depth = g_enters = 0;
    ctrl_set_guard(e->c, guard_enter, guard_leave, NULL);
    assert_int_equal(ctrl_register_ex(e->c, "later", later, e, CTRL_CMD_EXCLUSIVE), 0);
    assert_int_equal(ctrl_register_ex(e->c, "inside", now_via_reply, e, 0), 0);
    assert_int_equal(ctrl_register_ex(e->c, "free-run", concurrent, e, CTRL_CMD_CONCURRENT), 0);
    return e;
}

static void teardown_env(ct_env_t *e)
{
    if (g_later.timer)
        event_free(g_later.timer);
    json_decref(g_later.args);
    ct_env_free(e);
}

static char *run(ct_env_t *e, const char *text)
{
    json_t *a = ctrl_dispatch_text(e->c, text, strlen(text));
    char *s = ctrl_answer_dump(a, NULL);
    json_decref(a);
    return s;
}

static void test_flags_and_sync_callers(void **state)
{
    ct_env_t *e = setup_env();
    assert_int_equal(ctrl_register_ex(e->c, "bad", concurrent, e, 0x80), NST_EINVAL);
    char *s = run(e, "{\"command\": \"free-run\"}");
    ct_check_answer(s, 0, "no pause");
    free(s);
    assert_int_equal(g_enters, 0);
    s = run(e, "{\"command\": \"list-commands\"}"); /* ctrl_register: exclusive */
    free(s);
    assert_int_equal(g_enters, 1);
    s = run(e, "{\"command\": \"inside\"}");
    ct_check_answer(s, 0, "sent inside");
    free(s);
    /* A synchronous caller cannot wait: error now, the later answer is dropped. */
    s = run(e, "{\"command\": \"later\"}");
    ct_check_answer(s, 1, "command 'later' answers later, which this caller cannot wait for");
    free(s);
    ct_pump(e, LATER_MS + 50);
    assert_int_equal(g_later.sent, 1);
    assert_false(g_later.wanted_at_send);
    teardown_env(e);
}

static void test_unix_deferred(void **state)
{
    ct_env_t *e = setup_env();
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/ctrl.sock", e->dir);
    assert_int_equal(ctrl_unix_listen(e->c, path, err, sizeof err), 0);
    const char *cmd = "{\"command\": \"later\", \"arguments\": {\"n\": 7}}";

    /* The client waits (with its side shut down, as socat does); meanwhile other commands
     * are answered. */
    int fd = ct_unix_connect(path);
    ct_send(e, fd, cmd, strlen(cmd));
    shutdown(fd, SHUT_WR);
    ct_pump(e, 20);
    int other = ct_unix_connect(path);
    ct_send(e, other, "{\"command\": \"free-run\"}", 23);
    bool eof;
    char *r = ct_recv_all(e, other, 2000, NULL, &eof);
    ct_check_answer(r, 0, "no pause");
    free(r);
    close(other);
    assert_int_equal(g_later.sent, 0);
    r = ct_recv_all(e, fd, 2000, NULL, &eof);
    assert_true(eof);
    assert_string_equal(r, "{\"arguments\": {\"n\": 7}, \"result\": 0, \"text\": \"later\"}");
    free(r);
    close(fd);
    assert_true(g_later.wanted_at_send);

    /* The client vanishes before the answer: dropped on write. */
    fd = ct_unix_connect(path);
    ct_send(e, fd, cmd, strlen(cmd));
    ct_pump(e, 20);
    close(fd);
    ct_pump(e, LATER_MS + 100);
    assert_int_equal(g_later.sent, 2);

    /* The channel is freed before the answer: the reply is detached, nothing is touched. */
    fd = ct_unix_connect(path);
    ct_send(e, fd, cmd, strlen(cmd));
    ct_pump(e, 20);
    assert_non_null(g_later.reply);
    ctrl_free(e->c);
    e->c = ctrl_new(e->base, NULL, NULL);
    ct_pump(e, LATER_MS + 50);
    assert_int_equal(g_later.sent, 3);
    assert_false(g_later.wanted_at_send);
    close(fd);
    teardown_env(e);
}

static int send_http(ct_env_t *e, uint16_t port, const char *body, bool close_conn)
{
    int fd = ct_tcp_connect(port);
    char req[512];
    int n = snprintf(req, sizeof req, "POST / HTTP/1.1\r\nHost: x\r\n" JSON_CT
                     "%sContent-Length: %zu\r\n\r\n%s", close_conn ? "Connection: close\r\n" : "",
                     strlen(body), body);
    ct_send(e, fd, req, (size_t)n);
    return fd;
}

static void test_http_deferred(void **state)
{
    ct_env_t *e = setup_env();
    ctrl_http_config_t cfg = {.address = "127.0.0.1", .port = 0};
    char err[256];
    assert_int_equal(ctrl_http_listen(e->c, &cfg, err, sizeof err), 0);
    uint16_t port;
    ctrl_http_ports(e->c, &port, 1);
    const char *cmd = "{\"command\": \"later\", \"arguments\": {\"n\": 7}}";

    /* Keep-alive: the deferred answer, then a second request on the same connection. */
    int fd = send_http(e, port, cmd, false);
    ct_pump(e, 20);
    assert_int_equal(g_later.sent, 0);
    bool eof;
    char *r = ct_recv_all(e, fd, LATER_MS + 300, NULL, &eof);
    assert_false(eof);
    assert_non_null(strstr(r, "HTTP/1.1 200 OK"));
    assert_non_null(strstr(r, "[{\"arguments\": {\"n\": 7}, \"result\": 0, \"text\": \"later\"}]"));
    free(r);
    const char *again = "POST / HTTP/1.1\r\nHost: x\r\n" JSON_CT
                        "Connection: close\r\nContent-Length: 23\r\n\r\n{\"command\": \"free-run\"}";
    ct_send(e, fd, again, strlen(again));
    r = ct_recv_all(e, fd, 2000, NULL, &eof);
    assert_true(eof);
    assert_non_null(strstr(r, "no pause"));
    free(r);
    close(fd);

    /* Half-closed client: still answered. */
    fd = send_http(e, port, cmd, true);
    shutdown(fd, SHUT_WR);
    r = ct_recv_all(e, fd, LATER_MS + 1000, NULL, &eof);
    assert_true(eof);
    assert_non_null(strstr(r, "\"text\": \"later\""));
    free(r);
    close(fd);
    assert_int_equal(g_later.sent, 2);

    /* The client resets the connection before the answer: the connection goes at once and
     * the answer is dropped (ASan checks that nothing freed is touched). */
    fd = send_http(e, port, cmd, false);
    ct_pump(e, 20);
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
    ct_pump(e, 20);
    assert_non_null(g_later.reply);
    assert_false(ctrl_reply_wanted(g_later.reply));
    ct_pump(e, LATER_MS + 50);
    assert_int_equal(g_later.sent, 3);
    assert_false(g_later.wanted_at_send);

    /* The listener closes while an answer is pending: it still goes out, then the end. */
    fd = send_http(e, port, cmd, false);
    ct_pump(e, 20);
    assert_int_equal(ctrl_http_close(e->c, "127.0.0.1", 0), 0);
    r = ct_recv_all(e, fd, LATER_MS + 1000, NULL, &eof);
    assert_true(eof);
    assert_non_null(strstr(r, "\"text\": \"later\""));
    assert_non_null(strstr(r, "Connection: close"));
    free(r);
    close(fd);
    teardown_env(e);
}

int ct_defer_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flags_and_sync_callers),
        cmocka_unit_test(test_unix_deferred),
        cmocka_unit_test(test_http_deferred),
    };
    return cmocka_run_group_tests_name("ctrl_defer", tests, NULL, NULL);
}
