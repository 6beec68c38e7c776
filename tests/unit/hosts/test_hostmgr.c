/* Unit tests: the host manager's precedence (config file, then databases in order; identifiers
 * in host-reservation-identifiers order), writes (every database, read-only refused), paging,
 * and the allocation engine on top of it, with in-memory fake database sources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "alloc/alloc4.h"
#include "hosts/hostmgr.h"
#include "lease/memfile.h"

/* ---- a fake hosts database ------------------------------------------------------------------ */

typedef struct fake {
    hostdb_t base;
    hostdb_list_t rows;       /* the "table" */
    uint64_t next_id;
    int queries;              /* lookups received */
    int fail;                 /* when non-zero: every op returns this */
    const char *name;
} fake_t;

static fake_t *F(hostdb_t *db) { return (fake_t *)db; }

static hostdb_host4_t *copy(const hostdb_host4_t *h)
{
    hostdb_host4_t *c = hostdb_host4_from_cfg(&h->h, h->host_id);
    return c;
}

static bool same_id(const hostdb_host4_t *h, uint8_t type, const uint8_t *id, size_t len)
{
    return h->h.id_type == type && h->h.id_len == len && !memcmp(h->h.id, id, len);
}

static int f_get4_by_id(hostdb_t *db, uint32_t subnet, uint8_t type, const uint8_t *id, size_t len,
                        hostdb_host4_t **out, char *err, size_t errlen)
{
    fake_t *f = F(db);
    f->queries++;
    if (f->fail)
        return errf(err, errlen, f->fail, "fake %s failed", f->name);
    for (size_t i = 0; i < f->rows.count; i++)
        if (f->rows.items[i]->h.subnet_id == subnet && same_id(f->rows.items[i], type, id, len)) {
            *out = copy(f->rows.items[i]);
            return 0;
        }
    return NST_ENOENT;
}

static int f_get4_by_addr(hostdb_t *db, uint32_t subnet, uint32_t addr, hostdb_host4_t **out, char *err, size_t errlen)
{
    fake_t *f = F(db);
    f->queries++;
    if (f->fail)
        return errf(err, errlen, f->fail, "fake %s failed", f->name);
    for (size_t i = 0; i < f->rows.count; i++)
        if (f->rows.items[i]->h.subnet_id == subnet && f->rows.items[i]->h.ipv4 == addr) {
            *out = copy(f->rows.items[i]);
            return 0;
        }
    return NST_ENOENT;
}

static int f_get4_all(hostdb_t *db, uint32_t subnet, hostdb_list_t *out, char *err, size_t errlen)
{
    fake_t *f = F(db);
    for (size_t i = 0; i < f->rows.count; i++)
        if (f->rows.items[i]->h.subnet_id == subnet)
            hostdb_list_push(out, copy(f->rows.items[i]));
    return 0;
}

static int f_get4_page(hostdb_t *db, bool any, uint32_t subnet, uint64_t after, size_t limit, hostdb_list_t *out, char *err, size_t errlen)
{
    fake_t *f = F(db);
    for (size_t i = 0; i < f->rows.count && out->count < limit; i++)
        if (f->rows.items[i]->host_id > after && (any || f->rows.items[i]->h.subnet_id == subnet))
            hostdb_list_push(out, copy(f->rows.items[i]));
    return 0;
}

static int f_get4_by_hostname(hostdb_t *db, const char *lower, bool any, uint32_t subnet, hostdb_list_t *out, char *err, size_t errlen)
{
    fake_t *f = F(db);
    for (size_t i = 0; i < f->rows.count; i++) {
        const hostdb_host4_t *h = f->rows.items[i];
        if (h->h.hostname && !strcasecmp(h->h.hostname, lower) && (any || h->h.subnet_id == subnet))
            hostdb_list_push(out, copy(h));
    }
    return 0;
}

static int f_get4_by_ident(hostdb_t *db, uint8_t type, const uint8_t *id, size_t len, hostdb_list_t *out, char *err, size_t errlen)
{
    fake_t *f = F(db);
    for (size_t i = 0; i < f->rows.count; i++)
        if (same_id(f->rows.items[i], type, id, len))
            hostdb_list_push(out, copy(f->rows.items[i]));
    return 0;
}

