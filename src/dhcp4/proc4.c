/* The DHCPv4 packet path: accept checks, subnet selection, dispatch by message type. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dhcp4/class4.h"
#include "ha/ha_hash.h"
#include "dhcp4/reply4.h"
#include "common/errcode.h"
#include "dhcp4/srv4.h"
#include "log/log.h"

static const char *ip4str(uint32_t a, char *buf)
{
    struct in_addr in = {htonl(a)};
    inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
    return buf;
}

static void count_received(srv4_t *s, uint8_t type)
{
    stat_t *t;
    switch (type) {
    case PKT4_DISCOVER: t = s->st.discover; break;
    case PKT4_OFFER: t = s->st.offer_rcvd; break;
    case PKT4_REQUEST: t = s->st.request; break;
    case PKT4_DECLINE: t = s->st.decline; break;
    case PKT4_ACK: t = s->st.ack_rcvd; break;
    case PKT4_NAK: t = s->st.nak_rcvd; break;
    case PKT4_RELEASE: t = s->st.release; break;
    case PKT4_INFORM: t = s->st.inform; break;
    default: t = s->st.unknown; break;
    }
    stat_add(t, 1);
}

static void drop(srv4_t *s, const pkt4_t *q, const char *id, const char *why)
{
    stat_add(s->st.drop, 1);
    if (nlog_enabled(NLOG_BAD_PACKETS, NLOG_DEBUG, 15)) {
        char who[160];
        pkt4_describe(q, who, sizeof who);
        nlog_write(NLOG_BAD_PACKETS, NLOG_DEBUG, 15, id, "%s: dropping %s: %s", who,
                   pkt4_msg_name(q->msg_type), why);
    }
}

/* A packet in the class DROP: dropped and counted before any other work (Kea's
 * DHCP4_PACKET_DROP_0010; _0014 when an early global reservation put it there). */
static void drop_class(srv4_t *s, const pkt4_t *q, const char *id)
{
    stat_add(s->st.drop, 1);
    if (nlog_enabled(NLOG_PACKETS, NLOG_DEBUG, 15)) {
        char who[160];
        pkt4_describe(q, who, sizeof who);
        nlog_write(NLOG_PACKETS, NLOG_DEBUG, 15, id, "%s: dropping %s: it is a member of the special class DROP",
                   who, pkt4_msg_name(q->msg_type));
    }
}

/* The selected subnet if the packet's classes admit it; else the first of its shared network's
 * subnets that they admit (Kea's selection skips subnets the client's classes do not allow). */
static const cfg_subnet4_t *allowed_subnet(const cfg_subnet4_t *s, const cls_set_t *cls)
{
    if (!s || cls_allows(cls, s->cls.client_class))
        return s;
    for (size_t i = 0; s->network && i < s->network->subnet_count; i++)
        if (cls_allows(cls, s->network->subnets[i]->cls.client_class))
            return s->network->subnets[i];
    return NULL;
}

/* Subnet selection in Kea's order: the relay agent's link-selection sub-option (RFC 3527), or
 * without option 82 the subnet-selection option (RFC 3011); then giaddr (relay ip-addresses
 * first); then, for a packet not sent to the broadcast address (Kea's selectSubnet4), ciaddr, else
 * its source address; then the receiving interface. */
static const cfg_subnet4_t *select_subnet(const cfg4_t *c, const srv4_iface_t *ifc, const pkt4_t *q,
                                          uint32_t src_ip, uint32_t dst_ip)
{
    bool unicast = dst_ip != 0xffffffffu;
    uint32_t sel;
    pkt4_rai_t rai;
    if (pkt4_rai_get(q, &rai) == 0) {
        if (pkt4_subopt_ipv4(&rai.link_selection, &sel))
            return cfg4_subnet_containing(c, sel);
    } else if (pkt4_opt_ipv4(q, PKT4_OPT_SUBNET_SELECTION, &sel)) {
        return cfg4_subnet_containing(c, sel);
    }
    if (q->hdr.giaddr) {
        for (size_t i = 0; i < c->subnet_count; i++)
            for (size_t k = 0; k < c->subnets[i].relay_count; k++)
                if (c->subnets[i].relay_addrs[k] == q->hdr.giaddr)
                    return &c->subnets[i];
        return cfg4_subnet_containing(c, q->hdr.giaddr);
    }
    if (q->hdr.ciaddr && unicast)
        return cfg4_subnet_containing(c, q->hdr.ciaddr);
    if (src_ip && unicast)
        return cfg4_subnet_containing(c, src_ip);
    for (size_t i = 0; i < c->subnet_count; i++) {
        const cfg_subnet4_t *s = &c->subnets[i];
        if (s->interface && !strcmp(s->interface, ifc->name))
            return s;
    }
    if (ifc->addr) {
        const cfg_subnet4_t *s = cfg4_subnet_containing(c, ifc->addr);
        if (s && !s->interface)
            return s;
    }
    return NULL;
}

