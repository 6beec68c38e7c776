/* Kea lease4 CSV rows: header check, row parse (in place) and row format. See csv4.h. */
#include "lease/csv4.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/csv.h"

enum {
    C_ADDRESS, C_HWADDR, C_CLIENT_ID, C_VALID, C_EXPIRE, C_SUBNET, C_FQDN_FWD, C_FQDN_REV,
    C_HOSTNAME, C_STATE, C_USER_CONTEXT,
};

static const char *const col_names[CSV4_NCOLS] = {
    "address", "hwaddr", "client_id", "valid_lifetime", "expire", "subnet_id",
    "fqdn_fwd", "fqdn_rev", "hostname", "state", "user_context",
};

/* Kea's ClientId::MIN_CLIENT_ID_LEN; the maximum is LEASE_CLIENTID_MAX. */
#define CSV4_CLIENTID_MIN 2

void csv4_schema_current(csv4_schema_t *s)
{
    s->header_cols = CSV4_NCOLS;
    s->known_cols = CSV4_NCOLS;
}

bool csv4_schema_needs_conversion(const csv4_schema_t *s)
{
    return s->header_cols != CSV4_NCOLS || s->known_cols != CSV4_NCOLS;
}

const char *csv4_schema_version(const csv4_schema_t *s)
{
    if (s->known_cols <= C_HOSTNAME + 1)
        return "1.0";
    if (s->known_cols == C_STATE + 1)
        return "2.0";
    return s->header_cols > CSV4_NCOLS ? "2.1+" : "2.1";
}


/* Quoted value for messages: at most 64 characters, then "...". */
static const char *shown(const char *v, char *tmp, size_t cap)
{
    size_t n = strlen(v);
    if (n < 65)
        return v;
    snprintf(tmp, cap, "%.64s...", v);
    return tmp;
}

int csv4_parse_header(const char *line, csv4_schema_t *out, char *err, size_t errlen)
{
    size_t len = strlen(line);
    char copy[1024];
    char *cols[CSV4_MAX_COLS];
    if (len >= sizeof(copy))
        return errf(err, errlen, NST_EMALFORMED, "invalid lease4 file header: longer than %zu characters",
                    sizeof(copy) - 1);
    memcpy(copy, line, len + 1);
    size_t n = csv_split(copy, cols, CSV4_MAX_COLS);
    if (n > CSV4_MAX_COLS)
        return errf(err, errlen, NST_EMALFORMED, "invalid lease4 file header: %zu columns", n);
    size_t known = 0;
    while (known < n && known < CSV4_NCOLS) {
        if (strcmp(cols[known], col_names[known]) != 0) {
            char tmp[80];
            return errf(err, errlen, NST_EMALFORMED,
                        "invalid lease4 file header: column %zu is '%s', expected '%s'",
                        known + 1, shown(cols[known], tmp, sizeof tmp), col_names[known]);
        }
        known++;
    }
    if (known < CSV4_MIN_COLS)
        return errf(err, errlen, NST_EMALFORMED,
                    "invalid lease4 file header: only %zu known column(s), at least %d required",
                    known, CSV4_MIN_COLS);
    out->header_cols = (unsigned)n;
    out->known_cols = (unsigned)known;
    return 0;
}

static bool parse_ipv4(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

/* Validates a user context: a JSON object. Returns NULL or a static/err-filled reason. */
static bool json_object_ok(const char *text, char *why, size_t cap)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!j) {
        snprintf(why, cap, "%s", jerr.text);
        return false;
    }
    bool ok = json_is_object(j);
    json_decref(j);
    if (!ok)
        snprintf(why, cap, "not a JSON map");
    return ok;
}

