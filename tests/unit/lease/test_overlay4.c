/* overlay4's reads that do not wait for the queue: expired leases, counts, queued addresses. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lease/overlay4.h"
#include "test_lease.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Queues a write of l (lease with subnet and state) in o. */
static void put(overlay4_t *o, enum overlay4_op op, const lease_t *l, const lease_t *old, overlay4_delta_t *d)
{
    bool cond;
    int64_t exp;
    assert_int_equal(overlay4_begin(o, op, l, old, &cond, &exp, d), 0);
}

static void mk(lease_t *l, uint32_t addr, uint32_t subnet, uint32_t state, int64_t cltt)
{
    tl_lease(l, addr, (uint8_t)addr, cltt);
    l->subnet_id = subnet;
    l->state = state;
    l->valid_lft = 100;
}

/* A fake lease4_stat: subnet 1: 5 assigned, 1 declined; subnet 3: 2 assigned. The write
 * settle_during_first settles while the first query runs (its batch committed meanwhile). */
static struct {
    int calls;
    overlay4_t *o;
    overlay4_delta_t *settle_during_first;
} fake;

static int fake_counts(void *ctx, lease_subnet_counts_t **out, size_t *n)
{
    (void)ctx;
    if (fake.calls++ == 0 && fake.settle_during_first) {
        pthread_mutex_lock(&lock);
        overlay4_settle(fake.o, fake.settle_during_first);
        pthread_mutex_unlock(&lock);
    }
    lease_subnet_counts_t *c = xcalloc(2, sizeof *c);
    c[0] = (lease_subnet_counts_t){.subnet_id = 1, .assigned = 5, .declined = 1};
    c[1] = (lease_subnet_counts_t){.subnet_id = 3, .assigned = 2};
    *out = c;
    *n = 2;
    return 0;
}

/* Database rows of get4_expired(now = 1000) meet queued writes: a renewed lease leaves, a
 * reclaimed one leaves, a queued expired lease joins, untouched rows stay; by expiry, max kept. */
static void test_expired_merge(void **state)
{
    (void)state;
    overlay4_t o;
    overlay4_init(&o, &lock);
    overlay4_delta_t d;
    lease_list_t none = {0};
    overlay4_expired(&o, LEASE_V4, &none, 1000, 0); /* nothing anywhere */
    assert_int_equal(none.count, 0);
    lease_subnet_counts_t *c;
    size_t n;
    fake.calls = 0;
    fake.settle_during_first = NULL;
    assert_int_equal(overlay4_counts(&o, LEASE_V4, fake_counts, NULL, &c, &n), 0); /* nothing pending */
    assert_int_equal(n, 2);
    free(c);
    lease_t renewed, reclaimed, fresh, untouched, again, db_renewed, db_reclaimed;
    mk(&db_renewed, 0x0a000001, 1, 0, 500);      /* expired at 600 in the database */
    mk(&renewed, 0x0a000001, 1, 0, 990);         /* renewed: expires at 1090 */
    mk(&db_reclaimed, 0x0a000002, 1, 0, 400);
    mk(&reclaimed, 0x0a000002, 1, LEASE_STATE_RECLAIMED, 400);
    mk(&fresh, 0x0a000003, 1, 0, 300);           /* queued, expired at 400 */
    mk(&untouched, 0x0a000004, 1, 1, 700);       /* declined, expired at 800 */
    mk(&again, 0x0a000005, 1, 0, 100);           /* expired at 200 */
    put(&o, OVERLAY4_UPDATE, &renewed, &db_renewed, &d);
    put(&o, OVERLAY4_UPDATE, &reclaimed, &db_reclaimed, &d);
    put(&o, OVERLAY4_ADD, &fresh, NULL, &d);
    lease_list_t list = {0};
    lease_list_push(&list, &db_reclaimed);
    lease_list_push(&list, &db_renewed);
    lease_list_push(&list, &untouched);
    lease_list_push(&list, &again);
    overlay4_expired(&o, LEASE_V4, &list, 1000, 0);
    assert_int_equal(list.count, 3);
    assert_int_equal(list.items[0].addr.v4, 0x0a000005);
    assert_int_equal(list.items[1].addr.v4, 0x0a000003);
    assert_int_equal(list.items[2].addr.v4, 0x0a000004);
    overlay4_expired(&o, LEASE_V4, &list, 1000, 2);
    assert_int_equal(list.count, 2);
    lease_list_free(&list);
    char *q = overlay4_queued_list(&o, LEASE_V4, "{", "}");
    assert_string_equal(q, "{167772163,167772162,167772161}"); /* newest first */
    free(q);
    q = overlay4_queued_list(&o, LEASE_V4, "", "");
    assert_non_null(strstr(q, "167772161"));
    free(q);
    lease_t *all[] = {&renewed, &reclaimed, &fresh, &untouched, &again, &db_renewed, &db_reclaimed};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        lease_free(all[i]);
    overlay4_fini(&o);
}

