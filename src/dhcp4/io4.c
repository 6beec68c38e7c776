/* Sockets: AF_PACKET + BPF in raw mode (replies to clients without an address, no ARP needed),
 * UDP sockets for relays and unicast, batched receive with recvmmsg. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "common/errcode.h"
#include "dhcp4/srv4.h"
#include "dhcp4/workers4.h"
#include "log/log.h"

#define RX_BATCH 32
#define RX_FRAME_MAX 2048

typedef struct rxbuf {
    uint8_t data[RX_BATCH][RX_FRAME_MAX];
    struct mmsghdr msgs[RX_BATCH];
    struct iovec iov[RX_BATCH];
    struct sockaddr_ll from[RX_BATCH];
    union {
        char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(struct tpacket_auxdata)) +
                 CMSG_SPACE(sizeof(struct timespec))];
        struct cmsghdr align;
    } ctl[RX_BATCH];
} rxbuf_t;

static rxbuf_t *g_rx; /* main thread only */

/* The main thread's batch of replies (see srv4_send). */
static void tx_begin(void);
static void tx_flush(void);
static void tx_end(void);

/* Receive coalescing (like a NIC's interrupt moderation). Idle, the loop sleeps in epoll and each
 * request costs one wake-up. Under load that wake-up is a large part of a lease's CPU, so when the
 * last window brought at least RX_BUSY_RATE packets/s, a receive round that emptied the socket pauses
 * RX_PAUSE_NS and receives again: the next recvmmsg returns the requests that arrived meanwhile, for
 * one wake-up. A reply is delayed by at most RX_PAUSE_NS, and only under load; after RX_MAX_ROUNDS
 * rounds, or a pause that brought nothing, control goes back to the event loop (timers, control
 * sockets). */
#define RX_WINDOW_NS (100 * 1000 * 1000L)
#define RX_BUSY_RATE 4000
#define RX_PAUSE_NS (200 * 1000L)
#define RX_MAX_ROUNDS 32

static struct {
    struct timespec start;
    unsigned pkts;
    bool busy;
} g_pace; /* main thread only */

/* Counts n received packets (n <= 0: none); when the batch left the socket empty (n < RX_BATCH)
 * and the loop is busy, pauses, sends the replies whose lease commits completed meanwhile
 * (durable mode), and returns true: receive again. */
static bool rx_pace(srv4_t *s, int n)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    long el = (now.tv_sec - g_pace.start.tv_sec) * 1000000000L + (now.tv_nsec - g_pace.start.tv_nsec);
    if (n > 0)
        g_pace.pkts += (unsigned)n;
    if (el >= RX_WINDOW_NS) {
        g_pace.busy = (uint64_t)g_pace.pkts * 1000000000UL >= (uint64_t)RX_BUSY_RATE * (uint64_t)el;
        g_pace.start = now;
        g_pace.pkts = 0;
    }
    /* With high availability, replies wait for the partner's answers to lease updates, which the
     * event loop reads: a wake-up handles one round and goes back to the loop (it comes straight
     * back while the socket holds more). */
    if (s->ha)
        return false;
    if (n <= 0 || n == RX_BATCH || !g_pace.busy)
        return n == RX_BATCH;
    tx_flush();             /* the round's replies go before the pause */
    struct timespec pause = {0, RX_PAUSE_NS};
    nanosleep(&pause, NULL);
    srv_core_completions_run(&s->core);
    return true;
}

static void rx_prepare(bool want_ctl)
{
    if (!g_rx)
        g_rx = xcalloc(1, sizeof *g_rx);
    for (int i = 0; i < RX_BATCH; i++) {
        g_rx->iov[i] = (struct iovec){g_rx->data[i], RX_FRAME_MAX};
        g_rx->msgs[i].msg_hdr = (struct msghdr){
            .msg_name = &g_rx->from[i], .msg_namelen = sizeof g_rx->from[i],
            .msg_iov = &g_rx->iov[i], .msg_iovlen = 1,
            .msg_control = want_ctl ? g_rx->ctl[i].buf : NULL,
            .msg_controllen = want_ctl ? sizeof g_rx->ctl[i].buf : 0,
        };
    }
}

