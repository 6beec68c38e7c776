/* Memfile store: operations, lookups, files written, reload, load order, row errors, pid. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/errcode.h"
#include "lease/csv4.h"
#include "lease/lfile.h"
#include "test_lease.h"

#define HDR CSV4_HEADER "\n"

typedef struct cbrec {
    int calls;
    int last_err;
} cbrec_t;

static void count_cb(void *arg, int err)
{
    cbrec_t *c = arg;
    c->calls++;
    c->last_err = err;
}

static void test_memory_only(void **state)
{
    (void)state;
    char *dir = tl_mkdtemp();
    char *path = tl_path(dir, "l4.csv");
    tl_reports_t rep = {0};
    memfile_config_t cfg = tl_config(path, &rep);
    cfg.persist = false;
    lease_store_t *s = tl_open(&cfg);
    assert_string_equal(s->ops->type, "memfile");
    assert_true(memfile_is(s));
    assert_string_equal(rep.last_id, "DHCPSRV_MEMFILE_NO_STORAGE");

    lease_t l, got;
    cbrec_t cb = {0, 1};
    tl_lease(&l, 0x0a000001, 1, 1000);
    assert_int_equal(lease_store_add(s, &l, count_cb, &cb), 0);
    assert_int_equal(cb.calls, 1); /* inline */
    assert_int_equal(cb.last_err, 0);
    assert_int_equal(lease_store_add(s, &l, count_cb, &cb), NST_EEXIST);
    assert_int_equal(cb.calls, 1); /* no callback for a refused call */
    assert_int_equal(lease_store_get4(s, 0x0a000001, &got), 0);
    tl_assert_lease_eq(&got, &l);
    lease_free(&got);

    l.valid_lft = 7200;
    assert_int_equal(lease_store_update(s, &l, NULL, count_cb, &cb), 0);
    assert_int_equal(cb.calls, 2);
    assert_int_equal(lease_store_get4(s, 0x0a000001, &got), 0);
    assert_int_equal(got.valid_lft, 7200);
    lease_free(&got);
    assert_int_equal(lease_store_del(s, &l, count_cb, &cb), 0);
    assert_int_equal(cb.calls, 3);
    assert_int_equal(lease_store_del(s, &l, count_cb, &cb), NST_ENOENT);
    assert_int_equal(lease_store_update(s, &l, NULL, count_cb, &cb), NST_ENOENT);
    assert_int_equal(lease_store_get4(s, 0x0a000001, &got), NST_ENOENT);
    assert_int_equal(s->ops->flush(s), 0);

    /* Leases that could not be read back are refused. */
    l.hwaddr_len = 0;
    assert_int_equal(lease_store_add(s, &l, count_cb, &cb), NST_EINVAL);
    l.family = LEASE_V6;
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), NST_EINVAL);
    s->ops->close(s);
    assert_false(tl_exists(path)); /* nothing written */
    free(path);
    tl_rmdir(dir);
}

