/* Reply construction (internal to the daemon).
 *
 * Contract: reply4_alloc() returns a reply holding one "builder" hold; the builder either drops
 * it with srv4_reply_done() (which sends once no other hold remains) or frees an unsent reply
 * with reply4_discard() (only while no commit callback can still reference it). */
#ifndef NESTOR_DHCP4_REPLY4_H
#define NESTOR_DHCP4_REPLY4_H

#include "dhcp4/class4.h"
#include "dhcp4/srv4.h"

srv4_reply_t *reply4_alloc(srv4_t *s, srv4_iface_t *ifc);
void reply4_discard(srv4_reply_t *r);
/* Builds the message of the given type (OFFER/ACK/NAK) for query q; res may be NULL (NAK,
 * INFORM), from cfg (the generation the packet is processed with) and the packet's classes cls
 * (NULL: none; their options and fixed fields apply). Returns false if it does not fit. */
bool reply4_build(srv4_reply_t *r, const cfg4_t *cfg, const pkt4_t *q, uint8_t type, const alloc4_result_t *res,
                  const class4_t *cl);
/* reply4_vendor.c: the payload of option 125 for a reply, as Kea 2.2 builds it: the vendor is
 * that of `configured` (the option 125 the reply carries because the client asked for it or it
 * is always-send; NULL when none), else that of the client's option 125; its sub-options are the
 * ones the client's DOCSIS ORO asks for (vendor 4491) and every always-send option of space
 * "vendor-<id>", each from the most specific level of lv, in code order, after those the
 * configured option already holds. Returns the payload length written to out, or 0 when no
 * option 125 is to be sent (no vendor, or nothing to send). */
int reply4_vivso(const cfg_optlevels_t *lv, const pkt4_t *q, const cfg_option_t *configured, uint8_t *out,
                 size_t cap);
/* alloc + build; NULL on failure. */
srv4_reply_t *reply4_start(srv4_t *s, const cfg4_t *cfg, srv4_iface_t *ifc, const pkt4_t *q, uint8_t type,
                           const alloc4_result_t *res, const class4_t *cl);

/* reply4_flex.c: flex-option's actions for one reply, decided before its options are written
 * (each configured entry in order, on the query's view): per option code, the configured option
 * is kept (ORIG), kept or else the value added (ORIG_OR: add), replaced or added (VALUE:
 * supersede), or left out (REMOVED: remove); then the sub-option actions that may run, in the
 * configuration's order (by container and code), applied as the options are written. Values live
 * in the plan. */
#define REPLY4_FLEX_MAX 32
enum reply4_flex_state { REPLY4_FLEX_ORIG, REPLY4_FLEX_ORIG_OR, REPLY4_FLEX_VALUE, REPLY4_FLEX_REMOVED };
typedef struct reply4_flex_entry {
    uint8_t code, state;
    uint16_t len;
    const uint8_t *val;
} reply4_flex_entry_t;
/* A sub-option action whose guards let it run: remove's verdict (yes) or the value of add and
 * supersede (len 0: empty, nothing to do). */
typedef struct reply4_flexsub_step {
    const cfg_flexsub_t *cfg;
    bool yes;
    uint16_t len;
    const uint8_t *val;
} reply4_flexsub_step_t;
typedef struct reply4_flex {
    size_t n, used, nsub;
    reply4_flex_entry_t e[REPLY4_FLEX_MAX];
    reply4_flexsub_step_t sub[REPLY4_FLEX_MAX];
    uint8_t buf[4096];
} reply4_flex_t;
void reply4_flex_plan(reply4_flex_t *f, const cfg4_t *cfg, const class4_t *cl);
const reply4_flex_entry_t *reply4_flex_find(const reply4_flex_t *f, uint8_t code);
/* reply4_flexsub.c: whether sub-option actions concern option code; the payload of option code
 * after them, written to out: data/len is its payload in the reply (data NULL: it has none; own:
 * it is flex-option's own value, in which Kea sees no sub-options). Returns the length, or -1
 * when the reply is to carry no option code. */
bool reply4_flexsub_has(const reply4_flex_t *f, uint8_t code);
int reply4_flexsub_apply(const reply4_flex_t *f, uint8_t code, const uint8_t *data, size_t len, bool own,
                         uint8_t *out, size_t cap);

#endif