/* A frame sent from this host over a veth (or received with checksum offload) may carry a
 * partial UDP checksum; the kernel says so in PACKET_AUXDATA, and then the checksum is not
 * verified (it was, or will be, by the hardware). Every other checksum is. */
static unsigned parse_flags(struct msghdr *m)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
            continue;
        struct tpacket_auxdata aux;
        memcpy(&aux, CMSG_DATA(c), sizeof aux);
        if (aux.tp_status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID))
            return FRAME_PARSE_NO_UDP_CSUM;
    }
    return 0;
}

/* The DHCP payloads of one receive round. */
typedef struct rx_pkt {
    const uint8_t *data;
    size_t len;
    uint32_t src, dst;
    uint32_t age_ms;          /* how long it waited in the socket (0: not known) */
    bool has_mac;             /* received on the packet socket: mac is the frame's source */
    uint8_t mac[6];
} rx_pkt_t;

static const uint8_t *pk_mac(const rx_pkt_t *p)
{
    return p->has_mac ? p->mac : NULL;
}

/* A DISCOVER that waited longer than this in the socket is dropped unanswered (counted): the
 * server is behind, its client has been waiting for a while and will ask again, and the time is
 * better spent on the REQUESTs queued with it. Only single-threaded (with workers the bounded
 * packet queue keeps waits short). */
#define RX_STALE_MS 250

/* The age of a received packet from its kernel timestamp (SO_TIMESTAMPNS), 0 when it has none. */
static uint32_t rx_age_ms(struct msghdr *m)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
            continue;
        struct timespec ts, now;
        memcpy(&ts, CMSG_DATA(c), sizeof ts);
        clock_gettime(CLOCK_REALTIME, &now);
        int64_t ms = (int64_t)(now.tv_sec - ts.tv_sec) * 1000 + (now.tv_nsec - ts.tv_nsec) / 1000000;
        return ms > 0 ? (uint32_t)ms : 0;
    }
    return 0;
}

/* DISCOVERs held back under load, single-threaded, when the lease store's lookups are round
 * trips: the receive rounds of one wake-up (RX_MAX_ROUNDS at most, with their coalescing pauses)
 * gather them, and they are looked up together (srv4_prefetch) when DEFER_MAX have come or the
 * wake-up ends. A database spends most of a lookup on the statement, so batches of 16 cost a
 * fraction of batches of 2 per client; an OFFER waits at most one wake-up longer, and only under
 * load. Payloads are copied: the receive buffer is reused by the next round. */
#define DEFER_MAX 16

typedef struct deferred {
    int n;
    srv4_iface_t *ifc[DEFER_MAX];
    rx_pkt_t pk[DEFER_MAX];
    uint8_t data[DEFER_MAX][RX_FRAME_MAX];
} deferred_t;

static deferred_t *g_defer; /* main thread only */

/* Handles packets here (no workers), DISCOVERs looked up together when there are several. */
static void handle_run(srv4_t *s, srv4_iface_t *const *ifc, const rx_pkt_t *pk, int n)
{
    bool ahead = n > 1 && srv4_lookahead(s);
    if (ahead) {
        for (int i = 0; i < n; i++)
            srv4_prefetch(s, s->rt, ifc[i], s->rx, pk[i].data, pk[i].len, pk[i].src);
        srv4_prefetch_run(s, s->rt);
    }
    for (int i = 0; i < n; i++)
        srv4_handle(s, ifc[i], s->rx, pk[i].data, pk[i].len, pk[i].src, pk[i].dst, pk_mac(&pk[i]));
    if (ahead)
        srv4_prefetch_end(s);
}

static void flush_deferred(srv4_t *s)
{
    if (!g_defer || !g_defer->n)
        return;
    int n = g_defer->n;
    g_defer->n = 0;
    handle_run(s, g_defer->ifc, g_defer->pk, n);
}

static void defer(srv4_t *s, srv4_iface_t *ifc, const rx_pkt_t *p)
{
    if (!g_defer)
        g_defer = xcalloc(1, sizeof *g_defer);
    int i = g_defer->n++;
    size_t len = p->len < RX_FRAME_MAX ? p->len : RX_FRAME_MAX;
    memcpy(g_defer->data[i], p->data, len);
    g_defer->ifc[i] = ifc;
    g_defer->pk[i] = *p;
    g_defer->pk[i].data = g_defer->data[i];
    g_defer->pk[i].len = len;
    if (g_defer->n == DEFER_MAX)
        flush_deferred(s);
}

