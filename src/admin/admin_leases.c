/* nestor-admin lease-dump and lease-upload: leases between an SQL database and a file in Kea's
 * memfile CSV format (see admin.h). Both go through the backend's lease store, so they read and
 * write exactly what the servers do. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin/admin.h"
#include "common/errcode.h"
#include "common/util.h"
#include "lease/memfile_int.h"

#define PAGE 1000

/* The CSV dialect of the family (-4 or -6): Kea's lease4 or lease6 memfile rows. */
static const memfile_csv_t *csv_of(const admin_opts_t *o)
{
    return o->family == 6 ? &memfile_csv6 : &memfile_csv4;
}

static void key_text(const lease_t *l, char text[INET6_ADDRSTRLEN])
{
    uint32_t a = l->addr.v4;
    if (l->family == LEASE_V6)
        inet_ntop(AF_INET6, &l->addr.v6, text, INET6_ADDRSTRLEN);
    else
        snprintf(text, INET6_ADDRSTRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void progress(const char *what, size_t n, bool done)
{
    if (!isatty(STDERR_FILENO))
        return;
    fprintf(stderr, "\r%s %zu lease(s)%s", what, n, done ? "\n" : "");
}

/* kea-admin's rule: an existing output file is overwritten only when -y is given or a user at a
 * terminal says so. */
static bool may_write(const admin_opts_t *o)
{
    struct stat st;
    if (stat(o->output, &st) != 0)
        return true;
    if (o->yes)
        return true;
    if (!isatty(STDIN_FILENO)) {
        fprintf(stderr, "nestor-admin: %s exists; not overwriting it (give -y to overwrite)\n", o->output);
        return false;
    }
    fprintf(stderr, "%s exists. Overwrite it? [y/N] ", o->output);
    char ans[16] = "";
    if (!fgets(ans, sizeof ans, stdin) || (ans[0] != 'y' && ans[0] != 'Y'))
        return false;
    return true;
}

static int open_store(const admin_backend_t *b, const admin_opts_t *o, lease_store_t **st)
{
    char err[768];
    if (!b->open_store) {
        fprintf(stderr, "nestor-admin: lease commands are not available for %s in this build\n", b->name);
        return 1;
    }
    if (b->open_store(&o->db, st, err, sizeof err)) {
        fprintf(stderr, "nestor-admin: cannot open the %s lease database %s: %s\n", b->name, o->db.name, err);
        return 1;
    }
    return 0;
}

int admin_lease_dump(const admin_backend_t *b, const admin_opts_t *o)
{
    if (!o->output) {
        fprintf(stderr, "nestor-admin: lease-dump needs an output file (-o FILE)\n");
        return 2;
    }
    if (!may_write(o))
        return 1;
    lease_store_t *st;
    if (open_store(b, o, &st))
        return 1;
    /* Written to a temporary file renamed at the end: a failed dump never leaves half a file. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.nestor-tmp", o->output);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "nestor-admin: cannot create %s: %s\n", tmp, strerror(errno));
        st->ops->close(st);
        return 1;
    }
    const memfile_csv_t *csv = csv_of(o);
    fprintf(f, "%s\n", csv->header);
    size_t total = 0;
    lease_query_t q = {.family = csv->family, .by = LEASE_BY_PAGE, .limit = PAGE}; /* from the first */
    int rc = 0;
    for (;;) {
        lease_list_t page = {0};
        int r = st->ops->list(st, &q, &page);
        if (r) {
            fprintf(stderr, "\nnestor-admin: reading leases failed (%s)\n", nst_strerror(r));
            rc = 1;
            break;
        }
        for (size_t i = 0; i < page.count; i++) {
            size_t cap = csv->row_max_len(&page.items[i]);
            char *buf = xmalloc(cap);
            int n = csv->format_row(&page.items[i], buf, cap);
            if (n > 0)
                fwrite(buf, 1, (size_t)n, f);
            free(buf);
            q.after = lease_key_of(&page.items[i]);
        }
        total += page.count;
        progress("dumped", total, false);
        size_t got = page.count;
        lease_list_free(&page);
        if (got < PAGE)
            break;
    }
    st->ops->close(st);
    if (fflush(f) || fsync(fileno(f)) || fclose(f)) {
        fprintf(stderr, "nestor-admin: writing %s failed: %s\n", tmp, strerror(errno));
        rc = 1;
    }
    if (rc || rename(tmp, o->output)) {
        unlink(tmp);
        return 1;
    }
    progress("dumped", total, true);
    printf("lease%d successfully dumped to %s (%zu lease(s))\n", o->family == 6 ? 6 : 4, o->output, total);
    return 0;
}

typedef struct up_row {
    lease_t lease;
    bool del;
    size_t seq;
} up_row_t;

/* By address (v6: whatever the type, as Kea keeps a v6 address unique), then file order. */
static int same_addr(const lease_t *x, const lease_t *y)
{
    lease_key_t a = lease_key_of(x), b = lease_key_of(y);
    a.type = b.type = 0;
    return lease_key_cmp(&a, &b);
}

static int by_addr_then_seq(const void *a, const void *b)
{
    const up_row_t *x = a, *y = b;
    int c = same_addr(&x->lease, &y->lease);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static atomic_size_t up_failed;

static void up_done(void *arg, int err)
{
    if (err)
        atomic_fetch_add(&up_failed, 1);
}

int admin_lease_upload(const admin_backend_t *b, const admin_opts_t *o)
{
    if (!o->input) {
        fprintf(stderr, "nestor-admin: lease-upload needs an input file (-i FILE)\n");
        return 2;
    }
    FILE *f = fopen(o->input, "r");
    if (!f) {
        fprintf(stderr, "nestor-admin: cannot read %s: %s\n", o->input, strerror(errno));
        return 1;
    }
    char *line = NULL, err[512];
    size_t cap = 0, n = 0, rcap = 0, bad = 0;
    up_row_t *rows = NULL;
    const memfile_csv_t *csv = csv_of(o);
    csv_schema_t schema;
    unsigned lineno = 0;
    int rc = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (lineno == 1) {
            if (csv_parse_header(csv->dialect, line, &schema, err, sizeof err)) {
                fprintf(stderr, "nestor-admin: %s is not a %s CSV file: %s\n", o->input, csv->dialect->what, err);
                rc = 1;
                break;
            }
            continue;
        }
        if (!len)
            continue;
        lease_t l;
        bool del;
        err[0] = 0;
        if (csv->parse_row(&schema, line, lineno, &l, &del, err, sizeof err)) {
            fprintf(stderr, "nestor-admin: %s: skipped: %s\n", o->input, err);
            bad++;
            continue;
        }
        if (n == rcap)
            rows = realloc(rows, (rcap = rcap ? rcap * 2 : 1024) * sizeof *rows);
        if (!rows)
            abort();
        lease_dup(&rows[n].lease, &l); /* the parsed lease borrows the line */
        rows[n].del = del;
        rows[n].seq = n;
        n++;
    }
    free(line);
    fclose(f);
    lease_store_t *st = NULL;
    if (!rc && open_store(b, o, &st))
        rc = 1;
    size_t written = 0, removed = 0;
    if (!rc) {
        /* As kea-lfc: the last row of an address wins, and a zero lifetime deletes it. */
        qsort(rows, n, sizeof *rows, by_addr_then_seq);
        for (size_t i = 0; i < n; i++) {
            if (i + 1 < n && !same_addr(&rows[i + 1].lease, &rows[i].lease))
                continue;
            lease_t old;
            lease_key_t key = lease_key_of(&rows[i].lease);
            bool exists = st->ops->get(st, &key, &old) == 0;
            int r = 0;
            if (rows[i].del) {
                if (exists) {
                    r = lease_store_del(st, &old, up_done, NULL);
                    removed += r == 0;
                }
            } else {
                r = exists ? lease_store_update(st, &rows[i].lease, NULL, up_done, NULL)
                           : lease_store_add(st, &rows[i].lease, up_done, NULL);
                written += r == 0;
            }
            if (exists)
                lease_free(&old);
            if (r) {
                char text[INET6_ADDRSTRLEN];
                key_text(&rows[i].lease, text);
                fprintf(stderr, "nestor-admin: lease %s refused: %s\n", text, nst_strerror(r));
                atomic_fetch_add(&up_failed, 1);
            }
            if ((written + removed) % PAGE == 0)
                progress("uploaded", written + removed, false);
        }
        st->ops->flush(st);
        st->ops->close(st);
        progress("uploaded", written + removed, true);
    }
    for (size_t i = 0; i < n; i++)
        lease_free(&rows[i].lease);
    free(rows);
    if (rc)
        return rc;
    size_t failed = atomic_load(&up_failed);
    printf("%zu lease(s) written, %zu removed, %zu row(s) skipped as malformed, %zu failed\n",
           written - (failed < written ? failed : written), removed, bad, failed);
    return failed ? 1 : 0;
}
