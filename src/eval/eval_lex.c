/* The expression lexer. Tokens are chosen as Kea's flex scanner chooses them: the longest match
 * wins (an option name counts the ']' that must follow it), ties go to the earlier kind
 * (string, hex string, integer, option name, address, keyword or punctuation). Keywords match
 * as prefixes, so "options" is "option" followed by an invalid 's', as in Kea. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "eval/eval_int.h"

static const char *const keywords[] = {
    [TK_OPTION - TK_OPTION] = "option", "relay4", "relay6", "peeraddr", "linkaddr", "text", "hex",
    "exists", "pkt", "iface", "src", "dst", "len", "pkt4", "mac", "hlen", "htype", "ciaddr",
    "giaddr", "yiaddr", "siaddr", "pkt6", "msgtype", "transid", "vendor", "vendor-class", "data",
    "enterprise", "substring", "split", "all", "concat", "ifelse", "hexstring", "addrtotext",
    "int8totext", "int16totext", "int32totext", "uint8totext", "uint16totext", "uint32totext",
    "not", "and", "or", "member", "known", "unknown",
};
_Static_assert(sizeof keywords / sizeof keywords[0] == TK_UNKNOWN - TK_OPTION + 1,
               "one keyword per token");

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c)
{
    return hex_digit((unsigned char)c) >= 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* Length of the run of chars from s[i] satisfying pred. */
static size_t run(const char *s, size_t n, size_t i, bool (*pred)(char))
{
    size_t j = i;
    while (j < n && pred(s[j]))
        j++;
    return j - i;
}

static bool is_namechar(char c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '_';
}

static bool is_addr6char(char c)
{
    return is_hex(c) || c == ':' || c == '.';
}

/* Candidate matches at s[i]: each returns the match length (0: none). */
static size_t m_hex(const char *s, size_t n, size_t i)
{
    if (i + 2 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') && is_hex(s[i + 2]))
        return 2 + run(s, n, i + 2, is_hex);
    return 0;
}

static size_t m_int(const char *s, size_t n, size_t i)
{
    size_t j = i + (s[i] == '-');
    size_t d = run(s, n, j, is_digit);
    return d ? j - i + d : 0;
}

/* An option name: the name's length in *name_len; the match length counts the blanks and the
 * ']' after it (flex's trailing context). */
static size_t m_name(const char *s, size_t n, size_t i, size_t *name_len)
{
    if (!is_alpha(s[i]))
        return 0;
    size_t r = run(s, n, i, is_namechar);
    if (!is_alpha(s[i + r - 1]) && !is_digit(s[i + r - 1]))
        return 0;
    size_t j = i + r;
    while (j < n && is_blank(s[j]))
        j++;
    if (j >= n || s[j] != ']')
        return 0;
    *name_len = r;
    return j + 1 - i;
}

static size_t m_addr4(const char *s, size_t n, size_t i)
{
    size_t j = i;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (j >= n || s[j] != '.')
                return 0;
            j++;
        }
        size_t d = run(s, n, j, is_digit);
        if (!d)
            return 0;
        j += d;
    }
    return j - i;
}

static size_t m_addr6(const char *s, size_t n, size_t i)
{
    size_t j = i;
    for (int part = 0; part < 2; part++) {
        j += run(s, n, j, is_hex);
        if (j >= n || s[j] != ':')
            return 0;
        j++;
    }
    return j + run(s, n, j, is_addr6char) - i;
}

/* The longest keyword or punctuation at s[i]: its token type in *type. */
static size_t m_keyword(const char *s, size_t n, size_t i, enum eval_tok *type)
{
    static const struct {
        char c;
        enum eval_tok t;
    } punct[] = {
        {'(', TK_LPAREN}, {')', TK_RPAREN}, {'[', TK_LBRACKET}, {']', TK_RBRACKET},
        {'.', TK_DOT}, {',', TK_COMMA}, {'*', TK_ANY}, {'+', TK_PLUS},
    };
    if (i + 1 < n && s[i] == '=' && s[i + 1] == '=') {
        *type = TK_EQUAL;
        return 2;
    }
    size_t best = 0;
    for (size_t k = 0; k < ARRAY_SIZE(keywords); k++) {
        size_t kl = strlen(keywords[k]);
        if (kl > best && kl <= n - i && memcmp(s + i, keywords[k], kl) == 0) {
            best = kl;
            *type = (enum eval_tok)(TK_OPTION + k);
        }
    }
    if (best)
        return best;
    for (size_t k = 0; k < ARRAY_SIZE(punct); k++)
        if (s[i] == punct[k].c) {
            *type = punct[k].t;
            return 1;
        }
    return 0;
}