static void fill_req(alloc4_req_t *r, const pkt4_t *q, const cfg_subnet4_t *subnet, char *hostname,
                     size_t hncap, class4_t *cl)
{
    memset(r, 0, sizeof *r);
    r->subnet = subnet;
    r->hwaddr = q->hdr.chaddr;
    r->hwaddr_len = q->hdr.hlen > PKT4_CHADDR_LEN ? PKT4_CHADDR_LEN : q->hdr.hlen;
    size_t len;
    const uint8_t *cid = pkt4_opt(q, PKT4_OPT_CLIENT_ID, &len);
    if (cid && len > 0 && len <= 255) {
        r->client_id = cid;
        r->client_id_len = (uint8_t)len;
    }
    size_t rlen;
    const uint8_t *rd = pkt4_opt(q, PKT4_OPT_RAI, &rlen);
    if (rd && rlen && rlen <= 255) {
        r->rai = rd;
        r->rai_len = (uint8_t)rlen;
    }
    pkt4_rai_t rai;
    if (pkt4_rai_get(q, &rai) == 0 && rai.circuit_id.present) {
        r->circuit_id = rai.circuit_id.data;
        r->circuit_id_len = rai.circuit_id.len;
    }
    pkt4_opt_ipv4(q, PKT4_OPT_REQUESTED_ADDR, &r->hint);
    pkt4_opt_u32(q, PKT4_OPT_LEASE_TIME, &r->requested_lft);
    const uint8_t *hn = pkt4_opt(q, PKT4_OPT_HOST_NAME, &len);
    if (hn && len > 0) {
        /* As Kea 2.2 without DDNS settings: the name trimmed, stripped of characters outside
         * hostname-char-set's default [A-Za-z0-9.-] (so no control byte reaches the logs or the
         * lease file), in lower case; it becomes the lease's hostname and is sent back. */
        size_t b = 0, e = len, o = 0;
        while (b < e && (hn[b] == ' ' || hn[b] == '\t'))
            b++;
        while (e > b && (hn[e - 1] == ' ' || hn[e - 1] == '\t' || hn[e - 1] == 0))
            e--;
        for (size_t i = b; i < e && o + 1 < hncap; i++) {
            char c = (char)hn[i];
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')
                hostname[o++] = c;
            else if (c >= 'A' && c <= 'Z')
                hostname[o++] = (char)(c - 'A' + 'a');
        }
        hostname[o] = '\0';
        if (o && strcmp(hostname, "."))
            r->hostname = hostname;
    }
    r->now = now_epoch();
    if (cl)
        class4_flex(cl, r);
}

static void log_lease(srv4_t *s, const pkt4_t *q, const char *id, const char *fmt_tail,
                      uint32_t addr, uint32_t valid)
{
    if (!nlog_enabled(NLOG_LEASES, NLOG_INFO, 0))
        return;
    char who[160], ip[INET_ADDRSTRLEN];
    pkt4_describe(q, who, sizeof who);
    ip4str(addr, ip);
    if (valid)
        nlog_write(NLOG_LEASES, NLOG_INFO, 0, id, "%s: lease %s %s %u seconds", who, ip, fmt_tail, valid);
    else
        nlog_write(NLOG_LEASES, NLOG_INFO, 0, id, "%s: lease %s %s", who, ip, fmt_tail);
}

static void describe(const void *pkt, char *buf, size_t cap)
{
    pkt4_describe(pkt, buf, cap);
}

/* High availability's scope seam (srv4.h): the query as the HA service sees it. Kea balances
 * DISCOVER, REQUEST, DECLINE, RELEASE and INFORM by the client identifier, else chaddr; the
 * unacked-clients analysis knows a client by both. *ha_class: the query's scope class. */
