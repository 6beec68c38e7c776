/* Lease file cleanup: files produced, crash leftovers, pid file, tick scheduling, schema
 * conversion, and (when installed) Kea's own kea-lfc reading our files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errcode.h"
#include "lease/csv4.h"
#include "test_lease.h"

#define HDR CSV4_HEADER "\n"

typedef struct lfc_dir {
    char *dir, *x, *x1, *x2, *xc, *xo, *xp;
} lfc_dir_t;

static void dir_init(lfc_dir_t *d)
{
    d->dir = tl_mkdtemp();
    d->x = tl_path(d->dir, "kea-leases4.csv");
    d->x1 = tl_path(d->dir, "kea-leases4.csv.1");
    d->x2 = tl_path(d->dir, "kea-leases4.csv.2");
    d->xc = tl_path(d->dir, "kea-leases4.csv.completed");
    d->xo = tl_path(d->dir, "kea-leases4.csv.output");
    d->xp = tl_path(d->dir, "kea-leases4.csv.pid");
}

static void dir_free(lfc_dir_t *d)
{
    free(d->x);
    free(d->x1);
    free(d->x2);
    free(d->xc);
    free(d->xo);
    free(d->xp);
    tl_rmdir(d->dir);
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* Adds n leases, updates every third, deletes every fourth. Returns the live count. */
static size_t churn(lease_store_t *s, uint32_t base, uint32_t n)
{
    size_t live = 0;
    for (uint32_t i = 0; i < n; i++) {
        lease_t l;
        tl_lease(&l, base + i, (uint8_t)i, 1000 + i);
        static const uint8_t cid[] = {1, 2, 3, 4};
        lease_set_client_id(&l, cid, sizeof cid);
        lease_set_hostname(&l, "h,&.example");
        lease_set_user_context(&l, "{ \"k\": \"v,w\" }");
        assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
        if (i % 3 == 0) {
            l.cltt += 10;
            assert_int_equal(lease_store_update(s, &l, NULL, NULL, NULL), 0);
        }
        if (i % 4 == 0)
            assert_int_equal(lease_store_del(s, &l, NULL, NULL), 0);
        else
            live++;
        lease_free(&l);
    }
    return live;
}

/* After a finished cleanup only X and X.2 remain; X.2 holds one row per live lease. */
static void assert_clean_state(const lfc_dir_t *d, size_t live)
{
    assert_false(tl_exists(d->x1));
    assert_false(tl_exists(d->xc));
    assert_false(tl_exists(d->xo));
    assert_false(tl_exists(d->xp));
    char *text = tl_read(d->x2);
    assert_non_null(text);
    assert_memory_equal(text, HDR, strlen(HDR));
    assert_int_equal(count_lines(text), live + 1);
    free(text);
}

static void test_run_now(void **state)
{
    (void)state;
    lfc_dir_t d;
    dir_init(&d);
    tl_reports_t rep = {0};
    memfile_config_t cfg = tl_config(d.x, &rep);
    lease_store_t *s = tl_open(&cfg);
    size_t live = churn(s, 0x0a000000, 100);
    /* An expired (not deleted) lease survives the cleanup. */
    lease_t l;
    tl_lease(&l, 0x0a0000ff, 0xff, 1);
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    live++;

    assert_int_equal(memfile_lfc_run_now(s), 0);
    assert_clean_state(&d, live);
    char *text = tl_read(d.x);
    assert_string_equal(text, HDR); /* a fresh X */
    free(text);
    assert_string_equal(rep.last_id, "LFC_TERMINATE");
    lease_store_t *r = tl_open(&cfg);
    tl_assert_same_store(s, r);
    r->ops->close(r);

    /* A second round merges the previous X.2 with the new X.1. */
    live += churn(s, 0x0a010000, 50);
    assert_int_equal(lease_store_del(s, &l, NULL, NULL), 0);
    live--;
    assert_int_equal(memfile_lfc_run_now(s), 0);
    assert_clean_state(&d, live);
    r = tl_open(&cfg);
    tl_assert_same_store(s, r);
    r->ops->close(r);
    memfile_stats_t st;
    memfile_get_stats(s, &st);
    assert_int_equal(st.lfc_runs, 2);
    assert_int_equal(st.lfc_failures, 0);
    s->ops->close(s);

    cfg.persist = false;
    s = tl_open(&cfg);
    assert_int_equal(memfile_lfc_run_now(s), NST_EINVAL);
    s->ops->close(s);
    dir_free(&d);
}