static void test_lookups(void **state)
{
    (void)state;
    memfile_config_t cfg = tl_config(NULL, NULL);
    cfg.persist = false;
    lease_store_t *s = tl_open(&cfg);
    static const uint8_t cid_a[] = {1, 0xaa}, cid_b[] = {1, 0xbb};
    lease_t l, got;

    /* The same hwaddr holds three leases in subnet 1 and one in subnet 2. */
    tl_lease(&l, 0x0a000003, 9, 500);
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    tl_lease(&l, 0x0a000001, 9, 900);
    lease_set_client_id(&l, cid_a, 2);
    lease_set_hostname(&l, "Alpha.example");
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    lease_free(&l);
    tl_lease(&l, 0x0a000002, 9, 700);
    lease_set_client_id(&l, cid_a, 2);
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    lease_free(&l);
    tl_lease(&l, 0x0b000001, 9, 100);
    l.subnet_id = 2;
    lease_set_client_id(&l, cid_b, 2);
    lease_set_hostname(&l, "alpha.example");
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    lease_free(&l);

    uint8_t hw[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 9};
    assert_int_equal(tl_client4(s, true, hw, 6, 1, &got), 0);
    assert_int_equal(got.addr.v4, 0x0a000001); /* largest cltt */
    lease_free(&got);
    assert_int_equal(tl_client4(s, true, hw, 6, 2, &got), 0);
    assert_int_equal(got.addr.v4, 0x0b000001);
    lease_free(&got);
    assert_int_equal(tl_client4(s, true, hw, 6, 3, &got), NST_ENOENT);
    assert_int_equal(tl_client4(s, true, hw, 5, 1, &got), NST_ENOENT);
    assert_int_equal(tl_client4(s, false, cid_a, 2, 1, &got), 0);
    assert_int_equal(got.addr.v4, 0x0a000001);
    lease_free(&got);
    assert_int_equal(tl_client4(s, false, cid_b, 2, 1, &got), NST_ENOENT);

    lease_list_t list = {0};
    assert_int_equal(tl_list4(s, LEASE_BY_HWADDR, hw, 6, &list), 0);
    assert_int_equal(list.count, 4);
    assert_int_equal(list.items[0].addr.v4, 0x0a000001); /* address order */
    assert_int_equal(list.items[3].addr.v4, 0x0b000001);
    lease_list_free(&list);
    assert_int_equal(tl_list4(s, LEASE_BY_CLIENT_ID, cid_a, 2, &list), 0);
    assert_int_equal(list.count, 2);
    lease_list_free(&list);
    assert_int_equal(tl_hostname4(s, "ALPHA.example", &list), 0);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0].hostname, "Alpha.example");
    lease_list_free(&list);
    assert_int_equal(tl_subnet4(s, 2, &list), 0);
    assert_int_equal(list.count, 1);
    lease_list_free(&list);

    /* Moving a lease to another identifier updates the chains. */
    assert_int_equal(lease_store_get4(s, 0x0a000001, &got), 0);
    lease_set_client_id(&got, cid_b, 2);
    got.hwaddr[5] = 10;
    assert_int_equal(lease_store_update(s, &got, NULL, NULL, NULL), 0);
    lease_free(&got);
    assert_int_equal(tl_client4(s, false, cid_a, 2, 1, &got), 0);
    assert_int_equal(got.addr.v4, 0x0a000002);
    lease_free(&got);
    assert_int_equal(tl_list4(s, LEASE_BY_HWADDR, hw, 6, &list), 0);
    assert_int_equal(list.count, 3);
    lease_list_free(&list);

    /* Counts: default -> assigned, declined -> declined, reclaimed -> neither. */
    tl_lease(&l, 0x0a000010, 1, 100);
    l.state = LEASE_STATE_DECLINED;
    l.hwaddr_len = 0;
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    tl_lease(&l, 0x0a000011, 1, 100);
    l.state = LEASE_STATE_RECLAIMED;
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    lease_subnet_counts_t *counts = NULL;
    size_t n = 0;
    assert_int_equal(s->ops->counts(s, LEASE_V4, &counts, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(counts[0].subnet_id, 1);
    assert_int_equal(counts[0].assigned, 3);
    assert_int_equal(counts[0].declined, 1);
    assert_int_equal(counts[1].subnet_id, 2);
    assert_int_equal(counts[1].assigned, 1);
    free(counts);
    s->ops->close(s);
}

static void test_page_expired_reclaimed_wipe(void **state)
{
    (void)state;
    memfile_config_t cfg = tl_config(NULL, NULL);
    cfg.persist = false;
    lease_store_t *s = tl_open(&cfg);
    lease_t l;
    /* 3000 leases 10.0.k.k inserted in a scattered order (7919 is prime to 3000):
     * expire = 1000 + k % 100, subnet 1 + k % 3, reclaimed when k % 10 == 0, k = 5 infinite. */
    size_t reclaimed_old = 0, subnet2 = 0;
    for (uint32_t i = 0; i < 3000; i++) {
        uint32_t k = (i * 7919u) % 3000;
        tl_lease(&l, 0x0a000000 + k, (uint8_t)i, 1000 + (int64_t)(k % 100) - 3600);
        l.subnet_id = 1 + k % 3;
        if (k % 10 == 0)
            l.state = LEASE_STATE_RECLAIMED;
        if (k == 5)
            l.valid_lft = LEASE_INFINITE;
        bool gone = k % 10 == 0 && k % 100 < 20; /* deleted as old reclaimed below */
        reclaimed_old += gone;
        subnet2 += l.subnet_id == 2 && !gone;
        assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    }
    lease_list_t list = {0};
    assert_int_equal(tl_page4(s, 0, 0, &list), NST_EINVAL);
    uint32_t after = 0, seen = 0;
    for (;;) {
        assert_int_equal(tl_page4(s, after, 256, &list), 0);
        if (list.count == 0)
            break;
        for (size_t i = 0; i < list.count; i++) {
            assert_true(list.items[i].addr.v4 > after);
            after = list.items[i].addr.v4;
            seen++;
        }
        lease_list_free(&list);
    }
    assert_int_equal(seen, 3000);
    assert_int_equal(tl_page4(s, UINT32_MAX, 10, &list), 0);
    assert_int_equal(list.count, 0);

    /* Expired: state default/declined, expire <= now, oldest first, at most max. */
    assert_int_equal(s->ops->expired(s, LEASE_V4, 1004, 0, &list), 0);
    assert_int_equal(list.count, 5 * 30 - 30); /* a%100 in 0..4, minus reclaimed (a%10==0) */
    for (size_t i = 1; i < list.count; i++)
        assert_true(lease_expire(&list.items[i - 1]) <= lease_expire(&list.items[i]));
    for (size_t i = 0; i < list.count; i++)
        assert_int_not_equal(list.items[i].state, LEASE_STATE_RECLAIMED);
    lease_list_free(&list);
    assert_int_equal(s->ops->expired(s, LEASE_V4, 2000, 7, &list), 0);
    assert_int_equal(list.count, 7);
    assert_int_equal(lease_expire(&list.items[0]), 1001);
    assert_int_equal(lease_expire(&list.items[6]), 1001);
    lease_list_free(&list);
    assert_int_equal(s->ops->expired(s, LEASE_V4, 1001, 100, &list), 0);
    assert_int_equal(list.count, 30); /* max is not reached: only the due ones */
    lease_list_free(&list);
    assert_int_equal(s->ops->expired(s, LEASE_V4, 999, 0, &list), 0);
    assert_int_equal(list.count, 0);
    assert_int_equal(s->ops->expired(s, LEASE_V4, INT64_MAX - 1, 0, &list), 0);
    assert_int_equal(list.count, 3000 - 300 - 1); /* the infinite lease never expires */
    lease_list_free(&list);

    /* Reclaimed leases expired more than secs ago: expire < now - secs. */
    assert_int_equal(reclaimed_old, 60);
    assert_int_equal(tl_delete_reclaimed4(s, 1100, 80), 60); /* expire 1000 and 1010 */
    assert_int_equal(tl_delete_reclaimed4(s, 1100, 80), 0);
    assert_int_equal(tl_delete_reclaimed4(s, 1100, 79), 30); /* expire 1020 */
    assert_int_equal(tl_wipe4(s, 2), (int)subnet2 - 10);  /* 10 of 1020 in subnet 2 */
    assert_int_equal(tl_subnet4(s, 2, &list), 0);
    assert_int_equal(list.count, 0);
    assert_int_equal(tl_wipe4(s, 0), 3000 - 90 - (int)subnet2 + 10);
    memfile_stats_t st;
    memfile_get_stats(s, &st);
    assert_int_equal(st.leases, 0);
    s->ops->close(s);
}

static void test_rows_written_and_reload(void **state)
{
    (void)state;
    char *dir = tl_mkdtemp();
    char *path = tl_path(dir, "l4.csv");
    memfile_config_t cfg = tl_config(path, NULL);
    lease_store_t *s = tl_open(&cfg);
    char *text = tl_read(path);
    assert_string_equal(text, HDR); /* a new file gets the header at once */
    free(text);

    lease_t l;
    cbrec_t cb = {0, 1};
    tl_lease(&l, 0x0a000001, 1, 1000);
    lease_set_hostname(&l, "a,b&c");
    assert_int_equal(lease_store_add(s, &l, count_cb, &cb), 0);
    assert_int_equal(cb.calls, 1);
    assert_int_equal(cb.last_err, 0);
    text = tl_read(path); /* written before the call returned */
    assert_string_equal(text, HDR "10.0.0.1,02:00:5e:10:20:01,,3600,4600,1,0,0,"
                              "a&#x2cb&#x26c,0,\n");
    free(text);
    l.cltt = 2000;
    assert_int_equal(lease_store_update(s, &l, NULL, count_cb, &cb), 0);
    lease_free(&l);
    tl_lease(&l, 0x0a000002, 2, 1000);
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    assert_int_equal(lease_store_del(s, &l, count_cb, &cb), 0);
    assert_int_equal(cb.calls, 3);
    text = tl_read(path);
    assert_string_equal(text, HDR
                        "10.0.0.1,02:00:5e:10:20:01,,3600,4600,1,0,0,a&#x2cb&#x26c,0,\n"
                        "10.0.0.1,02:00:5e:10:20:01,,3600,5600,1,0,0,a&#x2cb&#x26c,0,\n"
                        "10.0.0.2,02:00:5e:10:20:02,,3600,4600,1,0,0,,0,\n"
                        "10.0.0.2,02:00:5e:10:20:02,,0,1000,1,0,0,,0,\n");
    free(text);
    for (uint32_t i = 10; i < 200; i++) {
        tl_lease(&l, 0x0a000000 + i, (uint8_t)i, 1000 + i);
        static const uint8_t cid[] = {1, 2, 3};
        lease_set_client_id(&l, cid, 3);
        lease_set_user_context(&l, "{ \"k\": \"v,w\" }");
        l.fqdn_fwd = i % 2;
        assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
        lease_free(&l);
    }
    memfile_stats_t st;
    memfile_get_stats(s, &st);
    assert_int_equal(st.rows_written, 4 + 190);
    assert_int_equal(st.leases, 191);

    lease_store_t *r = tl_open(&cfg); /* a second reader of the same files */
    tl_assert_same_store(s, r);
    memfile_get_stats(r, &st);
    assert_int_equal(st.load_rows, 4 + 190);
    r->ops->close(r);
    s->ops->close(s);
    free(path);
    tl_rmdir(dir);
}

static void test_load_order(void **state)
{
    (void)state;
    char *dir = tl_mkdtemp();
    char *path = tl_path(dir, "l4.csv");
    char *p2 = tl_path(dir, "l4.csv.2"), *p1 = tl_path(dir, "l4.csv.1");
    char *pc = tl_path(dir, "l4.csv.completed");
    /* .2 then .1 then X: the last row for an address wins; valid 0 deletes. */
    tl_write(p2, HDR "10.0.0.1,01:01,,100,1100,1,0,0,two,0,\n"
                     "10.0.0.2,01:02,,100,1100,1,0,0,two,0,\n"
                     "10.0.0.3,01:03,,100,1100,1,0,0,two,0,\n");
    tl_write(p1, HDR "10.0.0.1,01:01,,100,1200,1,0,0,one,0,\n"
                     "10.0.0.2,01:02,,0,1200,1,0,0,one,0,\n"
                     "\n"
                     "10.0.0.4,01:04,,100,1200,1,0,0,one,0,\n");
    tl_write(path, "\n" HDR "10.0.0.4,01:04,,100,1300,1,0,0,x,0,\n"
                            "10.0.0.2,01:02,,100,1300,1,0,0,x,0,\n"
                            "10.0.0.3,01:03,,0,1300,1,0,0,x,0,\n"
                            "10.0.0.5,01:05,,100,1300,1,0,0,x,0,"); /* no final newline */
    memfile_config_t cfg = tl_config(path, NULL);
    lease_store_t *s = tl_open(&cfg);
    lease_list_t list = {0};
    tl_all(s, &list);
    static const struct {
        uint32_t addr;
        const char *host;
    } want[] = {{1, "one"}, {2, "x"}, {4, "x"}, {5, "x"}};
    assert_int_equal(list.count, ARRAY_SIZE(want));
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        assert_int_equal(list.items[i].addr.v4, 0x0a000000 + want[i].addr);
        assert_string_equal(list.items[i].hostname, want[i].host);
    }
    lease_list_free(&list);
    lease_t l;
    tl_lease(&l, 0x0a000006, 6, 1000);
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    s->ops->close(s);
    char *text = tl_read(path); /* the torn last line was ended before appending */
    assert_non_null(strstr(text, "10.0.0.5,01:05,,100,1300,1,0,0,x,0,\n10.0.0.6,"));
    free(text);

    /* X.completed replaces X.2 and X.1. */
    tl_write(pc, HDR "10.0.0.9,01:09,,100,1100,1,0,0,done,0,\n");
    s = tl_open(&cfg);
    tl_all(s, &list);
    assert_int_equal(list.count, 5); /* 9 from .completed; 4, 2, 5, 6 from X */
    assert_int_equal(list.items[4].addr.v4, 0x0a000009);
    lease_list_free(&list);
    s->ops->close(s);
    free(p1);
    free(p2);
    free(pc);
    free(path);
    tl_rmdir(dir);
}