int csv4_parse_row(const csv4_schema_t *schema, char *line, unsigned lineno, lease_t *out,
                   bool *is_delete, char *err, size_t errlen)
{
    char *f[CSV4_MAX_COLS];
    char tmp[80];
    char empty[1] = "";
    size_t n = csv_split(line, f, CSV4_MAX_COLS);
    unsigned maxc = schema->header_cols > CSV4_NCOLS ? schema->header_cols : CSV4_NCOLS;
    if (n < schema->known_cols || n > maxc) {
        if (schema->known_cols == maxc)
            return errf(err, errlen, NST_EMALFORMED, "line %u: expected %u columns, found %zu", lineno, maxc, n);
        return errf(err, errlen, NST_EMALFORMED, "line %u: expected %u to %u columns, found %zu", lineno,
                    schema->known_cols, maxc, n);
    }
    for (size_t i = n; i < CSV4_NCOLS; i++)
        f[i] = empty; /* defaults: state "" handled below, user_context "" */

    lease_init(out, LEASE_V4);
    uint64_t v;

    if (!parse_ipv4(f[C_ADDRESS], &out->addr.v4))
        return errf(err, errlen, NST_EMALFORMED, "line %u: invalid address '%s'", lineno,
                    shown(f[C_ADDRESS], tmp, sizeof tmp));

    int hl = csv_parse_hwaddr(f[C_HWADDR], out->hwaddr, LEASE_HWADDR_MAX);
    if (hl < 0)
        return errf(err, errlen, NST_EMALFORMED, "line %u: invalid hwaddr '%s'", lineno,
                    shown(f[C_HWADDR], tmp, sizeof tmp));
    out->hwaddr_len = (uint8_t)hl;

    /* Decoded in place: the bytes never outgrow their text. */
    char *cid_text = f[C_CLIENT_ID];
    char cid_shown[80];
    snprintf(cid_shown, sizeof cid_shown, "%s", shown(cid_text, tmp, sizeof tmp));
    int cl = csv_parse_hexid(cid_text, (uint8_t *)cid_text, LEASE_CLIENTID_MAX);
    if (cl < 0 || cl == 1)
        return errf(err, errlen, NST_EMALFORMED, "line %u: invalid client_id '%s'%s", lineno, cid_shown,
                    cl == 1 ? ": shorter than 2 bytes" : "");
    out->client_id_len = (uint16_t)cl;
    out->client_id = cl ? (uint8_t *)cid_text : NULL;

    if (!csv_parse_uint(f[C_VALID], UINT32_MAX, &v))
        return errf(err, errlen, NST_EMALFORMED, "line %u: invalid valid_lifetime '%s'", lineno,
                    shown(f[C_VALID], tmp, sizeof tmp));
    out->valid_lft = (uint32_t)v;

    if (!csv_parse_uint(f[C_EXPIRE], INT64_MAX, &v))
        return errf(err, errlen, NST_EMALFORMED, "line %u: invalid expire '%s'", lineno,
                    shown(f[C_EXPIRE], tmp, sizeof tmp));
    out->cltt = (int64_t)v - (int64_t)out->valid_lft;

    if (!csv_parse_uint(f[C_SUBNET], UINT32_MAX, &v))
        return errf(err, errlen, NST_EMALFORMED, "line %u: invalid subnet_id '%s'", lineno,
                    shown(f[C_SUBNET], tmp, sizeof tmp));
    out->subnet_id = (uint32_t)v;

    if (!csv_parse_uint(f[C_FQDN_FWD], 1, &v))
        return errf(err, errlen, NST_EMALFORMED, "line %u: invalid fqdn_fwd '%s'", lineno,
                    shown(f[C_FQDN_FWD], tmp, sizeof tmp));
    out->fqdn_fwd = v != 0;
    if (!csv_parse_uint(f[C_FQDN_REV], 1, &v))
        return errf(err, errlen, NST_EMALFORMED, "line %u: invalid fqdn_rev '%s'", lineno,
                    shown(f[C_FQDN_REV], tmp, sizeof tmp));
    out->fqdn_rev = v != 0;

    if (n <= C_STATE) {
        out->state = LEASE_STATE_DEFAULT;
    } else if (!csv_parse_uint(f[C_STATE], UINT32_MAX, &v)) {
        return errf(err, errlen, NST_EMALFORMED, "line %u: invalid state '%s'", lineno,
                    shown(f[C_STATE], tmp, sizeof tmp));
    } else {
        out->state = (uint32_t)v;
    }

    char *host = f[C_HOSTNAME];
    csv_unescape_inplace(host);
    for (char *p = host; *p; p++)
        *p = (char)tolower((unsigned char)*p); /* Kea's Lease lower-cases hostnames */
    out->hostname = *host ? host : NULL;

    char *ctx = f[C_USER_CONTEXT];
    if (*ctx) {
        char raw[80], why[160];
        snprintf(raw, sizeof raw, "%s", shown(ctx, tmp, sizeof tmp));
        csv_unescape_inplace(ctx);
        if (!*ctx || !json_object_ok(ctx, why, sizeof why))
            return errf(err, errlen, NST_EMALFORMED, "line %u: invalid user_context '%s': %s", lineno, raw,
                        *ctx ? why : "empty after unescaping");
        out->user_context = ctx;
    }

    /* Kea: a v4 lease needs a hardware address or a client identifier unless declined. */
    if (out->hwaddr_len == 0 && out->client_id_len == 0 &&
        out->state != LEASE_STATE_DECLINED)
        return errf(err, errlen, NST_EMALFORMED, "line %u: lease has neither hwaddr nor client_id (state %u)",
                    lineno, out->state);

    *is_delete = out->valid_lft == 0;
    return 0;
}

