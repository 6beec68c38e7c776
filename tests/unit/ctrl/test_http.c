/* HTTP control listener end to end with a raw socket client. */
#include "ctrl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errcode.h"

#define JSON_CT "Content-Type: application/json\r\n"

static ct_env_t *g_env;

static json_t *echo(const char *name, json_t *args, void *ud)
{
    return cmd_answer(CMD_SUCCESS, "echoed", args ? json_incref(args) : NULL);
}

static json_t *close_all(const char *name, json_t *args, void *ud)
{
    char err[256];
    assert_int_equal(ctrl_apply_sockets(g_env->c, NULL, err, sizeof err), 0);
    return cmd_answer(CMD_SUCCESS, "closed", NULL);
}

static uint16_t open_http(ct_env_t *e, ctrl_http_config_t *cfg)
{
    char err[256];
    int rc = ctrl_http_listen(e->c, cfg, err, sizeof err);
    if (rc != 0)
        fail_msg("listen: %s", err);
    uint16_t ports[4];
    size_t n = ctrl_http_ports(e->c, ports, 4);
    assert_true(n >= 1);
    return ports[n - 1];
}

static void test_post_ok(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_register(e->c, "echo", echo, NULL);
    ctrl_http_header_t hdr = {.name = "Strict-Transport-Security", .value = "max-age=31536000"};
    ctrl_http_config_t cfg = {.address = "127.0.0.1", .port = 0, .headers = &hdr, .nheaders = 1};
    uint16_t port = open_http(e, &cfg);
    assert_true(port != 0);
    assert_true(ct_logged(e, "COMMAND_HTTP_SOCKET_SECURITY_WARNING", NULL));
    char *h, *b;
    int st = ct_http(e, port, "POST", JSON_CT, "{\"command\": \"list-commands\", \"service\": "
                                               "[\"dhcp4\"]}", &h, &b);
    assert_int_equal(st, 200);
    assert_string_equal(b, "[{\"arguments\": [\"echo\", \"list-commands\"], \"result\": 0}]");
    char *v = ct_header(h, "Content-Type");
    assert_string_equal(v, "application/json");
    free(v);
    v = ct_header(h, "Strict-Transport-Security");
    assert_string_equal(v, "max-age=31536000");
    free(v);
    free(h);
    free(b);
    /* Charset parameter and comments are fine; unknown commands are answered in the list. */
    st = ct_http(e, port, "POST", "Content-Type: Application/JSON; charset=utf-8\r\n",
                 "{\"command\": \"nope\" /* c */}", NULL, &b);
    assert_int_equal(st, 200);
    assert_string_equal(b, "[{\"result\": 2, \"text\": \"'nope' command not supported.\"}]");
    free(b);
    /* Shape errors are command-level answers (200), as in Kea. */
    st = ct_http(e, port, "POST", JSON_CT, "[1]", NULL, &b);
    assert_int_equal(st, 200);
    assert_string_equal(b, "[{\"result\": 1, \"text\": \"Error during command processing: "
                           "Invalid command Element specified, expected map\"}]");
    free(b);
    ct_env_free(e);
}

static void test_http_errors(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_set_limits(e->c, 200, 0);
    ctrl_http_config_t cfg = {.address = "127.0.0.1", .port = 0};
    uint16_t port = open_http(e, &cfg);
    char *h, *b;
    int st = ct_http(e, port, "GET", NULL, NULL, &h, &b);
    assert_int_equal(st, 405);
    assert_string_equal(b, "{\"result\": 405, \"text\": \"Method Not Allowed\"}");
    char *v = ct_header(h, "Allow");
    assert_string_equal(v, "POST");
    free(v);
    free(h);
    free(b);
    st = ct_http(e, port, "POST", "Content-Type: text/plain\r\n",
                 "{\"command\": \"list-commands\"}", NULL, &b);
    assert_int_equal(st, 415);
    assert_string_equal(b, "{\"result\": 415, \"text\": \"Unsupported Media Type\"}");
    free(b);
    st = ct_http(e, port, "POST", NULL, "{\"command\": \"list-commands\"}", NULL, &b);
    assert_int_equal(st, 415);
    free(b);
    st = ct_http(e, port, "POST", JSON_CT, "", NULL, &b);
    assert_int_equal(st, 400);
    assert_string_equal(b, "{\"result\": 400, \"text\": \"Bad Request\"}");
    free(b);
    st = ct_http(e, port, "POST", JSON_CT, "{\"command\": \"list-commands\"", NULL, &b);
    assert_int_equal(st, 400);
    free(b);
    st = ct_http(e, port, "POST", JSON_CT, "{\"command\": \"list-commands\"} x", NULL, &b);
    assert_int_equal(st, 400);
    assert_string_equal(b, "{\"result\": 400, \"text\": \"Bad Request\"}");
    free(b);
    assert_true(ct_logged(e, "COMMAND_PROCESS_ERROR1", "unexpected data after the command"));
    char big[400];
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "{\"command\": \"list-commands\"}", 28);
    st = ct_http(e, port, "POST", JSON_CT, big, NULL, &b);
    assert_int_equal(st, 413);
    free(b);
    ct_env_free(e);
}

