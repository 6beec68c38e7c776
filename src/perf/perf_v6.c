/* nestor-perf, DHCPv6: SOLICIT-ADVERTISE-REQUEST-REPLY (or SOLICIT-REPLY with rapid commit),
 * RENEW and RELEASE, with IA_NA, IA_PD or both, for a population of clients told apart by their
 * DUID. Direct (from port 546 on the link) or relayed (RELAY-FORW with link-address = the relay
 * address, peer-address = the client's link-local address, an interface-id). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "perf/perf.h"
#include "proto/pkt6.h"

#define IAID_NA 1
#define IAID_PD 2

typedef struct client6 {
    uint8_t addr[16], prefix[16];
    uint8_t plen;
    bool has_na, has_pd;
} client6_t;

typedef struct state6 {
    uint8_t link[16];             /* relay address (relayed mode) */
    uint8_t server_id[130];       /* last server DUID seen, for RENEW and RELEASE */
    size_t server_id_len;
} state6_t;

/* What an answer gave: the server's DUID and the leases of the IAs asked for. */
typedef struct answer6 {
    const uint8_t *sid, *cid;
    size_t sid_len, cid_len;
    const uint8_t *addr, *prefix;
    uint8_t plen;
    int status;                   /* first non-success status (top level or in an IA), else 0 */
    bool rapid;
} answer6_t;

static size_t client_duid(const perf_t *p, uint32_t client, uint8_t *out)
{
    uint32_t id = client + p->o.first_client;
    if (p->o.base_duid_len) {
        memcpy(out, p->o.base_duid, p->o.base_duid_len);
        perf_add_index(out + p->o.base_duid_len, id);
        return p->o.base_duid_len;
    }
    /* DUID-LL (type 3, hardware type 1) from the client's MAC, as v4 numbers them */
    out[0] = 0, out[1] = 3, out[2] = 0, out[3] = 1;
    memcpy(out + 4, p->o.base_mac, 6);
    perf_add_index(out + 10, id);
    return 10;
}

static void add_ias(perf_t *p, pkt6_out_t *o, const client6_t *c, bool with_leases)
{
    if (p->o.lease_type & PLT_NA) {
        pkt6_out_begin(o, PKT6_OPT_IA_NA);
        pkt6_out_u32(o, IAID_NA);
        pkt6_out_u32(o, 0);
        pkt6_out_u32(o, 0);
        if (with_leases && c->has_na) {
            pkt6_out_begin(o, PKT6_OPT_IAADDR);
            pkt6_out_bytes(o, c->addr, 16);
            pkt6_out_u32(o, 0);
            pkt6_out_u32(o, 0);
            pkt6_out_end(o);
        }
        pkt6_out_end(o);
    }
    if (p->o.lease_type & PLT_PD) {
        pkt6_out_begin(o, PKT6_OPT_IA_PD);
        pkt6_out_u32(o, IAID_PD);
        pkt6_out_u32(o, 0);
        pkt6_out_u32(o, 0);
        if (with_leases && c->has_pd) {
            pkt6_out_begin(o, PKT6_OPT_IAPREFIX);
            pkt6_out_u32(o, 0);
            pkt6_out_u32(o, 0);
            pkt6_out_bytes(o, &c->plen, 1);
            pkt6_out_bytes(o, c->prefix, 16);
            pkt6_out_end(o);
        }
        pkt6_out_end(o);
    }
}

/* Builds and queues one client message (in a RELAY-FORW in relayed mode). */
static void send6(perf_t *p, uint32_t client, uint8_t type, uint32_t xid, const client6_t *c,
                  const uint8_t *sid, size_t sid_len)
{
    const state6_t *s = p->fam_state;
    size_t cap;
    uint8_t *buf = perf_tx_buf(p, &cap);
    pkt6_out_t o;
    uint8_t duid[130];
    size_t dlen = client_duid(p, client, duid);
    if (p->o.relay) {
        uint8_t peer[16] = {0xfe, 0x80};
        memcpy(peer + 10, duid + dlen - 6, 6);    /* a link-local address per client */
        pkt6_out_init_relay(&o, buf, cap, PKT6_RELAY_FORW, 0, s->link, peer);
        uint32_t ifid = htonl(client + p->o.first_client);
        pkt6_out_opt(&o, PKT6_OPT_INTERFACE_ID, &ifid, 4);
        pkt6_out_begin(&o, PKT6_OPT_RELAY_MSG);
        uint8_t h[4] = {type, (uint8_t)(xid >> 16), (uint8_t)(xid >> 8), (uint8_t)xid};
        pkt6_out_bytes(&o, h, 4);
    } else {
        pkt6_out_init(&o, buf, cap, type, xid);
    }
    pkt6_out_opt(&o, PKT6_OPT_CLIENTID, duid, dlen);
    if (sid)
        pkt6_out_opt(&o, PKT6_OPT_SERVERID, sid, sid_len);
    pkt6_out_opt_u16(&o, PKT6_OPT_ELAPSED_TIME, 0);
    if (type == PKT6_SOLICIT && p->o.rapid_commit)
        pkt6_out_opt(&o, PKT6_OPT_RAPID_COMMIT, NULL, 0);
    add_ias(p, &o, c, type != PKT6_SOLICIT);
    if (p->o.relay)
        pkt6_out_end(&o);
    int n = pkt6_out_len(&o);
    if (n > 0)
        perf_tx_commit(p, (size_t)n, &p->to_server);
}

static int setup6(perf_t *p, char *err, size_t errlen)
{
    state6_t *s = xcalloc(1, sizeof *s);
    p->fam_state = s;
    if (p->o.relay && inet_pton(AF_INET6, p->o.relay, s->link) != 1)
        return errf(err, errlen, -22, "bad relay address '%s'", p->o.relay);
    return 0;
}

