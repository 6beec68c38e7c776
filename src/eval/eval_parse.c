/* The expression parser: recursive descent over Kea 2.2's grammar, writing the postfix
 * instructions and constant pool of an eval_t.
 *
 * Precedence, lowest first: or, and, not, ==, + (all left-associative). Kea's grammar types
 * every expression as a boolean or a string; here each parse function returns the type it read
 * and the operators check their operands' types, which accepts the same texts. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "eval/eval_int.h"

#define NEST_MAX 64      /* parentheses and calls inside one another */

enum type { T_ERR = -1, T_BOOL, T_STRING };

typedef struct parser {
    eval_lexer_t lx;
    eval_token_t tok, prev;
    const eval_names_t *names;
    int family;
    char *err;
    size_t errlen;
    bool failed;
    unsigned nest;
    int depth, max_depth;
    eval_insn_t *insn;
    size_t n_insn, cap_insn;
    uint8_t *pool;
    size_t pool_len, pool_cap;
    eval_insn_t dummy;          /* written instead of insn[] once the parse has failed */
} parser_t;

static enum type fail(parser_t *p, size_t pos, const char *fmt, ...) NST_PRINTF(3, 4);

static enum type fail(parser_t *p, size_t pos, const char *fmt, ...)
{
    if (p->failed)
        return T_ERR;
    p->failed = true;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    errf(p->err, p->errlen, NST_ECONFIG, "column %zu: %s", pos + 1, msg);
    return T_ERR;
}

static void advance(parser_t *p)
{
    p->prev = p->tok;
    if (p->failed) {
        p->tok.type = TK_END;
        return;
    }
    p->tok = eval_lex_next(&p->lx, p->err, p->errlen);
    if (p->tok.type == TK_ERROR) {
        p->failed = true;           /* the lexer wrote the message */
        p->tok.type = TK_END;
    }
}

/* "expected <what> after <previous token>, found <current token>" at the current token. */
static enum type expected(parser_t *p, const char *what)
{
    char prev[64], cur[64];
    eval_tok_describe(&p->prev, prev, sizeof prev);
    eval_tok_describe(&p->tok, cur, sizeof cur);
    if (p->prev.len == 0 && p->prev.type == TK_END)
        return fail(p, p->tok.pos, "expected %s, found %s", what, cur);
    return fail(p, p->tok.pos, "expected %s after %s, found %s", what, prev, cur);
}

static bool take(parser_t *p, enum eval_tok t)
{
    if (p->failed || p->tok.type != t)
        return false;
    advance(p);
    return true;
}

static bool expect(parser_t *p, enum eval_tok t, const char *what)
{
    if (take(p, t))
        return true;
    expected(p, what);
    return false;
}

/* ---- emitting ------------------------------------------------------------------------------ */

/* Values an instruction pops (it always pushes one). */
static int pops(enum eval_op op)
{
    switch (op) {
    case OP_AND: case OP_OR: case OP_EQUAL: case OP_CONCAT: case OP_HEXSTRING: case OP_SPLIT:
        return 2;
    case OP_IFELSE:
        return 3;
    case OP_NOT: case OP_SUBSTRING: case OP_ADDRTOTEXT: case OP_INT8TOTEXT: case OP_INT16TOTEXT:
    case OP_INT32TOTEXT: case OP_UINT8TOTEXT: case OP_UINT16TOTEXT: case OP_UINT32TOTEXT:
        return 1;
    default:
        return 0;
    }
}

static eval_insn_t *emit(parser_t *p, enum eval_op op, size_t pos)
{
    if (p->failed)
        return &p->dummy;
    p->depth += 1 - pops(op);
    if (p->depth > p->max_depth)
        p->max_depth = p->depth;
    if (p->max_depth > EVAL_STACK_MAX) {
        fail(p, pos, "expression too complex: more than %d values pending at once", EVAL_STACK_MAX);
        return &p->dummy;
    }
    if (p->n_insn == p->cap_insn) {
        p->cap_insn = p->cap_insn ? 2 * p->cap_insn : 16;
        p->insn = xrealloc(p->insn, p->cap_insn * sizeof *p->insn);
    }
    eval_insn_t *in = &p->insn[p->n_insn++];
    memset(in, 0, sizeof *in);
    in->op = (uint8_t)op;
    return in;
}

