/* Internal to the SQL lease store core (sqlcore.c, sqlcore_commit.c). */
#ifndef NESTOR_LEASE_SQLCORE_INT_H
#define NESTOR_LEASE_SQLCORE_INT_H

#include "lease/sqlcore.h"

/* sqlcore_commit.c */
int sqlcore_add(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg);
int sqlcore_update(lease_store_t *st, const lease_t *l, const lease_t *old, lease_commit_cb cb, void *arg);
int sqlcore_del(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg);
int sqlcore_flush(lease_store_t *st);
int64_t sqlcore_backlog_ms(lease_store_t *st);
/* Connects the commit connection and starts the commit thread; offline: even when the database
 * cannot be reached (it is then lost). */
int sqlcore_writer_start(sqlcore_t *s, bool offline, char *err, size_t errlen);
void sqlcore_writer_stop(sqlcore_t *s);

#endif
