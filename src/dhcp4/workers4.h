/* Packet worker threads (Kea's "multi-threading").
 *
 * Contract:
 * - The main thread receives packets and hands each payload to workers4_submit(), which copies
 *   it into a bounded queue of packet-queue-size entries; when the queue is full the OLDEST
 *   packet is dropped (as Kea's thread pool does) and counted in pkt4-receive-drop.
 * - Each worker parses into its own pkt4_t and processes the packet with srv4_process().
 * - At most one packet per client is in flight: the client key is the client identifier
 *   (option 61) or else the hardware address. A packet of a busy client waits; a newer one
 *   replaces it (the older is dropped and counted), and the worker that holds the client runs
 *   the waiting packet next. So at most one packet per client is in flight and one waits.
 * - workers4_pause() returns once no worker is processing and none will start until
 *   workers4_resume(); reconfiguration and control commands run in between. Pauses nest.
 * - workers4_stop() drains nothing: queued packets are dropped, running ones finish, threads
 *   are joined and everything is freed.
 */
#ifndef NESTOR_DHCP4_WORKERS4_H
#define NESTOR_DHCP4_WORKERS4_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp4/srv4.h"

typedef struct workers4 workers4_t;

/* threads 0 = one per CPU. Starts paused when paused is true. */
workers4_t *workers4_start(srv4_t *s, unsigned threads, unsigned queue_size, bool paused);
void workers4_stop(workers4_t *w);
void workers4_submit(workers4_t *w, srv4_iface_t *ifc, const uint8_t *payload, size_t len,
                     uint32_t src_ip, uint32_t dst_ip);
void workers4_pause(workers4_t *w);
void workers4_resume(workers4_t *w);
unsigned workers4_threads(const workers4_t *w);
/* Packets waiting in the queue now. */
size_t workers4_queued(workers4_t *w);

#endif