static void ha_query_of(const pkt4_t *q, ha_query_t *hq)
{
    size_t hlen = q->hdr.hlen > PKT4_CHADDR_LEN ? PKT4_CHADDR_LEN : q->hdr.hlen, cid_len = 0;
    const uint8_t *cid = pkt4_opt(q, PKT4_OPT_CLIENT_ID, &cid_len);
    uint8_t t = q->msg_type;
    *hq = (ha_query_t){
        .key = cid && cid_len ? cid : q->hdr.chaddr, .key_len = cid && cid_len ? cid_len : hlen,
        .balanced = t == PKT4_DISCOVER || t == PKT4_REQUEST || t == PKT4_DECLINE || t == PKT4_RELEASE ||
                    t == PKT4_INFORM,
        .id1 = q->hdr.chaddr, .len1 = hlen, .id2 = cid, .len2 = cid ? cid_len : 0,
        .delay_ms = ha_secs_ms(q->hdr.secs), .describe = describe, .pkt = q,
    };
}

static bool in_scope(const srv4_rt_t *rt, const pkt4_t *q, const char **ha_class)
{
    *ha_class = NULL;
    if (!rt->in_scope)
        return true;
    ha_query_t hq;
    ha_query_of(q, &hq);
    return rt->in_scope(rt->scope_arg, &hq, ha_class);
}

/* Hub-and-spoke (srv4.h): the selected subnet's relationship decides, as Kea 2.6's subnet4_select
 * callout (a query without a subnet, or of a subnet without a relationship, is dropped). */
static bool hub_in_scope(srv4_t *s, const srv4_rt_t *rt, const pkt4_t *q, const cfg_subnet4_t *subnet)
{
    char who[160];
    ha_service_t *svc = subnet && subnet->ha_rel >= 0 ? ha_hub_service(rt->ha_hub, (unsigned)subnet->ha_rel) : NULL;
    const char *cls;
    ha_query_t hq;
    ha_query_of(q, &hq);
    if (svc && ha_service_in_scope(svc, &hq, &cls)) {
        return true;
    } else if (svc) {
        if (nlog_enabled(NLOG_HA, NLOG_DEBUG, NLOG_DBG_TRACE)) {
            pkt4_describe(q, who, sizeof who);
            nlog_write(NLOG_HA, NLOG_DEBUG, NLOG_DBG_TRACE, "HA_SUBNET4_SELECT_NOT_FOR_US", "%s: dropping query in "
                       "relationship %s to be processed by another server", who,
                       ha_hub_name(rt->ha_hub, (unsigned)subnet->ha_rel));
        }
        return false;
    }
    stat_add(s->st.drop, 1);
    if (!subnet && !nlog_enabled(NLOG_HA, NLOG_DEBUG, NLOG_DBG_TRACE))
        return false;   /* the common drop (a query of no subnet) describes nothing unless traced */
    pkt4_describe(q, who, sizeof who);
    if (!subnet)
        nlog_write(NLOG_HA, NLOG_DEBUG, NLOG_DBG_TRACE, "HA_SUBNET4_SELECT_NO_SUBNET_SELECTED", "%s: unable to "
                   "determine HA relationship because no subnet has been selected for the client", who);
    else if (subnet && subnet->ha_rel == CFG_HA_REL_INVALID)
        LOG_ERROR(NLOG_HA, "HA_SUBNET4_SELECT_INVALID_HA_SERVER_NAME", "%s: invalid ha-server-name value for "
                  "subnet %u", who, subnet->id);
    else if (subnet && subnet->ha_rel == CFG_HA_REL_UNKNOWN)
        LOG_ERROR(NLOG_HA, "HA_SUBNET4_SELECT_NO_RELATIONSHIP_FOR_SUBNET", "%s: HA relationship not found for %s "
                  "(subnet %u)", who, subnet->ha_name, subnet->id);
    else if (subnet)
        LOG_ERROR(NLOG_HA, "HA_SUBNET4_SELECT_NO_RELATIONSHIP_SELECTOR_FOR_SUBNET", "%s: unable to determine HA "
                  "relationship because selected subnet %u lacks the ha-server-name", who, subnet->id);
    return false;
}

