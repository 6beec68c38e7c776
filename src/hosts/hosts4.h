/* Host reservations (DHCPv4) from the configuration file.
 *
 * Contract: hosts4_build() indexes the reservations of a cfg4_t (borrowed: the index points into
 * the config's cfg_host4_t array, so it lives exactly as long as that config). The index is
 * immutable once built, so any thread may query it without locks. The hosts databases
 * (hostdb.h) are consulted after this index, through hostmgr.h (file reservations win).
 *
 * Identifier bytes are compared exactly as Kea does: "client-id" reservations hold the whole
 * option 61 payload (type byte included); "duid" reservations match the DUID inside an RFC 4361
 * client identifier (type 255, IAID, DUID); "circuit-id" matches option 82 sub-option 1. */
#ifndef NESTOR_HOSTS_HOSTS4_H
#define NESTOR_HOSTS_HOSTS4_H

#include <stddef.h>
#include <stdint.h>

#include "config/cfg4.h"

typedef struct hosts4 hosts4_t;

/* The identifiers a client presents, as far as it has them (len 0 = absent). */
typedef struct hosts4_client_ids {
    const uint8_t *hwaddr;
    size_t hwaddr_len;
    const uint8_t *client_id;   /* option 61 payload */
    size_t client_id_len;
    const uint8_t *circuit_id;  /* option 82 sub-option 1 */
    size_t circuit_id_len;
    const uint8_t *flex_id;     /* flex-id's identifier-expression value */
    size_t flex_id_len;
} hosts4_client_ids_t;

/* The client's identifier of type t (enum cfg_host_id_type) as reservations hold it (duid: the
 * DUID inside an RFC 4361 client identifier); false when the client has none. */
bool hosts4_client_id(const hosts4_client_ids_t *ids, int t, const uint8_t **id, size_t *len);

hosts4_t *hosts4_build(const cfg4_t *cfg);
void hosts4_free(hosts4_t *h);

const cfg_host4_t *hosts4_find_id(const hosts4_t *h, uint32_t subnet_id, uint8_t id_type,
                                  const uint8_t *id, size_t len);
const cfg_host4_t *hosts4_find_addr(const hosts4_t *h, uint32_t subnet_id, uint32_t addr);
/* Tries the identifiers in the configured host-reservation-identifiers order; subnet_id 0 looks
 * up global reservations. Returns the first match or NULL. */
const cfg_host4_t *hosts4_find_client(const hosts4_t *h, const cfg4_t *cfg, uint32_t subnet_id,
                                      const hosts4_client_ids_t *ids);
size_t hosts4_count(const hosts4_t *h);

#endif