static eval_token_t lex_error(eval_token_t t, char *err, size_t errlen, const char *fmt, ...)
    NST_PRINTF(4, 5);

static eval_token_t lex_error(eval_token_t t, char *err, size_t errlen, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    errf(err, errlen, NST_ECONFIG, "column %zu: %s", t.pos + 1, msg);
    t.type = TK_ERROR;
    return t;
}

/* At most 60 bytes of the bad text in a message. */
static int shown(size_t len)
{
    return len > 60 ? 60 : (int)len;
}

/* An integer token's value; false when it does not fit in 64 bits (Kea's lexer limit). */
static bool int_value(const char *s, size_t len, int64_t *out)
{
    bool neg = s[0] == '-';
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (size_t k = neg; k < len; k++) {
        unsigned d = (unsigned)(s[k] - '0');
        if (v > (lim - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

eval_token_t eval_lex_next(eval_lexer_t *lx, char *err, size_t errlen)
{
    const char *s = lx->src;
    size_t n = lx->len, i = lx->pos;
    while (i < n && is_blank(s[i]))
        i++;
    eval_token_t t = {.type = TK_END, .pos = i, .text = s + i};
    if (i >= n) {
        lx->pos = i;
        return t;
    }
    if (s[i] == '\'') {
        size_t j = i + 1;
        while (j < n && s[j] != '\'' && s[j] != '\n')
            j++;
        if (j >= n || s[j] != '\'')
            return lex_error(t, err, errlen, "unterminated string %.*s", shown(j - i), s + i);
        t.type = TK_STRING;
        t.len = j + 1 - i;
        t.text = s + i + 1;
        t.vlen = j - i - 1;
        lx->pos = j + 1;
        return t;
    }
    /* Longest match; on a tie the earlier kind. */
    size_t name_len = 0, best = 0;
    enum eval_tok type = TK_ERROR, kw = TK_ERROR;
    size_t cand[] = {m_hex(s, n, i), m_int(s, n, i), m_name(s, n, i, &name_len), m_addr4(s, n, i),
                     m_addr6(s, n, i), m_keyword(s, n, i, &kw)};
    static const enum eval_tok kinds[] = {TK_HEXSTRING, TK_INTEGER, TK_NAME, TK_IPADDR,
                                          TK_IPADDR, TK_ERROR};
    for (size_t k = 0; k < ARRAY_SIZE(cand); k++)
        if (cand[k] > best) {
            best = cand[k];
            type = kinds[k] == TK_ERROR ? kw : kinds[k];
        }
    if (!best && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f)
        return lex_error(t, err, errlen, "invalid character '%c'", s[i]);
    if (!best)
        return lex_error(t, err, errlen, "invalid byte 0x%02x", (unsigned char)s[i]);
    t.type = type;
    t.len = t.vlen = best;
    if (type == TK_NAME) {
        /* The token stops before the ']' (trailing blanks belong to it, not to its value). */
        t.len = best - 1;
        t.vlen = name_len;
    } else if (type == TK_INTEGER) {
        if (!int_value(s + i, best, &t.num))
            return lex_error(t, err, errlen, "integer %.*s is too large", shown(best), s + i);
    } else if (type == TK_IPADDR) {
        char buf[64];
        uint8_t bin[16];
        if (best >= sizeof buf)
            return lex_error(t, err, errlen, "'%.*s' is not an IP address", shown(best), s + i);
        memcpy(buf, s + i, best);
        buf[best] = 0;
        if (inet_pton(AF_INET, buf, bin) != 1 && inet_pton(AF_INET6, buf, bin) != 1)
            return lex_error(t, err, errlen, "'%.*s' is not an IP address", shown(best), s + i);
    }
    lx->pos = i + t.len;
    return t;
}

void eval_tok_describe(const eval_token_t *t, char *out, size_t cap)
{
    if (t->type == TK_END) {
        snprintf(out, cap, "the end of the expression");
        return;
    }
    const char *src = t->type == TK_STRING ? t->text - 1 : t->text;
    size_t len = t->len > 40 ? 40 : t->len;
    snprintf(out, cap, "%s%.*s%s", t->type == TK_STRING ? "" : "'", (int)len, src,
             t->type == TK_STRING ? (t->len > 40 ? "..." : "") : (t->len > 40 ? "...'" : "'"));
}
