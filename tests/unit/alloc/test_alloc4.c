/* Unit tests: the DHCPv4 allocation engine over a real (in-memory) memfile store. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc/alloc4.h"
#include "common/errcode.h"
#include "lease/memfile.h"
#include "stats/stats.h"

typedef struct fixture {
    cfg4_t *cfg;
    hosts4_t *hosts;
    lease_store_t *store;
    alloc4_t *alloc;
} fixture_t;

static const char *config_text =
    "{\"Dhcp4\": {\"valid-lifetime\": 100, \"authoritative\": false,\n"
    " \"subnet4\": [{\"id\": 1, \"subnet\": \"10.0.0.0/24\", \"pools\": [{\"pool\": \"10.0.0.10 - 10.0.0.12\"}],\n"
    "   \"reservations\": [{\"hw-address\": \"02:00:00:00:00:aa\", \"ip-address\": \"10.0.0.50\"},\n"
    "                      {\"hw-address\": \"02:00:00:00:00:bb\", \"ip-address\": \"10.0.0.11\"}]}]}}";

static int setup_text(void **state, const char *text)
{
    fixture_t *f = calloc(1, sizeof *f);
    char err[512];
    if (cfg4_load_string(text, "t.json", &f->cfg, err, sizeof err))
        fail_msg("%s", err);
    memfile_config_t mc = {.family = LEASE_V4, .path = "/nonexistent/none.csv", .persist = false};
    if (memfile_open(&mc, &f->store, err, sizeof err))
        fail_msg("%s", err);
    f->hosts = hosts4_build(f->cfg);
    f->alloc = alloc4_new(f->cfg, f->hosts, f->store);
    *state = f;
    return 0;
}

static int setup(void **state) { return setup_text(state, config_text); }

static int teardown(void **state)
{
    fixture_t *f = *state;
    alloc4_free(f->alloc);
    hosts4_free(f->hosts);
    f->store->ops->close(f->store);
    cfg4_free(f->cfg);
    free(f);
    return 0;
}

static alloc4_req_t req_for(fixture_t *f, const uint8_t *mac)
{
    alloc4_req_t r = {.subnet = &f->cfg->subnets[0], .hwaddr = mac, .hwaddr_len = 6, .now = 1000000};
    return r;
}

static int commits;
static void on_commit(void *arg, int err) { commits += err == 0; }

static uint32_t request(fixture_t *f, const uint8_t *mac, uint32_t addr, enum alloc4_request_kind kind, int *status)
{
    alloc4_req_t r = req_for(f, mac);
    r.hint = addr;
    alloc4_result_t res;
    *status = alloc4_request(f->alloc, &r, kind, on_commit, NULL, &res);
    uint32_t got = *status == ALLOC4_OK ? res.lease.addr.v4 : 0;
    alloc4_result_free(&res);
    return got;
}

static void test_iterative_allocation_and_exhaustion(void **state)
{
    fixture_t *f = *state;
    uint8_t mac[6] = {2, 0, 0, 0, 1, 0};
    uint32_t got[3];
    int st;
    /* .11 is reserved for another client, so only .10 and .12 are dynamic */
    for (int i = 0; i < 2; i++) {
        mac[5] = (uint8_t)i;
        alloc4_req_t r = req_for(f, mac);
        alloc4_result_t res;
        assert_int_equal(alloc4_offer(f->alloc, &r, &res), ALLOC4_OK);
        got[i] = res.lease.addr.v4;
        alloc4_result_free(&res);
        assert_int_equal(request(f, mac, got[i], REQ_SELECTING, &st), got[i]);
    }
    assert_int_equal(got[0], 0x0a00000a);
    assert_int_equal(got[1], 0x0a00000c);
    mac[5] = 9;
    alloc4_req_t r = req_for(f, mac);
    alloc4_result_t res;
    assert_int_equal(alloc4_offer(f->alloc, &r, &res), ALLOC4_NO_ADDRESS);
    alloc4_result_free(&res);
    assert_int_equal(commits >= 2, 1);
}

