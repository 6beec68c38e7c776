/* Host reservation databases: the backend-neutral layer and host objects (see hostdb.h). */
#include "hosts/hostdb.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util.h"
#include "hosts/hostdb_sql.h"

void hostdb_report(hostdb_t *db, int severity, const char *msgid, const char *fmt, ...)
{
    if (!db->report)
        return;
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    db->report(db->report_arg, severity, msgid, text);
}

int hostdb_open(const cfg_db_t *cfg, const optdef_registry_t *defs, hostdb_report_fn report, void *arg,
                hostdb_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (cfg->type != CFG_DB_POSTGRESQL && cfg->type != CFG_DB_MYSQL)
        return errf(err, errlen, NST_ECONFIG, "hosts databases must be of type postgresql or mysql");
    int r = hostdb_sql_open(cfg->type == CFG_DB_POSTGRESQL ? &hostdb_pg : &hostdb_my, cfg, defs, report, arg, out,
                            err, errlen);
    if (r)
        return r;
    cfg_db_copy(&(*out)->params, cfg);
    return 0;
}

void hostdb_close(hostdb_t *db)
{
    if (!db)
        return;
    cfg_db_t params = db->params;
    db->ops->close(db);
    cfg_db_free(&params);
}

void hostdb_set_lost_cb(hostdb_t *db, hostdb_lost_fn fn, void *arg)
{
    if (db->sess)
        sqlsess_set_lost_cb(db->sess, fn, arg);
}

bool hostdb_is_lost(hostdb_t *db)
{
    return db->sess && sqlsess_is_lost(db->sess);
}

int hostdb_reconnect(hostdb_t *db, char *err, size_t errlen)
{
    return db->sess ? sqlsess_reconnect(db->sess, err, errlen) : 0;
}

size_t hostdb_connections(hostdb_t *db)
{
    return db->sess ? sqlconns_count(&db->sess->conns) : 0;
}

/* ---- operations ------------------------------------------------------------------------------ */

static bool id_ok(const uint8_t *id, size_t len)
{
    return id && len > 0 && len <= CFG_HOST_ID_MAX;
}

int hostdb_get4_by_id(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len,
                      hostdb_host4_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!id_ok(id, len))
        return NST_ENOENT;
    return db->ops->get4_by_id(db, subnet_id, id_type, id, len, out, err, errlen);
}

int hostdb_get4_client(hostdb_t *db, uint32_t subnet_id, const hostdb_id_t *ids, size_t n, hostdb_list_t *out,
                       char *err, size_t errlen)
{
    if (db->ops->get4_client)
        return db->ops->get4_client(db, subnet_id, ids, n, out, err, errlen);
    for (size_t i = 0; i < n; i++) {
        hostdb_host4_t *h;
        int r = hostdb_get4_by_id(db, subnet_id, ids[i].type, ids[i].bytes, ids[i].len, &h, err, errlen);
        if (r == 0)
            hostdb_list_push(out, h);
        else if (r != NST_ENOENT)
            return r;
    }
    return 0;
}

int hostdb_get4_by_addr(hostdb_t *db, uint32_t subnet_id, uint32_t addr, hostdb_host4_t **out, char *err,
                        size_t errlen)
{
    *out = NULL;
    return db->ops->get4_by_addr(db, subnet_id, addr, out, err, errlen);
}

int hostdb_get4_all(hostdb_t *db, uint32_t subnet_id, hostdb_list_t *out, char *err, size_t errlen)
{
    return db->ops->get4_all(db, subnet_id, out, err, errlen);
}

int hostdb_get4_page(hostdb_t *db, bool any_subnet, uint32_t subnet_id, uint64_t after, size_t limit,
                     hostdb_list_t *out, char *err, size_t errlen)
{
    if (!limit)
        return 0;
    return db->ops->get4_page(db, any_subnet, subnet_id, after, limit, out, err, errlen);
}

int hostdb_get4_by_hostname(hostdb_t *db, const char *hostname, bool any_subnet, uint32_t subnet_id,
                            hostdb_list_t *out, char *err, size_t errlen)
{
    char *lower = xstrdup(hostname);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    int r = db->ops->get4_by_hostname(db, lower, any_subnet, subnet_id, out, err, errlen);
    free(lower);
    return r;
}

