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

/* A store on l4.csv in a fresh directory (*dir for tl_rmdir, *path to free). */
static lease_store_t *open_fresh(char **dir, char **path, tl_reports_t *rep, bool durable)
{
    *dir = tl_mkdtemp();
    *path = tl_path(*dir, "l4.csv");
    memfile_config_t cfg = tl_config(*path, rep);
    cfg.durable = durable;
    return tl_open(&cfg);
}

/* The store's leases, checked against a fresh store loaded from its file: memory and file agree. */
static void assert_file_matches(lease_store_t *s, const char *path)
{
    assert_int_equal(s->ops->flush(s), 0);
    lease_store_t *r = tl_open(&(memfile_config_t){.family = LEASE_V4, .path = path, .persist = true});
    tl_assert_same_store(s, r);
    r->ops->close(r);
}

static void assert_hostname(lease_store_t *s, uint32_t addr, const char *hostname)
{
    lease_t got;
    int rc = lease_store_get4(s, addr, &got);
    if (!hostname) {
        assert_int_equal(rc, NST_ENOENT);
        return;
    }
    assert_int_equal(rc, 0);
    assert_string_equal(got.hostname, hostname);
    lease_free(&got);
}

/* Adds (or updates) the lease of addr in subnet with hostname; the store takes the write. */
static void write_named(lease_store_t *s, bool update, uint32_t addr, uint32_t subnet,
                        const char *hostname, lease_commit_cb cb, void *arg)
{
    lease_t l;
    tl_lease(&l, addr, (uint8_t)addr, update ? 3000 : 1000);
    l.subnet_id = subnet;
    lease_set_hostname(&l, hostname);
    assert_int_equal(update ? lease_store_update(s, &l, NULL, cb, arg) : lease_store_add(s, &l, cb, arg), 0);
    lease_free(&l);
}

/* A write that fails is reported, its callback gets the error, and the in-memory change is
 * undone (add removed, update restored, del re-inserted, wipe put back): memory agrees with
 * the file. Both modes. */
static void test_write_errors(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    for (int durable = 0; durable <= 1; durable++) {
        char *dir, *path;
        tl_reports_t rep = {0};
        lease_store_t *s = open_fresh(&dir, &path, &rep, durable);
        memfile_store_t *m = memfile_of(s);
        commits_t c;
        commits_init(&c, NULL);
        commit_arg_t a[5];
        for (int i = 0; i < 5; i++)
            a[i] = (commit_arg_t){.c = &c, .seq = i};
        write_named(s, false, 0x0a000001, 1, "one", NULL, NULL);
        write_named(s, false, 0x0a000002, 1, "two", NULL, NULL);
        write_named(s, false, 0x0a000003, 7, "three", NULL, NULL);
        assert_int_equal(s->ops->flush(s), 0);

        for (uint32_t i = 0; i < 2000; i++)
            write_named(s, false, 0x0b000000 + i, 8, "many", NULL, NULL);
        assert_int_equal(s->ops->flush(s), 0);

        int old = swap_in_full(m);
        if (durable) /* the writer takes the first change alone; the others queue behind it */
            pthread_mutex_lock(&m->io_mu);
        lease_t l;
        tl_lease(&l, 0x0a000004, 4, 1000);
        assert_int_equal(lease_store_add(s, &l, commit_cb, &a[0]), 0);
        write_named(s, true, 0x0a000001, 1, "changed", commit_cb, &a[1]);
        write_named(s, true, 0x0a000001, 1, "changed again", commit_cb, &a[2]);
        tl_lease(&l, 0x0a000002, 2, 1000);
        assert_int_equal(lease_store_del(s, &l, commit_cb, &a[3]), 0);
        /* Not durable: a wipe knows its write failed; durable: it is undone later. */
        assert_int_equal(tl_wipe4(s, 7), durable ? 1 : -ENOSPC);
        assert_int_equal(tl_wipe4(s, 8), durable ? 2000 : -ENOSPC);
        if (durable)
            pthread_mutex_unlock(&m->io_mu);
        assert_int_equal(s->ops->flush(s), -ENOSPC); /* the error, once */
        swap_back(m, old);
        assert_int_equal(s->ops->flush(s), 0);
        assert_int_equal(c.calls, 4);
        assert_int_equal(c.errors, 4);
        assert_true(c.in_order);
        assert_int_equal(c.first_err, -ENOSPC);
        assert_string_equal(rep.last_id, "MEMFILE_WRITE_FAILED");
        assert_non_null(strstr(rep.last_text, "failed to write "));
        memfile_stats_t st;
        memfile_get_stats(s, &st);
        assert_int_equal(st.write_errors, 2005);
        assert_int_equal(st.rows_written, 2003);
        assert_int_equal(st.leases, 2003);
        assert_hostname(s, 0x0a000004, NULL);
        assert_hostname(s, 0x0a000001, "one");
        assert_hostname(s, 0x0a000002, "two");
        assert_hostname(s, 0x0a000003, "three");
        assert_file_matches(s, path);

        /* Later writes work again. */
        tl_lease(&l, 0x0a000005, 5, 1000);
        a[4].seq = 4;
        assert_int_equal(lease_store_add(s, &l, commit_cb, &a[4]), 0);
        assert_int_equal(s->ops->flush(s), 0);
        assert_int_equal(c.calls, 5);
        assert_int_equal(c.errors, 4);
        assert_file_matches(s, path);
        s->ops->close(s);
        char *text = tl_read(path);
        assert_null(strstr(text, "10.0.0.4,"));
        assert_non_null(strstr(text, "10.0.0.5,"));
        free(text);
        free(path);
        tl_rmdir(dir);
    }
}

