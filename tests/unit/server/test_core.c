/* Unit tests: the server core (server/core.h) and its neutral commands, with a fake family
 * ("DhcpX", service "DHCPvX", message prefix "DHCPX") on a real event base. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "common/errcode.h"
#include "server/core.h"

typedef struct xcfg {
    jsonsrc_t *src;
    json_t *map;
    cfg_common_t common;
} xcfg_t;

typedef struct fake {
    srv_core_t core;
    xcfg_t *running;
    int applies, completed;
    char dir[64], conf[96];
} fake_t;

#define FAKE(c) ((fake_t *)((char *)(c) - offsetof(fake_t, core)))

static void xcfg_free(void *p)
{
    xcfg_t *x = p;
    if (!x)
        return;
    free(x->common.server_tag);
    jsonsrc_free(x->src);
    free(x);
}

static int xcfg_from(jsonsrc_t *src, void **out, char *err, size_t errlen)
{
    json_t *map = json_object_get(jsonsrc_root(src), "DhcpX");
    if (!json_is_object(map)) {
        snprintf(err, errlen, "no DhcpX map");
        jsonsrc_free(src);
        return NST_ECONFIG;
    }
    xcfg_t *x = calloc(1, sizeof *x);
    x->src = src;
    x->map = map;
    cfg_common_defaults(&x->common, 6);
    json_t *tag = json_object_get(map, "server-tag");
    if (json_is_string(tag))
        x->common.server_tag = strdup(json_string_value(tag));
    *out = x;
    return 0;
}

static int x_load_file(const char *path, void **cfg, char *err, size_t errlen)
{
    jsonsrc_t *src;
    if (jsonsrc_load_file(path, &src, err, errlen))
        return NST_ECONFIG;
    return xcfg_from(src, cfg, err, errlen);
}

static int x_load_api(srv_core_t *c, const char *text, void **cfg, char *err, size_t errlen)
{
    jsonsrc_t *src;
    if (jsonsrc_load_string(text, "<command arguments>", &src, err, errlen))
        return NST_ECONFIG;
    return xcfg_from(src, cfg, err, errlen);
}

static int x_apply(srv_core_t *c, void *cfg, char *err, size_t errlen)
{
    fake_t *f = FAKE(c);
    xcfg_t *x = cfg;
    if (json_object_get(x->map, "refuse")) {
        snprintf(err, errlen, "refused by the family");
        xcfg_free(x);
        return NST_ECONFIG;
    }
    xcfg_free(f->running);
    f->running = x;
    f->applies++;
    return 0;
}

static srv_cfg_view_t x_view(const void *cfg)
{
    const xcfg_t *x = cfg;
    return (srv_cfg_view_t){x->src, x->map, &x->common};
}

static const void *x_running(srv_core_t *c)
{
    return FAKE(c)->running;
}

static int x_lease_reconnect(srv_core_t *c, char *err, size_t errlen)
{
    return 0;
}

static hostdb_t *x_hosts_db(srv_core_t *c, size_t i)
{
    return NULL;
}

static workq_t *x_start_workers(srv_core_t *c, unsigned threads, unsigned queue_size, bool paused)
{
    return NULL;
}

static void x_complete(srv_core_t *c, srv_done_t *d)
{
    FAKE(c)->completed++;
    free(d);
}

static const srv_family_t famx = {
    .root = "DhcpX", .service = "DHCPvX", .prefix = "DHCPX", .realm = "kea-dhcpvx-server",
    .load_file = x_load_file, .load_api = x_load_api, .apply = x_apply, .free_cfg = xcfg_free,
    .view = x_view, .running = x_running, .lease_reconnect = x_lease_reconnect, .hosts_db = x_hosts_db,
    .start_workers = x_start_workers, .complete = x_complete,
};

static int setup(void **state)
{
    fake_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/nestor-core-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->conf, sizeof f->conf, "%s/x.conf", f->dir);
    FILE *fp = fopen(f->conf, "w");
    fputs("{\"DhcpX\": {\"server-tag\": \"from-file\"}}\n", fp);
    fclose(fp);
    srv_core_init(&f->core, event_base_new(), &famx, f->conf);
    char err[256];
    assert_int_equal(srv_core_reload_file(&f->core, f->conf, err, sizeof err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fake_t *f = *state;
    struct event_base *base = f->core.base;
    srv_core_stop(&f->core);
    srv_core_fini(&f->core);
    event_base_free(base);
    xcfg_free(f->running);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Sends one command; returns the answer (caller frees). */