static void emit_const(parser_t *p, const void *data, size_t len, size_t pos)
{
    if (p->pool_len + len > p->pool_cap) {
        while (p->pool_len + len > p->pool_cap)
            p->pool_cap = p->pool_cap ? 2 * p->pool_cap : 64;
        p->pool = xrealloc(p->pool, p->pool_cap);
    }
    eval_insn_t *in = emit(p, OP_CONST, pos);
    in->a = (uint32_t)p->pool_len;
    in->b = (int32_t)len;
    if (len)
        memcpy(p->pool + p->pool_len, data, len);
    p->pool_len += len;
}

/* ---- operands -------------------------------------------------------------------------------- */

static enum type need(parser_t *p, enum type t, enum type want, size_t pos)
{
    if (t == T_ERR || t == want)
        return t;
    return fail(p, pos, want == T_BOOL ? "a string expression where a boolean is needed"
                                       : "a boolean expression where a string is needed");
}

/* An INTEGER token in [lo, hi] as the current token; advances. */
static bool integer(parser_t *p, int64_t lo, int64_t hi, const char *what, int64_t *out)
{
    if (p->failed)
        return false;
    if (p->tok.type != TK_INTEGER) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s (an integer)", what);
        expected(p, buf);
        return false;
    }
    if (p->tok.num < lo || p->tok.num > hi) {
        fail(p, p->tok.pos, "%s %.*s is out of range %lld..%lld", what, (int)p->tok.len, p->tok.text,
             (long long)lo, (long long)hi);
        return false;
    }
    *out = p->tok.num;
    advance(p);
    return true;
}

static int64_t code_max(const parser_t *p)
{
    return p->family == 6 ? 65535 : 255;
}

/* "[" code "]" of option[...]: an integer or an option name. */
static bool option_code(parser_t *p, uint16_t *code)
{
    if (!expect(p, TK_LBRACKET, "'['"))
        return false;
    if (p->tok.type == TK_NAME) {
        char name[128];
        size_t pos = p->tok.pos;
        int rc = NST_ENOENT;
        if (p->tok.vlen < sizeof name) {
            memcpy(name, p->tok.text, p->tok.vlen);
            name[p->tok.vlen] = 0;
            if (p->names && p->names->option_code)
                rc = p->names->option_code(p->names->ctx, name, code);
        }
        if (rc != 0) {
            fail(p, pos, "unknown option name '%.*s'", (int)p->tok.vlen, p->tok.text);
            return false;
        }
        advance(p);
    } else {
        int64_t v;
        if (!integer(p, 0, code_max(p), "option code", &v))
            return false;
        *code = (uint16_t)v;
    }
    return expect(p, TK_RBRACKET, "']'");
}

/* "[" integer "]" of a sub-option (option[a].option[b], relay4, relay6, vendor). */
static bool sub_code(parser_t *p, uint16_t *code)
{
    int64_t v;
    if (!expect(p, TK_LBRACKET, "'['") || !integer(p, 0, code_max(p), "option code", &v) ||
        !expect(p, TK_RBRACKET, "']'"))
        return false;
    *code = (uint16_t)v;
    return true;
}

/* ".hex", ".text" or ".exists": EVAL_R_* in *mode, the type it gives. */
static enum type repr(parser_t *p, uint8_t *mode)
{
    if (!expect(p, TK_DOT, "'.'"))
        return T_ERR;
    if (take(p, TK_HEX)) {
        *mode = EVAL_R_HEX;
        return T_STRING;
    }
    if (take(p, TK_TEXT)) {
        *mode = EVAL_R_TEXT;
        return T_STRING;
    }
    if (take(p, TK_EXISTS)) {
        *mode = EVAL_R_EXISTS;
        return T_BOOL;
    }
    return expected(p, "'hex', 'text' or 'exists'");
}

static enum type family_only(parser_t *p, int family)
{
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)p->tok.len, p->tok.text);
    return fail(p, p->tok.pos, "%s can only be used in DHCPv%d", name, family);
}

