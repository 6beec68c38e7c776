/* Option definition registry: standard definitions plus Kea "option-def" custom ones. */
#include "proto/optdef_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"

struct optdef_registry {
    optdef_t **defs;          /* custom definitions, each allocated separately (stable pointers) */
    size_t count, cap;
};

/* The standard-only registry: no custom layer. */
static const optdef_registry_t std_registry = {NULL, 0, 0};

static const char *const type_names[OPTDEF_TYPE_COUNT] = {
    [OPTDEF_EMPTY] = "empty",
    [OPTDEF_BINARY] = "binary",
    [OPTDEF_BOOLEAN] = "boolean",
    [OPTDEF_INT8] = "int8",
    [OPTDEF_INT16] = "int16",
    [OPTDEF_INT32] = "int32",
    [OPTDEF_UINT8] = "uint8",
    [OPTDEF_UINT16] = "uint16",
    [OPTDEF_UINT32] = "uint32",
    [OPTDEF_IPV4] = "ipv4-address",
    [OPTDEF_IPV6] = "ipv6-address",
    [OPTDEF_IPV6_PREFIX] = "ipv6-prefix",
    [OPTDEF_PSID] = "psid",
    [OPTDEF_STRING] = "string",
    [OPTDEF_TUPLE] = "tuple",
    [OPTDEF_FQDN] = "fqdn",
    [OPTDEF_RECORD] = "record",
};

int optdef_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return NST_EMALFORMED;
}

const char *optdef_type_name(optdef_type_t t)
{
    return (unsigned)t < OPTDEF_TYPE_COUNT ? type_names[t] : "unknown";
}

bool optdef_type_from_name(const char *name, optdef_type_t *out)
{
    for (int t = 0; t < OPTDEF_TYPE_COUNT; t++) {
        if (strcmp(name, type_names[t]) == 0) {
            *out = (optdef_type_t)t;
            return true;
        }
    }
    return false;
}

size_t optdef_type_size(optdef_type_t t)
{
    switch (t) {
    case OPTDEF_BOOLEAN:
    case OPTDEF_INT8:
    case OPTDEF_UINT8:
        return 1;
    case OPTDEF_INT16:
    case OPTDEF_UINT16:
        return 2;
    case OPTDEF_INT32:
    case OPTDEF_UINT32:
    case OPTDEF_IPV4:
        return 4;
    case OPTDEF_IPV6:
        return 16;
    case OPTDEF_PSID:
        return 3;
    default:
        return 0;
    }
}

bool optdef_valid_name(const char *name)
{
    /* Kea OptionSpace::validateName / OptionDefinition::validate name rule. */
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || name[0] == '-' || name[0] == '_' || name[n - 1] == '-' || name[n - 1] == '_')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* ---- standard tables ------------------------------------------------------------------------ */

const optdef_registry_t *optdef_std(void)
{
    return &std_registry;
}

static const optdef_t *std_table(const char *space, size_t *count)
{
    if (strcmp(space, OPTDEF_SPACE_DHCP4) == 0) {
        *count = optdef_std_dhcp4_count;
        return optdef_std_dhcp4;
    }
    /* Kea finds the DOCSIS definitions both in its "docsis3-v4" space and as vendor 4491. */
    if (strcmp(space, OPTDEF_SPACE_DOCSIS4_STD) == 0 || strcmp(space, OPTDEF_SPACE_DOCSIS4) == 0) {
        *count = optdef_std_docsis4_count;
        return optdef_std_docsis4;
    }
    *count = 0;
    return NULL;
}

size_t optdef_std_count(const char *space)
{
    size_t n;
    std_table(space, &n);
    return n;
}

const optdef_t *optdef_std_at(const char *space, size_t i)
{
    size_t n;
    const optdef_t *t = std_table(space, &n);
    return i < n ? &t[i] : NULL;
}