size_t csv4_row_max_len(const lease_t *l)
{
    /* address 15, five numbers of at most 20 characters, two flags, 10 separators, newline
     * and NUL: 140; then the identifiers (3 characters a byte) and the escaped texts. */
    size_t hw = l->hwaddr_len < LEASE_HWADDR_MAX ? l->hwaddr_len : LEASE_HWADDR_MAX;
    size_t cid = l->client_id ? l->client_id_len : 0;
    return 140 + 3 * hw + 3 * cid + csv_escaped_len(l->hostname) +
           csv_escaped_len(l->user_context);
}

int csv4_format_row(const lease_t *l, char *buf, size_t cap)
{
    csv_out_t o;
    csv_out_init(&o, buf, cap);
    csv_out_ipv4(&o, l->addr.v4);
    csv_out_char(&o, ',');
    csv_out_hex_colon(&o, l->hwaddr, l->hwaddr_len < LEASE_HWADDR_MAX ? l->hwaddr_len
                                                                       : LEASE_HWADDR_MAX);
    csv_out_char(&o, ',');
    if (l->client_id)
        csv_out_hex_colon(&o, l->client_id, l->client_id_len);
    csv_out_char(&o, ',');
    csv_out_u64(&o, l->valid_lft);
    csv_out_char(&o, ',');
    csv_out_i64(&o, lease_expire(l));
    csv_out_char(&o, ',');
    csv_out_u64(&o, l->subnet_id);
    csv_out_mem(&o, l->fqdn_fwd ? ",1" : ",0", 2);
    csv_out_mem(&o, l->fqdn_rev ? ",1," : ",0,", 3);
    csv_out_escaped(&o, l->hostname);
    csv_out_char(&o, ',');
    csv_out_u64(&o, l->state);
    csv_out_char(&o, ',');
    csv_out_escaped(&o, l->user_context);
    csv_out_char(&o, '\n');
    csv_out_char(&o, '\0');
    if (o.overflow)
        return NST_ENOSPACE;
    return (int)(o.len - 1);
}

int csv4_check_lease(const lease_t *l, char *err, size_t errlen)
{
    if (l->family != LEASE_V4) {
        snprintf(err, errlen, "not an IPv4 lease");
        return NST_EINVAL;
    }
    if (l->hwaddr_len > LEASE_HWADDR_MAX) {
        snprintf(err, errlen, "hwaddr longer than %d bytes", LEASE_HWADDR_MAX);
        return NST_EINVAL;
    }
    if (l->client_id_len > LEASE_CLIENTID_MAX || l->client_id_len == 1 ||
        (l->client_id_len && !l->client_id)) {
        snprintf(err, errlen, "client_id must be 2 to %d bytes", LEASE_CLIENTID_MAX);
        return NST_EINVAL;
    }
    if (l->hwaddr_len == 0 && l->client_id_len == 0 && l->state != LEASE_STATE_DECLINED) {
        snprintf(err, errlen, "lease has neither hwaddr nor client_id");
        return NST_EINVAL;
    }
    if (l->hostname && strlen(l->hostname) > LEASE_HOSTNAME_MAX) {
        snprintf(err, errlen, "hostname longer than %d bytes", LEASE_HOSTNAME_MAX);
        return NST_EINVAL;
    }
    if (l->user_context && strlen(l->user_context) > LEASE_USER_CONTEXT_MAX) {
        snprintf(err, errlen, "user_context longer than %d bytes", LEASE_USER_CONTEXT_MAX);
        return NST_EINVAL;
    }
    if (lease_expire(l) < 0) {
        snprintf(err, errlen, "expire (cltt + valid_lft) is negative");
        return NST_EINVAL;
    }
    if (l->user_context && *l->user_context) {
        char why[160];
        if (!json_object_ok(l->user_context, why, sizeof why)) {
            snprintf(err, errlen, "user_context: %s", why);
            return NST_EINVAL;
        }
    }
    return 0;
}
