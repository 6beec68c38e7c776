/* Internal to the eval module: tokens (eval_lex.c), the compiled form the parser writes
 * (eval_parse.c) and the evaluator runs (eval_run.c), and the option walkers (eval_vendor.c).
 * Not for use outside src/eval/. */
#ifndef NESTOR_EVAL_EVAL_INT_H
#define NESTOR_EVAL_EVAL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eval/eval.h"
#include "proto/optdef.h"

/* ---- tokens ---------------------------------------------------------------------------- */

enum eval_tok {
    TK_END, TK_ERROR,
    TK_STRING, TK_HEXSTRING, TK_INTEGER, TK_NAME, TK_IPADDR,
    /* punctuation */
    TK_EQUAL, TK_LPAREN, TK_RPAREN, TK_LBRACKET, TK_RBRACKET, TK_DOT, TK_COMMA, TK_ANY, TK_PLUS,
    /* keywords (eval_lex.c's table is in this order) */
    TK_OPTION, TK_RELAY4, TK_RELAY6, TK_PEERADDR, TK_LINKADDR, TK_TEXT, TK_HEX, TK_EXISTS,
    TK_PKT, TK_IFACE, TK_SRC, TK_DST, TK_LEN, TK_PKT4, TK_MAC, TK_HLEN, TK_HTYPE, TK_CIADDR,
    TK_GIADDR, TK_YIADDR, TK_SIADDR, TK_PKT6, TK_MSGTYPE, TK_TRANSID, TK_VENDOR, TK_VENDOR_CLASS,
    TK_DATA, TK_ENTERPRISE, TK_SUBSTRING, TK_SPLIT, TK_ALL, TK_CONCAT, TK_IFELSE, TK_HEXSTRING_FN,
    TK_ADDRTOTEXT, TK_INT8TOTEXT, TK_INT16TOTEXT, TK_INT32TOTEXT, TK_UINT8TOTEXT,
    TK_UINT16TOTEXT, TK_UINT32TOTEXT, TK_NOT, TK_AND, TK_OR, TK_MEMBER, TK_KNOWN, TK_UNKNOWN,
};

typedef struct eval_token {
    enum eval_tok type;
    size_t pos;        /* byte offset in the text (the column is pos + 1) */
    size_t len;        /* bytes of text the token covers */
    const char *text;  /* start of the token's value in the source (a string: inside the quotes;
                          a name: without trailing blanks) */
    size_t vlen;       /* length of that value */
    int64_t num;       /* TK_INTEGER */
} eval_token_t;

typedef struct eval_lexer {
    const char *src;
    size_t len, pos;
} eval_lexer_t;

/* The next token. TK_ERROR: err holds "column N: ..." and the token's pos the bad text. */
eval_token_t eval_lex_next(eval_lexer_t *lx, char *err, size_t errlen);
/* How an error message shows a token: "'=='", "end of the expression", "the string 'abc'". */
void eval_tok_describe(const eval_token_t *t, char *out, size_t cap);

/* ---- compiled form ------------------------------------------------------------------------ */

enum eval_op {
    OP_CONST,       /* a: pool offset, b: length */
    OP_OPTION,      /* code; mode: EVAL_R_* */
    OP_SUBOPTION,   /* code, sub; mode */
    OP_RELAY4,      /* sub; mode */
    OP_RELAY6_OPT,  /* b: nest, sub; mode */
    OP_RELAY6_ADDR, /* b: nest; mode: 1 peeraddr, 0 linkaddr */
    OP_FIELD,       /* code: enum eval_field */
    OP_VENDOR,      /* a: enterprise (0 any), sub; mode: EVAL_V_* */
    OP_VCLASS,      /* a: enterprise (0 any), sub: data index; mode: EVAL_V_* */
    OP_MEMBER,      /* a: class index */
    OP_NOT, OP_AND, OP_OR, OP_EQUAL, OP_CONCAT, OP_IFELSE, OP_HEXSTRING,
    OP_SUBSTRING,   /* a: start, b: length (as int32); mode: EVAL_S_* flags */
    OP_SPLIT,       /* b: field; mode: EVAL_S_BADSTART when it is not an int */
    OP_ADDRTOTEXT, OP_INT8TOTEXT, OP_INT16TOTEXT, OP_INT32TOTEXT, OP_UINT8TOTEXT,
    OP_UINT16TOTEXT, OP_UINT32TOTEXT,
};

