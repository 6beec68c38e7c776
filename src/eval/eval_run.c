/* The evaluator: runs an eval_t's postfix instructions over a packet view.
 *
 * Values are byte strings held on a fixed stack of slices. A slice points at the constant
 * pool, at the packet's option data (no copy) or into the arena, a local buffer where computed
 * values live (at most EVAL_VALUE_MAX bytes each, EVAL_STACK_MAX of them). Each slot records
 * how much of the arena it and the slots below it use, so popping frees arena space. Booleans
 * are slots without bytes. Nothing is allocated. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "eval/eval_int.h"

typedef struct slot {
    const uint8_t *p;
    uint32_t len;      /* bytes; for a boolean 0 or 1 */
    uint32_t end;      /* arena bytes in use by this slot and those below */
} slot_t;

typedef struct run {
    const eval_pkt_t *pkt;
    slot_t st[EVAL_STACK_MAX];
    unsigned sp;
    uint8_t arena[EVAL_STACK_MAX * EVAL_VALUE_MAX];
} run_t;

static const uint8_t empty[1];

static uint32_t used(const run_t *r)
{
    return r->sp ? r->st[r->sp - 1].end : 0;
}

static void push_new(run_t *r, size_t len);
static uint8_t *arena_top(run_t *r);

/* Pushes a slice of existing bytes: the pool or the packet by reference; bytes in the arena
 * (those of a slot just popped) are moved down to the free arena, so that each slot holds at
 * most EVAL_VALUE_MAX arena bytes of its own. */
static void push_ref(run_t *r, const uint8_t *p, size_t len)
{
    if (p >= r->arena && p < r->arena + sizeof r->arena) {
        memmove(arena_top(r), p, len);
        push_new(r, len);
        return;
    }
    uint32_t end = used(r);
    r->st[r->sp++] = (slot_t){p ? p : empty, (uint32_t)len, end};
}

/* Where a computed value goes: the free arena (EVAL_VALUE_MAX bytes are always there). */
static uint8_t *arena_top(run_t *r)
{
    return r->arena + used(r);
}

/* Pushes a value computed at arena_top(). */
static void push_new(run_t *r, size_t len)
{
    if (len > EVAL_VALUE_MAX)
        len = EVAL_VALUE_MAX;
    uint32_t base = used(r);
    r->st[r->sp++] = (slot_t){r->arena + base, (uint32_t)len, base + (uint32_t)len};
}

/* Pushes a copy of bytes that may overlap the free arena. */
static void push_copy(run_t *r, const void *src, size_t len)
{
    if (len > EVAL_VALUE_MAX)
        len = EVAL_VALUE_MAX;
    memmove(arena_top(r), src, len);
    push_new(r, len);
}

static void push_bool(run_t *r, bool b)
{
    uint32_t end = used(r);
    r->st[r->sp++] = (slot_t){NULL, b, end};
}

static slot_t pop(run_t *r)
{
    return r->st[--r->sp];
}

static void push_text(run_t *r, const char *s)
{
    push_copy(r, s, strlen(s));
}

/* ---- accessors --------------------------------------------------------------------------- */

/* The result of an option read: its data, or Kea's value for an absent one. */
static void push_opt(run_t *r, int mode, bool found, const uint8_t *d, size_t n)
{
    if (mode == EVAL_R_EXISTS)
        push_bool(r, found);
    else if (found)
        push_ref(r, d, n);
    else
        push_ref(r, empty, 0);
}

static bool get_option(const eval_pkt_t *p, uint16_t code, const uint8_t **d, size_t *n)
{
    return p->option && p->option(p, code, d, n);
}

static void op_field(run_t *r, const eval_insn_t *in)
{
    const eval_pkt_t *p = r->pkt;
    uint8_t *out = arena_top(r);
    int n = p->field ? p->field(p, (enum eval_field)in->code, out, EVAL_VALUE_MAX) : -1;
    if (n < 0) {
        push_ref(r, empty, 0);
        return;
    }
    if ((in->code == EVAL_PKT4_HLEN || in->code == EVAL_PKT4_HTYPE) && n < 4) {
        /* Kea gives these one-byte fields as 4-byte integers. */
        memmove(out + 4 - n, out, (size_t)n);
        memset(out, 0, 4 - (size_t)n);
        n = 4;
    }
    push_new(r, (size_t)n);
}

