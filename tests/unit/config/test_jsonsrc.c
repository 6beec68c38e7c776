/* Unit tests for src/config/jsonsrc: comments, includes, extra commas, error positions,
 * locating, hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errcode.h"
#include "config/jsonsrc.h"

static char tmpdir[256];

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    for (char *q = path + strlen(tmpdir) + 1; (q = strchr(q, '/')); q++) {
        *q = '\0';
        mkdir(path, 0700);
        *q = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *tpath(const char *rel)
{
    static char path[4][512];
    static int n;
    char *p = path[n++ % 4];
    snprintf(p, 512, "%s/%s", tmpdir, rel);
    return p;
}

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nst-jsonsrc-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void assert_at(const jsonsrc_t *s, const char *path, const char *file, int line, int col)
{
    const char *f = NULL;
    int l = 0, c = 0;
    assert_int_equal(jsonsrc_locate(s, path, &f, &l, &c), 0);
    assert_string_equal(f, file);
    assert_int_equal(l, line);
    assert_int_equal(c, col);
}

static void test_comments(void **state)
{
    (void)state;
    const char *text = "{ # hash comment \"x\n"
                       "  \"a\": \"x#y//z/*w*/\", // slash comment {\n"
                       "  \"b\": /* block\n"
                       "  comment ] */ 17,\n"
                       "  \"c\": \"<?include \\\"nope\\\"?>\"\n"
                       "}\n";
    jsonsrc_t *s;
    char err[256];
    assert_int_equal(jsonsrc_load_string(text, "t.json", &s, err, sizeof err), 0);
    json_t *r = jsonsrc_root(s);
    assert_string_equal(json_string_value(json_object_get(r, "a")), "x#y//z/*w*/");
    assert_int_equal(json_integer_value(json_object_get(r, "b")), 17);
    assert_string_equal(json_string_value(json_object_get(r, "c")), "<?include \"nope\"?>");
    assert_int_equal(json_object_size(r), 3);
    assert_at(s, "/b", "t.json", 3, 3);
    assert_at(s, "/c", "t.json", 5, 3);
    assert_int_equal(jsonsrc_warning_count(s), 0);
    jsonsrc_free(s);
}

/* Kea reads a number written ".5" as 0.5 (also "-.5", in lists); a dot inside a string or after
 * a digit is left alone, and positions after the inserted zero are still right. */
static void test_leading_dot_numbers(void **state)
{
    (void)state;
    const char *text = "{\"a\": .5, \"b\":-.25,\n"
                       " \"c\": [.5,1.5], \"d\": \"x.5\", \"e\": 7}\n";
    jsonsrc_t *s;
    char err[256];
    assert_int_equal(jsonsrc_load_string(text, "t.json", &s, err, sizeof err), 0);
    json_t *r = jsonsrc_root(s);
    assert_true(json_real_value(json_object_get(r, "a")) == 0.5);
    assert_true(json_real_value(json_object_get(r, "b")) == -0.25);
    assert_true(json_real_value(json_array_get(json_object_get(r, "c"), 0)) == 0.5);
    assert_true(json_real_value(json_array_get(json_object_get(r, "c"), 1)) == 1.5);
    assert_string_equal(json_string_value(json_object_get(r, "d")), "x.5");
    assert_at(s, "/e", "t.json", 2, 29);
    jsonsrc_free(s);
}

static void test_extra_commas(void **state)
{
    (void)state;
    jsonsrc_t *s;
    char err[256];
    /* Kea 2.2 accepts these with a warning each. */
    assert_int_equal(jsonsrc_load_string("{\"a\": [1, 2,],\n \"b\": {\"c\": 1,,},}", "c.json",
                                         &s, err, sizeof err), 0);
    assert_int_equal(jsonsrc_warning_count(s), 4);
    assert_string_equal(jsonsrc_warning(s, 0), "c.json:1:12: extraneous comma ignored; "
                                               "a part of the configuration may be missing");
    assert_true(strncmp(jsonsrc_warning(s, 1), "c.json:2:14: ", 13) == 0);
    assert_true(strncmp(jsonsrc_warning(s, 2), "c.json:2:15: ", 13) == 0);
    assert_true(strncmp(jsonsrc_warning(s, 3), "c.json:2:17: ", 13) == 0);
    assert_null(jsonsrc_warning(s, 4));
    assert_int_equal(json_array_size(json_object_get(jsonsrc_root(s), "a")), 2);
    jsonsrc_free(s);
    /* A comma in the middle of two commas: the first is dropped. */
    assert_int_equal(jsonsrc_load_string("[1,,2]", NULL, &s, err, sizeof err), 0);
    assert_int_equal(json_array_size(jsonsrc_root(s)), 2);
    assert_int_equal(jsonsrc_warning_count(s), 1);
    jsonsrc_free(s);
    /* But not right after an opening bracket (Kea: syntax error). */
    assert_int_equal(jsonsrc_load_string("{ , }", "e.json", &s, err, sizeof err),
                     NST_EMALFORMED);
    assert_null(s);
    assert_string_equal(err, "e.json:1:3: string or '}' expected near ','");
    assert_int_equal(jsonsrc_load_string("[\n ,1]", "e.json", &s, err, sizeof err),
                     NST_EMALFORMED);
    assert_string_equal(err, "e.json:2:2: unexpected token near ','");
}

