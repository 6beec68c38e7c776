/* DHCPv6 messages (RFC 8415): reading options and relay encapsulation, building messages.
 *
 * Contract:
 * - Readers work on borrowed, untrusted bytes through bounds-checked cursors and never allocate;
 *   views point into the caller's buffer and are valid while it is.
 * - pkt6_parse() accepts a client/server message (4-byte header) or a relay message (34-byte
 *   header) and finds its options area; pkt6_unrelay() follows RELAY_MSG options down to the
 *   client/server message (at most PKT6_MAX_HOPS relays, RFC 8415 §7.6 HOP_COUNT_LIMIT).
 * - pkt6_opt_next() iterates the options of an area (also an option's sub-options); an option
 *   running past the end stops the iteration and sets the iterator's `bad` flag.
 * - The builder (pkt6_out_*) writes into a caller buffer, never past its capacity; an overflow is
 *   sticky and reported by pkt6_out_len() as NST_ENOSPACE. Options nest with begin/end.
 * - Thread-safety: no global state.
 */
#ifndef NESTOR_PROTO_PKT6_H
#define NESTOR_PROTO_PKT6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/wire.h"

#define PKT6_CLIENT_PORT 546
#define PKT6_SERVER_PORT 547
#define PKT6_HDR_LEN 4
#define PKT6_RELAY_HDR_LEN 34
#define PKT6_MAX_HOPS 8
#define PKT6_MAX_NEST 4

enum pkt6_msg_type {
    PKT6_SOLICIT = 1, PKT6_ADVERTISE = 2, PKT6_REQUEST = 3, PKT6_CONFIRM = 4, PKT6_RENEW = 5,
    PKT6_REBIND = 6, PKT6_REPLY = 7, PKT6_RELEASE = 8, PKT6_DECLINE = 9, PKT6_RECONFIGURE = 10,
    PKT6_INFORMATION_REQUEST = 11, PKT6_RELAY_FORW = 12, PKT6_RELAY_REPL = 13,
};

enum pkt6_opt_code {
    PKT6_OPT_CLIENTID = 1, PKT6_OPT_SERVERID = 2, PKT6_OPT_IA_NA = 3, PKT6_OPT_IA_TA = 4,
    PKT6_OPT_IAADDR = 5, PKT6_OPT_ORO = 6, PKT6_OPT_PREFERENCE = 7, PKT6_OPT_ELAPSED_TIME = 8,
    PKT6_OPT_RELAY_MSG = 9, PKT6_OPT_STATUS_CODE = 13, PKT6_OPT_RAPID_COMMIT = 14,
    PKT6_OPT_INTERFACE_ID = 18, PKT6_OPT_IA_PD = 25, PKT6_OPT_IAPREFIX = 26,
};

enum pkt6_status {
    PKT6_STATUS_SUCCESS = 0, PKT6_STATUS_UNSPEC_FAIL = 1, PKT6_STATUS_NO_ADDRS_AVAIL = 2,
    PKT6_STATUS_NO_BINDING = 3, PKT6_STATUS_NOT_ON_LINK = 4, PKT6_STATUS_USE_MULTICAST = 5,
    PKT6_STATUS_NO_PREFIX_AVAIL = 6,
};

/* A message: its type, the transaction id (client/server) or the relay fields, and its options. */
typedef struct pkt6_view {
    uint8_t type;
    uint32_t xid;                 /* 24 bits; 0 for relay messages */
    uint8_t hops;                 /* relay messages */
    uint8_t link[16], peer[16];   /* relay messages */
    const uint8_t *opts;
    size_t opts_len;
} pkt6_view_t;

/* 0, NST_ETRUNCATED (shorter than its header) or NST_EMALFORMED (empty). */
int pkt6_parse(const uint8_t *buf, size_t len, pkt6_view_t *out);
static inline bool pkt6_is_relay(uint8_t type)
{
    return type == PKT6_RELAY_FORW || type == PKT6_RELAY_REPL;
}
/* Follows RELAY_MSG down to the client/server message: *inner gets it, relays[0..*n) the relay
 * headers from the outermost (relays may be NULL when max is 0). A message that is not a relay is
 * its own inner message. NST_EMALFORMED for a relay without RELAY_MSG or too many hops. */
int pkt6_unrelay(const pkt6_view_t *msg, pkt6_view_t *inner, pkt6_view_t *relays, size_t max, size_t *n);

typedef struct pkt6_opt_iter {
    wire_rd_t r;
    bool bad;
} pkt6_opt_iter_t;

static inline void pkt6_opt_iter_init(pkt6_opt_iter_t *it, const uint8_t *area, size_t len)
{
    wire_rd_init(&it->r, area, len);
    it->bad = false;
}
/* The next option: true with code/data/len set, false at the end (or on a bad option). */
bool pkt6_opt_next(pkt6_opt_iter_t *it, uint16_t *code, const uint8_t **data, size_t *len);
/* The first option `code` of an area, or NULL. */
const uint8_t *pkt6_opt_find(const uint8_t *area, size_t alen, uint16_t code, size_t *len);
/* The status code in an area's STATUS_CODE option; PKT6_STATUS_SUCCESS when there is none
 * (RFC 8415 §21.13), -1 when it is malformed. */
int pkt6_status_of(const uint8_t *area, size_t alen);

/* IA_NA / IA_PD data: IAID, T1, T2, then sub-options. NULL when shorter than 12 bytes. */
const uint8_t *pkt6_ia_opts(const uint8_t *ia, size_t len, uint32_t *iaid, size_t *olen);

/* ---- builder -------------------------------------------------------------------------------- */

typedef struct pkt6_out {
    wire_wr_t w;
    size_t nest[PKT6_MAX_NEST];   /* offsets of open options' length fields */
    unsigned depth;
    bool err;
} pkt6_out_t;

/* A client/server message header. */
void pkt6_out_init(pkt6_out_t *o, uint8_t *buf, size_t cap, uint8_t type, uint32_t xid);
/* A relay message header (RELAY-FORW / RELAY-REPL); the relayed message goes in with
 * pkt6_out_begin(o, PKT6_OPT_RELAY_MSG) … pkt6_out_end(o), or pkt6_out_opt with its bytes. */
void pkt6_out_init_relay(pkt6_out_t *o, uint8_t *buf, size_t cap, uint8_t type, uint8_t hops,
                         const uint8_t link[16], const uint8_t peer[16]);
void pkt6_out_opt(pkt6_out_t *o, uint16_t code, const void *data, size_t len);
void pkt6_out_opt_u16(pkt6_out_t *o, uint16_t code, uint16_t v);
/* Opens an option whose data follows (sub-options, fields); pkt6_out_end() closes it. */
void pkt6_out_begin(pkt6_out_t *o, uint16_t code);
void pkt6_out_u32(pkt6_out_t *o, uint32_t v);
void pkt6_out_bytes(pkt6_out_t *o, const void *data, size_t len);
void pkt6_out_end(pkt6_out_t *o);
/* The message length, or NST_ENOSPACE (overflow) / NST_EINVAL (an option left open). */
int pkt6_out_len(const pkt6_out_t *o);

#endif