/* Kea's HA hook drops it in buffer4_receive: no drop is counted. */
static void not_for_us(const pkt4_t *q)
{
    if (nlog_enabled(NLOG_HA, NLOG_DEBUG, NLOG_DBG_TRACE)) {
        char who[160];
        pkt4_describe(q, who, sizeof who);
        nlog_write(NLOG_HA, NLOG_DEBUG, NLOG_DBG_TRACE, "HA_BUFFER4_RECEIVE_NOT_FOR_US",
                   "%s: dropping query to be processed by another server", who);
    }
}

static void send_nak(srv4_t *s, const srv4_rt_t *rt, srv4_iface_t *ifc, const pkt4_t *q, const char *id,
                     const char *why, const class4_t *cl)
{
    if (nlog_enabled(NLOG_PACKETS, NLOG_INFO, 0)) {
        char who[160], ci[INET_ADDRSTRLEN], ra[INET_ADDRSTRLEN];
        uint32_t req = 0;
        pkt4_opt_ipv4(q, PKT4_OPT_REQUESTED_ADDR, &req);
        pkt4_describe(q, who, sizeof who);
        nlog_write(NLOG_PACKETS, NLOG_INFO, 0, id, "%s: sending DHCPNAK, client sent ciaddr %s, requested-ip-address %s: %s",
                   who, ip4str(q->hdr.ciaddr, ci), ip4str(req, ra), why);
    }
    srv4_reply_t *r = reply4_start(s, rt->cfg, ifc, q, PKT4_NAK, NULL, cl);
    if (r)
        srv4_reply_done(r, 0);
}

/* Kea's steps 8-10 before an allocation: with classes in the configuration, the reservation is
 * looked up first (and handed to the engine), KNOWN or UNKNOWN and the reservation's classes are
 * assigned, the classes that depend on them evaluated, and a packet now in DROP dropped; the
 * request then carries the classes. false: the packet was dropped. */
static bool classify_host(srv4_t *s, const srv4_rt_t *rt, const pkt4_t *q, alloc4_req_t *req, class4_t *cl)
{
    req->classes = &cl->set;
    if (!class4_needs_host(cl))
        return true;
    alloc4_fail_t fail = {0};
    const cfg_subnet4_t *where;
    req->host = alloc4_host_for(rt->alloc, req, &where, &fail);
    req->host_known = true;
    if (fail.failed) {
        drop(s, q, "DHCP4_PACKET_DROP_0007", fail.why);
        return false;
    }
    if (class4_host(cl, req->host)) {
        drop_class(s, q, "DHCP4_PACKET_DROP_0010");
        return false;
    }
    req->life_class = class4_first(&cl->set, cl->dict, CLASS4_VALID);
    return true;
}

static void on_discover(srv4_t *s, const srv4_rt_t *rt, srv4_iface_t *ifc, const pkt4_t *q,
                        const cfg_subnet4_t *subnet, class4_t *cl)
{
    char hostname[256];
    alloc4_req_t req;
    alloc4_result_t res;
    fill_req(&req, q, subnet, hostname, sizeof hostname, cl);
    if (!classify_host(s, rt, q, &req, cl))
        return;
    int st = alloc4_offer(rt->alloc, &req, &res);
    if (st == ALLOC4_STORE_ERROR) /* a database could not be read: no answer rather than a guess */
        return drop(s, q, "DHCP4_PACKET_DROP_0007", res.why ? res.why : "the lease store failed");
    if (st != ALLOC4_OK) {
        if (nlog_enabled(NLOG_ALLOC, NLOG_WARN, 0)) {
            char who[160];
            pkt4_describe(q, who, sizeof who);
            nlog_write(NLOG_ALLOC, NLOG_WARN, 0, "ALLOC_ENGINE_V4_ALLOC_FAIL",
                       "%s: failed to allocate an IPv4 address in subnet %u: %s", who, subnet->id,
                       res.why ? res.why : "unknown reason");
        }
        return;
    }
    log_lease(s, q, "DHCP4_LEASE_ADVERT", "will be advertised for", res.lease.addr.v4, res.lease.valid_lft);
    class4_required(cl, res.subnet, res.lease.addr.v4);
    srv4_reply_t *r = reply4_start(s, rt->cfg, ifc, q, PKT4_OFFER, &res, cl);
    alloc4_result_free(&res);
    if (r)
        srv4_reply_done(r, 0);
}