/* dhcp-queue-control (Kea's kea-ring4), single-threaded: a wake-up reads what the socket holds
 * into a ring of `capacity` packets, which keeps the newest (a full ring discards its oldest,
 * silently, as Kea's), and handles the ring in batches, reading the socket again between them
 * (RX_MAX_ROUNDS times at most, then what the ring holds is handled). Kea's receiver thread
 * fills its ring while its main thread works: so, at batch granularity, does this. Payloads are
 * copied: the receive buffer is reused by the next round. */
typedef struct ring {
    size_t cap, head, n;
    struct ring_slot {
        srv4_iface_t *ifc;
        rx_pkt_t pk;
        uint8_t *data;
    } *slot;
} ring_t;

static ring_t g_ring; /* main thread only */

static bool ring_on(const srv4_t *s)
{
    return !s->core.workers && s->rt && s->rt->cfg->queue_enabled;
}

static void ring_push(srv4_t *s, srv4_iface_t *ifc, const rx_pkt_t *p)
{
    ring_t *r = &g_ring;
    size_t cap = s->rt->cfg->queue_capacity;
    if (!r->n && r->cap != cap) { /* (re)sized between wake-ups, when it is empty */
        for (size_t i = 0; i < r->cap; i++)
            free(r->slot[i].data);
        free(r->slot);
        r->slot = cap ? xcalloc(cap, sizeof *r->slot) : NULL;
        r->cap = cap;
        r->head = 0;
    }
    if (!r->cap)
        return;
    if (r->n == r->cap) {
        LOG_DEBUG(NLOG_PACKETS, NLOG_DBG_TRACE, "DHCP4_PACKET_QUEUE_FULL",
                  "the packet queue (dhcp-queue-control, capacity %zu) is full: its oldest packet is discarded",
                  r->cap);
        r->head = (r->head + 1) % r->cap;
        r->n--;
    }
    struct ring_slot *e = &r->slot[(r->head + r->n++) % r->cap];
    size_t len = p->len < RX_FRAME_MAX ? p->len : RX_FRAME_MAX;
    if (!e->data)
        e->data = xmalloc(RX_FRAME_MAX);
    memcpy(e->data, p->data, len);
    e->ifc = ifc;
    e->pk = *p;
    e->pk.data = e->data;
    e->pk.len = len;
}

static void deliver_now(srv4_t *s, srv4_iface_t *ifc, rx_pkt_t *pk, int n);

/* Handles up to RX_BATCH packets from the ring's front, in runs of one interface. */
static void ring_batch(srv4_t *s)
{
    ring_t *r = &g_ring;
    rx_pkt_t pk[RX_BATCH];
    int n = 0;
    srv4_iface_t *ifc = NULL;
    for (int taken = 0; r->n && taken < RX_BATCH; taken++) {
        struct ring_slot *e = &r->slot[r->head];
        if (n && e->ifc != ifc)
            deliver_now(s, ifc, pk, n), n = 0;
        ifc = e->ifc;
        pk[n++] = e->pk; /* the slot's data stays put until this batch is handled */
        r->head = (r->head + 1) % r->cap;
        r->n--;
    }
    if (n)
        deliver_now(s, ifc, pk, n);
}

/* Hands a receive round's packets on: into the ring (dhcp-queue-control), to the workers, or
 * handled here. Handled here, the packets that continue an exchange (REQUEST, RELEASE, ...) go at
 * once and before the DISCOVERs that start one; the DISCOVERs are looked up together, held back
 * across the wake-up's rounds under load (see deferred_t). */
static void deliver(srv4_t *s, srv4_iface_t *ifc, rx_pkt_t *pk, int n)
{
    if (ring_on(s)) {
        for (int i = 0; i < n; i++)
            ring_push(s, ifc, &pk[i]);
        return;
    }
    deliver_now(s, ifc, pk, n);
}