static void test_reservation_wins_and_existing_lease_is_reused(void **state)
{
    fixture_t *f = *state;
    uint8_t a[6] = {2, 0, 0, 0, 0, 0xaa};
    alloc4_req_t r = req_for(f, a);
    alloc4_result_t res;
    assert_int_equal(alloc4_offer(f->alloc, &r, &res), ALLOC4_OK);
    assert_int_equal(res.lease.addr.v4, 0x0a000032); /* out-of-pool reservation 10.0.0.50 */
    assert_non_null(res.host);
    alloc4_result_free(&res);
    int st;
    assert_int_equal(request(f, a, 0x0a000032, REQ_SELECTING, &st), 0x0a000032);
    /* renewing keeps it */
    assert_int_equal(request(f, a, 0x0a000032, REQ_RENEWING, &st), 0x0a000032);
    /* asking for another address while holding a reservation: NAK */
    request(f, a, 0x0a00000a, REQ_SELECTING, &st);
    assert_int_equal(st, ALLOC4_NAK);
}

static void test_request_conflicts(void **state)
{
    fixture_t *f = *state;
    uint8_t a[6] = {2, 0, 0, 0, 2, 1}, b[6] = {2, 0, 0, 0, 2, 2};
    int st;
    assert_int_equal(request(f, a, 0x0a00000a, REQ_SELECTING, &st), 0x0a00000a);
    /* another client may not take it */
    request(f, b, 0x0a00000a, REQ_SELECTING, &st);
    assert_int_equal(st, ALLOC4_NAK);
    /* nor renew it */
    request(f, b, 0x0a00000a, REQ_RENEWING, &st);
    assert_int_equal(st, ALLOC4_NAK);
    /* INIT-REBOOT without a known lease, not authoritative: silence (Kea), whatever it asks */
    request(f, b, 0x0b000001, REQ_INIT_REBOOT, &st);
    assert_int_equal(st, ALLOC4_SILENT);
    request(f, b, 0x0a00000c, REQ_INIT_REBOOT, &st);
    assert_int_equal(st, ALLOC4_SILENT);
    /* INIT-REBOOT of a known client into another network: NAK */
    request(f, a, 0x0b000001, REQ_INIT_REBOOT, &st);
    assert_int_equal(st, ALLOC4_NAK);
    /* outside the pools, or outside the subnet: no reply (Kea), not a NAK */
    request(f, b, 0x0a000064, REQ_SELECTING, &st);
    assert_int_equal(st, ALLOC4_UNKNOWN_ADDR);
    request(f, b, 0x0b000001, REQ_SELECTING, &st);
    assert_int_equal(st, ALLOC4_UNKNOWN_ADDR);
    /* reserved for someone else */
    request(f, b, 0x0a00000b, REQ_SELECTING, &st);
    assert_int_equal(st, ALLOC4_NAK);
}

static void test_release_decline_reclaim(void **state)
{
    fixture_t *f = *state;
    uint8_t a[6] = {2, 0, 0, 0, 3, 1}, b[6] = {2, 0, 0, 0, 3, 2};
    int st;
    assert_int_equal(request(f, a, 0x0a00000a, REQ_SELECTING, &st), 0x0a00000a);
    alloc4_req_t rb = req_for(f, b);
    assert_int_equal(alloc4_release(f->alloc, &rb, 0x0a00000a), ALLOC4_SILENT); /* not b's */
    alloc4_req_t ra = req_for(f, a);
    assert_int_equal(alloc4_decline(f->alloc, &ra, 0x0a00000a, 50), ALLOC4_OK);
    lease_t l;
    assert_int_equal(lease_store_get4(f->store, 0x0a00000a, &l), 0);
    assert_int_equal(l.state, LEASE_STATE_DECLINED);
    assert_int_equal(l.hwaddr_len, 0);
    lease_free(&l);
    /* in probation: not offered */
    alloc4_result_t res;
    assert_int_equal(alloc4_offer(f->alloc, &rb, &res), ALLOC4_OK);
    assert_int_not_equal(res.lease.addr.v4, 0x0a00000a);
    alloc4_result_free(&res);
    /* after probation, reclamation frees it */
    assert_int_equal(alloc4_reclaim(f->alloc, 1000000 + 51, 0, 0, true), 1);
    assert_int_not_equal(lease_store_get4(f->store, 0x0a00000a, &l), 0);
    assert_int_equal(request(f, b, 0x0a00000a, REQ_SELECTING, &st), 0x0a00000a);
    assert_int_equal(alloc4_release(f->alloc, &rb, 0x0a00000a), ALLOC4_OK);
}