static int f_add4(hostdb_t *db, const hostdb_host4_t *h, char *err, size_t errlen)
{
    fake_t *f = F(db);
    if (f->fail)
        return errf(err, errlen, f->fail, "fake %s failed", f->name);
    hostdb_host4_t *c = copy(h);
    c->host_id = f->next_id++;
    hostdb_list_push(&f->rows, c);
    return 0;
}

static int f_del(fake_t *f, bool (*match)(const hostdb_host4_t *, const void *), const void *arg)
{
    for (size_t i = 0; i < f->rows.count; i++)
        if (match(f->rows.items[i], arg)) {
            hostdb_host4_free(f->rows.items[i]);
            memmove(&f->rows.items[i], &f->rows.items[i + 1], (f->rows.count - i - 1) * sizeof *f->rows.items);
            f->rows.count--;
            return 1;
        }
    return 0;
}

typedef struct key {
    uint32_t subnet, addr;
    uint8_t type;
    const uint8_t *id;
    size_t len;
} key_t_;

static bool m_id(const hostdb_host4_t *h, const void *arg)
{
    const key_t_ *k = arg;
    return h->h.subnet_id == k->subnet && same_id(h, k->type, k->id, k->len);
}

static bool m_addr(const hostdb_host4_t *h, const void *arg)
{
    const key_t_ *k = arg;
    return h->h.subnet_id == k->subnet && h->h.ipv4 == k->addr;
}

static int f_del4_by_id(hostdb_t *db, uint32_t subnet, uint8_t type, const uint8_t *id, size_t len, char *err, size_t errlen)
{
    key_t_ k = {subnet, 0, type, id, len};
    return f_del(F(db), m_id, &k);
}

static int f_del4_by_addr(hostdb_t *db, uint32_t subnet, uint32_t addr, char *err, size_t errlen)
{
    key_t_ k = {subnet, addr, 0, NULL, 0};
    return f_del(F(db), m_addr, &k);
}

static void f_close(hostdb_t *db)
{
    hostdb_list_free(&F(db)->rows);
    free(db);
}

static const hostdb_ops_t fake_ops = {
    .type = "fake", .get4_by_id = f_get4_by_id, .get4_by_addr = f_get4_by_addr, .get4_all = f_get4_all,
    .get4_page = f_get4_page, .get4_by_hostname = f_get4_by_hostname, .get4_by_ident = f_get4_by_ident,
    .add4 = f_add4, .del4_by_id = f_del4_by_id, .del4_by_addr = f_del4_by_addr, .close = f_close,
};

static fake_t *fake_new(const char *name, bool readonly)
{
    fake_t *f = calloc(1, sizeof *f);
    f->base.ops = &fake_ops;
    f->base.readonly = readonly;
    snprintf(f->base.desc, sizeof f->base.desc, "fake %s", name);
    f->name = name;
    f->next_id = 1;
    return f;
}

/* Puts a row: identifier (type, 6 bytes ending in last), subnet, address, hostname. */
static void put(fake_t *f, uint8_t type, uint8_t last, uint32_t subnet, uint32_t addr, const char *hostname)
{
    hostdb_host4_t *h = hostdb_host4_new();
    h->h.id_type = type;
    h->h.id_len = 6;
    uint8_t id[6] = {2, 0, 0, 0, 0, last};
    memcpy(h->h.id, id, 6);
    h->h.subnet_id = subnet;
    h->h.ipv4 = addr;
    h->h.hostname = hostname ? strdup(hostname) : NULL;
    h->host_id = f->next_id++;
    hostdb_list_push(&f->rows, h);
}

/* ---- fixture --------------------------------------------------------------------------------- */

typedef struct fixture {
    cfg4_t *cfg;
    hosts4_t *hosts;
    fake_t *db1, *db2;
    hostmgr_t *hm;
} fixture_t;

/* Subnet 1: file reservations for hw 02:..:aa (10.0.0.50) and client-id 01:02:..:cc (10.0.0.51). */
#define CONFIG_HEAD "{\"Dhcp4\": {\"valid-lifetime\": 100, "
static const char *config_tail =
    "\n"
    " \"subnet4\": [{\"id\": 1, \"subnet\": \"10.0.0.0/24\", \"pools\": [{\"pool\": \"10.0.0.10 - 10.0.0.12\"}],\n"
    "   \"reservations\": [{\"hw-address\": \"02:00:00:00:00:aa\", \"ip-address\": \"10.0.0.50\",\n"
    "                       \"hostname\": \"File-A\"},\n"
    "                      {\"client-id\": \"02:00:00:00:00:cc\", \"ip-address\": \"10.0.0.51\"}]}]}}";

