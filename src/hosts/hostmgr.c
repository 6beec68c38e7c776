/* The host manager: config file first, then the hosts databases in order (see hostmgr.h). */
#include "hosts/hostmgr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

struct hostmgr {
    const cfg4_t *cfg;
    const hosts4_t *file;
    hostdb_t **dbs;
    size_t ndb;
};

hostmgr_t *hostmgr_new(const cfg4_t *cfg, const hosts4_t *file, hostdb_t *const *dbs, size_t ndb)
{
    hostmgr_t *m = xcalloc(1, sizeof *m);
    m->cfg = cfg;
    m->file = file;
    m->ndb = ndb;
    m->dbs = xcalloc(ndb ? ndb : 1, sizeof *m->dbs);
    for (size_t i = 0; i < ndb; i++)
        m->dbs[i] = dbs[i];
    return m;
}

int hostmgr_open(const cfg4_t *cfg, const hosts4_t *file, hostdb_report_fn report, void *arg,
                 hostmgr_t **out, char *err, size_t errlen)
{
    *out = NULL;
    hostdb_t **dbs = xcalloc(cfg->common.hosts_db_count ? cfg->common.hosts_db_count : 1, sizeof *dbs);
    for (size_t i = 0; i < cfg->common.hosts_db_count; i++) {
        char e[768];
        int r = hostdb_open(&cfg->common.hosts_dbs[i], cfg->optdefs, report, arg, &dbs[i], e, sizeof e);
        if (r) {
            if (cfg->common.hosts_db_count > 1)
                snprintf(err, errlen, "hosts-databases[%zu]: %s", i, e);
            else
                snprintf(err, errlen, "hosts-database: %s", e);
            for (size_t k = 0; k < i; k++)
                hostdb_close(dbs[k]);
            free(dbs);
            return r;
        }
    }
    *out = hostmgr_new(cfg, file, dbs, cfg->common.hosts_db_count);
    free(dbs);
    return 0;
}

void hostmgr_free(hostmgr_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->ndb; i++)
        hostdb_close(m->dbs[i]);
    free(m->dbs);
    free(m);
}

size_t hostmgr_db_count(const hostmgr_t *m) { return m ? m->ndb : 0; }
hostdb_t *hostmgr_db(const hostmgr_t *m, size_t i) { return i < m->ndb ? m->dbs[i] : NULL; }
const cfg4_t *hostmgr_cfg(const hostmgr_t *m) { return m->cfg; }

/* ---- allocation engine ----------------------------------------------------------------------- */

size_t hostmgr_client_ids(const cfg4_t *cfg, const hosts4_client_ids_t *ids, hostdb_id_t out[HOST_ID__COUNT])
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->host_id_count && n < HOST_ID__COUNT; i++) {
        const uint8_t *b;
        size_t len;
        if (hosts4_client_id(ids, cfg->host_id_order[i], &b, &len))
            out[n++] = (hostdb_id_t){cfg->host_id_order[i], (uint8_t)len, b};
    }
    return n;
}

static bool host_has_id(const cfg_host4_t *h, const hostdb_id_t *id)
{
    return h->id_type == id->type && h->id_len == id->len && !memcmp(h->id, id->bytes, id->len);
}

bool hostmgr_host_is_clients(const cfg4_t *cfg, const cfg_host4_t *h, const hosts4_client_ids_t *ids)
{
    hostdb_id_t list[HOST_ID__COUNT];
    size_t n = hostmgr_client_ids(cfg, ids, list);
    for (size_t i = 0; i < n; i++)
        if (host_has_id(h, &list[i]))
            return true;
    return false;
}

void hostmgr_ref_release(hostmgr_ref_t *r)
{
    hostdb_host4_free(r->owned);
    r->owned = NULL;
    r->host = NULL;
}

/* Takes host i of l (the rest stays in l). */
static hostdb_host4_t *take(hostdb_list_t *l, size_t i)
{
    hostdb_host4_t *h = l->items[i];
    l->items[i] = l->items[--l->count];
    return h;
}

