/* nestor-dhcp4's packet workers: the shared worker queue (server/workq.h) with DHCPv4's parts.
 *
 * Contract:
 * - Classes: DISCOVERs and packets without a message type are WORKQ_NEW, the rest ONGOING.
 * - A client is serialised by its client identifier (option 61), else its hardware type and
 *   address.
 * - Each worker parses into its own pkt4_t and processes with srv4_process() and the
 *   generation it holds; drops count pkt4-receive-drop (queue full: also pkt4-received, as the
 *   packet was never parsed).
 */
#ifndef NESTOR_DHCP4_WORKERS4_H
#define NESTOR_DHCP4_WORKERS4_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp4/srv4.h"

/* threads 0 = one per CPU. Starts paused when paused is true. */
workq_t *workers4_start(srv4_t *s, unsigned threads, unsigned queue_size, bool paused);
/* src_mac: the frame's source hardware address (packet socket), NULL when received on UDP. */
void workers4_submit(workq_t *w, srv4_iface_t *ifc, const uint8_t *payload, size_t len, uint32_t src_ip,
                     uint32_t dst_ip, const uint8_t *src_mac);

#endif
