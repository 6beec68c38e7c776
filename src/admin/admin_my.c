/* nestor-admin's MySQL / MariaDB backend (libmariadb). Scripts are split into statements the
 * way the mysql client does (sqlsplit.h) and run one by one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "admin/sqlsplit.h"
#include "common/errcode.h"
#include "common/util.h"
#include "db/myconn.h"
#include "lease/lease_my.h"

struct admin_conn {
    MYSQL *my;
};

static int my_connect(const cfg_db_t *db, admin_conn_t **out, char *err, size_t errlen)
{
    MYSQL *my;
    int r = myconn_connect(db, &my, err, errlen);
    if (r)
        return r;
    /* The server connection runs with Kea's strict session mode; routines remember the mode they
     * were created under, so scripts run in the server's default mode, as the mysql client does. */
    if (mysql_query(my, "SET SESSION sql_mode = @@GLOBAL.sql_mode")) {
        myconn_error(my, NULL, err, errlen);
        mysql_close(my);
        return NST_EIO;
    }
    *out = xcalloc(1, sizeof **out);
    (*out)->my = my;
    return 0;
}

/* Runs one statement and discards any result set. */
static int run(MYSQL *my, const char *sql, size_t len, char *err, size_t errlen)
{
    if (mysql_real_query(my, sql, (unsigned long)len)) {
        myconn_error(my, NULL, err, errlen);
        return NST_EIO;
    }
    do {
        MYSQL_RES *res = mysql_store_result(my);
        if (res)
            mysql_free_result(res);
    } while (mysql_next_result(my) == 0);
    return 0;
}

static int scalar(admin_conn_t *c, const char *sql, char *out, size_t cap, char *err, size_t errlen)
{
    if (mysql_query(c->my, sql)) {
        myconn_error(c->my, NULL, err, errlen);
        return NST_EIO;
    }
    MYSQL_RES *res = mysql_store_result(c->my);
    MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
    if (!row || !row[0]) {
        snprintf(err, errlen, "no result for: %s", sql);
        if (res)
            mysql_free_result(res);
        return NST_EIO;
    }
    snprintf(out, cap, "%s", row[0]);
    mysql_free_result(res);
    return 0;
}

static int my_table_count(admin_conn_t *c, long *n, char *err, size_t errlen)
{
    char v[32];
    int r = scalar(c, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()", v,
                   sizeof v, err, errlen);
    if (!r)
        *n = atol(v);
    return r;
}

/* kea-admin's mysql_can_create: since MySQL 8 creating triggers needs privileges a user may lack;
 * try a table with a trigger and remove both. */
static int my_can_create(admin_conn_t *c, char *err, size_t errlen)
{
    static const char *const steps[] = {
        "CREATE TABLE nestor_dummy_table (dummy INT)",
        "CREATE TRIGGER nestor_dummy_trigger BEFORE INSERT ON nestor_dummy_table FOR EACH ROW SET @nestor_dummy = 1",
        "DROP TRIGGER nestor_dummy_trigger",
        "DROP TABLE nestor_dummy_table",
    };
    for (size_t i = 0; i < 4; i++)
        if (run(c->my, steps[i], strlen(steps[i]), err, errlen)) {
            run(c->my, "DROP TABLE IF EXISTS nestor_dummy_table", 39, (char[64]){0}, 64);
            return NST_EIO;
        }
    return 0;
}

static int my_version(admin_conn_t *c, int *major, int *minor, char *err, size_t errlen)
{
    return myconn_schema_version(c->my, major, minor, err, errlen);
}

typedef struct script_ctx {
    MYSQL *my;
    char *err;
    size_t errlen;
    unsigned n;
} script_ctx_t;

static int one_stmt(void *arg, const char *stmt, size_t len)
{
    script_ctx_t *x = arg;
    x->n++;
    if (run(x->my, stmt, len, x->err, x->errlen)) {
        size_t used = strlen(x->err);
        snprintf(x->err + used, x->errlen - used, " (statement %u: %.60s...)", x->n, stmt);
        return NST_EIO;
    }
    return 0;
}

static int my_exec_script(admin_conn_t *c, const char *sql, char *err, size_t errlen)
{
    script_ctx_t x = {c->my, err, errlen, 0};
    int r = admin_sql_split(sql, one_stmt, &x);
    if (r)
        run(c->my, "ROLLBACK", 8, (char[64]){0}, 64);
    return r;
}

static int my_open_store(const cfg_db_t *db, lease_store_t **out, char *err, size_t errlen)
{
    sqlcore_config_t sc = {.db = db};
    return mysql_open(&sc, out, err, errlen);
}

static void my_close(admin_conn_t *c)
{
    if (c) {
        mysql_close(c->my);
        free(c);
    }
}

const admin_backend_t admin_mysql = {
    .name = "mysql",
    .connect = my_connect,
    .table_count = my_table_count,
    .can_create = my_can_create,
    .version = my_version,
    .exec_script = my_exec_script,
    .open_store = my_open_store,
    .close = my_close,
};