/* The definition by which Kea decodes option code of the packet (v4 with definitions). */
static const optdef_t *option_def(const parser_t *p, uint16_t code)
{
    return p->family == 4 && p->names->optdefs ? optdef_find_by_code(p->names->optdefs, OPTDEF_SPACE_DHCP4, code)
                                                : NULL;
}

/* option[code].repr or option[code].option[sub].repr */
static enum type p_option(parser_t *p, size_t pos)
{
    uint16_t code, sub;
    uint8_t mode;
    if (!option_code(p, &code) || !expect(p, TK_DOT, "'.'"))
        return T_ERR;
    if (take(p, TK_OPTION)) {
        if (!sub_code(p, &sub))
            return T_ERR;
        enum type t = repr(p, &mode);
        eval_insn_t *in = emit(p, OP_SUBOPTION, pos);
        in->code = code, in->sub = sub, in->mode = mode, in->def = option_def(p, code);
        return t;
    }
    enum type t;
    if (take(p, TK_HEX))
        t = T_STRING, mode = EVAL_R_HEX;
    else if (take(p, TK_TEXT))
        t = T_STRING, mode = EVAL_R_TEXT;
    else if (take(p, TK_EXISTS))
        t = T_BOOL, mode = EVAL_R_EXISTS;
    else
        return expected(p, "'hex', 'text', 'exists' or 'option'");
    eval_insn_t *in = emit(p, OP_OPTION, pos);
    in->code = code, in->mode = mode, in->def = option_def(p, code);
    return t;
}

static enum type p_relay6(parser_t *p, size_t pos)
{
    int64_t nest;
    uint16_t sub;
    uint8_t mode;
    if (!expect(p, TK_LBRACKET, "'['") || !integer(p, -32, 31, "nest level", &nest) ||
        !expect(p, TK_RBRACKET, "']'") || !expect(p, TK_DOT, "'.'"))
        return T_ERR;
    if (p->tok.type == TK_PEERADDR || p->tok.type == TK_LINKADDR) {
        eval_insn_t *in = emit(p, OP_RELAY6_ADDR, pos);
        in->b = (int32_t)nest, in->mode = p->tok.type == TK_PEERADDR;
        advance(p);
        return T_STRING;
    }
    if (!expect(p, TK_OPTION, "'option', 'peeraddr' or 'linkaddr'") || !sub_code(p, &sub))
        return T_ERR;
    enum type t = repr(p, &mode);
    eval_insn_t *in = emit(p, OP_RELAY6_OPT, pos);
    in->b = (int32_t)nest, in->sub = sub, in->mode = mode;
    return t;
}

/* pkt.x, pkt4.x, pkt6.x: the fields each allows, in token order. */
static enum type p_field(parser_t *p, enum eval_tok which, size_t pos)
{
    static const struct {
        enum eval_tok owner, tok;
        enum eval_field f;
    } fields[] = {
        {TK_PKT, TK_IFACE, EVAL_PKT_IFACE}, {TK_PKT, TK_SRC, EVAL_PKT_SRC},
        {TK_PKT, TK_DST, EVAL_PKT_DST}, {TK_PKT, TK_LEN, EVAL_PKT_LEN},
        {TK_PKT4, TK_MAC, EVAL_PKT4_MAC}, {TK_PKT4, TK_HLEN, EVAL_PKT4_HLEN},
        {TK_PKT4, TK_HTYPE, EVAL_PKT4_HTYPE}, {TK_PKT4, TK_CIADDR, EVAL_PKT4_CIADDR},
        {TK_PKT4, TK_GIADDR, EVAL_PKT4_GIADDR}, {TK_PKT4, TK_YIADDR, EVAL_PKT4_YIADDR},
        {TK_PKT4, TK_SIADDR, EVAL_PKT4_SIADDR}, {TK_PKT4, TK_MSGTYPE, EVAL_PKT4_MSGTYPE},
        {TK_PKT4, TK_TRANSID, EVAL_PKT4_TRANSID}, {TK_PKT6, TK_MSGTYPE, EVAL_PKT6_MSGTYPE},
        {TK_PKT6, TK_TRANSID, EVAL_PKT6_TRANSID},
    };
    if (!expect(p, TK_DOT, "'.'"))
        return T_ERR;
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if (fields[i].owner == which && fields[i].tok == p->tok.type) {
            emit(p, OP_FIELD, pos)->code = (uint16_t)fields[i].f;
            advance(p);
            return T_STRING;
        }
    return expected(p, which == TK_PKT    ? "'iface', 'src', 'dst' or 'len'"
                       : which == TK_PKT6 ? "'msgtype' or 'transid'"
                                          : "a pkt4 field (mac, hlen, htype, ciaddr, giaddr, yiaddr, "
                                            "siaddr, msgtype, transid)");
}