static int setup_with(void **state, const char *extra, bool ro1, bool ro2)
{
    fixture_t *f = calloc(1, sizeof *f);
    char text[2048], err[512];
    snprintf(text, sizeof text, CONFIG_HEAD "%s%s", extra, config_tail);
    if (cfg4_load_string(text, "t.json", &f->cfg, err, sizeof err))
        fail_msg("%s", err);
    f->hosts = hosts4_build(f->cfg);
    f->db1 = fake_new("one", ro1);
    f->db2 = fake_new("two", ro2);
    hostdb_t *dbs[] = {&f->db1->base, &f->db2->base};
    f->hm = hostmgr_new(f->cfg, f->hosts, dbs, 2);
    *state = f;
    return 0;
}

static int setup(void **state) { return setup_with(state, "", false, false); }
static int setup_client_id_first(void **state)
{
    return setup_with(state, "\"host-reservation-identifiers\": [\"client-id\", \"hw-address\"],", false, false);
}
static int setup_ro2(void **state) { return setup_with(state, "", false, true); }
static int setup_ro1(void **state) { return setup_with(state, "", true, false); }

static int teardown(void **state)
{
    fixture_t *f = *state;
    hostmgr_free(f->hm);
    hosts4_free(f->hosts);
    cfg4_free(f->cfg);
    free(f);
    return 0;
}

static const uint8_t MAC_A[6] = {2, 0, 0, 0, 0, 0xaa}, MAC_B[6] = {2, 0, 0, 0, 0, 0xbb};
static const uint8_t CID_C[6] = {2, 0, 0, 0, 0, 0xcc};

static hosts4_client_ids_t ids_of(const uint8_t *mac, const uint8_t *cid)
{
    hosts4_client_ids_t ids = {.hwaddr = mac, .hwaddr_len = mac ? 6 : 0, .client_id = cid, .client_id_len = cid ? 6 : 0};
    return ids;
}

/* ---- precedence ------------------------------------------------------------------------------ */

static void test_file_beats_database_for_same_identifier(void **state)
{
    fixture_t *f = *state;
    put(f->db1, HOST_ID_HWADDR, 0xaa, 1, 0x0a000063, "db-a");
    hosts4_client_ids_t ids = ids_of(MAC_A, NULL);
    hostmgr_ref_t ref;
    assert_int_equal(hostmgr_find_client(f->hm, 1, &ids, &ref, NULL, 0), 0);
    assert_null(ref.owned);
    assert_int_equal(ref.host->ipv4, 0x0a000032);
    assert_string_equal(ref.host->hostname, "File-A");
    /* the file answered on the first identifier: no database was asked */
    assert_int_equal(f->db1->queries + f->db2->queries, 0);
    hostmgr_ref_release(&ref);
}

static void test_databases_in_list_order_first_hit_wins(void **state)
{
    fixture_t *f = *state;
    put(f->db2, HOST_ID_HWADDR, 0xbb, 1, 0x0a000042, "from-two");
    put(f->db1, HOST_ID_HWADDR, 0xbb, 1, 0x0a000041, "from-one");
    hosts4_client_ids_t ids = ids_of(MAC_B, NULL);
    hostmgr_ref_t ref;
    assert_int_equal(hostmgr_find_client(f->hm, 1, &ids, &ref, NULL, 0), 0);
    assert_non_null(ref.owned);
    assert_ptr_equal(ref.host, &ref.owned->h);
    assert_int_equal(ref.host->ipv4, 0x0a000041);
    assert_string_equal(ref.host->hostname, "from-one");
    assert_int_equal(f->db2->queries, 0);
    hostmgr_ref_release(&ref);
    assert_null(ref.host);
    /* only in the second database */
    hostmgr_ref_t r2;
    f->db1->rows.items[0]->h.id[5] = 0x01;
    assert_int_equal(hostmgr_find_client(f->hm, 1, &ids, &r2, NULL, 0), 0);
    assert_string_equal(r2.host->hostname, "from-two");
    hostmgr_ref_release(&r2);
    /* another subnet: nothing */
    assert_int_equal(hostmgr_find_client(f->hm, 2, &ids, &r2, NULL, 0), NST_ENOENT);
    assert_null(r2.host);
}

