/* Durable (group commit) mode and write-error reporting. These tests reach into the store's
 * internals (memfile_int.h) to stall the writer and to make writes fail deterministically. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errcode.h"
#include "lease/memfile_int.h"
#include "test_lease.h"

typedef struct commits {
    pthread_mutex_t mu;
    int calls, errors, first_err;
    int next;          /* callbacks must arrive in call order */
    bool in_order;
    const char *path;  /* when set, the row must already be in the file */
    bool rows_on_disk;
} commits_t;

typedef struct commit_arg {
    commits_t *c;
    int seq;
    char row_prefix[32];
} commit_arg_t;

static void commit_cb(void *arg, int err)
{
    commit_arg_t *a = arg;
    commits_t *c = a->c;
    pthread_mutex_lock(&c->mu);
    c->calls++;
    if (err) {
        c->errors++;
        if (!c->first_err)
            c->first_err = err;
    }
    if (a->seq != c->next++)
        c->in_order = false;
    if (c->path && !err) {
        char *text = tl_read(c->path);
        if (!text || !strstr(text, a->row_prefix))
            c->rows_on_disk = false;
        free(text);
    }
    pthread_mutex_unlock(&c->mu);
}

static void commits_init(commits_t *c, const char *path)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->in_order = true;
    c->rows_on_disk = true;
    c->path = path;
}

static void test_group_commit(void **state)
{
    (void)state;
    enum { N = 1000 };
    char *dir = tl_mkdtemp();
    char *path = tl_path(dir, "l4.csv");
    memfile_config_t cfg = tl_config(path, NULL);
    cfg.durable = true;
    lease_store_t *s = tl_open(&cfg);
    memfile_store_t *m = memfile_of(s);
    commits_t c;
    commits_init(&c, NULL);
    commit_arg_t *args = calloc(N, sizeof(*args));

    /* Stall the writer on the file lock: every add must still return at once, be visible in
     * memory, and its callback must wait for the data. */
    pthread_mutex_lock(&m->io_mu);
    for (int i = 0; i < N; i++) {
        lease_t l, got;
        tl_lease(&l, 0x0a000000 + (uint32_t)i, (uint8_t)i, 1000 + i);
        args[i] = (commit_arg_t){.c = &c, .seq = i};
        assert_int_equal(lease_store_add(s, &l, commit_cb, &args[i]), 0);
        assert_int_equal(lease_store_get4(s, l.addr.v4, &got), 0);
        lease_free(&got);
    }
    pthread_mutex_lock(&c.mu);
    assert_int_equal(c.calls, 0);
    pthread_mutex_unlock(&c.mu);
    pthread_mutex_unlock(&m->io_mu);
    assert_int_equal(s->ops->flush(s), 0);

    memfile_stats_t st;
    memfile_get_stats(s, &st);
    assert_int_equal(c.calls, N);
    assert_int_equal(c.errors, 0);
    assert_true(c.in_order);
    assert_int_equal(st.rows_written, N);
    assert_true(st.fsyncs >= 1 && st.fsyncs <= 2); /* one batch, or a first row then the rest */

    /* Unstalled: each callback finds its row already in the file. */
    commits_init(&c, path);
    for (int i = 0; i < 50; i++) {
        lease_t l;
        tl_lease(&l, 0x0b000000 + (uint32_t)i, (uint8_t)i, 1000);
        args[i] = (commit_arg_t){.c = &c, .seq = i};
        snprintf(args[i].row_prefix, sizeof args[i].row_prefix, "\n11.0.0.%d,", i);
        assert_int_equal(lease_store_add(s, &l, commit_cb, &args[i]), 0);
    }
    assert_int_equal(s->ops->flush(s), 0);
    assert_int_equal(c.calls, 50);
    assert_true(c.rows_on_disk);
    assert_true(c.in_order);

    lease_t l;
    tl_lease(&l, 0x0a000000, 0, 5000);
    assert_int_equal(lease_store_update(s, &l, NULL, NULL, NULL), 0); /* no callback: fine too */
    tl_lease(&l, 0x0a000001, 1, 0);
    assert_int_equal(lease_store_del(s, &l, NULL, NULL), 0);
    assert_int_equal(tl_wipe4(s, 99), 0); /* nothing to write still goes through */
    assert_int_equal(tl_delete_reclaimed4(s, 0, 0), 0);
    for (uint32_t i = 0; i < 10; i++) {
        tl_lease(&l, 0x0c000000 + i, (uint8_t)i, 1000);
        l.subnet_id = 7;
        assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    }
    assert_int_equal(tl_wipe4(s, 7), 10);
    lease_store_t *r;
    s->ops->flush(s);
    r = tl_open(&(memfile_config_t){.family = LEASE_V4, .path = path, .persist = true});
    tl_assert_same_store(s, r);
    r->ops->close(r);
    s->ops->close(s); /* drains and joins the writer */
    free(args);
    free(path);
    tl_rmdir(dir);
}