static void test_includes(void **state)
{
    (void)state;
    write_file("inc/main.json", "{\n"
                                "  \"Dhcp4\": {\n"
                                "    <?include \"sub/part.json\"?>,\n"
                                "    \"after\": 2\n"
                                "  }\n"
                                "}\n");
    write_file("inc/sub/part.json", "# part\n"
                                    "\"x\": <?include \"leaf.json\"?>,\n"
                                    "\"y\": true\n");
    write_file("inc/sub/leaf.json", "\n  { \"deep\": [ 1, \"two\" ] }");
    jsonsrc_t *s;
    char err[512];
    char main_path[512];
    snprintf(main_path, sizeof main_path, "%s", tpath("inc/main.json"));
    assert_int_equal(jsonsrc_load_file(main_path, &s, err, sizeof err), 0);
    json_t *d = json_object_get(jsonsrc_root(s), "Dhcp4");
    assert_int_equal(json_integer_value(json_object_get(d, "after")), 2);
    assert_true(json_is_true(json_object_get(d, "y")));
    assert_at(s, "/Dhcp4", main_path, 2, 3);
    assert_at(s, "/Dhcp4/x", tpath("inc/sub/part.json"), 2, 1);
    assert_at(s, "/Dhcp4/y", tpath("inc/sub/part.json"), 3, 1);
    assert_at(s, "/Dhcp4/x/deep", tpath("inc/sub/leaf.json"), 2, 5);
    assert_at(s, "/Dhcp4/x/deep/1", tpath("inc/sub/leaf.json"), 2, 18);
    assert_at(s, "/Dhcp4/after", main_path, 4, 5);
    assert_string_equal(jsonsrc_name(s), main_path);
    jsonsrc_free(s);
}

