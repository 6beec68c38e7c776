/* Fuzz target for the DHCPv6 codec: the bytes as a message (relayed or not), every option and
 * IA sub-option walked, and the message rebuilt option by option through the builder, which must
 * give the same bytes back when the options area was well formed. Invariant violations abort. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/pkt6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[70000];

static void check(int cond)
{
    if (!cond)
        abort();
}

static void walk(const uint8_t *area, size_t len, int depth)
{
    pkt6_opt_iter_t it;
    pkt6_opt_iter_init(&it, area, len);
    uint16_t code;
    const uint8_t *d;
    size_t l;
    (void)pkt6_status_of(area, len);
    while (pkt6_opt_next(&it, &code, &d, &l)) {
        check(l == 0 || (d >= area && d + l <= area + len));
        if (depth > 3)
            continue;
        size_t olen;
        const uint8_t *sub = NULL;
        if (code == PKT6_OPT_IA_NA || code == PKT6_OPT_IA_PD)
            sub = pkt6_ia_opts(d, l, NULL, &olen);
        else if (code == PKT6_OPT_IAADDR && l >= 24)
            sub = d + 24, olen = l - 24;
        else if (code == PKT6_OPT_IAPREFIX && l >= 25)
            sub = d + 25, olen = l - 25;
        if (sub)
            walk(sub, olen, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pkt6_view_t v, inner, relays[PKT6_MAX_HOPS];
    if (pkt6_parse(data, size, &v) < 0)
        return 0;
    size_t n = 0;
    if (pkt6_unrelay(&v, &inner, relays, PKT6_MAX_HOPS, &n) == 0) {
        check(n <= PKT6_MAX_HOPS);
        walk(inner.opts, inner.opts_len, 0);
    }
    walk(v.opts, v.opts_len, 0);
    /* rebuild: header, then each option as read */
    pkt6_out_t o;
    if (pkt6_is_relay(v.type))
        pkt6_out_init_relay(&o, out, sizeof out, v.type, v.hops, v.link, v.peer);
    else
        pkt6_out_init(&o, out, sizeof out, v.type, v.xid);
    pkt6_opt_iter_t it;
    pkt6_opt_iter_init(&it, v.opts, v.opts_len);
    uint16_t code;
    const uint8_t *d;
    size_t l;
    while (pkt6_opt_next(&it, &code, &d, &l))
        pkt6_out_opt(&o, code, d, l);
    int len = pkt6_out_len(&o);
    check(len > 0);
    if (!it.bad) {
        check((size_t)len == size);
        check(memcmp(out, data, size) == 0);
    }
    return 0;
}