/* Concurrent producers share fsyncs too, and close() drains what is queued. */
typedef struct producer {
    lease_store_t *s;
    commits_t *c;
    uint32_t base;
    commit_arg_t args[500];
} producer_t;

static void *produce(void *arg)
{
    producer_t *p = arg;
    for (int i = 0; i < 500; i++) {
        lease_t l;
        tl_lease(&l, p->base + (uint32_t)i, (uint8_t)i, 1000);
        p->args[i] = (commit_arg_t){.c = p->c, .seq = -1};
        if (lease_store_add(p->s, &l, commit_cb, &p->args[i]) != 0)
            abort();
    }
    return NULL;
}

static void test_close_drains(void **state)
{
    (void)state;
    char *dir = tl_mkdtemp();
    char *path = tl_path(dir, "l4.csv");
    memfile_config_t cfg = tl_config(path, NULL);
    cfg.durable = true;
    lease_store_t *s = tl_open(&cfg);
    commits_t c;
    commits_init(&c, NULL);
    producer_t *p = calloc(2, sizeof(*p));
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        p[i] = (producer_t){.s = s, .c = &c, .base = 0x0a000000u + ((uint32_t)i << 16)};
        pthread_create(&t[i], NULL, produce, &p[i]);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    s->ops->close(s);
    assert_int_equal(c.calls, 1000);
    assert_int_equal(c.errors, 0);
    s = tl_open(&cfg);
    memfile_stats_t st;
    memfile_get_stats(s, &st);
    assert_int_equal(st.leases, 1000);
    s->ops->close(s);
    free(p);
    free(path);
    tl_rmdir(dir);
}

/* Swaps the store's file for /dev/full: every write fails with ENOSPC. */
static int swap_in_full(memfile_store_t *m)
{
    int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
    assert_true(full >= 0);
    pthread_mutex_lock(&m->io_mu);
    int old = m->fd;
    m->fd = full;
    pthread_mutex_unlock(&m->io_mu);
    return old;
}

static void swap_back(memfile_store_t *m, int old)
{
    pthread_mutex_lock(&m->io_mu);
    close(m->fd);
    m->fd = old;
    pthread_mutex_unlock(&m->io_mu);
}

static void test_write_errors(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    for (int durable = 0; durable <= 1; durable++) {
        char *dir = tl_mkdtemp();
        char *path = tl_path(dir, "l4.csv");
        tl_reports_t rep = {0};
        memfile_config_t cfg = tl_config(path, &rep);
        cfg.durable = durable;
        lease_store_t *s = tl_open(&cfg);
        memfile_store_t *m = memfile_of(s);
        commits_t c;
        commits_init(&c, NULL);
        commit_arg_t a = {.c = &c, .seq = 0};
        lease_t l, got;

        int old = swap_in_full(m);
        tl_lease(&l, 0x0a000001, 1, 1000);
        assert_int_equal(lease_store_add(s, &l, commit_cb, &a), 0);
        assert_int_equal(s->ops->flush(s), -ENOSPC); /* the error, once */
        swap_back(m, old);
        assert_int_equal(s->ops->flush(s), 0);
        assert_int_equal(c.calls, 1);
        assert_int_equal(c.first_err, -ENOSPC);
        assert_string_equal(rep.last_id, "MEMFILE_WRITE_FAILED");
        assert_non_null(strstr(rep.last_text, "failed to write 1 lease row(s)"));
        memfile_stats_t st;
        memfile_get_stats(s, &st);
        assert_int_equal(st.write_errors, 1);
        assert_int_equal(st.rows_written, 0);
        /* Memory keeps the change (it is served until restart). */
        assert_int_equal(lease_store_get4(s, 0x0a000001, &got), 0);
        lease_free(&got);

        /* Later writes work again. */
        tl_lease(&l, 0x0a000002, 2, 1000);
        a.seq = 1;
        assert_int_equal(lease_store_add(s, &l, commit_cb, &a), 0);
        assert_int_equal(s->ops->flush(s), 0);
        assert_int_equal(c.calls, 2);
        assert_int_equal(c.errors, 1);
        s->ops->close(s);
        char *text = tl_read(path);
        assert_null(strstr(text, "10.0.0.1,"));
        assert_non_null(strstr(text, "10.0.0.2,"));
        free(text);
        free(path);
        tl_rmdir(dir);
    }
}

int test_durable_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_commit),
        cmocka_unit_test(test_close_drains),
        cmocka_unit_test(test_write_errors),
    };
    return cmocka_run_group_tests_name("memfile_durable", tests, NULL, NULL);
}
