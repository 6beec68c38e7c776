/* HTTP control listener under abuse: descriptors running out, too many idle connections. */
#include "ctrl_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#define JSON_CT "Content-Type: application/json\r\n"
#define AUTH "Authorization: Basic dTpw\r\n" /* u:p */
#define LIST_CMD "{\"command\": \"list-commands\"}"

static int g_accept_warnings;

/* libevent logs a failed accept() itself when the listener has no error callback. */
static void count_libevent_log(int severity, const char *msg)
{
    if (strstr(msg, "accept"))
        g_accept_warnings++;
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n - 3; /* ".", ".." and the directory's own descriptor */
}

static uint16_t open_http(ct_env_t *e)
{
    static ctrl_http_client_t client = {.user = "u", .password = "p"};
    ctrl_http_config_t cfg = {.address = "127.0.0.1", .port = 0, .clients = &client,
                              .nclients = 1};
    char err[256];
    assert_int_equal(ctrl_http_listen(e->c, &cfg, err, sizeof err), 0);
    uint16_t port;
    assert_int_equal(ctrl_http_ports(e->c, &port, 1), 1);
    return port;
}

static void expect_list_commands(ct_env_t *e, uint16_t port)
{
    char *b;
    assert_int_equal(ct_http(e, port, "POST", JSON_CT AUTH, LIST_CMD, NULL, &b), 200);
    assert_non_null(strstr(b, "\"result\": 0"));
    free(b);
}

/* Out of descriptors with connections waiting: the listener backs off instead of calling
 * accept() in a loop (before the fix: thousands of failed accepts and log lines a second). */
static void test_out_of_descriptors(void **state)
{
    enum { CLIENTS = 40, SERVER_ROOM = 5 };
    ct_env_t *e = ct_env_new();
    e->watch[0] = "COMMAND_HTTP_ACCEPT_FAIL failed";
    e->watch[1] = "COMMAND_HTTP_ACCEPT_FAIL accepting connections on HTTP control socket "
                  "127.0.0.1 port";
    e->watch[2] = "Too many open files";
    uint16_t port = open_http(e);
    g_accept_warnings = 0;
    event_set_log_callback(count_libevent_log);
    int fds[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        fds[i] = ct_tcp_connect(port);
    struct rlimit saved, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    low = saved;
    low.rlim_cur = (rlim_t)(open_fds() + SERVER_ROOM);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);

    ct_pump(e, 600);
    int warnings = g_accept_warnings;
    if (warnings) /* let the next tests run */
        setrlimit(RLIMIT_NOFILE, &saved);
    assert_int_equal(warnings, 0);
    /* Several back-off rounds failed, one report. */
    assert_int_equal(e->watched[0], 1);
    assert_int_equal(e->watched[2], 1);

    /* Once the idle connections go, an authorised request is answered (the limit is still
     * low) and the end of the episode is reported. */
    for (int i = 0; i < CLIENTS; i++)
        close(fds[i]);
    ct_pump(e, 1200);
    expect_list_commands(e, port);
    assert_int_equal(e->watched[1], 1);
    assert_int_equal(e->watched[0], 1);
    assert_int_equal(g_accept_warnings, 0);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    event_set_log_callback(NULL);
    ct_env_free(e);
}

/* True if the server closed fd (EOF or reset) within ms. */
static bool closed_by_server(ct_env_t *e, int fd, int ms)
{
    bool eof;
    char *r = ct_recv_all(e, fd, ms, NULL, &eof);
    free(r);
    return eof;
}

static void test_connection_cap(void **state)
{
    enum { CAP = 4, IDLE = 10 };
    ct_env_t *e = ct_env_new();
    ctrl_set_http_max_conns(e->c, CAP);
    e->watch[0] = "HTTP_CONNECTION_LIMIT";
    uint16_t port = open_http(e);
    /* A connection in the middle of a request is not idle: it is never the one closed. */
    int busy = ct_tcp_connect(port);
    const char *part = "POST / HTTP/1.1\r\nHost: x\r\n" JSON_CT AUTH;
    ct_send(e, busy, part, strlen(part));
    ct_pump(e, 20);
    int idle[IDLE];
    for (int i = 0; i < IDLE; i++) {
        idle[i] = ct_tcp_connect(port);
        ct_pump(e, 10);
    }
    /* The oldest idle ones made room for the newer ones. */
    for (int i = 0; i < IDLE - (CAP - 1); i++)
        assert_true(closed_by_server(e, idle[i], 200));
    for (int i = IDLE - (CAP - 1); i < IDLE; i++)
        assert_false(closed_by_server(e, idle[i], 50));
    assert_int_equal(e->watched[0], 1);
    /* A new client still gets in (another idle one goes), and the busy one completes. */
    expect_list_commands(e, port);
    const char *rest = "Connection: close\r\nContent-Length: 28\r\n\r\n" LIST_CMD;
    ct_send(e, busy, rest, strlen(rest));
    bool eof;
    char *r = ct_recv_all(e, busy, 2000, NULL, &eof);
    assert_non_null(strstr(r, "HTTP/1.1 200"));
    free(r);
    close(busy);
    for (int i = 0; i < IDLE; i++)
        close(idle[i]);
    ct_pump(e, 20);

    /* Every connection busy: a new one is closed at once. */
    int parts[CAP];
    for (int i = 0; i < CAP; i++) {
        parts[i] = ct_tcp_connect(port);
        ct_send(e, parts[i], part, strlen(part));
    }
    ct_pump(e, 20);
    int extra = ct_tcp_connect(port);
    assert_true(closed_by_server(e, extra, 500));
    close(extra);
    for (int i = 0; i < CAP; i++)
        assert_false(closed_by_server(e, parts[i], 20));
    for (int i = 0; i < CAP; i++)
        close(parts[i]);
    ct_pump(e, 20);
    expect_list_commands(e, port);
    ct_env_free(e);
}

