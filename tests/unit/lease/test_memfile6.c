/* The memfile store opened for DHCPv6: Kea's lease6 file (rows, load order, deletes), keys
 * qualified by lease type, counts per subnet and type, durable mode and its undo, LFC. The
 * operations both families share are checked by test_conformance.c. */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errcode.h"
#include "csv6_file.h"
#include "lease/csv6.h"
#include "lease/lease_json.h"
#include "lease/memfile_int.h"
#include "test_lease.h"

#define HDR6 CSV6_HEADER "\n"

static memfile_config_t config6(const char *path, tl_reports_t *r)
{
    memfile_config_t cfg = tl_config(path, r);
    cfg.family = LEASE_V6;
    return cfg;
}

/* A fresh directory d and a store on d->x with *cfg. */
static lease_store_t *open_fresh(tl_dir_t *d, memfile_config_t *cfg, bool durable)
{
    tl_dir_init(d, "l6.csv");
    *cfg = config6(d->x, NULL);
    cfg->durable = durable;
    return tl_open(cfg);
}

static lease_store_t *open_in_memory(void)
{
    memfile_config_t cfg = config6(NULL, NULL);
    cfg.persist = false;
    return tl_open(&cfg);
}

static lease_key_t key6(const char *addr, enum lease6_type type)
{
    struct in6_addr a;
    assert_int_equal(inet_pton(AF_INET6, addr, &a), 1);
    return lease_key6(type, &a);
}

static int get6(lease_store_t *s, const char *addr, enum lease6_type type, lease_t *out)
{
    lease_key_t k = key6(addr, type);
    return s->ops->get(s, &k, out);
}

/* Rows written for adds, updates and deletes, as Kea writes them, and read back. */
static void test_rows_written_and_reload(void **state)
{
    (void)state;
    tl_dir_t d;
    memfile_config_t cfg;
    lease_store_t *s = open_fresh(&d, &cfg, false);
    lease_t na, pd, got;
    tl_lease6(&na, LEASE6_NA, 0x100, 7, 1, 1796373276);
    lease_set_hostname(&na, "host,one&two.example");
    lease_set_user_context(&na, "{ \"a\": 1 }");
    na.hwaddr_len = 6;
    memcpy(na.hwaddr, "\xaa\xbb\xcc\xdd\xee\xff", 6);
    na.hwtype = 1;
    na.hwaddr_source = 2;
    na.fqdn_fwd = true;
    tl_lease6(&pd, LEASE6_PD, 1, 8, 1, 1796373276);
    assert_int_equal(lease_store_add(s, &na, NULL, NULL), 0);
    assert_int_equal(lease_store_add(s, &pd, NULL, NULL), 0);
    pd.valid_lft = LEASE_INFINITE;
    pd.pref_lft = LEASE_INFINITE;
    assert_int_equal(lease_store_update(s, &pd, NULL, NULL, NULL), 0);
    assert_int_equal(lease_store_del(s, &pd, NULL, NULL), 0);
    assert_int_equal(get6(s, "2001:db8:1::100", LEASE6_NA, &got), 0);
    tl_assert_lease_eq(&got, &na);
    lease_free(&got);
    s->ops->close(s);

    char *text = tl_read(d.x);
    assert_string_equal(
        text,
        HDR6
        "2001:db8:1::100,00:01:00:01:32:a5:37:9c:0c:01,4000,1796377276,1,3000,0,7,128,1,0,"
        "host&#x2cone&#x26two.example,aa:bb:cc:dd:ee:ff,0,{ \"a\": 1 },1,2\n"
        "2001:db8:8000:1::,00:01:00:01:32:a5:37:9c:0c:01,4000,1796377276,1,3000,2,8,64,0,0,,,0,,,\n"
        "2001:db8:8000:1::,00:01:00:01:32:a5:37:9c:0c:01,4294967295,6091340571,1,4294967295,2,8,"
        "64,0,0,,,0,,,\n"
        /* a delete: the stored lease with both lifetimes 0, as kea-dhcp6 writes it */
        "2001:db8:8000:1::,00:01:00:01:32:a5:37:9c:0c:01,0,1796373276,1,0,2,8,64,0,0,,,0,,,\n");
    free(text);

    s = tl_open(&cfg);
    assert_int_equal(get6(s, "2001:db8:1::100", LEASE6_NA, &got), 0);
    tl_assert_lease_eq(&got, &na);
    lease_free(&got);
    assert_int_equal(get6(s, "2001:db8:8000:1::", LEASE6_PD, &got), NST_ENOENT);
    memfile_stats_t st;
    memfile_get_stats(s, &st);
    assert_int_equal(st.leases, 1);
    s->ops->close(s);
    lease_free(&na);
    lease_free(&pd);
    tl_dir_free(&d);
}