static void test_expired_lease_of_other_client_is_reused(void **state)
{
    fixture_t *f = *state;
    uint8_t a[6] = {2, 0, 0, 0, 4, 1}, b[6] = {2, 0, 0, 0, 4, 2};
    int st;
    assert_int_equal(request(f, a, 0x0a00000a, REQ_SELECTING, &st), 0x0a00000a);
    alloc4_req_t r = req_for(f, b);
    r.now += 101; /* a's lease (100 s) has expired */
    r.hint = 0x0a00000a;
    alloc4_result_t res;
    assert_int_equal(alloc4_request(f->alloc, &r, REQ_SELECTING, NULL, NULL, &res), ALLOC4_OK);
    assert_int_equal(res.lease.addr.v4, 0x0a00000a);
    assert_memory_equal(res.lease.hwaddr, b, 6);
    alloc4_result_free(&res);
}

static int setup_random(void **state)
{
    return setup_text(state, "{\"Dhcp4\": {\"valid-lifetime\": 100, \"subnet4\": [{\"id\": 1, \"subnet\": \"10.0.0.0/16\",\n"
                             " \"allocator\": \"random\", \"pools\": [{\"pool\": \"10.0.1.0 - 10.0.1.199\"}]}]}}");
}

static void test_random_allocator_spreads_and_fills_the_pool(void **state)
{
    fixture_t *f = *state;
    uint8_t mac[6] = {2, 0, 0, 0, 0, 0};
    uint32_t seen_low = 0, seen_high = 0, prev = 0, sequential = 0;
    int st;
    for (int i = 0; i < 200; i++) {
        mac[4] = (uint8_t)(i >> 8);
        mac[5] = (uint8_t)i;
        alloc4_req_t r = req_for(f, mac);
        alloc4_result_t res;
        assert_int_equal(alloc4_offer(f->alloc, &r, &res), ALLOC4_OK);
        uint32_t a = res.lease.addr.v4;
        alloc4_result_free(&res);
        assert_true(a >= 0x0a000100 && a <= 0x0a0001c7);
        seen_low += a < 0x0a000164;
        seen_high += a >= 0x0a000164;
        sequential += a == prev + 1;
        prev = a;
        assert_int_equal(request(f, mac, a, REQ_SELECTING, &st), a);
    }
    /* every address used exactly once (the store refuses duplicates), spread over the pool */
    assert_true(seen_low > 20 && seen_high > 20);
    assert_true(sequential < 150);
    mac[5] = 250;
    mac[4] = 1;
    alloc4_req_t r = req_for(f, mac);
    alloc4_result_t res;
    assert_int_equal(alloc4_offer(f->alloc, &r, &res), ALLOC4_NO_ADDRESS);
    alloc4_result_free(&res);
}

/* ---- store lookups per DISCOVER with a full first pool ---- */

/* The store's get(), counted: the memfile store's own table with get() wrapped. */
static lease_store_ops_t counting_ops;
static const lease_store_ops_t *real_ops;
static int gets;

/* A store lookup that waits (up to 2 s) while `stalled` is this thread, until another thread
 * sets `released`: a slow database answer. */
static pthread_mutex_t stall_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stall_cv = PTHREAD_COND_INITIALIZER;
static pthread_t stalled;
static bool stalling, released, stall_timed_out;

static void stall_if_asked(void)
{
    pthread_mutex_lock(&stall_mu);
    if (stalling && pthread_equal(stalled, pthread_self())) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 2;
        while (!released && !stall_timed_out)
            stall_timed_out = pthread_cond_timedwait(&stall_cv, &stall_mu, &until) != 0;
        stalling = false;
    }
    pthread_mutex_unlock(&stall_mu);
}

static int counting_get(lease_store_t *s, const lease_key_t *k, lease_t *out)
{
    gets++;
    stall_if_asked();
    return real_ops->get(s, k, out);
}

