/* lease4-* commands (Kea's lease_cmds hook, built in). Lease JSON keys as Kea 2.2. */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "ctrl/ctrl.h"
#include "common/errcode.h"
#include "dhcp4/lease_args4.h"
#include "dhcp4/srv4.h"
#include "lease/lease_json.h"
#include "log/log.h"

#define SRV(ud) ((srv4_t *)(ud))

static bool get_ip(json_t *args, const char *key, uint32_t *out)
{
    const char *s = json_string_value(json_object_get(args, key));
    struct in_addr a;
    if (!s || inet_pton(AF_INET, s, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

/* Builds a lease from command arguments (lease4-add / lease4-update) that passed
 * lease4_check_write_args. Every field is bounded as Kea's lease schemas bound it (lease.h), so
 * whatever is stored loads back. */
static int lease_args(srv4_t *s, json_t *args, lease_t *l, char *err, size_t errlen)
{
    lease_init(l, LEASE_V4); /* first: every error path leaves a lease the caller can free */
    uint32_t addr;
    if (!get_ip(args, "ip-address", &addr)) {
        snprintf(err, errlen, "'ip-address' is missing or is not an IPv4 address");
        return NST_EINVAL;
    }
    const cfg4_t *cfg = s->rt->cfg;
    json_t *sid = json_object_get(args, "subnet-id");
    const cfg_subnet4_t *subnet = NULL;
    if (sid && (!json_is_integer(sid) || json_integer_value(sid) < 0 || json_integer_value(sid) > UINT32_MAX)) {
        snprintf(err, errlen, "'subnet-id' must be a non-negative integer");
        return NST_EINVAL;
    }
    if (sid && json_integer_value(sid) != 0) {
        subnet = cfg4_subnet_by_id(cfg, (uint32_t)json_integer_value(sid));
        if (!subnet) {
            snprintf(err, errlen, "Invalid subnet-id: No IPv4 subnet with subnet-id=%lld currently configured.",
                     (long long)json_integer_value(sid));
            return NST_EINVAL;
        }
        if ((addr & subnet->mask) != subnet->prefix) {
            snprintf(err, errlen, "The address %s does not belong to subnet %s/%u, subnet-id=%u",
                     json_string_value(json_object_get(args, "ip-address")),
                     inet_ntoa((struct in_addr){htonl(subnet->prefix)}), subnet->prefix_len, subnet->id);
            return NST_EINVAL;
        }
    } else {
        subnet = cfg4_subnet_containing(cfg, addr);
        if (!subnet) {
            snprintf(err, errlen, "subnet-id not specified and failed to find a subnet for address %s",
                     json_string_value(json_object_get(args, "ip-address")));
            return NST_EINVAL;
        }
    }
    json_t *ex = json_object_get(args, "expire");
    if (ex && !json_object_get(args, "valid-lft") && json_integer_value(ex) < subnet->life.valid) {
        snprintf(err, errlen, "expiration time must be greater than valid lifetime for address %s",
                 json_string_value(json_object_get(args, "ip-address")));
        return NST_EINVAL;
    }
    lease_json_defaults_t def = {.subnet_id = subnet->id, .valid_lft = subnet->life.valid, .now = now_epoch()};
    lease_free(l);
    return lease_from_json(args, LEASE_V4, &def, l, err, errlen);
}

static void account(const lease_t *l, int delta)
{
    char name[96];
    snprintf(name, sizeof name, "subnet[%u].assigned-addresses", l->subnet_id);
    if (l->state != LEASE_STATE_RECLAIMED)
        stat_add(stats_declare(name), delta);
    if (l->state == LEASE_STATE_DECLINED) {
        snprintf(name, sizeof name, "subnet[%u].declined-addresses", l->subnet_id);
        stat_add(stats_declare(name), delta);
        stat_add(stats_declare("declined-addresses"), delta);
    }
}

/* One command's lease write, shared by the handler and the write's commit callback. The store
 * calls back inline (memfile without durable) or later on its own thread (durable memfile, SQL).
 * The command answers once the write is stored (or failed): at once when the callback already
 * ran, else later from the main loop (a deferred answer), so a caller, such as a high-availability
 * partner, never hears "done" for a lease that was not stored. The handler counts the change in
 * the statistics when the store takes the write; a failed write takes it back.
 * state: W_FLIGHT until the callback runs (W_DONE); the handler that returns before that marks it
 * W_PENDING, and the callback then wakes the main loop (ev), which answers and frees it. */
enum { W_FLIGHT, W_DONE, W_PENDING };

typedef struct cmd_write {
    atomic_int state;
    int err;                 /* the write's outcome, once done */
    lease_t added, removed;  /* the change (family 0: none), for the statistics and listeners */
    srv4_t *srv;
    bool partner;            /* "origin": "ha-partner" */
    ctrl_reply_t *reply;
    struct event *ev;
    json_t *(*answer)(const struct cmd_write *w);  /* the answer once stored */
} cmd_write_t;

static cmd_write_t *cmd_write_new(srv4_t *s, ctrl_reply_t *reply, json_t *args, const lease_t *added,
                                  const lease_t *removed)
{
    cmd_write_t *w = xcalloc(1, sizeof *w);
    atomic_init(&w->state, W_FLIGHT);
    w->srv = s;
    w->reply = reply;
    const char *origin = json_string_value(json_object_get(args, "origin"));
    w->partner = origin && !strcmp(origin, "ha-partner");
    if (added)
        lease_dup(&w->added, added);
    if (removed)
        lease_dup(&w->removed, removed);
    return w;
}

static void cmd_write_free(cmd_write_t *w)
{
    if (w->ev)
        event_free(w->ev);
    lease_free(&w->added);
    lease_free(&w->removed);
    free(w);
}

/* A write replacing removed by added (either family 0: none) counts in the statistics. */
static void account_change(const lease_t *added, const lease_t *removed, int sign)
{
    if (added->family)
        account(added, sign);
    if (removed->family)
        account(removed, -sign);
}

static void cmd_write_account(const cmd_write_t *w, int sign)
{
    account_change(&w->added, &w->removed, sign);
}

/* The answer to a write that ended with err. */
static json_t *write_result(const cmd_write_t *w, int err)
{
    if (err == NST_ERANGE)
        return cmd_answerf(CMD_ERROR, NULL, "the lease's expiry time is out of the range the lease database "
                           "can store (MySQL's TIMESTAMP ends at 2038-01-19 03:14:07 UTC)");
    if (err)
        return cmd_answerf(CMD_ERROR, NULL, "lease store error: %s", nst_strerror(err));
    return w->answer(w);
}

/* Main loop: a deferred write completed. */
static void on_write_answer(evutil_socket_t fd, short what, void *arg)
{
    cmd_write_t *w = arg;
    ctrl_reply_send(w->reply, write_result(w, w->err));
    cmd_write_free(w);
}

static void cmd_write_done(void *arg, int err)
{
    cmd_write_t *w = arg;
    w->err = err;
    if (err < 0) {
        cmd_write_account(w, -1);
    } else if (w->srv->leases_changed) { /* stored: tell the listeners (high availability) */
        lease_change_t ch = {w->partner ? LEASE_CHANGE_PARTNER : LEASE_CHANGE_COMMAND,
                             w->removed.family ? &w->removed : NULL, w->added.family ? &w->added : NULL};
        w->srv->leases_changed(w->srv->ha_arg, &ch, NULL);
    }
    if (atomic_exchange(&w->state, W_DONE) == W_PENDING)
        event_active(w->ev, EV_READ, 0); /* any thread: the main loop answers */
}

/* Ends, for the handler, a write it started with op(..., cmd_write_done, w), which returned r:
 * the answer now, or CTRL_PENDING when the write is still in flight (its callback answers). */
static json_t *cmd_write_finish(cmd_write_t *w, int r)
{
    if (r) { /* refused at once: the callback will not run */
        json_t *a = write_result(w, r);
        cmd_write_free(w);
        return a;
    }
    cmd_write_account(w, +1);
    w->ev = event_new(w->srv->core.base, -1, 0, on_write_answer, w);
    int expect = W_FLIGHT;
    if (atomic_compare_exchange_strong(&w->state, &expect, W_PENDING))
        return CTRL_PENDING;
    json_t *a = write_result(w, w->err); /* completed inline */
    cmd_write_free(w);
    return a;
}

static json_t *answer_added(const cmd_write_t *w)
{
    return cmd_answerf(CMD_SUCCESS, NULL, "Lease for address %s, subnet-id %u added.",
                       inet_ntoa((struct in_addr){htonl(w->added.addr.v4)}), w->added.subnet_id);
}

static json_t *answer_updated(const cmd_write_t *w)
{
    return cmd_answer(CMD_SUCCESS, w->removed.family ? "IPv4 lease updated." : "IPv4 lease added.", NULL);
}

static json_t *answer_deleted(const cmd_write_t *w)
{
    return cmd_answer(CMD_SUCCESS, "IPv4 lease deleted.", NULL);
}

/* A high-availability partner's lease4-update ("origin": "ha-partner") giving an address to a
 * client (state default: not a declined or reclaimed lease) that another client holds here for more than the clock skew HA tolerates (60 s) is refused as a
 * conflict (Kea 2.4's result 4): taking it would give one address to two clients. The partner
 * drops its reply and counts the client (max-rejected-lease-updates). Kea overwrites. */
#define CONFLICT_MARGIN_S 60

static bool same_client(const lease_t *a, const lease_t *b)
{
    if (a->client_id_len && b->client_id_len)
        return a->client_id_len == b->client_id_len && !memcmp(a->client_id, b->client_id, a->client_id_len);
    return a->hwaddr_len == b->hwaddr_len && !memcmp(a->hwaddr, b->hwaddr, a->hwaddr_len);
}

static json_t *partner_conflict(json_t *args, const lease_t *l, const lease_t *old)
{
    const char *origin = json_string_value(json_object_get(args, "origin"));
    if (!origin || strcmp(origin, "ha-partner") || l->state != LEASE_STATE_DEFAULT ||
        old->state != LEASE_STATE_DEFAULT || same_client(old, l) ||
        (old->valid_lft != LEASE_INFINITE && lease_expire(old) <= (int64_t)time(NULL) + CONFLICT_MARGIN_S))
        return NULL;
    char hw[3 * LEASE_HWADDR_MAX + 1] = "";
    hex_colon(hw, sizeof hw, old->hwaddr, old->hwaddr_len);
    return cmd_answerf(CMD_CONFLICT, NULL, "conflict: address %s is leased to another client (hw-address %s) "
                       "for %lld more seconds", inet_ntoa((struct in_addr){htonl(l->addr.v4)}), hw[0] ? hw : "none",
                       old->valid_lft == LEASE_INFINITE ? -1LL : (long long)(lease_expire(old) - time(NULL)));
}

/* lease4-add / lease4-update, under the address's lock (the allocation engine's writers hold it
 * too, so a command never interleaves with a packet's check-then-write of the same address). */
static json_t *write_answer(srv4_t *s, ctrl_reply_t *reply, json_t *args, lease_t *l, bool update, bool force)
{
    pthread_mutex_t *lk = alloc4_addr_lock(s->rt->alloc, l->addr.v4);
    pthread_mutex_lock(lk);
    lease_t old;
    bool exists = lease_store_get4(s->store, l->addr.v4, &old) == 0;
    json_t *a;
    if (update && exists && (a = partner_conflict(args, l, &old))) {
        ;   /* refused */
    } else if (!update && exists) {
        a = cmd_answerf(CMD_ERROR, NULL, "IPv4 lease already exists.");
    } else if (update && !exists && !force) {
        a = cmd_answerf(CMD_ERROR, NULL, "failed to update the lease with address %s - no such lease",
                        inet_ntoa((struct in_addr){htonl(l->addr.v4)}));
    } else {
        cmd_write_t *w = cmd_write_new(s, reply, args, l, exists ? &old : NULL);
        w->answer = update ? answer_updated : answer_added;
        int r = exists ? lease_store_update(s->store, l, &old, cmd_write_done, w)
                       : lease_store_add(s->store, l, cmd_write_done, w);
        if (!r && exists)
            alloc4_lease_freed(s->rt->alloc, old.subnet_id, old.addr.v4);
        a = cmd_write_finish(w, r);
    }
    pthread_mutex_unlock(lk);
    if (exists)
        lease_free(&old);
    return a;
}

static json_t *cmd_add_update(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    char err[512];
    lease_t l;
    bool update = !strcmp(name, "lease4-update");
    json_t *bad = lease4_check_write_args(args, update);
    if (bad)
        return bad;
    if (lease_args(SRV(ud), args, &l, err, sizeof err)) {
        lease_free(&l);
        return cmd_answer(CMD_ERROR, err, NULL);
    }
    json_t *a = write_answer(SRV(ud), reply, args, &l, update, json_is_true(json_object_get(args, "force-create")));
    lease_free(&l);
    return a;
}

/* One lease of a high-availability synchronization being written (srv4_lease_sync). */
typedef struct sync_write {
    lease_t added, removed;  /* removed: family 0 when there was none */
    void (*done)(void *arg, int err);
    void *arg;
} sync_write_t;

static void sync_write_done(void *p, int err)
{
    sync_write_t *w = p;
    if (err < 0)
        account_change(&w->added, &w->removed, -1);
    w->done(w->arg, err);
    lease_free(&w->added);
    lease_free(&w->removed);
    free(w);
}

int srv4_lease_sync(srv4_t *s, json_t *obj, void (*done)(void *arg, int err), void *arg, char *err, size_t errlen)
{
    lease_t l, old;
    if (lease_args(s, obj, &l, err, errlen)) {
        lease_free(&l);
        return NST_EINVAL;
    }
    pthread_mutex_t *lk = alloc4_addr_lock(s->rt->alloc, l.addr.v4);
    pthread_mutex_lock(lk);
    bool exists = lease_store_get4(s->store, l.addr.v4, &old) == 0;
    int r = 1;   /* Kea's rule: added when absent, updated when ours is older, else left */
    if (!exists || old.cltt < l.cltt) {
        sync_write_t *w = xcalloc(1, sizeof *w);
        lease_dup(&w->added, &l);
        if (exists)
            lease_dup(&w->removed, &old);
        w->done = done;
        w->arg = arg;
        account_change(&w->added, &w->removed, +1);   /* before: the callback may run at once */
        r = exists ? lease_store_update(s->store, &l, &old, sync_write_done, w)
                   : lease_store_add(s->store, &l, sync_write_done, w);
        if (r) {
            account_change(&w->added, &w->removed, -1);
            lease_free(&w->added);
            lease_free(&w->removed);
            free(w);
            snprintf(err, errlen, "lease store error: %s", nst_strerror(r));
        } else if (exists) {
            alloc4_lease_freed(s->rt->alloc, old.subnet_id, old.addr.v4);
        }
    }
    pthread_mutex_unlock(lk);
    lease_free(&l);
    if (exists)
        lease_free(&old);
    return r;
}

/* Finds the one lease that lease4-get / lease4-del designate: by ip-address, or by
 * identifier-type + identifier + subnet-id. Returns 0, NST_ENOENT, or NST_EINVAL with err set. */
static int find_lease(srv4_t *s, json_t *args, lease_t *out, char *err, size_t errlen)
{
    uint32_t ip; /* the arguments passed lease4_check_find_args */
    if (get_ip(args, "ip-address", &ip))
        return lease_store_get4(s->store, ip, out) ? NST_ENOENT : 0;
    const char *type = json_string_value(json_object_get(args, "identifier-type"));
    const char *id = json_string_value(json_object_get(args, "identifier"));
    json_t *sid = json_object_get(args, "subnet-id");
    uint8_t buf[LEASE_CLIENTID_MAX];
    int n = hex_parse(buf, sizeof buf, id);
    if (n <= 0) {
        snprintf(err, errlen, "invalid identifier '%s'", id);
        return NST_EINVAL;
    }
    bool hw = !strcmp(type, "hw-address");
    if (hw || !strcmp(type, "client-id")) {
        lease_client_query_t q = {.family = LEASE_V4, .subnet_id = (uint32_t)json_integer_value(sid)};
        if (hw)
            q.hw = buf, q.hwlen = (size_t)n;
        else
            q.cid = buf, q.cidlen = (size_t)n;
        lease_t got[2];
        bool found[2];
        if (s->store->ops->client(s->store, &q, got, found) || !found[hw])
            return NST_ENOENT;
        *out = got[hw];
        return 0;
    }
    snprintf(err, errlen, "Incorrect identifier type: %s, the only supported values are: address, hw-address, duid", type);
    return NST_EINVAL;
}

static json_t *cmd_get(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    char err[512];
    lease_t l;
    json_t *bad = lease4_check_find_args(args, false);
    if (bad)
        return bad;
    int r = find_lease(SRV(ud), args, &l, err, sizeof err);
    if (r == NST_EINVAL)
        return cmd_answer(CMD_ERROR, err, NULL);
    if (r)
        return cmd_answer(CMD_EMPTY, "Lease not found.", NULL);
    json_t *a = cmd_answer(CMD_SUCCESS, "IPv4 lease found.", lease_to_json(&l));
    lease_free(&l);
    return a;
}

static json_t *cmd_del(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    srv4_t *s = SRV(ud);
    char err[512];
    lease_t l;
    json_t *bad = lease4_check_find_args(args, true);
    if (bad)
        return bad;
    int r = find_lease(s, args, &l, err, sizeof err);
    if (r == NST_EINVAL)
        return cmd_answer(CMD_ERROR, err, NULL);
    if (r)
        return cmd_answer(CMD_EMPTY, "IPv4 lease not found.", NULL);
    pthread_mutex_t *lk = alloc4_addr_lock(s->rt->alloc, l.addr.v4);
    pthread_mutex_lock(lk);
    cmd_write_t *w = cmd_write_new(s, reply, args, NULL, &l);
    w->answer = answer_deleted;
    r = lease_store_del(s->store, &l, cmd_write_done, w);
    if (!r)
        alloc4_lease_freed(s->rt->alloc, l.subnet_id, l.addr.v4);
    json_t *a = cmd_write_finish(w, r);
    pthread_mutex_unlock(lk);
    lease_free(&l);
    return a;
}

/* The answer to a list query, or the store's error (the list is freed either way). */
static json_t *list_answer(lease_list_t *list, bool paged, int err)
{
    if (err) {
        lease_list_free(list);
        return cmd_answerf(CMD_ERROR, NULL, "lease store error: %s", nst_strerror(err));
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < list->count; i++)
        json_array_append_new(arr, lease_to_json(&list->items[i]));
    size_t n = list->count;
    lease_list_free(list);
    json_t *args = paged ? json_pack("{s:o, s:I}", "leases", arr, "count", (json_int_t)n)
                         : json_pack("{s:o}", "leases", arr);
    return cmd_answerf(n ? CMD_SUCCESS : CMD_EMPTY, args, "%zu IPv4 lease(s) found.", n);
}

static json_t *cmd_get_all(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    srv4_t *s = SRV(ud);
    lease_list_t list = {0};
    int err = 0;
    json_t *subs = json_object_get(args, "subnets");
    if (args && !subs) /* Kea: arguments given must name the subnets */
        return cmd_answer(CMD_ERROR, "'subnets' parameter not specified", NULL);
    if (subs) {
        if (!json_is_array(subs))
            return cmd_answer(CMD_ERROR, "'subnets' parameter must be a list", NULL);
        size_t i;
        json_t *v;
        json_array_foreach(subs, i, v) {
            if (!json_is_integer(v))
                return lease_list_free(&list), cmd_answer(CMD_ERROR, "listed subnet identifiers must be numbers", NULL);
            if (json_integer_value(v) <= 0 || json_integer_value(v) > UINT32_MAX)
                continue; /* no subnet has it (and 0 would mean all of them to the store) */
            lease_query_t q = {.family = LEASE_V4, .by = LEASE_BY_SUBNET, .subnet_id = (uint32_t)json_integer_value(v)};
            if ((err = s->store->ops->list(s->store, &q, &list)))
                break;
        }
    } else {
        lease_query_t q = {.family = LEASE_V4, .by = LEASE_BY_SUBNET};
        err = s->store->ops->list(s->store, &q, &list);
    }
    return list_answer(&list, false, err);
}

static json_t *cmd_get_page(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    srv4_t *s = SRV(ud);
    if (!json_is_object(args))
        return cmd_answer(CMD_ERROR, "no parameters specified for the lease4-get-page command", NULL);
    json_t *from = json_object_get(args, "from"), *limit = json_object_get(args, "limit");
    if (!from)
        return cmd_answer(CMD_ERROR, "'from' parameter not specified", NULL);
    if (!json_is_string(from))
        return cmd_answer(CMD_ERROR, "'from' parameter must be a string", NULL);
    uint32_t after = 0;
    const char *f = json_string_value(from);
    if (strcmp(f, "start") && !get_ip(args, "from", &after)) {
        struct in6_addr a6;
        if (inet_pton(AF_INET6, f, &a6) == 1)
            return cmd_answerf(CMD_ERROR, NULL, "'from' parameter value %s is not an IPv4 address", f);
        return cmd_answer(CMD_ERROR, "'from' parameter value is neither 'start' keyword nor a valid IPv4 address", NULL);
    }
    if (!limit)
        return cmd_answer(CMD_ERROR, "'limit' parameter not specified", NULL);
    if (!json_is_integer(limit))
        return cmd_answer(CMD_ERROR, "'limit' parameter must be a number", NULL);
    if (json_integer_value(limit) == 0)
        return cmd_answer(CMD_ERROR, "page size of retrieved leases must not be 0", NULL);
    if (json_integer_value(limit) < 0 || json_integer_value(limit) > UINT32_MAX) /* Kea reads it unsigned */
        return cmd_answer(CMD_ERROR, "page size of retrieved leases must not be greater than 4294967295", NULL);
    /* Nestor's "changed-since" (epoch seconds): only the leases whose cltt is at least that, for a
     * high-availability peer's incremental synchronization; echoed so that it knows the page is
     * filtered (Kea ignores the parameter and sends every lease: a full synchronization). */
    json_t *since = json_object_get(args, "changed-since");
    if (since && (!json_is_integer(since) || json_integer_value(since) < 0))
        return cmd_answer(CMD_ERROR, "'changed-since' parameter must be a non-negative number", NULL);
    lease_list_t list = {0};
    lease_query_t q = {.family = LEASE_V4, .by = LEASE_BY_PAGE, .limit = (size_t)json_integer_value(limit),
                       .changed_since = since ? json_integer_value(since) : 0};
    if (after)
        q.after = lease_key4(after);
    json_t *a = list_answer(&list, true, s->store->ops->list(s->store, &q, &list));
    json_t *out = json_object_get(a, "arguments");
    if (since && json_is_object(out))
        json_object_set(out, "changed-since", since);
    return a;
}

static json_t *cmd_get_by(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    srv4_t *s = SRV(ud);
    lease_list_t list = {0};
    bool hw = !strcmp(name, "lease4-get-by-hw-address");
    const char *key = hw ? "hw-address" : !strcmp(name, "lease4-get-by-client-id") ? "client-id" : "hostname";
    json_t *bad = lease4_check_by_args(args, key);
    if (bad)
        return bad;
    const char *v = json_string_value(json_object_get(args, key));
    if (!strcmp(key, "hostname")) {
        const char *h = v;
        if (!*h)
            return cmd_answer(CMD_ERROR, "'hostname' parameter is empty", NULL);
        lease_query_t q = {.family = LEASE_V4, .by = LEASE_BY_HOSTNAME, .hostname = h};
        return list_answer(&list, false, s->store->ops->list(s->store, &q, &list));
    }
    if (hw && !*v) /* Kea: an empty hardware address, which no lease has */
        return list_answer(&list, false, 0);
    uint8_t buf[LEASE_CLIENTID_MAX];
    int n = hex_parse(buf, hw ? LEASE_HWADDR_MAX : sizeof buf, v);
    if (n <= 0)
        return cmd_answerf(CMD_ERROR, NULL, "invalid '%s' '%s'", key, v);
    lease_query_t q = {.family = LEASE_V4, .by = hw ? LEASE_BY_HWADDR : LEASE_BY_CLIENT_ID, .id = buf,
                       .idlen = (size_t)n};
    return list_answer(&list, false, s->store->ops->list(s->store, &q, &list));
}

static json_t *cmd_wipe(const char *name, json_t *args, void *ud)
{
    srv4_t *s = SRV(ud);
    json_t *sid = json_object_get(args, "subnet-id");
    if (sid && !json_is_integer(sid))
        return cmd_answer(CMD_ERROR, "invalid type specified for parameter 'subnet-id'", NULL);
    if (sid && (json_integer_value(sid) < 0 || json_integer_value(sid) > UINT32_MAX))
        return cmd_answerf(CMD_ERROR, NULL, "out of range value (%lld) specified for parameter 'subnet-id'",
                           (long long)json_integer_value(sid));
    /* As Kea: one subnet, or (no subnet-id, or 0) each configured subnet in turn, named in the answer. */
    const cfg4_t *cfg = s->rt->cfg;
    uint32_t one = sid ? (uint32_t)json_integer_value(sid) : 0;
    size_t count = one ? 1 : cfg->subnet_count, n = 0;
    char which[512] = "";
    size_t used = 0;
    int r = 0;
    for (size_t i = 0; i < count && !r; i++) {
        uint32_t id = one ? one : cfg->subnets[i].id;
        size_t got = 0;
        r = s->store->ops->wipe(s->store, LEASE_V4, id, &got);
        n += got;
        int w = snprintf(which + used, sizeof which - used, " %u", id);
        if (w > 0 && (size_t)w < sizeof which - used)
            used += (size_t)w;
    }
    if (r)
        return cmd_answerf(CMD_ERROR, NULL, "lease store error: %s", nst_strerror(r));
    alloc4_recount(s->rt->alloc);
    return cmd_answerf(n ? CMD_SUCCESS : CMD_EMPTY, NULL, "Deleted %zu IPv4 lease(s) from subnet(s)%s", n, which);
}

/* Every lease command but lease4-wipe runs beside the packet workers (a high-availability partner
 * sends one lease4-update per lease: pausing the workers for each would stall the data plane);
 * writes hold the address's lock and answer once stored. lease4-wipe changes a whole subnet and
 * recounts its statistics: it pauses them. */
void srv4_register_lease_commands(srv4_t *s)
{
    static const struct {
        const char *name;
        ctrl_handler_fn fn;
    } cmds[] = {
        {"lease4-add", cmd_add_update},
        {"lease4-update", cmd_add_update},
        {"lease4-get", cmd_get},
        {"lease4-del", cmd_del},
        {"lease4-get-all", cmd_get_all},
        {"lease4-get-page", cmd_get_page},
        {"lease4-get-by-hw-address", cmd_get_by},
        {"lease4-get-by-client-id", cmd_get_by},
        {"lease4-get-by-hostname", cmd_get_by},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
        ctrl_register_ex(s->core.ctrl, cmds[i].name, cmds[i].fn, s, CTRL_CMD_CONCURRENT);
    ctrl_register(s->core.ctrl, "lease4-wipe", cmd_wipe, s);
    ctrl_register(s->core.ctrl, "lease4-resend-ddns", lease4_cmd_resend_ddns, s);
}
