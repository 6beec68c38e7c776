/* DHCPv4 option definitions and option value encoding, compatible with Kea 2.2.
 *
 * Contract:
 * - The standard definitions (Kea 2.2 std_option_defs.h: "dhcp4" space, the DOCSIS "vendor-4491"
 *   space and the last-resort definition of option 43) are static, read-only data reachable
 *   through optdef_std() or any registry.
 * - optdef_registry_t layers custom definitions (Kea "option-def") over the standard ones. It owns
 *   copies of everything added to it. Building a registry is single-threaded; once built, lookups
 *   are read-only and may run from many threads at once. optdef_registry_free() frees it whole.
 * - Definitions returned by lookups live as long as the registry (standard ones: forever).
 *   Lookups follow Kea 2.2's order (standard, custom, last-resort; optdef_resolve_*: a client
 *   class's own definitions first).
 * - Encoding and formatting are pure functions over caller buffers (optdef_encode_csv() uses one
 *   temporary heap copy of its text, freed before it returns); they never write past the given
 *   capacity. Errors: NST_EMALFORMED with a message in err naming the bad
 *   value, NST_ENOSPACE when the output does not fit, NST_ECONFIG for rejected definitions.
 *   err may be NULL (errlen 0); when given it is always NUL-terminated.
 */
#ifndef NESTOR_PROTO_OPTDEF_H
#define NESTOR_PROTO_OPTDEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPTDEF_SPACE_DHCP4 "dhcp4"
#define OPTDEF_SPACE_AGENT "dhcp-agent-options-space"
#define OPTDEF_SPACE_VENDOR_ENCAP "vendor-encapsulated-options-space"
#define OPTDEF_SPACE_DOCSIS4 "vendor-4491"
/* Most record fields a definition may have (Kea has no limit; none of its standard records has
 * more than 4). */
#define OPTDEF_MAX_FIELDS 32

/* Kea OptionDataType, in Kea's order. */
typedef enum optdef_type {
    OPTDEF_EMPTY,
    OPTDEF_BINARY,
    OPTDEF_BOOLEAN,
    OPTDEF_INT8,
    OPTDEF_INT16,
    OPTDEF_INT32,
    OPTDEF_UINT8,
    OPTDEF_UINT16,
    OPTDEF_UINT32,
    OPTDEF_IPV4,         /* "ipv4-address" */
    OPTDEF_IPV6,         /* "ipv6-address" */
    OPTDEF_IPV6_PREFIX,  /* "ipv6-prefix" */
    OPTDEF_PSID,
    OPTDEF_STRING,
    OPTDEF_TUPLE,
    OPTDEF_FQDN,
    OPTDEF_RECORD,
    OPTDEF_TYPE_COUNT
} optdef_type_t;

typedef struct optdef {
    const char *name;
    uint16_t code;
    const char *space;
    optdef_type_t type;
    bool array;                       /* array of `type`, or the last record field repeats */
    uint8_t nfields;                  /* record fields (type == OPTDEF_RECORD only) */
    optdef_type_t fields[OPTDEF_MAX_FIELDS];
    const char *encapsulate;          /* encapsulated space, "" for none */
} optdef_t;

typedef struct optdef_registry optdef_registry_t;

/* Kea type name ("uint8", "ipv4-address", ...) of a type; "unknown" for out-of-range values. */
const char *optdef_type_name(optdef_type_t t);
/* Type by Kea name. Returns false for unknown names. */
bool optdef_type_from_name(const char *name, optdef_type_t *out);

/* ---- registry ------------------------------------------------------------------------------- */

/* The registry of standard definitions only (never NULL, never freed). */
const optdef_registry_t *optdef_std(void);
/* An empty custom layer over the standard definitions. Aborts on allocation failure. */
optdef_registry_t *optdef_registry_new(void);
void optdef_registry_free(optdef_registry_t *reg);

/* Adds a Kea "option-def" entry (Dhcp4 option-def: name, code, type, record-types, space,
 * array, encapsulate), checked as Kea 2.2 does: option name and space syntax, code range 0..255
 * and not 0/255 in "dhcp4", known type, record rules (at least 2 fields, string/binary only last,
 * no array of string/binary/empty), no array with encapsulation, no self-encapsulation, no
 * duplicate code or name in the space, and no redefinition of a standard option of that space
 * (e.g. "dhcp4" code 3 or name "routers"; code 43 in "dhcp4" may be redefined, as in Kea).
 * record_types is Kea's comma-separated list ("uint8, ipv4-address"), may be NULL or "".
 * Returns 0 or NST_ECONFIG with the reason in err. */
int optdef_registry_define(optdef_registry_t *reg, const char *name, int64_t code,
                           const char *type, const char *record_types, const char *space,
                           bool array, const char *encapsulate, char *err, size_t errlen);

/* Lookups in Kea 2.2's order: standard definitions of the space (a vendor space's, e.g.
 * "vendor-4491", included), then custom ones, then (in "dhcp4") the last-resort definition of
 * option 43. reg may be NULL (standard definitions only). Return NULL when nothing matches. */
const optdef_t *optdef_find_by_name(const optdef_registry_t *reg, const char *space,
                                    const char *name);
const optdef_t *optdef_find_by_code(const optdef_registry_t *reg, const char *space,
                                    uint16_t code);
/* The same with a layer of local definitions looked up before everything else: a client
 * class's option-def (Kea allows only "dhcp4" code 43 and 224..254 there), which is how a class
 * redefines option 43 for its own option-data and for decoding a member's option 43. local and
 * reg may be NULL; only their custom definitions are consulted. */
