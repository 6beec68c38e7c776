/* Kea 2.2's expression language (client classes' "test", flex-id's "identifier-expression",
 * flex-option's "expr"), for both address families: compiled once at configuration load,
 * evaluated per packet through a family-neutral packet view.
 *
 * Contract:
 * - eval_compile() parses the text of one expression into an immutable compiled form (eval_t).
 *   Everything the text names is resolved then, through the caller's eval_names_t: option names
 *   to codes (option[name]), class names to indexes (member('name'), known, unknown). A syntax
 *   or resolution error fails the compile with NST_ECONFIG and a message in err that starts with
 *   the 1-based column of the offending token in text ("column 12: ..."); the caller adds the
 *   class name and the file position of the "test" value.
 * - An eval_t is read-only once compiled: any number of threads may evaluate it at once.
 *   eval_free() frees it (NULL is fine).
 * - Evaluation is a pure function of the compiled form and the packet view: no daemon state, no
 *   heap allocation, no locks; intermediate values live in a bounded stack inside the evaluator
 *   (computed values longer than EVAL_VALUE_MAX are truncated to it, as no DHCP field is longer;
 *   option data are read in place, whole). An expression holds at most EVAL_STACK_MAX (16)
 *   pending values and nests 64 levels deep; a deeper one is a compile error.
 * - Semantics are Kea 2.2's (classify.rst of the ARM, and Kea's parser and tokens): absent
 *   options and fields evaluate to the empty string (option[x].exists to false); == compares
 *   bytes; substring/split/ifelse and the *totext conversions give Kea's results, including for
 *   out-of-range arguments. Kea's run-time errors make eval_bool()/eval_string() return
 *   NST_EINVAL (the caller treats the class as not matched and logs it, as Kea does): a *totext
 *   argument of the wrong size (not empty), or a substring/split number beyond a C int applied
 *   to a non-empty string. Every token is evaluated (no short-cut), so such an error anywhere
 *   fails the expression, as in Kea.
 * - Typing is Kea's grammar's: every expression is a boolean or a string, checked at compile
 *   ("column N: a string expression where a boolean is needed"). Integer literals are unsigned
 *   32-bit values of 4 bytes (so Kea's own "int8totext(-1)" does not compile and
 *   "uint8totext(255)" fails at run time, as in Kea); hex literals get a leading 0 when odd.
 * - Both families parse the whole language; a token of the other family (pkt6.* or relay6[...]
 *   in a DHCPv4 expression, relay4/pkt4.* in a DHCPv6 one) is a compile error naming it. An
 *   expression evaluates only on a packet view of its family (else NST_EINVAL), and
 *   eval_bool()/eval_string() only on an expression compiled for that result (else NST_EINVAL).
 * - Options as Kea decodes them (v4, when eval_names_t gives the definitions: eval_text4.c): a
 *   string option without its trailing NULs (absent when only NULs); option[x].text is a string
 *   option's value, else Kea's rendering of the option by its definition ("type=050, len=004:
 *   192.0.2.77 (ipv4-address)", sub-options on their own lines); option[a].option[b] finds
 *   sub-options only where a's definition encapsulates a space (after a's own value; PAD and END
 *   only in 43's) and in option 125 (the vendor's). Kea decodes options 43 and 224..254 only
 *   after the first classification pass: before it (eval_pkt_t.decoded) they are plain options
 *   (.text their hex rendering, no sub-options). A class's own definition of option 43 is not
 *   used here (the configuration's is, else Kea's last-resort one). Without definitions (v6, or
 *   names without them) .text is the data as is and option[a].option[b] reads a's data as
 *   sub-options (v4: 1-byte code and length, 0 a pad, 255 the end; v6: 2-byte code and length).
 *   - Vendor options (v4 125 / v6 17): the first enterprise id and, in v4, its first data-len
 *     chunk; a malformed one is absent. vendor[id].option[0] is read as vendor[id].exists (the
 *     .hex/.text forms give "true"), as in Kea. Vendor class options (v4 124 / v6 16): the first
 *     enterprise id; data[n] counts the tuples of every enterprise id, as Kea's parser does.
 * - known and unknown are accepted as member('KNOWN') and member('UNKNOWN') (the ARM documents
 *   them; Kea 2.2's own parser refuses them).
 */
#ifndef NESTOR_EVAL_EVAL_H
#define NESTOR_EVAL_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVAL_VALUE_MAX 1024   /* longest intermediate value (bytes) */

typedef struct eval eval_t;

/* What the result is used for: a class test (boolean) or a string (flex-id identifier,
 * flex-option value). A string expression where a boolean is wanted, or the reverse, is a
 * compile error, as in Kea. */
enum eval_want { EVAL_BOOL, EVAL_STRING };

