/* sqlcore: the one SQL lease store, run on a fake driver (no database): group commit with each
 * write's own result, a failed write retried alone, an outage reported once and recovered, a dead
 * connection replaced at once, and the overlay that lets lookups see queued writes. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "common/errcode.h"
#include "lease/sqlcore.h"
#include "test_lease.h"

/* ---- the fake database ----------------------------------------------------------------------- */

#define MAX_BATCHES 16

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool hold;                 /* commit() waits while set */
    bool down;                 /* connects fail, statements fail with a lost connection */
    int kill_next;             /* the next statements fail as on a killed connection */
    uint32_t taken;            /* an address another server holds: its add gets NST_EEXIST */
    uint32_t bad;              /* an address whose write the database refuses (statement error) */
    int in_commit;             /* commits under way */
    int batches, batch_size[MAX_BATCHES];
    atomic_int execs, connects, lost_calls;
    lease_t row;               /* what GET_ADDR finds (family 0: nothing) */
} fake = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

typedef struct fake_conn {
    sqlsess_conn_t base;
    bool up;
} fake_conn_t;

static int f_connect(sqlsess_t *s, sqlsess_conn_t *c, char *err, size_t errlen)
{
    if (fake.down)
        return errf(err, errlen, NST_EIO, "connection refused");
    ((fake_conn_t *)c)->up = true;
    atomic_fetch_add(&fake.connects, 1);
    return 0;
}

static void f_disconnect(sqlsess_conn_t *c) { ((fake_conn_t *)c)->up = false; }
static bool f_ready(sqlsess_conn_t *c) { return ((fake_conn_t *)c)->up; }

static int f_exec(sqlsess_t *s, sqlsess_conn_t *c, int k, const sqlparam_t *p, int n, sqlres_t *res, bool *lost,
                  char *err, size_t errlen)
{
    atomic_fetch_add(&fake.execs, 1);
    if (fake.down || fake.kill_next > 0) {
        fake.kill_next--;
        *lost = true;
        return errf(err, errlen, NST_EIO, "server closed the connection");
    }
    res->h = (void *)(intptr_t)(k == SQLCORE_GET_ADDR && n == 1 && fake.row.family && p[0].i == fake.row.addr.v4);
    return 0;
}

static int f_simple(sqlsess_conn_t *c, const char *sql, bool *lost, char *err, size_t errlen) { return 0; }
static uint64_t f_zero(const sqlres_t *res) { return 0; }
static void f_done(sqlres_t *res) {}
static int f_probe(const cfg_db_t *db, char *err, size_t errlen)
{
    return fake.down ? errf(err, errlen, NST_EIO, "connection refused") : 0;
}

static const sqlsess_driver_t fake_sess = {
    .tag = "FAKE", .conn_size = sizeof(fake_conn_t), .connect = f_connect, .disconnect = f_disconnect,
    .ready = f_ready, .exec = f_exec, .simple = f_simple, .affected = f_zero, .insert_id = f_zero,
    .done = f_done, .probe = f_probe,
};

static const sqlsess_stmt_t fake_stmts[SQLCORE_NSTMT + 1] = {
    [SQLCORE_GET_ADDR] = {"get_addr", "-"}, [SQLCORE_GET_EXP] = {"get_exp", "-"},
    [SQLCORE_COUNTS] = {"counts", "-"}, [SQLCORE_NSTMT] = {"lookup", "-"},
};

static int f_lookup(sqlbatch4_req_t *const *reqs, size_t n, int *stmt, sqlparam_t *p)
{
    *stmt = SQLCORE_NSTMT;
    return 0;
}

static int f_rows(sqlcore_t *s, const sqlres_t *res, sqlcore_sink_t *k)
{
    if (res->h) {
        lease_t l;
        lease_dup(&l, &fake.row);
        sqlcore_sink_put(k, &l);
    }
    return 0;
}

static int f_counts(const sqlres_t *res, lease_subnet_counts_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return 0;
}

static const sqlcore_table_t fake_table = {
    .family = LEASE_V4, .stmts = fake_stmts, .nstmts = SQLCORE_NSTMT + 1, .lookup = f_lookup, .rows = f_rows,
    .counts = f_counts, .list_open = "", .list_close = "",
};