const optdef_t *optdef_resolve_by_name(const optdef_registry_t *local, const optdef_registry_t *reg,
                                       const char *space, const char *name);
const optdef_t *optdef_resolve_by_code(const optdef_registry_t *local, const optdef_registry_t *reg,
                                       const char *space, uint16_t code);
/* Custom definitions in order of addition: i in [0, optdef_custom_count(reg)). */
size_t optdef_custom_count(const optdef_registry_t *reg);
const optdef_t *optdef_custom_at(const optdef_registry_t *reg, size_t i);

/* Standard definitions of one space in table order (for listings and tests). */
size_t optdef_std_count(const char *space);
const optdef_t *optdef_std_at(const char *space, size_t i);

/* Whether a string is a valid Kea option space / option name: letters, digits, '-' and '_',
 * not empty, not starting or ending with '-' or '_'. */
bool optdef_valid_name(const char *name);

/* ---- option spaces (optdef_encap.c) -------------------------------------------------------- */

/* The enterprise id of a vendor space "vendor-<id>" (Kea: a decimal number, 1..2^32-1, leading
 * zeros allowed), 0 for any other space. Options of vendor spaces travel in option 125 (v4). */
uint32_t optdef_vendor_id(const char *space);
/* Whether options of this definition carry the options of its encapsulated space after their
 * own value (Kea: every non-array type but binary and string, when "encapsulate" is set). */
bool optdef_carries_suboptions(const optdef_t *def);
/* Whether a client class may define this option (Kea 2.2: "dhcp4" code 43 and 224..254, the
 * options whose unpacking waits for classification). */
bool optdef_class_may_define(const char *space, uint16_t code);
/* Bytes of an option's own value at the start of its data (the rest are its sub-options), as
 * Kea splits them: none for empty, the fields' sizes (domain names, prefixes and tuples by their
 * encoded length), the rest for strings and binary. NST_EMALFORMED when the data is too short
 * for the value ("option buffer truncated"). */
int optdef_value_len(const optdef_t *def, const uint8_t *data, size_t len);

/* ---- encoding ------------------------------------------------------------------------------- */

/* Encodes Kea "csv-format": true option data into wire bytes (the option payload, without code
 * and length). Kea rules: the text is split on commas ("\," keeps a comma, "\\" a backslash,
 * empty fields are dropped), each field is trimmed of spaces/tabs/newlines; a single-value
 * option uses the first field only; an array takes every field; a record takes its fields in
 * order and, if it is an array, repeats its last field type for the remaining values.
 * Values: boolean true/false (any case) or 0/1; integers in decimal, else hexadecimal with an
 * optional 0x prefix (Kea's fallback), range-checked; ipv4-address dotted quad; ipv6-address;
 * ipv6-prefix "addr/len"; psid "psid/len"; string raw bytes; fqdn DNS wire format (absolute,
 * RFC 1035 §3.1); tuple one length byte + bytes; binary hex digits (even count, spaces
 * allowed). Option 125 (vivso-suboptions, dhcp4) gets the data-len byte Kea appends (0).
 * Returns the number of bytes written, or NST_EMALFORMED (message in err naming the value, e.g.
 * "'300' is out of range for uint8 (0..255)") or NST_ENOSPACE. */
int optdef_encode_csv(const optdef_t *def, const char *text, uint8_t *out, size_t cap,
                      char *err, size_t errlen);

/* Kea "csv-format": false data: hexadecimal digits. If the text contains ':' the groups between
 * colons (1 or 2 digits each) are bytes; else if it contains ' ' the groups between spaces are;
 * else it is a digit string with an optional "0x" prefix, odd lengths getting a leading 0.
 * Empty text gives 0 bytes. Returns the byte count, NST_EMALFORMED on bad text or NST_ENOSPACE. */
int optdef_parse_hex(const char *text, uint8_t *out, size_t cap);

/* Full Kea csv-format false rule: text in single quotes ('abc', trimmed inside and out) is taken
 * as ASCII bytes, anything else goes to optdef_parse_hex(). */
int optdef_parse_binary(const char *text, uint8_t *out, size_t cap);

/* Encodes a domain name in text form ("www.example.com", trailing dot optional, "\." and "\DDD"
 * escapes) as uncompressed DNS wire format (RFC 1035 §3.1), absolute (ending with the root
 * label). Labels are 1..63 bytes, the whole name at most 255. Returns bytes written,
 * NST_EMALFORMED or NST_ENOSPACE. */
int optdef_fqdn_to_wire(const char *text, size_t text_len, uint8_t *out, size_t cap);

/* ---- formatting ----------------------------------------------------------------------------- */

/* Wire -> Kea csv text ("192.0.2.1, 192.0.2.2"): fields separated by ", "; booleans "true" /
 * "false"; integers decimal; binary as lowercase hex digits; fqdn with a trailing dot; string and
 * tuple text with ',' and '\' escaped by '\' (control bytes shown as '.'), trailing NULs of a
 * string dropped (RFC 2132 §2); psid "psid/len"; ipv6-prefix "addr/len". The result encodes back
 * to the same bytes with optdef_encode_csv() (except lossy control bytes).
 * Returns the text length, NST_EMALFORMED when the data does not fit the definition (callers
 * then show hex), or NST_ENOSPACE. Always NUL-terminates when cap > 0. */
int optdef_format(const optdef_t *def, const uint8_t *data, size_t len, char *out, size_t cap);

#endif
