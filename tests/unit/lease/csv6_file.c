/* A lease6 file through csv6 (see csv6_file.h). */
#include "csv6_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/csv6.h"
#include "lease/lfile.h"

static int by_address(const void *a, const void *b)
{
    return memcmp(&((const lease_t *)a)->addr.v6, &((const lease_t *)b)->addr.v6, 16);
}

static void count(csv6_file_stats_t *st, const lease_t *l, const char *text, bool del)
{
    st->rows++;
    st->deletes += del;
    st->na += l->type == LEASE6_NA;
    st->ta += l->type == LEASE6_TA;
    st->pd += l->type == LEASE6_PD;
    st->declined += l->state == LEASE_STATE_DECLINED;
    st->reclaimed += l->state == LEASE_STATE_RECLAIMED;
    st->hostnames += l->hostname != NULL;
    st->escaped += strstr(text, "&#x") != NULL;
    st->contexts += l->user_context != NULL;
    st->hwaddrs += l->hwaddr_len > 0;
}

/* Applies l as Kea's lease file loader does. */
static void apply(lease_list_t *left, const lease_t *l, bool del)
{
    for (size_t i = 0; i < left->count; i++) {
        if (memcmp(&left->items[i].addr.v6, &l->addr.v6, 16) != 0)
            continue;
        lease_free(&left->items[i]);
        if (del)
            left->items[i] = left->items[--left->count];
        else
            lease_dup(&left->items[i], l);
        return;
    }
    if (!del)
        lease_list_push(left, l);
}

int csv6_file_check(const char *path, csv6_file_stats_t *st, lease_list_t *left, char *err,
                    size_t errlen)
{
    lfile_reader_t r;
    char *line;
    size_t len;
    uint64_t off;
    csv_schema_t schema;
    bool have_header = false;
    memset(st, 0, sizeof *st);
    int rc = lfile_open(&r, path);
    if (rc < 0)
        return errf(err, errlen, rc, "%s: %s", path, nst_strerror(rc));
    while (rc >= 0 && (rc = lfile_next(&r, &line, &len, &off)) > 0) {
        if (len == 0)
            continue;
        if (!have_header) {
            rc = csv_parse_header(&csv6_dialect, line, &schema, err, errlen);
            have_header = true;
            continue;
        }
        char *copy = xstrdup(line), *again = NULL;
        lease_t l;
        bool del;
        rc = csv6_parse_row(&schema, copy, r.lineno, &l, &del, err, errlen);
        if (rc == 0) {
            st->warnings += err[0] != '\0';
            count(st, &l, line, del);
            size_t cap = csv6_row_max_len(&l);
            again = xmalloc(cap);
            int n = csv6_format_row(&l, again, cap);
            if (n <= 0 || (size_t)n != len + 1 || memcmp(again, line, len) != 0)
                rc = errf(err, errlen, NST_EMALFORMED, "line %u: formatted again as %s",
                          r.lineno, n > 0 ? again : nst_strerror(n));
            else
                apply(left, &l, del);
        }
        free(again);
        free(copy);
    }
    lfile_close(&r);
    if (rc == 0 && !have_header)
        rc = errf(err, errlen, NST_EMALFORMED, "%s: no header", path);
    qsort(left->items, left->count, sizeof(lease_t), by_address);
    return rc < 0 ? rc : 0;
}

char *csv6_file_compact(const lease_list_t *left)
{
    size_t cap = sizeof(CSV6_HEADER) + 1, len;
    for (size_t i = 0; i < left->count; i++)
        cap += csv6_row_max_len(&left->items[i]);
    char *out = xmalloc(cap);
    len = (size_t)snprintf(out, cap, "%s\n", CSV6_HEADER);
    for (size_t i = 0; i < left->count; i++) {
        int n = csv6_format_row(&left->items[i], out + len, cap - len);
        if (n > 0)
            len += (size_t)n;
    }
    return out;
}
