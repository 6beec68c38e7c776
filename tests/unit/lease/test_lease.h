/* The lease unit test executable: one cmocka group per source file, plus shared helpers. */
#ifndef NESTOR_TEST_LEASE_H
#define NESTOR_TEST_LEASE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/util.h"
#include "lease/lease.h"
#include "lease/memfile.h"

int test_model_run(void);
int test_csv4_run(void);
int test_csv6_run(void);
int test_index_run(void);
int test_memfile_run(void);
int test_memfile6_run(void);
int test_conformance_run(void);
int test_durable_run(void);
int test_lfc_run(void);
int test_sqlcache_run(void);
int test_sqlbatch_run(void);
int test_json_run(void);
int test_sqlconns_run(void);
int test_sqlcore_run(void);
int test_overlay4_run(void);

/* ---- helpers (test_util.c) ---- */

/* A fresh temporary directory (removed with its files by tl_rmdir). */
char *tl_mkdtemp(void);
void tl_rmdir(char *dir);
/* A temporary directory and the lease file X (named name), X.1 and X.2 in it. */
typedef struct tl_dir {
    char *dir, *x, *x1, *x2;
} tl_dir_t;
void tl_dir_init(tl_dir_t *d, const char *name);
void tl_dir_free(tl_dir_t *d); /* removes the directory and its files */
/* dir + "/" + name, malloc'd. */
char *tl_path(const char *dir, const char *name);
/* Whole file as a NUL-terminated string (NULL if missing). */
char *tl_read(const char *path);
void tl_write(const char *path, const char *text);
bool tl_exists(const char *path);

/* A v4 lease: 10.0.x.y style address in host order, hw ending in hwlast, subnet 1. */
void tl_lease(lease_t *l, uint32_t addr, uint8_t hwlast, int64_t cltt);
/* A v6 lease of subnet 1: 2001:db8:1::<last> (PD: 2001:db8:8000:<last>::/64), the DUID
 * 00:01:00:01:32:a5:37:9c:0c:<duid_last>, valid 4000, preferred 3000, no hwaddr. */
void tl_lease6(lease_t *l, enum lease6_type type, uint16_t last, uint32_t iaid, uint8_t duid_last,
               int64_t cltt);
/* Asserts two leases are equal field by field. */
void tl_assert_lease_eq(const lease_t *a, const lease_t *b);

/* A report() sink that counts messages and remembers the last one. */
typedef struct tl_reports {
    int count, row_errors, errors;
    char last_id[96];
    char last_text[1024];
    char last_row_error[1024];
} tl_reports_t;
void tl_report(void *arg, int severity, const char *msgid, const char *text);

/* memfile config with report wired to r (may be NULL). */
memfile_config_t tl_config(const char *path, tl_reports_t *r);
/* Opens and asserts success. */
lease_store_t *tl_open(const memfile_config_t *cfg);

/* The keyed store API, v4, in the shapes the tests use (lease.h). Lookups of one lease return 0
 * or NST_ENOENT; counts are returned (or < 0). */
int tl_client4(lease_store_t *s, bool by_hw, const uint8_t *id, size_t len, uint32_t subnet_id, lease_t *out);
int tl_list4(lease_store_t *s, enum lease_by by, const uint8_t *id, size_t len, lease_list_t *out);
int tl_hostname4(lease_store_t *s, const char *hostname, lease_list_t *out);
int tl_subnet4(lease_store_t *s, uint32_t subnet_id, lease_list_t *out);
/* Leases after address `after` (0: from the first). */
int tl_page4(lease_store_t *s, uint32_t after, size_t limit, lease_list_t *out);
int tl_delete_reclaimed4(lease_store_t *s, int64_t now, uint32_t secs);
int tl_wipe4(lease_store_t *s, uint32_t subnet_id);

/* Opens cfg's files again and asserts the store read back holds what s holds. */
void tl_assert_reloads(lease_store_t *s, const memfile_config_t *cfg);
/* memfile: every later write fails (the lease file is swapped for /dev/full), until called
 * again with fail false. One store at a time. false when /dev/full cannot be opened. */
bool tl_memfile_fail_writes(lease_store_t *s, bool fail);
/* Every lease of the store (of the family it holds) in address order. */
void tl_all(lease_store_t *s, lease_list_t *out);
/* Asserts both stores hold the same leases. */
void tl_assert_same_store(lease_store_t *a, lease_store_t *b);

#endif