static json_t *cmd(fake_t *f, const char *text)
{
    return ctrl_dispatch_text(f->core.ctrl, text, strlen(text));
}

static void assert_answer(fake_t *f, const char *request, int result, const char *text)
{
    json_t *a = cmd(f, request);
    const char *got = json_string_value(json_object_get(a, "text"));
    if (json_integer_value(json_object_get(a, "result")) != result || (text && (!got || strcmp(got, text)))) {
        char *d = json_dumps(a, 0);
        fail_msg("%s -> %s (expected %d, \"%s\")", request, d, result, text ? text : "");
    }
    json_decref(a);
}

static void run_ms(fake_t *f, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(f->core.base, &tv);
    event_base_dispatch(f->core.base);
}

/* Every origin has its own max-period timer (Kea's NetworkState); the texts name the family's
 * service. */
static void test_dhcp_disable_max_period_for_every_origin(void **state)
{
    fake_t *f = *state;
    assert_true(srv_core_serving(&f->core));
    assert_answer(f, "{\"command\": \"dhcp-disable\", \"arguments\": {\"origin\": \"ha-partner\", \"max-period\": 1}}",
                  0, "DHCPvX service disabled for 1 seconds");
    assert_answer(f, "{\"command\": \"dhcp-disable\", \"arguments\": {\"origin\": \"user\"}}", 0,
                  "DHCPvX service disabled");
    assert_false(srv_core_serving(&f->core));
    run_ms(f, 1300);
    /* the partner's max-period elapsed; the user's disable (without one) stays */
    assert_false(atomic_load(&f->core.disabled[SRV_ORIGIN_HA]));
    assert_true(atomic_load(&f->core.disabled[SRV_ORIGIN_USER]));
    assert_false(srv_core_serving(&f->core));
    assert_answer(f, "{\"command\": \"dhcp-enable\"}", 0, "DHCP service successfully enabled");
    assert_true(srv_core_serving(&f->core));

    /* dhcp-enable cancels the timer: a later disable without max-period stays */
    assert_answer(f, "{\"command\": \"dhcp-disable\", \"arguments\": {\"max-period\": 1}}", 0,
                  "DHCPvX service disabled for 1 seconds");
    assert_answer(f, "{\"command\": \"dhcp-enable\", \"arguments\": {\"origin\": \"user\"}}", 0, NULL);
    assert_answer(f, "{\"command\": \"dhcp-disable\"}", 0, NULL);
    run_ms(f, 1300);
    assert_false(srv_core_serving(&f->core));
    assert_answer(f, "{\"command\": \"dhcp-enable\"}", 0, NULL);

    /* a disable without max-period leaves the origin's pending timer armed */
    assert_answer(f, "{\"command\": \"dhcp-disable\", \"arguments\": {\"origin\": \"ha-partner\", \"max-period\": 1}}",
                  0, NULL);
    assert_answer(f, "{\"command\": \"dhcp-disable\", \"arguments\": {\"origin\": \"ha-partner\"}}", 0, NULL);
    run_ms(f, 1300);
    assert_true(srv_core_serving(&f->core));

    assert_answer(f, "{\"command\": \"dhcp-disable\", \"arguments\": {\"origin\": \"peer\"}}", 1,
                  "invalid value used for 'origin' parameter: expected \"user\" or \"ha-partner\"");
    assert_answer(f, "{\"command\": \"dhcp-disable\", \"arguments\": {\"max-period\": 0}}", 1,
                  "'max-period' must be a positive integer");
    assert_true(srv_core_serving(&f->core));
}