static void push_u32(run_t *r, uint32_t v)
{
    uint32_t be = htonl(v);
    push_copy(r, &be, 4);
}

/* Kea's failure value of a vendor token: false for the exists forms, else empty. */
static void vendor_fail(run_t *r, int mode)
{
    if (mode == EVAL_V_EXISTS || mode == EVAL_V_SUB_EXISTS)
        push_bool(r, false);
    else
        push_ref(r, empty, 0);
}

static void op_vendor(run_t *r, const eval_insn_t *in)
{
    const eval_pkt_t *p = r->pkt;
    const uint8_t *d;
    size_t n;
    eval_vendor_t v;
    if (!get_option(p, p->family == 6 ? 17 : 125, &d, &n) || !eval_vendor_parse(p->family, d, n, &v) ||
        (in->a && in->a != v.enterprise)) {
        vendor_fail(r, in->mode);
        return;
    }
    switch (in->mode) {
    case EVAL_V_EXISTS:
        push_bool(r, true);
        return;
    case EVAL_V_ENTERPRISE:
        push_u32(r, v.enterprise);
        return;
    case EVAL_V_TRUE_TEXT:
        push_text(r, "true");
        return;
    default: {
        bool found = eval_tlv_find(p->family, false, v.subs, v.subs_len, in->sub, &d, &n);
        push_opt(r, in->mode == EVAL_V_SUB_EXISTS ? EVAL_R_EXISTS : EVAL_R_HEX, found, d, n);
        return;
    }
    }
}

static void op_vclass(run_t *r, const eval_insn_t *in)
{
    const eval_pkt_t *p = r->pkt;
    const uint8_t *d, *tuple = NULL;
    size_t n, tlen = 0;
    uint32_t ent;
    bool found;
    if (!get_option(p, p->family == 6 ? 16 : 124, &d, &n) ||
        !eval_vclass_parse(p->family, d, n, &ent, in->sub, &tuple, &tlen, &found) ||
        (in->a && in->a != ent)) {
        vendor_fail(r, in->mode);
        return;
    }
    if (in->mode == EVAL_V_EXISTS)
        push_bool(r, true);
    else if (in->mode == EVAL_V_ENTERPRISE)
        push_u32(r, ent);
    else
        push_opt(r, EVAL_R_HEX, found, tuple, tlen);
}

/* ---- operators ------------------------------------------------------------------------- */

static void op_substring(run_t *r, const eval_insn_t *in, int *rc)
{
    slot_t s = pop(r);
    if (s.len == 0) {
        push_ref(r, empty, 0);
        return;
    }
    if (in->mode & (EVAL_S_BADSTART | EVAL_S_BADLEN)) {
        *rc = NST_EINVAL;      /* Kea cannot read the argument as an int */
        return;
    }
    int64_t n = s.len, start = (int32_t)in->a;
    int64_t len = (in->mode & EVAL_S_ALL) ? n : in->b;
    if (start < -n || start >= n) {
        push_ref(r, empty, 0);
        return;
    }
    if (start < 0)
        start += n;
    if (len < 0) {
        len = -len;
        if (len <= start) {
            start -= len;
        } else {
            len = start;
            start = 0;
        }
    }
    if (len > n - start)
        len = n - start;
    push_ref(r, s.p + start, (size_t)len);
}

static void op_split(run_t *r, const eval_insn_t *in, int *rc)
{
    slot_t delims = pop(r), s = pop(r);
    if (s.len == 0) {
        push_ref(r, empty, 0);
        return;
    }
    if (in->mode & EVAL_S_BADSTART) {
        *rc = NST_EINVAL;
        return;
    }
    if (delims.len == 0) {
        push_ref(r, s.p, s.len);
        return;
    }
    int32_t want = in->b;
    if (want < 1) {
        push_ref(r, empty, 0);
        return;
    }
    /* Fields are separated by any one delimiter; adjacent ones give empty fields. */
    uint32_t start = 0;
    int32_t field = 1;
    for (uint32_t i = 0; i <= s.len; i++) {
        if (i < s.len && !memchr(delims.p, s.p[i], delims.len))
            continue;
        if (field == want) {
            push_ref(r, s.p + start, i - start);
            return;
        }
        field++;
        start = i + 1;
    }
    push_ref(r, empty, 0);
}