static void test_leftovers(void **state)
{
    (void)state;
    lfc_dir_t d;
    dir_init(&d);
    memfile_config_t cfg = tl_config(d.x, NULL);

    /* A crash left X.1: no rotation (X keeps its rows); X.2 + X.1 are merged. */
    tl_write(d.x2, HDR "10.0.0.1,01:01,,100,1100,1,0,0,old,0,\n"
                       "10.0.0.2,01:02,,100,1100,1,0,0,old,0,\n");
    tl_write(d.x1, HDR "10.0.0.1,01:01,,100,1200,1,0,0,new,0,\n"
                       "10.0.0.2,01:02,,0,1200,1,0,0,,0,\n");
    tl_write(d.x, HDR "10.0.0.3,01:03,,100,1300,1,0,0,x,0,\n");
    lease_store_t *s = tl_open(&cfg);
    assert_int_equal(memfile_lfc_run_now(s), 0);
    char *text = tl_read(d.x2);
    assert_string_equal(text, HDR "10.0.0.1,01:01,,100,1200,1,0,0,new,0,\n");
    free(text);
    text = tl_read(d.x);
    assert_string_equal(text, HDR "10.0.0.3,01:03,,100,1300,1,0,0,x,0,\n");
    free(text);
    assert_clean_state(&d, 1);
    lease_store_t *r = tl_open(&cfg);
    tl_assert_same_store(s, r);
    r->ops->close(r);
    s->ops->close(s);

    /* A crash left X.completed (merge done, rotation not): it only needs the rotation. */
    tl_write(d.xc, HDR "10.0.0.7,01:07,,100,1100,1,0,0,merged,0,\n");
    tl_write(d.x1, HDR "10.0.0.8,01:08,,100,1100,1,0,0,stale,0,\n");
    s = tl_open(&cfg); /* loads .completed, not .2/.1 */
    lease_t got;
    assert_int_equal(lease_store_get4(s, 0x0a000008, &got), NST_ENOENT);
    assert_int_equal(memfile_lfc_run_now(s), 0);
    text = tl_read(d.x2);
    assert_string_equal(text, HDR "10.0.0.7,01:07,,100,1100,1,0,0,merged,0,\n");
    free(text);
    assert_clean_state(&d, 1);
    r = tl_open(&cfg);
    tl_assert_same_store(s, r);
    r->ops->close(r);
    s->ops->close(s);
    dir_free(&d);
}

static void test_pid_busy(void **state)
{
    (void)state;
    lfc_dir_t d;
    dir_init(&d);
    tl_reports_t rep = {0};
    memfile_config_t cfg = tl_config(d.x, &rep);
    lease_store_t *s = tl_open(&cfg);
    size_t live = churn(s, 0x0a000000, 20);
    char pid[32];
    snprintf(pid, sizeof pid, "%ld\n", (long)getppid());
    tl_write(d.xp, pid); /* "kea-lfc" is running */
    assert_int_equal(memfile_lfc_run_now(s), NST_EBUSY);
    assert_string_equal(rep.last_id, "LFC_FAIL_PROCESS");
    assert_true(tl_exists(d.x1)); /* rotated; the merge waits */
    live += churn(s, 0x0a010000, 8);
    unlink(d.xp);
    assert_int_equal(memfile_lfc_run_now(s), 0);
    assert_false(tl_exists(d.x1));
    memfile_stats_t st;
    memfile_get_stats(s, &st);
    assert_int_equal(st.lfc_failures, 1);
    assert_int_equal(st.lfc_runs, 1);
    lease_store_t *r = tl_open(&cfg);
    tl_assert_same_store(s, r);
    memfile_get_stats(r, &st);
    assert_int_equal(st.leases, live);
    r->ops->close(r);
    s->ops->close(s);
    dir_free(&d);
}

static void wait_lfc(lease_store_t *s)
{
    for (int i = 0; i < 5000 && memfile_lfc_running(s); i++)
        usleep(1000);
    assert_false(memfile_lfc_running(s));
}

