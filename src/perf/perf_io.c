/* nestor-perf sockets: UDP as a relay agent (v4 port 67, v6 port 547), AF_PACKET frames for v4
 * clients on a link, UDP port 546 for v6 clients on a link; batched sends (sendmmsg) and batched
 * receives (recvmmsg) with kernel timestamps. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "common/errcode.h"
#include "common/util.h"
#include "perf/perf.h"
#include "proto/frame.h"

#define BATCH 64
#define MSG_MAX 1600
#define HEADROOM FRAME_UDP4_HLEN   /* payloads start here so that a raw frame wraps in place */

struct perf_txq {
    unsigned n;
    struct mmsghdr m[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_storage sa[BATCH];
    uint8_t buf[BATCH][MSG_MAX];
};

typedef struct perf_rxq {
    struct mmsghdr m[BATCH];
    struct iovec iov[BATCH];
    union {
        char buf[CMSG_SPACE(sizeof(struct timespec)) + 64];
        struct cmsghdr align;
    } ctl[BATCH];
    uint8_t buf[BATCH][MSG_MAX];
} perf_rxq_t;

int64_t perf_now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t perf_now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

perf_txq_t *perf_txq_new(void)
{
    return xcalloc(1, sizeof(perf_txq_t));
}

void perf_txq_free(perf_txq_t *q)
{
    free(q);
}

static perf_txq_t *txq(perf_t *p)
{
    return perf_in_rx_thread ? p->txq_rx : p->txq;
}

uint8_t *perf_tx_buf(perf_t *p, size_t *cap)
{
    perf_txq_t *q = txq(p);
    if (q->n == BATCH)
        perf_tx_flush(p);
    *cap = MSG_MAX - HEADROOM;
    return q->buf[q->n] + HEADROOM;
}

void perf_tx_commit(perf_t *p, size_t len, const perf_dst_t *dst)
{
    perf_txq_t *q = txq(p);
    unsigned i = q->n;
    struct msghdr *h = &q->m[i].msg_hdr;
    memset(h, 0, sizeof *h);
    if (p->raw) {
        const struct sockaddr_in *to = (const struct sockaddr_in *)&dst->sa;
        frame_udp4_t f = {.src_ip = dst->src_ip, .dst_ip = ntohl(to->sin_addr.s_addr),
                          .src_port = 68, .dst_port = 67,
                          .payload = q->buf[i] + HEADROOM, .payload_len = len};
        memcpy(f.src_mac, dst->src_mac, 6);
        memcpy(f.dst_mac, dst->mac, 6);
        int n = frame_build_udp4(q->buf[i], MSG_MAX, &f);
        if (n < 0)
            return;
        q->iov[i] = (struct iovec){q->buf[i], (size_t)n};
    } else {
        q->iov[i] = (struct iovec){q->buf[i] + HEADROOM, len};
        memcpy(&q->sa[i], &dst->sa, dst->salen);
        h->msg_name = &q->sa[i];
        h->msg_namelen = dst->salen;
    }
    h->msg_iov = &q->iov[i];
    h->msg_iovlen = 1;
    q->n++;
}

void perf_tx_flush(perf_t *p)
{
    perf_txq_t *q = txq(p);
    unsigned done = 0;
    while (done < q->n) {
        int r = sendmmsg(p->fd, q->m + done, q->n - done, 0);
        if (r > 0) {
            done += (unsigned)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        /* a refused datagram (ECONNREFUSED from an ICMP error, ENOBUFS): count it, go on */
        (perf_in_rx_thread ? &p->st_rx : &p->st)->tx_fail++;
        done++;
    }
    q->n = 0;
}

static int big_buffers(int fd)
{
    int sz = 16 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    sz = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
}

/* Parses "addr" of the family into sa with port. */
static int parse_addr(int family, const char *text, uint16_t port, int ifindex, perf_dst_t *d)
{
    memset(&d->sa, 0, sizeof d->sa);
    if (family == 4) {
        struct sockaddr_in *a = (struct sockaddr_in *)&d->sa;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        d->salen = sizeof *a;
        return inet_pton(AF_INET, text, &a->sin_addr) == 1 ? 0 : NST_EINVAL;
    }
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&d->sa;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    d->salen = sizeof *a;
    if (inet_pton(AF_INET6, text, &a->sin6_addr) != 1)
        return NST_EINVAL;
    if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&a->sin6_addr))
        a->sin6_scope_id = (uint32_t)ifindex;
    return 0;
}

static int open_raw4(perf_t *p, char *err, size_t errlen)
{
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
    if (fd < 0)
        return errf(err, errlen, NST_EIO, "packet socket: %s (direct mode needs root)", strerror(errno));
    p->fd = fd;
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", p->o.iface);
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
        return errf(err, errlen, NST_EIO, "interface %s: %s", p->o.iface, strerror(errno));
    memcpy(p->if_mac, ifr.ifr_hwaddr.sa_data, 6);
    struct sock_filter prog[FRAME_BPF_UDP4_LEN];
    struct sock_fprog fp = {.len = FRAME_BPF_UDP4_LEN, .filter = prog};
    frame_bpf_udp4_dport(68, &fp);
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp) < 0)
        return errf(err, errlen, NST_EIO, "BPF filter: %s", strerror(errno));
    struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
                             .sll_ifindex = p->ifindex};
    if (bind(fd, (struct sockaddr *)&ll, sizeof ll) < 0)
        return errf(err, errlen, NST_EIO, "bind to %s: %s", p->o.iface, strerror(errno));
    p->raw = true;
    /* first requests: limited broadcast, or the server's address given on the command line */
    if (parse_addr(4, p->o.server ? p->o.server : "255.255.255.255", 67, 0, &p->to_server) < 0)
        return errf(err, errlen, NST_EINVAL, "bad server address '%s'", p->o.server);
    memset(p->to_server.mac, 0xff, 6);
    return 0;
}

