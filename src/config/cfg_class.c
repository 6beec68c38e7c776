/* The class dictionary (see cfg_class.h). */
#include "config/cfg_class.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "config/cfg4_ctx.h"

static const char *const builtin[CFG_CLASS_BUILTIN_COUNT] = {"ALL", "KNOWN", "UNKNOWN", "BOOTP"};

static uint32_t name_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static void put(cfg_classes_t *c, size_t i)
{
    size_t k = name_hash(c->items[i].name, strlen(c->items[i].name)) & (c->hash_size - 1);
    while (c->hash[k])
        k = (k + 1) & (c->hash_size - 1);
    c->hash[k] = (int32_t)i + 1;
}

static void rehash(cfg_classes_t *c, size_t size)
{
    free(c->hash);
    c->hash = xcalloc(size, sizeof *c->hash);
    c->hash_size = size;
    for (size_t i = 0; i < c->count; i++)
        put(c, i);
}

static int add(cfg_classes_t *c, const char *name)
{
    if (c->count == CFG_CLASS_MAX)
        return -1;
    if (c->count == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->items = xrealloc(c->items, c->cap * sizeof *c->items);
    }
    cfg_class_t *k = &c->items[c->count++];
    *k = (cfg_class_t){.name = xstrdup(name)};
    if (2 * c->count > c->hash_size)
        rehash(c, c->hash_size ? 2 * c->hash_size : 64);
    else
        put(c, c->count - 1);
    return (int)c->count - 1;
}

void cfg_classes_init(cfg_classes_t *c)
{
    *c = (cfg_classes_t){.drop = -1};
    for (int i = 0; i < CFG_CLASS_BUILTIN_COUNT; i++)
        add(c, builtin[i]);
}

void cfg_classes_free(cfg_classes_t *c)
{
    for (size_t i = 0; i < c->count; i++) {
        cfg_class_t *k = &c->items[i];
        free(k->name);
        eval_free(k->test);
        cfg_optset_free(&k->options);
        optdef_registry_free(k->optdefs);
        free(k->server_hostname);
        free(k->boot_file_name);
    }
    free(c->items);
    free(c->hash);
    free(c->order);
    *c = (cfg_classes_t){.drop = -1};
}

int cfg_classes_find_n(const cfg_classes_t *c, const char *name, size_t len)
{
    if (!c->hash_size)
        return -1;
    for (size_t k = name_hash(name, len) & (c->hash_size - 1); c->hash[k]; k = (k + 1) & (c->hash_size - 1)) {
        const char *n = c->items[c->hash[k] - 1].name;
        if (!strncmp(n, name, len) && n[len] == '\0')
            return c->hash[k] - 1;
    }
    return -1;
}

int cfg_classes_find(const cfg_classes_t *c, const char *name)
{
    return cfg_classes_find_n(c, name, strlen(name));
}

int cfg_classes_intern(cfg_classes_t *c, const char *name)
{
    int i = cfg_classes_find(c, name);
    return i >= 0 ? i : add(c, name);
}

bool cfg_class_builtin_name(const char *name)
{
    static const char *const prefixes[] = {"VENDOR_CLASS_", "HA_", "AFTER_", "EXTERNAL_"};
    for (int i = 0; i < CFG_CLASS_BUILTIN_COUNT; i++)
        if (!strcmp(name, builtin[i]))
            return true;
    if (!strcmp(name, "SKIP_DDNS"))
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
        if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
            return true;
    return false;
}