/* vendor.enterprise, vendor[id].exists, vendor[id].option[code].repr and the vendor-class
 * forms: .enterprise, [id].exists, [id].data, [id].data[index]. */
static enum type p_vendor(parser_t *p, bool cls, size_t pos)
{
    enum eval_op op = cls ? OP_VCLASS : OP_VENDOR;
    if (take(p, TK_DOT)) {
        if (!expect(p, TK_ENTERPRISE, "'enterprise'"))
            return T_ERR;
        emit(p, op, pos)->mode = EVAL_V_ENTERPRISE;
        return T_STRING;
    }
    int64_t id = 0;
    if (!expect(p, TK_LBRACKET, "'.' or '['"))
        return T_ERR;
    if (!take(p, TK_ANY) && !integer(p, 0, UINT32_MAX, "enterprise id", &id))
        return T_ERR;
    if (!expect(p, TK_RBRACKET, "']'") || !expect(p, TK_DOT, "'.'"))
        return T_ERR;
    if (take(p, TK_EXISTS)) {
        eval_insn_t *in = emit(p, op, pos);
        in->a = (uint32_t)id, in->mode = EVAL_V_EXISTS;
        return T_BOOL;
    }
    if (cls) {
        int64_t index = 0;
        if (!expect(p, TK_DATA, "'exists' or 'data'"))
            return T_ERR;
        if (take(p, TK_LBRACKET) &&
            (!integer(p, 0, 255, "data index", &index) || !expect(p, TK_RBRACKET, "']'")))
            return T_ERR;
        eval_insn_t *in = emit(p, op, pos);
        in->a = (uint32_t)id, in->sub = (uint16_t)index, in->mode = EVAL_V_DATA;
        return T_STRING;
    }
    uint16_t sub;
    uint8_t mode;
    if (!expect(p, TK_OPTION, "'exists' or 'option'") || !sub_code(p, &sub))
        return T_ERR;
    enum type t = repr(p, &mode);
    eval_insn_t *in = emit(p, op, pos);
    in->a = (uint32_t)id, in->sub = sub;
    /* As in Kea, sub-option code 0 reads as vendor[id].exists. */
    if (sub == 0)
        in->mode = mode == EVAL_R_EXISTS ? EVAL_V_EXISTS : EVAL_V_TRUE_TEXT;
    else
        in->mode = mode == EVAL_R_HEX ? EVAL_V_SUB_HEX : mode == EVAL_R_TEXT ? EVAL_V_SUB_TEXT
                                                                         : EVAL_V_SUB_EXISTS;
    return t;
}

static enum type member(parser_t *p, const char *name, size_t namelen, size_t pos)
{
    char buf[256];
    unsigned idx = 0;
    int rc = NST_ENOENT;
    if (namelen < sizeof buf) {
        memcpy(buf, name, namelen);
        buf[namelen] = 0;
        if (p->names && p->names->class_index)
            rc = p->names->class_index(p->names->ctx, buf, &idx);
    }
    if (rc != 0)
        return fail(p, pos, "class '%.*s' is not defined (before this class)", (int)namelen, name);
    emit(p, OP_MEMBER, pos)->a = idx;
    return T_BOOL;
}

static enum type p_or(parser_t *p);

/* A string argument of a function, then ',' or ')' as the caller says. */
static bool arg(parser_t *p, enum type want, enum eval_tok then, const char *what)
{
    size_t pos = p->tok.pos;
    if (need(p, p_or(p), want, pos) == T_ERR)
        return false;
    return expect(p, then, what);
}

