/* Building DHCPv4 replies: header, options, destination; and the reply lifecycle. */
#include "dhcp4/reply4.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "dhcp4/class4.h"
#include "log/log.h"

static void reply_last(srv_hold_t *h, bool failed);

srv4_reply_t *reply4_alloc(srv4_t *s, srv4_iface_t *ifc)
{
    srv4_reply_t *r = xmalloc(sizeof *r);
    srv_hold_init(&r->hold, reply_last);
    r->srv = s;
    r->iface = ifc;
    r->iface_gen = s->iface_gen;
    r->ifindex = ifc->ifindex;
    atomic_init(&r->deferred, false);
    r->len = 0;
    r->done.next = NULL;
    return r;
}

void reply4_discard(srv4_reply_t *r)
{
    free(r);
}

/* Appends an option unless already present or marked never-send. */
typedef struct optw {
    pkt4_out_t *o;
    uint8_t done[32];           /* bitmap of codes written */
    const cfg_option_t *vivso;  /* option 125 to send, completed with its sub-options last */
    const reply4_flex_t *flex;  /* flex-option's plan (NULL: none) */
} optw_t;

static bool written(const optw_t *w, uint8_t c) { return w->done[c >> 3] & (1u << (c & 7)); }

static void mark(optw_t *w, uint8_t c) { w->done[c >> 3] |= (uint8_t)(1u << (c & 7)); }

/* Writes option code, after flex-option's sub-option actions on it (data NULL: the reply has no
 * such option; own: data is flex-option's own value). */
static void write_opt(optw_t *w, uint8_t code, const void *data, size_t len, bool own)
{
    if (w->flex && reply4_flexsub_has(w->flex, code)) {
        uint8_t buf[1500];
        int n = reply4_flexsub_apply(w->flex, code, data, len, own, buf, sizeof buf);
        mark(w, code); /* decided: written, or left out by the actions */
        if (n >= 0)
            pkt4_out_opt(w->o, code, buf, (size_t)n);
        return;
    }
    if (data && pkt4_out_opt(w->o, code, data, len) == 0)
        mark(w, code);
}

static void put(optw_t *w, uint8_t code, const void *data, size_t len)
{
    if (written(w, code))
        return;
    const reply4_flex_entry_t *f = w->flex ? reply4_flex_find(w->flex, code) : NULL;
    if (f && f->state == REPLY4_FLEX_REMOVED)
        return;
    if (f && f->state == REPLY4_FLEX_VALUE)
        return write_opt(w, code, f->val, f->len, true);
    write_opt(w, code, data, len, false);
}

/* flex-option's values for options the reply did not carry (add, supersede), then the options
 * that only sub-option actions create. */
static void put_flex(optw_t *w)
{
    for (size_t i = 0; w->flex && i < w->flex->n; i++) {
        const reply4_flex_entry_t *f = &w->flex->e[i];
        if ((f->state == REPLY4_FLEX_ORIG_OR || f->state == REPLY4_FLEX_VALUE) && !written(w, f->code))
            write_opt(w, f->code, f->val, f->len, true);
    }
    for (size_t i = 0; w->flex && i < w->flex->nsub; i++)
        if (!written(w, w->flex->sub[i].cfg->container))
            write_opt(w, w->flex->sub[i].cfg->container, NULL, 0, false);
}

static void put_cfg(optw_t *w, const cfg_option_t *o)
{
    if (o && o->code == PKT4_OPT_VIVSO && !o->never_send && !w->vivso)
        w->vivso = o;
    else if (o && !o->never_send && o->code <= UINT8_MAX)
        put(w, (uint8_t)o->code, o->data, o->len);
}

/* Option 125 (RFC 3925): the configured one and/or the vendor sub-options, as Kea sends them. */
static void put_vivso(optw_t *w, const cfg_optlevels_t *lv, const pkt4_t *q)
{
    uint8_t buf[4 + 1 + UINT8_MAX];
    int n = reply4_vivso(lv, q, w->vivso, buf, sizeof buf);
    if (n > 0)
        put(w, PKT4_OPT_VIVSO, buf, (size_t)n);
}

static const cfg_pool4_t *pool_of(const cfg_subnet4_t *s, uint32_t addr)
{
    for (size_t i = 0; s && i < s->pool_count; i++)
        if (addr >= s->pools[i].first && addr <= s->pools[i].last)
            return &s->pools[i];
    return NULL;
}

/* The option levels of a reply, most specific first, in Kea's order: host reservation, pool,
 * subnet, shared network, the packet's classes (in the order they were assigned), global. */
