/* Internal to the config module: the parse context shared by cfg4_*.c.
 *
 * Contract: every helper that fails records a message "file:line:col: text" (the position of
 * the JSON element at the current path) and returns NST_ECONFIG; the caller gives up that unit
 * (the value, the list entry, the section) and goes on with the next one where nothing depends
 * on it, so one run reports every error it can (nerr; every message in all when collect). The
 * first message is also in err.
 * pctx_check_keys records one error per refused key and returns 0: the keys it accepted can
 * still be read. Getters leave *out untouched when the key is absent and return 0. */
#ifndef NESTOR_CONFIG_CFG4_CTX_H
#define NESTOR_CONFIG_CFG4_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/errcode.h"
#include "common/util.h"
#include "config/cfg4.h"
#include "eval/eval.h"

typedef struct pctx {
    jsonsrc_t *src;
    cfg4_t *cfg;
    cfg_common_t *common;    /* the shared sections of the configuration being parsed */
    char path[1024];
    size_t plen;
    char *err;
    size_t errlen;
    uint32_t next_auto_id;   /* next id for a subnet without "id" */
    unsigned nerr;           /* errors recorded */
    bool collect;            /* keep every message in all */
    char *all;               /* every message, one a line (malloc'd; at most PCTX_MAX_ERRORS) */
    size_t all_len;
} pctx_t;

#define PCTX_MAX_ERRORS 100

/* Runs one parsing step whatever happened before it; r remembers that a step failed. */
#define PCTX_STEP(r, call)      \
    do {                        \
        if ((call) != 0)        \
            (r) = NST_ECONFIG;  \
    } while (0)

/* Path handling: push returns the previous length, pop restores it. */
size_t pctx_push(pctx_t *p, const char *key);
size_t pctx_push_idx(pctx_t *p, size_t idx);
void pctx_pop(pctx_t *p, size_t len);

/* Records an error located at the current path (or at path/key when key != NULL). */
int pctx_fail(pctx_t *p, const char *key, const char *fmt, ...) NST_PRINTF(3, 4);

/* Rejects keys of obj that are not in allowed (NULL-terminated), each with pctx_fail_key.
 * "comment" and "user-context" are always allowed. what names the map in the message ("subnet4
 * entry"). Returns 0 (see the contract). */
int pctx_check_keys(pctx_t *p, json_t *obj, const char *what, const char *const *allowed);
/* The same with two lists of allowed keys (a family's own and the shared ones). */
int pctx_check_keys2(pctx_t *p, json_t *obj, const char *what, const char *const *allowed,
                     const char *const *also);

/* cfg4_keys.c: the error for key, refused in the map at the current path: "'x' in <what> is a Kea
 * 2.2 parameter that Nestor does not support yet" when Kea 2.2 has it in that map, else "unknown
 * parameter 'x' in <what>" with the nearest name of allowed, also or Kea's keys of the map when
 * one is close ("did you mean"), or the map where Kea 2.2 has it. */
int pctx_fail_key(pctx_t *p, const char *key, const char *what, const char *const *allowed,
                  const char *const *also);
/* Edit distance (adjacent transpositions count 1) and the nearest name of up to three lists. */
size_t cfg_key_distance(const char *a, const char *b);
const char *cfg_key_suggest(const char *key, const char *const *a, const char *const *b, const char *const *c);

/* cfg_common.c: the shared sections of a Dhcp4 / Dhcp6 map into *p->common. */
int cfg_common_parse(pctx_t *p, json_t *d);


/* Typed getters. */
int pctx_get_bool(pctx_t *p, json_t *obj, const char *key, bool *out);
int pctx_get_u32(pctx_t *p, json_t *obj, const char *key, uint32_t min, uint32_t max, uint32_t *out);
int pctx_get_double(pctx_t *p, json_t *obj, const char *key, double min, double max, double *out);
/* *out is a new string (freed by the caller); an existing *out is freed first. */
int pctx_get_str(pctx_t *p, json_t *obj, const char *key, char **out);
int pctx_get_ipv4(pctx_t *p, json_t *obj, const char *key, uint32_t *out);
/* Requires obj[key] to be a map / list when present; *out = NULL when absent. */
int pctx_get_map(pctx_t *p, json_t *obj, const char *key, json_t **out);
int pctx_get_list(pctx_t *p, json_t *obj, const char *key, json_t **out);

bool cfg_parse_ipv4(const char *text, uint32_t *out);

/* cfg4_options.c */
/* The global option-def list into p->cfg->optdefs (created here, also when list is NULL). */
int cfg4_parse_option_defs(pctx_t *p, json_t *list);
/* An option-def list into reg, with Kea's syntax and checks. class_scope: a client class's list,
 * where Kea allows only what optdef_class_may_define() says (dhcp4 43 and 224..254). */
