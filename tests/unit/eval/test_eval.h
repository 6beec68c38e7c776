/* The eval unit test executable: one cmocka group per source file, and the helpers they share
 * (name resolution, a fake packet view, compile-and-evaluate shortcuts). */
#ifndef NESTOR_TEST_EVAL_H
#define NESTOR_TEST_EVAL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "eval/eval.h"

int test_eval_parse_run(void);
int test_eval_ops_run(void);
int test_eval_pkt4_run(void);
int test_eval_text4_run(void);

/* Names every test resolves: options "host-name" 12, "vendor-class-identifier" 60,
 * "dhcp-client-identifier" 61 (v6: "client-id" 1); classes ALL 0, KNOWN 1, UNKNOWN 2, foo 3,
 * bar 4. */
extern const eval_names_t test_names4, test_names6;

/* A packet view from tables, for both families. */
typedef struct fake_opt {
    int nest;             /* relay options: the nest level as the view receives it */
    uint16_t code;
    const void *data;
    size_t len;
} fake_opt_t;

typedef struct fake_pkt {
    int family;
    fake_opt_t opts[16], relay[16];
    size_t n_opts, n_relay;
    uint8_t peer[4][16], link[4][16];   /* relay levels 0..n_levels-1 */
    int n_levels;
    const void *field[EVAL_FIELD__COUNT];
    int field_len[EVAL_FIELD__COUNT];   /* 0 with field NULL: the packet has none */
    uint32_t classes;                   /* bit i: in class i */
} fake_pkt_t;

void fake_view(eval_pkt_t *v, const fake_pkt_t *f);

/* Compiles text (asserting success) and evaluates it on v. */
bool ev_bool(const eval_pkt_t *v, const char *text);
/* Same for a string expression: the value into out (NUL-terminated), its length returned. */
size_t ev_str(const eval_pkt_t *v, const char *text, char *out, size_t cap);
/* The evaluation's return code (the text must compile). */
int ev_rc(const eval_pkt_t *v, enum eval_want want, const char *text);
/* Asserts that text does not compile for family, with an error starting with prefix. */
void ev_err(int family, enum eval_want want, const char *text, const char *prefix);

/* Asserts that each boolean expression gives want on v (naming the one that does not). */
void ev_all(const eval_pkt_t *v, bool want, const char *const *texts, size_t n);
#define EV_LIST(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *)
#define EV_TRUE(v, ...) ev_all((v), true, EV_LIST(__VA_ARGS__))
#define EV_FALSE(v, ...) ev_all((v), false, EV_LIST(__VA_ARGS__))

/* String expressions and the values they give on v (text without NUL bytes). */
typedef struct ev_str_case {
    const char *text, *want;
} ev_str_case_t;
void ev_str_all(const eval_pkt_t *v, const ev_str_case_t *c, size_t n);
#define EV_STRS(v, ...) ev_str_all((v), (const ev_str_case_t[]){__VA_ARGS__}, sizeof((const ev_str_case_t[]){__VA_ARGS__}) / sizeof(ev_str_case_t))

/* Compile errors: each text fails for its family with an error starting with prefix. */
typedef struct ev_err_case {
    int family;
    enum eval_want want;
    const char *text, *prefix;
} ev_err_case_t;
void ev_err_all(const ev_err_case_t *c, size_t n);
#define EV_ERRS(...) ev_err_all((const ev_err_case_t[]){__VA_ARGS__}, sizeof((const ev_err_case_t[]){__VA_ARGS__}) / sizeof(ev_err_case_t))

#define assert_str_value(v, text, want)                                                            \
    do {                                                                                           \
        char buf_[4096];                                                                           \
        size_t n_ = ev_str((v), (text), buf_, sizeof buf_);                                        \
        assert_int_equal(n_, sizeof(want) - 1);                                                    \
        assert_memory_equal(buf_, (want), n_);                                                     \
    } while (0)

#endif