static void test_identifier_order_before_source_order(void **state)
{
    /* default order hw-address, duid, circuit-id, client-id: a database reservation by
     * hw-address beats the file's client-id reservation of the same client (Kea asks every
     * source for one identifier before moving to the next). */
    fixture_t *f = *state;
    put(f->db2, HOST_ID_HWADDR, 0xbb, 1, 0x0a000044, "db-hw");
    hosts4_client_ids_t ids = ids_of(MAC_B, CID_C);
    hostmgr_ref_t ref;
    assert_int_equal(hostmgr_find_client(f->hm, 1, &ids, &ref, NULL, 0), 0);
    assert_int_equal(ref.host->ipv4, 0x0a000044);
    hostmgr_ref_release(&ref);
}

static void test_identifier_order_is_configurable(void **state)
{
    fixture_t *f = *state; /* client-id first */
    put(f->db2, HOST_ID_HWADDR, 0xbb, 1, 0x0a000044, "db-hw");
    hosts4_client_ids_t ids = ids_of(MAC_B, CID_C);
    hostmgr_ref_t ref;
    assert_int_equal(hostmgr_find_client(f->hm, 1, &ids, &ref, NULL, 0), 0);
    assert_null(ref.owned);
    assert_int_equal(ref.host->ipv4, 0x0a000033);
    hostmgr_ref_release(&ref);
}

static void test_global_reservations_and_addresses(void **state)
{
    fixture_t *f = *state;
    put(f->db1, HOST_ID_HWADDR, 0xbb, 0, 0, "global-b");
    put(f->db2, HOST_ID_HWADDR, 0x77, 1, 0x0a00000b, "pool-b");
    hosts4_client_ids_t ids = ids_of(MAC_B, NULL);
    hostmgr_ref_t ref;
    assert_int_equal(hostmgr_find_client(f->hm, 0, &ids, &ref, NULL, 0), 0);
    assert_string_equal(ref.host->hostname, "global-b");
    hostmgr_ref_release(&ref);
    /* by address: the file first, then the databases */
    assert_int_equal(hostmgr_find_addr(f->hm, 1, 0x0a000032, &ref, NULL, 0), 0);
    assert_null(ref.owned);
    assert_int_equal(ref.host->id[5], 0xaa);
    assert_int_equal(hostmgr_find_addr(f->hm, 1, 0x0a00000b, &ref, NULL, 0), 0);
    assert_string_equal(ref.host->hostname, "pool-b");
    hostmgr_ref_release(&ref);
    assert_int_equal(hostmgr_find_addr(f->hm, 1, 0x0a00000c, &ref, NULL, 0), NST_ENOENT);
    /* whose is it */
    hosts4_client_ids_t mine = ids_of((const uint8_t[]){2, 0, 0, 0, 0, 0x77}, NULL);
    assert_int_equal(hostmgr_find_addr(f->hm, 1, 0x0a00000b, &ref, NULL, 0), 0);
    assert_true(hostmgr_host_is_clients(f->cfg, ref.host, &mine));
    assert_false(hostmgr_host_is_clients(f->cfg, ref.host, &ids));
    hostmgr_ref_release(&ref);
}

static void test_database_errors_are_reported(void **state)
{
    fixture_t *f = *state;
    f->db1->fail = NST_EIO;
    hosts4_client_ids_t ids = ids_of(MAC_B, NULL);
    hostmgr_ref_t ref;
    char err[64] = "";
    assert_int_equal(hostmgr_find_client(f->hm, 1, &ids, &ref, err, sizeof err), NST_EIO);
    assert_string_equal(err, "fake one failed");
    assert_null(ref.host);
    /* the file still answers first */
    hosts4_client_ids_t a = ids_of(MAC_A, NULL);
    assert_int_equal(hostmgr_find_client(f->hm, 1, &a, &ref, NULL, 0), 0);
    assert_int_equal(hostmgr_find_addr(f->hm, 1, 0x0a000099, &ref, NULL, 0), NST_EIO);
}

