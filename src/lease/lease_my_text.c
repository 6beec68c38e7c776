/* MySQL lease store: writes rendered as SQL text, for a batch sent as one multi-statement query
 * (see lease_my_int.h). A prepared statement costs one round trip each; a batch sent as text costs
 * one round trip in all, and the database reports each statement's outcome in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "lease/lease_my_int.h"

static void reserve(sqlsess_mytext_t *t, size_t more)
{
    if (t->len + more + 1 <= t->cap)
        return;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + more + 1)
        cap *= 2;
    t->buf = xrealloc(t->buf, cap);
    t->cap = cap;
}

static void put(sqlsess_mytext_t *t, const char *s, size_t n)
{
    reserve(t, n);
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = 0;
}

static void puts_(sqlsess_mytext_t *t, const char *s) { put(t, s, strlen(s)); }

static void put_hex(sqlsess_mytext_t *t, const uint8_t *p, size_t n)
{
    if (!n) {
        puts_(t, "NULL");
        return;
    }
    static const char digits[] = "0123456789abcdef";
    reserve(t, 2 * n + 3);
    char *o = t->buf + t->len;
    *o++ = 'X', *o++ = '\'';
    for (size_t i = 0; i < n; i++)
        *o++ = digits[p[i] >> 4], *o++ = digits[p[i] & 15];
    *o++ = '\'';
    t->len = (size_t)(o - t->buf);
    t->buf[t->len] = 0;
}

/* A string literal, escaped for the connection's character set; NULL as SQL NULL. */
static void put_str(sqlsess_mytext_t *t, MYSQL *my, const char *s)
{
    if (!s) {
        puts_(t, "NULL");
        return;
    }
    size_t n = strlen(s);
    reserve(t, 2 * n + 3);
    t->buf[t->len++] = '\'';
    t->len += mysql_real_escape_string(my, t->buf + t->len, s, (unsigned long)n);
    t->buf[t->len++] = '\'';
    t->buf[t->len] = 0;
}

/* A TIMESTAMP literal in the session's time zone, as the prepared statements bind it. */
static void put_time(sqlsess_mytext_t *t, int64_t epoch)
{
    MYSQL_TIME tm;
    myconn_to_time(epoch, &tm);
    char s[40];
    put(t, s, (size_t)snprintf(s, sizeof s, "'%04u-%02u-%02u %02u:%02u:%02u'", tm.year, tm.month, tm.day, tm.hour,
                               tm.minute, tm.second));
}

/* One value as a literal: NULL, a number, a TIMESTAMP, X'hex' bytes or an escaped string. */
static void put_param(sqlsess_mytext_t *t, MYSQL *my, const sqlparam_t *p)
{
    switch (p->type) {
    case SQLP_INT:
    case SQLP_BOOL: {
        char n[24];
        put(t, n, (size_t)snprintf(n, sizeof n, "%lld", (long long)p->i));
        break;
    }
    case SQLP_TIME: put_time(t, p->i); break;
    case SQLP_BYTES: put_hex(t, p->p, p->len); break;
    case SQLP_TEXT: put_str(t, my, p->p); break;
    default: puts_(t, "NULL");
    }
}

/* sqlcore_bind() as Kea 2.2 writes lease6 in MySQL: without a hardware address its type and
 * source NULL, and NULL for no user context (PostgreSQL: 0, 0 and ""). */
static int my_bind(const lease_t *l, sqlparam_t *p, char addr[INET6_ADDRSTRLEN])
{
    int n = sqlcore_bind(l, p, addr);
    if (l->family == LEASE_V6) {
        if (!l->hwaddr_len)
            p[13] = p[14] = (sqlparam_t){.type = SQLP_NULL};
        p[16] = sqlp_text(l->user_context);
    }
    return n;
}

static void put_where(sqlsess_mytext_t *t, MYSQL *my, const sqlcore_write_t *w)
{
    sqlparam_t p[SQLCORE_MAXCOLS];
    char addr[INET6_ADDRSTRLEN];
    my_bind(&w->lease, p, addr);
    puts_(t, " WHERE address = ");
    put_param(t, my, &p[0]);
    if (w->conditional) {
        puts_(t, " AND expire = ");
        put_time(t, w->cond_expire);
    }
}

/* The columns of l: values only (set false, for an INSERT's row) or "column = value" after the
 * address (for an UPDATE's SET). */
static void put_cols(sqlsess_mytext_t *t, MYSQL *my, const lease_t *l, bool set)
{
    sqlparam_t p[SQLCORE_MAXCOLS];
    char addr[INET6_ADDRSTRLEN];
    int n = my_bind(l, p, addr);
    const char *const *cols = l->family == LEASE_V6 ? sqlcore_cols6 : sqlcore_cols4;
    for (int c = set ? 1 : 0; c < n; c++) {
        if (c > (set ? 1 : 0))
            puts_(t, ", ");
        if (set) {
            puts_(t, cols[c]);
            puts_(t, " = ");
        }
        put_param(t, my, &p[c]);
    }
}

void my_text_insert(sqlsess_mytext_t *t, MYSQL *my, const sqlcore_write_t *w, unsigned count)
{
    bool v6 = w->lease.family == LEASE_V6;
    puts_(t, v6 ? "INSERT INTO lease6 (" SQLCORE_COLS6 ") VALUES " : "INSERT INTO lease4 (" SQLCORE_COLS4 ") VALUES ");
    for (unsigned i = 0; i < count; i++, w = w->next) {
        puts_(t, i ? ", (" : "(");
        put_cols(t, my, &w->lease, false);
        puts_(t, ")");
    }
    puts_(t, ";");
}

void my_text_write(sqlsess_mytext_t *t, MYSQL *my, const sqlcore_write_t *w)
{
    if (w->kind == OVERLAY4_ADD) {
        my_text_insert(t, my, w, 1);
        return;
    }
    const char *table = w->lease.family == LEASE_V6 ? "lease6" : "lease4";
    if (w->kind == OVERLAY4_DEL) {
        puts_(t, "DELETE FROM ");
        puts_(t, table);
    } else {
        puts_(t, "UPDATE ");
        puts_(t, table);
        puts_(t, " SET ");
        put_cols(t, my, &w->lease, true);
    }
    put_where(t, my, w);
    puts_(t, ";");
}

void my_text_raw(sqlsess_mytext_t *t, const char *sql)
{
    puts_(t, sql);
}