static void on_request(srv4_t *s, const srv4_rt_t *rt, srv4_iface_t *ifc, const pkt4_t *q,
                       const cfg_subnet4_t *subnet, uint32_t dst_ip, class4_t *cl)
{
    char hostname[256];
    alloc4_req_t req;
    fill_req(&req, q, subnet, hostname, sizeof hostname, cl);
    if (!classify_host(s, rt, q, &req, cl))
        return;
    bool has_sid = pkt4_has_opt(q, PKT4_OPT_SERVER_ID);
    bool has_req = pkt4_has_opt(q, PKT4_OPT_REQUESTED_ADDR);
    /* RFC 2131 §4.3.2: the client's state follows from server-id, requested-ip and ciaddr. As
     * Kea, the address asked for is option 50, else ciaddr, else none (the engine then finds
     * one: reservation, lease, new address, or a NAK). */
    if (!has_req)
        req.hint = q->hdr.ciaddr;
    enum alloc4_request_kind kind = has_sid   ? REQ_SELECTING
                                    : has_req ? REQ_INIT_REBOOT
                                    : dst_ip == 0xffffffffu ? REQ_REBINDING : REQ_RENEWING;
    if (kind == REQ_INIT_REBOOT && nlog_enabled(NLOG_LEASES, NLOG_DEBUG, 50)) {
        char who[160], ip[INET_ADDRSTRLEN];
        pkt4_describe(q, who, sizeof who);
        nlog_write(NLOG_LEASES, NLOG_DEBUG, 50, "DHCP4_INIT_REBOOT", "%s: client is in INIT-REBOOT state and requests address %s",
                   who, ip4str(req.hint, ip));
    }
    srv4_reply_t *r = reply4_alloc(s, ifc);
    /* One hold for the lease write: its commit callback drops it, inline or from the store's
     * thread. When no write happened (every outcome but ALLOC4_OK) the callback never runs. */
    srv4_reply_hold(r);
    alloc4_result_t res;
    int st = alloc4_request(rt->alloc, &req, kind, srv4_reply_commit_cb, r, &res);
    if (st != ALLOC4_OK || res.reused)
        srv_hold_forget(&r->hold); /* the write's hold: no write happened */
    switch (st) {
    case ALLOC4_OK:
        log_lease(s, q, "DHCP4_LEASE_ALLOC", "has been allocated for", res.lease.addr.v4, res.lease.valid_lft);
        class4_required(cl, res.subnet, res.lease.addr.v4);
        if (!reply4_build(r, rt->cfg, q, PKT4_ACK, &res, cl)) {
            srv4_reply_done(r, NST_EINVAL);
            break;
        }
        srv4_reply_done(r, 0);
        break;
    case ALLOC4_NAK:
        reply4_discard(r);
        send_nak(s, rt, ifc, q, kind == REQ_INIT_REBOOT ? "DHCP4_PACKET_NAK_0002" : "DHCP4_PACKET_NAK_0004", res.why,
                 cl);
        break;
    case ALLOC4_UNKNOWN_ADDR:
        reply4_discard(r);
        if (nlog_enabled(NLOG_BAD_PACKETS, NLOG_DEBUG, 55)) {
            char who[160], ci[INET_ADDRSTRLEN], ra[INET_ADDRSTRLEN];
            pkt4_describe(q, who, sizeof who);
            nlog_write(NLOG_BAD_PACKETS, NLOG_DEBUG, 55, "DHCP4_UNKNOWN_ADDRESS_REQUESTED",
                       "%s: client sent ciaddr %s, requested-ip-address %s; the address is in none of the pools: no reply",
                       who, ip4str(q->hdr.ciaddr, ci), has_req ? ip4str(req.hint, ra) : "(no address)");
        }
        break;
    case ALLOC4_SILENT:
        reply4_discard(r);
        if (nlog_enabled(NLOG_LEASES, NLOG_DEBUG, 50)) {
            char who[160];
            pkt4_describe(q, who, sizeof who);
            nlog_write(NLOG_LEASES, NLOG_DEBUG, 50, "DHCP4_NO_LEASE_INIT_REBOOT",
                       "%s: no lease for the client in INIT-REBOOT state; not authoritative, so no reply", who);
        }
        break;
    default:
        reply4_discard(r);
        drop(s, q, "DHCP4_PACKET_DROP_0007", res.why ? res.why : "allocation failed");
        break;
    }
    alloc4_result_free(&res);
}