static void test_row_errors(void **state)
{
    (void)state;
    char *dir = tl_mkdtemp();
    char *path = tl_path(dir, "l4.csv");
    tl_write(path, HDR "10.0.0.1,01:01,,100,1100,1,0,0,,0,\n"
                       "10.0.0.2,zz,,100,1100,1,0,0,,0,\n"
                       "bogus\n"
                       "10.0.0.3,01:03,,100,1100,1,0,0,,0,{\n"
                       "10.0.0.4,01:04,,100,1100,1,0,0,,0,\n");
    tl_reports_t rep = {0};
    memfile_config_t cfg = tl_config(path, &rep);
    cfg.max_row_errors = 2;
    lease_store_t *s = NULL;
    char err[512];
    assert_int_equal(memfile_open(&cfg, &s, err, sizeof err), NST_EMALFORMED);
    assert_null(s);
    assert_non_null(strstr(err, "l4.csv: more than 2 bad rows (max-row-errors), last: "
                                "line 5: invalid user_context '{': "));
    assert_int_equal(rep.row_errors, 3);

    cfg.max_row_errors = 3;
    memset(&rep, 0, sizeof rep);
    s = tl_open(&cfg);
    assert_int_equal(rep.row_errors, 3);
    memfile_stats_t st;
    memfile_get_stats(s, &st);
    assert_int_equal(st.load_rows, 5);
    assert_int_equal(st.load_errors, 3);
    assert_int_equal(st.leases, 2);
    s->ops->close(s);

    cfg.max_row_errors = 0; /* unlimited */
    s = tl_open(&cfg);
    s->ops->close(s);

    /* A bad header fails the open whatever max_row_errors says. */
    tl_write(path, "address,hwaddr\n");
    assert_int_equal(memfile_open(&cfg, &s, err, sizeof err), NST_EMALFORMED);
    assert_non_null(strstr(err, "l4.csv: invalid lease4 file header: only 2 known column(s)"));

    /* An empty file is a new file. */
    tl_write(path, "");
    s = tl_open(&cfg);
    s->ops->close(s);
    char *text = tl_read(path);
    assert_string_equal(text, HDR);
    free(text);
    free(path);
    tl_rmdir(dir);
}