static enum type p_call(parser_t *p, enum eval_tok fn, size_t pos)
{
    static const struct {
        enum eval_tok tok;
        enum eval_op op;
    } conv[] = {
        {TK_ADDRTOTEXT, OP_ADDRTOTEXT}, {TK_INT8TOTEXT, OP_INT8TOTEXT},
        {TK_INT16TOTEXT, OP_INT16TOTEXT}, {TK_INT32TOTEXT, OP_INT32TOTEXT},
        {TK_UINT8TOTEXT, OP_UINT8TOTEXT}, {TK_UINT16TOTEXT, OP_UINT16TOTEXT},
        {TK_UINT32TOTEXT, OP_UINT32TOTEXT},
    };
    if (!expect(p, TK_LPAREN, "'('"))
        return T_ERR;
    switch (fn) {
    case TK_SUBSTRING: {
        int64_t start, len = 0;
        bool all = false;
        if (!arg(p, T_STRING, TK_COMMA, "','") || !integer(p, INT64_MIN, INT64_MAX, "start", &start) ||
            !expect(p, TK_COMMA, "','"))
            return T_ERR;
        if (take(p, TK_ALL))
            all = true;
        else if (!integer(p, INT64_MIN, INT64_MAX, "length (an integer or 'all')", &len))
            return T_ERR;
        if (!expect(p, TK_RPAREN, "')'"))
            return T_ERR;
        eval_insn_t *in = emit(p, OP_SUBSTRING, pos);
        in->a = (uint32_t)(int32_t)start;
        in->b = (int32_t)len;
        in->mode = (uint8_t)((start < INT32_MIN || start > INT32_MAX ? EVAL_S_BADSTART : 0) |
                             (len < INT32_MIN || len > INT32_MAX ? EVAL_S_BADLEN : 0) |
                             (all ? EVAL_S_ALL : 0));
        return T_STRING;
    }
    case TK_SPLIT: {
        int64_t field;
        if (!arg(p, T_STRING, TK_COMMA, "','") || !arg(p, T_STRING, TK_COMMA, "','") ||
            !integer(p, INT64_MIN, INT64_MAX, "field number", &field) || !expect(p, TK_RPAREN, "')'"))
            return T_ERR;
        eval_insn_t *in = emit(p, OP_SPLIT, pos);
        in->b = (int32_t)field;
        in->mode = field < INT32_MIN || field > INT32_MAX ? EVAL_S_BADSTART : 0;
        return T_STRING;
    }
    case TK_CONCAT: case TK_HEXSTRING_FN:
        if (!arg(p, T_STRING, TK_COMMA, "','") || !arg(p, T_STRING, TK_RPAREN, "')'"))
            return T_ERR;
        emit(p, fn == TK_CONCAT ? OP_CONCAT : OP_HEXSTRING, pos);
        return T_STRING;
    case TK_IFELSE:
        if (!arg(p, T_BOOL, TK_COMMA, "','") || !arg(p, T_STRING, TK_COMMA, "','") ||
            !arg(p, T_STRING, TK_RPAREN, "')'"))
            return T_ERR;
        emit(p, OP_IFELSE, pos);
        return T_STRING;
    default:
        for (size_t i = 0; i < ARRAY_SIZE(conv); i++)
            if (conv[i].tok == fn) {
                if (!arg(p, T_STRING, TK_RPAREN, "')'"))
                    return T_ERR;
                emit(p, conv[i].op, pos);
                return T_STRING;
            }
        return T_ERR;
    }
}

