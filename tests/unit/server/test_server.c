/* Unit tests: configuration generations and the worker queue (server/gen.h, server/workq.h),
 * with a fake packet family. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/gen.h"
#include "server/workq.h"

/* ---- generations ---- */

typedef struct tgen {
    gen_t gen;
    int id;
    atomic_int *destroyed;    /* counts destructions of generations */
    atomic_bool dead;
} tgen_t;

static void tgen_destroy(gen_t *g)
{
    tgen_t *t = (tgen_t *)g;
    assert_false(atomic_exchange(&t->dead, true)); /* exactly once */
    atomic_fetch_add(t->destroyed, 1);
    /* not freed: the tests look at `dead` afterwards; the test frees every generation */
}

static tgen_t *tgen_new(int id, atomic_int *destroyed)
{
    tgen_t *t = calloc(1, sizeof *t);
    gen_init(&t->gen, tgen_destroy);
    t->id = id;
    t->destroyed = destroyed;
    return t;
}

static void test_generation_lives_until_its_last_reference(void **state)
{
    atomic_int destroyed = 0;
    gen_slot_t slot;
    gen_slot_init(&slot);
    assert_null(gen_get(&slot));
    tgen_t *a = tgen_new(1, &destroyed), *b = tgen_new(2, &destroyed);
    unsigned s0 = gen_seq(&slot);
    gen_publish(&slot, &a->gen);
    assert_int_not_equal(gen_seq(&slot), s0);
    gen_t *held = gen_get(&slot);
    assert_ptr_equal(held, &a->gen);
    gen_publish(&slot, &b->gen);
    assert_false(atomic_load(&a->dead)); /* still held */
    gen_put(held);
    assert_true(atomic_load(&a->dead));
    assert_false(atomic_load(&b->dead));
    gen_slot_fini(&slot);
    assert_true(atomic_load(&b->dead));
    assert_int_equal(atomic_load(&destroyed), 2);
    free(a);
    free(b);
}

/* ---- the worker queue with a fake family ---- */

/* A payload: [class][client][seq], the class byte 'N' (new) or 'O' (ongoing). */
typedef struct fam {
    pthread_mutex_t mu;
    int processed, dropped[4];
    int order[256];           /* seq of each processed packet, in processing order */
    int per_client_busy[256]; /* packets of a client in process right now */
    int overlap;              /* a client processed twice at once */
    int dead_gen_use;         /* a generation used after it was destroyed */
    int gens_seen;
    int delay_us;
} fam_t;

static enum workq_class f_class(const uint8_t *p, size_t len)
{
    return len && p[0] == 'O' ? WORKQ_ONGOING : WORKQ_NEW;
}

static bool f_parse(void *ctx, void *scratch, const workq_job_t *job, bool quiet)
{
    memcpy(scratch, job->data, 3);
    return true;
}

static size_t f_key(const void *scratch, uint8_t key[WORKQ_KEY_MAX])
{
    key[0] = ((const uint8_t *)scratch)[1];
    return 1;
}

static void f_process(void *ctx, gen_t *gen, void *scratch, const workq_job_t *job)
{
    fam_t *f = ctx;
    const uint8_t *p = scratch;
    pthread_mutex_lock(&f->mu);
    if (!gen || atomic_load(&((tgen_t *)gen)->dead))
        f->dead_gen_use++;
    if (f->per_client_busy[p[1]]++)
        f->overlap++;
    pthread_mutex_unlock(&f->mu);
    if (f->delay_us)
        usleep((useconds_t)f->delay_us);
    pthread_mutex_lock(&f->mu);
    if (atomic_load(&((tgen_t *)gen)->dead)) /* still in use at the end */
        f->dead_gen_use++;
    f->per_client_busy[p[1]]--;
    if (f->processed < 256)
        f->order[f->processed] = p[2];
    f->processed++;
    pthread_mutex_unlock(&f->mu);
}

