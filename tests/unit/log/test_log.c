/* Unit tests for src/log: line layout, filtering and inheritance, file output and rotation,
 * configuration errors, concurrent writers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errcode.h"
#include "log/log.h"

static char dir[128];

static const char *tp(const char *name)
{
    static char buf[8][256];
    static int n;
    char *p = buf[n++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    size_t r = fread(p, 1, (size_t)n, f);
    p[r] = '\0';
    fclose(f);
    return p;
}

static long fsize(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Applies a "loggers" list given as JSON text; asserts success. */
static void configure(const char *json)
{
    json_error_t je;
    json_t *j = json_loads(json, 0, &je);
    assert_non_null(j);
    nlog_setup_t *s;
    char err[256];
    int rc = nlog_prepare(j, &s, err, sizeof err);
    if (rc)
        fail_msg("nlog_prepare: %s", err);
    nlog_apply(s);
    json_decref(j);
}

/* Runs nlog_prepare on JSON text expecting failure; returns the message (static). */
static const char *config_error(const char *json, int want_rc, const char *want_path)
{
    static char err[256];
    char path[128];
    json_error_t je;
    json_t *j = json_loads(json, JSON_DECODE_ANY, &je);
    assert_non_null(j);
    nlog_setup_t *s = (nlog_setup_t *)1;
    assert_int_equal(nlog_prepare_ex(j, 0, &s, err, sizeof err, path, sizeof path), want_rc);
    assert_null(s);
    if (want_path)
        assert_string_equal(path, want_path);
    json_decref(j);
    return err;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/nst-log-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    nlog_init("kea-dhcp4", false);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nlog_shutdown();
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(nlog_logger_name(NLOG_ROOT), "kea-dhcp4");
    assert_string_equal(nlog_logger_name(NLOG_APP), "kea-dhcp4.dhcp4");
    assert_string_equal(nlog_logger_name(NLOG_LEASES), "kea-dhcp4.leases");
    assert_string_equal(nlog_logger_name(NLOG_ALLOC), "kea-dhcp4.alloc-engine");
    assert_string_equal(nlog_logger_name(NLOG_BAD_PACKETS), "kea-dhcp4.bad-packets");
    assert_string_equal(nlog_logger_name(NLOG_HA), "kea-dhcp4.ha-hooks");
    assert_string_equal(nlog_logger_name(NLOG_CTRL), "kea-dhcp4.commands");
}

static void test_line_format(void **state)
{
    (void)state;
    char cfg[512];
    snprintf(cfg, sizeof cfg, "[{\"name\": \"kea-dhcp4\", \"severity\": \"INFO\", "
             "\"output_options\": [{\"output\": \"%s\"}]}]", tp("fmt.log"));
    configure(cfg);
    LOG_INFO(NLOG_LEASES, "DHCP4_LEASE_ALLOC", "lease %s has been allocated for %d seconds",
             "10.0.0.5", 3600);
    LOG_WARN(NLOG_APP, NULL, "no id");
    char *text = slurp(tp("fmt.log"));
    assert_non_null(text);
    /* "2026-11-24 23:10:45.795 " */
    const char *shape = "dddd-dd-dd dd:dd:dd.ddd ";
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == 'd')
            assert_true(isdigit((unsigned char)text[i]));
        else
            assert_int_equal(text[i], shape[i]);
    }
    char want[512];
    snprintf(want, sizeof want, "INFO  [kea-dhcp4.leases/%ld.%lu] DHCP4_LEASE_ALLOC lease "
             "10.0.0.5 has been allocated for 3600 seconds\n", (long)getpid(),
             (unsigned long)pthread_self());
    assert_int_equal(strncmp(text + 24, want, strlen(want)), 0);
    const char *second = text + 24 + strlen(want);
    snprintf(want, sizeof want, "WARN  [kea-dhcp4.dhcp4/%ld.%lu] no id\n", (long)getpid(),
             (unsigned long)pthread_self());
    assert_string_equal(second + 24, want);
    free(text);
}

static void test_patterns(void **state)
{
    (void)state;
    char cfg[512];
    snprintf(cfg, sizeof cfg, "[{\"name\": \"kea-dhcp4\", \"severity\": \"DEBUG\", "
             "\"debuglevel\": 10, \"output-options\": [{\"output\": \"%s\", \"pattern\": "
             "\"<%%-6p|%%7p|%%.5c|%%m|%%%%|%%q|%%d{%%Y}>%%n\"}]}]", tp("pat.log"));
    configure(cfg);
    LOG_DEBUG(NLOG_HOSTS, 10, "HOSTS_X", "v=%d", 7);
    LOG_DEBUG(NLOG_HOSTS, 11, "HOSTS_Y", "filtered");
    char *text = slurp(tp("pat.log"));
    const char *want = "<DEBUG |  DEBUG|hosts|HOSTS_X v=7|%|%q|";
    assert_int_equal(strncmp(text, want, strlen(want)), 0);
    const char *year = text + strlen(want);
    assert_true(isdigit((unsigned char)year[0]) && isdigit((unsigned char)year[3]));
    assert_string_equal(year + 4, ">\n");
    free(text);
}