/* Kea's load order (X.2, X.1, X), the last row of an address winning whatever its type, and
 * valid_lifetime 0 deleting. */
static void test_load_order(void **state)
{
    (void)state;
    tl_dir_t d;
    tl_dir_init(&d, "l6.csv");
    tl_write(d.x2, HDR6 "2001:db8::1,01:01,100,1100,1,50,0,1,128,0,0,old,,0,,,\n"
                      "2001:db8::2,01:02,100,1100,1,50,0,1,128,0,0,,,0,,,\n"
                      "2001:db8::3,01:03,100,1100,1,50,0,1,128,0,0,,,0,,,\n");
    tl_write(d.x1, HDR6 "2001:db8::1,01:01,100,1200,1,50,0,1,128,0,0,new,,0,,,\n"
                      "2001:db8::2,01:02,0,1200,1,0,0,1,128,0,0,,,0,,,\n");
    /* X: ::3 becomes a prefix lease (a row replaces the address whatever the type), in an
     * older schema (3.0: up to state) */
    tl_write(d.x, "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,"
                   "prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state\n"
                   "2001:db8::3,01:03,100,1300,2,50,2,9,126,0,0,,,1\n");
    tl_reports_t rep = {0};
    memfile_config_t cfg = config6(d.x, &rep);
    lease_store_t *s = tl_open(&cfg);
    lease_t got;
    assert_int_equal(get6(s, "2001:db8::1", LEASE6_NA, &got), 0);
    assert_string_equal(got.hostname, "new");
    assert_int_equal(got.cltt, 1100);
    lease_free(&got);
    assert_int_equal(get6(s, "2001:db8::2", LEASE6_NA, &got), NST_ENOENT);
    assert_int_equal(get6(s, "2001:db8::3", LEASE6_NA, &got), NST_ENOENT);
    assert_int_equal(get6(s, "2001:db8::3", LEASE6_PD, &got), 0);
    assert_int_equal(got.prefix_len, 126);
    assert_int_equal(got.iaid, 9);
    assert_int_equal(got.state, LEASE_STATE_DECLINED);
    assert_null(got.user_context);
    lease_free(&got);
    assert_int_equal(rep.row_errors, 0);
    assert_string_equal(rep.last_id, "DHCPSRV_MEMFILE_CONVERTING_LEASE_FILES");
    s->ops->close(s);
    tl_dir_free(&d);
}

