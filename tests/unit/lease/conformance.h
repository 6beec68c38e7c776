/* The lease-store conformance suite: the same cases, through lease_store_ops_t only, for every
 * store and both families (test_conformance.c runs them on memfile v4 and v6).
 *
 * A store joins by describing itself as a conf_target_t and calling conformance_run(), from its
 * own test group (a PostgreSQL or MySQL target opens a store on a fresh schema). Every case
 * gets a freshly opened, empty store of target->family and leaves it open for target->close.
 * A case uses only what lease.h promises: add/update/del/get, client() (v4), list queries,
 * paging, expired, delete_reclaimed, wipe, counts and flush (after which every commit callback
 * has run). Each case is also callable on its own: conf_case_fn takes an opened store and the
 * family it holds.
 */
#ifndef NESTOR_TEST_CONFORMANCE_H
#define NESTOR_TEST_CONFORMANCE_H

#include <stdbool.h>

#include "lease/lease.h"

typedef struct conf_target {
    const char *name;            /* the cmocka group: "memfile v4" */
    enum lease_family family;
    /* A fresh, empty store (the case fails if NULL). */
    lease_store_t *(*open)(void *arg);
    void (*close)(lease_store_t *s, void *arg);
    /* Optional: makes every later write fail (fail true) or succeed again (fail false);
     * returns false when it cannot (the write-failure case is then skipped). */
    bool (*fail_writes)(lease_store_t *s, bool fail, void *arg);
    void *arg;
} conf_target_t;

/* The i-th lease of a case (i < 65536), with every field the family has set: addresses in
 * one subnet range (v6: every fifth one a /64 prefix, every seventh a temporary address),
 * hardware address and client-id/DUID from i (v6: two leases an IAID), subnet 1 + i % 3,
 * hostname "host-<i>.example" (Kea's v4 loader lower-cases), cltt 100000 + i. The caller lease_free()s it. */
void conf_lease(enum lease_family fam, unsigned i, lease_t *l);

typedef void (*conf_case_fn)(lease_store_t *s, enum lease_family fam);

void conf_add_update_del(lease_store_t *s, enum lease_family fam);
void conf_client_lookups(lease_store_t *s, enum lease_family fam);
void conf_list_queries(lease_store_t *s, enum lease_family fam);
void conf_paging(lease_store_t *s, enum lease_family fam);
void conf_expired_and_reclaimed(lease_store_t *s, enum lease_family fam);
void conf_wipe(lease_store_t *s, enum lease_family fam);
void conf_counts(lease_store_t *s, enum lease_family fam);
void conf_other_family(lease_store_t *s, enum lease_family fam);
/* Needs t->fail_writes: a write that fails reaches its callback with an error and leaves
 * nothing behind (the store reads as before it). */
void conf_failed_write(lease_store_t *s, const conf_target_t *t);

/* Runs every case on t as one cmocka group; returns the number of failed cases. */
int conformance_run(const conf_target_t *t);

#endif