static void op_hexstring(run_t *r)
{
    static const char digits[] = "0123456789abcdef";
    char out[EVAL_VALUE_MAX];
    slot_t sep = pop(r), bin = pop(r);
    size_t n = 0;
    for (uint32_t i = 0; i < bin.len && n < sizeof out; i++) {
        if (i)
            for (uint32_t k = 0; k < sep.len && n < sizeof out; k++)
                out[n++] = (char)sep.p[k];
        if (n < sizeof out)
            out[n++] = digits[bin.p[i] >> 4];
        if (n < sizeof out)
            out[n++] = digits[bin.p[i] & 15];
    }
    push_copy(r, out, n);
}

static void op_concat(run_t *r)
{
    uint8_t out[EVAL_VALUE_MAX];
    slot_t b = pop(r), a = pop(r);
    size_t na = a.len < sizeof out ? a.len : sizeof out;
    size_t nb = b.len < sizeof out - na ? b.len : sizeof out - na;
    memcpy(out, a.p, na);
    memcpy(out + na, b.p, nb);
    push_copy(r, out, na + nb);
}

/* addrtotext and the integer conversions: an empty value stays empty; a value of another size
 * than the conversion reads is a run-time error, as in Kea. */
/* Decimal text of v into buf (at least 21 bytes); the per-packet path avoids printf's cost. */
static void fmt_dec(char *buf, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *buf++ = '-';
    while (n)
        *buf++ = tmp[--n];
    *buf = '\0';
}

static void fmt_ipv4(char *buf, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        fmt_dec(buf, a[i]);
        buf += strlen(buf);
        if (i < 3)
            *buf++ = '.';
    }
}

static void op_totext(run_t *r, enum eval_op op, int *rc)
{
    slot_t v = pop(r);
    char buf[64];
    if (v.len == 0) {
        push_ref(r, empty, 0);
        return;
    }
    uint32_t x = 0;
    for (uint32_t i = 0; i < v.len && i < 4; i++)
        x = x << 8 | v.p[i];
    switch (op) {
    case OP_ADDRTOTEXT:
        if (v.len != 4 && v.len != 16) {
            *rc = NST_EINVAL;
            return;
        }
        if (v.len == 4)
            fmt_ipv4(buf, v.p);
        else
            inet_ntop(AF_INET6, v.p, buf, sizeof buf);
        break;
    case OP_INT8TOTEXT: case OP_UINT8TOTEXT:
        if (v.len != 1) {
            *rc = NST_EINVAL;
            return;
        }
        fmt_dec(buf, op == OP_INT8TOTEXT ? (int8_t)x : (int64_t)x);
        break;
    case OP_INT16TOTEXT: case OP_UINT16TOTEXT:
        if (v.len != 2) {
            *rc = NST_EINVAL;
            return;
        }
        fmt_dec(buf, op == OP_INT16TOTEXT ? (int16_t)x : (int64_t)x);
        break;
    default:
        if (v.len != 4) {
            *rc = NST_EINVAL;
            return;
        }
        fmt_dec(buf, op == OP_INT32TOTEXT ? (int32_t)x : (int64_t)x);
        break;
    }
    push_text(r, buf);
}

/* option[code] and option[code].option[sub] of a DHCPv4 packet as Kea decodes it (eval_text4.c). */
static void op_option4(run_t *r, const eval_t *e, const eval_insn_t *in, bool found, const uint8_t *d, size_t n)
{
    const eval_pkt_t *p = r->pkt;
    const optdef_t *def = !p->decoded || p->decoded(p, in->code) ? in->def : NULL;
    uint16_t code = in->code;
    found = found && eval4_value(def, &d, &n);
    if (found && in->op == OP_SUBOPTION)
        found = eval4_sub(e->optdefs, def, in->code, d, n, in->sub, &d, &n, &def), code = in->sub;
    if (found && in->mode == EVAL_R_TEXT)
        push_new(r, eval4_text(e->optdefs, def, code, d, n, arena_top(r), EVAL_VALUE_MAX));
    else
        push_opt(r, in->mode, found, d, n);
}