int hostmgr_find_client(hostmgr_t *m, uint32_t subnet_id, const hosts4_client_ids_t *ids, hostmgr_ref_t *out,
                        char *err, size_t errlen)
{
    out->host = NULL;
    out->owned = NULL;
    if (!m->ndb) {
        out->host = hosts4_find_client(m->file, m->cfg, subnet_id, ids);
        return out->host ? 0 : NST_ENOENT;
    }
    hostdb_id_t list[HOST_ID__COUNT];
    size_t n = hostmgr_client_ids(m->cfg, ids, list);
    if (!n)
        return NST_ENOENT;
    /* Each database is asked once, for all the client's identifiers, when first needed. */
    hostdb_list_t found[8];
    bool asked[8] = {false};
    size_t ndb = m->ndb < 8 ? m->ndb : 8;
    memset(found, 0, sizeof found);
    int rc = NST_ENOENT;
    for (size_t k = 0; k < n && rc == NST_ENOENT; k++) {
        const cfg_host4_t *f = hosts4_find_id(m->file, subnet_id, list[k].type, list[k].bytes, list[k].len);
        if (f) {
            out->host = f;
            rc = 0;
            break;
        }
        for (size_t d = 0; d < m->ndb && rc == NST_ENOENT; d++) {
            if (d >= ndb) { /* beyond the batch: one identifier at a time */
                hostdb_host4_t *h;
                int r = hostdb_get4_by_id(m->dbs[d], subnet_id, list[k].type, list[k].bytes, list[k].len, &h, err,
                                            errlen);
                if (r == 0)
                    out->owned = h, out->host = &h->h, rc = 0;
                else if (r != NST_ENOENT)
                    rc = r;
                continue;
            }
            if (!asked[d]) {
                asked[d] = true;
                int r = hostdb_get4_client(m->dbs[d], subnet_id, list, n, &found[d], err, errlen);
                if (r) {
                    rc = r;
                    break;
                }
            }
            for (size_t i = 0; i < found[d].count; i++)
                if (found[d].items[i]->h.subnet_id == subnet_id && host_has_id(&found[d].items[i]->h, &list[k])) {
                    out->owned = take(&found[d], i);
                    out->host = &out->owned->h;
                    rc = 0;
                    break;
                }
        }
    }
    for (size_t d = 0; d < ndb; d++)
        hostdb_list_free(&found[d]);
    return rc;
}

int hostmgr_find_addr(hostmgr_t *m, uint32_t subnet_id, uint32_t addr, hostmgr_ref_t *out, char *err, size_t errlen)
{
    out->owned = NULL;
    out->host = hosts4_find_addr(m->file, subnet_id, addr);
    if (out->host)
        return 0;
    for (size_t d = 0; d < m->ndb; d++) {
        hostdb_host4_t *h;
        int r = hostdb_get4_by_addr(m->dbs[d], subnet_id, addr, &h, err, errlen);
        if (r == NST_ENOENT)
            continue;
        if (r)
            return r;
        out->owned = h;
        out->host = &h->h;
        return 0;
    }
    return NST_ENOENT;
}

/* ---- control commands ------------------------------------------------------------------------ */

static uint64_t file_id(const hostmgr_t *m, const cfg_host4_t *h)
{
    return (uint64_t)(h - m->cfg->hosts) + 1;
}

static hostdb_host4_t *file_copy(const hostmgr_t *m, const cfg_host4_t *h)
{
    return hostdb_host4_from_cfg(h, file_id(m, h));
}

int hostmgr_get4(hostmgr_t *m, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len,
                 hostdb_host4_t **out, char *err, size_t errlen)
{
    *out = NULL;
    const cfg_host4_t *f = hosts4_find_id(m->file, subnet_id, id_type, id, len);
    if (f) {
        *out = file_copy(m, f);
        return 0;
    }
    for (size_t d = 0; d < m->ndb; d++) {
        int r = hostdb_get4_by_id(m->dbs[d], subnet_id, id_type, id, len, out, err, errlen);
        if (r != NST_ENOENT)
            return r;
    }
    return NST_ENOENT;
}

int hostmgr_get4_by_addr(hostmgr_t *m, uint32_t subnet_id, uint32_t addr, hostdb_host4_t **out, char *err,
                         size_t errlen)
{
    *out = NULL;
    hostmgr_ref_t ref;
    int r = hostmgr_find_addr(m, subnet_id, addr, &ref, err, errlen);
    if (r)
        return r;
    *out = ref.owned ? ref.owned : file_copy(m, ref.host);
    return 0;
}

/* Config-file hosts matching a filter, in file order. */
typedef bool (*file_filter_fn)(const cfg_host4_t *h, const void *arg);

static void file_hosts(const hostmgr_t *m, file_filter_fn keep, const void *arg, hostdb_list_t *out)
{
    for (size_t i = 0; i < m->cfg->host_count; i++)
        if (keep(&m->cfg->hosts[i], arg))
            hostdb_list_push(out, file_copy(m, &m->cfg->hosts[i]));
}

static bool in_subnet(const cfg_host4_t *h, const void *arg)
{
    return h->subnet_id == *(const uint32_t *)arg;
}