/* ---- commands -------------------------------------------------------------------------------- */

static hostdb_host4_t *new_host(uint8_t last, uint32_t subnet, uint32_t addr)
{
    hostdb_host4_t *h = hostdb_host4_new();
    h->h.id_type = HOST_ID_HWADDR;
    h->h.id_len = 6;
    uint8_t id[6] = {2, 0, 0, 0, 1, last};
    memcpy(h->h.id, id, 6);
    h->h.subnet_id = subnet;
    h->h.ipv4 = addr;
    return h;
}

static void test_add_goes_to_every_database(void **state)
{
    fixture_t *f = *state;
    char err[256];
    hostdb_host4_t *h = new_host(1, 1, 0x0a000070);
    assert_int_equal(hostmgr_add4(f->hm, h, err, sizeof err), 0);
    hostdb_host4_free(h);
    assert_int_equal(f->db1->rows.count, 1);
    assert_int_equal(f->db2->rows.count, 1);
    /* get: file first, then databases */
    hostdb_host4_t *got;
    uint8_t id[6] = {2, 0, 0, 0, 1, 1};
    assert_int_equal(hostmgr_get4(f->hm, 1, HOST_ID_HWADDR, id, 6, &got, NULL, 0), 0);
    assert_int_equal(got->h.ipv4, 0x0a000070);
    hostdb_host4_free(got);
    assert_int_equal(hostmgr_get4(f->hm, 1, HOST_ID_HWADDR, MAC_A, 6, &got, NULL, 0), 0);
    assert_int_equal(got->host_id, 1); /* config-file hosts: their position */
    assert_string_equal(got->h.hostname, "File-A");
    hostdb_host4_free(got);
    assert_int_equal(hostmgr_get4(f->hm, 2, HOST_ID_HWADDR, id, 6, &got, NULL, 0), NST_ENOENT);
    /* delete: the first database holding it */
    assert_int_equal(hostmgr_del4_by_addr(f->hm, 1, 0x0a000070, err, sizeof err), 1);
    assert_int_equal(f->db1->rows.count, 0);
    assert_int_equal(f->db2->rows.count, 1);
    assert_int_equal(hostmgr_del4_by_id(f->hm, 1, HOST_ID_HWADDR, id, 6, err, sizeof err), 1);
    assert_int_equal(f->db2->rows.count, 0);
    assert_int_equal(hostmgr_del4_by_id(f->hm, 1, HOST_ID_HWADDR, id, 6, err, sizeof err), 0);
    /* config-file reservations are not in any database */
    assert_int_equal(hostmgr_del4_by_id(f->hm, 1, HOST_ID_HWADDR, MAC_A, 6, err, sizeof err), 0);
}

static void test_read_only_second_database_refuses_add(void **state)
{
    fixture_t *f = *state; /* db2 read-only */
    char err[256];
    hostdb_host4_t *h = new_host(2, 1, 0);
    assert_int_equal(hostmgr_add4(f->hm, h, err, sizeof err), HOSTDB_EREADONLY);
    assert_string_equal(err, "cannot add the host: the hosts database (fake two) is configured read-only "
                             "(\"readonly\": true)");
    hostdb_host4_free(h);
    assert_int_equal(f->db1->rows.count, 0); /* nothing half-written */
    /* delete in db1 works; not found in db1 reaches the read-only db2: refused */
    put(f->db1, HOST_ID_HWADDR, 0x10, 1, 0, NULL);
    uint8_t id[6] = {2, 0, 0, 0, 0, 0x10};
    assert_int_equal(hostmgr_del4_by_id(f->hm, 1, HOST_ID_HWADDR, id, 6, err, sizeof err), 1);
    assert_int_equal(hostmgr_del4_by_id(f->hm, 1, HOST_ID_HWADDR, id, 6, err, sizeof err), HOSTDB_EREADONLY);
    assert_non_null(strstr(err, "fake two"));
    assert_non_null(strstr(err, "read-only"));
}

