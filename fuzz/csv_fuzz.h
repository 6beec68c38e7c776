/* The body of the memfile CSV fuzz targets (fuzz/csv4, fuzz/csv6), for one family's dialect.
 *
 * The input is used twice: (1) as a lease file body after the current header, every line
 * going through the dialect's parse_row(); (2) with its first line as the header (rows after it
 * parsed with that header's column mapping). Every row that parses must pass check_lease(),
 * format within row_max_len(), and re-parse to the same lease whose row formats to the same
 * bytes (format is a fixed point). A failing row must explain itself in err. Any violation
 * aborts. */
#ifndef NESTOR_FUZZ_CSV_FUZZ_H
#define NESTOR_FUZZ_CSV_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lease/memfile_int.h"

static bool same_text(const char *a, const char *b)
{
    return !a == !b && (!a || strcmp(a, b) == 0);
}

static void same_lease(const lease_t *a, const lease_t *b)
{
    if (a->family != b->family || memcmp(&a->addr, &b->addr, sizeof a->addr) != 0 ||
        a->type != b->type || a->prefix_len != b->prefix_len ||
        a->hwaddr_len != b->hwaddr_len || memcmp(a->hwaddr, b->hwaddr, a->hwaddr_len) != 0 ||
        a->hwtype != b->hwtype || a->hwaddr_source != b->hwaddr_source ||
        a->client_id_len != b->client_id_len ||
        (a->client_id_len && memcmp(a->client_id, b->client_id, a->client_id_len) != 0) ||
        a->valid_lft != b->valid_lft || a->pref_lft != b->pref_lft || a->iaid != b->iaid ||
        a->cltt != b->cltt || a->subnet_id != b->subnet_id || a->fqdn_fwd != b->fqdn_fwd ||
        a->fqdn_rev != b->fqdn_rev || a->state != b->state ||
        !same_text(a->hostname, b->hostname) || !same_text(a->user_context, b->user_context))
        abort();
}

static void check_row(const memfile_csv_t *csv, const csv_schema_t *schema, char *line,
                      unsigned lineno)
{
    lease_t l, again;
    bool del, del2;
    char err[256];
    if (csv->parse_row(schema, line, lineno, &l, &del, err, sizeof err) != 0) {
        if (err[0] == '\0')
            abort(); /* every failure explains itself */
        return;
    }
    if (csv->check_lease(&l, err, sizeof err) != 0)
        abort();
    size_t cap = csv->row_max_len(&l);
    char *row = malloc(cap), *row2 = malloc(cap), *row3 = malloc(cap);
    int n = csv->format_row(&l, row, cap);
    if (n <= 0 || (size_t)n >= cap || row[n - 1] != '\n')
        abort();
    memcpy(row2, row, (size_t)n + 1);
    row2[n - 1] = '\0';
    csv_schema_t cur;
    csv_schema_current(csv->dialect, &cur);
    if (csv->parse_row(&cur, row2, lineno, &again, &del2, err, sizeof err) != 0 || del != del2 ||
        err[0] != '\0')
        abort(); /* what we write reads back without even a warning */
    same_lease(&l, &again);
    if (csv->format_row(&again, row3, cap) != n || memcmp(row, row3, (size_t)n) != 0)
        abort();
    free(row);
    free(row2);
    free(row3);
}

/* Parses lines of buf[0..len) (a writable copy); if header_first, the first line is the
 * header instead. */
static void run(const memfile_csv_t *csv, char *buf, size_t len, bool header_first)
{
    csv_schema_t schema;
    char err[256];
    unsigned lineno = 0;
    csv_schema_current(csv->dialect, &schema);
    char *p = buf, *end = buf + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        *stop = '\0';
        lineno++;
        if (header_first && lineno == 1) {
            if (csv_parse_header(csv->dialect, p, &schema, err, sizeof err) != 0)
                return;
        } else if (*p) {
            check_row(csv, &schema, p, lineno);
        }
        p = stop + 1;
    }
}

static int fuzz_csv(const memfile_csv_t *csv, const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    for (int pass = 0; pass < 2; pass++) {
        memcpy(buf, data, size);
        buf[size] = '\0';
        run(csv, buf, size, pass == 1);
    }
    free(buf);
    return 0;
}

/* Defines the libFuzzer entry point for one memfile_csv_t. */
#define CSV_FUZZ_TARGET(csv)                                                                   \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                              \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_csv(&(csv), data, size); }

#endif
