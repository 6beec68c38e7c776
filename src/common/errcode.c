#include "common/errcode.h"

#include <string.h>

const char *nst_strerror(int err)
{
    switch (err) {
    case NST_OK: return "success";
    case NST_EMALFORMED: return "malformed input";
    case NST_ETRUNCATED: return "input truncated";
    case NST_ENOSPACE: return "no space left in buffer";
    case NST_ECONFIG: return "configuration error";
    case NST_ECONFLICT: return "conflict";
    case NST_EBUSY: return "resource busy";
    default:
        if (err < 0 && err > NST_EBASE)
            return strerror(-err);
        return "unknown error";
    }
}