static void test_read_only_first_database_refuses_delete(void **state)
{
    fixture_t *f = *state; /* db1 read-only */
    char err[256];
    put(f->db2, HOST_ID_HWADDR, 0x10, 1, 0x0a000070, NULL);
    assert_int_equal(hostmgr_del4_by_addr(f->hm, 1, 0x0a000070, err, sizeof err), HOSTDB_EREADONLY);
    assert_int_equal(f->db2->rows.count, 1);
    /* reads still see both */
    hostdb_host4_t *got;
    assert_int_equal(hostmgr_get4_by_addr(f->hm, 1, 0x0a000070, &got, NULL, 0), 0);
    hostdb_host4_free(got);
}

static void test_no_database(void **state)
{
    fixture_t *f = *state;
    hostmgr_t *m = hostmgr_new(f->cfg, f->hosts, NULL, 0);
    char err[256];
    hostdb_host4_t *h = new_host(3, 1, 0);
    assert_int_equal(hostmgr_add4(m, h, err, sizeof err), NST_ENOENT);
    assert_string_equal(err, "Host database not available, cannot add host.");
    assert_int_equal(hostmgr_del4_by_addr(m, 1, 0x0a000032, err, sizeof err), NST_ENOENT);
    assert_string_equal(err, "Unable to delete a host because there is no hosts-database configured.");
    hostdb_host4_free(h);
    /* lookups are the file's */
    hosts4_client_ids_t ids = ids_of(MAC_A, NULL);
    hostmgr_ref_t ref;
    assert_int_equal(hostmgr_find_client(m, 1, &ids, &ref, NULL, 0), 0);
    assert_int_equal(ref.host->ipv4, 0x0a000032);
    hostmgr_free(m);
}

static void test_collections_and_pages(void **state)
{
    fixture_t *f = *state;
    put(f->db1, HOST_ID_HWADDR, 1, 1, 0, "Printer");
    put(f->db1, HOST_ID_HWADDR, 2, 1, 0, NULL);
    put(f->db1, HOST_ID_HWADDR, 3, 2, 0, NULL);
    put(f->db2, HOST_ID_HWADDR, 4, 1, 0, "printer");
    hostdb_list_t l = {0};
    assert_int_equal(hostmgr_get4_all(f->hm, 1, &l, NULL, 0), 0);
    assert_int_equal(l.count, 5); /* 2 from the file, then 2 + 1 */
    assert_int_equal(l.items[0]->h.ipv4, 0x0a000032);
    assert_int_equal(l.items[4]->h.id[5], 4);
    hostdb_list_free(&l);
    assert_int_equal(hostmgr_get4_by_hostname(f->hm, "PRINTER", true, 0, &l, NULL, 0), 0);
    assert_int_equal(l.count, 2);
    hostdb_list_free(&l);
    assert_int_equal(hostmgr_get4_by_hostname(f->hm, "file-a", false, 1, &l, NULL, 0), 0);
    assert_int_equal(l.count, 1);
    hostdb_list_free(&l);
    /* pages of 2 over subnet 1: file (2), db1 (2), db2 (1), then nothing */
    size_t src = 0;
    uint64_t from = 0;
    size_t seen = 0, sources[8], counts[8], n = 0;
    for (;;) {
        assert_int_equal(hostmgr_get4_page(f->hm, false, 1, &src, from, 2, &l, NULL, 0), 0);
        if (!l.count)
            break;
        sources[n] = src;
        counts[n++] = l.count;
        seen += l.count;
        from = l.items[l.count - 1]->host_id;
        hostdb_list_free(&l);
    }
    assert_int_equal(seen, 5);
    assert_int_equal(n, 3);
    assert_int_equal(sources[0], 0);
    assert_int_equal(sources[1], 1);
    assert_int_equal(sources[2], 2);
    assert_int_equal(counts[0], 2);
    assert_int_equal(counts[2], 1);
    assert_int_equal(src, 3);
    /* a source index past the last database: empty */
    src = 7;
    assert_int_equal(hostmgr_get4_page(f->hm, true, 0, &src, 0, 10, &l, NULL, 0), 0);
    assert_int_equal(l.count, 0);
    /* by identifier, every subnet */
    assert_int_equal(hostmgr_get4_by_ident(f->hm, HOST_ID_HWADDR, (const uint8_t[]){2, 0, 0, 0, 0, 3}, 6, &l, NULL, 0), 0);
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0]->h.subnet_id, 2);
    hostdb_list_free(&l);
}