int cfg4_parse_option_defs_into(pctx_t *p, json_t *list, optdef_registry_t *reg, bool class_scope);
/* One level's option-data list into *out (any space; options encapsulating a space get that
 * space's options of this same list, cfg_optencap.h). Definitions are looked up as Kea does:
 * local first (a client class's own option-def registry, which is how a class redefines option
 * 43; NULL elsewhere), then the standard ones, then the global option-def, then last-resort.
 * On failure *out may hold part of the list: the caller frees it with cfg_optset_free(). */
int cfg4_parse_options(pctx_t *p, json_t *list, cfg_optset_t *out);
int cfg4_parse_options_local(pctx_t *p, json_t *list, cfg_optset_t *out, const optdef_registry_t *local);
void cfg_optset_free(cfg_optset_t *s);

/* cfg4_subnet.c */
int cfg4_parse_subnets(pctx_t *p, json_t *dhcp4);
/* A pool's range from "first - last" or "prefix/len" (first > last is the caller's to refuse). */
bool cfg_parse_pool(const char *text, uint32_t *first, uint32_t *last);
int cfg4_parse_host(pctx_t *p, json_t *h, uint32_t subnet_id, cfg_host4_t *out);
void cfg_host4_free(cfg_host4_t *h);
void cfg_subnet4_free(cfg_subnet4_t *s);
void cfg_network4_free(cfg_network4_t *n);

/* cfg4_class.c: client-classes into p->cfg->classes (before anything refers to a class); a
 * level's "client-class" (an index, -1 when absent or empty) and a list of class names
 * ("require-client-classes") as indexes; both add names the dictionary does not hold yet. */
int cfg4_parse_classes(pctx_t *p, json_t *d4);
int cfg4_class_ref(pctx_t *p, json_t *obj, const char *key, int32_t *out);
int cfg4_class_refs(pctx_t *p, json_t *obj, const char *key, uint16_t **out, size_t *count);
int cfg4_parse_class_use(pctx_t *p, json_t *obj, cfg_class_use_t *out);
/* The expressions of the built-in hooks flex-id (and its options), compiled with the
 * configuration's option names and classes: after cfg4_parse_classes. */
int cfg4_parse_flex(pctx_t *p);
/* The "name", "space" and "code" (min_code..max_code) of flex_option entry o, one of code and
 * name required. */
int cfg4_flex_ident(pctx_t *p, json_t *o, uint32_t min_code, uint32_t max_code, char **name, char **space,
                    uint32_t *code);
/* The one action (add, supersede, remove) of flex_option entry o and its expression, compiled;
 * what names the entry in errors ("option 67", "sub-option 1 of option 43"). */
int cfg4_flex_action(pctx_t *p, json_t *o, const char *what, uint8_t *action, eval_t **expr);
/* cfg4_json_kea.c: values and orders as kea-dhcp4 2.2's config-get writes them (see there). */
void cfg4_json_option_data(json_t *o, const cfg_optset_t *set);
void cfg4_json_sort_options(json_t *list);
void cfg4_json_sort_option_defs(json_t *list);
void cfg4_json_sort_subnets(json_t *list);
void cfg4_json_sort_networks(json_t *list);
void cfg4_json_host(json_t *h);
void cfg4_json_sort_hosts(json_t *list);
void cfg4_json_pools(json_t *list);
void cfg4_json_relay(json_t *relay);
/* cfg4_flexsub.c: the "sub-options" of flex_option entry o, whose option is code (definition
 * def, may be NULL; the entry's client-class guard container_class), into p->cfg->flexsubs. */
int cfg4_parse_flexsubs(pctx_t *p, json_t *o, uint16_t code, const struct optdef *def, int32_t container_class);
/* Compiles one expression of the configuration (option names of dhcp4 and its option-def,
 * classes defined so far); errors name what (e.g. "client class 'x'") and the column. */
int cfg4_compile_expr(pctx_t *p, const char *key, const char *what, const char *text, enum eval_want want,
                      eval_t **out);

/* cfg4_more.c: the remaining Kea 2.2 parameters (see cfg4_more.c) */
extern const char *const cfg4_more_level_keys[];
/* reservations-global, -in-subnet, -out-of-pool, or the deprecated reservation-mode mapped as Kea maps it */
int cfg4_parse_reservation_mode(pctx_t *p, json_t *obj, bool *global, bool *in_subnet, bool *out_of_pool);
int cfg4_parse_extra(pctx_t *p, json_t *obj, cfg_extra4_t *x);
int cfg4_parse_more_global(pctx_t *p, json_t *d);

/* Shared keys for the inheritable lifetime parameters and their parser. */
extern const char *const cfg4_life_keys[];
int cfg4_parse_life(pctx_t *p, json_t *obj, cfg_lifetimes_t *life);

#endif
