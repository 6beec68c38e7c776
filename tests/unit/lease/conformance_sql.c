/* The lease-store conformance suite (conformance.h) on a PostgreSQL or MySQL lease store, for
 * both families, on a database that tests/integration/test_sql_conformance.py started and gave a
 * Kea schema: NESTOR_CONF_DB ("postgresql" or "mysql"), NESTOR_CONF_HOST, _PORT, _NAME, _USER,
 * _PASSWORD. Every case gets the store with both tables emptied. A SQL store holds both families,
 * so the "other family is refused" case (memfile's) does not apply; the write-failure case needs
 * a hook the SQL stores do not have (their failures are tested against real databases). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conformance.h"
#include "lease/lease_my.h"
#include "lease/lease_pg.h"

static cfg_db_t db;
static enum lease_family family;
static lease_store_t *store;

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (!v)
        fprintf(stderr, "%s is not set\n", name);
    return v ? v : "";
}

static int open_empty(void **state)
{
    sqlcore_config_t c = {.db = &db};
    char err[768];
    int r = (db.type == CFG_DB_MYSQL ? mysql_open : pgsql_open)(&c, &store, err, sizeof err);
    if (r)
        fail_msg("cannot open the lease database: %s", err);
    for (int fam = LEASE_V4; fam <= LEASE_V6; fam += 2)
        assert_int_equal(store->ops->wipe(store, (enum lease_family)fam, 0, NULL), 0);
    assert_int_equal(store->ops->flush(store), 0);
    return 0;
}

static int close_store(void **state)
{
    assert_int_equal(store->ops->flush(store), 0);
    store->ops->close(store);
    store = NULL;
    return 0;
}

#define CASE(f)                                                                              \
    static void run_##f(void **state) { f(store, family); }
CASE(conf_add_update_del)
CASE(conf_client_lookups)
CASE(conf_list_queries)
CASE(conf_paging)
CASE(conf_expired_and_reclaimed)
CASE(conf_wipe)
CASE(conf_counts)

int main(void)
{
    const char *type = env("NESTOR_CONF_DB");
    db.type = !strcmp(type, "mysql") ? CFG_DB_MYSQL : CFG_DB_POSTGRESQL;
    db.host = strdup(env("NESTOR_CONF_HOST"));
    db.port = (uint16_t)atoi(env("NESTOR_CONF_PORT"));
    db.name = strdup(env("NESTOR_CONF_NAME"));
    db.user = strdup(env("NESTOR_CONF_USER"));
    db.password = strdup(env("NESTOR_CONF_PASSWORD"));
    db.connect_timeout = 5;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(run_conf_add_update_del, open_empty, close_store),
        cmocka_unit_test_setup_teardown(run_conf_client_lookups, open_empty, close_store),
        cmocka_unit_test_setup_teardown(run_conf_list_queries, open_empty, close_store),
        cmocka_unit_test_setup_teardown(run_conf_paging, open_empty, close_store),
        cmocka_unit_test_setup_teardown(run_conf_expired_and_reclaimed, open_empty, close_store),
        cmocka_unit_test_setup_teardown(run_conf_wipe, open_empty, close_store),
        cmocka_unit_test_setup_teardown(run_conf_counts, open_empty, close_store),
    };
    int failed = 0;
    for (int fam = LEASE_V4; fam <= LEASE_V6; fam += 2) {
        family = (enum lease_family)fam;
        char name[64];
        snprintf(name, sizeof name, "conformance: %s v%d", type, fam);
        failed += _cmocka_run_group_tests(name, tests, sizeof tests / sizeof tests[0], NULL, NULL);
    }
    cfg_db_free(&db);
    return failed;
}
