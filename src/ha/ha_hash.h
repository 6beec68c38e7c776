/* High availability: which server answers a client (the RFC 3074 load-balancing hash, as Kea 2.2
 * computes it) and the unacked-clients bookkeeping that tells a dead partner from a quiet one.
 *
 * Contract:
 * - Family-neutral: the family supplies the key bytes. DHCPv4: the client identifier's data (option
 *   61) when present and not empty, else chaddr's hlen bytes (no htype); DHCPv6: the DUID (option 1
 *   data). A query with no key is in nobody's scope (Kea drops it). Which message types are
 *   load-balanced is the family's too (v4: DISCOVER, REQUEST, DECLINE, RELEASE, INFORM; others go to
 *   the primary's scope).
 * - ha_lb_hash() is RFC 3074's Pearson hash with Kea's seed and order: the seed is the key length
 *   (mod 256), the bytes are taken from the last to the first. The server index is hash % active
 *   (active = 2 in load-balancing: index 0 is the primary's scope, 1 the secondary's).
 * - ha_unacked_t is a plain structure with no lock: the caller serialises. It holds the clients seen
 *   in the partner's scope while communication is interrupted (Kea's connecting clients); a client is
 *   "unacked" once it says it has tried for longer than max-ack-delay. Cleared when the partner is
 *   heard from again.
 */
#ifndef NESTOR_HA_HA_HASH_H
#define NESTOR_HA_HA_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint8_t ha_lb_hash(const uint8_t *key, size_t len);
/* The index of the server whose scope the key is in, or -1 when len == 0 or active == 0. */
int ha_lb_server(const uint8_t *key, size_t len, unsigned active);

/* How long a client says it has been trying, in ms. DHCPv4 "secs" (seconds; a value above 255 with
 * a zero low byte is taken as byte-swapped, as some Windows clients send it); DHCPv6 Elapsed Time
 * (hundredths of a second). */
uint32_t ha_secs_ms(uint16_t secs);
uint32_t ha_elapsed_ms(uint16_t hundredths);

typedef struct ha_unacked_entry {
    uint8_t *key;             /* NULL: free slot */
    uint32_t hash;
    uint16_t len;
    bool unacked;
} ha_unacked_entry_t;

typedef struct ha_unacked {
    ha_unacked_entry_t *slots;
    size_t cap;               /* a power of two, or 0 */
    size_t clients;           /* connecting clients recorded */
    size_t unacked;           /* of which unacked */
    uint64_t analyzed;        /* queries analyzed */
} ha_unacked_t;

void ha_unacked_init(ha_unacked_t *u);
void ha_unacked_free(ha_unacked_t *u);
/* Forgets every client and the analyzed count (the partner answered). */
void ha_unacked_clear(ha_unacked_t *u);
/* Analyzes one query in the partner's scope. The client is the pair (id1, id2): DHCPv4 passes the
 * hardware address and the client identifier (either may be empty), DHCPv6 the DUID and nothing.
 * id1 == NULL: no client to record (a DHCPv6 query without DUID), only counted. The client becomes
 * unacked when delay_ms > max_ack_delay, and stays so. Returns true when this query made it
 * unacked (Kea logs that once per client). */
bool ha_unacked_analyze(ha_unacked_t *u, const uint8_t *id1, size_t len1, const uint8_t *id2, size_t len2,
                        uint32_t delay_ms, uint32_t max_ack_delay);
/* The partner has failed: more unacked clients than max_unacked, or max_unacked == 0. */
bool ha_unacked_failure(const ha_unacked_t *u, uint32_t max_unacked);
/* How many more unacked clients make a failure (status-get's unacked-clients-left while interrupted,
 * and the log): max_unacked - unacked + 1, or 0 once exceeded. */
uint32_t ha_unacked_left(const ha_unacked_t *u, uint32_t max_unacked);

#endif