/* Durable: a batch fails while a later change of the same address is already applied in memory
 * and queued. Memory keeps the later change if its row is written, and goes back to what was
 * there before both if it fails too. */
typedef struct chain_arg {
    commit_arg_t a;
    memfile_store_t *m;
    int real_fd; /* >= 0: put the real file back (the next batch succeeds) */
} chain_arg_t;

static void chain_cb(void *arg, int err)
{
    chain_arg_t *ca = arg;
    if (ca->real_fd >= 0)
        swap_back(ca->m, ca->real_fd);
    commit_cb(&ca->a, err);
}

static void test_durable_undo_with_later_change(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    for (int later_fails = 0; later_fails <= 1; later_fails++) {
        char *dir, *path;
        lease_store_t *s = open_fresh(&dir, &path, NULL, true);
        memfile_store_t *m = memfile_of(s);
        write_named(s, false, 0x0a000001, 1, "orig", NULL, NULL);
        assert_int_equal(s->ops->flush(s), 0);
        commits_t c;
        commits_init(&c, NULL);
        int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
        assert_true(full >= 0);

        /* Batch 1 (the first update) is taken and waits for the file; the second update is
         * applied in memory and queued behind it. */
        pthread_mutex_lock(&m->io_mu);
        int real = m->fd;
        m->fd = full;
        chain_arg_t first = {.a = {.c = &c, .seq = 0}, .m = m, .real_fd = later_fails ? -1 : real};
        write_named(s, true, 0x0a000001, 1, "first", chain_cb, &first);
        for (bool taken = false; !taken; usleep(1000)) {
            pthread_mutex_lock(&m->q_mu);
            taken = m->q_taken == m->q_enq;
            pthread_mutex_unlock(&m->q_mu);
        }
        commit_arg_t second = {.c = &c, .seq = 1};
        write_named(s, true, 0x0a000001, 1, "second", commit_cb, &second);
        assert_hostname(s, 0x0a000001, "second");
        pthread_mutex_unlock(&m->io_mu);

        assert_int_equal(s->ops->flush(s), -ENOSPC); /* batch 1's error at least */
        if (later_fails)
            swap_back(m, real);
        assert_int_equal(c.calls, 2);
        assert_true(c.in_order);
        assert_int_equal(c.errors, later_fails ? 2 : 1);
        assert_hostname(s, 0x0a000001, later_fails ? "orig" : "second");
        assert_file_matches(s, path);
        s->ops->close(s);
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
        cmocka_unit_test(test_durable_undo_with_later_change),
    };
    return cmocka_run_group_tests_name("memfile_durable", tests, NULL, NULL);
}