/* ---- the allocation engine over the manager -------------------------------------------------- */

static void test_allocation_engine_uses_database_reservations(void **state)
{
    fixture_t *f = *state;
    /* db1 reserves pool address .11 for B and an out-of-pool .60 for another client */
    put(f->db1, HOST_ID_HWADDR, 0xbb, 1, 0x0a00000b, "b-host");
    put(f->db1, HOST_ID_HWADDR, 0x99, 1, 0x0a00003c, NULL);
    char err[256];
    lease_store_t *store;
    memfile_config_t mc = {.family = LEASE_V4, .path = "/nonexistent/none.csv", .persist = false};
    if (memfile_open(&mc, &store, err, sizeof err))
        fail_msg("%s", err);
    alloc4_t *a = alloc4_new(f->cfg, f->hosts, store);
    alloc4_set_hostmgr(a, f->hm);
    alloc4_req_t rb = {.subnet = &f->cfg->subnets[0], .hwaddr = MAC_B, .hwaddr_len = 6, .now = 1000};
    alloc4_result_t res;
    assert_int_equal(alloc4_offer(a, &rb, &res), ALLOC4_OK);
    assert_int_equal(res.lease.addr.v4, 0x0a00000b);
    assert_non_null(res.host);
    assert_string_equal(res.host->hostname, "b-host");
    assert_string_equal(res.lease.hostname, "b-host");
    alloc4_result_free(&res);
    /* other clients never get .11: the pool has .10 and .12 for them */
    uint8_t mac[6] = {2, 0, 0, 0, 9, 0};
    uint32_t got[2];
    for (int i = 0; i < 2; i++) {
        mac[5] = (uint8_t)i;
        alloc4_req_t r = rb;
        r.hwaddr = mac;
        assert_int_equal(alloc4_request(a, &(alloc4_req_t){.subnet = r.subnet, .hwaddr = mac, .hwaddr_len = 6,
                                                          .now = 1000, .hint = 0x0a00000b},
                                        REQ_SELECTING, NULL, NULL, &res), ALLOC4_NAK);
        alloc4_result_free(&res);
        assert_int_equal(alloc4_offer(a, &r, &res), ALLOC4_OK);
        got[i] = res.lease.addr.v4;
        alloc4_result_free(&res);
        alloc4_req_t q = r;
        q.hint = got[i];
        assert_int_equal(alloc4_request(a, &q, REQ_SELECTING, NULL, NULL, &res), ALLOC4_OK);
        alloc4_result_free(&res);
    }
    assert_int_equal(got[0], 0x0a00000a);
    assert_int_equal(got[1], 0x0a00000c);
    /* the config file's reservation of A still wins over a database one */
    put(f->db1, HOST_ID_HWADDR, 0xaa, 1, 0x0a000061, NULL);
    alloc4_req_t ra = rb;
    ra.hwaddr = MAC_A;
    assert_int_equal(alloc4_offer(a, &ra, &res), ALLOC4_OK);
    assert_int_equal(res.lease.addr.v4, 0x0a000032);
    alloc4_result_free(&res);
    /* database down: no reservation, no crash */
    f->db1->fail = NST_EIO;
    assert_null(alloc4_host(a, rb.subnet, &rb, NULL));
    f->db1->fail = 0;
    /* a held reservation survives a few more lookups on this thread */
    const cfg_host4_t *h = alloc4_host(a, rb.subnet, &rb, NULL);
    assert_non_null(h);
    for (int i = 0; i < 6; i++)
        assert_non_null(alloc4_host(a, rb.subnet, &rb, NULL));
    assert_string_equal(h->hostname, "b-host");
    alloc4_free(a);
    store->ops->close(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_file_beats_database_for_same_identifier, setup, teardown),
        cmocka_unit_test_setup_teardown(test_databases_in_list_order_first_hit_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identifier_order_before_source_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identifier_order_is_configurable, setup_client_id_first, teardown),
        cmocka_unit_test_setup_teardown(test_global_reservations_and_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_errors_are_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_goes_to_every_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_second_database_refuses_add, setup_ro2, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_first_database_refuses_delete, setup_ro1, teardown),
        cmocka_unit_test_setup_teardown(test_no_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collections_and_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocation_engine_uses_database_reservations, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