static int open_udp(perf_t *p, char *err, size_t errlen)
{
    int v6 = p->o.family == 6;
    uint16_t lport = p->o.relay ? (v6 ? 547 : 67) : 546;
    perf_dst_t local;
    const char *laddr = p->o.relay ? p->o.relay : "::";
    if (parse_addr(p->o.family, laddr, lport, p->ifindex, &local) < 0)
        return errf(err, errlen, NST_EINVAL, "bad relay address '%s'", laddr);
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return errf(err, errlen, NST_EIO, "socket: %s", strerror(errno));
    p->fd = fd;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (v6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (p->o.iface && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->o.iface, (socklen_t)strlen(p->o.iface)) < 0)
        return errf(err, errlen, NST_EIO, "bind to device %s: %s", p->o.iface, strerror(errno));
    if (bind(fd, (struct sockaddr *)&local.sa, local.salen) < 0)
        return errf(err, errlen, NST_EIO, "bind to %s port %u: %s", laddr, lport, strerror(errno));
    const char *to = p->o.server ? p->o.server : "ff02::1:2";
    if (parse_addr(p->o.family, to, v6 ? 547 : 67, p->ifindex, &p->to_server) < 0)
        return errf(err, errlen, NST_EINVAL, "bad server address '%s'", to);
    if (v6 && !p->o.server) {
        int hops = 1, loop = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &p->ifindex, sizeof p->ifindex);
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof loop);
    }
    return 0;
}

int perf_io_open(perf_t *p, char *err, size_t errlen)
{
    p->fd = -1;
    if (p->o.iface) {
        p->ifindex = (int)if_nametoindex(p->o.iface);
        if (!p->ifindex)
            return errf(err, errlen, NST_EINVAL, "no interface '%s'", p->o.iface);
    }
    int r;
    if (p->o.family == 4 && !p->o.relay) {
        if (!p->o.iface)
            return errf(err, errlen, NST_EINVAL, "direct mode needs an interface (-l IFACE); "
                                                  "or act as a relay with --relay ADDR SERVER");
        r = open_raw4(p, err, errlen);
    } else {
        if (p->o.relay && !p->o.server)
            return errf(err, errlen, NST_EINVAL, "--relay needs the server's address");
        if (!p->o.relay && !p->o.iface)
            return errf(err, errlen, NST_EINVAL, "direct mode needs an interface (-l IFACE)");
        r = open_udp(p, err, errlen);
    }
    if (r < 0)
        return r;
    big_buffers(p->fd);
    perf_rxq_t *q = xcalloc(1, sizeof *q);
    for (unsigned i = 0; i < BATCH; i++) {
        q->iov[i] = (struct iovec){q->buf[i], MSG_MAX};
        q->m[i].msg_hdr.msg_iov = &q->iov[i];
        q->m[i].msg_hdr.msg_iovlen = 1;
    }
    p->rxq = q;
    return 0;
}

void perf_io_close(perf_t *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    free(p->rxq);
    p->rxq = NULL;
}

static int64_t stamp(const struct msghdr *h)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR((struct msghdr *)h, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof ts);
            return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        }
    return perf_now_real();
}

int perf_io_rx(perf_t *p, perf_stats_t *st)
{
    perf_rxq_t *q = p->rxq;
    for (unsigned i = 0; i < BATCH; i++) {
        q->m[i].msg_hdr.msg_control = q->ctl[i].buf;
        q->m[i].msg_hdr.msg_controllen = sizeof q->ctl[i].buf;
        q->m[i].msg_hdr.msg_name = NULL;
        q->m[i].msg_hdr.msg_namelen = 0;
    }
    int n = recvmmsg(p->fd, q->m, BATCH, MSG_DONTWAIT, NULL);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; i++) {
        const uint8_t *msg = q->buf[i];
        size_t len = q->m[i].msg_len;
        int64_t ts = stamp(&q->m[i].msg_hdr);
        st->rx++;
        if (p->raw) {
            frame_udp4_t f;
            if (frame_parse_udp4_ex(msg, len, FRAME_PARSE_NO_UDP_CSUM, &f) < 0 || f.dst_port != 68) {
                st->rx_bad++;
                continue;
            }
            /* the server's link-layer address, for unicast renewals */
            if (!p->have_server_mac && f.src_port == 67) {
                memcpy(p->server_mac, f.src_mac, 6);
                p->have_server_mac = true;
            }
            p->fam->rx(p, f.payload, f.payload_len, ts);
        } else {
            p->fam->rx(p, msg, len, ts);
        }
    }
    return n;
}
