/* The HTTP(S) client against Nestor's own HTTP control listener: keep-alive reuse, basic
 * auth, TLS with a trust anchor and client certificates, timeouts, failures, freeing. */
#include "ctrl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/errcode.h"
#include "ctrl/httpc.h"

typedef struct outcome {
    int calls, status;
    json_t *answer;
    char error[256];
    httpc_t *free_me; /* freed from inside the callback */
} outcome_t;

static void on_done(void *arg, int status, json_t *answer, const char *error)
{
    outcome_t *o = arg;
    o->calls++;
    o->status = status;
    json_decref(o->answer);
    o->answer = answer;
    snprintf(o->error, sizeof o->error, "%s", error ? error : "");
    if (o->free_me) {
        httpc_free(o->free_me);
        o->free_me = NULL;
    }
}

static void wait_for(ct_env_t *e, outcome_t *o, int calls)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (o->calls < calls) {
        event_base_loop(e->base, EVLOOP_ONCE);
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 10)
            fail_msg("no callback");
    }
}

static void clear(outcome_t *o)
{
    json_decref(o->answer);
    memset(o, 0, sizeof *o);
}

static int post(ct_env_t *e, httpc_t *h, const char *command, outcome_t *o)
{
    json_t *body = json_pack("{s:s}", "command", command);
    int calls = o->calls;
    int rc = httpc_post(h, body, on_done, o);
    json_decref(body);
    assert_int_equal(rc, 0);
    assert_int_equal(o->calls, calls); /* never from inside httpc_post */
    wait_for(e, o, calls + 1);
    return o->status;
}

static httpc_t *client(ct_env_t *e, const char *scheme, uint16_t port, const char *user,
                       const char *password, const pki_t *p, bool cert, unsigned timeout_ms)
{
    char url[64];
    snprintf(url, sizeof url, "%s://127.0.0.1:%u/", scheme, port);
    httpc_config_t cfg = {.url = url, .user = user, .password = password,
                          .trust_anchor = p ? p->ca : NULL,
                          .cert_file = cert ? p->cli_cert : NULL,
                          .key_file = cert ? p->cli_key : NULL, .timeout_ms = timeout_ms};
    httpc_t *h;
    char err[256];
    int rc = httpc_new(e->base, &cfg, &h, err, sizeof err);
    if (rc)
        fail_msg("httpc_new: %s", err);
    return h;
}

static uint16_t listen_http(ct_env_t *e, ctrl_http_config_t *cfg)
{
    static ctrl_http_client_t cl = {.user = "u", .password = "p"};
    cfg->address = "127.0.0.1";
    cfg->clients = &cl;
    cfg->nclients = 1;
    char err[256];
    if (ctrl_http_listen(e->c, cfg, err, sizeof err))
        fail_msg("listen: %s", err);
    uint16_t port;
    ctrl_http_ports(e->c, &port, 1);
    return port;
}

static void test_http_auth_keep_alive(void **state)
{
    ct_env_t *e = ct_env_new();
    e->watch[0] = "HTTP_CONNECTION_START";
    ctrl_http_config_t cfg = {0};
    uint16_t port = listen_http(e, &cfg);
    outcome_t o = {0};
    httpc_t *h = client(e, "http", port, "u", "p", NULL, false, 0);
    assert_int_equal(post(e, h, "list-commands", &o), 200);
    assert_string_equal(o.error, "");
    assert_int_equal(json_integer_value(json_object_get(o.answer, "result")), 0);
    assert_int_equal(post(e, h, "nope", &o), 200);
    assert_int_equal(json_integer_value(json_object_get(o.answer, "result")), 2);
    assert_int_equal(e->watched[0], 1); /* one connection for both */
    httpc_free(h);

    h = client(e, "http", port, "u", "wrong", NULL, false, 0);
    assert_int_equal(post(e, h, "list-commands", &o), 401);
    assert_string_equal(o.error, "HTTP 401 Unauthorized");
    assert_int_equal(json_integer_value(json_object_get(o.answer, "result")), 401);
    httpc_free(h);

    httpc_config_t bad = {.url = "ftp://127.0.0.1/"};
    char err[256];
    assert_int_equal(httpc_new(e->base, &bad, &h, err, sizeof err), NST_EINVAL);
    assert_non_null(strstr(err, "ftp://127.0.0.1/"));
    clear(&o);
    ct_env_free(e);
}

static ctrl_reply_t *g_never;

static json_t *never(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    g_never = reply;
    return CTRL_PENDING;
}