/* The type qualifies a key; the other family is refused. */
static void test_keys_and_families(void **state)
{
    (void)state;
    lease_store_t *s = open_in_memory();
    lease_t na, got;
    tl_lease6(&na, LEASE6_NA, 1, 1, 1, 1000);
    assert_int_equal(lease_store_add(s, &na, NULL, NULL), 0);
    lease_t ta = na;
    ta.type = LEASE6_TA;
    assert_int_equal(lease_store_add(s, &ta, NULL, NULL), NST_EEXIST); /* one lease an address */
    assert_int_equal(get6(s, "2001:db8:1::1", LEASE6_TA, &got), NST_ENOENT);
    assert_int_equal(lease_store_update(s, &ta, NULL, NULL, NULL), NST_ENOENT);
    assert_int_equal(lease_store_del(s, &ta, NULL, NULL), NST_ENOENT);
    assert_int_equal(get6(s, "2001:db8:1::1", LEASE6_NA, &got), 0);
    lease_free(&got);

    /* v4 keys, leases, queries and families. */
    lease_t l4;
    tl_lease(&l4, 0x0a000001, 1, 1000);
    lease_key_t k4 = lease_key4(0x0a000001);
    assert_int_equal(s->ops->get(s, &k4, &got), NST_EINVAL);
    assert_int_equal(lease_store_add(s, &l4, NULL, NULL), NST_EINVAL);
    assert_int_equal(lease_store_update(s, &l4, NULL, NULL, NULL), NST_EINVAL);
    assert_int_equal(lease_store_del(s, &l4, NULL, NULL), NST_EINVAL);
    lease_list_t list = {0};
    lease_query_t q = {.family = LEASE_V4, .by = LEASE_BY_SUBNET};
    assert_int_equal(s->ops->list(s, &q, &list), NST_EINVAL);
    q = (lease_query_t){.family = LEASE_V6, .by = LEASE_BY_PAGE, .limit = 5, .after = k4};
    assert_int_equal(s->ops->list(s, &q, &list), NST_EINVAL);
    assert_int_equal(s->ops->expired(s, LEASE_V4, 0, 0, &list), NST_EINVAL);
    assert_int_equal(s->ops->delete_reclaimed(s, LEASE_V4, 0, 0, NULL), NST_EINVAL);
    assert_int_equal(s->ops->wipe(s, LEASE_V4, 0, NULL), NST_EINVAL);
    lease_subnet_counts_t *c = NULL;
    size_t n = 0;
    assert_int_equal(s->ops->counts(s, LEASE_V4, &c, &n), NST_EINVAL);
    lease_client_query_t cq = {.family = LEASE_V6, .cid = na.client_id, .cidlen = 10};
    lease_t out[2];
    bool found[2];
    /* v6 clients are looked up with LEASE_BY_DUID_IAID */
    assert_int_equal(s->ops->client(s, &cq, out, found), NST_EINVAL);
    assert_int_equal(list.count, 0);
    s->ops->close(s);

    /* And the v4 store refuses v6. */
    memfile_config_t cfg = tl_config(NULL, NULL);
    cfg.persist = false;
    s = tl_open(&cfg);
    lease_key_t k6 = lease_key_of(&na);
    assert_int_equal(s->ops->get(s, &k6, &got), NST_EINVAL);
    assert_int_equal(lease_store_add(s, &na, NULL, NULL), NST_EINVAL);
    q = (lease_query_t){.family = LEASE_V4, .by = LEASE_BY_DUID_IAID, .id = na.client_id,
                        .idlen = 10};
    assert_int_equal(s->ops->list(s, &q, &list), NST_EINVAL);
    assert_int_equal(s->ops->counts(s, LEASE_V6, &c, &n), NST_EINVAL);
    s->ops->close(s);
    lease_free(&na);
}

/* counts: one entry per subnet and lease type (lease_subnet_counts_t.type), as Kea's
 * lease6_stat. */
static void test_counts_by_type(void **state)
{
    (void)state;
    lease_store_t *s = open_in_memory();
    static const struct {
        enum lease6_type type;
        uint32_t subnet, state;
    } rows[] = {
        {LEASE6_NA, 1, 0}, {LEASE6_NA, 1, 0}, {LEASE6_NA, 1, 1}, {LEASE6_PD, 1, 0},
        {LEASE6_TA, 2, 0}, {LEASE6_NA, 2, 2}, {LEASE6_PD, 3, 1},
    };
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        lease_t l;
        tl_lease6(&l, rows[i].type, (uint16_t)(i + 1), 1, (uint8_t)i, 1000);
        l.subnet_id = rows[i].subnet;
        l.state = rows[i].state;
        assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
        lease_free(&l);
    }
    lease_subnet_counts_t *c = NULL;
    size_t n = 0;
    assert_int_equal(s->ops->counts(s, LEASE_V6, &c, &n), 0);
    static const lease_subnet_counts_t want[] = {
        {.subnet_id = 1, .type = LEASE6_NA, .assigned = 2, .declined = 1},
        {.subnet_id = 1, .type = LEASE6_PD, .assigned = 1},
        {.subnet_id = 2, .type = LEASE6_TA, .assigned = 1},
        {.subnet_id = 3, .type = LEASE6_PD, .declined = 1},
    };
    assert_int_equal(n, ARRAY_SIZE(want));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(c[i].subnet_id, want[i].subnet_id);
        assert_int_equal(c[i].type, want[i].type);
        assert_int_equal(c[i].assigned, want[i].assigned);
        assert_int_equal(c[i].declined, want[i].declined);
    }
    free(c);
    s->ops->close(s);
}

static void count_cb(void *arg, int err)
{
    int *counts = arg;
    __atomic_add_fetch(&counts[err ? 1 : 0], 1, __ATOMIC_SEQ_CST);
}

/* Durable mode: callbacks after the rows are synced; a batch that fails is undone by the
 * writer (an update restored, an add removed). */
