/* Unit tests: MySQL script splitting for nestor-admin. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "admin/sqlsplit.h"

typedef struct got {
    char stmts[16][256];
    int n;
} got_t;

static int collect(void *arg, const char *s, size_t len)
{
    got_t *g = arg;
    if (g->n == 16)
        return -1;
    /* trim for comparison */
    while (len && (*s == ' ' || *s == '\n' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\n' || s[len - 1] == '\t'))
        len--;
    snprintf(g->stmts[g->n++], sizeof g->stmts[0], "%.*s", (int)len, s);
    return 0;
}

static void test_plain_statements(void **state)
{
    got_t g = {0};
    assert_int_equal(admin_sql_split("CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1); SELECT 1", collect, &g), 0);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.stmts[0], "CREATE TABLE a (x INT)");
    assert_string_equal(g.stmts[1], "INSERT INTO a VALUES (1)");
    assert_string_equal(g.stmts[2], "SELECT 1");
}

static void test_delimiter_and_bodies(void **state)
{
    got_t g = {0};
    const char *text = "SET @a = 1;\n"
                       "DELIMITER $$\n"
                       "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END $$\n"
                       "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW BEGIN CALL p(); END$$\n"
                       "DELIMITER ;\n"
                       "SELECT 3;\n";
    assert_int_equal(admin_sql_split(text, collect, &g), 0);
    assert_int_equal(g.n, 4);
    assert_string_equal(g.stmts[0], "SET @a = 1");
    assert_string_equal(g.stmts[1], "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END");
    assert_string_equal(g.stmts[2], "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW BEGIN CALL p(); END");
    assert_string_equal(g.stmts[3], "SELECT 3");
}

static void test_quotes_and_comments_hide_delimiters(void **state)
{
    got_t g = {0};
    const char *text = "-- a comment; not a statement\n"
                       "# another; one\n"
                       "/* block; comment */\n"
                       "INSERT INTO t VALUES ('a;b', \"c;d\", 'it''s; ok', 'back\\\\'); \n"
                       "SELECT `we;ird` FROM x -- trailing; comment\n;\n"
                       "/* only a comment */;\n";
    assert_int_equal(admin_sql_split(text, collect, &g), 0);
    assert_int_equal(g.n, 2);
    /* comments before a statement stay in its text (the server skips them) */
    assert_string_equal(g.stmts[0], "-- a comment; not a statement\n# another; one\n/* block; comment */\n"
                                    "INSERT INTO t VALUES ('a;b', \"c;d\", 'it''s; ok', 'back\\\\')");
    assert_string_equal(g.stmts[1], "SELECT `we;ird` FROM x -- trailing; comment");
}

static int fail_second(void *arg, const char *s, size_t len)
{
    int *n = arg;
    return ++*n == 2 ? -5 : 0;
}

static void test_stops_at_first_error_and_survives_truncation(void **state)
{
    int n = 0;
    assert_int_equal(admin_sql_split("A; B; C;", fail_second, &n), -5);
    assert_int_equal(n, 2);
    got_t g = {0};
    assert_int_equal(admin_sql_split("SELECT 'unterminated; string", collect, &g), 0);
    assert_int_equal(g.n, 1);
    g.n = 0;
    assert_int_equal(admin_sql_split("/* open comment", collect, &g), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(admin_sql_split("DELIMITER", collect, &g), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_statements),
        cmocka_unit_test(test_delimiter_and_bodies),
        cmocka_unit_test(test_quotes_and_comments_hide_delimiters),
        cmocka_unit_test(test_stops_at_first_error_and_survives_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
