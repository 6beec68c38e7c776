/* Classifying a packet (Kea's client classification), for both families: the packet's class
 * set and the evaluation of a configuration's classes against it.
 *
 * Contract:
 * - A cls_set_t lives with one packet (on the worker's stack): the indexes (config/cfg_class.h)
 *   of the classes the packet is in, as a bitmap and in the order they were assigned (which
 *   decides option precedence: the first class with an option wins). Holding no pointers, it is
 *   valid for the configuration it was built with only.
 * - classify_run() evaluates the defined classes in configuration order, skipping the ones
 *   marked only-if-required: the early pass those that do not depend on KNOWN/UNKNOWN, the late
 *   pass (after the host lookup) those that do. classify_required() evaluates the classes a
 *   level requires ("require-client-classes"), in the order given; a class without a test is
 *   not assigned that way. A test that cannot be evaluated (a runtime type error) does not
 *   assign its class. Both are pure functions of the configuration and the packet view; the
 *   view's in_class must read the same set (cls_view_member does).
 */
#ifndef NESTOR_SERVER_CLASSIFY_H
#define NESTOR_SERVER_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg_class.h"
#include "eval/eval.h"

#define CLS_ORDER_MAX 64        /* classes kept in assignment order (more still count as members) */

typedef struct cls_set {
    uint64_t bits[CFG_CLASS_MAX / 64];
    uint16_t order[CLS_ORDER_MAX];
    uint16_t n;
} cls_set_t;

/* An empty set with ALL. */
void cls_set_init(cls_set_t *s);
void cls_set_add(cls_set_t *s, int index);
static inline bool cls_set_has(const cls_set_t *s, int index)
{
    return index >= 0 && index < CFG_CLASS_MAX && (s->bits[index / 64] >> (index % 64) & 1);
}
/* Whether a level restricted to class index (-1 or ALL: unrestricted) admits the packet. */
static inline bool cls_allows(const cls_set_t *s, int32_t client_class)
{
    return client_class <= 0 || cls_set_has(s, client_class);
}

/* Adds the classes named by a reservation (names the dictionary does not hold change nothing). */
void cls_set_add_names(cls_set_t *s, const cfg_classes_t *d, char *const *names, size_t n);

void classify_run(const cfg_classes_t *d, cls_set_t *s, const eval_pkt_t *view, bool late);
void classify_required(const cfg_classes_t *d, cls_set_t *s, const eval_pkt_t *view, const uint16_t *req,
                       size_t n);

/* The classes of s as text, "ALL, KNOWN, foo", for logs (truncated to cap). */
void cls_set_describe(const cfg_classes_t *d, const cls_set_t *s, char *buf, size_t cap);

#endif