static void count_gets(lease_store_t *s)
{
    real_ops = s->ops;
    counting_ops = *s->ops;
    counting_ops.get = counting_get;
    s->ops = &counting_ops;
}

static const char *two_pools_text =
    "{\"Dhcp4\": {\"valid-lifetime\": 100,\n"
    " \"subnet4\": [{\"id\": 1, \"subnet\": \"10.0.0.0/16\",\n"
    "   \"pools\": [{\"pool\": \"10.0.0.10 - 10.0.0.209\"}, {\"pool\": \"10.0.1.10 - 10.0.1.250\"}]}]}}";

static int setup_two_pools(void **state)
{
    setup_text(state, two_pools_text);
    count_gets(((fixture_t *)*state)->store);
    return 0;
}

/* Fills 10.0.0.10-209 with leases of other clients expiring at `expire`. */
static void fill_first_pool(fixture_t *f, int64_t expire)
{
    for (uint32_t a = 0x0a00000a; a <= 0x0a0000d1; a++) {
        lease_t l;
        lease_init(&l, LEASE_V4);
        l.addr.v4 = a;
        l.subnet_id = 1;
        l.hwaddr_len = 6;
        memcpy(l.hwaddr, (uint8_t[]){4, 0, 0, 0, (uint8_t)(a >> 8), (uint8_t)a}, 6);
        l.valid_lft = 100;
        l.cltt = expire - 100;
        assert_int_equal(lease_store_add(f->store, &l, NULL, NULL), 0);
    }
}

static uint32_t offer(fixture_t *f, const uint8_t *mac, int64_t now)
{
    alloc4_req_t r = req_for(f, mac);
    r.now = now;
    alloc4_result_t res;
    assert_int_equal(alloc4_offer(f->alloc, &r, &res), ALLOC4_OK);
    uint32_t got = res.lease.addr.v4;
    alloc4_result_free(&res);
    return got;
}

static void test_full_pool_is_not_rescanned(void **state)
{
    fixture_t *f = *state;
    fill_first_pool(f, 1000000 + 500);
    uint8_t mac[6] = {2, 0, 0, 0, 9, 0};
    gets = 0;
    assert_int_equal(offer(f, mac, 1000000) >> 8, 0x0a0001); /* the second pool */
    assert_true(gets >= 200);                                /* the first DISCOVER finds pool 0 full */
    for (int i = 1; i <= 20; i++) {
        mac[5] = (uint8_t)i;
        gets = 0;
        assert_int_equal(offer(f, mac, 1000000) >> 8, 0x0a0001);
        assert_true(gets <= 3); /* client lookup aside: the candidate, not the full pool */
    }
    /* an address freed by the engine is found again at once */
    alloc4_lease_freed(f->alloc, 1, 0x0a000064);
    lease_t l;
    assert_int_equal(lease_store_get4(f->store, 0x0a000064, &l), 0);
    assert_int_equal(lease_store_del(f->store, &l, NULL, NULL), 0);
    lease_free(&l);
    mac[5] = 99;
    assert_int_equal(offer(f, mac, 1000000), 0x0a000064);
    /* once the leases that filled it expire, the pool is asked again */
    mac[5] = 100;
    assert_int_equal(offer(f, mac, 1000000 + 500) >> 8, 0x0a0000);
}

typedef struct offer_thread {
    fixture_t *f;
    uint32_t got;
} offer_thread_t;

static void *offer_stalled(void *arg)
{
    offer_thread_t *t = arg;
    uint8_t mac[6] = {2, 0, 0, 0, 11, 1};
    t->got = offer(t->f, mac, 1000000);
    return NULL;
}

