/* DHCPv4's parts of the worker queue (see workers4.h). */
#include "dhcp4/workers4.h"

#include <string.h>

#include "log/log.h"

typedef struct meta4 {
    uint32_t src_ip, dst_ip;
    bool has_mac;             /* the frame's source MAC (packet socket) */
    uint8_t mac[6];
} meta4_t;

static const meta4_t *meta_of(const workq_job_t *job)
{
    return (const meta4_t *)job->meta;
}

static const srv4_rt_t *rt_of(gen_t *g)
{
    return (const srv4_rt_t *)g;
}

static enum workq_class peek_class(const uint8_t *payload, size_t len)
{
    int type = pkt4_peek_type(payload, len);
    return type == 0 || type == PKT4_DISCOVER ? WORKQ_NEW : WORKQ_ONGOING;
}

static bool parse(void *ctx, void *scratch, const workq_job_t *job, bool quiet)
{
    pkt4_t *q = scratch;
    const meta4_t *m = meta_of(job);
    bool ok = quiet ? pkt4_parse(q, job->data, job->len) == 0
                    : srv4_parse(ctx, job->iface, q, job->data, job->len, m->src_ip);
    if (ok && m->has_mac) {
        q->has_remote_mac = true;
        memcpy(q->remote_mac, m->mac, 6);
    }
    return ok;
}

/* The key that serialises a client's packets: 'c' + client-id, else 'h' + htype + chaddr. */
static size_t client_key(const void *scratch, uint8_t key[WORKQ_KEY_MAX])
{
    const pkt4_t *q = scratch;
    size_t len;
    const uint8_t *cid = pkt4_opt(q, PKT4_OPT_CLIENT_ID, &len);
    if (cid && len > 0 && len <= 254) {
        key[0] = 'c';
        memcpy(key + 1, cid, len);
        return len + 1;
    }
    size_t hl = q->hdr.hlen > PKT4_CHADDR_LEN ? PKT4_CHADDR_LEN : q->hdr.hlen;
    if (!hl)
        return 0;
    key[0] = 'h';
    key[1] = q->hdr.htype;
    memcpy(key + 2, q->hdr.chaddr, hl);
    return hl + 2;
}

static void process(void *ctx, gen_t *gen, void *scratch, const workq_job_t *job)
{
    srv4_process(ctx, rt_of(gen), job->iface, scratch, meta_of(job)->src_ip, meta_of(job)->dst_ip);
}

static bool lookahead(void *ctx)
{
    return srv4_lookahead(ctx);
}

static void prefetch(void *ctx, gen_t *gen, void *scratch, const workq_job_t *job)
{
    srv4_prefetch(ctx, rt_of(gen), job->iface, scratch, job->data, job->len, meta_of(job)->src_ip);
}

static void prefetch_run(void *ctx, gen_t *gen)
{
    srv4_prefetch_run(ctx, rt_of(gen));
}

static void prefetch_end(void *ctx, gen_t *gen)
{
    srv4_prefetch_end(ctx);
}

static void dropped(void *ctx, enum workq_drop why)
{
    srv4_t *s = ctx;
    if (why == WORKQ_DROP_FULL_NEW || why == WORKQ_DROP_FULL_ONGOING || why == WORKQ_DROP_STOPPED)
        stat_add(s->st.received, 1); /* never parsed, so never counted */
    stat_add(s->st.drop, 1);
    if (why == WORKQ_DROP_SUPERSEDED)
        LOG_DEBUG(NLOG_PACKETS, NLOG_DBG_PKT_HANDLING, "DHCP4_PACKET_DROP_0011",
                  "dropping a queued packet of a client that sent a newer one");
    else if (why != WORKQ_DROP_STOPPED)
        LOG_DEBUG(NLOG_PACKETS, NLOG_DBG_PKT_HANDLING, "DHCP4_PACKET_QUEUE_FULL",
                  "the packet queue is full: %s was dropped",
                  why == WORKQ_DROP_FULL_NEW ? "the oldest DISCOVER" : "the oldest packet");
}

static const workq_ops_t ops4 = {
    .peek_class = peek_class,
    .scratch_size = sizeof(pkt4_t),
    .parse = parse,
    .client_key = client_key,
    .process = process,
    .lookahead = lookahead,
    .prefetch = prefetch,
    .prefetch_run = prefetch_run,
    .prefetch_end = prefetch_end,
    .dropped = dropped,
};

workq_t *workers4_start(srv4_t *s, unsigned threads, unsigned queue_size, bool paused)
{
    workq_t *w = workq_start(&ops4, s, &s->core.gens, threads, queue_size, paused);
    LOG_INFO(NLOG_DHCPSRV, "DHCP4_MULTI_THREADING_INFO", "enabled multi-threading: %u worker threads, packet queue of %zu",
             workq_threads(w), workq_capacity(w));
    return w;
}

void workers4_submit(workq_t *w, srv4_iface_t *ifc, const uint8_t *payload, size_t len, uint32_t src_ip,
                     uint32_t dst_ip, const uint8_t *src_mac)
{
    meta4_t m = {src_ip, dst_ip, src_mac != NULL, {0}};
    if (src_mac)
        memcpy(m.mac, src_mac, 6);
    workq_submit(w, ifc, &m, sizeof m, payload, len);
}
