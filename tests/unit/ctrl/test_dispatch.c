/* Registry, request validation, dispatch texts and the command framing feed. */
#include "ctrl_test.h"

#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "ctrl/ctrl_feed.h"

static int g_guard_depth, g_enter, g_leave, g_seen_depth;
static json_t *g_last_args;
static bool g_args_null;

static void guard_enter(void *arg)
{
    g_guard_depth++;
    g_enter++;
}

static void guard_leave(void *arg)
{
    g_guard_depth--;
    g_leave++;
}

static json_t *echo(const char *name, json_t *args, void *ud)
{
    g_seen_depth = g_guard_depth;
    g_args_null = args == NULL;
    json_decref(g_last_args);
    g_last_args = args ? json_deep_copy(args) : NULL;
    return cmd_answer(CMD_SUCCESS, "echoed", args ? json_incref(args) : NULL);
}

static json_t *give_null(const char *name, json_t *args, void *ud)
{
    return NULL;
}

/* Dispatches text and returns the serialised answer (malloc'ed). */
static char *run(ct_env_t *e, const char *text)
{
    json_t *a = ctrl_dispatch_text(e->c, text, strlen(text));
    assert_non_null(a);
    char *s = ctrl_answer_dump(a, NULL);
    json_decref(a);
    return s;
}

static void expect(ct_env_t *e, const char *req, int result, const char *text)
{
    char *s = run(e, req);
    ct_check_answer(s, result, text);
    free(s);
}

static void test_unknown_command(void **state)
{
    ct_env_t *e = ct_env_new();
    expect(e, "{\"command\": \"foo-bar\"}", 2, "'foo-bar' command not supported.");
    expect(e, "{\"command\": \"\"}", 2, "'' command not supported.");
    assert_true(ct_logged(e, "COMMAND_RECEIVED", "'foo-bar'"));
    ct_env_free(e);
}

static void test_list_commands(void **state)
{
    ct_env_t *e = ct_env_new();
    assert_int_equal(ctrl_register(e->c, "zeta", echo, NULL), 0);
    assert_int_equal(ctrl_register(e->c, "alpha", echo, NULL), 0);
    assert_int_equal(ctrl_register(e->c, "config-get", echo, NULL), 0);
    char *s = run(e, "{\"command\": \"list-commands\"}");
    assert_string_equal(s, "{\"arguments\": [\"alpha\", \"config-get\", \"list-commands\", "
                           "\"zeta\"], \"result\": 0}");
    free(s);
    assert_int_equal(ctrl_register(e->c, "alpha", echo, NULL), NST_EEXIST);
    assert_int_equal(ctrl_register(e->c, "", echo, NULL), NST_EINVAL);
    assert_int_equal(ctrl_register(e->c, "x", NULL, NULL), NST_EINVAL);
    assert_int_equal(ctrl_unregister(e->c, "alpha"), 0);
    assert_int_equal(ctrl_unregister(e->c, "alpha"), NST_ENOENT);
    assert_int_equal(ctrl_unregister(e->c, "list-commands"), NST_EINVAL);
    s = run(e, "{\"command\": \"list-commands\", \"service\": [\"dhcp4\"]}");
    assert_string_equal(s, "{\"arguments\": [\"config-get\", \"list-commands\", \"zeta\"], "
                           "\"result\": 0}");
    free(s);
    ct_env_free(e);
}

static void test_shape_errors(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_register(e->c, "echo", echo, NULL);
    expect(e, "{\"command\": 1}", 1,
           "Error during command processing: 'command' element in command message is not "
           "a string");
    expect(e, "{\"command\": \"echo\", \"x\": 1}", 1,
           "Error during command processing: Received command contains unsupported "
           "parameter 'x'");
    /* The first offending key in byte order is named, whatever the input order. */
    expect(e, "{\"zz\": 1, \"command\": \"echo\", \"aa\": 2}", 1,
           "Error during command processing: Received command contains unsupported "
           "parameter 'aa'");
    expect(e, "{\"arguments\": {}}", 1,
           "Error during command processing: Invalid answer specified, does not contain "
           "mandatory 'command'");
    expect(e, "{}", 1,
           "Error during command processing: Invalid answer specified, does not contain "
           "mandatory 'command'");
    expect(e, "[1]", 1,
           "Error during command processing: Invalid command Element specified, expected map");
    expect(e, "[]", 1,
           "Error during command processing: Invalid command Element specified, expected map");
    expect(e, "{\"command\": \"echo\", \"arguments\": 5}", 1,
           "Error during command processing: arguments specified for the 'echo' command are "
           "not a map");
    expect(e, "{\"command\": \"echo\", \"arguments\": [1]}", 1,
           "Error during command processing: arguments specified for the 'echo' command are "
           "not a map");
    assert_true(ct_logged(e, "COMMAND_PROCESS_ERROR2", "unsupported parameter 'x'"));
    ct_env_free(e);
}