static enum type p_literal(parser_t *p)
{
    const eval_token_t *t = &p->tok;
    uint8_t buf[16];
    switch (t->type) {
    case TK_STRING:
        emit_const(p, t->text, t->vlen, t->pos);
        break;
    case TK_HEXSTRING: {
        /* "0x" then digits; an odd count gets a leading 0. */
        size_t nd = t->vlen - 2, nb = (nd + 1) / 2;
        uint8_t *bin = xcalloc(1, nb);
        const char *d = t->text + 2;
        size_t pad = nd % 2;
        for (size_t j = pad; j < nb * 2; j++)
            bin[j / 2] = (uint8_t)(bin[j / 2] << 4 | hex_digit((unsigned char)d[j - pad]));
        emit_const(p, bin, nb, t->pos);
        free(bin);
        break;
    }
    case TK_IPADDR: {
        char s[64];
        snprintf(s, sizeof s, "%.*s", (int)t->len, t->text);
        if (inet_pton(AF_INET, s, buf) == 1)
            emit_const(p, buf, 4, t->pos);
        else if (inet_pton(AF_INET6, s, buf) == 1)
            emit_const(p, buf, 16, t->pos);
        break;
    }
    case TK_INTEGER: {
        if (t->num < 0 || t->num > UINT32_MAX)
            return fail(p, t->pos, "integer %.*s is out of range 0..4294967295", (int)t->len, t->text);
        uint32_t v = htonl((uint32_t)t->num);
        emit_const(p, &v, 4, t->pos);
        break;
    }
    default:
        return T_ERR;
    }
    advance(p);
    return T_STRING;
}

static enum type p_primary(parser_t *p)
{
    eval_token_t t = p->tok;
    if (p->failed)
        return T_ERR;
    if (++p->nest > NEST_MAX) {
        return fail(p, t.pos, "expression nested too deeply (more than %d levels)", NEST_MAX);
    }
    enum type r = T_ERR;
    switch (t.type) {
    case TK_STRING: case TK_HEXSTRING: case TK_IPADDR: case TK_INTEGER:
        r = p_literal(p);
        break;
    case TK_LPAREN:
        advance(p);
        r = p_or(p);
        if (r != T_ERR && !expect(p, TK_RPAREN, "')'"))
            r = T_ERR;
        break;
    case TK_OPTION:
        advance(p);
        r = p_option(p, t.pos);
        break;
    case TK_RELAY4: {
        uint16_t sub;
        uint8_t mode;
        if (p->family != 4) {
            r = family_only(p, 4);
            break;
        }
        advance(p);
        if (!sub_code(p, &sub))
            break;
        r = repr(p, &mode);
        eval_insn_t *in = emit(p, OP_RELAY4, t.pos);
        in->sub = sub, in->mode = mode;
        break;
    }
    case TK_RELAY6:
        if (p->family != 6) {
            r = family_only(p, 6);
            break;
        }
        advance(p);
        r = p_relay6(p, t.pos);
        break;
    case TK_PKT4: case TK_PKT6:
        if (p->family != (t.type == TK_PKT4 ? 4 : 6)) {
            r = family_only(p, t.type == TK_PKT4 ? 4 : 6);
            break;
        }
        /* fall through */
    case TK_PKT:
        advance(p);
        r = p_field(p, t.type, t.pos);
        break;
    case TK_VENDOR: case TK_VENDOR_CLASS:
        advance(p);
        r = p_vendor(p, t.type == TK_VENDOR_CLASS, t.pos);
        break;
    case TK_MEMBER:
        advance(p);
        if (!expect(p, TK_LPAREN, "'('"))
            break;
        if (p->tok.type != TK_STRING) {
            expected(p, "a class name in quotes");
            break;
        }
        t = p->tok;
        advance(p);
        if (expect(p, TK_RPAREN, "')'"))
            r = member(p, t.text, t.vlen, t.pos);
        break;
    case TK_KNOWN:
        advance(p);
        r = member(p, "KNOWN", 5, t.pos);
        break;
    case TK_UNKNOWN:
        advance(p);
        r = member(p, "UNKNOWN", 7, t.pos);
        break;
    case TK_SUBSTRING: case TK_SPLIT: case TK_CONCAT: case TK_IFELSE: case TK_HEXSTRING_FN:
    case TK_ADDRTOTEXT: case TK_INT8TOTEXT: case TK_INT16TOTEXT: case TK_INT32TOTEXT:
    case TK_UINT8TOTEXT: case TK_UINT16TOTEXT: case TK_UINT32TOTEXT:
        advance(p);
        r = p_call(p, t.type, t.pos);
        break;
    default:
        r = expected(p, "an expression");
        break;
    }
    p->nest--;
    return p->failed ? T_ERR : r;
}