/* Name resolution at compile time. */
typedef struct eval_names {
    int family;   /* 4 or 6 */
    /* option[name]: the code of the option called name in the family's standard space (custom
     * option-def names included); 0, or NST_ENOENT for an unknown name. */
    int (*option_code)(void *ctx, const char *name, uint16_t *code);
    /* member('name') (and known / unknown for KNOWN / UNKNOWN): the index of the class in the
     * packet's class set; 0, or NST_ENOENT when no such class is defined before this expression
     * (the error says "class 'x' is not defined (before this class)"). */
    int (*class_index)(void *ctx, const char *name, unsigned *index);
    void *ctx;
    /* v4: the option definitions (standard and option-def) by which Kea decodes the packet's
     * options for .text and sub-options; NULL: the data as is (see the contract). They must
     * outlive the compiled expression. */
    const struct optdef_registry *optdefs;
} eval_names_t;

int eval_compile(const char *text, enum eval_want want, const eval_names_t *names, eval_t **out, char *err,
                 size_t errlen);
void eval_free(eval_t *e);

/* The class indexes the expression reads (member(), known, unknown), each once, in the order
 * they appear; returns their count (at most max are stored in idx). For classification order
 * (classes that depend on KNOWN/UNKNOWN run after the host lookup) and for class-del's "in use"
 * check. */
size_t eval_classes_used(const eval_t *e, unsigned *idx, size_t max);

/* ---- the packet view --------------------------------------------------------------------- */

/* Fixed fields of a packet (pkt.*, pkt4.*, pkt6.*). Addresses are given in network byte order
 * (4 bytes for v4, 16 for v6), integers big-endian: 4 bytes for len/transid/msgtype as Kea gives
 * them; 1 byte for hlen/htype, which the evaluator widens to Kea's 4. pkt.len is Kea's length
 * of the packet (v4: eval_view4.h says how Kea counts it). */
enum eval_field {
    EVAL_PKT_IFACE,    /* text: the receiving interface's name */
    EVAL_PKT_SRC,      /* source address */
    EVAL_PKT_DST,      /* destination address */
    EVAL_PKT_LEN,      /* uint32: the message's length */
    EVAL_PKT4_MAC,     /* chaddr, hlen bytes */
    EVAL_PKT4_HLEN,
    EVAL_PKT4_HTYPE,
    EVAL_PKT4_CIADDR,
    EVAL_PKT4_GIADDR,
    EVAL_PKT4_YIADDR,
    EVAL_PKT4_SIADDR,
    EVAL_PKT4_MSGTYPE, /* uint32 */
    EVAL_PKT4_TRANSID, /* uint32 */
    EVAL_PKT6_MSGTYPE, /* uint32 */
    EVAL_PKT6_TRANSID, /* uint32 */
    EVAL_FIELD__COUNT
};

/* A packet as the evaluator sees it. The family's daemon fills one per packet (on the stack);
 * every callback is a read of that packet. Option data are given raw (the evaluator walks
 * sub-options, vendor options 124/125 (v4) and 16/17 (v6) itself, with the family's TLV
 * sizes). */
typedef struct eval_pkt {
    int family;                /* 4 or 6 */
    const void *pkt;           /* the family's parsed packet (pkt4_t for v4) */
    void *arg;                 /* the daemon's context (interface, addresses, class set) */
    /* The data of the top-level option code (v4: concatenated as RFC 3396 says); false when
     * absent. */
    bool (*option)(const struct eval_pkt *p, uint16_t code, const uint8_t **data, size_t *len);
    /* v4: the data of sub-option code of the relay agent information option (82): relay4[code]
     * (nest is 0). v6: option code of relay level nest (0 = closest to the server; negative =
     * counted from the client: -1 the outermost): relay6[nest].option[code]. false when absent.
     * May be NULL (nothing is there), as may every callback. */
    bool (*relay_option)(const struct eval_pkt *p, int nest, uint16_t code, const uint8_t **data, size_t *len);
    /* v6 only: relay6[nest].peeraddr / .linkaddr (16 bytes); false when there is no such level. */
    bool (*relay_addr)(const struct eval_pkt *p, int nest, bool peer, uint8_t out[16]);
    /* A fixed field into out (up to cap bytes); its length, or -1 when the packet has none. */
    int (*field)(const struct eval_pkt *p, enum eval_field f, uint8_t *out, size_t cap);
    /* Whether the packet is in the class of that index (member(), known, unknown). */
    bool (*in_class)(const struct eval_pkt *p, unsigned index);
    /* v4: whether Kea has decoded option code by its definition by now (options 43 and 224..254
     * only after the first classification pass); NULL: every option is. */
    bool (*decoded)(const struct eval_pkt *p, uint16_t code);
} eval_pkt_t;

/* Evaluates a boolean expression: 0 with *out set, or NST_EINVAL (see the contract). Costs a few
 * tens of nanoseconds for a typical class test; uses about 17 KB of the caller's stack. */
int eval_bool(const eval_t *e, const eval_pkt_t *p, bool *out);
/* Evaluates a string expression into buf (cap bytes; the value is truncated to cap): its
 * length in *len. 0, or NST_EINVAL. */
int eval_string(const eval_t *e, const eval_pkt_t *p, uint8_t *buf, size_t cap, size_t *len);

#endif
