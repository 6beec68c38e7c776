/* The lease-store conformance suite (conformance.h), and its memfile targets: v4 and v6, plain
 * and durable. */
#include "conformance.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "test_lease.h"

/* ---- the leases of a case ---- */

static enum lease6_type type_of(unsigned i)
{
    return i % 5 == 0 ? LEASE6_PD : i % 7 == 0 ? LEASE6_TA : LEASE6_NA;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void conf_lease(enum lease_family fam, unsigned i, lease_t *l)
{
    uint8_t id[10] = {0, 3, 0, 1, 2, 0, 0, 0};
    char host[32];
    lease_init(l, fam);
    if (fam == LEASE_V4) {
        l->addr.v4 = 0x0a010000u + i + 1;
        id[0] = 1;
        put16(id + 1, i);
        lease_set_client_id(l, id, 3);
    } else {
        static const char *const base[] = {"2001:db8:1::", "2001:db8:2::", "2001:db8:8000::"};
        l->type = (uint8_t)type_of(i);
        inet_pton(AF_INET6, base[l->type], &l->addr.v6);
        put16(l->addr.v6.s6_addr + (l->type == LEASE6_PD ? 6 : 14), i + 1);
        l->prefix_len = l->type == LEASE6_PD ? 64 : 128;
        put16(id + 8, i / 4); /* a DUID has two IAs of two leases */
        lease_set_client_id(l, id, sizeof id);
        l->iaid = i / 2;
        l->pref_lft = 1800;
        l->hwtype = 1;
        l->hwaddr_source = 2;
    }
    l->hwaddr_len = 6;
    memcpy(l->hwaddr, "\x02\x00\x00\x00", 4);
    put16(l->hwaddr + 4, i);
    l->subnet_id = 1 + i % 3;
    l->valid_lft = 3600;
    l->cltt = 100000 + (int64_t)i;
    l->fqdn_fwd = i % 2;
    snprintf(host, sizeof host, "host-%u.example", i);
    lease_set_hostname(l, host);
    if (i % 4 == 0) {
        char ctx[32];
        snprintf(ctx, sizeof ctx, "{ \"i\": %u }", i);
        lease_set_user_context(l, ctx);
    }
}

typedef struct commits {
    int calls, errors;
} commits_t;

static void commit_cb(void *arg, int err)
{
    commits_t *c = arg;
    __atomic_add_fetch(&c->calls, 1, __ATOMIC_SEQ_CST);
    if (err)
        __atomic_add_fetch(&c->errors, 1, __ATOMIC_SEQ_CST);
}

/* Adds conf_lease(0 .. n), changed by tweak when not NULL. */
static void add_leases(lease_store_t *s, enum lease_family fam, unsigned n,
                       void (*tweak)(lease_t *l, unsigned i))
{
    for (unsigned i = 0; i < n; i++) {
        lease_t l;
        conf_lease(fam, i, &l);
        if (tweak)
            tweak(&l, i);
        assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
        lease_free(&l);
    }
    assert_int_equal(s->ops->flush(s), 0);
}

static int by_key(const void *a, const void *b)
{
    lease_key_t ka = lease_key_of(a), kb = lease_key_of(b);
    return lease_key_cmp(&ka, &kb);
}

/* What a query must answer: the leases i < n that keep() selects (tweaked as they were
 * added), in key order. */
typedef bool (*keep_fn)(const lease_t *l, unsigned i, const void *arg);

static void expect(enum lease_family fam, unsigned n, void (*tweak)(lease_t *l, unsigned i),
                   keep_fn keep, const void *arg, lease_list_t *out)
{
    for (unsigned i = 0; i < n; i++) {
        lease_t l;
        conf_lease(fam, i, &l);
        if (tweak)
            tweak(&l, i);
        if (!keep || keep(&l, i, arg))
            lease_list_push(out, &l);
        lease_free(&l);
    }
    if (out->count > 1)
        qsort(out->items, out->count, sizeof(lease_t), by_key);
}

static void assert_lists_eq(const lease_list_t *got, const lease_list_t *want)
{
    assert_int_equal(got->count, want->count);
    for (size_t i = 0; i < got->count; i++)
        tl_assert_lease_eq(&got->items[i], &want->items[i]);
}

/* Asserts that q answers the leases keep() selects, in key order. */
static void check_query(lease_store_t *s, const lease_query_t *q, unsigned n, keep_fn keep,
                        const void *arg)
{
    lease_list_t got = {0}, want = {0};
    assert_int_equal(s->ops->list(s, q, &got), 0);
    expect(q->family, n, NULL, keep, arg, &want);
    assert_lists_eq(&got, &want);
    lease_list_free(&got);
    lease_list_free(&want);
}

static lease_key_t key_of(enum lease_family fam, unsigned i)
{
    lease_t l;
    conf_lease(fam, i, &l);
    lease_key_t k = lease_key_of(&l);
    lease_free(&l);
    return k;
}

static enum lease_family other(enum lease_family fam)
{
    return fam == LEASE_V4 ? LEASE_V6 : LEASE_V4;
}

/* ---- the cases ---- */

void conf_add_update_del(lease_store_t *s, enum lease_family fam)
{
    commits_t c = {0};
    lease_t l, got, changed, absent;
    conf_lease(fam, 1, &l);
    conf_lease(fam, 2, &absent);
    lease_key_t k = lease_key_of(&l);
    assert_int_equal(s->ops->get(s, &k, &got), NST_ENOENT);
    assert_int_equal(lease_store_add(s, &l, commit_cb, &c), 0);
    /* Adding it again is refused at once while the first add is known to the store (memfile;
     * SQL while it is queued), else by its callback (SQL, once the first committed: the
     * database refuses it); either way the first stays. */
    commits_t again = {0};
    int r2 = lease_store_add(s, &l, commit_cb, &again);
    assert_true(r2 == NST_EEXIST || r2 == 0);
    assert_int_equal(s->ops->flush(s), 0);
    assert_int_equal(again.errors, r2 == 0);
    assert_int_equal(s->ops->get(s, &k, &got), 0);
    tl_assert_lease_eq(&got, &l);

    lease_dup(&changed, &l);
    lease_set_hostname(&changed, "renamed.example");
    lease_set_user_context(&changed, "{ \"k\": [ 1, 2 ] }");
    changed.cltt += 100;
    changed.valid_lft = LEASE_INFINITE;
    assert_int_equal(lease_store_update(s, &changed, &got, commit_cb, &c), 0);
    lease_free(&got);
    assert_int_equal(s->ops->get(s, &k, &got), 0);
    tl_assert_lease_eq(&got, &changed);
    /* A write of an absent lease fails: at once (memfile), or, where writes are queued (SQL),
     * through its callback; either way nothing is stored. */
    commits_t gone = {0};
    int ru = lease_store_update(s, &absent, NULL, commit_cb, &gone);
    int rd = lease_store_del(s, &absent, commit_cb, &gone);
    assert_true(ru == NST_ENOENT || ru == 0);
    assert_true(rd == NST_ENOENT || rd == 0);
    assert_int_equal(s->ops->flush(s), 0);
    assert_int_equal(gone.calls, (ru == 0) + (rd == 0));
    assert_int_equal(gone.errors, gone.calls);
    lease_key_t ka = lease_key_of(&absent);
    lease_t none;
    assert_int_equal(s->ops->get(s, &ka, &none), NST_ENOENT);
    if (fam == LEASE_V6) {
        /* One lease an address: another type neither adds nor finds it. */
        lease_t t = changed;
        t.type = t.type == LEASE6_NA ? LEASE6_TA : LEASE6_NA;
        lease_key_t kt = lease_key_of(&t);
        commits_t dup = {0};
        int ra = lease_store_add(s, &t, commit_cb, &dup); /* refused at once, or by its callback */
        assert_true(ra == NST_EEXIST || ra == 0);
        assert_int_equal(s->ops->flush(s), 0);
        assert_int_equal(dup.errors, ra == 0);
        assert_int_equal(s->ops->get(s, &kt, &none), NST_ENOENT);
    }

    assert_int_equal(lease_store_del(s, &got, commit_cb, &c), 0);
    lease_free(&got);
    assert_int_equal(s->ops->get(s, &k, &got), NST_ENOENT);
    assert_int_equal(lease_store_del(s, &changed, NULL, NULL), NST_ENOENT);
    assert_int_equal(s->ops->flush(s), 0);
    assert_int_equal(c.calls, 3);
    assert_int_equal(c.errors, 0);
    lease_free(&l);
    lease_free(&changed);
    lease_free(&absent);
}

static bool same_id(const lease_t *l, unsigned i, const void *arg)
{
    const lease_t *ref = arg;
    (void)i;
    return l->client_id_len == ref->client_id_len &&
           memcmp(l->client_id, ref->client_id, l->client_id_len) == 0;
}

/* Of the same IA as arg (DUID, IAID), of its type and, unless arg's subnet is 0, subnet. */
static bool same_ia(const lease_t *l, unsigned i, const void *arg)
{
    const lease_t *ref = arg;
    return same_id(l, i, ref) && l->iaid == ref->iaid && l->type == ref->type &&
           (ref->subnet_id == 0 || l->subnet_id == ref->subnet_id);
}

void conf_client_lookups(lease_store_t *s, enum lease_family fam)
{
    enum { N = 24 };
    lease_t ref, out[2];
    bool found[2];
    add_leases(s, fam, N, NULL);
    if (fam == LEASE_V4) {
        /* Lease 30 takes lease 3's hardware address, later: the hardware lookup answers it, the
         * client-id lookup still lease 3. Another subnet answers neither. */
        lease_t l, l3;
        conf_lease(fam, 30, &l);
        conf_lease(fam, 3, &l3);
        memcpy(l.hwaddr, l3.hwaddr, 6);
        l.subnet_id = l3.subnet_id;
        assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
        lease_client_query_t q = {.family = LEASE_V4, .cid = l3.client_id,
                                  .cidlen = l3.client_id_len, .hw = l3.hwaddr, .hwlen = 6,
                                  .subnet_id = l3.subnet_id};
        assert_int_equal(s->ops->client(s, &q, out, found), 0);
        assert_true(found[0] && found[1]);
        tl_assert_lease_eq(&out[0], &l3);
        tl_assert_lease_eq(&out[1], &l);
        lease_free(&out[0]);
        lease_free(&out[1]);
        q.subnet_id = l3.subnet_id + 1;
        assert_int_equal(s->ops->client(s, &q, out, found), 0);
        assert_false(found[0] || found[1]);
        q = (lease_client_query_t){.family = LEASE_V4, .hw = l3.hwaddr, .hwlen = 6,
                                   .subnet_id = l3.subnet_id};
        assert_int_equal(s->ops->client(s, &q, out, found), 0);
        assert_true(!found[0] && found[1]);
        lease_free(&out[1]);
        lease_free(&l);
        lease_free(&l3);
        return;
    }
    /* v6: an IA by DUID + IAID, of a type, in a subnet or any; all of a DUID's leases. */
    lease_client_query_t cq = {.family = LEASE_V6};
    assert_int_equal(s->ops->client(s, &cq, out, found), NST_EINVAL);
    for (unsigned i = 0; i < N; i += 3) {
        conf_lease(fam, i, &ref);
        lease_query_t q = {.family = LEASE_V6, .by = LEASE_BY_DUID_IAID, .id = ref.client_id,
                           .idlen = ref.client_id_len, .iaid = ref.iaid, .type = ref.type,
                           .subnet_id = ref.subnet_id};
        check_query(s, &q, N, same_ia, &ref);
        q.subnet_id = ref.subnet_id = 0;
        check_query(s, &q, N, same_ia, &ref);
        q.type = ref.type = LEASE6_TA;
        check_query(s, &q, N, same_ia, &ref);
        q = (lease_query_t){.family = LEASE_V6, .by = LEASE_BY_CLIENT_ID, .id = ref.client_id,
                            .idlen = ref.client_id_len};
        check_query(s, &q, N, same_id, &ref);
        lease_free(&ref);
    }
}

static bool in_subnet(const lease_t *l, unsigned i, const void *arg)
{
    (void)i;
    return l->subnet_id == *(const uint32_t *)arg;
}

static bool same_hw(const lease_t *l, unsigned i, const void *arg)
{
    (void)i;
    return memcmp(l->hwaddr, arg, 6) == 0;
}

static bool number(const lease_t *l, unsigned i, const void *arg)
{
    (void)l;
    return i == *(const unsigned *)arg;
}

void conf_list_queries(lease_store_t *s, enum lease_family fam)
{
    enum { N = 60 };
    static const uint32_t two = 2;
    static const unsigned nine = 9;
    lease_t ref;
    add_leases(s, fam, N, NULL);
    lease_query_t q = {.family = (uint8_t)fam, .by = LEASE_BY_SUBNET};
    check_query(s, &q, N, NULL, NULL);
    q.subnet_id = 2;
    check_query(s, &q, N, in_subnet, &two);
    q.subnet_id = 99;
    check_query(s, &q, 0, NULL, NULL);

    conf_lease(fam, 7, &ref);
    q = (lease_query_t){.family = (uint8_t)fam, .by = LEASE_BY_HWADDR, .id = ref.hwaddr,
                        .idlen = 6};
    check_query(s, &q, N, same_hw, ref.hwaddr);
    q = (lease_query_t){.family = (uint8_t)fam, .by = LEASE_BY_CLIENT_ID, .id = ref.client_id,
                        .idlen = ref.client_id_len};
    check_query(s, &q, N, same_id, &ref);
    lease_free(&ref);

    q = (lease_query_t){.family = (uint8_t)fam, .by = LEASE_BY_HOSTNAME,
                        .hostname = "hOST-9.EXAMPLE"}; /* without case */
    check_query(s, &q, N, number, &nine);
    q.hostname = "host-99.example";
    check_query(s, &q, 0, NULL, NULL);
}

void conf_paging(lease_store_t *s, enum lease_family fam)
{
    enum { N = 3000, PAGE = 700 };
    lease_list_t all = {0}, want = {0};
    add_leases(s, fam, N, NULL);
    lease_query_t q = {.family = (uint8_t)fam, .by = LEASE_BY_PAGE, .limit = PAGE};
    for (int pages = 0;; pages++) {
        assert_true(pages <= N / PAGE + 1); /* every page moves on */
        size_t before = all.count;
        assert_int_equal(s->ops->list(s, &q, &all), 0);
        size_t got = all.count - before;
        assert_true(got <= PAGE);
        if (got == 0)
            break;
        q.after = lease_key_of(&all.items[all.count - 1]);
    }
    expect(fam, N, NULL, NULL, NULL, &want);
    assert_lists_eq(&all, &want);
    q.limit = 0;
    assert_int_equal(s->ops->list(s, &q, &all), NST_EINVAL);

    /* After a key the store does not hold: the keys that follow it. */
    lease_t gone = want.items[N / 2];
    assert_int_equal(lease_store_del(s, &gone, NULL, NULL), 0);
    lease_list_t page = {0};
    q = (lease_query_t){.family = (uint8_t)fam, .by = LEASE_BY_PAGE, .limit = 3,
                        .after = lease_key_of(&gone)};
    assert_int_equal(s->ops->list(s, &q, &page), 0);
    assert_int_equal(page.count, 3);
    for (size_t i = 0; i < 3; i++)
        tl_assert_lease_eq(&page.items[i], &want.items[N / 2 + 1 + i]);
    lease_list_free(&page);
    lease_list_free(&all);
    lease_list_free(&want);
}

/* Lease i expires at 1100 + 10 i; every fifth (from 1) is declined, every fifth (from 2)
 * reclaimed; lease 19 never expires. */
static void expiry_tweak(lease_t *l, unsigned i)
{
    l->cltt = 1000 + 10 * (int64_t)i;
    l->valid_lft = i == 19 ? LEASE_INFINITE : 100;
    l->state = i % 5 == 1 ? LEASE_STATE_DECLINED : i % 5 == 2 ? LEASE_STATE_RECLAIMED : 0;
}

void conf_expired_and_reclaimed(lease_store_t *s, enum lease_family fam)
{
    enum { N = 20 };
    lease_list_t got = {0}, want = {0};
    add_leases(s, fam, N, expiry_tweak);
    /* Due at 1190: leases 0..9 not reclaimed, oldest expiry first. */
    assert_int_equal(s->ops->expired(s, fam, 1190, 0, &got), 0);
    static const unsigned due[] = {0, 1, 3, 4, 5, 6, 8, 9};
    assert_int_equal(got.count, ARRAY_SIZE(due));
    for (size_t i = 0; i < got.count; i++) {
        lease_t l;
        conf_lease(fam, due[i], &l);
        expiry_tweak(&l, due[i]);
        tl_assert_lease_eq(&got.items[i], &l);
        lease_free(&l);
    }
    lease_list_free(&got);
    assert_int_equal(s->ops->expired(s, fam, 1190, 3, &got), 0);
    assert_int_equal(got.count, 3);
    assert_int_equal(got.items[2].cltt, 1030);
    lease_list_free(&got);
    assert_int_equal(s->ops->expired(s, fam, INT32_MAX, 0, &got), 0);
    assert_int_equal(got.count, 19 - 4); /* all but the reclaimed and the infinite one */
    lease_list_free(&got);

    /* Reclaimed leases expired more than 100 s before 1300 (before 1200): 2 and 7. */
    size_t removed = 99;
    assert_int_equal(s->ops->delete_reclaimed(s, fam, 1300, 100, &removed), 0);
    assert_int_equal(removed, 2);
    lease_query_t q = {.family = (uint8_t)fam, .by = LEASE_BY_SUBNET};
    assert_int_equal(s->ops->list(s, &q, &got), 0);
    expect(fam, N, expiry_tweak, NULL, NULL, &want);
    assert_int_equal(got.count, N - 2);
    lease_list_free(&got);
    lease_list_free(&want);
}

static bool not_in_subnet(const lease_t *l, unsigned i, const void *arg)
{
    return !in_subnet(l, i, arg);
}

void conf_wipe(lease_store_t *s, enum lease_family fam)
{
    enum { N = 30 };
    static const uint32_t two = 2;
    size_t removed = 0;
    add_leases(s, fam, N, NULL);
    assert_int_equal(s->ops->wipe(s, fam, 2, &removed), 0);
    assert_int_equal(removed, N / 3);
    lease_query_t q = {.family = (uint8_t)fam, .by = LEASE_BY_SUBNET};
    check_query(s, &q, N, not_in_subnet, &two);
    assert_int_equal(s->ops->wipe(s, fam, 0, &removed), 0);
    assert_int_equal(removed, N - N / 3);
    check_query(s, &q, 0, NULL, NULL);
}

static void state_tweak(lease_t *l, unsigned i)
{
    l->state = i % 4 == 1 ? LEASE_STATE_DECLINED : i % 4 == 2 ? LEASE_STATE_RECLAIMED : 0;
}

void conf_counts(lease_store_t *s, enum lease_family fam)
{
    enum { N = 40 };
    lease_subnet_counts_t *c = NULL;
    size_t n = 0;
    uint64_t want[4][3][2] = {{{0}}}; /* [subnet][type][assigned, declined] */
    add_leases(s, fam, N, state_tweak);
    for (unsigned i = 0; i < N; i++) {
        lease_t l;
        conf_lease(fam, i, &l);
        state_tweak(&l, i);
        if (l.state != LEASE_STATE_RECLAIMED)
            want[l.subnet_id][l.type][l.state == LEASE_STATE_DECLINED]++;
        lease_free(&l);
    }
    assert_int_equal(s->ops->counts(s, fam, &c, &n), 0);
    /* Entries of zero may be left out; the others must match. */
    for (size_t i = 0; i < n; i++) {
        assert_true(c[i].subnet_id >= 1 && c[i].subnet_id <= 3 && c[i].type <= LEASE6_PD);
        uint64_t *w = want[c[i].subnet_id][c[i].type];
        assert_int_equal(c[i].assigned, w[0]);
        assert_int_equal(c[i].declined, w[1]);
        w[0] = w[1] = 0;
    }
    for (size_t sub = 0; sub < 4; sub++)
        for (size_t t = 0; t < 3; t++)
            assert_true(want[sub][t][0] == 0 && want[sub][t][1] == 0); /* each one reported */
    free(c);
}

void conf_other_family(lease_store_t *s, enum lease_family fam)
{
    enum lease_family o = other(fam);
    lease_t l, got;
    lease_list_t list = {0};
    lease_subnet_counts_t *c = NULL;
    size_t n = 0;
    conf_lease(o, 1, &l);
    lease_key_t k = lease_key_of(&l);
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), NST_EINVAL);
    assert_int_equal(lease_store_update(s, &l, NULL, NULL, NULL), NST_EINVAL);
    assert_int_equal(lease_store_del(s, &l, NULL, NULL), NST_EINVAL);
    assert_int_equal(s->ops->get(s, &k, &got), NST_EINVAL);
    lease_query_t q = {.family = (uint8_t)o, .by = LEASE_BY_SUBNET};
    assert_int_equal(s->ops->list(s, &q, &list), NST_EINVAL);
    q = (lease_query_t){.family = (uint8_t)fam, .by = LEASE_BY_PAGE, .limit = 1, .after = k};
    assert_int_equal(s->ops->list(s, &q, &list), NST_EINVAL);
    assert_int_equal(s->ops->expired(s, o, 0, 0, &list), NST_EINVAL);
    assert_int_equal(s->ops->delete_reclaimed(s, o, 0, 0, NULL), NST_EINVAL);
    assert_int_equal(s->ops->wipe(s, o, 0, NULL), NST_EINVAL);
    assert_int_equal(s->ops->counts(s, o, &c, &n), NST_EINVAL);
    if (fam == LEASE_V4) { /* LEASE_BY_DUID_IAID is a v6 query */
        q = (lease_query_t){.family = LEASE_V4, .by = LEASE_BY_DUID_IAID, .id = l.client_id,
                            .idlen = l.client_id_len};
        assert_int_equal(s->ops->list(s, &q, &list), NST_EINVAL);
    }
    assert_int_equal(list.count, 0);
    assert_int_equal(n, 0);
    lease_free(&l);
}

