/* Unit tests for src/stats: values, presence, command answers (shapes and texts), threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "stats/stats_int.h"

static int reset_stats(void **state)
{
    (void)state;
    stats_shutdown();
    return 0;
}

/* Runs a handler on JSON-text arguments (NULL = none) and returns the answer. */
static json_t *run(cmd_handler_fn fn, const char *args)
{
    json_t *a = args ? json_loads(args, JSON_DECODE_ANY, NULL) : NULL;
    if (args)
        assert_non_null(a);
    json_t *answer = fn("cmd", a, NULL);
    json_decref(a);
    assert_non_null(answer);
    return answer;
}

/* Checks {"result": result, "text": text} with no arguments; frees the answer. */
static void expect_text(json_t *answer, int result, const char *text)
{
    assert_int_equal(json_integer_value(json_object_get(answer, "result")), result);
    assert_string_equal(json_string_value(json_object_get(answer, "text")), text);
    assert_null(json_object_get(answer, "arguments"));
    assert_int_equal(json_object_size(answer), 2);
    json_decref(answer);
}

static bool is_timestamp(const char *s)
{
    const char *shape = "dddd-dd-dd dd:dd:dd.dddddd";
    if (!s || strlen(s) != strlen(shape))
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return false;
    return true;
}

/* Checks that samples is [[value, "timestamp"]]. */
static void expect_sample(const json_t *samples, json_int_t value)
{
    assert_true(json_is_array(samples));
    assert_int_equal(json_array_size(samples), 1);
    const json_t *s = json_array_get(samples, 0);
    assert_int_equal(json_array_size(s), 2);
    assert_true(json_is_integer(json_array_get(s, 0)));
    assert_int_equal(json_integer_value(json_array_get(s, 0)), value);
    assert_true(is_timestamp(json_string_value(json_array_get(s, 1))));
}

/* The samples newest first: n of them, with these values, timestamps not getting newer. */
static void expect_values(const json_t *samples, size_t n, const json_int_t *values)
{
    assert_true(json_is_array(samples));
    assert_int_equal(json_array_size(samples), n);
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(samples, i);
        assert_int_equal(json_integer_value(json_array_get(s, 0)), values[i]);
        const char *when = json_string_value(json_array_get(s, 1));
        assert_true(is_timestamp(when));
        if (i)
            assert_true(strcmp(when, json_string_value(json_array_get(json_array_get(samples, i - 1), 1))) <= 0);
    }
}

static json_t *samples_of(const char *name)
{
    json_t *all = stats_get_json(name);
    json_t *v = json_incref(json_object_get(all, name));
    json_decref(all);
    return v;
}

static void test_history(void **state)
{
    (void)state;
    /* Kea's default: the 20 newest samples, newest first; one sample per update */
    stat_t *s = stats_declare("pkt4-received");
    stats_tick();
    stat_set(s, 0);
    for (int i = 0; i < 25; i++)
        stat_add(s, 1);
    json_int_t want[20];
    for (int i = 0; i < 20; i++)
        want[i] = 25 - i;
    json_t *v = samples_of("pkt4-received");
    expect_values(v, 20, want);
    json_decref(v);
    /* a smaller count drops the older samples at once (for good, as Kea); a larger one grows */
    assert_int_equal(stats_set_limits("pkt4-received", 3, -1), 0);
    v = samples_of("pkt4-received");
    expect_values(v, 3, want);
    json_decref(v);
    assert_int_equal(stats_set_limits("pkt4-received", 30, -1), 0);
    for (int i = 0; i < 5; i++)
        stat_add(s, 1);
    json_int_t grown[8];
    for (int i = 0; i < 8; i++)
        grown[i] = 30 - i;
    v = samples_of("pkt4-received");
    expect_values(v, 8, grown);
    json_decref(v);
    /* an age limit: every sample within that many seconds of the newest */
    assert_int_equal(stats_set_limits("pkt4-received", -1, 60), 0);
    stat_add(s, 1);
    v = samples_of("pkt4-received");
    assert_int_equal(json_array_size(v), 9);
    assert_int_equal(json_integer_value(json_array_get(json_array_get(v, 0), 0)), 31);
    json_decref(v);
    /* reset: one sample 0; remove: absent, then a fresh history */
    assert_int_equal(stats_reset("pkt4-received"), 0);
    v = samples_of("pkt4-received");
    expect_values(v, 1, (json_int_t[]){0});
    json_decref(v);
    assert_int_equal(stats_remove("pkt4-received"), 0);
    stat_add(s, 1);
    v = samples_of("pkt4-received");
    expect_values(v, 1, (json_int_t[]){1});
    json_decref(v);
    /* new statistics take the default limits, which the configuration may change */
    stats_set_default_limits(2, 0);
    stat_t *t = stats_declare("pkt4-sent");
    for (int i = 0; i < 4; i++)
        stat_add(t, 1);
    v = samples_of("pkt4-sent");
    expect_values(v, 2, (json_int_t[]){4, 3});
    json_decref(v);
}