static void expect(const lease_subnet_counts_t *c, uint32_t subnet, uint64_t assigned, uint64_t declined)
{
    assert_int_equal(c->subnet_id, subnet);
    assert_int_equal(c->assigned, assigned);
    assert_int_equal(c->declined, declined);
}

/* The recount adds what queued writes will change and forgets them once settled; a write settled
 * while the query ran makes it ask again. */
static void test_counts_with_queued_writes(void **state)
{
    (void)state;
    overlay4_t o;
    overlay4_init(&o, &lock);
    overlay4_delta_t d_add, d_decline, d_del, d_reclaim;
    lease_t add, before, declined, gone, exp, reclaimed;
    mk(&add, 0x0a000010, 2, 0, 1000);
    mk(&before, 0x0a000011, 1, 0, 1000);
    mk(&declined, 0x0a000011, 1, LEASE_STATE_DECLINED, 1000);
    mk(&gone, 0x0a000012, 3, 0, 1000);
    mk(&exp, 0x0a000013, 1, 0, 10);
    mk(&reclaimed, 0x0a000013, 1, LEASE_STATE_RECLAIMED, 10);
    put(&o, OVERLAY4_ADD, &add, NULL, &d_add);                   /* subnet 2: +1 */
    put(&o, OVERLAY4_UPDATE, &declined, &before, &d_decline);     /* subnet 1: assigned -1, declined +1 */
    put(&o, OVERLAY4_DEL, &gone, NULL, &d_del);                   /* subnet 3: -1 */
    put(&o, OVERLAY4_ADD, &exp, NULL, &d_reclaim);                /* subnet 1: +1, then reclaimed: -1 */
    put(&o, OVERLAY4_UPDATE, &reclaimed, &exp, &d_reclaim);
    fake.o = &o;
    fake.calls = 0;
    fake.settle_during_first = NULL;
    lease_subnet_counts_t *c;
    size_t n;
    assert_int_equal(overlay4_counts(&o, LEASE_V4, fake_counts, NULL, &c, &n), 0);
    assert_int_equal(fake.calls, 1);
    assert_int_equal(n, 3);
    expect(&c[0], 1, 4, 2);
    expect(&c[1], 2, 1, 0);
    expect(&c[2], 3, 1, 0);
    free(c);
    /* the add of subnet 2 settles during the first query: asked twice, then without it */
    fake.calls = 0;
    fake.settle_during_first = &d_add;
    assert_int_equal(overlay4_counts(&o, LEASE_V4, fake_counts, NULL, &c, &n), 0);
    assert_int_equal(fake.calls, 2);
    assert_int_equal(n, 2);
    expect(&c[0], 1, 4, 2);
    expect(&c[1], 3, 1, 0);
    free(c);
    pthread_mutex_lock(&lock);
    overlay4_settle(&o, &d_decline);
    overlay4_settle(&o, &d_del);
    pthread_mutex_unlock(&lock);
    fake.calls = 0;
    fake.settle_during_first = NULL;
    assert_int_equal(overlay4_counts(&o, LEASE_V4, fake_counts, NULL, &c, &n), 0);
    expect(&c[0], 1, 5, 1);       /* the reclaimed lease's add and update cancel out */
    expect(&c[1], 3, 2, 0);
    free(c);
    lease_t *all[] = {&add, &before, &declined, &gone, &exp, &reclaimed};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        lease_free(all[i]);
    overlay4_fini(&o);
}

static int no_counts(void *ctx, lease_subnet_counts_t **out, size_t *n)
{
    (void)ctx;
    *out = NULL;
    *n = 0;
    return 0;
}

/* One overlay holds both families: a v6 lease whose first address bytes equal a v4 address's
 * is its own entry, answers by its key (type included), counts per family, subnet and type, and
 * lists its address as text. */