static void option_levels(cfg_optlevels_t *lv, const cfg4_t *cfg, const alloc4_result_t *res,
                          const cfg_subnet4_t *subnet, const cls_set_t *cls)
{
    const cfg_pool4_t *pool = res ? pool_of(res->subnet, res->lease.addr.v4) : NULL;
    size_t n = 0;
    memset(lv, 0, sizeof *lv);
    lv->set[n++] = res && res->host ? &res->host->options : NULL;
    lv->set[n++] = pool ? &pool->options : NULL;
    lv->set[n++] = subnet ? &subnet->options : NULL;
    lv->set[n++] = subnet && subnet->network ? &subnet->network->options : NULL;
    const cfg_classes_t *d = cfg->classes;
    for (size_t i = 0; cls && d && i < cls->n && n + 1 < CFG_OPT_LEVELS; i++)
        if (d->items[cls->order[i]].options.count)
            lv->set[n++] = &d->items[cls->order[i]].options;
    lv->set[n++] = &cfg->options;
    lv->n = n;
}

/* Kea's Host Name option (12) in an OFFER or ACK: the reserved hostname always, else the
 * client's own name as the lease keeps it (trimmed, sanitized, lower case) when it sent one. */
static bool hostname_reply(optw_t *w, const pkt4_t *q, const alloc4_result_t *res)
{
    const char *hn = res ? res->lease.hostname : NULL;
    bool reserved = res && res->host && res->host->hostname && *res->host->hostname;
    if (!hn || !*hn || !(reserved || pkt4_has_opt(q, PKT4_OPT_HOST_NAME)))
        return false;
    put(w, PKT4_OPT_HOST_NAME, hn, strlen(hn));
    return true;
}

static void put_options(optw_t *w, const cfg_optlevels_t *lv, const pkt4_t *q,
                        const cfg_subnet4_t *subnet, const alloc4_result_t *res)
{
    /* Options always sent when configured (RFC 2132 basics, as Kea does): routers, DNS servers,
     * domain name; the subnet mask comes from the subnet when not configured. */
    static const uint8_t basic[] = {PKT4_OPT_ROUTERS, PKT4_OPT_DNS_SERVERS, PKT4_OPT_DOMAIN_NAME};
    if (subnet) {
        const cfg_option_t *m = cfg_optlevels_find(lv, PKT4_OPT_SUBNET_MASK);
        uint32_t mask = htonl(subnet->mask);
        if (m)
            put_cfg(w, m);
        else
            put(w, PKT4_OPT_SUBNET_MASK, &mask, 4);
    }
    for (size_t i = 0; i < sizeof basic; i++)
        put_cfg(w, cfg_optlevels_find(lv, basic[i]));
    size_t prl_len = 0;
    const uint8_t *prl = pkt4_opt(q, PKT4_OPT_PRL, &prl_len);
    for (size_t i = 0; prl && i < prl_len; i++) {
        uint8_t c = prl[i];
        if (c == PKT4_OPT_HOST_NAME && hostname_reply(w, q, res))
            continue;
        put_cfg(w, cfg_optlevels_find(lv, c));
    }
    /* always-send options from every level, most specific first. */
    for (size_t k = 0, nk = cfg_optlevels_count(lv); k < nk; k++)
        for (size_t i = 0; lv->set[k] && i < lv->set[k]->count; i++)
            if (lv->set[k]->items[i].always_send && !lv->set[k]->items[i].space)
                put_cfg(w, cfg_optlevels_find(lv, lv->set[k]->items[i].code));
    if (subnet) /* Kea adds vendor options only for a client with a subnet */
        put_vivso(w, lv, q);
    hostname_reply(w, q, res);
}