static void deliver_now(srv4_t *s, srv4_iface_t *ifc, rx_pkt_t *pk, int n)
{
    if (s->core.workers) {
        for (int i = 0; i < n; i++) {
            int t = pkt4_peek_type(pk[i].data, pk[i].len);
            if ((t == 0 || t == PKT4_DISCOVER) && pk[i].age_ms > RX_STALE_MS)
                srv4_drop_stale(s, ifc, pk[i].age_ms); /* it waited in the socket (srv_core_rx_room) */
            else
                workers4_submit(s->core.workers, ifc, pk[i].data, pk[i].len, pk[i].src, pk[i].dst, pk_mac(&pk[i]));
        }
        return;
    }
    srv4_iface_t *ifcs[RX_BATCH];
    rx_pkt_t fresh[RX_BATCH];
    int nf = 0;
    for (int i = 0; i < n; i++) {
        int t = pkt4_peek_type(pk[i].data, pk[i].len);
        if ((t == 0 || t == PKT4_DISCOVER) && pk[i].age_ms > RX_STALE_MS) {
            srv4_drop_stale(s, ifc, pk[i].age_ms);
        } else if (t == 0 || t == PKT4_DISCOVER) {
            ifcs[nf] = ifc;
            fresh[nf++] = pk[i];
        } else {
            srv4_handle(s, ifc, s->rx, pk[i].data, pk[i].len, pk[i].src, pk[i].dst, pk_mac(&pk[i]));
        }
    }
    if (g_pace.busy && srv4_lookahead(s)) {
        for (int i = 0; i < nf; i++)
            defer(s, ifc, &fresh[i]);
        return;
    }
    handle_run(s, ifcs, fresh, nf);
}

/* How many packets the next receive takes: a batch, or what the workers' queue has room for
 * (0: full; the receive events are off until it has room: srv_core_rx_room). */
static unsigned rx_room(srv4_t *s)
{
    size_t room = srv_core_rx_room(&s->core);
    return room < RX_BATCH ? (unsigned)room : RX_BATCH;
}

void srv4_rx_enable(srv4_t *s, bool on)
{
    for (size_t i = 0; i < s->iface_count; i++) {
        struct event *ev[2] = {s->ifaces[i].ev_pkt, s->ifaces[i].ev_udp};
        for (int k = 0; k < 2; k++)
            if (ev[k]) {
                if (on)
                    event_add(ev[k], NULL);
                else
                    event_del(ev[k]);
            }
    }
}

static void rx_packet(evutil_socket_t fd, void *arg)
{
    srv4_iface_t *ifc = arg;
    srv4_t *s = ifc->srv;
    for (int round = 0; round < RX_MAX_ROUNDS; round++) {
        unsigned room = rx_room(s);
        if (!room)
            return;
        rx_prepare(true);
        int n = recvmmsg(fd, g_rx->msgs, room, MSG_DONTWAIT, NULL);
        if (n <= 0) {
            rx_pace(s, 0);
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                LOG_WARN(NLOG_PACKETS, "DHCP4_BUFFER_RECEIVE_FAIL", "error on receive socket of %s: %s",
                         ifc->name, strerror(errno));
            return;
        }
        rx_pkt_t pk[RX_BATCH];
        int k = 0;
        for (int i = 0; i < n; i++) {
            /* Our own transmissions, and frames for other hosts seen in promiscuous mode. */
            if (g_rx->from[i].sll_pkttype == PACKET_OUTGOING || g_rx->from[i].sll_pkttype == PACKET_OTHERHOST)
                continue;
            frame_udp4_t f;
            if (frame_parse_udp4_ex(g_rx->data[i], g_rx->msgs[i].msg_len, parse_flags(&g_rx->msgs[i].msg_hdr), &f) != 0 ||
                f.dst_port != s->server_port)
                continue;
            pk[k] = (rx_pkt_t){f.payload, f.payload_len, f.src_ip, f.dst_ip, rx_age_ms(&g_rx->msgs[i].msg_hdr), true, {0}};
            memcpy(pk[k++].mac, f.src_mac, 6);
        }
        deliver(s, ifc, pk, k);
        if (!rx_pace(s, n))
            return;
    }
}