static void test_values(void **state)
{
    (void)state;
    stat_t *a = stats_declare("pkt4-received");
    assert_ptr_equal(stats_declare("pkt4-received"), a);
    assert_ptr_equal(stats_find("pkt4-received"), a);
    assert_null(stats_find("nope"));
    assert_string_equal(stat_name(a), "pkt4-received");
    assert_false(stat_present(a));
    stat_add(a, 1);
    stat_add(a, 41);
    assert_true(stat_present(a));
    assert_int_equal(stat_value(a), 42);
    stat_set(a, -5);
    assert_int_equal(stat_value(a), -5);
    stats_add("subnet[1].assigned-addresses", 3);
    stats_set("subnet[1].total-addresses", 256);
    assert_int_equal(stat_value(stats_find("subnet[1].assigned-addresses")), 3);
    assert_int_equal(stats_remove_prefix("subnet[1]."), 2);
    assert_false(stat_present(stats_find("subnet[1].total-addresses")));
    assert_int_equal(stats_remove("subnet[1].total-addresses"), NST_ENOENT);
}

static void test_get(void **state)
{
    (void)state;
    stat_t *s = stats_declare("declined-addresses");
    /* Declared but never set: absent, as in Kea. */
    json_t *ans = run(stats_cmd_get, "{\"name\": \"declined-addresses\"}");
    assert_int_equal(json_integer_value(json_object_get(ans, "result")), 0);
    assert_null(json_object_get(ans, "text"));
    assert_int_equal(json_object_size(json_object_get(ans, "arguments")), 0);
    json_decref(ans);
    stats_tick();
    stat_set(s, 0);
    stat_add(s, 7);
    ans = run(stats_cmd_get, "{\"name\": \"declined-addresses\"}");
    assert_int_equal(json_object_size(ans), 2);
    assert_int_equal(json_integer_value(json_object_get(ans, "result")), 0);
    json_t *args = json_object_get(ans, "arguments");
    assert_int_equal(json_object_size(args), 1);
    expect_values(json_object_get(args, "declined-addresses"), 2, (json_int_t[]){7, 0});
    json_decref(ans);
    /* Argument errors, with Kea's texts. */
    expect_text(run(stats_cmd_get, NULL), 1, "Missing mandatory 'name' parameter.");
    expect_text(run(stats_cmd_get, "{}"), 1, "Missing mandatory 'name' parameter.");
    expect_text(run(stats_cmd_get, "[1]"), 1, "Missing mandatory 'name' parameter.");
    expect_text(run(stats_cmd_get, "{\"name\": 5}"), 1,
                "'name' parameter expected to be a string.");
}

static void test_get_all(void **state)
{
    (void)state;
    stats_declare("zeta");
    stats_set("pkt4-sent", 2);
    stats_set("cumulative-assigned-addresses", 0);
    stats_set("subnet[1].assigned-addresses", 1);
    json_t *ans = run(stats_cmd_get_all, NULL);
    assert_int_equal(json_object_size(ans), 2);
    assert_int_equal(json_integer_value(json_object_get(ans, "result")), 0);
    json_t *args = json_object_get(ans, "arguments");
    assert_int_equal(json_object_size(args), 3);
    /* Sorted by name, like Kea's std::map. */
    const char *order[] = {"cumulative-assigned-addresses", "pkt4-sent",
                           "subnet[1].assigned-addresses"};
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(args, key, v) {
        assert_string_equal(key, order[i++]);
    }
    expect_sample(json_object_get(args, "pkt4-sent"), 2);
    json_decref(ans);
}

static void test_reset_remove(void **state)
{
    (void)state;
    stat_t *s = stats_declare("pkt4-ack-sent");
    stat_add(s, 10);
    expect_text(run(stats_cmd_reset, "{\"name\": \"pkt4-ack-sent\"}"), 0,
                "Statistic 'pkt4-ack-sent' reset.");
    assert_int_equal(stat_value(s), 0);
    assert_true(stat_present(s));
    expect_text(run(stats_cmd_reset, "{\"name\": \"nope\"}"), 1, "No 'nope' statistic found");
    expect_text(run(stats_cmd_reset, NULL), 1, "Missing mandatory 'name' parameter.");
    stat_add(s, 5);
    expect_text(run(stats_cmd_remove, "{\"name\": \"pkt4-ack-sent\"}"), 0,
                "Statistic 'pkt4-ack-sent' removed.");
    assert_false(stat_present(s));
    expect_text(run(stats_cmd_remove, "{\"name\": \"pkt4-ack-sent\"}"), 1,
                "No 'pkt4-ack-sent' statistic found");
    expect_text(run(stats_cmd_remove, "{\"name\": true}"), 1,
                "'name' parameter expected to be a string.");
    json_t *ans = run(stats_cmd_get, "{\"name\": \"pkt4-ack-sent\"}");
    assert_int_equal(json_object_size(json_object_get(ans, "arguments")), 0);
    json_decref(ans);
    /* The handle survives; the next increment recreates it from 0. */
    stat_add(s, 1);
    assert_true(stat_present(s));
    assert_int_equal(stat_value(s), 1);

    stats_set("a", 3);
    stats_set("b", 4);
    expect_text(run(stats_cmd_reset_all, "{\"x\": 1}"), 0,
                "All statistics reset to neutral values.");
    assert_int_equal(stat_value(stats_find("b")), 0);
    assert_true(stat_present(stats_find("b")));
    expect_text(run(stats_cmd_remove_all, NULL), 0,
                "Warning: statistic-remove-all command is deprecated. All statistics removed.");
    ans = run(stats_cmd_get_all, NULL);
    assert_int_equal(json_object_size(json_object_get(ans, "arguments")), 0);
    json_decref(ans);
}