static void test_timeout_and_failures(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_register_ex(e->c, "never", never, NULL, CTRL_CMD_CONCURRENT);
    ctrl_http_config_t cfg = {0};
    uint16_t port = listen_http(e, &cfg);
    outcome_t o = {0};
    httpc_t *h = client(e, "http", port, "u", "p", NULL, false, 200);
    assert_int_equal(post(e, h, "never", &o), 0);
    assert_string_equal(o.error, "no answer within 200 ms");
    assert_null(o.answer);
    /* The connection was reset; the next request opens a new one. */
    assert_int_equal(post(e, h, "list-commands", &o), 200);
    ctrl_reply_send(g_never, cmd_answer(CMD_SUCCESS, "too late", NULL));
    ct_pump(e, 20);

    /* Queued requests are cancelled by httpc_free, their callbacks called. */
    json_t *body = json_pack("{s:s}", "command", "list-commands");
    outcome_t q = {0};
    assert_int_equal(httpc_post(h, body, on_done, &q), 0);
    assert_int_equal(httpc_post(h, body, on_done, &q), 0);
    httpc_free(h);
    assert_int_equal(q.calls, 2);
    assert_string_equal(q.error, "cancelled");
    clear(&q);

    /* Freed from inside its own callback. */
    h = client(e, "http", port, "u", "p", NULL, false, 0);
    o.free_me = h;
    assert_int_equal(httpc_post(h, body, on_done, &o), 0);
    assert_int_equal(httpc_post(h, body, on_done, &o), 0);
    int before = o.calls;
    wait_for(e, &o, before + 2);
    assert_string_equal(o.error, "cancelled"); /* the second one */

    /* Nobody listening. */
    assert_int_equal(ctrl_http_close(e->c, "127.0.0.1", 0), 0);
    ct_pump(e, 20);
    h = client(e, "http", port, NULL, NULL, NULL, false, 0);
    assert_int_equal(post(e, h, "list-commands", &o), 0);
    assert_string_equal(o.error, "connection failed");
    httpc_free(h);
    json_decref(body);
    clear(&o);
    ct_env_free(e);
}

static void test_https(void **state)
{
    ct_env_t *e = ct_env_new();
    e->watch[0] = "HTTP_CONNECTION_START";
    pki_t p;
    ct_make_pki(e->dir, &p);
    ctrl_http_config_t cfg = {.tls = true, .trust_anchor = p.ca, .cert_file = p.srv_cert,
                              .key_file = p.srv_key, .cert_required = true};
    uint16_t port = listen_http(e, &cfg);
    outcome_t o = {0};
    httpc_t *h = client(e, "https", port, "u", "p", &p, true, 0);
    assert_int_equal(post(e, h, "list-commands", &o), 200);
    assert_int_equal(json_integer_value(json_object_get(o.answer, "result")), 0);
    assert_int_equal(post(e, h, "list-commands", &o), 200);
    assert_int_equal(e->watched[0], 1);
    httpc_free(h);

    /* Auth still applies over TLS. */
    h = client(e, "https", port, "u", "x", &p, true, 0);
    assert_int_equal(post(e, h, "list-commands", &o), 401);
    httpc_free(h);

    /* No client certificate: the server refuses the session. */
    h = client(e, "https", port, "u", "p", &p, false, 2000);
    assert_int_equal(post(e, h, "list-commands", &o), 0);
    assert_string_not_equal(o.error, "");
    httpc_free(h);

    /* A server certificate the trust anchor does not vouch for. */
    pki_t other = p;
    snprintf(other.ca, sizeof other.ca, "%s", p.cli_cert);
    h = client(e, "https", port, "u", "p", &other, true, 2000);
    assert_int_equal(post(e, h, "list-commands", &o), 0);
    if (!strstr(o.error, "certificate verify failed"))
        fail_msg("error: %s", o.error);
    httpc_free(h);

    /* Unusable client files are reported by name. */
    char url[64], err[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%u/", port);
    httpc_config_t bad = {.url = url, .trust_anchor = p.ca, .cert_file = p.cli_cert,
                          .key_file = p.srv_key};
    assert_int_equal(httpc_new(e->base, &bad, &h, err, sizeof err), NST_ECONFIG);
    assert_non_null(strstr(err, p.srv_key));
    clear(&o);
    ct_env_free(e);
}

int ct_httpc_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_auth_keep_alive),
        cmocka_unit_test(test_timeout_and_failures),
        cmocka_unit_test(test_https),
    };
    return cmocka_run_group_tests_name("httpc", tests, NULL, NULL);
}