/* A lease added before writes fail, then an add and an update that fail. */
static int failing_writes(lease_store_t *s, enum lease_family fam, commits_t *c)
{
    lease_t l, got, changed;
    int direct = 0;
    conf_lease(fam, 2, &l);
    conf_lease(fam, 1, &changed);
    lease_key_t k = lease_key_of(&changed);
    assert_int_equal(s->ops->get(s, &k, &got), 0);
    lease_set_hostname(&changed, "changed.example");
    direct += lease_store_add(s, &l, commit_cb, c) < 0;
    direct += lease_store_update(s, &changed, &got, commit_cb, c) < 0;
    (void)s->ops->flush(s); /* may report the error */
    lease_free(&l);
    lease_free(&got);
    lease_free(&changed);
    return direct;
}

void conf_failed_write(lease_store_t *s, const conf_target_t *t)
{
    commits_t c = {0};
    lease_t l, got;
    conf_lease(t->family, 1, &l);
    assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
    assert_int_equal(s->ops->flush(s), 0);
    if (!t->fail_writes || !t->fail_writes(s, true, t->arg)) {
        lease_free(&l);
        skip();
    }
    int direct = failing_writes(s, t->family, &c);
    t->fail_writes(s, false, t->arg);
    /* Each failed call either returned the error or told its callback. */
    assert_int_equal(direct + c.errors, 2);
    assert_int_equal(c.calls, c.errors);
    lease_key_t k = key_of(t->family, 2);
    assert_int_equal(s->ops->get(s, &k, &got), NST_ENOENT);
    k = lease_key_of(&l);
    assert_int_equal(s->ops->get(s, &k, &got), 0);
    tl_assert_lease_eq(&got, &l);
    lease_free(&got);
    lease_free(&l);
}