static int f_commit(sqlcore_t *s, sqlsess_conn_t *c, sqlcore_write_t *batch, char *err, size_t errlen)
{
    pthread_mutex_lock(&fake.lock);
    fake.in_commit++;
    pthread_cond_broadcast(&fake.cond);
    while (fake.hold)
        pthread_cond_wait(&fake.cond, &fake.lock);
    fake.in_commit--;
    int n = 0, r = 0;
    for (sqlcore_write_t *w = batch; w; w = w->next, n++) {
        if (w->lease.addr.v4 == fake.taken && w->kind == OVERLAY4_ADD)
            w->result = NST_EEXIST;
        if (w->lease.addr.v4 == fake.bad && !r) {
            w->result = NST_EIO;
            r = 1;
        }
    }
    if (fake.batches < MAX_BATCHES)
        fake.batch_size[fake.batches] = n;
    fake.batches++;
    bool down = fake.down;
    pthread_mutex_unlock(&fake.lock);
    if (down)
        return errf(err, errlen, NST_EIO, "server closed the connection");
    if (r)
        snprintf(err, errlen, "value too long");
    return r;
}

static const sqlcore_driver_t fake_driver = {.sess = &fake_sess, .type = "fake", .commit = f_commit};

/* ---- helpers --------------------------------------------------------------------------------- */

typedef struct done {
    atomic_int calls;
    int result;
} done_t;

static void done_cb(void *arg, int err)
{
    done_t *d = arg;
    d->result = err;
    atomic_fetch_add(&d->calls, 1);
}

static void lost_cb(void *arg)
{
    atomic_fetch_add(&fake.lost_calls, 1);
}

static cfg_db_t fake_db;

static lease_store_t *open_fake(tl_reports_t *rep)
{
    pthread_mutex_lock(&fake.lock);
    fake.hold = fake.down = false;
    fake.kill_next = fake.in_commit = fake.batches = 0;
    fake.taken = fake.bad = 0;
    pthread_mutex_unlock(&fake.lock);
    lease_free(&fake.row);
    memset(&fake.row, 0, sizeof fake.row);
    atomic_store(&fake.execs, 0);
    atomic_store(&fake.connects, 0);
    atomic_store(&fake.lost_calls, 0);
    memset(rep, 0, sizeof *rep);
    sqlcore_config_t cfg = {.db = &fake_db, .lost = lost_cb, .report = tl_report, .report_arg = rep};
    lease_store_t *s = NULL;
    char err[256];
    assert_int_equal(sqlcore_open(&fake_driver, &fake_table, NULL, &cfg, &s, err, sizeof err), 0);
    assert_string_equal(s->ops->type, "fake");
    return s;
}

static void set_hold(bool hold)
{
    pthread_mutex_lock(&fake.lock);
    fake.hold = hold;
    pthread_cond_broadcast(&fake.cond);
    pthread_mutex_unlock(&fake.lock);
}

/* Waits until the commit thread sits in commit() (held). */
static void wait_in_commit(void)
{
    pthread_mutex_lock(&fake.lock);
    while (!fake.in_commit)
        pthread_cond_wait(&fake.cond, &fake.lock);
    pthread_mutex_unlock(&fake.lock);
}

static void add(lease_store_t *s, uint32_t addr, done_t *d)
{
    lease_t l;
    tl_lease(&l, addr, (uint8_t)addr, 1000000);
    assert_int_equal(lease_store_add(s, &l, done_cb, d), 0);
    lease_free(&l);
}

/* ---- tests ----------------------------------------------------------------------------------- */

/* Writes queued while a batch commits go together as the next batch, and each gets its own
 * result: a taken address fails alone. */