/* Asserts what an open loaded: rows read, bad rows (each reported, the last as last_error),
 * leases kept. */
static void assert_loaded(lease_store_t *s, const tl_reports_t *rep, const char *last_error,
                          uint64_t rows, uint64_t errors, uint64_t leases)
{
    memfile_stats_t st;
    memfile_get_stats(s, &st);
    assert_int_equal(rep->row_errors, errors);
    assert_non_null(strstr(rep->last_row_error, last_error));
    assert_int_equal(st.load_rows, rows);
    assert_int_equal(st.load_errors, errors);
    assert_int_equal(st.leases, leases);
}

/* A row of LFILE_MAX_LINE bytes or more is a bad row like any other: reported, counted
 * against max_row_errors, skipped (read past, not held); loading goes on. */
static void write_oversized(const char *path, bool long_last)
{
    size_t big = LFILE_MAX_LINE + (LFILE_MAX_LINE >> 4); /* 17 MiB */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(HDR "10.0.0.1,01:01,,100,1100,1,0,0,,0,\n", f);
    fputs("10.0.0.2,01:02,,100,1100,1,0,0,", f);
    for (size_t i = 0; i < big; i++)
        fputc('h', f);
    fputs(",0,\n", f);
    fputs("10.0.0.3,01:03,,100,1100,1,0,0,,0,\n", f);
    if (long_last) /* an over-long last line without a newline */
        for (size_t i = 0; i < big; i++)
            fputc('x', f);
    fclose(f);
}