int hostdb_get4_by_ident(hostdb_t *db, uint8_t id_type, const uint8_t *id, size_t len, hostdb_list_t *out,
                         char *err, size_t errlen)
{
    if (!id_ok(id, len))
        return 0;
    return db->ops->get4_by_ident(db, id_type, id, len, out, err, errlen);
}

static int readonly_refusal(hostdb_t *db, char *err, size_t errlen)
{
    return errf(err, errlen, HOSTDB_EREADONLY, "the hosts database (%s) is configured read-only (\"readonly\": "
                "true): it cannot be changed", db->desc);
}

int hostdb_add4(hostdb_t *db, const hostdb_host4_t *h, char *err, size_t errlen)
{
    if (db->readonly)
        return readonly_refusal(db, err, errlen);
    if (!id_ok(h->h.id, h->h.id_len))
        return errf(err, errlen, NST_EINVAL, "a reservation needs an identifier of 1 to %d bytes", CFG_HOST_ID_MAX);
    return db->ops->add4(db, h, err, errlen);
}

int hostdb_del4_by_id(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len, char *err,
                      size_t errlen)
{
    if (db->readonly)
        return readonly_refusal(db, err, errlen);
    if (!id_ok(id, len))
        return 0;
    return db->ops->del4_by_id(db, subnet_id, id_type, id, len, err, errlen);
}

int hostdb_del4_by_addr(hostdb_t *db, uint32_t subnet_id, uint32_t addr, char *err, size_t errlen)
{
    if (db->readonly)
        return readonly_refusal(db, err, errlen);
    return db->ops->del4_by_addr(db, subnet_id, addr, err, errlen);
}

/* ---- host objects ---------------------------------------------------------------------------- */

hostdb_host4_t *hostdb_host4_new(void)
{
    return xcalloc(1, sizeof(hostdb_host4_t));
}

void hostdb_host4_free(hostdb_host4_t *h)
{
    if (!h)
        return;
    free(h->h.hostname);
    free(h->h.server_hostname);
    free(h->h.boot_file_name);
    for (size_t i = 0; i < h->h.options.count; i++) {
        free(h->h.options.items[i].data);
        if (h->optx) {
            free(h->optx[i].formatted);
            free(h->optx[i].user_context);
        }
    }
    free(h->h.options.items);
    free(h->optx);
    for (size_t i = 0; i < h->h.class_count; i++)
        free(h->h.classes[i]);
    free(h->h.classes);
    free(h->user_context);
    free(h);
}

bool hostdb_host4_add_option(hostdb_host4_t *h, uint8_t code, bool always_send, const uint8_t *data,
                             size_t len, const char *formatted, const char *user_context)
{
    cfg_optset_t *set = &h->h.options;
    if (cfg_optset_find(set, code) || len > UINT16_MAX)
        return false;
    set->items = xrealloc(set->items, (set->count + 1) * sizeof *set->items);
    h->optx = xrealloc(h->optx, (set->count + 1) * sizeof *h->optx);
    cfg_option_t *o = &set->items[set->count];
    memset(o, 0, sizeof *o);
    o->code = code;
    o->always_send = always_send;
    o->len = (uint16_t)len;
    o->data = xmalloc(len ? len : 1);
    if (len)
        memcpy(o->data, data, len);
    h->optx[set->count].formatted = xstrdup_opt(formatted);
    h->optx[set->count].user_context = xstrdup_opt(user_context);
    set->count++;
    return true;
}

hostdb_host4_t *hostdb_host4_from_cfg(const cfg_host4_t *c, uint64_t host_id)
{
    hostdb_host4_t *h = hostdb_host4_new();
    h->h.id_type = c->id_type;
    h->h.id_len = c->id_len;
    memcpy(h->h.id, c->id, c->id_len);
    h->h.subnet_id = c->subnet_id;
    h->h.ipv4 = c->ipv4;
    h->h.hostname = xstrdup_opt(c->hostname);
    h->h.next_server = c->next_server;
    h->h.server_hostname = xstrdup_opt(c->server_hostname);
    h->h.boot_file_name = xstrdup_opt(c->boot_file_name);
    if (c->class_count) {
        h->h.classes = xcalloc(c->class_count, sizeof *h->h.classes);
        for (size_t i = 0; i < c->class_count; i++)
            h->h.classes[i] = xstrdup(c->classes[i]);
        h->h.class_count = c->class_count;
    }
    for (size_t i = 0; i < c->options.count; i++) {
        const cfg_option_t *o = &c->options.items[i];
        if (o->space) /* host options of other spaces are not shown (hostjson: dhcp4 only) */
            continue;
        hostdb_host4_add_option(h, o->code, o->always_send, o->data, o->len, NULL, NULL);
        h->h.options.items[h->h.options.count - 1].never_send = o->never_send;
    }
    h->host_id = host_id;
    return h;
}

