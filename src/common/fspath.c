/* Path checks for names that arrive from outside: see fspath.h. */
#include "common/fspath.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/errcode.h"
#include "common/util.h"

/* Whether the resolved absolute path lies directly in the resolved directory dir. */
static bool parent_is(const char *resolved, const char *dir)
{
    const char *slash = strrchr(resolved, '/');
    size_t n = slash == resolved ? 1 : (size_t)(slash - resolved);
    return strlen(dir) == n && strncmp(resolved, dir, n) == 0;
}

int fspath_in_dir(const char *path, const char *dir, char *why, size_t whylen)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return errf(why, whylen, NST_EINVAL, "names no file");
    char want[PATH_MAX], have[PATH_MAX];
    if (!realpath(dir, want))
        return errf(why, whylen, NST_ENOENT, "cannot be checked: the directory %s does not exist",
                    dir);
    char *parent = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    bool found = realpath(parent, have) != NULL;
    free(parent);
    if (!found)
        return errf(why, whylen, NST_EINVAL, "is in a directory that does not exist or cannot be resolved");
    if (strcmp(have, want))
        return errf(why, whylen, NST_EINVAL, "is in %s", have);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        if (!realpath(path, have))
            return errf(why, whylen, NST_EINVAL, "is a symbolic link that leads nowhere");
        if (!parent_is(have, want))
            return errf(why, whylen, NST_EINVAL, "is a symbolic link to %s", have);
    }
    return 0;
}

const char *fspath_env_dir(const char *var, const char *def, char *buf, size_t cap)
{
    const char *v = getenv(var);
    snprintf(buf, cap, "%s", v && *v ? v : def);
    size_t n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    return buf;
}