/* ---- the runner ---- */

typedef struct conf_state {
    const conf_target_t *t;
    lease_store_t *s;
} conf_state_t;

static int conf_setup(void **state)
{
    conf_state_t *c = calloc(1, sizeof *c);
    c->t = *state;
    c->s = c->t->open(c->t->arg);
    *state = c;
    return c->s ? 0 : -1;
}

static int conf_teardown(void **state)
{
    conf_state_t *c = *state;
    if (c->s)
        c->t->close(c->s, c->t->arg);
    free(c);
    return 0;
}

#define CONF_CASE(name)                                                                        \
    static void t_##name(void **state)                                                         \
    {                                                                                          \
        const conf_state_t *c = *state;                                                        \
        conf_##name(c->s, c->t->family);                                                       \
    }
CONF_CASE(add_update_del)
CONF_CASE(client_lookups)
CONF_CASE(list_queries)
CONF_CASE(paging)
CONF_CASE(expired_and_reclaimed)
CONF_CASE(wipe)
CONF_CASE(counts)
CONF_CASE(other_family)

static void t_failed_write(void **state)
{
    const conf_state_t *c = *state;
    conf_failed_write(c->s, c->t);
}

#define CONF_TEST(name)                                                                        \
    cmocka_unit_test_prestate_setup_teardown(t_##name, conf_setup, conf_teardown, (void *)t)

int conformance_run(const conf_target_t *t)
{
    const struct CMUnitTest tests[] = {
        CONF_TEST(add_update_del), CONF_TEST(client_lookups),
        CONF_TEST(list_queries),   CONF_TEST(paging),
        CONF_TEST(expired_and_reclaimed), CONF_TEST(wipe),
        CONF_TEST(counts),         CONF_TEST(other_family),
        CONF_TEST(failed_write),
    };
    return _cmocka_run_group_tests(t->name, tests, ARRAY_SIZE(tests), NULL, NULL);
}

/* ---- memfile targets: a store on a lease file in a fresh directory ---- */

typedef struct mf_target {
    memfile_config_t cfg;
    tl_dir_t dir;
} mf_target_t;

static lease_store_t *mf_open(void *arg)
{
    mf_target_t *mt = arg;
    tl_dir_init(&mt->dir, "leases.csv");
    mt->cfg.path = mt->dir.x;
    return tl_open(&mt->cfg);
}

static void mf_close(lease_store_t *s, void *arg)
{
    mf_target_t *mt = arg;
    /* What the store holds is what its file says. */
    assert_int_equal(s->ops->flush(s), 0);
    tl_assert_reloads(s, &mt->cfg);
    s->ops->close(s);
    tl_dir_free(&mt->dir);
}

static bool mf_fail_writes(lease_store_t *s, bool fail, void *arg)
{
    (void)arg;
    return tl_memfile_fail_writes(s, fail);
}

int test_conformance_run(void)
{
    int failed = 0;
    for (int durable = 0; durable <= 1; durable++) {
        for (int v6 = 0; v6 <= 1; v6++) {
            mf_target_t mt = {.cfg = tl_config(NULL, NULL)};
            char name[64];
            mt.cfg.family = v6 ? LEASE_V6 : LEASE_V4;
            mt.cfg.durable = durable;
            snprintf(name, sizeof name, "conformance: memfile v%d%s", v6 ? 6 : 4,
                     durable ? " durable" : "");
            conf_target_t t = {.name = name, .family = mt.cfg.family, .open = mf_open,
                               .close = mf_close, .fail_writes = mf_fail_writes, .arg = &mt};
            failed += conformance_run(&t);
        }
    }
    return failed;
}