static void test_filtering(void **state)
{
    (void)state;
    configure("[{\"name\": \"kea-dhcp4\", \"severity\": \"WARN\"},"
              " {\"name\": \"leases\", \"severity\": \"debug\", \"debuglevel\": 50},"
              " {\"name\": \"kea-dhcp4.packets\", \"severity\": \"NONE\"},"
              " {\"name\": \"kea-dhcp4.hosts\", \"debuglevel\": 5}]");
    assert_false(nlog_enabled(NLOG_APP, NLOG_INFO, 0));
    assert_true(nlog_enabled(NLOG_APP, NLOG_WARN, 0));
    assert_true(nlog_enabled(NLOG_ROOT, NLOG_ERROR, 0));
    assert_true(nlog_enabled(NLOG_LEASES, NLOG_DEBUG, 50));
    assert_false(nlog_enabled(NLOG_LEASES, NLOG_DEBUG, 51));
    assert_true(nlog_enabled(NLOG_LEASES, NLOG_INFO, 0));
    assert_false(nlog_enabled(NLOG_PACKETS, NLOG_FATAL, 0));
    /* No severity: inherited from the root (WARN). */
    assert_false(nlog_enabled(NLOG_HOSTS, NLOG_INFO, 0));
    assert_true(nlog_enabled(NLOG_HOSTS, NLOG_WARN, 0));
    /* Defaults. */
    configure("[]");
    assert_true(nlog_enabled(NLOG_LEASES, NLOG_INFO, 0));
    assert_false(nlog_enabled(NLOG_LEASES, NLOG_DEBUG, 0));
    /* -d: everything DEBUG/99, configured entries included. */
    nlog_init("kea-dhcp4", true);
    assert_true(nlog_enabled(NLOG_LEASES, NLOG_DEBUG, 99));
    configure("[{\"name\": \"kea-dhcp4\", \"severity\": \"ERROR\"}]");
    assert_true(nlog_enabled(NLOG_ALLOC, NLOG_DEBUG, 99));
    nlog_init("kea-dhcp4", false);
    assert_false(nlog_enabled(NLOG_ALLOC, NLOG_DEBUG, 0));
}

static void test_output_inheritance(void **state)
{
    (void)state;
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "[{\"name\": \"kea-dhcp4\", \"severity\": \"INFO\", \"output_options\": "
             "[{\"output\": \"%s\", \"pattern\": \"%%c %%m\\n\"}]},"
             " {\"name\": \"kea-dhcp4.leases\", \"severity\": \"INFO\", \"output_options\": "
             "[{\"output\": \"%s\", \"pattern\": \"L %%m\\n\"}, {\"output\": \"%s\", "
             "\"pattern\": \"both %%m\\n\"}]},"
             " {\"name\": \"dhcpsrv\", \"severity\": \"INFO\"}]",
             tp("root.log"), tp("leases.log"), tp("root.log"));
    configure(cfg);
    LOG_INFO(NLOG_PACKETS, "P1", "to root");
    LOG_INFO(NLOG_LEASES, "L1", "to leases");
    LOG_INFO(NLOG_DHCPSRV, "S1", "nowhere"); /* Kea 2.2: configured, no outputs */
    char *root = slurp(tp("root.log")), *leases = slurp(tp("leases.log"));
    assert_string_equal(root, "kea-dhcp4.packets P1 to root\nboth L1 to leases\n");
    assert_string_equal(leases, "L L1 to leases\n");
    free(root);
    free(leases);
}