/* RFC 2131 §4.1 "Constructing and sending DHCP messages": where the reply goes. */
static void choose_destination(srv4_reply_t *r, const pkt4_t *q, uint8_t type, uint32_t yiaddr)
{
    srv4_t *s = r->srv;
    bool raw = r->iface->pkt_fd >= 0;
    memcpy(r->dst_mac, q->hdr.chaddr, 6);
    r->src_ip = r->iface->addr;
    if (q->hdr.giaddr) {
        /* "If the 'giaddr' field ... is not zero, the server sends any return messages to the
         * 'DHCP server' port on the BOOTP relay agent whose address appears in 'giaddr'." */
        r->raw = false;
        r->dst_ip = q->hdr.giaddr;
        r->dst_port = s->server_port;
        return;
    }
    r->dst_port = s->client_port;
    if (type == PKT4_NAK) {
        /* "In all cases, when 'giaddr' is zero, the server broadcasts any DHCPNAK messages." */
        r->raw = raw;
        r->dst_ip = 0xffffffffu;
        memset(r->dst_mac, 0xff, 6);
        return;
    }
    if (q->hdr.ciaddr) {
        /* "... if the 'ciaddr' field is nonzero, then the server unicasts ... to 'ciaddr'." Read
         * on the packet socket, the reply goes as a frame to the request's source hardware
         * address, as Kea's raw (LPF) path does: no ARP, which a client may not answer (the
         * frame came from the client, or from the router in front of it). Read on a UDP socket
         * (UDP mode), the kernel routes and resolves ciaddr. */
        r->raw = raw && q->has_remote_mac;
        if (r->raw)
            memcpy(r->dst_mac, q->remote_mac, 6);
        r->dst_ip = q->hdr.ciaddr;
        return;
    }
    if ((q->hdr.flags & PKT4_FLAG_BROADCAST) || !raw || !yiaddr || q->hdr.hlen != 6) {
        /* Broadcast bit set, or we cannot address the client's hardware directly. */
        r->raw = raw;
        r->dst_ip = 0xffffffffu;
        memset(r->dst_mac, 0xff, 6);
        return;
    }
    /* "... the server unicasts DHCPOFFER and DHCPACK messages to the client's hardware address
     * and 'yiaddr' address." */
    r->raw = true;
    r->dst_ip = yiaddr;
}

bool reply4_build(srv4_reply_t *r, const cfg4_t *cfg, const pkt4_t *q, uint8_t type, const alloc4_result_t *res,
                  const class4_t *cl)
{
    const cls_set_t *cls = cl ? &cl->set : NULL;
    const cfg_subnet4_t *subnet = res ? res->subnet : NULL;
    const cfg_host4_t *host = res ? res->host : NULL;
    uint8_t *payload = r->frame + FRAME_UDP4_HLEN;
    /* At most an Ethernet MTU once the IP and UDP headers are added. */
    size_t cap = 1500 - 28;
    uint16_t maxsz;
    /* RFC 2132 §9.10: the client's maximum message size bounds the reply (IP+UDP headers included). */
    if (pkt4_opt_u16(q, PKT4_OPT_MAX_MSG_SIZE, &maxsz) && maxsz >= 576 && (size_t)maxsz - 28 < cap)
        cap = (size_t)maxsz - 28;
    pkt4_hdr_t h = q->hdr;
    h.op = PKT4_BOOTREPLY;
    h.hops = 0;
    h.secs = 0;
    h.yiaddr = type == PKT4_NAK || !res ? 0 : res->lease.addr.v4;
    h.siaddr = 0;
    /* RFC 2131 table 3 (and Kea): ciaddr is the client's in an ACK (renewing, rebinding,
     * INFORM), 0 in an OFFER and a NAK. */
    if (type != PKT4_ACK)
        h.ciaddr = 0;
    memset(h.sname, 0, sizeof h.sname);
    memset(h.file, 0, sizeof h.file);
    pkt4_out_t o;
    if (pkt4_out_init(&o, payload, cap, &h))
        return false;
    if (type != PKT4_NAK && subnet) {
        /* Kea's order: the subnet's values, overridden by the first class that sets each, then
         * by the reservation's. */
        const cfg_class_t *kn = cls ? class4_first(cls, cfg->classes, CLASS4_NEXT_SERVER) : NULL,
                          *ks = cls ? class4_first(cls, cfg->classes, CLASS4_SERVER_HOSTNAME) : NULL,
                          *kb = cls ? class4_first(cls, cfg->classes, CLASS4_BOOT_FILE) : NULL;
        uint32_t ns = host && host->next_server ? host->next_server : kn ? kn->next_server : subnet->next_server;
        const char *sn = host && host->server_hostname ? host->server_hostname
                         : ks                          ? ks->server_hostname
                                                       : subnet->server_hostname;
        const char *bf = host && host->boot_file_name ? host->boot_file_name
                         : kb                         ? kb->boot_file_name
                                                      : subnet->boot_file_name;
        if (ns)
            pkt4_out_set_siaddr(&o, ns);
        if (sn)
            pkt4_out_set_sname(&o, sn);
        if (bf)
            pkt4_out_set_file(&o, bf);
    }
    const cfg_subnet4_t *opt_subnet = subnet;
    if (!opt_subnet && type == PKT4_ACK) /* INFORM: options of the client's subnet */
        opt_subnet = q->hdr.ciaddr ? cfg4_subnet_containing(cfg, q->hdr.ciaddr)
                                   : cfg4_subnet_containing(cfg, r->iface->addr);
    cfg_optlevels_t lv;
    option_levels(&lv, cfg, res, opt_subnet, cls);
    reply4_flex_t flex;
    optw_t w = {.o = &o};
    if ((cfg->flexopt_count || cfg->flexsub_count) && cl) {
        reply4_flex_plan(&flex, cfg, cl);
        w.flex = &flex;
    }
    put(&w, PKT4_OPT_MSG_TYPE, &type, 1);
    /* A configured dhcp-server-identifier wins over the interface address (as in Kea). */
    const cfg_option_t *sid_opt = cfg_optlevels_find(&lv, PKT4_OPT_SERVER_ID);
    uint32_t sid = htonl(r->iface->addr);
    if (sid_opt && sid_opt->len == 4 && !sid_opt->never_send)
        put(&w, PKT4_OPT_SERVER_ID, sid_opt->data, sid_opt->len);
    else
        put(&w, PKT4_OPT_SERVER_ID, &sid, 4);
    if (res && (type == PKT4_OFFER || type == PKT4_ACK)) {
        uint32_t valid = res->lease.valid_lft, t1, t2;
        bool s1, s2;
        pkt4_out_opt_u32(&o, PKT4_OPT_LEASE_TIME, valid);
        alloc4_timers(subnet, valid, &t1, &s1, &t2, &s2);
        if (s1)
            pkt4_out_opt_u32(&o, PKT4_OPT_RENEWAL_TIME, t1);
        if (s2)
            pkt4_out_opt_u32(&o, PKT4_OPT_REBINDING_TIME, t2);
    }
    if (type != PKT4_NAK)
        put_options(&w, &lv, q, opt_subnet, res);
    size_t len;
    const uint8_t *cid = pkt4_opt(q, PKT4_OPT_CLIENT_ID, &len);
    if (cid && cfg->echo_client_id) /* RFC 6842 */
        put(&w, PKT4_OPT_CLIENT_ID, cid, len);
    const uint8_t *rai = pkt4_opt(q, PKT4_OPT_RAI, &len);
    if (rai && len) /* RFC 3046 §2.2: echo the relay agent information (also to L2 snoopers) */
        put(&w, PKT4_OPT_RAI, rai, len);
    put_flex(&w);
    int n = pkt4_out_finish(&o);
    if (n <= 0)
        return false;
    r->len = (size_t)n;
    r->msg_type = type;
    choose_destination(r, q, type, h.yiaddr);
    if (type == PKT4_NAK && q->hdr.giaddr) {
        /* RFC 2131 §4.3.2: the relay must broadcast a DHCPNAK to the client. */
        uint16_t fl = (uint16_t)(q->hdr.flags | PKT4_FLAG_BROADCAST);
        pkt4_out_set_flags(&o, fl);
    }
    return true;
}

