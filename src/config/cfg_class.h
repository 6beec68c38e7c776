/* Client classes (Kea's "client-classes"), for both families: the class dictionary of one
 * configuration.
 *
 * Contract:
 * - A dictionary holds every class name the configuration uses, each at a fixed index: the
 *   built-in classes first (CFG_CLASS_ALL, _KNOWN, _UNKNOWN, _BOOTP), then the classes of
 *   "client-classes" in their order, then names that are only referenced (a subnet's or pool's
 *   "client-class", "require-client-classes", a reservation's "client-classes", built-in prefixes
 *   such as VENDOR_CLASS_ or HA_ named in member()). A packet's classes are a set of these
 *   indexes (server/classify.h); a name the dictionary does not hold cannot change what the
 *   server does, so a packet's class outside it (a vendor class nobody refers to, a class of a
 *   database reservation) is only logged.
 * - Classes of client-classes are evaluated in their order (order[]); a test may only use classes
 *   defined before it or built in (member(), known, unknown; the expression engine checks this at
 *   compile time through cfg_classes_find()).
 * - The dictionary owns its classes (names, compiled tests, options); it is immutable once the
 *   configuration is built and read by any number of threads. cfg_classes_free() frees it.
 */
#ifndef NESTOR_CONFIG_CFG_CLASS_H
#define NESTOR_CONFIG_CFG_CLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg4.h"
#include "eval/eval.h"

#define CFG_CLASS_MAX 1024        /* names in one dictionary */
#define CFG_CLASS_NAME_MAX 128    /* Kea's client_class columns are VARCHAR(128) */

enum { CFG_CLASS_ALL = 0, CFG_CLASS_KNOWN, CFG_CLASS_UNKNOWN, CFG_CLASS_BOOTP, CFG_CLASS_BUILTIN_COUNT };

typedef struct cfg_class {
    char *name;
    bool defined;             /* an entry of client-classes */
    eval_t *test;             /* NULL: no test (members by reservation, required without test...) */
    bool only_if_required;
    bool after_host;          /* the test depends on KNOWN/UNKNOWN, directly or through member() */
    cfg_optset_t options;
    optdef_registry_t *optdefs; /* the class's option-def (DHCPv4: 43, 224-254), NULL: none */
    /* DHCPv4 fixed fields (0 / NULL: not set) */
    uint32_t next_server;
    char *server_hostname, *boot_file_name;
    /* lifetimes (has_*: set in the class) */
    bool has_valid, has_preferred;
    uint32_t valid, valid_min, valid_max;
    uint32_t preferred, preferred_min, preferred_max;
} cfg_class_t;

typedef struct cfg_classes {
    cfg_class_t *items;       /* by index */
    size_t count;
    size_t cap;
    int32_t *hash;            /* open addressing over names: index + 1, 0 = empty */
    size_t hash_size;
    uint16_t *order;          /* the defined classes, in client-classes order (evaluation order) */
    size_t norder;
    int drop;                 /* index of the defined class DROP, -1: none */
    bool any_after_host;      /* some class is evaluated after the host lookup */
} cfg_classes_t;

/* An empty dictionary with the built-in classes. */
void cfg_classes_init(cfg_classes_t *c);
void cfg_classes_free(cfg_classes_t *c);
/* The index of name, or -1. len: the name's length (names from packets are not NUL-terminated). */
int cfg_classes_find_n(const cfg_classes_t *c, const char *name, size_t len);
int cfg_classes_find(const cfg_classes_t *c, const char *name);
/* The index of name, added (not defined) when absent; -1 when the dictionary is full. */
int cfg_classes_intern(cfg_classes_t *c, const char *name);
/* Whether name is one of Kea's built-in classes or prefixes (ALL, KNOWN, UNKNOWN, BOOTP,
 * VENDOR_CLASS_..., HA_..., AFTER_..., EXTERNAL_..., SKIP_DDNS): usable in member() without a
 * definition. */
bool cfg_class_builtin_name(const char *name);

#endif
