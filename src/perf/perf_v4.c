/* nestor-perf, DHCPv4: DORA, renewal (REQUEST with ciaddr), RELEASE, DECLINE and INFORM for a
 * population of clients told apart by their hardware address (and option 61 with --client-id).
 * Relayed (giaddr and option 82) or direct (Ethernet frames from the client's MAC). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "perf/perf.h"
#include "proto/pkt4.h"

typedef struct client4 {
    uint32_t addr;   /* leased address (host order), 0: none */
    uint32_t srv;    /* server identifier of the lease */
} client4_t;

typedef struct state4 {
    uint32_t giaddr; /* relay address (host order), 0 in direct mode */
} state4_t;

static _Thread_local pkt4_t *t_pkt; /* one parse buffer per reading thread */

static const uint8_t PRL[] = {1, 3, 6, 15, 51, 54, 58, 59};

static void client_mac(const perf_t *p, uint32_t client, uint8_t mac[6])
{
    memcpy(mac, p->o.base_mac, 6);
    perf_add_index(mac + 6, client + p->o.first_client);
}

/* Builds one client message into the send batch and queues it. */
static void send4(perf_t *p, uint32_t client, uint8_t type, uint32_t xid, uint32_t ciaddr,
                  uint32_t reqaddr, uint32_t srvid, bool unicast)
{
    const state4_t *s = p->fam_state;
    size_t cap;
    uint8_t *buf = perf_tx_buf(p, &cap);
    pkt4_hdr_t h = {.op = PKT4_BOOTREQUEST, .htype = 1, .hlen = 6, .xid = xid, .ciaddr = ciaddr,
                    .giaddr = s->giaddr, .hops = s->giaddr ? 1 : 0};
    if (p->o.broadcast && !ciaddr)
        h.flags = PKT4_FLAG_BROADCAST;
    client_mac(p, client, h.chaddr);
    pkt4_out_t o;
    if (pkt4_out_init(&o, buf, cap, &h) < 0)
        return;
    pkt4_out_opt_u8(&o, PKT4_OPT_MSG_TYPE, type);
    if (p->o.client_id) {
        uint8_t cid[7] = {1};
        memcpy(cid + 1, h.chaddr, 6);
        pkt4_out_opt(&o, PKT4_OPT_CLIENT_ID, cid, sizeof cid);
    }
    if (reqaddr)
        pkt4_out_opt_ipv4(&o, PKT4_OPT_REQUESTED_ADDR, reqaddr);
    if (srvid)
        pkt4_out_opt_ipv4(&o, PKT4_OPT_SERVER_ID, srvid);
    if (type != 7 && type != 4)
        pkt4_out_opt(&o, PKT4_OPT_PRL, PRL, sizeof PRL);
    if (s->giaddr) {                        /* option 82: circuit-id = the client's index */
        uint32_t id = htonl(client + p->o.first_client);
        uint8_t rai[6] = {PKT4_RAI_CIRCUIT_ID, 4};
        memcpy(rai + 2, &id, 4);
        pkt4_out_opt(&o, PKT4_OPT_RAI, rai, sizeof rai);
    }
    int n = pkt4_out_finish(&o);
    if (n < 0)
        return;
    perf_dst_t d = p->to_server;
    memcpy(d.src_mac, h.chaddr, 6);
    if (unicast && !s->giaddr) {            /* a client with an address talks to its server */
        struct sockaddr_in *a = (struct sockaddr_in *)&d.sa;
        a->sin_addr.s_addr = htonl(srvid ? srvid : ((const client4_t *)p->clients)[client].srv);
        d.src_ip = ciaddr;
        if (p->have_server_mac)
            memcpy(d.mac, p->server_mac, 6);
    }
    perf_tx_commit(p, (size_t)n, &d);
}

static int setup4(perf_t *p, char *err, size_t errlen)
{
    state4_t *s = xcalloc(1, sizeof *s);
    p->fam_state = s;
    if (p->o.relay) {
        struct in_addr a;
        if (inet_pton(AF_INET, p->o.relay, &a) != 1)
            return errf(err, errlen, -22, "bad relay address '%s'", p->o.relay);
        s->giaddr = ntohl(a.s_addr);
    }
    return 0;
}