/* A binary operator over operands of type in giving type out: left-associative when chain,
 * else at most one (a == b == c is an error, as in Kea). */
static enum type p_binary(parser_t *p, enum eval_tok optok, enum eval_op op,
                          enum type (*operand)(parser_t *), enum type in, enum type out, bool chain)
{
    size_t pos = p->tok.pos;
    enum type t = operand(p);
    while (t != T_ERR && p->tok.type == optok) {
        if (need(p, t, in, pos) == T_ERR)
            return T_ERR;
        size_t at = p->tok.pos;
        advance(p);
        size_t rpos = p->tok.pos;
        if (need(p, operand(p), in, rpos) == T_ERR)
            return T_ERR;
        emit(p, op, at);
        t = out;
        if (!chain)
            break;
    }
    return t;
}

static enum type p_plus(parser_t *p)
{
    return p_binary(p, TK_PLUS, OP_CONCAT, p_primary, T_STRING, T_STRING, true);
}

static enum type p_cmp(parser_t *p)
{
    return p_binary(p, TK_EQUAL, OP_EQUAL, p_plus, T_STRING, T_BOOL, false);
}

static enum type p_not(parser_t *p)
{
    if (p->tok.type != TK_NOT || p->failed)
        return p_cmp(p);
    size_t op = p->tok.pos;
    if (++p->nest > NEST_MAX)
        return fail(p, op, "expression nested too deeply (more than %d levels)", NEST_MAX);
    advance(p);
    size_t pos = p->tok.pos;
    enum type t = need(p, p_not(p), T_BOOL, pos);
    p->nest--;
    if (t == T_ERR)
        return T_ERR;
    emit(p, OP_NOT, op);
    return T_BOOL;
}

static enum type p_and(parser_t *p)
{
    return p_binary(p, TK_AND, OP_AND, p_not, T_BOOL, T_BOOL, true);
}

static enum type p_or(parser_t *p)
{
    return p_binary(p, TK_OR, OP_OR, p_and, T_BOOL, T_BOOL, true);
}

int eval_compile(const char *text, enum eval_want want, const eval_names_t *names, eval_t **out, char *err,
                 size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = 0;
    if (!text || !names || (names->family != 4 && names->family != 6))
        return errf(err, errlen, NST_EINVAL, "no expression text or no family");
    parser_t p = {.lx = {.src = text, .len = strlen(text)}, .names = names, .family = names->family,
                  .err = err, .errlen = errlen};
    advance(&p);
    enum type t = p_or(&p);
    if (!p.failed && p.tok.type != TK_END)
        expected(&p, "an operator or the end of the expression");
    if (!p.failed)
        need(&p, t, want == EVAL_BOOL ? T_BOOL : T_STRING, 0);
    if (p.failed) {
        free(p.insn);
        free(p.pool);
        return NST_ECONFIG;
    }
    eval_t *e = xmalloc(sizeof *e + p.n_insn * sizeof(eval_insn_t) + p.pool_len);
    e->family = p.family;
    e->want = want;
    e->optdefs = p.family == 4 ? names->optdefs : NULL;
    e->n_insn = (uint32_t)p.n_insn;
    e->pool_len = (uint32_t)p.pool_len;
    memcpy(e->insn, p.insn, p.n_insn * sizeof(eval_insn_t));
    e->pool = (const uint8_t *)(e->insn + p.n_insn);
    if (p.pool_len)
        memcpy((uint8_t *)(e->insn + p.n_insn), p.pool, p.pool_len);
    free(p.insn);
    free(p.pool);
    *out = e;
    return 0;
}

void eval_free(eval_t *e)
{
    free(e);
}

size_t eval_classes_used(const eval_t *e, unsigned *idx, size_t max)
{
    size_t n = 0;
    for (uint32_t i = 0; e && i < e->n_insn; i++) {
        if (e->insn[i].op != OP_MEMBER)
            continue;
        unsigned c = e->insn[i].a;
        bool seen = false;
        for (uint32_t j = 0; j < i && !seen; j++)
            seen = e->insn[j].op == OP_MEMBER && e->insn[j].a == c;
        if (seen)
            continue;
        if (n < max)
            idx[n] = c;
        n++;
    }
    return n;
}