/* ---- the loop -------------------------------------------------------------------------------- */

static int run(const eval_t *e, const eval_pkt_t *p, run_t *r)
{
    if (!e || !p || p->family != e->family)
        return NST_EINVAL;
    r->pkt = p;
    r->sp = 0;
    int rc = 0;
    for (uint32_t i = 0; i < e->n_insn && rc == 0; i++) {
        const eval_insn_t *in = &e->insn[i];
        const uint8_t *d = NULL;
        size_t n = 0;
        bool found;
        switch ((enum eval_op)in->op) {
        case OP_CONST:
            push_ref(r, e->pool + in->a, (size_t)in->b);
            break;
        case OP_OPTION:
            found = get_option(p, in->code, &d, &n);
            if (e->optdefs)
                op_option4(r, e, in, found, d, n);
            else
                push_opt(r, in->mode, found, d, n);
            break;
        case OP_SUBOPTION:
            found = get_option(p, in->code, &d, &n);
            if (e->optdefs) {
                op_option4(r, e, in, found, d, n);
                break;
            }
            found = found && eval_tlv_find(p->family, true, d, n, in->sub, &d, &n);
            push_opt(r, in->mode, found, d, n);
            break;
        case OP_RELAY4: case OP_RELAY6_OPT:
            found = p->relay_option && p->relay_option(p, in->b, in->sub, &d, &n);
            push_opt(r, in->mode, found, d, n);
            break;
        case OP_RELAY6_ADDR:
            if (p->relay_addr && p->relay_addr(p, in->b, in->mode != 0, arena_top(r)))
                push_new(r, 16);
            else
                push_ref(r, empty, 0);
            break;
        case OP_FIELD:
            op_field(r, in);
            break;
        case OP_VENDOR:
            op_vendor(r, in);
            break;
        case OP_VCLASS:
            op_vclass(r, in);
            break;
        case OP_MEMBER:
            push_bool(r, p->in_class && p->in_class(p, in->a));
            break;
        case OP_NOT:
            push_bool(r, !pop(r).len);
            break;
        case OP_AND: {
            bool b = pop(r).len, a = pop(r).len;
            push_bool(r, a && b);
            break;
        }
        case OP_OR: {
            bool b = pop(r).len, a = pop(r).len;
            push_bool(r, a || b);
            break;
        }
        case OP_EQUAL: {
            slot_t b = pop(r), a = pop(r);
            push_bool(r, a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
            break;
        }
        case OP_CONCAT:
            op_concat(r);
            break;
        case OP_IFELSE: {
            slot_t f = pop(r), t = pop(r), c = pop(r);
            slot_t v = c.len ? t : f;
            push_ref(r, v.p, v.len);
            break;
        }
        case OP_HEXSTRING:
            op_hexstring(r);
            break;
        case OP_SUBSTRING:
            op_substring(r, in, &rc);
            break;
        case OP_SPLIT:
            op_split(r, in, &rc);
            break;
        default:
            op_totext(r, (enum eval_op)in->op, &rc);
            break;
        }
    }
    if (rc == 0 && r->sp != 1)
        rc = NST_EINVAL;
    return rc;
}

int eval_bool(const eval_t *e, const eval_pkt_t *p, bool *out)
{
    run_t r;
    if (!e || e->want != EVAL_BOOL)
        return NST_EINVAL;
    int rc = run(e, p, &r);
    if (rc == 0)
        *out = r.st[0].len != 0;
    return rc;
}

int eval_string(const eval_t *e, const eval_pkt_t *p, uint8_t *buf, size_t cap, size_t *len)
{
    run_t r;
    if (!e || e->want != EVAL_STRING)
        return NST_EINVAL;
    int rc = run(e, p, &r);
    if (rc == 0) {
        size_t n = r.st[0].len < cap ? r.st[0].len : cap;
        if (n)
            memcpy(buf, r.st[0].p, n);
        *len = n;
    }
    return rc;
}
