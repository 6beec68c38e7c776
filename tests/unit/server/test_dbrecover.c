/* Unit tests: database recovery (server/dbrecover.h) on a real event base, with a fake lease
 * store whose reconnect fails a given number of times, and a hosts database that refuses
 * connections (a closed port on loopback). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "common/errcode.h"
#include "log/log.h"
#include "server/dbrecover.h"

typedef struct fake {
    struct event_base *base;
    srv_dbrec_t rec;
    cfg_db_t lease;
    bool running;
    int fail_left;            /* lease reconnects that fail before one succeeds (-1: all fail) */
    int reconnects;
    int shutdowns, exit_code;
    hostdb_t *hosts[2];       /* NULL-terminated */
} fake_t;

static const cfg_db_t *f_lease_params(void *arg)
{
    fake_t *f = arg;
    return f->running ? &f->lease : NULL;
}

static int f_lease_reconnect(void *arg, char *err, size_t errlen)
{
    fake_t *f = arg;
    f->reconnects++;
    if (f->fail_left == 0)
        return 0;
    if (f->fail_left > 0)
        f->fail_left--;
    snprintf(err, errlen, "connection refused (fake)");
    return NST_EIO;
}

static hostdb_t *f_hosts_db(void *arg, size_t i)
{
    fake_t *f = arg;
    return i < 1 ? f->hosts[i] : NULL;
}

static void f_shutdown(void *arg, int code)
{
    fake_t *f = arg;
    f->shutdowns++;
    f->exit_code = code;
    event_base_loopbreak(f->base);
}

static const srv_dbrec_ops_t fops = {f_lease_params, f_lease_reconnect, f_hosts_db, f_shutdown};

static char log_path[64];

