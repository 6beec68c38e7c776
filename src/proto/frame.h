/* Link-layer framing for AF_PACKET sockets: Ethernet II + IPv4 + UDP.
 *
 * Contract:
 * - frame_parse_udp4() reads an untrusted frame through bounds-checked cursors; the result points
 *   into the caller's buffer (payload) and is valid while that buffer is.
 * - frame_build_udp4() writes a complete frame into a caller buffer and never past its capacity.
 * - frame_bpf_udp4_dport() fills instructions into caller-provided storage: no global state, so
 *   every function here is thread-safe.
 * - Addresses are uint32_t in HOST byte order; MAC addresses are 6 raw bytes.
 * - Errors: NST_ETRUNCATED (frame shorter than its headers say), NST_EMALFORMED (bad header or
 *   checksum, IP fragment), NST_ENOENT (not IPv4, or IPv4 but not UDP: not for us),
 *   NST_ENOSPACE (output too small).
 */
#ifndef NESTOR_PROTO_FRAME_H
#define NESTOR_PROTO_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>

#define FRAME_ETH_HLEN 14
#define FRAME_IP4_HLEN 20             /* without IP options */
#define FRAME_UDP_HLEN 8
#define FRAME_UDP4_HLEN (FRAME_ETH_HLEN + FRAME_IP4_HLEN + FRAME_UDP_HLEN) /* 42 */
#define FRAME_ETHERTYPE_IPV4 0x0800
/* TTL of built frames. 128 is what Kea writes on its raw (LPF) sockets; a DHCP reply is at most
 * one relay hop away, so the value hardly matters, and matching Kea keeps captures identical. */
#define FRAME_IP4_TTL 128
/* IP TOS of built frames: IPTOS_LOWDELAY, as Kea. */
#define FRAME_IP4_TOS 0x10

typedef struct frame_udp4 {
    uint8_t src_mac[6], dst_mac[6];
    uint32_t src_ip, dst_ip;          /* host order */
    uint16_t src_port, dst_port;
    const uint8_t *payload;           /* parse: into the frame buffer */
    size_t payload_len;
} frame_udp4_t;

/* Parses an Ethernet II frame (no VLAN tag) carrying IPv4/UDP. Checks: IPv4 version 4,
 * IHL >= 5, total length within the frame (trailing link padding is ignored), not a fragment
 * (MF clear and offset 0), IPv4 header checksum, UDP length >= 8 and within the IP payload,
 * UDP checksum unless it is 0 (RFC 768: "all zero transmitted checksum value means that the
 * transmitter generated no checksum"). On success fills *out (payload points into buf). */
int frame_parse_udp4(const uint8_t *buf, size_t len, frame_udp4_t *out);

/* frame_parse_udp4() with flags. FRAME_PARSE_NO_UDP_CSUM skips the UDP checksum check: pass it
 * when the kernel reports (PACKET_AUXDATA tp_status) TP_STATUS_CSUMNOTREADY (checksum offloaded,
 * e.g. traffic from a local veth peer: the field holds only a partial sum) or
 * TP_STATUS_CSUM_VALID. Kea's raw socket path checks neither checksum. */
#define FRAME_PARSE_NO_UDP_CSUM 0x1u
int frame_parse_udp4_ex(const uint8_t *buf, size_t len, unsigned flags, frame_udp4_t *out);

/* Builds Ethernet + IPv4 (no options, DF set, ID 0, TTL FRAME_IP4_TTL) + UDP around
 * f->payload_len bytes at f->payload, computing the IP header checksum and the UDP checksum over
 * the pseudo-header (RFC 768). The payload may already sit at buf + FRAME_UDP4_HLEN (zero copy)
 * or anywhere else, even overlapping buf. Returns the frame length or NST_ENOSPACE. */
int frame_build_udp4(uint8_t *buf, size_t cap, const frame_udp4_t *f);

/* Internet checksum (RFC 1071) of len bytes, folded, not complemented, starting from `sum`. */
uint32_t frame_csum_add(uint32_t sum, const uint8_t *data, size_t len);
uint16_t frame_csum_fold(uint32_t sum);

/* Number of instructions frame_bpf_udp4_dport() writes. */
#define FRAME_BPF_UDP4_LEN 11

/* Fills a classic BPF program for SO_ATTACH_FILTER that accepts Ethernet frames carrying IPv4
 * UDP to destination port `port` that are not fragments (non-first fragments carry no UDP
 * header) and drops everything else. out->filter must point to caller storage of out->len >=
 * FRAME_BPF_UDP4_LEN instructions; on success out->len is set to the program length. Returns 0 or
 * NST_ENOSPACE (storage missing or too small). Thread-safe: writes only the caller's storage. */
int frame_bpf_udp4_dport(uint16_t port, struct sock_fprog *out);

/* Offset of giaddr in a DHCP message (RFC 2131 §2): zero when the message is not relayed. */
#define FRAME_DHCP_GIADDR_OFF 24

/* Number of instructions frame_bpf_udp4_dport_bcast() writes. */
#define FRAME_BPF_UDP4_BCAST_LEN 16

/* As frame_bpf_udp4_dport(), but accepting only the frames a raw DHCP server reads on its packet
 * socket: IPv4 destination the limited broadcast address 255.255.255.255 (clients without an
 * address), or direct_addr (host order; 0: none) when the message's giaddr is zero (a client on
 * the link unicasting to the server: renewing, releasing; its frame carries the client's
 * hardware address, to which the reply goes, as Kea's LPF path does). A server that also listens
 * on a UDP socket receives the rest there (relays' unicast, other local addresses), through the
 * IP stack it crosses anyway, instead of a second copy on the packet socket. */
int frame_bpf_udp4_dport_bcast(uint16_t port, uint32_t direct_addr, struct sock_fprog *out);

/* Number of instructions frame_bpf_drop_limited_bcast() writes. */
#define FRAME_BPF_DROP_BCAST_LEN 7

/* A filter for a UDP socket (it sees the datagram from its UDP header, the IP header at
 * SKF_NET_OFF) that drops what frame_bpf_udp4_dport_bcast(port, direct_addr) accepts and
 * accepts the rest: each request is received once. */
int frame_bpf_drop_limited_bcast(uint32_t direct_addr, struct sock_fprog *out);

#endif