/* Sends a head announcing a body of length bytes (none of it sent). */
static int send_head(ct_env_t *e, uint16_t port, size_t length, const char *extra)
{
    int fd = ct_tcp_connect(port);
    char head[512];
    int n = snprintf(head, sizeof head, "POST / HTTP/1.1\r\nHost: x\r\n" JSON_CT
                     "%sContent-Length: %zu\r\n\r\n", extra, length);
    ct_send(e, fd, head, (size_t)n);
    return fd;
}

/* The status of the answer that arrives within ms without sending anything more; 0: none. */
static int answer_status(ct_env_t *e, int fd, int ms, char **text)
{
    bool eof;
    char *r = ct_recv_all(e, fd, ms, NULL, &eof);
    int status = 0;
    if (sscanf(r, "HTTP/1.1 %d", &status) != 1)
        status = 0;
    if (text)
        *text = r;
    else
        free(r);
    return status;
}

/* Basic auth is checked on the head: an unauthenticated post of 48 MiB is answered before
 * its body is sent (before the fix the server waited to hold the whole body first). */
static void test_auth_before_body(void **state)
{
    enum { PARALLEL = 4 };
    ct_env_t *e = ct_env_new();
    uint16_t port = open_http(e);
    int fds[PARALLEL];
    for (int i = 0; i < PARALLEL; i++)
        fds[i] = send_head(e, port, 48u << 20, i % 2 ? "Expect: 100-continue\r\n" : "");
    for (int i = 0; i < PARALLEL; i++) {
        char *r;
        assert_int_equal(answer_status(e, fds[i], 2000, &r), 401);
        assert_non_null(strstr(r, "Connection: close"));
        assert_null(strstr(r, "100 Continue"));
        free(r);
        close(fds[i]);
    }
    /* Sending the body anyway costs nothing: it is drained, not kept. */
    int fd = send_head(e, port, 8u << 20, "");
    char *junk = calloc(1, 8u << 20);
    send(fd, junk, 8u << 20, MSG_DONTWAIT | MSG_NOSIGNAL);
    free(junk);
    assert_int_equal(answer_status(e, fd, 2000, NULL), 401);
    close(fd);
    /* Authorised: the body is read (after "100 Continue" when asked for) and answered. */
    fd = send_head(e, port, 28, AUTH "Expect: 100-continue\r\n");
    char *r;
    assert_int_equal(answer_status(e, fd, 300, &r), 100);
    free(r);
    ct_send(e, fd, LIST_CMD, 28);
    assert_int_equal(answer_status(e, fd, 300, &r), 200);
    assert_non_null(strstr(r, "\"result\": 0"));
    free(r);
    close(fd);
    expect_list_commands(e, port);
    ct_env_free(e);
}

/* Without credentials on the listener, bodies being read share one budget (max_request). */
static void test_unauthenticated_budget(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_set_limits(e->c, 1000, 0);
    ctrl_http_config_t cfg = {.address = "127.0.0.1", .port = 0};
    char err[256];
    assert_int_equal(ctrl_http_listen(e->c, &cfg, err, sizeof err), 0);
    uint16_t port;
    ctrl_http_ports(e->c, &port, 1);
    char body[801];
    memset(body, ' ', 800);
    memcpy(body, LIST_CMD, 28);
    body[800] = '\0';
    int a = send_head(e, port, 800, "");
    ct_send(e, a, body, 10);
    int b = send_head(e, port, 800, "");
    char *r;
    assert_int_equal(answer_status(e, b, 500, &r), 503);
    assert_non_null(strstr(r, "Retry-After: 1"));
    free(r);
    close(b);
    /* A request that fits is read alongside. */
    b = send_head(e, port, 28, "");
    ct_send(e, b, LIST_CMD, 28);
    assert_int_equal(answer_status(e, b, 300, NULL), 200);
    close(b);
    ct_send(e, a, body + 10, 790);
    assert_int_equal(answer_status(e, a, 300, NULL), 200);
    close(a);
    /* The budget came back. */
    b = send_head(e, port, 800, "");
    ct_send(e, b, body, 800);
    assert_int_equal(answer_status(e, b, 300, NULL), 200);
    close(b);
    ct_env_free(e);
}

int ct_http_limit_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_of_descriptors),
        cmocka_unit_test(test_connection_cap),
        cmocka_unit_test(test_auth_before_body),
        cmocka_unit_test(test_unauthenticated_budget),
    };
    return cmocka_run_group_tests_name("ctrl_http_limits", tests, NULL, NULL);
}