static void test_tick_schedule(void **state)
{
    (void)state;
    lfc_dir_t d;
    dir_init(&d);
    memfile_config_t cfg = tl_config(d.x, NULL);
    cfg.lfc_interval = 2;
    lease_store_t *s = tl_open(&cfg);
    size_t live1 = churn(s, 0x0a000000, 300);
    s->ops->tick(s, 10000); /* arms: next at 12000 */
    s->ops->tick(s, 11999);
    assert_false(memfile_lfc_running(s));
    assert_false(tl_exists(d.x1));
    s->ops->tick(s, 12000);
    size_t live2 = churn(s, 0x0a010000, 30); /* packets go on during the cleanup */
    wait_lfc(s);
    s->ops->tick(s, 12001); /* reaps; not due again before 14000 */
    assert_clean_state(&d, live1);
    memfile_stats_t st;
    memfile_get_stats(s, &st);
    assert_int_equal(st.lfc_runs, 1);
    s->ops->tick(s, 14000);
    wait_lfc(s);
    memfile_get_stats(s, &st);
    assert_int_equal(st.lfc_runs, 2);
    assert_clean_state(&d, live1 + live2);
    lease_store_t *r = tl_open(&cfg);
    tl_assert_same_store(s, r);
    r->ops->close(r);
    s->ops->tick(s, 16000);
    s->ops->close(s); /* joins a cleanup that may still run */
    dir_free(&d);
}

static void test_conversion(void **state)
{
    (void)state;
    lfc_dir_t d;
    dir_init(&d);
    tl_reports_t rep = {0};
    memfile_config_t cfg = tl_config(d.x, &rep);
    /* A 2.0 file (no user_context): converted by a cleanup at the first tick, even with
     * lfc_interval 0, as Kea does. */
    tl_write(d.x, "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,"
                  "hostname,state\n"
                  "10.0.0.1,01:01,,100,1100,1,0,0,a,1\n"
                  "10.0.0.2,01:02,,100,1100,1,0,0,b,0\n");
    lease_store_t *s = tl_open(&cfg);
    lease_t l;
    tl_lease(&l, 0x0a000003, 3, 1000); /* an 11-column row under the old header is fine */
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    s->ops->tick(s, 5);
    wait_lfc(s);
    char *text = tl_read(d.x2);
    assert_string_equal(text, HDR "10.0.0.1,01:01,,100,1100,1,0,0,a,1,\n"
                                  "10.0.0.2,01:02,,100,1100,1,0,0,b,0,\n"
                                  "10.0.0.3,02:00:5e:10:20:03,,3600,4600,1,0,0,,0,\n");
    free(text);
    text = tl_read(d.x);
    assert_string_equal(text, HDR);
    free(text);
    memfile_stats_t st;
    memfile_get_stats(s, &st);
    assert_int_equal(st.lfc_runs, 1);
    s->ops->tick(s, 100000000); /* interval 0: no further cleanups */
    assert_false(memfile_lfc_running(s));
    s->ops->close(s);
    dir_free(&d);
}

static void test_kea_lfc_reads_our_files(void **state)
{
    (void)state;
    const char *kea_lfc = "/usr/sbin/kea-lfc";
    if (access(kea_lfc, X_OK) != 0)
        skip();
    lfc_dir_t d;
    dir_init(&d);
    memfile_config_t cfg = tl_config(d.x, NULL);
    lease_store_t *s = tl_open(&cfg);
    size_t live = churn(s, 0x0a000000, 200);
    lease_t l;
    tl_lease(&l, 0x0a0000ff, 0xff, 1000); /* declined, no identifiers */
    l.hwaddr_len = 0;
    l.state = LEASE_STATE_DECLINED;
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    live++;
    s->ops->flush(s);

    /* Kea's own cleanup consumes our file as its input X.1 and writes X.2. */
    char *k = tl_path(d.dir, "kea");
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cp %s %s.1 && KEA_LOCKFILE_DIR=none %s -4 -x %s.2 -i %s.1 -o %s.output "
             "-f %s.completed -p %s.pid -c /dev/null >/dev/null 2>&1",
             d.x, k, kea_lfc, k, k, k, k, k);
    assert_int_equal(system(cmd), 0);
    memfile_config_t kcfg = tl_config(k, NULL);
    lease_store_t *r = tl_open(&kcfg); /* loads kea.2 written by Kea */
    memfile_stats_t st;
    memfile_get_stats(r, &st);
    assert_int_equal(st.load_errors, 0);
    assert_int_equal(st.leases, live);
    tl_assert_same_store(s, r);
    r->ops->close(r);
    s->ops->close(s);
    free(k);
    dir_free(&d);
}

int test_lfc_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_now),
        cmocka_unit_test(test_leftovers),
        cmocka_unit_test(test_pid_busy),
        cmocka_unit_test(test_tick_schedule),
        cmocka_unit_test(test_conversion),
        cmocka_unit_test(test_kea_lfc_reads_our_files),
    };
    return cmocka_run_group_tests_name("memfile_lfc", tests, NULL, NULL);
}