static bool start6(perf_t *p, int kind, uint32_t client)
{
    client6_t *c = &((client6_t *)p->clients)[client];
    state6_t *s = p->fam_state;
    uint32_t xid;
    switch (kind) {
    case PK_NEW:
        perf_begin(p, client, PH_FIRST, 0, &xid);
        send6(p, client, PKT6_SOLICIT, xid, c, NULL, 0);
        return true;
    case PK_RENEW:
    case PK_RELEASE:
        if (!c->has_na && !c->has_pd)
            return false;
        perf_begin(p, client, kind == PK_RENEW ? PH_RENEW : PH_RELEASE, 0, &xid);
        send6(p, client, kind == PK_RENEW ? PKT6_RENEW : PKT6_RELEASE, xid, c, s->server_id,
              s->server_id_len);
        if (kind == PK_RELEASE)
            c->has_na = c->has_pd = false;
        return true;
    }
    return false;
}

/* Reads an IA's lease and status into a. */
static void read_ia(uint16_t code, const uint8_t *d, size_t len, answer6_t *a)
{
    size_t olen;
    const uint8_t *o = pkt6_ia_opts(d, len, NULL, &olen);
    if (!o)
        return;
    int st = pkt6_status_of(o, olen);
    if (st && !a->status)
        a->status = st;
    size_t l;
    const uint8_t *x = pkt6_opt_find(o, olen, code == PKT6_OPT_IA_NA ? PKT6_OPT_IAADDR : PKT6_OPT_IAPREFIX, &l);
    if (code == PKT6_OPT_IA_NA && x && l >= 24)
        a->addr = x;
    if (code == PKT6_OPT_IA_PD && x && l >= 25) {
        a->plen = x[8];
        a->prefix = x + 9;
    }
}

static void read_answer(const pkt6_view_t *m, answer6_t *a)
{
    memset(a, 0, sizeof *a);
    pkt6_opt_iter_t it;
    pkt6_opt_iter_init(&it, m->opts, m->opts_len);
    uint16_t code;
    const uint8_t *d;
    size_t len;
    while (pkt6_opt_next(&it, &code, &d, &len)) {
        switch (code) {
        case PKT6_OPT_SERVERID: a->sid = d, a->sid_len = len; break;
        case PKT6_OPT_CLIENTID: a->cid = d, a->cid_len = len; break;
        case PKT6_OPT_STATUS_CODE:
            if (len >= 2 && !a->status)
                a->status = (d[0] << 8) | d[1];
            break;
        case PKT6_OPT_IA_NA:
        case PKT6_OPT_IA_PD: read_ia(code, d, len, a); break;
        case PKT6_OPT_RAPID_COMMIT: a->rapid = true; break;
        }
    }
}

static void rx6(perf_t *p, const uint8_t *msg, size_t len, int64_t ts)
{
    perf_stats_t *any = perf_in_rx_thread ? &p->st_rx : &p->st;
    pkt6_view_t outer, m;
    if (pkt6_parse(msg, len, &outer) < 0 || pkt6_unrelay(&outer, &m, NULL, 0, NULL) < 0) {
        any->rx_bad++;
        return;
    }
    perf_slot_t *s = perf_match(p, m.xid);
    answer6_t a;
    read_answer(&m, &a);
    uint8_t duid[130];
    if (!s || !a.cid || a.cid_len != client_duid(p, s->client, duid) || memcmp(duid, a.cid, a.cid_len)) {
        any->rx_unmatched++;
        return;
    }
    perf_seen_t v = perf_seen(s);
    client6_t *c = &((client6_t *)p->clients)[v.client];
    bool first = v.phase == PH_FIRST;
    bool rapid_reply = first && m.type == PKT6_REPLY && a.rapid;
    if (v.phase < 0 || m.type != (first && !rapid_reply ? PKT6_ADVERTISE : PKT6_REPLY) || !a.sid) {
        any->rx_unexpected++;
        return;
    }
    if (a.status && v.phase != PH_RELEASE) {
        perf_answer(p, s, v.phase, ts, true, -1);
        return;
    }
    if (!perf_answer(p, s, v.phase, ts, false, -1))
        return;
    state6_t *g = p->fam_state;
    if (a.sid_len <= sizeof g->server_id) {
        memcpy(g->server_id, a.sid, a.sid_len);
        g->server_id_len = a.sid_len;
    }
    if (v.phase == PH_RELEASE)
        return;
    if (a.addr) {
        memcpy(c->addr, a.addr, 16);
        c->has_na = true;
    }
    if (a.prefix) {
        memcpy(c->prefix, a.prefix, 16);
        c->plen = a.plen;
        c->has_pd = true;
    }
    if (first && !rapid_reply) {
        /* REQUEST: a new transaction (RFC 8415 §18.2.2), the same exchange */
        uint32_t xid;
        perf_begin(p, v.client, PH_SECOND, v.t_start, &xid);
        send6(p, v.client, PKT6_REQUEST, xid, c, a.sid, a.sid_len);
        return;
    }
    perf_lease_done(p, &v, ts, v.phase == PH_SECOND || rapid_reply);
}

const perf_fam_t perf_fam6 = {
    .family = 6,
    .xid_mask = 0xffffffu,
    .client_size = sizeof(client6_t),
    .phase_name = {"SOLICIT-ADVERTISE", "REQUEST-REPLY", "RENEW-REPLY", "-", "RELEASE-REPLY", "-"},
    .setup = setup6,
    .start = start6,
    .rx = rx6,
};