static const optdef_t *std_by_code(const char *space, uint16_t code)
{
    size_t n;
    const optdef_t *t = std_table(space, &n);
    size_t lo = 0, hi = n;          /* tables are sorted by code */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].code == code)
            return &t[mid];
        if (t[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const optdef_t *std_by_name(const char *space, const char *name)
{
    size_t n;
    const optdef_t *t = std_table(space, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

/* The definitions Kea refuses to let option-def override: its standard spaces only. A custom
 * definition in the vendor alias "vendor-4491" is accepted but, as in Kea, found only for codes
 * the DOCSIS table does not define. */
static bool is_std_space(const char *space)
{
    return strcmp(space, OPTDEF_SPACE_DHCP4) == 0 || strcmp(space, OPTDEF_SPACE_DOCSIS4_STD) == 0;
}

/* ---- registry ------------------------------------------------------------------------------- */

optdef_registry_t *optdef_registry_new(void)
{
    return xcalloc(1, sizeof(optdef_registry_t));
}

void optdef_registry_free(optdef_registry_t *reg)
{
    if (!reg || reg == &std_registry)
        return;
    for (size_t i = 0; i < reg->count; i++) {
        optdef_t *d = reg->defs[i];
        free((char *)d->name);
        free((char *)d->space);
        free((char *)d->encapsulate);
        free(d);
    }
    free(reg->defs);
    free(reg);
}

size_t optdef_custom_count(const optdef_registry_t *reg)
{
    return reg ? reg->count : 0;
}

const optdef_t *optdef_custom_at(const optdef_registry_t *reg, size_t i)
{
    return reg && i < reg->count ? reg->defs[i] : NULL;
}

/* A custom definition of reg by name (when name is set) or by code. */
static const optdef_t *custom_find(const optdef_registry_t *reg, const char *space, const char *name,
                                   uint16_t code)
{
    for (size_t i = 0; reg && i < reg->count; i++) {
        const optdef_t *d = reg->defs[i];
        if ((name ? strcmp(d->name, name) == 0 : d->code == code) && strcmp(d->space, space) == 0)
            return d;
    }
    return NULL;
}

/* Kea 2.2 OptionDataParser::findOptionDefinition order: the local definitions, the standard
 * ones (a vendor space's included), the custom ones, the last-resort one. */
static const optdef_t *resolve(const optdef_registry_t *local, const optdef_registry_t *reg,
                               const char *space, const char *name, uint16_t code)
{
    const optdef_t *d = custom_find(local, space, name, code);
    if (!d)
        d = name ? std_by_name(space, name) : std_by_code(space, code);
    if (!d)
        d = custom_find(reg, space, name, code);
    if (!d && strcmp(space, OPTDEF_SPACE_DHCP4) == 0
        && (name ? strcmp(name, optdef_last_resort_43.name) == 0 : code == optdef_last_resort_43.code))
        d = &optdef_last_resort_43;
    return d;
}

const optdef_t *optdef_resolve_by_code(const optdef_registry_t *local, const optdef_registry_t *reg,
                                       const char *space, uint16_t code)
{
    return space ? resolve(local, reg, space, NULL, code) : NULL;
}

const optdef_t *optdef_resolve_by_name(const optdef_registry_t *local, const optdef_registry_t *reg,
                                       const char *space, const char *name)
{
    return space && name ? resolve(local, reg, space, name, 0) : NULL;
}

const optdef_t *optdef_find_by_code(const optdef_registry_t *reg, const char *space, uint16_t code)
{
    return optdef_resolve_by_code(NULL, reg, space, code);
}

const optdef_t *optdef_find_by_name(const optdef_registry_t *reg, const char *space,
                                    const char *name)
{
    return optdef_resolve_by_name(NULL, reg, space, name);
}

/* Splits Kea's "record-types" list (comma separated, blanks trimmed, empty items skipped) into
 * def->fields, with Kea's addRecordField() checks. */
static int parse_record_types(optdef_t *def, const char *list, const char *type_text, char *err,
                              size_t errlen)
{
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && (*a == ' ' || *a == '\t' || *a == '\n'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n'))
            b--;
        if (b > a) {
            char tname[32];
            size_t n = (size_t)(b - a);
            optdef_type_t ft = OPTDEF_TYPE_COUNT;
            if (n < sizeof tname) {
                memcpy(tname, a, n);
                tname[n] = '\0';
                if (!optdef_type_from_name(tname, &ft))
                    ft = OPTDEF_TYPE_COUNT;
            }
            const char *pre = "invalid record type values specified for the option definition";
            if (def->type != OPTDEF_RECORD)
                return errf(err, errlen, NST_ECONFIG, "%s: 'record' option type must be used instead of "
                               "'%s' to add data fields to the record", pre, type_text);
            if (ft >= OPTDEF_RECORD || ft == OPTDEF_EMPTY)
                return errf(err, errlen, NST_ECONFIG, "%s: attempted to add invalid data type '%s' to the "
                               "record.", pre, optdef_type_name(ft));
            if (def->nfields >= OPTDEF_MAX_FIELDS)
                return errf(err, errlen, NST_ECONFIG, "%s: more than %d record fields", pre,
                               OPTDEF_MAX_FIELDS);
            def->fields[def->nfields++] = ft;
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

/* Kea OptionDefinition::validate() on the fields that remain to check. */
static int validate_def(const optdef_t *def, const char *type_text, char *err, size_t errlen)
{
    if (!optdef_valid_name(def->name))
        return errf(err, errlen, NST_ECONFIG, "invalid option name '%s'", def->name);
    if (def->encapsulate[0] && !optdef_valid_name(def->encapsulate))
        return errf(err, errlen, NST_ECONFIG, "invalid encapsulated option space name: '%s'",
                       def->encapsulate);
    if (def->type >= OPTDEF_TYPE_COUNT)
        return errf(err, errlen, NST_ECONFIG, "option type '%s' not supported.", type_text);
    if (def->type == OPTDEF_RECORD) {
        if (def->nfields < 2)
            return errf(err, errlen, NST_ECONFIG, "invalid number of data fields: %u specified for the "
                           "option of type 'record'. Expected at least 2 fields.",
                           (unsigned)def->nfields);
        /* Variable-length string/binary fields can only be the last field. */
        for (unsigned i = 0; i + 1 < def->nfields; i++) {
            if (def->fields[i] == OPTDEF_STRING)
                return errf(err, errlen, NST_ECONFIG, "string data field can't be laid before data fields "
                               "of other types.");
            if (def->fields[i] == OPTDEF_BINARY)
                return errf(err, errlen, NST_ECONFIG, "binary data field can't be laid before data fields "
                               "of other types.");
        }
        optdef_type_t last = def->fields[def->nfields - 1];
        if (def->array && last == OPTDEF_STRING)
            return errf(err, errlen, NST_ECONFIG, "array of strings is not a valid option definition.");
        if (def->array && last == OPTDEF_BINARY)
            return errf(err, errlen, NST_ECONFIG, "array of binary values is not a valid option "
                           "definition.");
    } else if (def->array) {
        if (def->type == OPTDEF_STRING)
            return errf(err, errlen, NST_ECONFIG, "array of strings is not a valid option definition.");
        if (def->type == OPTDEF_BINARY)
            return errf(err, errlen, NST_ECONFIG, "array of binary values is not a valid option "
                           "definition.");
        if (def->type == OPTDEF_EMPTY)
            return errf(err, errlen, NST_ECONFIG, "array of empty value is not a valid option "
                           "definition.");
    }
    return 0;
}

int optdef_registry_define(optdef_registry_t *reg, const char *name, int64_t code,
                           const char *type, const char *record_types, const char *space,
                           bool array, const char *encapsulate, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!reg || reg == &std_registry || !name || !type)
        return errf(err, errlen, NST_ECONFIG, "invalid option definition arguments");
    if (!space)
        space = OPTDEF_SPACE_DHCP4;
    if (!encapsulate)
        encapsulate = "";
    if (!record_types)
        record_types = "";

    /* Checks in Kea 2.2 order (OptionDefParser::parse, then validate(), then
     * CfgOptionDef::add()), so the first error reported is the one Kea reports. */
    if (code < 0)
        return errf(err, errlen, NST_ECONFIG, "option code must not be negative");
    if (code > 255)
        return errf(err, errlen, NST_ECONFIG, "invalid option code '%lld', it must not be greater than "
                       "'255'", (long long)code);
    if (!optdef_valid_name(space))
        return errf(err, errlen, NST_ECONFIG, "invalid option space name '%s'", space);
    if (strcmp(space, OPTDEF_SPACE_DHCP4) == 0) {
        if (code == 0)
            return errf(err, errlen, NST_ECONFIG, "invalid option code '0': reserved for PAD");
        if (code == 255)
            return errf(err, errlen, NST_ECONFIG, "invalid option code '255': reserved for END");
    }
    if (encapsulate[0]) {
        if (array)
            return errf(err, errlen, NST_ECONFIG, "option '%s.%s', comprising an array of data fields may "
                           "not encapsulate any option space", space, name);
        if (strcmp(encapsulate, space) == 0)
            return errf(err, errlen, NST_ECONFIG, "option must not encapsulate an option space it belongs "
                           "to: '%s.%s' is set to encapsulate '%s'", space, name, space);
    }

    optdef_t def = {
        .name = name,
        .code = (uint16_t)code,
        .space = space,
        .array = array,
        .encapsulate = encapsulate,
    };
    if (!optdef_type_from_name(type, &def.type))
        def.type = OPTDEF_TYPE_COUNT;
    int ret = parse_record_types(&def, record_types, optdef_type_name(def.type), err, errlen);
    if (ret == 0)
        ret = validate_def(&def, type, err, errlen);
    if (ret != 0)
        return ret;

    for (size_t i = 0; i < reg->count; i++) {
        const optdef_t *d = reg->defs[i];
        if (strcmp(d->space, space) != 0)
            continue;
        if (d->code == def.code)
            return errf(err, errlen, NST_ECONFIG, "option definition with code '%u' already exists in "
                           "option space '%s'", (unsigned)def.code, space);
        if (strcmp(d->name, name) == 0)
            return errf(err, errlen, NST_ECONFIG, "option definition with name '%s' already exists in "
                           "option space '%s'", name, space);
    }
    if (is_std_space(space) && std_by_code(space, def.code))
        return errf(err, errlen, NST_ECONFIG, "unable to override definition of option '%u' in standard "
                       "option space '%s'", (unsigned)def.code, space);
    if (is_std_space(space) && std_by_name(space, name))
        return errf(err, errlen, NST_ECONFIG, "unable to override definition of option '%s' in standard "
                       "option space '%s'", name, space);

    optdef_t *copy = xmalloc(sizeof *copy);
    *copy = def;
    copy->name = xstrdup(name);
    copy->space = xstrdup(space);
    copy->encapsulate = xstrdup(encapsulate);
    if (reg->count == reg->cap) {
        reg->cap = reg->cap ? reg->cap * 2 : 8;
        reg->defs = xrealloc(reg->defs, reg->cap * sizeof *reg->defs);
    }
    reg->defs[reg->count++] = copy;
    return 0;
}