static void test_configuration_commands_use_the_family(void **state)
{
    fake_t *f = *state;
    assert_int_equal(f->applies, 1);
    assert_answer(f, "{\"command\": \"server-tag-get\"}", 0, NULL);
    json_t *a = cmd(f, "{\"command\": \"server-tag-get\"}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(a, "arguments"), "server-tag")), "from-file");
    json_decref(a);
    assert_answer(f, "{\"command\": \"config-set\", \"arguments\": {\"Dhcp4\": {}}}", 1,
                  "Missing mandatory 'DhcpX' parameter.");
    assert_answer(f, "{\"command\": \"config-test\", \"arguments\": {\"DhcpX\": {\"server-tag\": \"t\"}}}", 0,
                  "Configuration seems sane. Control-socket, hook-libraries, and D2 configuration were sanity "
                  "checked, but not applied.");
    assert_int_equal(f->applies, 1);
    assert_answer(f, "{\"command\": \"config-set\", \"arguments\": {\"DhcpX\": {\"refuse\": true}}}", 1,
                  "refused by the family");
    assert_answer(f, "{\"command\": \"config-set\", \"arguments\": {\"DhcpX\": {\"server-tag\": \"set\"}}}", 0,
                  "Configuration successful.");
    assert_int_equal(f->applies, 2);
    a = cmd(f, "{\"command\": \"config-get\"}");
    assert_string_equal(json_string_value(json_object_get(
        json_object_get(json_object_get(a, "arguments"), "DhcpX"), "server-tag")), "set");
    json_decref(a);
    /* config-write: into the configuration file's directory only */
    assert_answer(f, "{\"command\": \"config-write\", \"arguments\": {\"filename\": \"copy.json\"}}", 0, NULL);
    char copy[128];
    snprintf(copy, sizeof copy, "%s/copy.json", f->dir);
    assert_int_equal(access(copy, R_OK), 0);
    a = cmd(f, "{\"command\": \"config-write\", \"arguments\": {\"filename\": \"/etc/x.json\"}}");
    assert_int_equal(json_integer_value(json_object_get(a, "result")), 1);
    assert_non_null(strstr(json_string_value(json_object_get(a, "text")), "not allowed to write config into /etc/x.json"));
    json_decref(a);
    /* config-reload reads the file again */
    assert_answer(f, "{\"command\": \"config-reload\"}", 0, "Configuration successful.");
    assert_int_equal(f->applies, 3);
    a = cmd(f, "{\"command\": \"status-get\"}");
    assert_false(json_is_true(json_object_get(json_object_get(a, "arguments"), "multi-threading-enabled")));
    json_decref(a);
}

static void *defer_from_thread(void *arg)
{
    fake_t *f = arg;
    for (int i = 0; i < 10; i++)
        srv_core_defer(&f->core, calloc(1, sizeof(srv_done_t)));
    return NULL;
}

static void test_completions_reach_the_main_loop(void **state)
{
    fake_t *f = *state;
    pthread_t th;
    pthread_create(&th, NULL, defer_from_thread, f);
    pthread_join(th, NULL);
    assert_int_equal(f->completed, 0);
    event_base_loop(f->core.base, EVLOOP_NONBLOCK);
    assert_int_equal(f->completed, 10);
}

static void test_shutdown_stops_serving_and_leaves_the_loop(void **state)
{
    fake_t *f = *state;
    assert_answer(f, "{\"command\": \"shutdown\", \"arguments\": {\"exit-value\": 3}}", 0, "Shutting down.");
    assert_false(srv_core_serving(&f->core));
    assert_int_equal(f->core.exit_code, 3);
    event_base_dispatch(f->core.base); /* returns after the 200 ms grace */
    assert_answer(f, "{\"command\": \"shutdown\", \"arguments\": {\"exit-value\": \"x\"}}", 1,
                  "parameter 'exit-value' is not an integer");
}

int main(void)
{
    evthread_use_pthreads();
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_dhcp_disable_max_period_for_every_origin), T(test_configuration_commands_use_the_family),
        T(test_completions_reach_the_main_loop),          T(test_shutdown_stops_serving_and_leaves_the_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