static void f_dropped(void *ctx, enum workq_drop why)
{
    fam_t *f = ctx;
    pthread_mutex_lock(&f->mu);
    f->dropped[why]++;
    pthread_mutex_unlock(&f->mu);
}

static const workq_ops_t fops = {
    .peek_class = f_class, .scratch_size = 3, .parse = f_parse, .client_key = f_key,
    .process = f_process, .dropped = f_dropped,
};

static void submit(workq_t *w, char cls, int client, int seq)
{
    uint8_t p[3] = {(uint8_t)cls, (uint8_t)client, (uint8_t)seq};
    workq_submit(w, NULL, NULL, 0, p, sizeof p);
}

static int processed(fam_t *f)
{
    pthread_mutex_lock(&f->mu);
    int n = f->processed;
    pthread_mutex_unlock(&f->mu);
    return n;
}

static void wait_processed(fam_t *f, int n)
{
    for (int i = 0; i < 5000 && processed(f) < n; i++)
        usleep(1000);
    assert_int_equal(processed(f), n);
}

/* A slot with one generation, for the tests that do not swap. */
typedef struct one_gen {
    atomic_int destroyed;
    gen_slot_t slot;
    tgen_t *g;
} one_gen_t;

static void one_gen(one_gen_t *o)
{
    atomic_init(&o->destroyed, 0);
    gen_slot_init(&o->slot);
    o->g = tgen_new(1, &o->destroyed);
    gen_publish(&o->slot, &o->g->gen);
}

static void one_gen_end(one_gen_t *o)
{
    gen_slot_fini(&o->slot);
    assert_int_equal(atomic_load(&o->destroyed), 1);
    free(o->g);
}

/* While paused, packets wait (none dropped); ONGOING ones go first; a full queue drops the
 * oldest NEW packet first. */
static void test_pause_keeps_packets_and_orders_classes(void **state)
{
    fam_t f = {.mu = PTHREAD_MUTEX_INITIALIZER};
    one_gen_t o;
    one_gen(&o);
    workq_t *w = workq_start(&fops, &f, &o.slot, 1, 4, true);
    submit(w, 'N', 1, 1);
    submit(w, 'N', 2, 2);
    submit(w, 'O', 3, 3);
    submit(w, 'N', 4, 4);
    assert_int_equal(workq_queued(w), 4);
    submit(w, 'O', 5, 5); /* full: the oldest NEW (seq 1) goes */
    assert_int_equal(f.dropped[WORKQ_DROP_FULL_NEW], 1);
    assert_int_equal(workq_queued(w), 4);
    usleep(20000);
    assert_int_equal(processed(&f), 0);
    workq_resume(w);
    wait_processed(&f, 4);
    assert_int_equal(f.order[0], 3);
    assert_int_equal(f.order[1], 5);
    assert_int_equal(f.order[2], 2);
    assert_int_equal(f.order[3], 4);
    workq_stop(w);
    one_gen_end(&o);
}

static atomic_int woken;

static void on_room(void *arg)
{
    atomic_fetch_add(&woken, *(int *)arg);
}

/* A receiver told the queue is full (room 0) is woken once, when a worker has freed a quarter
 * of it, not before; with room left it is told how much and no wake-up is arranged. */
static void test_room_wakes_receiver(void **state)
{
    fam_t f = {.mu = PTHREAD_MUTEX_INITIALIZER};
    one_gen_t o;
    one_gen(&o);
    int one = 1;
    atomic_store(&woken, 0);
    workq_t *w = workq_start(&fops, &f, &o.slot, 1, 8, true);
    assert_int_equal(workq_room(w, on_room, &one), 8);
    for (int i = 0; i < 8; i++)
        submit(w, 'N', i, i);
    assert_int_equal(workq_room(w, on_room, &one), 0);
    usleep(20000);
    assert_int_equal(atomic_load(&woken), 0); /* paused: nothing freed */
    workq_resume(w);
    wait_processed(&f, 8);
    assert_int_equal(atomic_load(&woken), 1);
    assert_int_equal(workq_room(w, on_room, &one), 8);
    submit(w, 'N', 1, 9);
    wait_processed(&f, 9);
    assert_int_equal(atomic_load(&woken), 1); /* no wake-up was asked for */
    workq_pause(w);
    for (int i = 0; i < 8; i++)
        submit(w, 'N', i, i);
    assert_int_equal(workq_room(w, on_room, &one), 0);
    workq_stop(w); /* stopping wakes a held receiver too */
    assert_int_equal(atomic_load(&woken), 2);
    one_gen_end(&o);
}

