/* Internal to the optdef module: the static tables and helpers shared by optdef*.c.
 * Not for use outside src/proto/. */
#ifndef NESTOR_PROTO_OPTDEF_INT_H
#define NESTOR_PROTO_OPTDEF_INT_H

#include <stdarg.h>

#include "common/util.h"
#include "proto/optdef.h"

/* Kea's standard space for the DOCSIS 3 DHCPv4 definitions. */
#define OPTDEF_SPACE_DOCSIS4_STD "docsis3-v4"

extern const optdef_t optdef_std_dhcp4[];      /* sorted by code */
extern const size_t optdef_std_dhcp4_count;
extern const optdef_t optdef_last_resort_43;
extern const optdef_t optdef_std_docsis4[];
extern const size_t optdef_std_docsis4_count;

/* snprintf into err when err && errlen; returns NST_EMALFORMED for convenience. */
int optdef_err(char *err, size_t errlen, const char *fmt, ...) NST_PRINTF(3, 4);

/* Size in bytes of fixed-size types, 0 for variable-size ones (Kea getDataTypeLen). */
size_t optdef_type_size(optdef_type_t t);

/* Length of the uncompressed DNS name at the start of data (labels plus the root label), or 0
 * when it is malformed, compressed, longer than 255 bytes or runs past len. */
size_t optdef_fqdn_wire_len(const uint8_t *data, size_t len);

#endif