static void test_durable_and_undo(void **state)
{
    (void)state;
    tl_dir_t d;
    memfile_config_t cfg;
    lease_store_t *s = open_fresh(&d, &cfg, true);
    int counts[2] = {0};
    for (uint16_t i = 0; i < 200; i++) {
        lease_t l;
        tl_lease6(&l, i % 3 == 0 ? LEASE6_PD : LEASE6_NA, i, i, (uint8_t)i, 1000 + i);
        assert_int_equal(lease_store_add(s, &l, count_cb, counts), 0);
        lease_free(&l);
    }
    assert_int_equal(s->ops->flush(s), 0);
    assert_int_equal(counts[0], 200);
    tl_assert_reloads(s, &cfg);

    if (tl_memfile_fail_writes(s, true)) {
        lease_t l, got;
        tl_lease6(&l, LEASE6_NA, 1, 1, 1, 5000);
        lease_set_hostname(&l, "changed");
        assert_int_equal(lease_store_update(s, &l, NULL, count_cb, counts), 0);
        lease_free(&l);
        tl_lease6(&l, LEASE6_TA, 999, 1, 1, 5000);
        assert_int_equal(lease_store_add(s, &l, count_cb, counts), 0);
        lease_free(&l);
        assert_true(s->ops->flush(s) < 0);
        assert_int_equal(counts[1], 2);
        assert_int_equal(get6(s, "2001:db8:1::1", LEASE6_NA, &got), 0);
        assert_null(got.hostname);
        assert_int_equal(got.cltt, 1001);
        lease_free(&got);
        assert_int_equal(get6(s, "2001:db8:1::3e7", LEASE6_TA, &got), NST_ENOENT);
        tl_memfile_fail_writes(s, false);
        tl_assert_reloads(s, &cfg);
    }
    s->ops->close(s);
    tl_dir_free(&d);
}

/* LFC on a lease6 file: kea-lfc's files, rows in address order, deletes dropped. */
static void test_lfc(void **state)
{
    (void)state;
    tl_dir_t d;
    memfile_config_t cfg;
    lease_store_t *s = open_fresh(&d, &cfg, false);
    /* Added in descending address order, every third one deleted, prefixes among them. */
    for (int i = 30; i > 0; i--) {
        lease_t l;
        tl_lease6(&l, i % 4 == 0 ? LEASE6_PD : LEASE6_NA, (uint16_t)i, (uint32_t)i,
                  (uint8_t)i, 1000);
        assert_int_equal(lease_store_add(s, &l, NULL, NULL), 0);
        if (i % 3 == 0)
            assert_int_equal(lease_store_del(s, &l, NULL, NULL), 0);
        lease_free(&l);
    }
    assert_int_equal(memfile_lfc_run_now(s), 0);
    assert_false(tl_exists(d.x1));
    lease_list_t all = {0};
    tl_all(s, &all);
    assert_int_equal(all.count, 20);
    char *want = xstrdup(HDR6);
    for (size_t i = 0; i < all.count; i++) {
        char row[1024];
        assert_true(csv6_format_row(&all.items[i], row, sizeof row) > 0);
        want = xrealloc(want, strlen(want) + strlen(row) + 1);
        strcat(want, row);
    }
    char *text = tl_read(d.x2);
    assert_string_equal(text, want);
    free(text);
    free(want);
    text = tl_read(d.x);
    assert_string_equal(text, HDR6);
    free(text);
    tl_assert_reloads(s, &cfg);
    lease_list_free(&all);
    s->ops->close(s);
    tl_dir_free(&d);
}

/* What Kea 2.2's lease6-get-all answered for the leases its commands made (the lease6-add and
 * -update calls of tests/integration/test_csv6_kea.py, the Decline of dhcp6client.py, a
 * lease reclaimed when it expired), key for key. */
static const char *const kea_shown[] = {
    "{\"ip-address\": \"2001:db8:1::50\", \"type\": \"IA_NA\", \"duid\": \"01:02:03:04\", "
    "\"iaid\": 5, \"subnet-id\": 7, \"valid-lft\": 4000, \"cltt\": 1796373276, "
    "\"preferred-lft\": 4000, \"hostname\": \"host,one&two.example\", "
    "\"hw-address\": \"aa:bb:cc:dd:ee:ff\", \"fqdn-fwd\": true, \"fqdn-rev\": false, "
    "\"state\": 0, \"user-context\": {\"a\": \"x,y\", \"b\": [1, {\"c\": true}]}}",
    "{\"ip-address\": \"2001:db8:8001::\", \"type\": \"IA_PD\", \"prefix-len\": 56, "
    "\"duid\": \"0a:0b\", \"iaid\": 4294967295, \"subnet-id\": 7, \"valid-lft\": 4294967295, "
    "\"cltt\": 1796373276, \"preferred-lft\": 4294967295, \"hostname\": \"\", \"state\": 0}",
    "{\"ip-address\": \"2001:db8:1::51\", \"duid\": \"01:02:03:05\", \"iaid\": 6, "
    "\"valid-lft\": 2, \"cltt\": 1796373276, \"state\": 2}",
    "{\"ip-address\": \"2001:db8:1::100\", \"duid\": \"00:01:02:03:04:05:06:07\", \"iaid\": 1, "
    "\"hostname\": \"renamed.example\", \"user-context\": {}, \"state\": 0}",
    "{\"ip-address\": \"2001:db8:1::120\", \"duid\": \"00\", \"iaid\": 77, \"valid-lft\": 86400, "
    "\"preferred-lft\": 0, \"state\": 1}",
};

