/* Splitting a MySQL script into statements the way the mysql command-line client does, so that
 * nestor-admin can run Kea-style scripts (with DELIMITER lines) through the C client library.
 *
 * Contract: admin_sql_split() calls fn once per statement, in order, with the statement's text
 * without its delimiter (comments inside it are kept; statements that hold only comments and
 * spaces are skipped). "DELIMITER x" at the start of a line changes the delimiter. Delimiters inside
 * '...', "...", `...` strings (with backslash and doubled-quote escapes) and comments (--, #, and
 * C-style) do not count. Stops at the first fn error and returns it; returns 0 at the end. Pure,
 * thread-safe; text is not modified. */
#ifndef NESTOR_ADMIN_SQLSPLIT_H
#define NESTOR_ADMIN_SQLSPLIT_H

#include <stddef.h>

typedef int (*admin_sql_stmt_fn)(void *arg, const char *stmt, size_t len);

int admin_sql_split(const char *text, admin_sql_stmt_fn fn, void *arg);

#endif