static void test_include_errors(void **state)
{
    (void)state;
    jsonsrc_t *s;
    char err[512], want[512];
    /* Missing include names the file and the including file:line:col. */
    write_file("miss/main.json", "{\n  \"a\": 1,\n   <?include \"nope.json\"?>\n}\n");
    assert_int_equal(jsonsrc_load_file(tpath("miss/main.json"), &s, err, sizeof err),
                     NST_ENOENT);
    assert_null(s);
    snprintf(want, sizeof want, "%s:3:4: cannot open include file %s: No such file or directory",
             tpath("miss/main.json"), tpath("miss/nope.json"));
    assert_string_equal(err, want);
    /* Cycle a -> b -> a. */
    write_file("cyc/a.json", "{ <?include \"b.json\"?> }");
    write_file("cyc/b.json", "\"k\": 1,\n <?include \"a.json\"?>");
    assert_int_equal(jsonsrc_load_file(tpath("cyc/a.json"), &s, err, sizeof err), -ELOOP);
    snprintf(want, sizeof want, "%s:2:2: include cycle: %s is already being included",
             tpath("cyc/b.json"), tpath("cyc/a.json"));
    assert_string_equal(err, want);
    /* Depth limit: 12 nested includes fail, 11 pass (as Kea 2.2). */
    for (int i = 1; i <= 12; i++) {
        char name[32], text[64];
        snprintf(name, sizeof name, "deep/d%d.json", i);
        if (i < 12)
            snprintf(text, sizeof text, "<?include \"d%d.json\"?>", i + 1);
        else
            snprintf(text, sizeof text, "\"v\": 1");
        write_file(name, text);
    }
    write_file("deep/ok.json", "{ <?include \"d2.json\"?> }");
    write_file("deep/bad.json", "{ <?include \"d1.json\"?> }");
    assert_int_equal(jsonsrc_load_file(tpath("deep/ok.json"), &s, err, sizeof err), 0);
    jsonsrc_free(s);
    assert_int_equal(jsonsrc_load_file(tpath("deep/bad.json"), &s, err, sizeof err),
                     NST_ERANGE);
    assert_non_null(strstr(err, "d11.json:1:1: too many nested includes (limit 11)"));
    /* Malformed and forbidden directives. */
    assert_int_equal(jsonsrc_load_string("{ <?include \"x.json\" }", "m.json", &s, err,
                                         sizeof err), NST_EMALFORMED);
    assert_string_equal(err, "m.json:1:3: malformed include directive "
                             "(expected <?include \"file\"?>)");
    assert_int_equal(jsonsrc_load_buffer("{\n<?include \"/etc/passwd\"?>}", 27, "n.json",
                                         JSONSRC_NO_INCLUDE, &s, err, sizeof err),
                     NST_EMALFORMED);
    assert_string_equal(err, "n.json:2:1: include directives are not allowed");
    /* A directory is not a file. */
    write_file("dir/sub/x", "");
    write_file("dir/main.json", "{ <?include \"sub\"?> }");
    assert_int_equal(jsonsrc_load_file(tpath("dir/main.json"), &s, err, sizeof err), NST_EIO);
    assert_non_null(strstr(err, "main.json:1:3: cannot open include file"));
    assert_non_null(strstr(err, "Is a directory"));
    /* Missing top-level file. */
    assert_int_equal(jsonsrc_load_file(tpath("none.json"), &s, err, sizeof err), NST_ENOENT);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", tpath("none.json"));
    assert_string_equal(err, want);
}

static void test_error_positions(void **state)
{
    (void)state;
    jsonsrc_t *s;
    char err[512], want[512];
    /* Error inside an included file is reported against that file. */
    write_file("perr/main.json", "{\n  /* c */ \"a\": {\n <?include \"bad.json\"?> },\n"
                                 "  \"b\": 1 }\n");
    write_file("perr/bad.json", "\"ok\": 1,\n\"vl\": 40x00\n");
    assert_int_equal(jsonsrc_load_file(tpath("perr/main.json"), &s, err, sizeof err),
                     NST_EMALFORMED);
    snprintf(want, sizeof want, "%s:2:9: '}' expected near 'x'", tpath("perr/bad.json"));
    assert_string_equal(err, want);
    /* Error in the main file after the include is mapped back past the spliced text. */
    write_file("perr/good.json", "\"ok\": 1,\n\"vl\": 4000\n");
    write_file("perr/main2.json", "{ \"a\": { <?include \"good.json\"?> }, # x\n"
                                  "  \"b\": @ }\n");
    assert_int_equal(jsonsrc_load_file(tpath("perr/main2.json"), &s, err, sizeof err),
                     NST_EMALFORMED);
    snprintf(want, sizeof want, "%s:2:8: invalid token near '@'", tpath("perr/main2.json"));
    assert_string_equal(err, want);
    /* Unexpected end of text. */
    assert_int_equal(jsonsrc_load_string("{ \"a\": 1\n", "eof.json", &s, err, sizeof err),
                     NST_EMALFORMED);
    assert_string_equal(err, "eof.json:2:1: '}' expected near end of file");
    /* Duplicate keys are rejected (as Kea 2.2), naming the first occurrence. */
    assert_int_equal(jsonsrc_load_string("{ \"x\": { \"a\": 1,\n \"a\": 2 } }", "dup.json",
                                         &s, err, sizeof err), NST_EMALFORMED);
    assert_string_equal(err, "dup.json:2:2: duplicate key \"a\" (previous at dup.json:1:10)");
    /* Newline inside a string. */
    assert_int_equal(jsonsrc_load_string("{ \"a\": \"abc\n\" }", "nl.json", &s, err,
                                         sizeof err), NST_EMALFORMED);
    assert_string_equal(err, "nl.json:1:8: unterminated string");
}