static void test_v6_beside_v4(void **state)
{
    (void)state;
    overlay4_t o;
    overlay4_init(&o, &lock);
    overlay4_delta_t d4, d6, dpd;
    lease_t v4, na, pd, got;
    mk(&v4, 0x20010db8, 1, LEASE_STATE_DEFAULT, 500);
    lease_init(&na, LEASE_V6);
    inet_pton(AF_INET6, "2001:db8::1", &na.addr.v6);
    na.subnet_id = 1;
    na.valid_lft = 100;
    na.cltt = 500;
    lease_dup(&pd, &na);
    inet_pton(AF_INET6, "2001:db8:8000::", &pd.addr.v6);
    pd.type = LEASE6_PD;
    pd.prefix_len = 56;
    pthread_mutex_lock(&lock);
    put(&o, OVERLAY4_ADD, &v4, NULL, &d4);
    put(&o, OVERLAY4_ADD, &na, NULL, &d6);
    put(&o, OVERLAY4_ADD, &pd, NULL, &dpd);
    pthread_mutex_unlock(&lock);
    lease_key_t k = lease_key_of(&na);
    assert_int_equal(overlay4_addr(&o, &k, &got), 1);
    assert_int_equal(got.family, LEASE_V6);
    lease_free(&got);
    k.type = LEASE6_TA;
    assert_int_equal(overlay4_addr(&o, &k, &got), 0); /* another type: not known here */
    k = lease_key_of(&v4);
    assert_int_equal(overlay4_addr(&o, &k, &got), 1);
    assert_int_equal(got.family, LEASE_V4);
    lease_free(&got);

    lease_subnet_counts_t *c;
    size_t n;
    assert_int_equal(overlay4_counts(&o, LEASE_V6, no_counts, NULL, &c, &n), 0);
    assert_int_equal(n, 2);
    assert_true(c[0].subnet_id == 1 && c[0].type == LEASE6_NA && c[0].assigned == 1);
    assert_true(c[1].subnet_id == 1 && c[1].type == LEASE6_PD && c[1].assigned == 1);
    free(c);
    assert_int_equal(overlay4_counts(&o, LEASE_V4, no_counts, NULL, &c, &n), 0);
    assert_true(n == 1 && c[0].type == 0 && c[0].assigned == 1);
    free(c);

    char *q = overlay4_queued_list(&o, LEASE_V6, "{", "}");
    assert_true(!strcmp(q, "{2001:db8:8000::,2001:db8::1}") || !strcmp(q, "{2001:db8::1,2001:db8:8000::}"));
    free(q);
    q = overlay4_queued_list(&o, LEASE_V4, "", "");
    assert_string_equal(q, "536939960");
    free(q);
    lease_list_t exp = {0};
    overlay4_expired(&o, LEASE_V6, &exp, 1000, 0);
    assert_int_equal(exp.count, 2);
    assert_int_equal(exp.items[0].family, LEASE_V6);
    lease_list_free(&exp);
    lease_t *all[] = {&v4, &na, &pd};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        lease_free(all[i]);
    overlay4_fini(&o);
}

static void end(overlay4_t *o, const lease_t *l)
{
    lease_key_t k = lease_key_of(l);
    overlay4_end(o, &k, false);
}

/* A client lookup that read the database before a write committed learns that an entry touching
 * its client ended since its mark (the write is in neither the read nor the overlay), by its
 * lease after the writes, by the row before them (a delete), or for any client (an update whose
 * old row is unknown); an entry of another client does not disturb it. */
static void test_client_since(void **state)
{
    (void)state;
    overlay4_t o;
    overlay4_init(&o, &lock);
    overlay4_delta_t d;
    lease_t a, b;
    mk(&a, 0x0a000001, 1, LEASE_STATE_DEFAULT, 100);
    mk(&b, 0x0a000002, 1, LEASE_STATE_DEFAULT, 100);
    overlay4_key_t ka = {a.hwaddr, 6, 1, true}, kb = {b.hwaddr, 6, 1, true};
    overlay4_key_t kas[2] = {{NULL, 0, 1, false}, ka};

    uint64_t m = overlay4_client_mark(&o);
    put(&o, OVERLAY4_ADD, &a, NULL, &d);
    assert_false(overlay4_client_since(&o, kas, 2, m)); /* queued: the merge still sees it */
    end(&o, &a);
    assert_true(overlay4_client_since(&o, kas, 2, m));
    assert_false(overlay4_client_since(&o, &kb, 1, m));
    assert_false(overlay4_client_since(&o, kas, 2, overlay4_client_mark(&o)));

    m = overlay4_client_mark(&o);
    put(&o, OVERLAY4_DEL, &b, NULL, &d); /* the row the lookup read was b's */
    end(&o, &b);
    assert_true(overlay4_client_since(&o, &kb, 1, m));
    assert_false(overlay4_client_since(&o, &ka, 1, m));

    m = overlay4_client_mark(&o);
    put(&o, OVERLAY4_UPDATE, &a, NULL, &d);
    end(&o, &a);
    assert_true(overlay4_client_since(&o, &kb, 1, m));
    lease_free(&a);
    lease_free(&b);
    overlay4_fini(&o);
}

int test_overlay4_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expired_merge),
        cmocka_unit_test(test_counts_with_queued_writes),
        cmocka_unit_test(test_v6_beside_v4),
        cmocka_unit_test(test_client_since),
    };
    return cmocka_run_group_tests_name("overlay4", tests, NULL, NULL);
}
