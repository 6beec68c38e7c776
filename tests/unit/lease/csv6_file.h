/* A whole lease6 file through csv6, as the unit tests and the Kea interop test
 * (tests/integration/test_csv6_kea.py, through the csv6_kea_check tool) check it: every row is
 * parsed and formatted again and must come back byte for byte; the rows are applied as Kea's
 * loader applies them (last row of an address wins, valid_lifetime 0 deletes). */
#ifndef NESTOR_TEST_CSV6_FILE_H
#define NESTOR_TEST_CSV6_FILE_H

#include <stddef.h>

#include "lease/lease.h"

typedef struct csv6_file_stats {
    unsigned rows, deletes, warnings;
    unsigned na, ta, pd;                     /* rows by lease type */
    unsigned declined, reclaimed;            /* rows by state */
    unsigned hostnames, escaped, contexts, hwaddrs;
} csv6_file_stats_t;

/* Checks path (see above). The leases left go to *left in address order (caller frees).
 * 0, or < 0 with the first failure in err ("line N: ..."). */
int csv6_file_check(const char *path, csv6_file_stats_t *st, lease_list_t *left, char *err,
                    size_t errlen);

/* The file kea-lfc would write for these leases (header, rows in address order); malloc'd. */
char *csv6_file_compact(const lease_list_t *left);

#endif
