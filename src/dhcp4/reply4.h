/* Reply construction (internal to the daemon).
 *
 * Contract: reply4_alloc() returns a reply holding one "builder" hold; the builder either drops
 * it with srv4_reply_done() (which sends once no other hold remains) or frees an unsent reply
 * with reply4_discard() (only while no commit callback can still reference it). */
#ifndef NESTOR_DHCP4_REPLY4_H
#define NESTOR_DHCP4_REPLY4_H

#include "config/classify.h"
#include "dhcp4/srv4.h"

srv4_reply_t *reply4_alloc(srv4_t *s, srv4_iface_t *ifc);
void reply4_discard(srv4_reply_t *r);
/* Builds the message of the given type (OFFER/ACK/NAK) for query q; res may be NULL (NAK,
 * INFORM), from cfg (the generation the packet is processed with) and the packet's classes cls
 * (NULL: none; their options and fixed fields apply). Returns false if it does not fit. */
bool reply4_build(srv4_reply_t *r, const cfg4_t *cfg, const pkt4_t *q, uint8_t type, const alloc4_result_t *res,
                  const cls_set_t *cls);
/* alloc + build; NULL on failure. */
srv4_reply_t *reply4_start(srv4_t *s, const cfg4_t *cfg, srv4_iface_t *ifc, const pkt4_t *q, uint8_t type,
                           const alloc4_result_t *res, const cls_set_t *cls);

#endif