static void test_basic_auth(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_http_client_t clients[] = {{.user = "admin", .password = "secret"},
                                    {.user = "ro", .password = ""}};
    ctrl_http_config_t cfg = {.address = "127.0.0.1", .port = 0, .realm = "kea-realm",
                              .clients = clients, .nclients = 2};
    uint16_t port = open_http(e, &cfg);
    const char *cmd = "{\"command\": \"list-commands\"}";
    char *h, *b;
    int st = ct_http(e, port, "POST", JSON_CT, cmd, &h, &b);
    assert_int_equal(st, 401);
    assert_string_equal(b, "{\"result\": 401, \"text\": \"Unauthorized\"}");
    char *v = ct_header(h, "WWW-Authenticate");
    assert_string_equal(v, "Basic realm=\"kea-realm\"");
    free(v);
    free(h);
    free(b);
    assert_true(ct_logged(e, "HTTP_CLIENT_REQUEST_NO_AUTH_HEADER", NULL));
    /* admin:wrong */
    st = ct_http(e, port, "POST", JSON_CT "Authorization: Basic YWRtaW46d3Jvbmc=\r\n", cmd,
                 NULL, &b);
    assert_int_equal(st, 401);
    free(b);
    assert_true(ct_logged(e, "HTTP_CLIENT_REQUEST_NOT_AUTHORIZED", NULL));
    st = ct_http(e, port, "POST", JSON_CT "Authorization: Bearer abcdefgh\r\n", cmd, NULL, &b);
    assert_int_equal(st, 401);
    free(b);
    assert_true(ct_logged(e, "HTTP_CLIENT_REQUEST_BAD_AUTH_HEADER", "not basic"));
    /* Auth is checked first: an unauthenticated GET learns nothing else. */
    st = ct_http(e, port, "GET", NULL, NULL, NULL, &b);
    assert_int_equal(st, 401);
    free(b);
    /* admin:secret, scheme in any case. */
    st = ct_http(e, port, "POST", JSON_CT "Authorization: basic   YWRtaW46c2VjcmV0  \r\n", cmd,
                 NULL, &b);
    assert_int_equal(st, 200);
    assert_string_equal(b, "[{\"arguments\": [\"list-commands\"], \"result\": 0}]");
    free(b);
    assert_true(ct_logged(e, "HTTP_CLIENT_REQUEST_AUTHORIZED", "'admin'"));
    /* ro: (empty password) */
    st = ct_http(e, port, "POST", JSON_CT "Authorization: Basic cm86\r\n", cmd, NULL, &b);
    assert_int_equal(st, 200);
    free(b);
    ct_env_free(e);
}

/* POSTs cmd; the status must be want_st and the body want (NULL: any). */
static void post_expect(ct_env_t *e, uint16_t port, const char *cmd, int want_st, const char *want)
{
    char *b;
    assert_int_equal(ct_http(e, port, "POST", JSON_CT, cmd, NULL, &b), want_st);
    if (want)
        assert_string_equal(b, want);
    free(b);
}

/* An accept list (restrict-commands): other named commands get 403 before they run; a command
 * without a name is not filtered (the dispatch answers it). */
static void test_accept_list(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_register(e->c, "echo", echo, NULL);
    static const char *const accept[] = {"list-commands", NULL};
    ctrl_http_config_t cfg = {.address = "127.0.0.1", .port = 0, .accept = accept};
    uint16_t port = open_http(e, &cfg);
    post_expect(e, port, "{\"command\": \"echo\"}", 403, "{\"result\": 403, \"text\": \"Forbidden\"}");
    assert_true(ct_logged(e, "COMMAND_HTTP_LISTENER_COMMAND_REJECTED",
                          "rejected command 'echo' from '127.0.0.1'"));
    post_expect(e, port, "{\"command\": \"list-commands\"}", 200,
                "[{\"arguments\": [\"echo\", \"list-commands\"], \"result\": 0}]");
    post_expect(e, port, "{\"arguments\": {}}", 200, NULL);
    ct_env_free(e);
}

/* A hub relationship's listener: "server-name" into an ha-* command naming none; a command's own
 * name, other commands and arguments that are not a map are left alone. */
