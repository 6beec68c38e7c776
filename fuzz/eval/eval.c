/* Fuzz target: the expression compiler on arbitrary text, for both families and both result
 * types; every expression that compiles is evaluated on a fixed packet (v4: a DHCP message
 * parsed by the codec and read through eval_view4; v6: a small view of fixed relay, vendor and
 * field data) and its class list read. No crash, no leak, no undefined behaviour. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "eval/eval.h"
#include "eval/eval_view4.h"
#include "proto/optdef.h"
#include "proto/pkt4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int opt_code(void *ctx, const char *name, uint16_t *code)
{
    (void)ctx;
    if (strcmp(name, "host-name") == 0)
        *code = 12;
    else if (strcmp(name, "vendor-class-identifier") == 0)
        *code = 60;
    else
        return NST_ENOENT;
    return 0;
}

static int class_index(void *ctx, const char *name, unsigned *index)
{
    static const char *const names[] = {"ALL", "KNOWN", "UNKNOWN", "foo"};
    (void)ctx;
    for (unsigned i = 0; i < 4; i++)
        if (strcmp(names[i], name) == 0) {
            *index = i;
            return 0;
        }
    return NST_ENOENT;
}

static bool in_class(void *arg, unsigned index)
{
    (void)arg;
    return index == 1 || index == 3;
}

static const uint8_t msg_opts[] = {
    53, 1, 1, 60, 9, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't', 61, 7, 1, 1, 2, 3, 4, 5, 6,
    12, 4, 'h', 'o', 's', 't', 82, 12, 1, 4, 'e', 't', 'h', '0', 2, 2, 0x0a, 0x0b, 0, 0,
    43, 7, 1, 1, 8, 0, 2, 1, 'x',
    125, 11, 0, 0, 0x11, 0x8b, 6, 1, 4, 'd', 'o', 'c', 's',
    124, 13, 0, 0, 0x11, 0x8b, 2, 'a', 'b', 0, 0, 0, 9, 1, 'c',
    255,
};

static pkt4_t *packet4(void)
{
    static pkt4_t *p;
    if (p)
        return p;
    uint8_t buf[400] = {1, 1, 6, 0, 0x12, 0x34, 0x56, 0x78};
    buf[24] = 10, buf[25] = 0, buf[26] = 0, buf[27] = 1;
    memcpy(buf + 28, "\x01\x02\x03\x04\x05\x06", 6);
    buf[236] = 99, buf[237] = 130, buf[238] = 83, buf[239] = 99;
    memcpy(buf + 240, msg_opts, sizeof msg_opts);
    p = malloc(sizeof *p);
    if (p && pkt4_parse(p, buf, 240 + sizeof msg_opts) != 0)
        abort();
    return p;
}

/* The DHCPv6 view: one option table for the packet and every relay level. */
static const uint8_t v6_opts[] = {0, 17, 0, 11, 0, 0, 0x11, 0x8b, 0, 1, 0, 3, 'a', 'b', 'c',
                                  0, 16, 0, 9, 0, 0, 0x11, 0x8b, 0, 1, 'x', 0, 0,
                                  0, 18, 0, 3, 'i', 'f', '1'};

static bool v6_option(const eval_pkt_t *p, uint16_t code, const uint8_t **d, size_t *n)
{
    (void)p;
    for (size_t off = 0; off + 4 <= sizeof v6_opts;) {
        uint16_t c = (uint16_t)(v6_opts[off] << 8 | v6_opts[off + 1]);
        size_t l = (size_t)(v6_opts[off + 2] << 8 | v6_opts[off + 3]);
        if (c == code) {
            *d = v6_opts + off + 4;
            *n = l;
            return true;
        }
        off += 4 + l;
    }
    return false;
}

static bool v6_relay(const eval_pkt_t *p, int nest, uint16_t code, const uint8_t **d, size_t *n)
{
    return (nest == 0 || nest == -1) && v6_option(p, code, d, n);
}

static bool v6_addr(const eval_pkt_t *p, int nest, bool peer, uint8_t out[16])
{
    (void)p;
    if (nest != 0 && nest != -1)
        return false;
    memset(out, 0, 16);
    out[0] = 0x20, out[1] = 0x01, out[15] = peer ? 1 : 2;
    return true;
}

static int v6_field(const eval_pkt_t *p, enum eval_field f, uint8_t *out, size_t cap)
{
    (void)p;
    if (cap < 4 || (f != EVAL_PKT6_MSGTYPE && f != EVAL_PKT6_TRANSID && f != EVAL_PKT_LEN))
        return -1;
    memcpy(out, f == EVAL_PKT6_MSGTYPE ? "\0\0\0\1" : "\0\1\2\3", 4);
    return 4;
}

static bool v6_in_class(const eval_pkt_t *p, unsigned index)
{
    (void)p;
    return index == 0;
}

static void run(const char *text, int family)
{
    /* v4 options decoded by the standard definitions half the time (eval_text4.c) */
    eval_names_t names = {family, opt_code, class_index, NULL, family == 4 && text[0] & 1 ? optdef_std() : NULL};
    eval_view4_ctx_t ctx = {.iface = "eth0", .src = 0x0a000001, .dst = 0xffffffff,
                            .in_class = in_class};
    eval_pkt_t v;
    if (family == 4)
        eval_view4(&v, packet4(), &ctx);
    else
        v = (eval_pkt_t){.family = 6, .option = v6_option, .relay_option = v6_relay,
                         .relay_addr = v6_addr, .field = v6_field, .in_class = v6_in_class};
    for (int want = EVAL_BOOL; want <= EVAL_STRING; want++) {
        eval_t *e = NULL;
        char err[256];
        if (eval_compile(text, (enum eval_want)want, &names, &e, err, sizeof err) != 0)
            continue;
        unsigned idx[4];
        (void)eval_classes_used(e, idx, 4);
        bool b;
        uint8_t out[64];
        size_t n;
        if (want == EVAL_BOOL)
            (void)eval_bool(e, &v, &b);
        else
            (void)eval_string(e, &v, out, sizeof out, &n);
        eval_free(e);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    run(text, 4);
    run(text, 6);
    free(text);
    return 0;
}