void hostdb_host4_set_classes(hostdb_host4_t *h, const char *text)
{
    for (size_t i = 0; i < h->h.class_count; i++)
        free(h->h.classes[i]);
    free(h->h.classes);
    h->h.classes = NULL;
    h->h.class_count = 0;
    if (!text)
        return;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (b > a) {
            h->h.classes = xrealloc(h->h.classes, (h->h.class_count + 1) * sizeof *h->h.classes);
            h->h.classes[h->h.class_count++] = xstrndup(a, (size_t)(b - a));
        }
        p = *end ? end + 1 : end;
    }
}

char *hostdb_host4_classes_text(const hostdb_host4_t *h)
{
    size_t n = 1;
    for (size_t i = 0; i < h->h.class_count; i++)
        n += strlen(h->h.classes[i]) + 1;
    char *s = xmalloc(n), *p = s;
    *p = 0;
    for (size_t i = 0; i < h->h.class_count; i++) {
        if (i)
            *p++ = ',';
        size_t l = strlen(h->h.classes[i]);
        memcpy(p, h->h.classes[i], l + 1);
        p += l;
    }
    return s;
}

void hostdb_list_push(hostdb_list_t *l, hostdb_host4_t *h)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->count++] = h;
}

void hostdb_list_free(hostdb_list_t *l)
{
    for (size_t i = 0; i < l->count; i++)
        hostdb_host4_free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* ---- row decoding helpers -------------------------------------------------------------------- */

bool hostdb_context_ok(hostdb_t *db, const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    bool ok = j && json_is_object(j);
    json_decref(j);
    if (!ok)
        hostdb_report(db, 2, "HOSTS_BAD_USER_CONTEXT", "hosts database %s: ignoring a user context that is "
                      "not a JSON map: %.200s", db->desc, text);
    return ok;
}

void hostdb_decode_option(hostdb_t *db, hostdb_host4_t *h, int code, const uint8_t *value, size_t vlen,
                          const char *formatted, const char *space, bool persistent, const char *user_context)
{
    if (space && *space && strcmp(space, OPTDEF_SPACE_DHCP4)) {
        hostdb_report(db, 0, "HOSTS_OPTION_SPACE_SKIPPED", "hosts database %s: option %d of space %s is not "
                      "supported (only dhcp4) and is skipped", db->desc, code, space);
        return;
    }
    if (code <= 0 || code >= 255) {
        hostdb_report(db, 2, "HOSTS_BAD_OPTION", "hosts database %s: option code %d is not valid in dhcp4; "
                      "skipped", db->desc, code);
        return;
    }
    if (formatted && !*formatted)
        formatted = NULL;
    if (user_context && (!*user_context || !hostdb_context_ok(db, user_context)))
        user_context = NULL;
    /* Kea 2.2: csv text is used when the option has a definition; otherwise the binary value (the
     * text is still kept, for the commands to show). */
    const optdef_t *def = formatted ? optdef_find_by_code(db->defs, OPTDEF_SPACE_DHCP4, (uint16_t)code) : NULL;
    uint8_t buf[4096];
    if (def) {
        char e[256];
        int n = optdef_encode_csv(def, formatted, buf, sizeof buf, e, sizeof e);
        if (n < 0) {
            hostdb_report(db, 2, "HOSTS_BAD_OPTION", "hosts database %s: option %d value '%.100s' does not "
                          "match its definition (%s); skipped", db->desc, code, formatted, e);
            return;
        }
        value = buf;
        vlen = (size_t)n;
    }
    if (!hostdb_host4_add_option(h, (uint8_t)code, persistent, value, value ? vlen : 0, formatted, user_context))
        hostdb_report(db, 0, "HOSTS_DUPLICATE_OPTION", "hosts database %s: a host has option %d twice; the "
                      "second is ignored", db->desc, code);
}