static void rx_udp(evutil_socket_t fd, void *arg)
{
    srv4_iface_t *ifc = arg;
    srv4_t *s = ifc->srv;
    for (int round = 0; round < RX_MAX_ROUNDS; round++) {
        unsigned room = rx_room(s);
        if (!room)
            return;
        rx_prepare(true);
        struct sockaddr_in from[RX_BATCH];
        for (int i = 0; i < RX_BATCH; i++) {
            g_rx->msgs[i].msg_hdr.msg_name = &from[i];
            g_rx->msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        }
        int n = recvmmsg(fd, g_rx->msgs, room, MSG_DONTWAIT, NULL);
        if (n <= 0) {
            rx_pace(s, 0);
            return;
        }
        rx_pkt_t pk[RX_BATCH];
        for (int i = 0; i < n; i++) {
            uint32_t dst = 0;
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&g_rx->msgs[i].msg_hdr); c;
                 c = CMSG_NXTHDR(&g_rx->msgs[i].msg_hdr, c))
                if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
                    dst = ntohl(((struct in_pktinfo *)CMSG_DATA(c))->ipi_addr.s_addr);
            pk[i] = (rx_pkt_t){g_rx->data[i], g_rx->msgs[i].msg_len, ntohl(from[i].sin_addr.s_addr), dst,
                               rx_age_ms(&g_rx->msgs[i].msg_hdr), false, {0}};
        }
        deliver(s, ifc, pk, n);
        if (!rx_pace(s, n))
            return;
    }
}

/* The wake-up's packets through the ring, when it is on (see ring_t): rx reads the socket again
 * between batches. */
static void ring_drain(srv4_t *s, void (*rx)(evutil_socket_t, void *), evutil_socket_t fd, void *arg)
{
    for (int refill = 0; g_ring.n; refill++) {
        ring_batch(s);
        if (refill < RX_MAX_ROUNDS && ring_on(s))
            rx(fd, arg);
    }
}

static void on_packet(evutil_socket_t fd, short what, void *arg)
{
    srv4_t *s = ((srv4_iface_t *)arg)->srv;
    tx_begin();
    rx_packet(fd, arg);
    ring_drain(s, rx_packet, fd, arg);
    flush_deferred(s);
    tx_end();
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
    srv4_t *s = ((srv4_iface_t *)arg)->srv;
    tx_begin();
    rx_udp(fd, arg);
    ring_drain(s, rx_udp, fd, arg);
    flush_deferred(s);
    tx_end();
}

static int iface_lookup(srv4_iface_t *f, const char *name, uint32_t want_addr, char *err, size_t errlen)
{
    snprintf(f->name, sizeof f->name, "%s", name);
    f->ifindex = (int)if_nametoindex(name);
    if (!f->ifindex) {
        snprintf(err, errlen, "interface '%s' does not exist", name);
        return NST_ENOENT;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (fd >= 0 && ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
        memcpy(f->mac, ifr.ifr_hwaddr.sa_data, 6);
    if (fd >= 0)
        close(fd);
    struct ifaddrs *ifa, *i;
    if (getifaddrs(&ifa) == 0) {
        for (i = ifa; i; i = i->ifa_next) {
            if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, name))
                continue;
            uint32_t a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
            if (want_addr && a != want_addr)
                continue;
            f->addr = a;
            f->mask = i->ifa_netmask ? ntohl(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr) : 0;
            break;
        }
        freeifaddrs(ifa);
    }
    if (want_addr && f->addr != want_addr) {
        snprintf(err, errlen, "interface '%s' has no address %u.%u.%u.%u", name, want_addr >> 24,
                 (want_addr >> 16) & 255, (want_addr >> 8) & 255, want_addr & 255);
        return NST_ENOENT;
    }
    if (!f->addr)
        LOG_WARN(NLOG_DHCPSRV, "DHCPSRV_NO_SOCKETS_OPEN", "interface %s has no IPv4 address; it cannot be a server identifier", name);
    return 0;
}

static int open_udp(srv4_t *s, srv4_iface_t *f, char *err, size_t errlen)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) ||
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) ||
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, f->name, (socklen_t)strlen(f->name) + 1)) {
        snprintf(err, errlen, "cannot set up a UDP socket on %s: %s", f->name, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NST_EIO;
    }
    int big = 4 << 20, on = 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on); /* packet ages (RX_STALE_MS) */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(s->server_port)};
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa)) {
        snprintf(err, errlen, "cannot bind UDP port %u on %s: %s", s->server_port, f->name, strerror(errno));
        close(fd);
        return NST_EIO;
    }
    f->udp_fd = fd;
    return 0;
}

