/* Runs every eval test group (the exit status is the number of failed tests), and the helpers
 * the groups share. */
#include "test_eval.h"

#include <stdio.h>
#include <string.h>

#include "common/errcode.h"

static int opt_code(void *ctx, const char *name, uint16_t *code)
{
    static const struct {
        int family;
        const char *name;
        uint16_t code;
    } opts[] = {
        {4, "host-name", 12}, {4, "vendor-class-identifier", 60}, {4, "dhcp-client-identifier", 61},
        {6, "client-id", 1},
    };
    int family = *(const int *)ctx;
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (opts[i].family == family && strcmp(opts[i].name, name) == 0) {
            *code = opts[i].code;
            return 0;
        }
    return NST_ENOENT;
}

static int class_index(void *ctx, const char *name, unsigned *index)
{
    static const char *const classes[] = {"ALL", "KNOWN", "UNKNOWN", "foo", "bar"};
    (void)ctx;
    for (unsigned i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (strcmp(classes[i], name) == 0) {
            *index = i;
            return 0;
        }
    return NST_ENOENT;
}

static const int four = 4, six = 6;
const eval_names_t test_names4 = {4, opt_code, class_index, (void *)&four, NULL};
const eval_names_t test_names6 = {6, opt_code, class_index, (void *)&six, NULL};

static const fake_opt_t *find(const fake_opt_t *t, size_t n, int nest, uint16_t code)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code && t[i].nest == nest)
            return &t[i];
    return NULL;
}

static bool f_option(const eval_pkt_t *p, uint16_t code, const uint8_t **data, size_t *len)
{
    const fake_pkt_t *f = p->pkt;
    const fake_opt_t *o = find(f->opts, f->n_opts, 0, code);
    if (!o)
        return false;
    *data = o->data;
    *len = o->len;
    return true;
}

static bool f_relay(const eval_pkt_t *p, int nest, uint16_t code, const uint8_t **data, size_t *len)
{
    const fake_pkt_t *f = p->pkt;
    const fake_opt_t *o = find(f->relay, f->n_relay, nest, code);
    if (!o)
        return false;
    *data = o->data;
    *len = o->len;
    return true;
}

static bool f_addr(const eval_pkt_t *p, int nest, bool peer, uint8_t out[16])
{
    const fake_pkt_t *f = p->pkt;
    int level = nest >= 0 ? nest : f->n_levels + nest;
    if (level < 0 || level >= f->n_levels)
        return false;
    memcpy(out, peer ? f->peer[level] : f->link[level], 16);
    return true;
}

static int f_field(const eval_pkt_t *p, enum eval_field fl, uint8_t *out, size_t cap)
{
    const fake_pkt_t *f = p->pkt;
    if (!f->field[fl])
        return -1;
    size_t n = (size_t)f->field_len[fl] < cap ? (size_t)f->field_len[fl] : cap;
    memcpy(out, f->field[fl], n);
    return (int)n;
}

static bool f_in_class(const eval_pkt_t *p, unsigned index)
{
    const fake_pkt_t *f = p->pkt;
    return index < 32 && (f->classes >> index & 1);
}

void fake_view(eval_pkt_t *v, const fake_pkt_t *f)
{
    *v = (eval_pkt_t){.family = f->family, .pkt = f, .option = f_option, .relay_option = f_relay,
                      .relay_addr = f_addr, .field = f_field, .in_class = f_in_class};
}

static eval_t *compile_ok(int family, enum eval_want want, const char *text)
{
    eval_t *e = NULL;
    char err[256] = "";
    int rc = eval_compile(text, want, family == 6 ? &test_names6 : &test_names4, &e, err, sizeof err);
    if (rc != 0)
        print_error("compiling \"%s\": %s\n", text, err);
    assert_int_equal(rc, 0);
    assert_non_null(e);
    return e;
}

bool ev_bool(const eval_pkt_t *v, const char *text)
{
    eval_t *e = compile_ok(v->family, EVAL_BOOL, text);
    bool b = false;
    int rc = eval_bool(e, v, &b);
    if (rc != 0)
        print_error("evaluating \"%s\": %d\n", text, rc);
    assert_int_equal(rc, 0);
    eval_free(e);
    return b;
}

size_t ev_str(const eval_pkt_t *v, const char *text, char *out, size_t cap)
{
    eval_t *e = compile_ok(v->family, EVAL_STRING, text);
    size_t n = 0;
    int rc = eval_string(e, v, (uint8_t *)out, cap - 1, &n);
    if (rc != 0)
        print_error("evaluating \"%s\": %d\n", text, rc);
    assert_int_equal(rc, 0);
    out[n] = 0;
    eval_free(e);
    return n;
}

int ev_rc(const eval_pkt_t *v, enum eval_want want, const char *text)
{
    eval_t *e = compile_ok(v->family, want, text);
    uint8_t buf[64];
    size_t n;
    bool b;
    int rc = want == EVAL_BOOL ? eval_bool(e, v, &b) : eval_string(e, v, buf, sizeof buf, &n);
    eval_free(e);
    return rc;
}

void ev_err(int family, enum eval_want want, const char *text, const char *prefix)
{
    eval_t *e = NULL;
    char err[256] = "";
    int rc = eval_compile(text, want, family == 6 ? &test_names6 : &test_names4, &e, err, sizeof err);
    if (rc == 0 || strncmp(err, prefix, strlen(prefix)) != 0)
        print_error("\"%s\": got rc %d \"%s\", wanted \"%s...\"\n", text, rc, err, prefix);
    assert_int_equal(rc, NST_ECONFIG);
    assert_null(e);
    assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
}

void ev_all(const eval_pkt_t *v, bool want, const char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool b = ev_bool(v, texts[i]);
        if (b != want)
            print_error("\"%s\" is %s\n", texts[i], b ? "true" : "false");
        assert_true(b == want);
    }
}

void ev_str_all(const eval_pkt_t *v, const ev_str_case_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char out[4096];
        ev_str(v, c[i].text, out, sizeof out);
        if (strcmp(out, c[i].want) != 0)
            print_error("\"%s\" is \"%s\", wanted \"%s\"\n", c[i].text, out, c[i].want);
        assert_string_equal(out, c[i].want);
    }
}

void ev_err_all(const ev_err_case_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ev_err(c[i].family, c[i].want, c[i].text, c[i].prefix);
}

int main(void)
{
    int failed = 0;
    failed += test_eval_parse_run();
    failed += test_eval_ops_run();
    failed += test_eval_pkt4_run();
    failed += test_eval_text4_run();
    return failed;
}
