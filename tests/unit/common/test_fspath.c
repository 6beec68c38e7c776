/* Unit tests: fspath_in_dir (a file directly in a directory, through "..", symbolic links and
 * relative names) and fspath_env_dir. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/errcode.h"
#include "common/fspath.h"

typedef struct dirs {
    char allowed[64], other[64];
} dirs_t;

static int setup(void **state)
{
    dirs_t *d = calloc(1, sizeof *d);
    snprintf(d->allowed, sizeof d->allowed, "/tmp/nst-fspath-a-XXXXXX");
    snprintf(d->other, sizeof d->other, "/tmp/nst-fspath-b-XXXXXX");
    if (!mkdtemp(d->allowed) || !mkdtemp(d->other))
        return -1;
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    dirs_t *d = *state;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", d->allowed, d->other);
    int r = system(cmd);
    free(d);
    return r == 0 ? 0 : -1;
}

/* Whether base + rest lies directly in the allowed directory. */
static int in(const dirs_t *d, const char *base, const char *rest, char *why)
{
    char path[256];
    snprintf(path, sizeof path, "%s%s", base, rest);
    return fspath_in_dir(path, d->allowed, why, 256);
}

static void test_inside_and_outside(void **state)
{
    dirs_t *d = *state;
    char why[256] = "";
    assert_int_equal(in(d, d->allowed, "/leases4.csv", why), 0);
    assert_int_equal(in(d, d->allowed, "//x.csv", why), 0);
    assert_int_equal(in(d, d->other, "/x.csv", why), NST_EINVAL);
    assert_non_null(strstr(why, d->other));
    assert_int_equal(in(d, d->allowed, "/../x.csv", why), NST_EINVAL);
    assert_string_equal(why, "is in /tmp");
    assert_int_equal(in(d, d->allowed, "/sub/x.csv", why), NST_EINVAL); /* no such subdirectory */
    assert_int_equal(in(d, d->allowed, "/", why), NST_EINVAL);
    assert_string_equal(why, "names no file");
    assert_int_equal(in(d, d->allowed, "/..", why), NST_EINVAL);
    assert_int_equal(fspath_in_dir("x.csv", "/nonexistent-nst-dir", why, sizeof why), NST_ENOENT);
}

static void test_symbolic_links(void **state)
{
    dirs_t *d = *state;
    char link[128], target[128], why[256] = "";
    /* a directory link leading out */
    snprintf(link, sizeof link, "%s/out", d->allowed);
    assert_int_equal(symlink(d->other, link), 0);
    assert_int_equal(in(d, d->allowed, "/out/x.csv", why), NST_EINVAL);
    /* the file itself a link leading out, dangling or not */
    snprintf(link, sizeof link, "%s/l.csv", d->allowed);
    snprintf(target, sizeof target, "%s/t.csv", d->other);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(in(d, d->allowed, "/l.csv", why), NST_EINVAL);
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(in(d, d->allowed, "/l.csv", why), NST_EINVAL);
    assert_non_null(strstr(why, "symbolic link"));
    /* a link that stays inside, and an allowed directory reached through a link */
    snprintf(link, sizeof link, "%s/in.csv", d->allowed);
    assert_int_equal(symlink("leases4.csv", link), 0);
    f = fopen(strcat(strcpy(target, d->allowed), "/leases4.csv"), "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(in(d, d->allowed, "/in.csv", why), 0);
    snprintf(link, sizeof link, "%s/back", d->other);
    assert_int_equal(symlink(d->allowed, link), 0);
    assert_int_equal(in(d, d->other, "/back/x.csv", why), 0);
}

static void test_relative_names(void **state)
{
    dirs_t *d = *state;
    char cwd[512], why[256] = "";
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(d->allowed), 0);
    assert_int_equal(fspath_in_dir("x.csv", d->allowed, why, sizeof why), 0);
    assert_int_equal(fspath_in_dir("./x.csv", d->allowed, why, sizeof why), 0);
    assert_int_equal(fspath_in_dir("../x.csv", d->allowed, why, sizeof why), NST_EINVAL);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(fspath_in_dir("x.csv", d->allowed, why, sizeof why), NST_EINVAL);
}

static void test_env_dir(void **state)
{
    (void)state;
    char buf[64];
    unsetenv("NST_TEST_DIR");
    assert_string_equal(fspath_env_dir("NST_TEST_DIR", "/var/lib/kea", buf, sizeof buf), "/var/lib/kea");
    setenv("NST_TEST_DIR", "", 1);
    assert_string_equal(fspath_env_dir("NST_TEST_DIR", "/var/lib/kea", buf, sizeof buf), "/var/lib/kea");
    setenv("NST_TEST_DIR", "/srv/leases//", 1);
    assert_string_equal(fspath_env_dir("NST_TEST_DIR", "/var/lib/kea", buf, sizeof buf), "/srv/leases");
    setenv("NST_TEST_DIR", "/", 1);
    assert_string_equal(fspath_env_dir("NST_TEST_DIR", "/var/lib/kea", buf, sizeof buf), "/");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inside_and_outside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symbolic_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_names, setup, teardown),
        cmocka_unit_test(test_env_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