static void test_locate(void **state)
{
    (void)state;
    const char *text = "{\n"
                       " \"Dhcp4\": {\n"
                       "  \"subnet4\": [\n"
                       "   { \"id\": 1, \"pools\": [ { \"pool\": \"10.0.0.1-10.0.0.9\" },\n"
                       "                         { \"pool\": \"10.0.1.1-10.0.1.9\" } ] },\n"
                       "   { \"id\": 2, \"flag\": null }\n"
                       "  ],\n"
                       "  \"a/b\": { \"c~d\": 1, \"\\u00e9t\\u00e9\": [] }\n"
                       " }\n"
                       "}";
    jsonsrc_t *s;
    char err[256], buf[128];
    assert_int_equal(jsonsrc_load_string(text, "cfg.json", &s, err, sizeof err), 0);
    assert_at(s, "", "cfg.json", 1, 1);
    assert_at(s, "/", "cfg.json", 1, 1);
    assert_at(s, "/Dhcp4/subnet4/0/pools/1/pool", "cfg.json", 5, 28);
    assert_at(s, "Dhcp4/subnet4/0/pools/1", "cfg.json", 5, 26);
    assert_at(s, "/Dhcp4/subnet4/1", "cfg.json", 6, 4);
    assert_at(s, "/Dhcp4/subnet4/1/flag", "cfg.json", 6, 15);
    assert_at(s, "/Dhcp4/subnet4/0/id", "cfg.json", 4, 6);
    assert_at(s, "/Dhcp4/a~1b/c~0d", "cfg.json", 8, 12);
    assert_at(s, "/Dhcp4/a~1b/\xc3\xa9t\xc3\xa9", "cfg.json", 8, 22);
    const char *f;
    int l, c;
    assert_int_equal(jsonsrc_locate(s, "/Dhcp4/subnet4/2", &f, &l, &c), NST_ENOENT);
    assert_int_equal(jsonsrc_locate(s, "/Dhcp4/nope", &f, &l, &c), NST_ENOENT);
    assert_int_equal(jsonsrc_locate(s, "/Dhcp4/subnet4/x", &f, &l, &c), NST_ENOENT);
    assert_int_equal(jsonsrc_locate(s, "/Dhcp4/subnet4/-1", &f, &l, &c), NST_ENOENT);
    assert_int_equal(jsonsrc_locate(s, "/Dhcp4/subnet4/0/id/x", &f, &l, &c), NST_ENOENT);
    assert_string_equal(jsonsrc_where(s, "/Dhcp4/subnet4/1/id", buf, sizeof buf),
                        "cfg.json:6:6");
    assert_string_equal(jsonsrc_where(s, "/nope", buf, sizeof buf), "cfg.json");
    /* Node-based lookups. */
    json_t *subs = json_object_get(json_object_get(jsonsrc_root(s), "Dhcp4"), "subnet4");
    json_t *s0 = json_array_get(subs, 0);
    assert_int_equal(jsonsrc_locate_node(s, subs, &f, &l, &c), 0);
    assert_int_equal(l, 3);
    assert_int_equal(c, 3);
    assert_int_equal(jsonsrc_locate_node(s, s0, &f, &l, &c), 0);
    assert_int_equal(l, 4);
    assert_int_equal(c, 4);
    assert_int_equal(jsonsrc_locate_node(s, json_object_get(s0, "id"), &f, &l, &c),
                     NST_ENOENT);
    assert_int_equal(jsonsrc_locate_member(s, s0, "pools", &f, &l, &c), 0);
    assert_int_equal(c, 15);
    assert_int_equal(jsonsrc_locate_index(s, subs, 1, &f, &l, &c), 0);
    assert_int_equal(l, 6);
    assert_string_equal(jsonsrc_where_member(s, json_array_get(subs, 1), "flag", buf,
                                             sizeof buf), "cfg.json:6:15");
    /* Unknown member falls back to the object itself. */
    assert_string_equal(jsonsrc_where_member(s, json_array_get(subs, 1), "zzz", buf,
                                             sizeof buf), "cfg.json:6:4");
    assert_string_equal(jsonsrc_where_node(s, s0, buf, sizeof buf), "cfg.json:4:4");
    /* Positions survive edits of the tree; added members have none. */
    json_object_set_new(s0, "added", json_true());
    json_array_remove(subs, 1);
    assert_string_equal(jsonsrc_where_member(s, s0, "added", buf, sizeof buf), "cfg.json:4:4");
    assert_at(s, "/Dhcp4/subnet4/0/pools/1/pool", "cfg.json", 5, 28);
    jsonsrc_free(s);
}

