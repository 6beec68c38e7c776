/* DHCPv4 messages (RFC 2131 / RFC 2132): parsing received messages, building replies.
 *
 * Contract:
 * - pkt4_parse() reads untrusted bytes through bounds-checked cursors and never allocates: every
 *   option's data is copied into the caller's pkt4_t (about 68 KB; keep one per worker thread or
 *   on the heap, not in a small stack). The input buffer is not referenced after the call.
 *   Addresses (ciaddr, yiaddr, siaddr, giaddr, option values read with pkt4_opt_ipv4) are uint32_t
 *   in HOST byte order.
 * - Repeated instances of one option code are concatenated in wire order (RFC 3396), across the
 *   options field and, when option 52 says so, the file and sname fields. Lookup by code is O(1).
 * - Pointers returned by pkt4_opt() and pkt4_rai_parse() point into the pkt4_t (or into the data
 *   given to pkt4_rai_parse) and stay valid until that object is reused or freed.
 * - pkt4_out_t builds a reply into a caller buffer and never writes past its capacity.
 * - Errors: NST_ETRUNCATED (too short to be a DHCP message), NST_EMALFORMED (anything else wrong),
 *   NST_ENOSPACE (builder buffer too small), NST_EINVAL (bad argument).
 * - Thread-safety: no global state; a pkt4_t / pkt4_out_t must not be shared between threads while
 *   it is being written.
 */
#ifndef NESTOR_PROTO_PKT4_H
#define NESTOR_PROTO_PKT4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/wire.h"

#define PKT4_HDR_LEN 236          /* fixed BOOTP header, without the cookie */
#define PKT4_MIN_LEN 240          /* header + magic cookie */
#define PKT4_MAX_LEN 65535        /* largest message pkt4_parse() accepts */
#define PKT4_BOOTP_MIN_LEN 300    /* RFC 951 / RFC 1542 §2.1 minimum BOOTP message size */
#define PKT4_COOKIE 0x63825363u   /* RFC 2131 §3 magic cookie 99.130.83.99 */
#define PKT4_CHADDR_LEN 16
#define PKT4_SNAME_LEN 64
#define PKT4_FILE_LEN 128
#define PKT4_SERVER_PORT 67
#define PKT4_CLIENT_PORT 68
#define PKT4_FLAG_BROADCAST 0x8000 /* RFC 2131 §2 flags field, B bit */

enum pkt4_op {
    PKT4_BOOTREQUEST = 1,
    PKT4_BOOTREPLY = 2,
};

/* Option 53 values (RFC 2132 §9.6, RFC 4388, RFC 6926, RFC 7724). */
enum pkt4_msg_type {
    PKT4_NOTYPE = 0,              /* no option 53 */
    PKT4_DISCOVER = 1,
    PKT4_OFFER = 2,
    PKT4_REQUEST = 3,
    PKT4_DECLINE = 4,
    PKT4_ACK = 5,
    PKT4_NAK = 6,
    PKT4_RELEASE = 7,
    PKT4_INFORM = 8,
    PKT4_FORCERENEW = 9,
    PKT4_LEASEQUERY = 10,
    PKT4_LEASEUNASSIGNED = 11,
    PKT4_LEASEUNKNOWN = 12,
    PKT4_LEASEACTIVE = 13,
    PKT4_BULKLEASEQUERY = 14,
    PKT4_LEASEQUERYDONE = 15,
    PKT4_ACTIVELEASEQUERY = 16,
    PKT4_LEASEQUERYSTATUS = 17,
    PKT4_TLS = 18,
};

/* Option codes the codec itself and the server core refer to (RFC 2132 unless noted). */
enum pkt4_opt_code {
    PKT4_OPT_PAD = 0,
    PKT4_OPT_SUBNET_MASK = 1,
    PKT4_OPT_ROUTERS = 3,
    PKT4_OPT_DNS_SERVERS = 6,
    PKT4_OPT_HOST_NAME = 12,
    PKT4_OPT_DOMAIN_NAME = 15,
    PKT4_OPT_BROADCAST = 28,
    PKT4_OPT_VENDOR_ENCAP = 43,
    PKT4_OPT_REQUESTED_ADDR = 50,
    PKT4_OPT_LEASE_TIME = 51,
    PKT4_OPT_OVERLOAD = 52,
    PKT4_OPT_MSG_TYPE = 53,
    PKT4_OPT_SERVER_ID = 54,
    PKT4_OPT_PRL = 55,
    PKT4_OPT_MESSAGE = 56,
    PKT4_OPT_MAX_MSG_SIZE = 57,
    PKT4_OPT_RENEWAL_TIME = 58,
    PKT4_OPT_REBINDING_TIME = 59,
    PKT4_OPT_VENDOR_CLASS = 60,
    PKT4_OPT_CLIENT_ID = 61,
    PKT4_OPT_TFTP_SERVER = 66,
    PKT4_OPT_BOOTFILE = 67,
    PKT4_OPT_USER_CLASS = 77,      /* RFC 3004 */
    PKT4_OPT_FQDN = 81,            /* RFC 4702 */
    PKT4_OPT_RAI = 82,             /* RFC 3046 relay agent information */
    PKT4_OPT_SUBNET_SELECTION = 118, /* RFC 3011 */
    PKT4_OPT_DOMAIN_SEARCH = 119,  /* RFC 3397 */
    PKT4_OPT_VIVSO = 125,          /* RFC 3925 */
    PKT4_OPT_END = 255,
};