static int open_packet(srv4_t *s, srv4_iface_t *f, char *err, size_t errlen)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_IP));
    if (fd < 0) {
        snprintf(err, errlen, "cannot open a packet socket on %s (raw sockets need CAP_NET_RAW): %s",
                 f->name, strerror(errno));
        return NST_EIO;
    }
    struct sock_filter code[FRAME_BPF_UDP4_BCAST_LEN];
    struct sock_fprog prog = {.len = FRAME_BPF_UDP4_BCAST_LEN, .filter = code};
    frame_bpf_udp4_dport_bcast(s->server_port, f->addr, &prog);
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = f->ifindex};
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one); /* packet ages (RX_STALE_MS) */
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) ||
        setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) ||
        /* Replies go straight to the driver: no qdisc on a DHCP server's reply path. */
        setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) ||
        bind(fd, (struct sockaddr *)&sll, sizeof sll)) {
        snprintf(err, errlen, "cannot set up the packet socket on %s: %s", f->name, strerror(errno));
        close(fd);
        return NST_EIO;
    }
    f->pkt_fd = fd;
    return 0;
}

/* Opens the UDP socket of f and, in raw mode, its packet socket, then filters out of the UDP
 * socket what the packet socket takes (raw mode receives each request once: limited broadcasts,
 * from clients without an address, and unicast to the interface address from clients on the
 * link (giaddr 0), whose replies go to the frame's source MAC, through the packet socket; the
 * rest, from relays, through the UDP socket, as it crosses the IP stack anyway). On failure
 * every socket opened here is closed again. */
static int open_iface_sockets(srv4_t *s, srv4_iface_t *f, bool raw, char *err, size_t errlen)
{
    int r = open_udp(s, f, err, errlen);
    if (!r && raw)
        r = open_packet(s, f, err, errlen);
    if (!r && raw) {
        struct sock_filter code[FRAME_BPF_DROP_BCAST_LEN];
        struct sock_fprog prog = {.len = FRAME_BPF_DROP_BCAST_LEN, .filter = code};
        frame_bpf_drop_limited_bcast(f->addr, &prog);
        if (setsockopt(f->udp_fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog)) {
            snprintf(err, errlen, "cannot filter the UDP socket on %s: %s", f->name, strerror(errno));
            r = NST_EIO;
        }
    }
    if (r) {
        if (f->udp_fd >= 0)
            close(f->udp_fd);
        if (f->pkt_fd >= 0)
            close(f->pkt_fd);
        f->udp_fd = f->pkt_fd = -1;
    }
    return r;
}

int srv4_open_sockets(srv4_t *s, const cfg4_t *cfg, char *err, size_t errlen)
{
    srv4_close_sockets(s);
    s->iface_gen++; /* replies built on the old set find their interface again by index */
    /* Expand "*" to every interface with an IPv4 address except loopback. */
    char **names = NULL;
    uint32_t *addrs = NULL;
    size_t n = 0;
    for (size_t i = 0; i < cfg->common.iface_count; i++) {
        if (strcmp(cfg->common.ifaces[i].name, "*")) {
            names = xrealloc(names, (n + 1) * sizeof *names);
            addrs = xrealloc(addrs, (n + 1) * sizeof *addrs);
            names[n] = cfg->common.ifaces[i].name;
            addrs[n++] = cfg->common.ifaces[i].addr;
            continue;
        }
        struct if_nameindex *all = if_nameindex();
        for (struct if_nameindex *p = all; p && p->if_index; p++) {
            if (!strcmp(p->if_name, "lo"))
                continue;
            names = xrealloc(names, (n + 1) * sizeof *names);
            addrs = xrealloc(addrs, (n + 1) * sizeof *addrs);
            names[n] = xstrdup(p->if_name); /* leaked into the list below; freed after use */
            addrs[n++] = UINT32_MAX;         /* marks a name we own */
        }
        if_freenameindex(all);
    }
    s->ifaces = xcalloc(n ? n : 1, sizeof *s->ifaces);
    int r = 0;
    for (size_t i = 0; i < n && !r; i++) {
        srv4_iface_t *f = &s->ifaces[s->iface_count];
        *f = (srv4_iface_t){.pkt_fd = -1, .udp_fd = -1, .srv = s};
        bool dup = false;
        for (size_t k = 0; k < s->iface_count; k++)
            dup |= !strcmp(s->ifaces[k].name, names[i]);
        if (dup)
            continue;
        r = iface_lookup(f, names[i], addrs[i] == UINT32_MAX ? 0 : addrs[i], err, errlen);
        if (!r)
            r = open_iface_sockets(s, f, cfg->common.socket_type == CFG_SOCKET_RAW, err, errlen);
        if (r)
            break;
        if (f->pkt_fd >= 0) {
            f->ev_pkt = event_new(s->core.base, f->pkt_fd, EV_READ | EV_PERSIST, on_packet, f);
            event_add(f->ev_pkt, NULL);
        }
        f->ev_udp = event_new(s->core.base, f->udp_fd, EV_READ | EV_PERSIST, on_udp, f);
        event_add(f->ev_udp, NULL);
        s->iface_count++;
        LOG_INFO(NLOG_DHCPSRV, "DHCPSRV_CFGMGR_ADD_IFACE", "listening on interface %s (%s socket)",
                 f->name, f->pkt_fd >= 0 ? "raw" : "udp");
    }
    for (size_t i = 0; i < n; i++)
        if (addrs[i] == UINT32_MAX)
            free(names[i]);
    free(names);
    free(addrs);
    if (r)
        srv4_close_sockets(s);
    return r;
}