/* A picker waiting for the store does not hold up the others. */
static void test_slow_lookup_does_not_block_other_pickers(void **state)
{
    fixture_t *f = *state;
    count_gets(f->store);
    offer_thread_t t = {f, 0};
    pthread_t th;
    pthread_mutex_lock(&stall_mu);
    stalling = true, released = false, stall_timed_out = false;
    pthread_create(&th, NULL, offer_stalled, &t);
    stalled = th;
    pthread_mutex_unlock(&stall_mu);
    for (int i = 0; i < 200; i++) { /* until the thread waits in its lookup */
        struct timespec ms = {0, 5000000};
        nanosleep(&ms, NULL);
        if (gets)
            break;
    }
    uint8_t mac[6] = {2, 0, 0, 0, 11, 2};
    uint32_t mine = offer(f, mac, 1000000);
    pthread_mutex_lock(&stall_mu);
    released = true;
    pthread_cond_broadcast(&stall_cv);
    bool timed_out = stall_timed_out;
    pthread_mutex_unlock(&stall_mu);
    pthread_join(th, NULL);
    assert_false(timed_out); /* this thread's offer was made while the other one waited */
    assert_int_not_equal(mine, 0);
    assert_int_not_equal(t.got, 0);
}

/* Cursors carry over to the engine of the next configuration: the next client gets the next
 * address, not the first of the pool again. */
static void test_cursors_survive_a_reload(void **state)
{
    fixture_t *f = *state;
    uint8_t mac[6] = {2, 0, 0, 0, 10, 0};
    assert_int_equal(offer(f, mac, 1000000), 0x0a00000a);
    mac[5] = 1;
    assert_int_equal(offer(f, mac, 1000000), 0x0a00000b);
    alloc4_t *next = alloc4_new(f->cfg, f->hosts, f->store);
    alloc4_inherit(next, f->alloc);
    alloc4_free(f->alloc);
    f->alloc = next;
    mac[5] = 2;
    assert_int_equal(offer(f, mac, 1000000), 0x0a00000c);
}

/* ---- the leases-changed listener ---- */

typedef struct heard {
    int n;
    enum lease_change_cause cause[8];
    uint32_t old_addr[8], new_addr[8]; /* 0: none */
    uint32_t new_state[8];
    void *write_arg[8];
} heard_t;

static void listen_changes(void *arg, const lease_change_t *c, void *write_arg)
{
    heard_t *h = arg;
    assert_true(h->n < 8);
    h->cause[h->n] = c->cause;
    h->old_addr[h->n] = c->old_lease ? c->old_lease->addr.v4 : 0;
    h->new_addr[h->n] = c->new_lease ? c->new_lease->addr.v4 : 0;
    h->new_state[h->n] = c->new_lease ? c->new_lease->state : 0;
    h->write_arg[h->n] = write_arg;
    h->n++;
}

static int refuse_in_callback(lease_store_t *s, const lease_t *l, lease_commit_cb cb, void *arg)
{
    if (cb)
        cb(arg, NST_EIO); /* taken, then failed: as a database that lost the write */
    return 0;
}

static void test_changes_are_heard_once_stored(void **state)
{
    fixture_t *f = *state;
    heard_t h = {0};
    alloc4_set_change_listener(f->alloc, listen_changes, &h);
    uint8_t a[6] = {2, 0, 0, 0, 12, 1};
    int st;
    alloc4_req_t r = req_for(f, a);
    r.hint = 0x0a00000a;
    alloc4_result_t res;
    int marker;
    assert_int_equal(alloc4_request(f->alloc, &r, REQ_SELECTING, on_commit, &marker, &res), ALLOC4_OK);
    alloc4_result_free(&res);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.cause[0], LEASE_CHANGE_ALLOC);
    assert_int_equal(h.old_addr[0], 0);
    assert_int_equal(h.new_addr[0], 0x0a00000a);
    assert_ptr_equal(h.write_arg[0], &marker); /* the request's own callback argument (its reply) */
    assert_int_equal(request(f, a, 0x0a00000a, REQ_RENEWING, &st), 0x0a00000a); /* renewal */
    assert_int_equal(h.n, 2);
    assert_int_equal(h.old_addr[1], 0x0a00000a);
    assert_int_equal(h.new_addr[1], 0x0a00000a);
    alloc4_req_t ra = req_for(f, a);
    assert_int_equal(alloc4_decline(f->alloc, &ra, 0x0a00000a, 50), ALLOC4_OK);
    assert_int_equal(h.cause[2], LEASE_CHANGE_DECLINE);
    assert_int_equal(h.new_state[2], LEASE_STATE_DECLINED);
    assert_int_equal(alloc4_reclaim(f->alloc, 1000000 + 51, 0, 0, true), 1);
    assert_int_equal(h.cause[3], LEASE_CHANGE_EXPIRY);
    assert_int_equal(h.old_addr[3], 0x0a00000a);
    assert_int_equal(h.new_addr[3], 0); /* removed */
    assert_int_equal(request(f, a, 0x0a00000c, REQ_SELECTING, &st), 0x0a00000c);
    assert_int_equal(alloc4_release(f->alloc, &ra, 0x0a00000c), ALLOC4_OK);
    assert_int_equal(h.cause[5], LEASE_CHANGE_RELEASE);
    assert_int_equal(h.old_addr[5], 0x0a00000c);
    assert_int_equal(h.new_addr[5], 0);
    /* a write the store takes and then fails is not heard, and its statistics are taken back */
    int before = h.n;
    stat_t *assigned = stats_declare("subnet[1].assigned-addresses");
    int64_t count = stat_value(assigned);
    count_gets(f->store);
    counting_ops.add = refuse_in_callback;
    uint8_t b[6] = {2, 0, 0, 0, 12, 2};
    commits = 0;
    request(f, b, 0x0a00000c, REQ_SELECTING, &st);
    assert_int_equal(h.n, before);
    assert_int_equal(stat_value(assigned), count);
    assert_int_equal(commits, 0);
}