enum { EVAL_R_HEX, EVAL_R_TEXT, EVAL_R_EXISTS };
/* EVAL_V_TRUE_TEXT: Kea reads vendor[id].option[0].hex/.text as vendor[id].exists giving the
 * string "true" (or "" when it fails). */
enum { EVAL_V_EXISTS, EVAL_V_ENTERPRISE, EVAL_V_SUB_HEX, EVAL_V_SUB_TEXT, EVAL_V_SUB_EXISTS,
       EVAL_V_DATA, EVAL_V_TRUE_TEXT };
/* substring/split arguments Kea reads as a C int at run time: out of its range is a run-time
 * error (when the string is not empty), as in Kea. */
enum { EVAL_S_BADSTART = 1, EVAL_S_BADLEN = 2, EVAL_S_ALL = 4 };

typedef struct eval_insn {
    uint8_t op, mode;
    uint16_t code, sub;
    uint32_t a;
    int32_t b;
    const optdef_t *def;      /* OP_OPTION, OP_SUBOPTION (v4 with definitions): the option's */
} eval_insn_t;

/* Pending values the evaluator holds at most; deeper expressions are refused at compile. */
#define EVAL_STACK_MAX 16

struct eval {
    int family;
    enum eval_want want;
    const optdef_registry_t *optdefs; /* v4: options decoded as Kea decodes them (eval_text4.c) */
    uint32_t n_insn;
    uint32_t pool_len;
    const uint8_t *pool;      /* points after insn[] in the same block */
    eval_insn_t insn[];
};

/* ---- option walking (eval_vendor.c) ------------------------------------------------------ */

/* The first sub-option code in data, a run of the family's TLVs (v4: 1-byte code and length,
 * where 0 is a one-byte pad and 255 ends the run unless pad_end is false; v6: 2-byte code and
 * length). The walk stops at a truncated TLV. */
bool eval_tlv_find(int family, bool pad_end, const uint8_t *data, size_t len, uint16_t code,
                   const uint8_t **out, size_t *outlen);

/* A vendor-identifying option's data (v4 125 / v6 17), as Kea reads it: the first enterprise
 * id and the run of sub-options after it (v4: the first data-len chunk). false when malformed. */
typedef struct eval_vendor {
    uint32_t enterprise;
    const uint8_t *subs;
    size_t subs_len;
} eval_vendor_t;
bool eval_vendor_parse(int family, const uint8_t *data, size_t len, eval_vendor_t *out);

/* A vendor class option's data (v4 124 / v6 16) as Kea reads it: the first enterprise id and
 * tuple number index (v4: 1-byte lengths, an enterprise id between tuples; v6: 2-byte
 * lengths). false when malformed; *found false when there is no such tuple. */
bool eval_vclass_parse(int family, const uint8_t *data, size_t len, uint32_t *enterprise,
                       unsigned index, const uint8_t **tuple, size_t *tuple_len, bool *found);

/* ---- DHCPv4 options as Kea decodes them (eval_text4.c) ------------------------------------ */

/* The data of an option of definition def (NULL: none, or not decoded yet) as Kea holds it: a
 * string option without trailing NULs; false when that leaves nothing (Kea skips it). */
bool eval4_value(const optdef_t *def, const uint8_t **d, size_t *n);
/* Sub-option sub of option code (def, data d/n), found where Kea finds it; its definition in
 * *sub_def (NULL: none). */
bool eval4_sub(const optdef_registry_t *reg, const optdef_t *def, uint16_t code, const uint8_t *d, size_t n,
               uint16_t sub, const uint8_t **out, size_t *outlen, const optdef_t **sub_def);
/* option[...].text: Kea's toString() of the option, into out (truncated to cap); the length. */
size_t eval4_text(const optdef_registry_t *reg, const optdef_t *def, uint16_t code, const uint8_t *d, size_t n,
                  uint8_t *out, size_t cap);

#endif