static bool start4(perf_t *p, int kind, uint32_t client)
{
    client4_t *c = &((client4_t *)p->clients)[client];
    uint32_t xid;
    switch (kind) {
    case PK_NEW:
        perf_begin(p, client, PH_FIRST, 0, &xid);
        send4(p, client, PKT4_DISCOVER, xid, 0, 0, 0, false);
        return true;
    case PK_RENEW:
        if (!c->addr)
            return false;
        perf_begin(p, client, PH_RENEW, 0, &xid);
        send4(p, client, PKT4_REQUEST, xid, c->addr, 0, 0, true);
        return true;
    case PK_INFORM:
        if (!c->addr)
            return false;
        perf_begin(p, client, PH_INFORM, 0, &xid);
        send4(p, client, PKT4_INFORM, xid, c->addr, 0, 0, true);
        return true;
    case PK_RELEASE:
    case PK_DECLINE:
        if (!c->addr)
            return false;
        xid = (uint32_t)random() | 1u;  /* no answer comes back: any id */
        if (kind == PK_RELEASE)
            send4(p, client, PKT4_RELEASE, xid, c->addr, 0, c->srv, true);
        else
            send4(p, client, PKT4_DECLINE, xid, 0, c->addr, c->srv, false);
        perf_count_sent(p, kind == PK_RELEASE ? PH_RELEASE : PH_DECLINE);
        c->addr = 0;
        return true;
    }
    return false;
}

static void rx4(perf_t *p, const uint8_t *msg, size_t len, int64_t ts)
{
    perf_stats_t *any = perf_in_rx_thread ? &p->st_rx : &p->st;
    if (!t_pkt)
        t_pkt = xmalloc(sizeof *t_pkt);
    pkt4_t *m = t_pkt;
    if (pkt4_parse(m, msg, len) < 0 || m->hdr.op != PKT4_BOOTREPLY) {
        any->rx_bad++;
        return;
    }
    perf_slot_t *s = perf_match(p, m->hdr.xid);
    uint8_t mac[6];
    if (s)
        client_mac(p, s->client, mac);
    if (!s || memcmp(mac, m->hdr.chaddr, 6)) {
        any->rx_unmatched++;
        return;
    }
    perf_seen_t v = perf_seen(s);
    client4_t *c = &((client4_t *)p->clients)[v.client];
    if (v.phase < 0)
        return;
    if (m->msg_type == PKT4_NAK) {
        if (perf_answer(p, s, v.phase, ts, true, -1) && v.phase == PH_RENEW)
            c->addr = 0;
        return;
    }
    if (m->msg_type != (v.phase == PH_FIRST ? PKT4_OFFER : PKT4_ACK)) {
        any->rx_unexpected++;
        return;
    }
    uint32_t srv = 0;
    pkt4_opt_ipv4(m, PKT4_OPT_SERVER_ID, &srv);
    /* the REQUEST keeps the DISCOVER's transaction id (RFC 2131 §4.4.1) */
    if (!perf_answer(p, s, v.phase, ts, false, v.phase == PH_FIRST ? PH_SECOND : -1))
        return;
    if (v.phase == PH_FIRST) {
        send4(p, v.client, PKT4_REQUEST, m->hdr.xid, 0, m->hdr.yiaddr, srv, false);
        return;
    }
    if (v.phase == PH_SECOND || v.phase == PH_RENEW) {
        c->addr = m->hdr.yiaddr;
        if (srv)
            c->srv = srv;
        perf_lease_done(p, &v, ts, v.phase == PH_SECOND);
    } else {                      /* INFORM: the client keeps its lease */
        perf_ring_push(&p->leased, v.client);
    }
}

const perf_fam_t perf_fam4 = {
    .family = 4,
    .xid_mask = 0xffffffffu,
    .client_size = sizeof(client4_t),
    .phase_name = {"DISCOVER-OFFER", "REQUEST-ACK", "RENEW-ACK", "INFORM-ACK", "RELEASE", "DECLINE"},
    .setup = setup4,
    .start = start4,
    .rx = rx4,
};