static void assert_shown_as_kea(lease_store_t *s, const char *shown)
{
    json_t *want = json_loads(shown, 0, NULL), *v;
    const char *key;
    lease_t l;
    assert_non_null(want);
    assert_int_equal(get6(s, json_string_value(json_object_get(want, "ip-address")),
                          json_object_get(want, "prefix-len") ? LEASE6_PD : LEASE6_NA, &l), 0);
    json_t *got = lease_to_json(&l);
    if (!json_object_get(got, "hostname")) /* Kea shows "" for none */
        json_object_set_new(got, "hostname", json_string(""));
    json_object_foreach(want, key, v) {
        if (!json_equal(json_object_get(got, key), v)) {
            char *text = json_dumps(got, JSON_SORT_KEYS);
            fail_msg("%s: '%s' differs: %s", shown, key, text);
        }
    }
    json_decref(got);
    json_decref(want);
    lease_free(&l);
}

/* The file Debian's kea-dhcp6 2.2 wrote, through memfile_open(LEASE_V6): every lease field for
 * field as Kea's loader leaves it (csv6_file_check, checked against Kea's lease6-get-all by
 * test_csv6_kea.py), the leases of Kea's commands as Kea showed them, and a cleanup that
 * writes kea-lfc's file byte for byte. */
static void test_kea_fixture(void **state)
{
    (void)state;
    char path[1024], lfc_path[1024], err[512] = "";
    snprintf(path, sizeof path, "%s/tests/unit/lease/fixtures/kea-2.2-leases6.csv",
             getenv("NESTOR_SRCDIR"));
    snprintf(lfc_path, sizeof lfc_path, "%s/tests/unit/lease/fixtures/kea-2.2-leases6-lfc.csv",
             getenv("NESTOR_SRCDIR"));
    csv6_file_stats_t st;
    lease_list_t want = {0}, got = {0};
    if (csv6_file_check(path, &st, &want, err, sizeof err) < 0)
        fail_msg("%s", err);
    tl_dir_t d;
    tl_dir_init(&d, "kea-leases6.csv");
    char *text = tl_read(path);
    tl_write(d.x, text);
    free(text);
    tl_reports_t rep = {0};
    memfile_config_t cfg = config6(d.x, &rep);
    lease_store_t *s = tl_open(&cfg);
    assert_int_equal(rep.row_errors + rep.errors, 0);

    tl_all(s, &got);
    assert_int_equal(got.count, 42);
    assert_int_equal(got.count, want.count);
    for (size_t i = 0; i < got.count; i++)
        tl_assert_lease_eq(&got.items[i], &want.items[i]);
    for (size_t i = 0; i < ARRAY_SIZE(kea_shown); i++)
        assert_shown_as_kea(s, kea_shown[i]);
    lease_t l;
    assert_int_equal(get6(s, "2001:db8:1::101", LEASE6_NA, &l), NST_ENOENT); /* lease6-del */
    assert_int_equal(get6(s, "2001:db8:8000:4::", LEASE6_PD, &l), NST_ENOENT); /* released */

    assert_int_equal(memfile_lfc_run_now(s), 0);
    char *ours = tl_read(d.x2), *kea = tl_read(lfc_path);
    assert_non_null(kea);
    assert_string_equal(ours, kea);
    free(ours);
    free(kea);
    tl_assert_reloads(s, &cfg);
    s->ops->close(s);
    lease_list_free(&got);
    lease_list_free(&want);
    tl_dir_free(&d);
}

int test_memfile6_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_written_and_reload),
        cmocka_unit_test(test_load_order),
        cmocka_unit_test(test_keys_and_families),
        cmocka_unit_test(test_counts_by_type),
        cmocka_unit_test(test_durable_and_undo),
        cmocka_unit_test(test_lfc),
        cmocka_unit_test(test_kea_fixture),
    };
    return cmocka_run_group_tests_name("memfile6", tests, NULL, NULL);
}