static void on_release(srv4_t *s, const srv4_rt_t *rt, const pkt4_t *q, const cfg_subnet4_t *subnet, class4_t *cl)
{
    char hostname[256];
    alloc4_req_t req;
    fill_req(&req, q, subnet, hostname, sizeof hostname, cl);
    if (alloc4_release(rt->alloc, &req, q->hdr.ciaddr) == ALLOC4_OK)
        log_lease(s, q, "DHCP4_RELEASE", "was released properly", q->hdr.ciaddr, 0);
    else
        srv4_log_refused(s, q, q->hdr.ciaddr, false);
}

static void on_decline(srv4_t *s, const srv4_rt_t *rt, const pkt4_t *q, const cfg_subnet4_t *subnet, class4_t *cl)
{
    char hostname[256];
    alloc4_req_t req;
    fill_req(&req, q, subnet, hostname, sizeof hostname, cl);
    uint32_t addr;
    if (!pkt4_opt_ipv4(q, PKT4_OPT_REQUESTED_ADDR, &addr))
        return drop(s, q, "DHCP4_PACKET_DROP_0007", "DHCPDECLINE without requested-ip-address");
    uint32_t probation = rt->cfg->decline_probation_period;
    if (alloc4_decline(rt->alloc, &req, addr, probation) == ALLOC4_OK) {
        if (nlog_enabled(NLOG_LEASES, NLOG_INFO, 0)) {
            char who[160], ip[INET_ADDRSTRLEN];
            pkt4_describe(q, who, sizeof who);
            nlog_write(NLOG_LEASES, NLOG_INFO, 0, "DHCP4_DECLINE_LEASE",
                       "%s: received DHCPDECLINE for address %s; it is declined for %u seconds", who,
                       ip4str(addr, ip), probation);
        }
    } else {
        srv4_log_refused(s, q, addr, true);
    }
}

static void on_inform(srv4_t *s, const srv4_rt_t *rt, srv4_iface_t *ifc, const pkt4_t *q, const class4_t *cl)
{
    srv4_reply_t *r = reply4_start(s, rt->cfg, ifc, q, PKT4_ACK, NULL, cl);
    if (r)
        srv4_reply_done(r, 0);
}

/* Kea's early-global-reservations-lookup: the client's global reservation, looked up before the
 * subnet is selected, so that its classes and KNOWN can choose the subnet. true: dropped. */
static bool early_global_host(srv4_t *s, const srv4_rt_t *rt, const pkt4_t *q, class4_t *cl)
{
    char hostname[256];
    alloc4_req_t req;
    fill_req(&req, q, NULL, hostname, sizeof hostname, cl);
    alloc4_fail_t fail = {0};
    const cfg_host4_t *h = alloc4_host(rt->alloc, NULL, &req, &fail);
    if (fail.failed) {
        drop(s, q, "DHCP4_PACKET_DROP_0007", fail.why);
        return true;
    }
    if (!class4_early_host(cl, h))
        return false;
    drop_class(s, q, "DHCP4_PACKET_DROP_0014");
    return true;
}

/* Kea checks the service on receipt, before it counts or parses anything (runOne). */
static void disabled_drop(pkt4_t *q, const uint8_t *buf, size_t len)
{
    if (!nlog_enabled(NLOG_BAD_PACKETS, NLOG_DEBUG, 15))
        return;
    char who[160] = "[no hwaddr info], cid=[no info], tid=0x0";
    if (pkt4_parse(q, buf, len) == 0)
        pkt4_describe(q, who, sizeof who);
    nlog_write(NLOG_BAD_PACKETS, NLOG_DEBUG, 15, "DHCP4_PACKET_DROP_0008", "%s: DHCP service is globally disabled",
               who);
}

bool srv4_parse(srv4_t *s, srv4_iface_t *ifc, pkt4_t *q, const uint8_t *buf, size_t len, uint32_t src_ip)
{
    if (!srv4_service_enabled(s)) {
        disabled_drop(q, buf, len);
        return false;
    }
    stat_add(s->st.received, 1);
    int pr = pkt4_parse(q, buf, len);
    if (pr) {
        stat_add(s->st.parse_failed, 1);
        stat_add(s->st.drop, 1);
        if (nlog_enabled(NLOG_BAD_PACKETS, NLOG_DEBUG, 15)) {
            char src[INET_ADDRSTRLEN];
            nlog_write(NLOG_BAD_PACKETS, NLOG_DEBUG, 15, "DHCP4_PACKET_DROP_0001",
                       "failed to parse packet from %s received over interface %s, reason: %s",
                       ip4str(src_ip, src), ifc->name, nst_strerror(pr));
        }
        return false;
    }
    return true;
}