int hostmgr_get4_all(hostmgr_t *m, uint32_t subnet_id, hostdb_list_t *out, char *err, size_t errlen)
{
    file_hosts(m, in_subnet, &subnet_id, out);
    for (size_t d = 0; d < m->ndb; d++) {
        int r = hostdb_get4_all(m->dbs[d], subnet_id, out, err, errlen);
        if (r)
            return r;
    }
    return 0;
}

int hostmgr_get4_page(hostmgr_t *m, bool any_subnet, uint32_t subnet_id, size_t *source, uint64_t from,
                      size_t limit, hostdb_list_t *out, char *err, size_t errlen)
{
    if (!limit)
        return 0;
    for (; *source <= m->ndb; (*source)++, from = 0) {
        if (*source == 0) {
            for (size_t i = from; i < m->cfg->host_count && out->count < limit; i++)
                if (any_subnet || m->cfg->hosts[i].subnet_id == subnet_id)
                    hostdb_list_push(out, file_copy(m, &m->cfg->hosts[i]));
        } else {
            int r = hostdb_get4_page(m->dbs[*source - 1], any_subnet, subnet_id, from, limit, out, err, errlen);
            if (r)
                return r;
        }
        if (out->count)
            return 0;
    }
    return 0;
}

typedef struct name_filter {
    const char *name;
    bool any;
    uint32_t subnet;
} name_filter_t;

static bool has_name(const cfg_host4_t *h, const void *arg)
{
    const name_filter_t *f = arg;
    return h->hostname && !strcasecmp(h->hostname, f->name) && (f->any || h->subnet_id == f->subnet);
}

int hostmgr_get4_by_hostname(hostmgr_t *m, const char *hostname, bool any_subnet, uint32_t subnet_id,
                             hostdb_list_t *out, char *err, size_t errlen)
{
    name_filter_t f = {hostname, any_subnet, subnet_id};
    file_hosts(m, has_name, &f, out);
    for (size_t d = 0; d < m->ndb; d++) {
        int r = hostdb_get4_by_hostname(m->dbs[d], hostname, any_subnet, subnet_id, out, err, errlen);
        if (r)
            return r;
    }
    return 0;
}

static bool has_ident(const cfg_host4_t *h, const void *arg)
{
    return host_has_id(h, arg);
}

int hostmgr_get4_by_ident(hostmgr_t *m, uint8_t id_type, const uint8_t *id, size_t len, hostdb_list_t *out,
                          char *err, size_t errlen)
{
    if (!len || len > CFG_HOST_ID_MAX)
        return 0;
    hostdb_id_t key = {id_type, (uint8_t)len, id};
    file_hosts(m, has_ident, &key, out);
    for (size_t d = 0; d < m->ndb; d++) {
        int r = hostdb_get4_by_ident(m->dbs[d], id_type, id, len, out, err, errlen);
        if (r)
            return r;
    }
    return 0;
}

int hostmgr_add4(hostmgr_t *m, const hostdb_host4_t *h, char *err, size_t errlen)
{
    if (!m->ndb)
        return errf(err, errlen, NST_ENOENT, "Host database not available, cannot add host.");
    /* Kea 2.2 writes the host to every database; refuse up front rather than leave it in some. */
    for (size_t d = 0; d < m->ndb; d++)
        if (m->dbs[d]->readonly)
            return errf(err, errlen, HOSTDB_EREADONLY, "cannot add the host: the hosts database (%s) is configured "
                        "read-only (\"readonly\": true)", m->dbs[d]->desc);
    for (size_t d = 0; d < m->ndb; d++) {
        int r = hostdb_add4(m->dbs[d], h, err, errlen);
        if (r)
            return r;
    }
    return 0;
}

static int no_db(char *err, size_t errlen)
{
    return errf(err, errlen, NST_ENOENT, "Unable to delete a host because there is no hosts-database configured.");
}

int hostmgr_del4_by_id(hostmgr_t *m, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len,
                       char *err, size_t errlen)
{
    if (!m->ndb)
        return no_db(err, errlen);
    for (size_t d = 0; d < m->ndb; d++) {
        int r = hostdb_del4_by_id(m->dbs[d], subnet_id, id_type, id, len, err, errlen);
        if (r < 0)
            return r;
        if (r > 0)
            return 1;
    }
    return 0;
}

int hostmgr_del4_by_addr(hostmgr_t *m, uint32_t subnet_id, uint32_t addr, char *err, size_t errlen)
{
    if (!m->ndb)
        return no_db(err, errlen);
    for (size_t d = 0; d < m->ndb; d++) {
        int r = hostdb_del4_by_addr(m->dbs[d], subnet_id, addr, err, errlen);
        if (r < 0)
            return r;
        if (r > 0)
            return 1;
    }
    return 0;
}