static void test_rotation(void **state)
{
    (void)state;
    char cfg[512], line[1001];
    memset(line, 'x', 999);
    line[999] = '\0';
    snprintf(cfg, sizeof cfg, "[{\"name\": \"kea-dhcp4\", \"severity\": \"INFO\", "
             "\"output_options\": [{\"output\": \"%s\", \"maxsize\": 204800, \"maxver\": 2, "
             "\"pattern\": \"%%m\\n\"}]}]", tp("rot.log"));
    configure(cfg);
    /* 1000-byte lines: the 205th exceeds 204800 and triggers a rotation. */
    for (int i = 0; i < 205; i++)
        LOG_INFO(NLOG_APP, NULL, "%s", line);
    assert_int_equal(fsize(tp("rot.log")), 0);
    assert_int_equal(fsize(tp("rot.log.1")), 205000);
    assert_int_equal(fsize(tp("rot.log.2")), -1);
    for (int i = 0; i < 3 * 205; i++)
        LOG_INFO(NLOG_APP, NULL, "%s", line);
    assert_int_equal(fsize(tp("rot.log")), 0);
    assert_int_equal(fsize(tp("rot.log.1")), 205000);
    assert_int_equal(fsize(tp("rot.log.2")), 205000);
    assert_int_equal(fsize(tp("rot.log.3")), -1);
    /* maxsize below the minimum counts as 204800; 0 disables rotation. */
    snprintf(cfg, sizeof cfg, "[{\"name\": \"kea-dhcp4\", \"severity\": \"INFO\", "
             "\"output_options\": [{\"output\": \"%s\", \"maxsize\": 100, \"pattern\": "
             "\"%%m\\n\"}, {\"output\": \"%s\", \"maxsize\": 0, \"pattern\": \"%%m\\n\"}]}]",
             tp("small.log"), tp("norot.log"));
    configure(cfg);
    for (int i = 0; i < 204; i++)
        LOG_INFO(NLOG_APP, NULL, "%s", line);
    assert_int_equal(fsize(tp("small.log")), 204000);
    assert_int_equal(fsize(tp("small.log.1")), -1);
    LOG_INFO(NLOG_APP, NULL, "%s", line);
    assert_int_equal(fsize(tp("small.log.1")), 205000);
    assert_int_equal(fsize(tp("norot.log")), 205000);
    assert_int_equal(fsize(tp("norot.log.1")), -1);
    /* Appends to an existing file and counts its size. */
    configure(cfg);
    LOG_INFO(NLOG_APP, NULL, "%s", line);
    assert_int_equal(fsize(tp("norot.log")), 206000);
}

static void test_config_errors(void **state)
{
    (void)state;
    assert_string_equal(config_error("[{\"name\": \"kea-dhcp4\", \"bogus\": 1}]", NST_ECONFIG,
                                     "/0/bogus"),
                        "loggers[0]: unknown parameter 'bogus'");
    assert_string_equal(config_error("[{\"name\": \"a\"}, {\"name\": \"b\", \"output_options\": "
                                     "[{\"output\": \"stdout\", \"maxsize\": 1, \"size\": 2}]}]",
                                     NST_ECONFIG, "/1/output_options/0/size"),
                        "loggers[1].output_options[0]: unknown parameter 'size'");
    assert_string_equal(config_error("[{\"severity\": \"INFO\"}]", NST_ECONFIG, "/0"),
                        "loggers[0]: missing mandatory 'name' parameter");
    assert_string_equal(config_error("[{\"name\": \"x\", \"debuglevel\": 100}]", NST_ECONFIG,
                                     "/0/debuglevel"),
                        "loggers[0]: unsupported debuglevel value 100, expected 0-99");
    assert_string_equal(config_error("[{\"name\": \"x\", \"debuglevel\": \"5\"}]", NST_ECONFIG,
                                     "/0/debuglevel"),
                        "loggers[0]: unsupported debuglevel value, expected 0-99");
    assert_string_equal(config_error("[{\"name\": \"x\", \"output_options\": [], "
                                     "\"output-options\": []}]", NST_ECONFIG, NULL),
                        "loggers[0]: only one of 'output-options' and 'output_options' may be "
                        "specified");
    assert_string_equal(config_error("[{\"name\": \"x\", \"output-options\": "
                                     "[{\"pattern\": \"%m\"}]}]", NST_ECONFIG,
                                     "/0/output-options/0"),
                        "loggers[0].output-options[0]: missing mandatory 'output' parameter");
    assert_string_equal(config_error("[{\"name\": \"x\", \"output_options\": "
                                     "[{\"output\": \"stdout\", \"maxsize\": -1}]}]",
                                     NST_ECONFIG, "/0/output_options/0/maxsize"),
                        "loggers[0].output_options[0]: 'maxsize' must be a non-negative "
                        "integer");
    assert_string_equal(config_error("[{\"name\": \"x\", \"output_options\": "
                                     "[{\"output\": \"stdout\", \"flush\": \"yes\"}]}]",
                                     NST_ECONFIG, NULL),
                        "loggers[0].output_options[0]: 'flush' must be a boolean");
    assert_string_equal(config_error("[{\"name\": \"x\", \"output_options\": {}}]",
                                     NST_ECONFIG, NULL),
                        "loggers[0]: 'output_options' must be a list");
    assert_string_equal(config_error("[{\"name\": \"\"}]", NST_ECONFIG, NULL),
                        "loggers[0]: 'name' must be a non-empty string");
    assert_string_equal(config_error("[5]", NST_ECONFIG, "/0"), "loggers[0]: must be a map");
    assert_string_equal(config_error("{}", NST_ECONFIG, NULL), "loggers: must be a list");
    assert_string_equal(config_error("[{\"name\": \"x\", \"output_options\": "
                                     "[{\"output\": \"/nonexistent-dir/x.log\"}]}]", NST_EIO,
                                     "/0/output_options/0/output"),
                        "loggers[0].output_options[0]: cannot open log file "
                        "'/nonexistent-dir/x.log': No such file or directory");
    /* Nothing changed: the current setup still logs. */
    assert_true(nlog_enabled(NLOG_ROOT, NLOG_INFO, 0));
}

