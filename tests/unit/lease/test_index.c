/* The memfile index structures against brute-force references (randomised, fixed seed). */
#include <stdlib.h>
#include <string.h>

#include "lease/memfile_index.h"
#include "test_lease.h"

static uint32_t rng_state = 12345;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Key number v as a map key of kw words, in the same order as v; and back. */
static void ord_key(unsigned kw, uint32_t v, uint32_t *k)
{
    if (kw == 1) {
        k[0] = v;
        return;
    }
    k[0] = v >> 12; /* every word takes part in the order */
    k[1] = 7;
    k[2] = (v >> 6) & 63;
    k[3] = v & 63;
}

static uint32_t ord_val(unsigned kw, const uint32_t *k)
{
    return kw == 1 ? k[0] : k[0] << 12 | k[2] << 6 | k[3];
}

static void check_ord(const memfile_ord_t *o, const uint32_t *ref, size_t space)
{
    size_t live = 0;
    uint32_t k4[MEMFILE_KEY_WORDS];
    for (uint32_t k = 0; k < space; k++) {
        ord_key(o->kw, k * 3, k4);
        assert_int_equal(memfile_ord_get(o, k4), ref[k]);
        live += ref[k] != MEMFILE_NONE;
    }
    assert_int_equal(o->count, live);
    /* Full ordered walk, and a walk from the middle. */
    memfile_ord_iter_t it;
    const uint32_t *kp;
    uint32_t key, val, prev = 0, n = 0;
    memfile_ord_seek(o, NULL, &it);
    while (memfile_ord_next(o, &it, &kp, &val)) {
        key = ord_val(o->kw, kp);
        assert_true(n == 0 || key > prev);
        assert_int_equal(key % 3, 0);
        assert_int_equal(ref[key / 3], val);
        prev = key;
        n++;
    }
    assert_int_equal(n, live);
    uint32_t from = (uint32_t)(space / 2) * 3 + 1; /* between keys */
    ord_key(o->kw, from, k4);
    memfile_ord_seek(o, k4, &it);
    size_t want = 0;
    for (size_t k = space / 2 + 1; k < space; k++)
        want += ref[k] != MEMFILE_NONE;
    n = 0;
    while (memfile_ord_next(o, &it, &kp, &val)) {
        assert_true(ord_val(o->kw, kp) > from);
        n++;
    }
    assert_int_equal(n, want);
    for (size_t c = 0; c < o->nchunks; c++) {
        assert_true(o->chunks[c]->n > 0);
        assert_memory_equal(o->firsts + c * o->kw, o->chunks[c]->keys, o->kw * 4);
    }
}

/* The ordered map against an array, for one-word (v4) and four-word (v6) keys. */
static void test_ord_random(void **state)
{
    (void)state;
    enum { SPACE = 20000 };
    uint32_t *ref = malloc(SPACE * sizeof(*ref));
    uint32_t k4[MEMFILE_KEY_WORDS];
    for (unsigned kw = 1; kw <= MEMFILE_KEY_WORDS; kw += MEMFILE_KEY_WORDS - 1) {
        memset(ref, 0xff, SPACE * sizeof(*ref));
        memfile_ord_t o;
        memfile_ord_init(&o, kw);
        ord_key(kw, 5, k4);
        assert_int_equal(memfile_ord_get(&o, k4), MEMFILE_NONE);
        assert_false(memfile_ord_remove(&o, k4));
        /* Grow to ~15000 keys, shrink to ~1000 (merges), grow again; check after each phase. */
        static const struct {
            int ops, insert_pct;
        } phases[] = {{30000, 80}, {40000, 10}, {20000, 70}, {30000, 0}};
        for (size_t p = 0; p < ARRAY_SIZE(phases); p++) {
            for (int i = 0; i < phases[p].ops; i++) {
                uint32_t k = rnd() % SPACE;
                ord_key(kw, k * 3, k4);
                if ((int)(rnd() % 100) < phases[p].insert_pct) {
                    if (ref[k] == MEMFILE_NONE) {
                        ref[k] = rnd() % 1000000;
                        memfile_ord_insert(&o, k4, ref[k]);
                    }
                } else {
                    bool had = ref[k] != MEMFILE_NONE;
                    assert_int_equal(memfile_ord_remove(&o, k4), had);
                    ref[k] = MEMFILE_NONE;
                }
            }
            check_ord(&o, ref, SPACE);
        }
        /* Sequential appends fill chunks completely. */
        memfile_ord_free(&o);
        assert_int_equal(o.kw, kw);
        for (uint32_t k = 0; k < 10 * MEMFILE_ORD_CHUNK; k++) {
            ord_key(kw, k, k4);
            memfile_ord_insert(&o, k4, k);
        }
        assert_int_equal(o.nchunks, 10);
        memfile_ord_free(&o);
    }
    free(ref);
}

/* Heap test: ids are indexes of a key array; positions kept through the callback. */
typedef struct heap_ctx {
    uint32_t pos[4000];
    int64_t key[4000];
    bool in[4000];
} heap_ctx_t;

static void heap_setpos(void *ctx, uint32_t id, uint32_t pos)
{
    ((heap_ctx_t *)ctx)->pos[id] = pos;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_heap_random(void **state)
{
    (void)state;
    heap_ctx_t *c = calloc(1, sizeof(*c));
    memfile_heap_t h;
    memfile_heap_init(&h, heap_setpos, c);
    for (int round = 0; round < 20000; round++) {
        uint32_t id = rnd() % 4000;
        int64_t key = rnd() % 500;
        if (!c->in[id]) {
            c->in[id] = true;
            c->key[id] = key;
            memfile_heap_push(&h, key, id);
        } else if (rnd() % 2) {
            c->key[id] = key;
            memfile_heap_update(&h, c->pos[id], key);
        } else {
            c->in[id] = false;
            memfile_heap_remove(&h, c->pos[id]);
        }
        if (round % 1000 != 999)
            continue;
        /* collect(limit, max) == the max smallest keys <= limit, ascending. */
        int64_t limit = rnd() % 500;
        int64_t want[4000];
        size_t nwant = 0;
        for (uint32_t i = 0; i < 4000; i++)
            if (c->in[i] && c->key[i] <= limit)
                want[nwant++] = c->key[i];
        qsort(want, nwant, sizeof(*want), cmp_i64);
        for (size_t max = 0; max <= 64; max += 16) {
            uint32_t *ids;
            size_t n = memfile_heap_collect(&h, limit, max, &ids);
            assert_int_equal(n, max && max < nwant ? max : nwant);
            for (size_t i = 0; i < n; i++) {
                assert_true(c->in[ids[i]]);
                assert_int_equal(c->key[ids[i]], want[i]);
                assert_int_equal(h.a[c->pos[ids[i]]].id, ids[i]);
            }
            free(ids);
        }
    }
    memfile_heap_free(&h);
    free(c);
}

int test_index_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ord_random),
        cmocka_unit_test(test_heap_random),
    };
    return cmocka_run_group_tests_name("memfile_index", tests, NULL, NULL);
}
