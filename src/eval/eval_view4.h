/* The DHCPv4 packet view of the expression evaluator: an eval_pkt_t over a parsed pkt4_t.
 *
 * Contract:
 * - eval_view4() fills *v for one packet; v reads p and ctx at each evaluation, so both must
 *   outlive every eval_bool()/eval_string() call made with v. Nothing is allocated or copied.
 * - Option data are the concatenated data pkt4_opt() gives (RFC 3396); relay4[code] reads the
 *   sub-options of option 82 (the first instance of a code wins).
 * - pkt.len is Kea's length of the message: the 236-byte header plus each option's code, length
 *   and data bytes as parsed (no cookie, pad or end), which is what Kea 2.2 evaluates.
 * - pkt.src / pkt.dst / pkt.iface come from ctx (the daemon knows them), pkt4.* from the header,
 *   pkt4.msgtype from option 53 (0 without one); member(), known and unknown ask ctx->in_class.
 */
#ifndef NESTOR_EVAL_EVAL_VIEW4_H
#define NESTOR_EVAL_EVAL_VIEW4_H

#include <stdbool.h>
#include <stdint.h>

#include "eval/eval.h"
#include "proto/pkt4.h"

typedef struct eval_view4_ctx {
    const char *iface;        /* receiving interface name; NULL: pkt.iface is empty */
    uint32_t src, dst;        /* IP source and destination addresses, host order */
    /* Whether the packet is in the class of that index; NULL: in none. */
    bool (*in_class)(void *arg, unsigned index);
    void *arg;
    /* Kea has decoded options 43 and 224..254 (deferred until after the first classification
     * pass); before, they read as plain options (eval.h). */
    bool deferred_decoded;
} eval_view4_ctx_t;

void eval_view4(eval_pkt_t *v, const pkt4_t *p, const eval_view4_ctx_t *ctx);

#endif