static void test_accepted_shapes(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_register(e->c, "echo", echo, NULL);
    expect(e, "{\"command\": \"echo\", \"arguments\": null}", 0, "echoed");
    assert_true(g_args_null);
    expect(e, "{\"command\": \"echo\", \"service\": 5, \"remote-address\": \"1.2.3.4\"}", 0,
           "echoed");
    assert_true(g_args_null);
    /* Duplicate keys: the last one wins, as in Kea. */
    expect(e, "{\"command\": \"nope\", \"command\": \"echo\", \"arguments\": {\"a\": 1}}", 0,
           "echoed");
    assert_int_equal(json_integer_value(json_object_get(g_last_args, "a")), 1);
    expect(e, "{\"command\": \"ec\\u0068o\"}", 0, "echoed");
    json_decref(g_last_args);
    g_last_args = NULL;
    ct_env_free(e);
}

static void test_comments(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_register(e->c, "echo", echo, NULL);
    const char *req = "# leading comment\n"
                      "// another\n"
                      "/* block\n * comment */ {\n"
                      "  \"command\": /* inline */ \"echo\", # to end of line\n"
                      "  \"arguments\": { \"s\": \"# not /* a */ comment // here\",\n"
                      "                 \"q\": \"quote \\\" and # \" // tail\n"
                      "  }\n"
                      "} // trailing comment\n  /* and a block */ \n";
    expect(e, req, 0, "echoed");
    assert_string_equal(json_string_value(json_object_get(g_last_args, "s")),
                        "# not /* a */ comment // here");
    assert_string_equal(json_string_value(json_object_get(g_last_args, "q")),
                        "quote \" and # ");
    json_decref(g_last_args);
    g_last_args = NULL;
    ct_env_free(e);
}

static void test_malformed(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_register(e->c, "echo", echo, NULL);
    expect(e, "xyz", 1, "invalid command: invalid first character 'x'");
    expect(e, "\"abc\"", 1, "invalid command: invalid first character '\"'");
    expect(e, "", 1, "invalid command: no JSON object found");
    expect(e, "  # only a comment\n", 1, "invalid command: no JSON object found");
    expect(e, "{\"command\": \"echo\"", 1, "invalid command: incomplete JSON text");
    expect(e, "/x {}", 1, "invalid command: '/' does not start a comment, followed by 'x'");
    expect(e, "{\"command\": \"echo\"} trailing", 1,
           "invalid command: unexpected data after the command: 't'");
    expect(e, "{\"command\": \"echo\"} /* open", 1,
           "invalid command: unterminated comment after the command");
    expect(e, "{\"command\": \"echo\",}", 1,
           "invalid command: JSON syntax error at line 1 column 20: string or '}' expected "
           "near '}'");
    /* Line numbers survive comment stripping. */
    char *s = run(e, "{\n# c\n/* d\n */\n\"command\" \"x\"}");
    assert_non_null(strstr(s, "at line 5 column"));
    free(s);
    /* Invalid UTF-8 and NUL escapes are refused with a valid (ASCII) text. */
    s = run(e, "{\"command\": \"\xff\xfe\"}");
    json_t *j = json_loads(s, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "result")), 1);
    assert_non_null(strstr(json_string_value(json_object_get(j, "text")), "invalid command"));
    json_decref(j);
    free(s);
    expect(e, "{\"command\": \"a\\u0000b\"}", 1,
           "invalid command: JSON syntax error at line 1 column 22: \\u0000 is not allowed "
           "without JSON_ALLOW_NUL near '\"a\\u0000b\"'");
    assert_true(ct_logged(e, "COMMAND_PROCESS_ERROR1", "invalid first character"));
    ct_env_free(e);
}