/* Option 52 values (RFC 2132 §9.3). */
enum pkt4_overload {
    PKT4_OVERLOAD_FILE = 1,
    PKT4_OVERLOAD_SNAME = 2,
    PKT4_OVERLOAD_BOTH = 3,
};

/* Relay agent information sub-option codes (option 82). */
enum pkt4_rai_code {
    PKT4_RAI_CIRCUIT_ID = 1,       /* RFC 3046 */
    PKT4_RAI_REMOTE_ID = 2,        /* RFC 3046 */
    PKT4_RAI_LINK_SELECTION = 5,   /* RFC 3527 */
    PKT4_RAI_SUBSCRIBER_ID = 6,    /* RFC 3993 */
    PKT4_RAI_SERVER_ID_OVERRIDE = 11, /* RFC 5107 */
    PKT4_RAI_RELAY_PORT = 19,      /* RFC 8357 */
};

/* The fixed BOOTP header (RFC 2131 §2, figure 1). Addresses in host byte order. */
typedef struct pkt4_hdr {
    uint8_t op, htype, hlen, hops;
    uint32_t xid;
    uint16_t secs, flags;
    uint32_t ciaddr, yiaddr, siaddr, giaddr;
    uint8_t chaddr[PKT4_CHADDR_LEN];
    uint8_t sname[PKT4_SNAME_LEN];
    uint8_t file[PKT4_FILE_LEN];
} pkt4_hdr_t;

/* A parsed message. Fields are read-only for users; use the accessors for options. */
typedef struct pkt4 {
    pkt4_hdr_t hdr;
    size_t wire_len;              /* length of the parsed message */
    uint8_t msg_type;             /* option 53 value, PKT4_NOTYPE when absent */
    uint8_t overload;             /* option 52 value, 0 when absent */
    uint16_t opt_count;           /* distinct option codes present */
    uint8_t opt_order[256];       /* codes in order of first appearance */
    uint16_t opt_off[256];        /* data offset of each code in data[] */
    uint16_t opt_len[256];        /* concatenated length of each code */
    uint8_t opt_present[256 / 8]; /* bitmap of codes present */
    uint8_t data[PKT4_MAX_LEN];   /* concatenated option data */
    /* Link-layer source of the frame the message came in (Kea's remote hardware address): set
     * by the receiver after pkt4_parse(), which clears has_remote_mac; absent for messages read
     * from a UDP socket. */
    bool has_remote_mac;
    uint8_t remote_mac[6];
} pkt4_t;

/* Parses a DHCP message of len bytes (RFC 2131 §2-§4.1, RFC 2132, RFC 3396).
 * Rules: fewer than 240 bytes -> NST_ETRUNCATED; more than PKT4_MAX_LEN, wrong magic cookie (BOOTP
 * without the DHCP cookie included), hlen > 16, an option running past the end of its field,
 * or a bad option 52 -> NST_EMALFORMED. Options after END are ignored; a missing END is accepted.
 * On error *p holds no usable options (opt_count 0). */
int pkt4_parse(pkt4_t *p, const uint8_t *buf, size_t len);

/* The message type (option 53) of a raw DHCP message, found in its options field without a
 * parse, for scheduling decisions before the real parse: 0 when none is there (also for a short
 * message, a wrong cookie, or a type carried only in sname/file through option 52). */
int pkt4_peek_type(const uint8_t *buf, size_t len);

/* The concatenated data of option `code` and its length, or NULL when absent.
 * A present option with zero-length data returns a non-NULL pointer and *len = 0.
 * pad (0) and end (255) are never present. len may be NULL. */
const uint8_t *pkt4_opt(const pkt4_t *p, uint8_t code, size_t *len);
bool pkt4_has_opt(const pkt4_t *p, uint8_t code);

/* Typed option readers: true and *out set only when the option is present with exactly the
 * right length (1, 2 or 4 bytes). pkt4_opt_ipv4 returns the address in host order. */
bool pkt4_opt_u8(const pkt4_t *p, uint8_t code, uint8_t *out);
bool pkt4_opt_u16(const pkt4_t *p, uint8_t code, uint16_t *out);
bool pkt4_opt_u32(const pkt4_t *p, uint8_t code, uint32_t *out);
bool pkt4_opt_ipv4(const pkt4_t *p, uint8_t code, uint32_t *out);

/* Option codes in order of first appearance: i in [0, p->opt_count). */
static inline uint8_t pkt4_opt_code_at(const pkt4_t *p, size_t i)
{
    return p->opt_order[i];
}

/* Whether the sname / file header fields carried options (option 52) and must not be read as
 * names. */