void srv4_handle(srv4_t *s, srv4_iface_t *ifc, pkt4_t *q, const uint8_t *buf, size_t len,
                 uint32_t src_ip, uint32_t dst_ip, const uint8_t *src_mac)
{
    if (!srv4_parse(s, ifc, q, buf, len, src_ip))
        return;
    if (src_mac) {
        q->has_remote_mac = true;
        memcpy(q->remote_mac, src_mac, 6);
    }
    srv4_process(s, s->rt, ifc, q, src_ip, dst_ip);
}

void srv4_process(srv4_t *s, const srv4_rt_t *rt, srv4_iface_t *ifc, const pkt4_t *q, uint32_t src_ip,
                  uint32_t dst_ip)
{
    const char *ha_class;
    if (!in_scope(rt, q, &ha_class))
        return not_for_us(q);   /* Kea's HA drops it before the per-type counters */
    count_received(s, q->msg_type);
    uint8_t t = q->msg_type; /* Kea's ids: 0009 no option 53, 0005 a type it does not know, 0006 unsupported */
    if (t != PKT4_DISCOVER && t != PKT4_REQUEST && t != PKT4_RELEASE && t != PKT4_DECLINE && t != PKT4_INFORM)
        return drop(s, q, t == PKT4_NOTYPE ? "DHCP4_PACKET_DROP_0009" : t > 18 ? "DHCP4_PACKET_DROP_0005"
                          : "DHCP4_PACKET_DROP_0006", "unsupported message type");
    if (q->hdr.op != PKT4_BOOTREQUEST)
        return drop(s, q, "DHCP4_PACKET_DROP_NOT_BOOTREQUEST", "not a BOOTREQUEST");
    if (t != PKT4_INFORM && q->hdr.hlen == 0 && !pkt4_has_opt(q, PKT4_OPT_CLIENT_ID))
        return drop(s, q, "DHCP4_PACKET_DROP_0007", "neither hardware address nor client identifier");
    uint32_t sid;
    if (pkt4_opt_ipv4(q, PKT4_OPT_SERVER_ID, &sid) && sid != ifc->addr) {
        /* RFC 2131 §4.3.2: the client selected another server (or another of our addresses). */
        bool ours = false;
        for (size_t i = 0; i < s->iface_count; i++)
            ours |= s->ifaces[i].addr == sid;
        for (size_t i = 0; i < rt->server_id_count; i++)
            ours |= rt->server_ids[i] == sid; /* configured dhcp-server-identifier values */
        if (!ours)
            return drop(s, q, "DHCP4_PACKET_DROP_0003", "server identifier is not ours");
    }
    class4_t cl;
    if (class4_begin(&cl, rt->cfg, ifc, q, src_ip, dst_ip, ha_class))
        return drop_class(s, q, "DHCP4_PACKET_DROP_0010");
    if (rt->cfg->early_global_reservations_lookup && t != PKT4_INFORM && early_global_host(s, rt, q, &cl))
        return;
    if (nlog_enabled(NLOG_PACKETS, NLOG_DEBUG, 40)) {
        char who[160], src[INET_ADDRSTRLEN];
        pkt4_describe(q, who, sizeof who);
        nlog_write(NLOG_PACKETS, NLOG_DEBUG, 40, "DHCP4_PACKET_RECEIVED", "%s: %s (type %u) received from %s on interface %s",
                   who, pkt4_msg_name(t), t, ip4str(src_ip, src), ifc->name);
    }
    if (t == PKT4_INFORM) {
        /* Kea's acceptDirectRequest: a direct INFORM with neither ciaddr nor a source address
         * leaves nowhere to answer. */
        if (!q->hdr.giaddr && !q->hdr.ciaddr && !src_ip)
            return drop(s, q, "DHCP4_PACKET_DROP_0002", "DHCPINFORM from 0.0.0.0 without ciaddr");
        if (rt->ha_hub && !hub_in_scope(s, rt, q, allowed_subnet(select_subnet(rt->cfg, ifc, q, src_ip, dst_ip),
                                                                 &cl.set)))
            return;
        return on_inform(s, rt, ifc, q, &cl);
    }
    if (t == PKT4_DISCOVER && srv4_backlogged(s))
        return drop(s, q, "DHCP4_PACKET_DROP_BACKLOG",
                    "lease writes are waiting too long for the database: new exchanges wait until they are done");
    const cfg_subnet4_t *subnet = allowed_subnet(select_subnet(rt->cfg, ifc, q, src_ip, dst_ip), &cl.set);
    if (rt->ha_hub && !hub_in_scope(s, rt, q, subnet))
        return;
    if (!subnet) {
        /* Kea: a broadcast from the link that no subnet serves is not accepted; a relayed or
         * unicast REQUEST reaches the engine, which NAKs it. */
        if (t == PKT4_REQUEST && (q->hdr.giaddr || dst_ip != 0xffffffffu))
            return send_nak(s, rt, ifc, q, "DHCP4_PACKET_NAK_0001", "no subnet for the client", &cl);
        return drop(s, q, q->hdr.giaddr || dst_ip != 0xffffffffu ? "DHCP4_SUBNET_SELECTION_FAILED"
                          : "DHCP4_PACKET_DROP_0002", "no subnet matches the client");
    }
    switch (t) {
    case PKT4_DISCOVER: on_discover(s, rt, ifc, q, subnet, &cl); break;
    case PKT4_REQUEST: on_request(s, rt, ifc, q, subnet, dst_ip, &cl); break;
    case PKT4_RELEASE: on_release(s, rt, q, subnet, &cl); break;
    case PKT4_DECLINE: on_decline(s, rt, q, subnet, &cl); break;
    default: break;
    }
}