void srv4_close_sockets(srv4_t *s)
{
    for (size_t i = 0; i < s->iface_count; i++) {
        srv4_iface_t *f = &s->ifaces[i];
        if (f->ev_pkt)
            event_free(f->ev_pkt);
        if (f->ev_udp)
            event_free(f->ev_udp);
        if (f->pkt_fd >= 0)
            close(f->pkt_fd);
        if (f->udp_fd >= 0)
            close(f->udp_fd);
    }
    free(s->ifaces);
    s->ifaces = NULL;
    s->iface_count = 0;
}

srv4_iface_t *srv4_iface_by_index(srv4_t *s, int ifindex)
{
    for (size_t i = 0; i < s->iface_count; i++)
        if (s->ifaces[i].ifindex == ifindex)
            return &s->ifaces[i];
    return NULL;
}

/* Replies sent on the main thread while it handles a receive round are gathered and handed to
 * the kernel together (sendmmsg, one call per run of one socket) when the round ends, before a
 * coalescing pause, or when the batch is full: at tens of thousands of replies a second the
 * system call per reply was a large part of a lease's cost. Everywhere else (workers, timers,
 * completions outside a round) a reply goes out at once. */
#define TX_BATCH 32

typedef struct txbatch {
    int n;
    int fd[TX_BATCH];
    uint8_t type[TX_BATCH];
    const char *ifname[TX_BATCH];
    struct mmsghdr m[TX_BATCH];
    struct iovec iov[TX_BATCH];
    union {
        struct sockaddr_ll ll;
        struct sockaddr_in in;
    } sa[TX_BATCH];
    uint8_t buf[TX_BATCH][FRAME_UDP4_HLEN + 1500];
} txbatch_t;

static txbatch_t *g_tx;      /* main thread only */
static _Thread_local bool t_tx_on; /* this thread (the main one) is handling a receive round */

static void tx_begin(void)
{
    if (!g_tx)
        g_tx = xcalloc(1, sizeof *g_tx);
    t_tx_on = true;
}

static void tx_flush(void)
{
    txbatch_t *b = g_tx;
    if (!b)
        return;
    for (int i = 0; i < b->n;) {
        int run = 1;
        while (i + run < b->n && b->fd[i + run] == b->fd[i])
            run++;
        int r = sendmmsg(b->fd[i], b->m + i, (unsigned)run, 0);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            LOG_WARN(NLOG_PACKETS, "DHCP4_PACKET_SEND_FAIL", "failed to send %s on %s: %s",
                     pkt4_msg_name(b->type[i]), b->ifname[i], r < 0 ? strerror(errno) : "not sent");
            r = 1;  /* skip the one that failed */
        }
        i += r;
    }
    b->n = 0;
}

static void tx_end(void)
{
    tx_flush();
    t_tx_on = false;
}