bool pkt4_sname_is_options(const pkt4_t *p);
bool pkt4_file_is_options(const pkt4_t *p);

/* One sub-option of option 82: data/len when present. */
typedef struct pkt4_subopt {
    const uint8_t *data;
    uint8_t len;
    bool present;
} pkt4_subopt_t;

/* Relay agent information (RFC 3046) sub-options the server uses. If a sub-option repeats, the
 * first instance wins. */
typedef struct pkt4_rai {
    pkt4_subopt_t circuit_id;         /* 1 */
    pkt4_subopt_t remote_id;          /* 2 */
    pkt4_subopt_t link_selection;     /* 5, RFC 3527: 4 bytes */
    pkt4_subopt_t subscriber_id;      /* 6, RFC 3993 */
    pkt4_subopt_t server_id_override; /* 11, RFC 5107: 4 bytes */
    pkt4_subopt_t relay_port;         /* 19, RFC 8357 */
    unsigned count;                   /* sub-options seen, all codes */
} pkt4_rai_t;

/* Splits option 82 data into sub-options (code, len, value; no pad or end codes: RFC 3046 §2.0).
 * Returns 0, or NST_EMALFORMED if a sub-option runs past the end (out then holds the ones before).
 * Pointers in *out point into data. */
int pkt4_rai_parse(const uint8_t *data, size_t len, pkt4_rai_t *out);
/* Same on the packet's option 82. Returns NST_ENOENT when the packet has none. */
int pkt4_rai_get(const pkt4_t *p, pkt4_rai_t *out);
/* Value of a 4-byte address sub-option (link-selection, server-id-override) in host order;
 * false when absent or of another length. */
bool pkt4_subopt_ipv4(const pkt4_subopt_t *s, uint32_t *out);

/* "DHCPDISCOVER" ... "DHCPTLS" as Kea names them; "UNKNOWN" for 0, 9, 16 and values > 18
 * (Kea has no name for FORCERENEW and ACTIVELEASEQUERY). */
const char *pkt4_msg_name(unsigned type);

/* Kea-style client label for logs:
 * "[hwtype=1 aa:bb:cc:dd:ee:ff], cid=[01:02:03], tid=0x1234abcd" ("cid=[no info]" without option
 * 61, tid in unpadded lowercase hex). Always NUL-terminates when cap > 0 (truncating if needed).
 * Returns the length it wanted to write (snprintf semantics). */
int pkt4_describe(const pkt4_t *p, char *buf, size_t cap);

/* ---- reply builder -------------------------------------------------------------------------- */

typedef struct pkt4_out {
    wire_wr_t w;
    bool finished;
} pkt4_out_t;

/* Starts a message in buf: writes the header (hlen is clamped to 16) and the magic cookie.
 * buf must hold at least PKT4_BOOTP_MIN_LEN bytes, else NST_ENOSPACE. Add option 53 first
 * (Kea and most servers put it first). */
int pkt4_out_init(pkt4_out_t *o, uint8_t *buf, size_t cap, const pkt4_hdr_t *hdr);

/* Header field setters for use after init (addresses in host order). */
void pkt4_out_set_yiaddr(pkt4_out_t *o, uint32_t addr);
void pkt4_out_set_siaddr(pkt4_out_t *o, uint32_t addr);
void pkt4_out_set_flags(pkt4_out_t *o, uint16_t flags);
/* Copies a NUL-terminated name into sname / file (truncated to 63 / 127 bytes, zero padded). */
void pkt4_out_set_sname(pkt4_out_t *o, const char *name);
void pkt4_out_set_file(pkt4_out_t *o, const char *name);

/* Appends option `code` (1..254). Data longer than 255 bytes is split into consecutive instances
 * of at most 255 bytes (RFC 3396 §4); len 0 writes one empty instance. All or nothing: when the
 * option plus the END byte would not fit, nothing is written and NST_ENOSPACE is returned, and
 * the builder stays usable for smaller options. NST_EINVAL for code 0/255 or a finished message. */
int pkt4_out_opt(pkt4_out_t *o, uint8_t code, const void *data, size_t len);
int pkt4_out_opt_u8(pkt4_out_t *o, uint8_t code, uint8_t v);
int pkt4_out_opt_u16(pkt4_out_t *o, uint8_t code, uint16_t v);
int pkt4_out_opt_u32(pkt4_out_t *o, uint8_t code, uint32_t v);
/* addr in host order. */
int pkt4_out_opt_ipv4(pkt4_out_t *o, uint8_t code, uint32_t addr);

/* Room left for option bytes (headers included), keeping one byte for END. */
size_t pkt4_out_room(const pkt4_out_t *o);

/* Writes END and zero-pads to PKT4_BOOTP_MIN_LEN bytes (RFC 1542 §2.1: relay agents and clients
 * may drop shorter BOOTP messages). Returns the message length (> 0) or NST_ENOSPACE /
 * NST_EINVAL (not initialised, or already finished). */
int pkt4_out_finish(pkt4_out_t *o);

#endif
