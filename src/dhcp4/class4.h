/* DHCPv4's classification of a packet (internal to the daemon): the class set of one packet,
 * built in Kea's steps around the packet path (proc4.c).
 *
 * Contract: a class4_t lives on the stack of the thread that processes the packet, for the
 * generation it is processed with; it borrows the query and that generation's configuration.
 *   class4_begin     ALL, HA_<scope>, VENDOR_CLASS_<option 60>, then the classes that need no host
 *                    lookup;
 *   class4_host      after the host lookup: KNOWN (with the reservation's classes) or UNKNOWN,
 *                    then the classes that depend on them;
 *   class4_required  after allocation: the classes required by the shared network, the subnet
 *                    and the pool of the address, in that order.
 * class4_begin and class4_host return true when the packet is in DROP (the caller drops it).
 * Without client classes in the configuration each step costs a few stores. */
#ifndef NESTOR_DHCP4_CLASS4_H
#define NESTOR_DHCP4_CLASS4_H

#include "alloc/alloc4.h"
#include "config/cfg_class.h"
#include "eval/eval_view4.h"
#include "dhcp4/srv4.h"
#include "config/classify.h"

typedef struct class4 {
    cls_set_t set;
    const cfg4_t *cfg;
    const cfg_classes_t *dict;
    const pkt4_t *q;
    eval_view4_ctx_t vctx;    /* what the view reads beside the packet (interface, addresses) */
    eval_pkt_t view;
    char vendor[CFG_CLASS_NAME_MAX + 1]; /* VENDOR_CLASS_<option 60> ("": none), logged even when no
                                          * configuration refers to it */
    uint8_t flex[1 + CFG_HOST_ID_MAX]; /* 0, then flex-id's identifier (replace-client-id) */
    bool known_early;         /* a global reservation was found before subnet selection */
} class4_t;

/* flex-id: evaluates identifier-expression (when configured) for the host lookup; with
 * replace-client-id the client is then known by 0x00 + that identifier instead of its client
 * identifier, as Kea's flex_id hook does (an empty identifier changes nothing). Call after
 * class4_begin; req points into c. */
void class4_flex(class4_t *c, alloc4_req_t *req);
/* ha_class: the high-availability scope class of the query ("HA_server1", assigned first, as
 * Kea's HA hook does before classification), NULL: none. */
bool class4_begin(class4_t *c, const cfg4_t *cfg, const srv4_iface_t *ifc, const pkt4_t *q, uint32_t src_ip,
                  uint32_t dst_ip, const char *ha_class);
/* Whether the configuration's classes need the host lookup before allocation (KNOWN/UNKNOWN or
 * a reservation's classes are used). */
bool class4_needs_host(const class4_t *c);
bool class4_host(class4_t *c, const cfg_host4_t *host);
/* early-global-reservations-lookup (before subnet selection): a global reservation found puts
 * the packet in its classes (the early pass runs again) and in KNOWN (the late pass runs); a
 * later class4_host without a reservation then keeps KNOWN. true: the packet is in DROP. */
bool class4_early_host(class4_t *c, const cfg_host4_t *host);
void class4_required(class4_t *c, const cfg_subnet4_t *subnet, uint32_t addr);
/* The first class of the packet (in assignment order) that sets the field, or NULL. */
enum class4_field { CLASS4_NEXT_SERVER, CLASS4_SERVER_HOSTNAME, CLASS4_BOOT_FILE, CLASS4_VALID };
const cfg_class_t *class4_first(const cls_set_t *s, const cfg_classes_t *d, enum class4_field f);

#endif