static void test_bad_severity_and_check_only(void **state)
{
    (void)state;
    char cfg[512];
    snprintf(cfg, sizeof cfg, "[{\"name\": \"kea-dhcp4\", \"severity\": \"INFO\", "
             "\"output_options\": [{\"output\": \"%s\", \"pattern\": \"%%c %%p %%m\\n\"}]}]",
             tp("sev.log"));
    configure(cfg);
    /* Kea logs an unknown severity and uses INFO. */
    configure("[{\"name\": \"kea-dhcp4\", \"severity\": \"VERBOSE\", \"comment\": \"c\", "
              "\"user-context\": {\"a\": 1}, \"output_options\": [{\"output\": \"syslog:local3\","
              " \"flush\": false, \"maxver\": 0}]}]");
    assert_true(nlog_enabled(NLOG_ROOT, NLOG_INFO, 0));
    assert_false(nlog_enabled(NLOG_ROOT, NLOG_DEBUG, 0));
    char *text = slurp(tp("sev.log"));
    assert_string_equal(text, "kea-dhcp4.log ERROR LOG_BAD_SEVERITY unknown log severity "
                              "'VERBOSE' for logger kea-dhcp4, using INFO\n");
    free(text);
    /* Check-only validates without creating files. */
    json_t *j = json_pack("[{s:s, s:[{s:s}]}]", "name", "kea-dhcp4", "output_options",
                          "output", tp("never.log"));
    char err[128];
    assert_int_equal(nlog_prepare_ex(j, NLOG_PREPARE_CHECK_ONLY, NULL, err, sizeof err, NULL, 0),
                     0);
    assert_int_equal(fsize(tp("never.log")), -1);
    json_decref(j);
    nlog_setup_t *s;
    assert_int_equal(nlog_prepare(NULL, &s, err, sizeof err), 0);
    nlog_setup_free(s);
}

struct worker {
    int id;
};

static void *writer(void *arg)
{
    const struct worker *w = arg;
    for (int i = 0; i < 2000; i++)
        LOG_INFO(NLOG_PACKETS, "PKT", "T%d %05d %s", w->id, i,
                 "payload-payload-payload-payload-payload-payload-payload-payload");
    return NULL;
}

static void test_concurrency(void **state)
{
    (void)state;
    char cfg[512];
    snprintf(cfg, sizeof cfg, "[{\"name\": \"kea-dhcp4\", \"severity\": \"INFO\", "
             "\"output_options\": [{\"output\": \"%s\", \"maxsize\": 204800, \"maxver\": 50, "
             "\"pattern\": \"%%m\\n\"}]}]", tp("mt.log"));
    configure(cfg);
    pthread_t th[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i].id = i;
        pthread_create(&th[i], NULL, writer, &w[i]);
    }
    /* Reconfigure while they write: same destination, swapped setup. */
    for (int i = 0; i < 20; i++)
        configure(cfg);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    int count[4] = {0};
    for (int v = 50; v >= 0; v--) {
        char name[64];
        snprintf(name, sizeof name, v ? "mt.log.%d" : "mt.log", v);
        char *text = slurp(tp(name));
        if (!text)
            continue;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
            int id, n;
            char tail[128];
            assert_int_equal(strlen(line), 4 + 3 + 6 + 63);
            assert_int_equal(sscanf(line, "PKT T%d %d %127s", &id, &n, tail), 3);
            assert_true(id >= 0 && id < 4);
            count[id]++;
        }
        free(text);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(count[i], 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_line_format),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_filtering),
        cmocka_unit_test(test_output_inheritance),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_bad_severity_and_check_only),
        cmocka_unit_test(test_concurrency),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
