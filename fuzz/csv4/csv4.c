/* libFuzzer target: Kea lease4 CSV rows and headers.
 *
 * The input is used twice: (1) as a lease file body after the current header, every line
 * going through csv4_parse_row(); (2) with its first line as the header (rows after it parsed
 * with that header's column mapping). Every row that parses must pass csv4_check_lease(),
 * format within csv4_row_max_len(), and re-parse to the same lease whose row formats to the
 * same bytes (format is a fixed point). Any violation aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lease/csv4.h"

static void same_lease(const lease_t *a, const lease_t *b)
{
    if (a->addr.v4 != b->addr.v4 || a->hwaddr_len != b->hwaddr_len ||
        memcmp(a->hwaddr, b->hwaddr, a->hwaddr_len) != 0 ||
        a->client_id_len != b->client_id_len ||
        (a->client_id_len && memcmp(a->client_id, b->client_id, a->client_id_len) != 0) ||
        a->valid_lft != b->valid_lft || a->cltt != b->cltt || a->subnet_id != b->subnet_id ||
        a->fqdn_fwd != b->fqdn_fwd || a->fqdn_rev != b->fqdn_rev || a->state != b->state ||
        !a->hostname != !b->hostname || (a->hostname && strcmp(a->hostname, b->hostname)) ||
        !a->user_context != !b->user_context ||
        (a->user_context && strcmp(a->user_context, b->user_context)))
        abort();
}

static void check_row(const csv4_schema_t *schema, char *line, unsigned lineno)
{
    lease_t l, again;
    bool del, del2;
    char err[256];
    if (csv4_parse_row(schema, line, lineno, &l, &del, err, sizeof err) != 0) {
        if (err[0] == '\0')
            abort(); /* every failure explains itself */
        return;
    }
    if (csv4_check_lease(&l, err, sizeof err) != 0)
        abort();
    size_t cap = csv4_row_max_len(&l);
    char *row = malloc(cap), *row2 = malloc(cap);
    int n = csv4_format_row(&l, row, cap);
    if (n <= 0 || (size_t)n >= cap || row[n - 1] != '\n')
        abort();
    memcpy(row2, row, (size_t)n + 1);
    row2[n - 1] = '\0';
    csv4_schema_t cur;
    csv4_schema_current(&cur);
    if (csv4_parse_row(&cur, row2, lineno, &again, &del2, err, sizeof err) != 0 || del != del2)
        abort();
    same_lease(&l, &again);
    char *row3 = malloc(cap);
    if (csv4_format_row(&again, row3, cap) != n || memcmp(row, row3, (size_t)n) != 0)
        abort();
    free(row);
    free(row2);
    free(row3);
}

/* Parses lines of buf[0..len) (a writable copy) with schema; if header_first, the first line
 * is the header instead. */
static void run(char *buf, size_t len, bool header_first)
{
    csv4_schema_t schema;
    char err[256];
    unsigned lineno = 0;
    csv4_schema_current(&schema);
    char *p = buf, *end = buf + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        *stop = '\0';
        lineno++;
        if (header_first && lineno == 1) {
            if (csv4_parse_header(p, &schema, err, sizeof err) != 0)
                return;
        } else if (*p) {
            check_row(&schema, p, lineno);
        }
        p = stop + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    for (int pass = 0; pass < 2; pass++) {
        memcpy(buf, data, size);
        buf[size] = '\0';
        run(buf, size, pass == 1);
    }
    free(buf);
    return 0;
}