static void test_oversized_rows(void **state)
{
    (void)state;
    char *dir = tl_mkdtemp();
    char *path = tl_path(dir, "l4.csv");
    write_oversized(path, false);
    tl_reports_t rep = {0};
    memfile_config_t cfg = tl_config(path, &rep);
    lease_store_t *s = tl_open(&cfg);
    assert_loaded(s, &rep, "line 3: longer than 16777215 bytes (17825826)", 3, 1, 2);
    memfile_stats_t st;
    lease_t l;
    assert_int_equal(lease_store_get4(s, 0x0a000002, &l), NST_ENOENT);
    assert_int_equal(lease_store_get4(s, 0x0a000003, &l), 0);
    lease_free(&l);
    s->ops->close(s);

    /* An over-long last line without a newline: skipped too, and ended before appending. */
    write_oversized(path, true);
    memset(&rep, 0, sizeof rep);
    s = tl_open(&cfg);
    assert_int_equal(rep.row_errors, 2);
    assert_non_null(strstr(rep.last_row_error, "line 5: longer than 16777215 bytes"));
    tl_lease(&l, 0x0a000004, 4, 1000);
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    s->ops->close(s);
    s = tl_open(&cfg);
    memfile_get_stats(s, &st);
    assert_int_equal(st.leases, 3);
    s->ops->close(s);

    /* They count against max_row_errors. */
    cfg.max_row_errors = 1;
    char err[512];
    s = NULL;
    assert_int_equal(memfile_open(&cfg, &s, err, sizeof err), NST_EMALFORMED);
    assert_null(s);
    assert_non_null(strstr(err, "more than 1 bad rows (max-row-errors), last: line 5: longer"));
    free(path);
    tl_rmdir(dir);
}