/* Sends len bytes at data on fd to sa now, or adds them to the round's batch. */
static ssize_t tx(int fd, const void *data, size_t len, const void *sa, socklen_t salen, const srv4_reply_t *r,
                  const srv4_iface_t *f)
{
    if (!t_tx_on)
        return sendto(fd, data, len, 0, sa, salen);
    txbatch_t *b = g_tx;
    if (b->n == TX_BATCH)
        tx_flush();
    int i = b->n++;
    memcpy(b->buf[i], data, len);
    memcpy(&b->sa[i], sa, salen);
    b->fd[i] = fd;
    b->type[i] = r->msg_type;
    b->ifname[i] = f->name;
    b->iov[i] = (struct iovec){b->buf[i], len};
    b->m[i].msg_hdr = (struct msghdr){.msg_name = &b->sa[i], .msg_namelen = salen, .msg_iov = &b->iov[i],
                                      .msg_iovlen = 1};
    return (ssize_t)len;
}

/* Kea's DHCP4_PACKET_SEND (debug): who the reply is for, from where to where. Parses the reply
 * again, so only when that debug level is on. */
static void log_send(const srv4_t *s, const srv4_reply_t *r, const srv4_iface_t *f)
{
    if (!nlog_enabled(NLOG_PACKETS, NLOG_DEBUG, NLOG_DBG_TRACE))
        return;
    char who[160] = "[no info]", src[INET_ADDRSTRLEN] = "*", dst[INET_ADDRSTRLEN];
    pkt4_t *p = malloc(sizeof *p);
    if (p && pkt4_parse(p, r->frame + FRAME_UDP4_HLEN, r->len) == 0)
        pkt4_describe(p, who, sizeof who);
    free(p);
    struct in_addr a = {htonl(r->src_ip)}, b = {htonl(r->dst_ip)};
    if (r->src_ip)
        inet_ntop(AF_INET, &a, src, sizeof src);
    inet_ntop(AF_INET, &b, dst, sizeof dst);
    nlog_write(NLOG_PACKETS, NLOG_DEBUG, NLOG_DBG_TRACE, "DHCP4_PACKET_SEND", "%s: trying to send packet %s (type %u) "
               "from %s:%u to %s:%u on interface %s", who, pkt4_msg_name(r->msg_type), r->msg_type, src,
               s->server_port, dst, r->dst_port, f->name);
}

int srv4_send(srv4_t *s, srv4_reply_t *r)
{
    /* A reply held across a reload that reopened the sockets goes out through the interface of
     * the same index in the new set (sockets are reopened on the main loop, which then also
     * sends every reply completed meanwhile). */
    srv4_iface_t *f = r->iface_gen == s->iface_gen ? r->iface : srv4_iface_by_index(s, r->ifindex);
    ssize_t n;
    if (!f) {
        LOG_WARN(NLOG_PACKETS, "DHCP4_PACKET_SEND_FAIL", "%s not sent: its interface (index %d) is no longer served",
                 pkt4_msg_name(r->msg_type), r->ifindex);
        return NST_ENOENT;
    }
    log_send(s, r, f);
    if (r->raw && f->pkt_fd >= 0) {
        frame_udp4_t fr = {.src_ip = r->src_ip, .dst_ip = r->dst_ip, .src_port = s->server_port,
                           .dst_port = r->dst_port, .payload = r->frame + FRAME_UDP4_HLEN,
                           .payload_len = r->len};
        memcpy(fr.src_mac, f->mac, 6);
        memcpy(fr.dst_mac, r->dst_mac, 6);
        int len = frame_build_udp4(r->frame, sizeof r->frame, &fr);
        if (len < 0)
            return len;
        struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
                                  .sll_ifindex = f->ifindex, .sll_halen = 6};
        memcpy(sll.sll_addr, r->dst_mac, 6);
        n = tx(f->pkt_fd, r->frame, (size_t)len, &sll, sizeof sll, r, f);
    } else {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(r->dst_port),
                                 .sin_addr.s_addr = htonl(r->dst_ip)};
        n = tx(f->udp_fd, r->frame + FRAME_UDP4_HLEN, r->len, &sa, sizeof sa, r, f);
    }
    if (n < 0) {
        LOG_WARN(NLOG_PACKETS, "DHCP4_PACKET_SEND_FAIL", "failed to send %s on %s: %s",
                 pkt4_msg_name(r->msg_type), f->name, strerror(errno));
        return NST_EIO;
    }
    return 0;
}