static int setup(void **state)
{
    fake_t *f = calloc(1, sizeof *f);
    f->base = event_base_new();
    f->running = true;
    f->lease.type = CFG_DB_POSTGRESQL;
    f->lease.reconnect_wait_time = 5; /* ms */
    f->lease.max_reconnect_tries = 3;
    f->lease.on_fail = CFG_DB_STOP_RETRY_EXIT;
    srv_dbrec_init(&f->rec, f->base, "DHCP4", &fops, f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fake_t *f = *state;
    srv_dbrec_fini(&f->rec);
    event_base_free(f->base);
    free(f);
    return 0;
}

/* Runs the loop until the recovery ended (recovered or shut down) or ms passed. */
static void run(fake_t *f, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(f->base, &tv);
    event_base_dispatch(f->base);
}

static void run_until_over(fake_t *f)
{
    for (int i = 0; i < 400 && (f->rec.recovering || atomic_load(&f->rec.lease_lost)) && !f->shutdowns; i++)
        event_base_loop(f->base, EVLOOP_ONCE);
}

/* The messages logged so far (the log file), for the ids. */
static char *log_text(void)
{
    static char buf[65536];
    FILE *fp = fopen(log_path, "r");
    size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
    if (fp)
        fclose(fp);
    buf[n] = '\0';
    return buf;
}

static void test_stop_retry_exit_recovers_after_failed_tries(void **state)
{
    fake_t *f = *state;
    f->fail_left = 2;
    srv_dbrec_lease_lost(&f->rec);
    event_base_loop(f->base, EVLOOP_NONBLOCK); /* the report reaches the main loop */
    assert_true(srv_dbrec_disabled(&f->rec));
    assert_true(f->rec.recovering);
    run_until_over(f);
    assert_int_equal(f->reconnects, 3);
    assert_int_equal(f->rec.tries, 3);
    assert_false(srv_dbrec_disabled(&f->rec));
    assert_false(f->rec.recovering);
    assert_false(atomic_load(&f->rec.lease_lost));
    assert_int_equal(f->shutdowns, 0);
    char *t = log_text();
    assert_non_null(strstr(t, "DHCP4_DB_RECONNECT_LOST_CONNECTION"));
    assert_non_null(strstr(t, "DHCP4_DB_RECONNECT_SERVICE_DISABLED"));
    assert_non_null(strstr(t, "DHCP4_DB_RECONNECT_ATTEMPT_FAILED"));
    assert_non_null(strstr(t, "DHCP4_DB_RECONNECT_SUCCEEDED"));
}

static void test_exit_after_max_tries(void **state)
{
    fake_t *f = *state;
    f->fail_left = -1;
    f->lease.on_fail = CFG_DB_SERVE_RETRY_EXIT;
    srv_dbrec_lease_lost(&f->rec);
    run_until_over(f);
    assert_int_equal(f->shutdowns, 1);
    assert_int_equal(f->exit_code, EXIT_FAILURE);
    assert_int_equal(f->reconnects, 3); /* max-reconnect-tries */
    assert_false(srv_dbrec_disabled(&f->rec)); /* serve-retry-exit serves while it retries */
    assert_non_null(strstr(log_text(), "DHCP4_DB_RECONNECT_FAILED"));
}

static void test_serve_retry_continue_never_gives_up(void **state)
{
    fake_t *f = *state;
    f->fail_left = 7; /* more than max-reconnect-tries */
    f->lease.on_fail = CFG_DB_SERVE_RETRY_CONTINUE;
    srv_dbrec_lease_lost(&f->rec);
    run_until_over(f);
    assert_int_equal(f->shutdowns, 0);
    assert_int_equal(f->reconnects, 8);
    assert_false(f->rec.recovering);
    assert_false(srv_dbrec_disabled(&f->rec));
}

static void test_reconnect_disabled(void **state)
{
    fake_t *f = *state;
    f->lease.max_reconnect_tries = 0;
    f->lease.on_fail = CFG_DB_SERVE_RETRY_CONTINUE;
    srv_dbrec_lease_lost(&f->rec);
    run(f, 20);
    assert_int_equal(f->shutdowns, 0); /* serving on, nothing retried */
    assert_int_equal(f->reconnects, 0);
    assert_false(f->rec.recovering);
    assert_non_null(strstr(log_text(), "DHCP4_DB_RECONNECT_DISABLED"));
    f->lease.on_fail = CFG_DB_STOP_RETRY_EXIT;
    srv_dbrec_lease_lost(&f->rec);
    run(f, 20);
    assert_int_equal(f->shutdowns, 1);
    assert_int_equal(f->exit_code, EXIT_FAILURE);
}

static void test_nothing_runs_without_a_configuration(void **state)
{
    fake_t *f = *state;
    f->running = false;
    srv_dbrec_lease_lost(&f->rec);
    run(f, 20);
    assert_false(f->rec.recovering);
    assert_int_equal(f->reconnects, 0);
    assert_int_equal(f->shutdowns, 0);
}

/* A hosts database nobody listens on. */
static hostdb_t *refusing_hostdb(enum cfg_db_on_fail on_fail)
{
    hostdb_t *h = calloc(1, sizeof *h);
    h->params.type = CFG_DB_POSTGRESQL;
    h->params.name = strdup("kea");
    h->params.host = strdup("127.0.0.1");
    h->params.port = 1;
    h->params.user = strdup("kea");
    h->params.connect_timeout = 1;
    h->params.reconnect_wait_time = 5;
    h->params.max_reconnect_tries = 2;
    h->params.on_fail = on_fail;
    snprintf(h->desc, sizeof h->desc, "postgresql database kea on 127.0.0.1:1");
    /* the SQL session that holds its connections and outage state (db/sqlsess.h) */
    h->sess = calloc(1, sizeof *h->sess);
    sqlsess_config_t sc = {.drv = &sqlsess_pg, .db = &h->params, .prefix = "HOSTS", .what = "hosts database",
                           .connect_event = "CONNECT_FAILED"};
    sqlsess_init(h->sess, &sc);
    return h;
}

static void free_hostdb(hostdb_t *h)
{
    sqlsess_fini(h->sess);
    free(h->sess);
    cfg_db_free(&h->params);
    free(h);
}

/* An outage reported while a recovery runs joins it: the lease database lost during a hosts
 * database's recovery stops the service (its on-fail is stop-retry-exit), and the recovery ends
 * only with every lost database back (here: exit after the hosts database's tries, whose
 * parameters decide once the lease store is back). */
static void test_outage_joins_the_running_recovery(void **state)
{
    fake_t *f = *state;
    f->fail_left = 0; /* the lease store comes back at the first try */
    f->hosts[0] = refusing_hostdb(CFG_DB_SERVE_RETRY_EXIT);
    hostdb_set_lost_cb(f->hosts[0], srv_dbrec_hosts_lost, &f->rec);
    sqlsess_set_lost(f->hosts[0]->sess);
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    assert_true(f->rec.recovering);
    assert_false(srv_dbrec_disabled(&f->rec)); /* serve-retry-exit */
    srv_dbrec_lease_lost(&f->rec);
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    assert_true(srv_dbrec_disabled(&f->rec)); /* the lease database's stop-retry-exit */
    run_until_over(f);
    assert_int_equal(f->reconnects, 1);
    assert_int_equal(f->shutdowns, 1);
    assert_int_equal(f->rec.tries, 2);
    assert_non_null(strstr(log_text(), "hosts database (postgresql database kea on 127.0.0.1:1) still unreachable after 2"));
    free_hostdb(f->hosts[0]);
}

int main(void)
{
    snprintf(log_path, sizeof log_path, "/tmp/nestor-test-dbrec-%ld.log", (long)getpid());
    nlog_init("kea-dhcp4", false);
    char spec[256], err[256];
    snprintf(spec, sizeof spec, "[{\"name\": \"kea-dhcp4\", \"severity\": \"DEBUG\", \"debuglevel\": 99, "
             "\"output_options\": [{\"output\": \"%s\"}]}]", log_path);
    json_t *loggers = json_loads(spec, 0, NULL);
    nlog_setup_t *setup_logs;
    if (nlog_prepare(loggers, &setup_logs, err, sizeof err)) {
        fprintf(stderr, "loggers: %s\n", err);
        return 1;
    }
    nlog_apply(setup_logs);
    json_decref(loggers);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_stop_retry_exit_recovers_after_failed_tries), T(test_exit_after_max_tries),
        T(test_serve_retry_continue_never_gives_up),         T(test_reconnect_disabled),
        T(test_nothing_runs_without_a_configuration),        T(test_outage_joins_the_running_recovery),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nlog_shutdown();
    unlink(log_path);
    return rc;
}