static void test_sample_limits(void **state)
{
    (void)state;
    stats_set("pkt4-sent", 1);
    expect_text(run(stats_cmd_sample_age_set, "{\"name\": \"pkt4-sent\", \"duration\": 1245}"),
                0, "Statistic 'pkt4-sent' duration limit is set.");
    expect_text(run(stats_cmd_sample_age_set, "{\"name\": \"nope\", \"duration\": 1245}"), 1,
                "No 'nope' statistic found");
    expect_text(run(stats_cmd_sample_age_set, "{\"name\": \"pkt4-sent\"}"), 1,
                "Missing mandatory 'duration' parameter.");
    expect_text(run(stats_cmd_sample_age_set, "{\"name\": \"pkt4-sent\", \"duration\": \"x\"}"),
                1, "'duration' parameter expected to be an integer.");
    expect_text(run(stats_cmd_sample_age_set, "{\"name\": \"pkt4-sent\", \"duration\": -5}"), 1,
                "'duration' parameter must not be negative");
    expect_text(run(stats_cmd_sample_age_set, "{\"duration\": 5}"), 1,
                "Missing mandatory 'name' parameter.");
    expect_text(run(stats_cmd_sample_age_set_all, "{\"duration\": 1245}"), 0,
                "All statistics duration limit are set.");
    expect_text(run(stats_cmd_sample_age_set_all, "{}"), 1,
                "Missing mandatory 'duration' parameter.");
    expect_text(run(stats_cmd_sample_count_set, "{\"name\": \"pkt4-sent\", \"max-samples\": 5}"),
                0, "Statistic 'pkt4-sent' count limit is set.");
    expect_text(run(stats_cmd_sample_count_set, "{\"name\": \"pkt4-sent\", \"max-samples\": 0}"),
                1, "'max-samples' parameter must not be zero");
    expect_text(run(stats_cmd_sample_count_set, "{\"name\": \"pkt4-sent\", \"max-samples\": "
                                                "\"a\"}"),
                1, "'max-samples' parameter expected to be an integer.");
    expect_text(run(stats_cmd_sample_count_set_all, "{\"max-samples\": 5}"), 0,
                "All statistics count limit are set.");
    expect_text(run(stats_cmd_sample_count_set_all, "{\"max-samples\": 0}"), 1,
                "'max-samples' parameter must not be zero");
    expect_text(run(stats_cmd_sample_count_set_all, NULL), 1,
                "Missing mandatory 'max-samples' parameter.");
    uint32_t count, age;
    stats_default_limits(&count, &age);
    assert_int_equal(count, 5);
    assert_int_equal(age, 1245);
    stats_set_default_limits(20, 0);
    stats_default_limits(&count, &age);
    assert_int_equal(count, 20);
    assert_int_equal(age, 0);
}

static void test_command_table(void **state)
{
    (void)state;
    size_t n = 0;
    for (const struct stats_cmd *c = stats_cmds; c->name; c++, n++)
        assert_non_null(c->fn);
    assert_int_equal(n, 10);
    assert_string_equal(stats_cmds[0].name, "statistic-get");
    assert_ptr_equal(stats_cmds[9].fn, stats_cmd_sample_count_set_all);
}

#define ADDS 1000000

static void *adder(void *arg)
{
    stat_t *s = arg;
    for (int i = 0; i < ADDS; i++)
        stat_add(s, 1);
    return NULL;
}

static void *reader(void *arg)
{
    for (int i = 0; i < 200; i++) {
        json_decref(stats_get_all_json());
        stats_declare(i % 2 ? "other" : "pkt4-received");
        stats_tick();
    }
    (void)arg;
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    stat_t *s = stats_declare("pkt4-received");
    pthread_t t[3];
    pthread_create(&t[0], NULL, adder, s);
    pthread_create(&t[1], NULL, adder, s);
    pthread_create(&t[2], NULL, reader, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(stat_value(s), 2 * ADDS);
    assert_true(stat_present(s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_values, reset_stats),
        cmocka_unit_test_setup(test_get, reset_stats),
        cmocka_unit_test_setup(test_history, reset_stats),
        cmocka_unit_test_setup(test_get_all, reset_stats),
        cmocka_unit_test_setup(test_reset_remove, reset_stats),
        cmocka_unit_test_setup(test_sample_limits, reset_stats),
        cmocka_unit_test_setup(test_command_table, reset_stats),
        cmocka_unit_test_setup(test_threads, reset_stats),
    };
    return cmocka_run_group_tests(tests, NULL, reset_stats);
}