static void test_group_commit_gives_each_write_its_result(void **state)
{
    (void)state;
    tl_reports_t rep;
    lease_store_t *s = open_fake(&rep);
    done_t d[4] = {0};
    set_hold(true);
    add(s, 0x0a000001, &d[0]);
    wait_in_commit();
    fake.taken = 0x0a000004;
    for (int i = 1; i < 4; i++)
        add(s, 0x0a000001 + (uint32_t)i, &d[i]);
    assert_true(s->ops->backlog_ms(s) >= 0);
    set_hold(false);
    s->ops->flush(s);
    assert_int_equal(fake.batches, 2);
    assert_int_equal(fake.batch_size[0], 1);
    assert_int_equal(fake.batch_size[1], 3);
    for (int i = 0; i < 4; i++)
        assert_int_equal(atomic_load(&d[i].calls), 1);
    assert_int_equal(d[0].result, 0);
    assert_int_equal(d[1].result, 0);
    assert_int_equal(d[2].result, 0);
    assert_int_equal(d[3].result, NST_EEXIST);
    assert_int_equal(s->ops->backlog_ms(s), 0);
    s->ops->close(s);
    assert_int_equal(atomic_load(&fake.lost_calls), 0);
}

/* A statement that fails rolls its batch back; the writes are sent again one each, so only the
 * bad one fails (NST_EIO) and the database is not lost. */
static void test_failed_write_fails_alone(void **state)
{
    (void)state;
    tl_reports_t rep;
    lease_store_t *s = open_fake(&rep);
    done_t first = {0}, d[3] = {0};
    set_hold(true);
    add(s, 0x0a000009, &first);
    wait_in_commit();
    fake.bad = 0x0a000011;
    for (int i = 0; i < 3; i++)
        add(s, 0x0a000010 + (uint32_t)i, &d[i]);
    set_hold(false);
    s->ops->flush(s);
    assert_int_equal(fake.batches, 1 + 1 + 3); /* the first, the failed batch, its writes alone */
    assert_int_equal(first.result, 0);
    assert_int_equal(d[0].result, 0);
    assert_int_equal(d[1].result, NST_EIO);
    assert_int_equal(d[2].result, 0);
    assert_string_equal(rep.last_id, "DHCPSRV_FAKE_QUERY_FAILED");
    assert_non_null(strstr(rep.last_text, "value too long"));
    assert_int_equal(atomic_load(&fake.lost_calls), 0);
    /* the address whose write failed is the database's again: a lookup asks it */
    int execs = atomic_load(&fake.execs);
    lease_t got;
    assert_int_equal(lease_store_get4(s, 0x0a000011, &got), NST_ENOENT);
    assert_int_equal(atomic_load(&fake.execs), execs + 1);
    s->ops->close(s);
}

/* The database goes away: the outage is reported once, writes and lookups fail fast meanwhile,
 * and after reconnect the store serves again. */
static void test_outage_reported_once_then_reconnect(void **state)
{
    (void)state;
    tl_reports_t rep;
    lease_store_t *s = open_fake(&rep);
    fake.down = true;
    done_t d[3] = {0};
    add(s, 0x0a000020, &d[0]);
    s->ops->flush(s);
    assert_int_equal(d[0].result, NST_EIO);
    assert_int_equal(atomic_load(&fake.lost_calls), 1);
    int execs = atomic_load(&fake.execs), batches = fake.batches;
    lease_t got;
    assert_int_equal(lease_store_get4(s, 0x0a000021, &got), NST_EIO);
    add(s, 0x0a000022, &d[1]);
    s->ops->flush(s);
    assert_int_equal(d[1].result, NST_EIO);
    assert_int_equal(atomic_load(&fake.execs), execs);  /* failed fast: nothing sent */
    assert_int_equal(fake.batches, batches);
    assert_int_equal(atomic_load(&fake.lost_calls), 1); /* once per outage */
    char err[128];
    assert_int_equal(s->ops->reconnect(s, err, sizeof err), NST_EIO);
    assert_non_null(strstr(err, "refused"));
    fake.down = false;
    assert_int_equal(s->ops->reconnect(s, err, sizeof err), 0);
    assert_int_equal(lease_store_get4(s, 0x0a000021, &got), NST_ENOENT);
    assert_int_equal(atomic_load(&fake.execs), execs + 1);
    add(s, 0x0a000022, &d[2]);
    s->ops->flush(s);
    assert_int_equal(d[2].result, 0);
    /* a second outage is reported again */
    fake.down = true;
    assert_int_equal(lease_store_get4(s, 0x0a000023, &got), NST_EIO);
    assert_int_equal(atomic_load(&fake.lost_calls), 2);
    fake.down = false;
    s->ops->close(s);
}