srv4_reply_t *reply4_start(srv4_t *s, const cfg4_t *cfg, srv4_iface_t *ifc, const pkt4_t *q, uint8_t type,
                           const alloc4_result_t *res, const class4_t *cl)
{
    srv4_reply_t *r = reply4_alloc(s, ifc);
    if (!reply4_build(r, cfg, q, type, res, cl)) {
        reply4_discard(r);
        return NULL;
    }
    return r;
}

static void finish(srv4_reply_t *r, bool failed)
{
    srv4_t *s = r->srv;
    if (!failed && r->len) {
        if (srv4_send(s, r) == 0) {
            stat_add(s->st.sent, 1);
            stat_add(r->msg_type == PKT4_OFFER ? s->st.offer : r->msg_type == PKT4_ACK ? s->st.ack : s->st.nak, 1);
        }
    }
    free(r);
}

/* The last hold went: packet threads send at once; a reply completed elsewhere (a lease store's
 * commit thread) goes to the main loop, which sends it. */
static void reply_last(srv_hold_t *h, bool failed)
{
    srv4_reply_t *r = (srv4_reply_t *)h;
    if (!atomic_load(&r->deferred))
        return finish(r, failed);
    if (failed)
        atomic_store(&r->hold.failed, true);
    srv_core_defer(&r->srv->core, &r->done);
}

void srv4_reply_commit_cb(void *arg, int err)
{
    srv4_reply_t *r = arg;
    atomic_store(&r->deferred, true);
    srv_hold_drop(&r->hold, err);
}

void srv4_reply_complete(srv_core_t *c, srv_done_t *d)
{
    srv4_reply_t *r = (srv4_reply_t *)((char *)d - offsetof(srv4_reply_t, done));
    finish(r, atomic_load(&r->hold.failed));
}