/* A client's packets never run at the same time; a newer waiting packet supersedes an older one. */
static void test_one_packet_per_client_in_flight(void **state)
{
    fam_t f = {.mu = PTHREAD_MUTEX_INITIALIZER, .delay_us = 20000};
    one_gen_t o;
    one_gen(&o);
    workq_t *w = workq_start(&fops, &f, &o.slot, 4, 64, false);
    submit(w, 'O', 7, 1);
    usleep(5000); /* the first one runs */
    submit(w, 'O', 7, 2);
    usleep(5000); /* waits behind it */
    submit(w, 'O', 7, 3); /* replaces the waiting one */
    usleep(5000);
    wait_processed(&f, 2);
    assert_int_equal(f.overlap, 0);
    assert_int_equal(f.dropped[WORKQ_DROP_SUPERSEDED], 1);
    assert_int_equal(f.order[1], 3);
    workq_stop(w);
    one_gen_end(&o);
}

/* Generations published while workers process: every packet is processed, none with a
 * generation destroyed before it was done, and every generation is destroyed exactly once. */
enum { GENS = 400, PKTS = 2000 };

typedef struct publisher {
    gen_slot_t *slot;
    tgen_t **gens;
    atomic_int *destroyed;
    fam_t *f;
} publisher_t;

static void *publish_while_busy(void *arg)
{
    publisher_t *p = arg;
    for (int k = 1; k < GENS; k++) {
        p->gens[k] = tgen_new(k, p->destroyed);
        gen_publish(p->slot, &p->gens[k]->gen);
        usleep(200);
    }
    return NULL;
}

static void test_generation_swap_under_concurrent_packets(void **state)
{
    fam_t f = {.mu = PTHREAD_MUTEX_INITIALIZER, .delay_us = 100};
    atomic_int destroyed = 0;
    gen_slot_t slot;
    gen_slot_init(&slot);
    tgen_t **gens = calloc(GENS, sizeof *gens);
    gens[0] = tgen_new(0, &destroyed);
    gen_publish(&slot, &gens[0]->gen);
    workq_t *w = workq_start(&fops, &f, &slot, 4, 4096, false);
    publisher_t pub = {&slot, gens, &destroyed, &f};
    pthread_t th;
    pthread_create(&th, NULL, publish_while_busy, &pub);
    for (int i = 0; i < PKTS; i++) {
        submit(w, i % 3 ? 'N' : 'O', i % 200, i % 256);
        if (i % 20 == 19)
            usleep(500);
    }
    pthread_join(th, NULL);
    wait_processed(&f, PKTS);
    assert_int_equal(f.dead_gen_use, 0);
    assert_int_equal(f.overlap, 0);
    assert_int_equal(f.dropped[WORKQ_DROP_SUPERSEDED] + f.dropped[WORKQ_DROP_FULL_NEW], 0);
    workq_stop(w);
    gen_slot_fini(&slot);
    assert_int_equal(atomic_load(&destroyed), GENS);
    for (int i = 0; i < GENS; i++)
        free(gens[i]);
    free(gens);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generation_lives_until_its_last_reference),
        cmocka_unit_test(test_pause_keeps_packets_and_orders_classes),
        cmocka_unit_test(test_one_packet_per_client_in_flight),
        cmocka_unit_test(test_room_wakes_receiver),
        cmocka_unit_test(test_generation_swap_under_concurrent_packets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