static void test_hostile(void **state)
{
    (void)state;
    jsonsrc_t *s;
    char err[256];
    assert_int_equal(jsonsrc_load_string("{ \"a\": 1 } /* never", "h.json", &s, err,
                                         sizeof err), NST_EMALFORMED);
    assert_string_equal(err, "h.json:1:12: comment not closed");
    assert_int_equal(jsonsrc_load_string("{ \"a\": 1 } /", "h.json", &s, err, sizeof err),
                     NST_EMALFORMED);
    assert_int_equal(jsonsrc_load_string("{ \"a\": \"1", "h.json", &s, err, sizeof err),
                     NST_EMALFORMED);
    assert_string_equal(err, "h.json:1:8: unterminated string");
    assert_int_equal(jsonsrc_load_string("{ \"a\": \"1\\", "h.json", &s, err, sizeof err),
                     NST_EMALFORMED);
    assert_int_equal(jsonsrc_load_string("<?", "h.json", &s, err, sizeof err), NST_EMALFORMED);
    assert_int_equal(jsonsrc_load_string("<?include \"", "h.json", &s, err, sizeof err),
                     NST_EMALFORMED);
    assert_int_equal(jsonsrc_load_string("", "h.json", &s, err, sizeof err), NST_EMALFORMED);
    assert_string_equal(err, "h.json:1:1: '[' or '{' expected near end of file");
    assert_int_equal(jsonsrc_load_buffer("{\"a\":\0}", 7, "z.json", 0, &s, err, sizeof err),
                     NST_EMALFORMED);
    assert_int_equal(jsonsrc_load_string("{\"\\u0000\": 1}", "z.json", &s, err, sizeof err),
                     NST_EMALFORMED);
    /* Deep nesting: jansson's depth limit, no recursion here. */
    size_t n = 100000;
    char *deep = malloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    assert_int_equal(jsonsrc_load_string(deep, "d.json", &s, err, sizeof err), NST_EMALFORMED);
    assert_non_null(strstr(err, "maximum parsing depth reached"));
    /* 2000 levels are fine and indexed iteratively. */
    memmove(deep + 2000, deep + 2 * n - 2000, 2001);
    assert_int_equal(jsonsrc_load_string(deep, "d.json", &s, err, sizeof err), 0);
    assert_at(s, "/0/0/0", "d.json", 1, 4);
    jsonsrc_free(s);
    free(deep);
    /* Over the size limit. */
    size_t big = JSONSRC_MAX_TEXT + 1;
    char *huge = calloc(1, big);
    assert_non_null(huge);
    assert_int_equal(jsonsrc_load_buffer(huge, big, "big.json", 0, &s, err, sizeof err),
                     NST_ERANGE);
    free(huge);
    /* Tiny error buffer: truncated, NUL-terminated. */
    char tiny[8];
    assert_int_equal(jsonsrc_load_string("{", "t.json", &s, tiny, sizeof tiny), NST_EMALFORMED);
    assert_string_equal(tiny, "t.json:");
}

static void test_strip_comments(void **state)
{
    (void)state;
    const char *in = "{ \"command\": \"x#y\", # c\n \"arguments\": /* a\nb */ {} // e\n}";
    size_t len;
    char err[128];
    char *out = jsonsrc_strip_comments(in, strlen(in), &len, err, sizeof err);
    assert_non_null(out);
    assert_int_equal(len, strlen(in));
    assert_string_equal(out, "{ \"command\": \"x#y\",    \n \"arguments\":     \n     {}     \n}");
    free(out);
    out = jsonsrc_strip_comments("{ /* x", 6, &len, err, sizeof err);
    assert_null(out);
    assert_string_equal(err, "1:3: comment not closed");
    /* Unterminated strings and directives are left for the JSON parser. */
    out = jsonsrc_strip_comments("\"ab # c", 7, NULL, err, sizeof err);
    assert_string_equal(out, "\"ab # c");
    free(out);
    out = jsonsrc_strip_comments("<?include \"f\"?>", 15, NULL, err, sizeof err);
    assert_string_equal(out, "<?include \"f\"?>");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_extra_commas),
        cmocka_unit_test(test_leading_dot_numbers),
        cmocka_unit_test(test_includes),
        cmocka_unit_test(test_include_errors),
        cmocka_unit_test(test_error_positions),
        cmocka_unit_test(test_locate),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_strip_comments),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