void srv4_prefetch(srv4_t *s, const srv4_rt_t *rt, srv4_iface_t *ifc, pkt4_t *q, const uint8_t *buf, size_t len,
                   uint32_t src_ip)
{
    if (pkt4_peek_type(buf, len) != PKT4_DISCOVER || !srv4_service_enabled(s) || srv4_backlogged(s) ||
        pkt4_parse(q, buf, len) ||
        q->msg_type != PKT4_DISCOVER || q->hdr.op != PKT4_BOOTREQUEST || q->hdr.hlen == 0 ||
        pkt4_has_opt(q, PKT4_OPT_SERVER_ID) || rt->in_scope || rt->ha_hub)    /* HA: no lookahead, in_scope analyses */
        return;
    const cfg_subnet4_t *subnet = select_subnet(rt->cfg, ifc, q, src_ip, 0xffffffffu); /* a DISCOVER: broadcast, mostly */
    if (!subnet)
        return;
    char hostname[256];
    alloc4_req_t req;
    fill_req(&req, q, subnet, hostname, sizeof hostname, NULL);
    alloc4_prefetch_add(rt->alloc, &req);
}

void srv4_prefetch_run(srv4_t *s, const srv4_rt_t *rt)
{
    size_t n = alloc4_prefetch_run(rt->alloc);
    if (n > 1)
        LOG_DEBUG(NLOG_ALLOC, 50, "ALLOC_ENGINE_V4_LOOKAHEAD", "%zu DISCOVERs looked up together", n);
}

void srv4_prefetch_end(srv4_t *s)
{
    (void)s;
    alloc4_prefetch_end();
}

bool srv4_lookahead(const srv4_t *s)
{
    return s->store && s->store->ops->prefetch;
}

bool srv4_backlogged(const srv4_t *s)
{
    return s->store && s->store->ops->backlog_ms && s->store->ops->backlog_ms(s->store) > SRV4_BACKLOG_MS;
}

void srv4_drop_stale(srv4_t *s, srv4_iface_t *ifc, uint32_t age_ms)
{
    stat_add(s->st.received, 1);
    stat_add(s->st.drop, 1);
    if (nlog_enabled(NLOG_BAD_PACKETS, NLOG_DEBUG, 15))
        nlog_write(NLOG_BAD_PACKETS, NLOG_DEBUG, 15, "DHCP4_PACKET_DROP_STALE",
                   "dropping a DHCPDISCOVER received on interface %s %u ms ago: the server is behind", ifc->name,
                   age_ms);
}