static void test_guard_and_null(void **state)
{
    ct_env_t *e = ct_env_new();
    ctrl_register(e->c, "echo", echo, NULL);
    ctrl_register(e->c, "null", give_null, NULL);
    ctrl_set_guard(e->c, guard_enter, guard_leave, NULL);
    g_enter = g_leave = 0;
    expect(e, "{\"command\": \"echo\"}", 0, "echoed");
    assert_int_equal(g_seen_depth, 1);
    assert_int_equal(g_enter, 1);
    assert_int_equal(g_leave, 1);
    expect(e, "{\"command\": \"null\"}", 1, "internal server error: no response generated");
    assert_int_equal(g_enter, 2);
    assert_int_equal(g_leave, 2);
    /* Not called for requests that never reach a handler. */
    expect(e, "{\"command\": \"nope\"}", 2, "'nope' command not supported.");
    expect(e, "oops", 1, "invalid command: invalid first character 'o'");
    assert_int_equal(g_enter, 2);
    ctrl_set_guard(e->c, NULL, NULL, NULL);
    expect(e, "{\"command\": \"echo\"}", 0, "echoed");
    assert_int_equal(g_enter, 2);
    assert_int_equal(g_seen_depth, 0);
    ct_env_free(e);
}

static void test_feed_chunks(void **state)
{
    const char *text = " /* c */ {\"a\": [\"}]\\\"\", {\"b\": 1}], # x\n \"c\": \"/\"} rest";
    size_t len = strlen(text);
    size_t end = strstr(text, " rest") - text;
    /* Byte by byte, and every split point in two chunks, give the same result. */
    for (size_t split = 0; split <= len; split++) {
        ctrl_feed_t f;
        ctrl_feed_init(&f);
        size_t used1 = 0, used2 = 0;
        int st = ctrl_feed_push(&f, text, split, &used1);
        if (st == CTRL_FEED_MORE) {
            assert_int_equal(used1, split);
            st = ctrl_feed_push(&f, text + split, len - split, &used2);
        }
        assert_int_equal(st, CTRL_FEED_DONE);
        assert_int_equal(used1 + used2, end);
        assert_int_equal(f.seen, end);
        size_t n;
        const char *out = ctrl_feed_text(&f, &n);
        assert_int_equal(n, end);
        assert_memory_equal(out, "         {\"a\": [\"}]\\\"\", {\"b\": 1}],    \n \"c\": \"/\"}",
                            n);
        /* Further pushes consume nothing. */
        assert_int_equal(ctrl_feed_push(&f, "x", 1, &used1), CTRL_FEED_DONE);
        assert_int_equal(used1, 0);
        ctrl_feed_free(&f);
    }
    ctrl_feed_t f;
    ctrl_feed_init(&f);
    for (size_t i = 0; i < end - 1; i++)
        assert_int_equal(ctrl_feed_push(&f, text + i, 1, NULL), CTRL_FEED_MORE);
    assert_int_equal(ctrl_feed_push(&f, text + end - 1, 1, NULL), CTRL_FEED_DONE);
    ctrl_feed_free(&f);
    ctrl_feed_init(&f);
    assert_int_equal(ctrl_feed_push(&f, "  \x01", 3, NULL), CTRL_FEED_ERROR);
    assert_string_equal(ctrl_feed_error(&f), "invalid first character 0x01");
    assert_int_equal(ctrl_feed_push(&f, "{}", 2, NULL), CTRL_FEED_ERROR);
    ctrl_feed_free(&f);
    char err[96];
    assert_int_equal(ctrl_feed_check_trailer(" # x", 4, err, sizeof err), 0);
    assert_int_equal(ctrl_feed_check_trailer(" {}", 3, err, sizeof err), NST_EMALFORMED);
    assert_string_equal(err, "unexpected data after the command: '{'");
}

int ct_dispatch_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_command),
        cmocka_unit_test(test_list_commands),
        cmocka_unit_test(test_shape_errors),
        cmocka_unit_test(test_accepted_shapes),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_guard_and_null),
        cmocka_unit_test(test_feed_chunks),
    };
    return cmocka_run_group_tests_name("ctrl_dispatch", tests, NULL, NULL);
}
