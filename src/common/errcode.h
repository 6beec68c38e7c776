/* Nestor error codes.
 *
 * Contract: functions that can fail return int: 0 on success, a negative value on failure.
 * Values in the errno range are -errno (NST_ENOMEM == -ENOMEM); project codes lie below
 * NST_EBASE. nst_strerror() never returns NULL. */
#ifndef NESTOR_COMMON_ERRCODE_H
#define NESTOR_COMMON_ERRCODE_H

#include <errno.h>

enum nst_error {
    NST_OK = 0,
    NST_ENOMEM = -ENOMEM,
    NST_EINVAL = -EINVAL,
    NST_ENOENT = -ENOENT,
    NST_EEXIST = -EEXIST,
    NST_EIO = -EIO,
    NST_EAGAIN = -EAGAIN,
    NST_ERANGE = -ERANGE,
    NST_EBASE = -1000,
    NST_EMALFORMED = NST_EBASE - 1, /* bad wire data or bad text */
    NST_ETRUNCATED = NST_EBASE - 2, /* input ended early */
    NST_ENOSPACE = NST_EBASE - 3,   /* output buffer too small */
    NST_ECONFIG = NST_EBASE - 4,    /* configuration rejected */
    NST_ECONFLICT = NST_EBASE - 5,  /* object held by someone else */
    NST_EBUSY = NST_EBASE - 6,      /* resource temporarily in use */
};

const char *nst_strerror(int err);

#endif