static void test_server_name(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_register(e->c, "ha-x", echo, NULL);
    ctrl_register(e->c, "other", echo, NULL);
    ctrl_http_config_t cfg = {.address = "127.0.0.1", .port = 0, .server_name = "server4"};
    uint16_t port = open_http(e, &cfg);
    post_expect(e, port, "{\"command\": \"ha-x\"}", 200,
                "[{\"arguments\": {\"server-name\": \"server4\"}, \"result\": 0, \"text\": \"echoed\"}]");
    post_expect(e, port, "{\"command\": \"ha-x\", \"arguments\": {\"a\": 1}}", 200,
                "[{\"arguments\": {\"a\": 1, \"server-name\": \"server4\"}, \"result\": 0, \"text\": \"echoed\"}]");
    post_expect(e, port, "{\"command\": \"ha-x\", \"arguments\": {\"server-name\": \"server1\"}}", 200,
                "[{\"arguments\": {\"server-name\": \"server1\"}, \"result\": 0, \"text\": \"echoed\"}]");
    post_expect(e, port, "{\"command\": \"other\"}", 200, "[{\"result\": 0, \"text\": \"echoed\"}]");
    ct_env_free(e);
}

static void test_keep_alive(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_http_config_t cfg = {.address = "127.0.0.1", .port = 0};
    uint16_t port = open_http(e, &cfg);
    int fd = ct_tcp_connect(port);
    const char *one = "POST / HTTP/1.1\r\nHost: x\r\n" JSON_CT "Content-Length: 28\r\n\r\n"
                      "{\"command\": \"list-commands\"}";
    const char *two = "POST /any/path HTTP/1.1\r\nHost: x\r\n" JSON_CT
                      "Connection: close\r\nContent-Length: 19\r\n\r\n{\"command\": \"nope\"}";
    ct_send(e, fd, one, strlen(one));
    ct_pump(e, 50);
    ct_send(e, fd, two, strlen(two));
    bool eof;
    char *r = ct_recv_all(e, fd, 5000, NULL, &eof);
    assert_true(eof);
    close(fd);
    char *first = strstr(r, "HTTP/1.1 200");
    assert_non_null(first);
    char *second = strstr(first + 1, "HTTP/1.1 200");
    assert_non_null(second);
    assert_non_null(strstr(first, "[{\"arguments\": [\"list-commands\"], \"result\": 0}]"));
    assert_non_null(strstr(second, "'nope' command not supported."));
    free(r);
    ct_env_free(e);
}

static void test_apply_http(void **state)
{
    ct_env_t *e = ct_env_new();
    g_env = e;
    ctrl_register(e->c, "close-all", close_all, NULL);
    char err[256];
    ctrl_socket_config_t item = {.type = CTRL_SOCK_HTTP,
                                 .http = {.address = "127.0.0.1", .port = 0}};
    ctrl_sockets_config_t cfg = {.items = &item, .n = 1};
    assert_int_equal(ctrl_apply_sockets(e->c, &cfg, err, sizeof err), 0);
    uint16_t port;
    assert_int_equal(ctrl_http_ports(e->c, &port, 1), 1);
    char *b;
    assert_int_equal(ct_http(e, port, "POST", JSON_CT, "{\"command\": \"list-commands\"}", NULL,
                             &b), 200);
    free(b);
    /* Same address/port with new credentials: the socket stays, auth applies at once. */
    ctrl_http_client_t cl = {.user = "u", .password = "p"};
    item.http.clients = &cl;
    item.http.nclients = 1;
    item.http.realm = "r2";
    assert_int_equal(ctrl_apply_sockets(e->c, &cfg, err, sizeof err), 0);
    uint16_t port2;
    assert_int_equal(ctrl_http_ports(e->c, &port2, 1), 1);
    assert_int_equal(port2, port);
    char *h;
    assert_int_equal(ct_http(e, port, "POST", JSON_CT, "{\"command\": \"list-commands\"}", &h,
                             &b), 401);
    assert_non_null(strstr(h, "realm=\"r2\""));
    free(h);
    free(b);
    /* Switching the same address/port to HTTPS is refused and changes nothing. */
    item.type = CTRL_SOCK_HTTPS;
    item.http.tls = true;
    item.http.trust_anchor = item.http.cert_file = item.http.key_file = "/nonexistent";
    assert_int_equal(ctrl_apply_sockets(e->c, &cfg, err, sizeof err), NST_ECONFIG);
    assert_non_null(strstr(err, "between HTTP and HTTPS"));
    assert_int_equal(ctrl_http_ports(e->c, &port2, 1), 1);
    /* A command that closes its own listener still gets its answer. */
    assert_int_equal(ct_http(e, port, "POST", JSON_CT "Authorization: Basic dTpw\r\n",
                             "{\"command\": \"close-all\"}", NULL, &b), 200);
    assert_string_equal(b, "[{\"result\": 0, \"text\": \"closed\"}]");
    free(b);
    assert_int_equal(ctrl_http_ports(e->c, &port2, 1), 0);
    ct_pump(e, 50);
    ct_env_free(e);
}

int ct_http_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_ok),
        cmocka_unit_test(test_http_errors),
        cmocka_unit_test(test_basic_auth),
        cmocka_unit_test(test_accept_list),
        cmocka_unit_test(test_server_name),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_apply_http),
    };
    return cmocka_run_group_tests_name("ctrl_http", tests, NULL, NULL);
}
