/* The load-balancing hash and the unacked-clients bookkeeping (see ha_hash.h). */
#include "ha/ha_hash.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* RFC 3074 section 6's mixing table. */
static const uint8_t loadb_mx_tbl[256] = {
    251, 175, 119, 215, 81, 14, 79, 191, 103, 49, 181, 143, 186, 157, 0, 232, 31, 32, 55, 60, 152, 58, 17, 237,
    174, 70, 160, 144, 220, 90, 57, 223, 59, 3, 18, 140, 111, 166, 203, 196, 134, 243, 124, 95, 222, 179, 197,
    65, 180, 48, 36, 15, 107, 46, 233, 130, 165, 30, 123, 161, 209, 23, 97, 16, 40, 91, 219, 61, 100, 10, 210,
    109, 250, 127, 22, 138, 29, 108, 244, 67, 207, 9, 178, 204, 74, 98, 126, 249, 167, 116, 34, 77, 193, 200,
    121, 5, 20, 113, 71, 35, 128, 13, 182, 94, 25, 226, 227, 199, 75, 27, 41, 245, 230, 224, 43, 225, 177, 26,
    155, 150, 212, 142, 218, 115, 241, 73, 88, 105, 39, 114, 62, 255, 192, 201, 145, 214, 168, 158, 221, 148,
    154, 122, 12, 84, 82, 163, 44, 139, 228, 236, 205, 242, 217, 11, 187, 146, 159, 64, 86, 239, 195, 42, 106,
    198, 118, 112, 184, 172, 87, 2, 173, 117, 176, 229, 247, 253, 137, 185, 99, 164, 102, 147, 45, 66, 231, 52,
    141, 211, 194, 206, 246, 238, 56, 110, 78, 248, 63, 240, 189, 93, 92, 51, 53, 183, 19, 171, 72, 50, 33, 104,
    101, 69, 8, 252, 83, 120, 76, 135, 85, 54, 202, 125, 188, 213, 96, 235, 136, 208, 162, 129, 190, 132, 156,
    38, 47, 1, 7, 254, 24, 4, 216, 131, 89, 21, 28, 133, 37, 153, 149, 80, 170, 68, 6, 169, 234, 151,
};

uint8_t ha_lb_hash(const uint8_t *key, size_t len)
{
    uint8_t h = (uint8_t)len;
    while (len)
        h = loadb_mx_tbl[h ^ key[--len]];
    return h;
}

int ha_lb_server(const uint8_t *key, size_t len, unsigned active)
{
    if (!len || !active)
        return -1;
    return (int)(ha_lb_hash(key, len) % active);
}

uint32_t ha_secs_ms(uint16_t secs)
{
    if (secs > 255 && !(secs & 0xff))
        secs = (uint16_t)(secs >> 8);
    return (uint32_t)secs * 1000;
}

uint32_t ha_elapsed_ms(uint16_t hundredths)
{
    return (uint32_t)hundredths * 10;
}

void ha_unacked_init(ha_unacked_t *u)
{
    memset(u, 0, sizeof *u);
}

void ha_unacked_clear(ha_unacked_t *u)
{
    for (size_t i = 0; i < u->cap; i++) {
        free(u->slots[i].key);
        u->slots[i].key = NULL;
    }
    u->clients = u->unacked = 0;
    u->analyzed = 0;
}

void ha_unacked_free(ha_unacked_t *u)
{
    ha_unacked_clear(u);
    free(u->slots);
    ha_unacked_init(u);
}

/* FNV-1a */
static uint32_t key_hash(const uint8_t *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

static ha_unacked_entry_t *slot_for(ha_unacked_entry_t *slots, size_t cap, uint32_t h, const uint8_t *k, size_t n)
{
    for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
        ha_unacked_entry_t *e = &slots[i];
        if (!e->key || (e->hash == h && e->len == n && !memcmp(e->key, k, n)))
            return e;
    }
}

static void grow(ha_unacked_t *u)
{
    size_t cap = u->cap ? u->cap * 2 : 64;
    ha_unacked_entry_t *slots = xcalloc(cap, sizeof *slots);
    for (size_t i = 0; i < u->cap; i++)
        if (u->slots[i].key)
            *slot_for(slots, cap, u->slots[i].hash, NULL, SIZE_MAX) = u->slots[i];
    free(u->slots);
    u->slots = slots;
    u->cap = cap;
}

bool ha_unacked_analyze(ha_unacked_t *u, const uint8_t *id1, size_t len1, const uint8_t *id2, size_t len2,
                        uint32_t delay_ms, uint32_t max_ack_delay)
{
    u->analyzed++;
    if (!id1)
        return false;
    if (len1 > 255)
        len1 = 255;
    if (len2 > 1024)
        len2 = 1024;
    /* The pair as one key: len1, id1, id2. */
    uint8_t key[1 + 255 + 1024];
    size_t n = 1 + len1 + len2;
    key[0] = (uint8_t)len1;
    if (len1)
        memcpy(key + 1, id1, len1);
    if (len2)
        memcpy(key + 1 + len1, id2, len2);
    bool unacked = delay_ms > max_ack_delay;
    if ((u->clients + 1) * 4 > u->cap * 3)
        grow(u);
    uint32_t h = key_hash(key, n);
    ha_unacked_entry_t *e = slot_for(u->slots, u->cap, h, key, n);
    if (!e->key) {
        *e = (ha_unacked_entry_t){xmalloc(n), h, (uint16_t)n, unacked};
        memcpy(e->key, key, n);
        u->clients++;
        u->unacked += unacked;
        return unacked;
    }
    if (e->unacked || !unacked)
        return false;
    e->unacked = true;
    u->unacked++;
    return true;
}

bool ha_unacked_failure(const ha_unacked_t *u, uint32_t max_unacked)
{
    return !max_unacked || u->unacked > max_unacked;
}

uint32_t ha_unacked_left(const ha_unacked_t *u, uint32_t max_unacked)
{
    return max_unacked >= u->unacked ? (uint32_t)(max_unacked - u->unacked + 1) : 0;
}
