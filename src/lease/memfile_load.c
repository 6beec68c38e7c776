/* Memfile start-up: the pid-file check, reading lease files in Kea's order, applying rows. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errcode.h"
#include "lease/csv4.h"
#include "lease/csv6.h"
#include "lease/lfile.h"
#include "lease/memfile_int.h"

/* ---- the CSV dialects ---- */

_Static_assert(sizeof(csv_schema_t) <= MEMFILE_SCHEMA_MAX, "schema buffer too small");

const memfile_csv_t memfile_csv4 = {
    .family = LEASE_V4, .header = CSV4_HEADER, .dialect = &csv4_dialect,
    .parse_row = csv4_parse_row, .format_row = csv4_format_row,
    .row_max_len = csv4_row_max_len, .check_lease = csv4_check_lease,
};

const memfile_csv_t memfile_csv6 = {
    .family = LEASE_V6, .header = CSV6_HEADER, .dialect = &csv6_dialect,
    .parse_row = csv6_parse_row, .format_row = csv6_format_row,
    .row_max_len = csv6_row_max_len, .check_lease = csv6_check_lease,
};

/* ---- pid file ---- */

int memfile_check_pid(const char *pidpath, char *err, size_t errlen)
{
    char buf[32];
    int fd = open(pidpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    long pid = strtol(buf, NULL, 10);
    if (pid <= 0 || pid == (long)getpid())
        return 0; /* garbage, or a stale file of ours */
    if (kill((pid_t)pid, 0) == 0 || errno == EPERM) {
        snprintf(err, errlen, "lease file cleanup (pid %ld, from %s) is running", pid, pidpath);
        return NST_EBUSY;
    }
    return 0;
}

/* ---- reading ---- */

/* A bad row: counted, reported when report_rows, and fatal past max_errors (non-zero). */
static int bad_row(const memfile_store_t *m, const char *path, const char *msg,
                   uint32_t max_errors, bool report_rows, uint64_t *errors, char *err,
                   size_t errlen)
{
    (*errors)++;
    if (report_rows)
        memfile_report(m, MEMFILE_SEV_ERROR, "DHCPSRV_MEMFILE_LEASE_LOAD_ROW_ERROR",
                       "discarding row of %s, error: %s", path, msg);
    if (max_errors && *errors > max_errors) {
        snprintf(err, errlen, "%s: more than %u bad rows (max-row-errors), last: %s", path,
                 max_errors, msg);
        return NST_EMALFORMED;
    }
    return 0;
}

int memfile_read_file(const memfile_store_t *m, const char *path, void *schema,
                      memfile_row_fn row, void *ctx, uint32_t max_errors,
                      bool report_rows, uint64_t *rows, uint64_t *errors, bool *missing,
                      char *err, size_t errlen)
{
    lfile_reader_t r;
    char msg[512];
    char *line;
    size_t len;
    uint64_t off;
    csv_schema_t *sch = schema;
    int rc = lfile_open(&r, path);
    *missing = false;
    *rows = *errors = 0;
    csv_schema_current(m->csv->dialect, sch); /* until a header says otherwise */
    if (rc == NST_ENOENT) {
        *missing = true;
        return 0;
    }
    if (rc < 0) {
        snprintf(err, errlen, "cannot open lease file %s: %s", path, strerror(-rc));
        return rc;
    }
    bool have_header = false;
    while ((rc = lfile_next(&r, &line, &len, &off)) > 0) {
        if (rc == 1 && len == 0)
            continue; /* Kea skips blank lines */
        if (rc == LFILE_LONG)
            snprintf(msg, sizeof msg, "line %u: longer than %u bytes (%zu)", r.lineno,
                     LFILE_MAX_LINE - 1, len);
        else if (strlen(line) != len)
            snprintf(msg, sizeof msg, "line %u: contains a NUL byte (offset %zu)", r.lineno,
                     strlen(line));
        else
            msg[0] = '\0';
        if (!have_header) {
            if (msg[0] || csv_parse_header(m->csv->dialect, line, sch, msg, sizeof msg) < 0) {
                snprintf(err, errlen, "%s: %s", path, msg);
                rc = NST_EMALFORMED;
                break;
            }
            have_header = true;
            continue;
        }
        lease_t l;
        bool del;
        (*rows)++;
        if (msg[0] || m->csv->parse_row(sch, line, r.lineno, &l, &del, msg, sizeof msg) < 0) {
            rc = bad_row(m, path, msg, max_errors, report_rows, errors, err, errlen);
            if (rc < 0)
                break;
            continue;
        }
        if (msg[0] && report_rows) /* the row loses a value it could not read (csv6) */
            memfile_report(m, MEMFILE_SEV_WARN, "DHCPSRV_MEMFILE_READ_HWADDR_FAIL",
                           "%s: %s", path, msg);
        row(ctx, &l, del, off);
    }
    if (rc < 0 && rc != NST_EMALFORMED)
        snprintf(err, errlen, "cannot read lease file %s: %s", path, strerror(-rc));
    lfile_close(&r);
    return rc < 0 ? rc : 0;
}

/* A row read at start-up, applied as Kea's loader does: the last row of an address wins, a
 * delete row removes it. */
static void apply(void *ctx, const lease_t *l, bool is_delete, uint64_t offset)
{
    memfile_store_t *m = ctx;
    memfile_idx_t *x = &m->idx;
    (void)offset;
    if (!is_delete && m->cfg.check) {
        lease_t c = *l; /* shallow: only the subnet-id may change */
        if (m->cfg.check(m->cfg.check_arg, &c))
            return;
        memfile_idx_upsert(x, &c);
        return;
    }
    if (is_delete) {
        memfile_key_t k;
        memfile_key_of_lease(l, &k);
        uint32_t id = memfile_idx_find(x, &k);
        if (id != MEMFILE_NONE)
            memfile_idx_remove(x, id);
    } else {
        memfile_idx_upsert(x, l);
    }
}

int memfile_load_all(memfile_store_t *m, bool *needs_conversion, char *err, size_t errlen)
{
    char *completed = memfile_suffixed(m->path, ".completed");
    char *files[3];
    size_t nfiles = 0;
    int rc = 0;
    *needs_conversion = false;
    if (lfile_exists(completed)) {
        files[nfiles++] = completed;
        completed = NULL;
    } else {
        files[nfiles++] = memfile_suffixed(m->path, ".2");
        files[nfiles++] = memfile_suffixed(m->path, ".1");
    }
    free(completed);
    for (size_t i = 0; i < nfiles + 1 && rc == 0; i++) {
        const char *path = i < nfiles ? files[i] : m->path;
        csv_schema_t schema;
        uint64_t rows, errors;
        bool missing;
        rc = memfile_read_file(m, path, &schema, apply, m, m->cfg.max_row_errors, true,
                               &rows, &errors, &missing, err, errlen);
        atomic_fetch_add(&m->st_load_rows, rows);
        atomic_fetch_add(&m->st_load_errors, errors);
        if (missing || rc < 0)
            continue;
        memfile_report(m, MEMFILE_SEV_INFO, "DHCPSRV_MEMFILE_LEASE_FILE_LOAD",
                       "loaded leases from file %s: %llu rows, %llu discarded", path,
                       (unsigned long long)rows, (unsigned long long)errors);
        int age = rc == 0 ? csv_schema_age(m->csv->dialect, &schema) : 0;
        if (age != 0) {
            memfile_report(m, MEMFILE_SEV_WARN,
                           age < 0 ? "DHCPSRV_MEMFILE_NEEDS_UPGRADING"
                                   : "DHCPSRV_MEMFILE_NEEDS_DOWNGRADING",
                           "lease file %s has schema %s; it will be rewritten in the current "
                           "schema", path, csv_schema_version(m->csv->dialect, &schema));
            *needs_conversion = true;
        }
    }
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    return rc;
}