static void test_timers_and_lifetimes(void **state)
{
    cfg_subnet4_t s = {0};
    s.life = (cfg_lifetimes_t){.valid = 1000, .valid_min = 500, .valid_max = 2000, .t1_percent = 0.5, .t2_percent = 0.875};
    assert_int_equal(alloc4_valid_lft(&s, 0), 1000);
    assert_int_equal(alloc4_valid_lft(&s, 100), 500);
    assert_int_equal(alloc4_valid_lft(&s, 1500), 1500);
    assert_int_equal(alloc4_valid_lft(&s, 5000), 2000);
    uint32_t t1 = 0, t2 = 0;
    bool s1, s2;
    alloc4_timers(&s, 1000, &t1, &s1, &t2, &s2);
    assert_false(s1);
    assert_false(s2);
    s.life.calculate_tee_times = true;
    alloc4_timers(&s, 1000, &t1, &s1, &t2, &s2);
    assert_true(s1 && s2);
    assert_int_equal(t1, 500);
    assert_int_equal(t2, 875);
    s.life.has_renew = true;
    s.life.renew = 2000; /* not below the lifetime: not sent */
    alloc4_timers(&s, 1000, &t1, &s1, &t2, &s2);
    assert_false(s1);
    /* Kea: T2 equal to the lifetime is not sent; T1 then only needs to be below the lifetime */
    s.life.has_renew = false;
    s.life.t2_percent = 1.0;
    s.life.t1_percent = 0.6;
    alloc4_timers(&s, 1000, &t1, &s1, &t2, &s2);
    assert_false(s2);
    assert_true(s1);
    assert_int_equal(t1, 600);
    /* a configured timer of 0 is not sent */
    s.life.has_rebind = true;
    s.life.rebind = 0;
    alloc4_timers(&s, 1000, &t1, &s1, &t2, &s2);
    assert_false(s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_iterative_allocation_and_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reservation_wins_and_existing_lease_is_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_decline_reclaim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_lease_of_other_client_is_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_allocator_spreads_and_fills_the_pool, setup_random, teardown),
        cmocka_unit_test_setup_teardown(test_full_pool_is_not_rescanned, setup_two_pools, teardown),
        cmocka_unit_test_setup_teardown(test_cursors_survive_a_reload, setup_two_pools, teardown),
        cmocka_unit_test_setup_teardown(test_slow_lookup_does_not_block_other_pickers, setup_random, teardown),
        cmocka_unit_test_setup_teardown(test_changes_are_heard_once_stored, setup, teardown),
        cmocka_unit_test(test_timers_and_lifetimes),
    };
    return cmocka_run_group_tests_name("alloc4", tests, NULL, NULL);
}