/* A row holding a NUL byte (first or inside) is a bad row: reported and counted. A header
 * holding one is a bad header. */
static void test_nul_rows(void **state)
{
    (void)state;
    static const char text[] = HDR "10.0.0.1,01:01,,100,1100,1,0,0,,0,\n"
                                   "\0" "10.0.0.2,01:02,,100,1100,1,0,0,,0,\n"
                                   "\0\0\0\0\n"
                                   "10.0.0.3,01:03,,100,1100,1,0,0,a\0b,0,\n"
                                   "10.0.0.4,01:04,,100,1100,1,0,0,,0,\n";
    char *dir = tl_mkdtemp();
    char *path = tl_path(dir, "l4.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, sizeof text - 1, f);
    fclose(f);
    tl_reports_t rep = {0};
    memfile_config_t cfg = tl_config(path, &rep);
    lease_store_t *s = tl_open(&cfg);
    assert_loaded(s, &rep, "line 5: contains a NUL byte (offset 32)", 5, 3, 2);
    s->ops->close(s);

    cfg.max_row_errors = 1;
    char err[512];
    s = NULL;
    assert_int_equal(memfile_open(&cfg, &s, err, sizeof err), NST_EMALFORMED);
    assert_non_null(strstr(err, "more than 1 bad rows (max-row-errors), last: line 4: contains a "
                                "NUL byte (offset 0)"));

    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite("\0" HDR, 1, sizeof HDR, f);
    fclose(f);
    assert_int_equal(memfile_open(&cfg, &s, err, sizeof err), NST_EMALFORMED);
    assert_non_null(strstr(err, "l4.csv: line 1: contains a NUL byte (offset 0)"));
    assert_null(s);
    free(path);
    tl_rmdir(dir);
}

static void test_pid_file(void **state)
{
    (void)state;
    char *dir = tl_mkdtemp();
    char *path = tl_path(dir, "l4.csv");
    char *pid = tl_path(dir, "l4.csv.pid");
    char text[32];
    memfile_config_t cfg = tl_config(path, NULL);
    lease_store_t *s = NULL;
    char err[512];

    /* A live process (our parent) holds the pid file: refuse. */
    snprintf(text, sizeof text, "%ld\n", (long)getppid());
    tl_write(pid, text);
    assert_int_equal(memfile_open(&cfg, &s, err, sizeof err), NST_EBUSY);
    assert_non_null(strstr(err, "lease file cleanup (pid"));

    /* A dead process: go on. */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    snprintf(text, sizeof text, "%ld\n", (long)child);
    tl_write(pid, text);
    s = tl_open(&cfg);
    s->ops->close(s);
    free(pid);
    free(path);
    tl_rmdir(dir);
}

/* Two threads add, update and delete disjoint ranges; indexes must stay consistent. */
typedef struct worker {
    lease_store_t *s;
    uint32_t base;
} worker_t;

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    lease_t l, got;
    for (uint32_t i = 0; i < 3000; i++) {
        tl_lease(&l, w->base + i, (uint8_t)i, 1000 + i);
        uint8_t cid[4] = {1, (uint8_t)(w->base >> 24), (uint8_t)(i >> 8), (uint8_t)i};
        lease_set_client_id(&l, cid, 4);
        if (lease_store_add(w->s, &l, NULL, NULL) != 0)
            abort();
        if (i % 3 == 0) {
            l.cltt += 5;
            if (lease_store_update(w->s, &l, NULL, NULL, NULL) != 0)
                abort();
        }
        if (i % 5 == 0 && lease_store_del(w->s, &l, NULL, NULL) != 0)
            abort();
        if (tl_client4(w->s, false, cid, 4, 1, &got) == 0)
            lease_free(&got);
        lease_free(&l);
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    char *dir = tl_mkdtemp();
    char *path = tl_path(dir, "l4.csv");
    memfile_config_t cfg = tl_config(path, NULL);
    lease_store_t *s = tl_open(&cfg);
    pthread_t t[2];
    worker_t w[2] = {{s, 0x0a000000}, {s, 0x0b000000}};
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker_main, &w[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);

    lease_list_t all = {0};
    tl_all(s, &all);
    assert_int_equal(all.count, 2 * 2400);
    for (size_t i = 0; i < all.count; i++) {
        const lease_t *l = &all.items[i];
        lease_t got;
        uint32_t k = l->addr.v4 & 0xffff;
        assert_int_not_equal(k % 5, 0);
        assert_int_equal(l->cltt, 1000 + k + (k % 3 == 0 ? 5 : 0));
        assert_int_equal(tl_client4(s, false, l->client_id, 4, 1, &got), 0);
        assert_int_equal(got.addr.v4, l->addr.v4);
        lease_free(&got);
    }
    lease_list_free(&all);
    lease_store_t *r = tl_open(&cfg); /* the file replays to the same state */
    tl_assert_same_store(s, r);
    r->ops->close(r);
    s->ops->close(s);
    free(path);
    tl_rmdir(dir);
}

static void test_open_errors(void **state)
{
    (void)state;
    lease_store_t *s = NULL;
    char err[256];
    memfile_config_t cfg = tl_config(NULL, NULL);
    assert_int_equal(memfile_open(&cfg, &s, err, sizeof err), NST_EINVAL);
    assert_string_equal(err, "memfile: persist requires a lease file name");
    cfg.family = (enum lease_family)5;
    cfg.persist = false;
    assert_int_equal(memfile_open(&cfg, &s, err, sizeof err), NST_EINVAL);
    assert_string_equal(err, "memfile: family 5 is neither 4 nor 6");
    cfg = tl_config("/nonexistent-dir/x/l4.csv", NULL);
    assert_true(memfile_open(&cfg, &s, err, sizeof err) < 0);
    assert_non_null(strstr(err, "cannot open lease file /nonexistent-dir/x/l4.csv"));
    assert_null(s);
}

int test_memfile_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_only),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_page_expired_reclaimed_wipe),
        cmocka_unit_test(test_rows_written_and_reload),
        cmocka_unit_test(test_load_order),
        cmocka_unit_test(test_row_errors),
        cmocka_unit_test(test_oversized_rows),
        cmocka_unit_test(test_nul_rows),
        cmocka_unit_test(test_pid_file),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests_name("memfile", tests, NULL, NULL);
}
