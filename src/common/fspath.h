/* Where a file named from outside (a control command) may be.
 *
 * Contract: fspath_in_dir() decides whether path names a file directly inside dir, as the
 * kernel would resolve it now: the parent directory of path (the current directory when path
 * has no '/') and dir are both resolved with realpath(3), so ".." components and symbolic
 * links in either are followed before they are compared; when path itself exists and is a
 * symbolic link, its target must lie directly in dir too. Subdirectories of dir do not count
 * (Kea 2.6.3 compares the parent path with the supported path the same way). A path whose
 * last component is empty, "." or ".." names no file. Reads the filesystem, changes nothing;
 * safe from any thread. */
#ifndef NESTOR_COMMON_FSPATH_H
#define NESTOR_COMMON_FSPATH_H

#include <stddef.h>

/* 0 when path names a file directly in dir; otherwise NST_EINVAL (elsewhere, or no file
 * name) or NST_ENOENT (dir does not exist), with the reason in why ("is in /etc", "names no
 * file", ...: to be completed by the caller, who knows the parameter). */
int fspath_in_dir(const char *path, const char *dir, char *why, size_t whylen);

/* The directory an environment variable names (trailing '/' removed), or def when it is unset
 * or empty. Returns buf. */
const char *fspath_env_dir(const char *var, const char *def, char *buf, size_t cap);

#endif