/* A lookup connection found dead (killed by an administrator) is replaced at once: the lookup
 * succeeds and no outage is reported. */
static void test_dead_connection_replaced_at_once(void **state)
{
    (void)state;
    tl_reports_t rep;
    lease_store_t *s = open_fake(&rep);
    tl_lease(&fake.row, 0x0a000030, 0x30, 1000000);
    lease_t got;
    assert_int_equal(lease_store_get4(s, 0x0a000030, &got), 0);
    lease_free(&got);
    int connects = atomic_load(&fake.connects);
    fake.kill_next = 1;
    assert_int_equal(lease_store_get4(s, 0x0a000030, &got), 0);
    tl_assert_lease_eq(&got, &fake.row);
    lease_free(&got);
    assert_int_equal(atomic_load(&fake.connects), connects + 1);
    assert_int_equal(atomic_load(&fake.lost_calls), 0);
    assert_string_equal(rep.last_id, "DHCPSRV_FAKE_CONNECTION_LOST");
    /* killed twice in a row: the database is lost */
    fake.kill_next = 2;
    assert_int_equal(lease_store_get4(s, 0x0a000030, &got), NST_EIO);
    assert_int_equal(atomic_load(&fake.lost_calls), 1);
    s->ops->close(s);
}

/* Queued writes are seen by the store's own lookups before they commit (read-your-writes), with
 * no statement sent; once committed the database answers again. */
static void test_overlay_reads_queued_writes(void **state)
{
    (void)state;
    tl_reports_t rep;
    lease_store_t *s = open_fake(&rep);
    done_t d[3] = {0};
    set_hold(true);
    add(s, 0x0a000040, &d[0]);
    wait_in_commit();
    int execs = atomic_load(&fake.execs);
    lease_t got;
    assert_int_equal(lease_store_get4(s, 0x0a000040, &got), 0);
    assert_int_equal(got.hwaddr[5], 0x40);
    /* an update queued behind it is what the next lookup sees */
    lease_t upd;
    lease_dup(&upd, &got);
    upd.valid_lft = 7200;
    assert_int_equal(lease_store_update(s, &upd, &got, done_cb, &d[1]), 0);
    lease_free(&got);
    assert_int_equal(lease_store_get4(s, 0x0a000040, &got), 0);
    assert_int_equal(got.valid_lft, 7200);
    lease_free(&got);
    /* a second add of a queued address is refused at once */
    assert_int_equal(lease_store_add(s, &upd, done_cb, &d[2]), NST_EEXIST);
    assert_int_equal(lease_store_del(s, &upd, done_cb, &d[2]), 0);
    assert_int_equal(lease_store_get4(s, 0x0a000040, &got), NST_ENOENT);
    assert_int_equal(atomic_load(&fake.execs), execs); /* all from the overlay */
    set_hold(false);
    s->ops->flush(s);
    assert_int_equal(d[0].result, 0);
    assert_int_equal(d[1].result, 0);
    assert_int_equal(d[2].result, 0);
    assert_int_equal(lease_store_get4(s, 0x0a000040, &got), NST_ENOENT);
    assert_int_equal(atomic_load(&fake.execs), execs + 1); /* settled: the database answers */
    lease_free(&upd);
    s->ops->close(s);
}

/* A lease of a family the table does not hold is refused. */
static void test_other_family_refused(void **state)
{
    (void)state;
    tl_reports_t rep;
    lease_store_t *s = open_fake(&rep);
    lease_t l;
    lease_init(&l, LEASE_V6);
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), NST_EINVAL);
    lease_key_t k = lease_key6(LEASE6_NA, &l.addr.v6);
    assert_int_equal(s->ops->get(s, &k, &l), NST_EINVAL);
    s->ops->close(s);
}

int test_sqlcore_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_commit_gives_each_write_its_result),
        cmocka_unit_test(test_failed_write_fails_alone),
        cmocka_unit_test(test_outage_reported_once_then_reconnect),
        cmocka_unit_test(test_dead_connection_replaced_at_once),
        cmocka_unit_test(test_overlay_reads_queued_writes),
        cmocka_unit_test(test_other_family_refused),
    };
    return cmocka_run_group_tests_name("sqlcore", tests, NULL, NULL);
}
