/* MySQL lease store: a batch of queued writes as one multi-statement text query (see
 * mysql4_int.h). The prepared statements of mysql4.c cost one round trip each; a batch sent as
 * text costs one round trip in all, and the database reports each statement's outcome in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "lease/mysql4_int.h"

static void reserve(my4_text_t *t, size_t more)
{
    if (t->len + more + 1 <= t->cap)
        return;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + more + 1)
        cap *= 2;
    t->buf = xrealloc(t->buf, cap);
    t->cap = cap;
}

static void put(my4_text_t *t, const char *s, size_t n)
{
    reserve(t, n);
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = 0;
}

static void puts_(my4_text_t *t, const char *s) { put(t, s, strlen(s)); }

static void putu(my4_text_t *t, unsigned long long v)
{
    char n[24];
    put(t, n, (size_t)snprintf(n, sizeof n, "%llu", v));
}

static void put_hex(my4_text_t *t, const uint8_t *p, size_t n)
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
static void put_str(my4_text_t *t, MYSQL *my, const char *s)
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
static void put_time(my4_text_t *t, int64_t epoch)
{
    MYSQL_TIME tm;
    myconn_to_time(epoch, &tm);
    char s[40];
    put(t, s, (size_t)snprintf(s, sizeof s, "'%04u-%02u-%02u %02u:%02u:%02u'", tm.year, tm.month, tm.day, tm.hour,
                               tm.minute, tm.second));
}

static void put_where(my4_text_t *t, const my4_write_t *w)
{
    puts_(t, " WHERE address = ");
    putu(t, w->lease.addr.v4);
    if (w->conditional) {
        puts_(t, " AND expire = ");
        put_time(t, w->cond_expire);
    }
}

/* The columns of l after address, in MY4_COLS order: values only (set false, for an INSERT's
 * row) or "column = value" (for an UPDATE's SET). */
static void put_cols(my4_text_t *t, MYSQL *my, const lease_t *l, bool set)
{
    static const char *const name[] = {"hwaddr", "client_id", "valid_lifetime", "expire", "subnet_id",
                                       "fqdn_fwd", "fqdn_rev", "hostname", "state", "user_context"};
    for (unsigned c = 0; c < sizeof name / sizeof name[0]; c++) {
        if (c)
            puts_(t, ", ");
        if (set) {
            puts_(t, name[c]);
            puts_(t, " = ");
        }
        switch (c) {
        case 0: put_hex(t, l->hwaddr, l->hwaddr_len); break;
        case 1: put_hex(t, l->client_id, l->client_id_len); break;
        case 2: putu(t, l->valid_lft); break;
        case 3: put_time(t, overlay4_db_expire(l)); break;
        case 4: putu(t, l->subnet_id); break;
        case 5: putu(t, l->fqdn_fwd); break;
        case 6: putu(t, l->fqdn_rev); break;
        case 7: put_str(t, my, l->hostname ? l->hostname : ""); break; /* "" as Kea */
        case 8: putu(t, l->state); break;
        default: put_str(t, my, l->user_context); break;
        }
    }
}

void my4_text_insert(my4_text_t *t, MYSQL *my, const my4_write_t *w, unsigned count)
{
    puts_(t, "INSERT INTO lease4 (" MY4_COLS ") VALUES ");
    for (unsigned i = 0; i < count; i++, w = w->next) {
        puts_(t, i ? ", (" : "(");
        putu(t, w->lease.addr.v4);
        puts_(t, ", ");
        put_cols(t, my, &w->lease, false);
        puts_(t, ")");
    }
    puts_(t, ";");
}

void my4_text_write(my4_text_t *t, MYSQL *my, const my4_write_t *w)
{
    if (w->kind == OVERLAY4_ADD) {
        my4_text_insert(t, my, w, 1);
        return;
    }
    if (w->kind == OVERLAY4_DEL) {
        puts_(t, "DELETE FROM lease4");
    } else {
        puts_(t, "UPDATE lease4 SET ");
        put_cols(t, my, &w->lease, true);
    }
    put_where(t, w);
    puts_(t, ";");
}

void my4_text_raw(my4_text_t *t, const char *sql)
{
    puts_(t, sql);
}

void my4_text_free(my4_text_t *t)
{
    free(t->buf);
    *t = (my4_text_t){0};
}
