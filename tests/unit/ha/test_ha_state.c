/* Unit tests: Kea 2.2's HA state machine (ha/ha_state.h): every transition of Kea's state handlers
 * (facts §7.2), the clock-skew rules, service and scopes per state, pauses and the commands'
 * transitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ha/ha_state.h"

enum {
    SYNC = 1 << 0,      /* sync-leases */
    CRA = 1 << 1,       /* communication-recovery allowed */
    INT = 1 << 2,       /* communication interrupted */
    FAIL = 1 << 3,      /* unacked clients: failure detected */
    SVC = 1 << 4,       /* service enabled */
    PAUSED = 1 << 5,
    CANCEL = 1 << 6,    /* last event: maintenance canceled */
    UNSENT = 1 << 7,    /* partner's unsent-update-count changed */
    OVER = 1 << 8,      /* backlog overflowed */
};

#define LB HA_MODE_LOAD_BALANCING
#define HS HA_MODE_HOT_STANDBY
#define PB HA_MODE_PASSIVE_BACKUP
#define PRI HA_ROLE_PRIMARY
#define SEC HA_ROLE_SECONDARY
#define STB HA_ROLE_STANDBY
#define BAK HA_ROLE_BACKUP
#define W HA_ST_WAITING
#define SY HA_ST_SYNCING
#define RD HA_ST_READY
#define LBS HA_ST_LOAD_BALANCING
#define HSS HA_ST_HOT_STANDBY
#define CR HA_ST_COMMUNICATION_RECOVERY
#define PD HA_ST_PARTNER_DOWN
#define PIM HA_ST_PARTNER_IN_MAINTENANCE
#define IM HA_ST_IN_MAINTENANCE
#define TE HA_ST_TERMINATED
#define BK HA_ST_BACKUP
#define PBS HA_ST_PASSIVE_BACKUP
#define UN HA_ST_UNAVAILABLE
#define UK HA_ST_UNKNOWN
#define N HA_RES_NONE
#define OK HA_RES_OK
#define F HA_RES_FAILED

static const struct row {
    int line;
    enum ha_mode mode;
    enum ha_role role;
    enum ha_state state, partner;
    unsigned flags;
    int64_t skew;
    enum ha_result sync, backlog, reset;
    enum ha_state next;
    enum ha_action action;
} rows[] = {
#define R(...) {__LINE__, __VA_ARGS__}
    /* waiting */
    R(LB, BAK, W, UK, 0, 0, N, N, N, BK, HA_ACT_NONE),
    R(PB, PRI, W, UK, 0, 0, N, N, N, PBS, HA_ACT_NONE),
    R(PB, PRI, W, UK, 0, 90, N, N, N, PBS, HA_ACT_NONE),       /* before the skew check */
    R(LB, BAK, W, UK, PAUSED, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, W, LBS, SYNC, 0, N, N, N, SY, HA_ACT_NONE),
    R(LB, SEC, W, LBS, 0, 0, N, N, N, RD, HA_ACT_NONE),
    R(LB, SEC, W, CR, SYNC, 0, N, N, N, SY, HA_ACT_NONE),
    R(HS, STB, W, HSS, SYNC, 0, N, N, N, SY, HA_ACT_NONE),
    R(HS, STB, W, IM, SYNC, 0, N, N, N, SY, HA_ACT_NONE),
    R(HS, STB, W, PD, SYNC, 0, N, N, N, SY, HA_ACT_NONE),
    R(HS, STB, W, PIM, SYNC, 0, N, N, N, SY, HA_ACT_NONE),
    R(HS, STB, W, RD, SYNC, 0, N, N, N, SY, HA_ACT_NONE),
    R(HS, PRI, W, W, SYNC, 0, N, N, N, SY, HA_ACT_NONE),        /* both waiting: the primary first */
    R(HS, STB, W, W, SYNC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, SEC, W, W, SYNC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, W, SY, SYNC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, W, TE, SYNC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, W, UK, SYNC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, W, UN, INT, 0, N, N, N, PD, HA_ACT_NONE),        /* service disabled: interruption is enough */
    R(LB, PRI, W, UN, 0, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, W, HSS, SYNC, 0, N, N, N, W, HA_ACT_NONE),       /* a partner state unfit for the mode */
    R(HS, PRI, W, LBS, SYNC, 0, N, N, N, W, HA_ACT_NONE),
    R(HS, PRI, W, CR, SYNC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, W, LBS, SYNC, 61, N, N, N, TE, HA_ACT_NONE),
    R(LB, PRI, W, LBS, SYNC | PAUSED, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, W, LBS, SYNC | CANCEL, 0, N, N, N, W, HA_ACT_NONE),
    /* syncing */
    R(LB, PRI, SY, LBS, SYNC, 0, N, N, N, SY, HA_ACT_SYNC),
    R(LB, PRI, SY, LBS, SYNC, 0, OK, N, N, RD, HA_ACT_NONE),
    R(LB, PRI, SY, LBS, SYNC, 0, F, N, N, SY, HA_ACT_NONE),      /* retried on the next run */
    R(LB, PRI, SY, W, SYNC, 0, N, N, N, SY, HA_ACT_SYNC),
    R(LB, PRI, SY, TE, SYNC, 0, N, N, N, TE, HA_ACT_NONE),
    R(LB, PRI, SY, UN, SYNC | INT, 0, N, N, N, PD, HA_ACT_NONE),
    R(LB, PRI, SY, UN, SYNC, 0, N, N, N, SY, HA_ACT_NONE),
    R(LB, PRI, SY, HSS, SYNC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, SY, LBS, SYNC, -61, N, N, N, TE, HA_ACT_NONE),
    /* ready */
    R(LB, SEC, RD, LBS, 0, 0, N, N, N, LBS, HA_ACT_NONE),
    R(LB, SEC, RD, CR, 0, 0, N, N, N, LBS, HA_ACT_NONE),
    R(HS, STB, RD, HSS, 0, 0, N, N, N, HSS, HA_ACT_NONE),
    R(LB, PRI, RD, RD, 0, 0, N, N, N, LBS, HA_ACT_NONE),        /* both ready: the primary first */
    R(HS, PRI, RD, RD, 0, 0, N, N, N, HSS, HA_ACT_NONE),
    R(HS, STB, RD, RD, 0, 0, N, N, N, RD, HA_ACT_NONE),
    R(LB, PRI, RD, IM, 0, 0, N, N, N, PIM, HA_ACT_NONE),
    R(LB, PRI, RD, PIM, 0, 0, N, N, N, IM, HA_ACT_NONE),
    R(LB, PRI, RD, TE, 0, 0, N, N, N, TE, HA_ACT_NONE),
    R(HS, PRI, RD, UN, INT | SVC, 0, N, N, N, PD, HA_ACT_NONE),
    R(LB, PRI, RD, UN, 0, 0, N, N, N, RD, HA_ACT_NONE),
    R(LB, PRI, RD, W, 0, 0, N, N, N, RD, HA_ACT_NONE),
    R(LB, PRI, RD, SY, 0, 0, N, N, N, RD, HA_ACT_NONE),
    R(LB, PRI, RD, PD, 0, 0, N, N, N, RD, HA_ACT_NONE),
    R(HS, PRI, RD, LBS, 0, 0, N, N, N, W, HA_ACT_NONE),
    /* load-balancing and hot-standby */
    R(LB, PRI, LBS, IM, SVC, 0, N, N, N, PIM, HA_ACT_NONE),
    R(LB, PRI, LBS, PIM, SVC, 0, N, N, N, IM, HA_ACT_NONE),
    R(LB, PRI, LBS, PD, SVC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, LBS, TE, SVC, 0, N, N, N, TE, HA_ACT_NONE),
    R(LB, PRI, LBS, LBS, SVC, 0, N, N, N, LBS, HA_ACT_NONE),
    R(LB, PRI, LBS, W, SVC, 0, N, N, N, LBS, HA_ACT_NONE),
    R(LB, PRI, LBS, HSS, SVC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, LBS, UN, SVC | INT | FAIL | CRA, 0, N, N, N, PD, HA_ACT_NONE),
    R(LB, PRI, LBS, UN, SVC | INT | CRA, 0, N, N, N, CR, HA_ACT_NONE),  /* no failure seen yet */
    R(LB, PRI, LBS, UN, SVC | CRA, 0, N, N, N, CR, HA_ACT_NONE),        /* not interrupted yet */
    R(LB, PRI, LBS, UN, SVC | INT, 0, N, N, N, LBS, HA_ACT_NONE),       /* delayed-updates-limit 0 */
    R(LB, PRI, LBS, UN, INT, 0, N, N, N, PD, HA_ACT_NONE),              /* service disabled */
    R(HS, PRI, HSS, UN, SVC | INT, 0, N, N, N, PD, HA_ACT_NONE),        /* the primary watches nothing */
    R(HS, STB, HSS, UN, SVC | INT, 0, N, N, N, HSS, HA_ACT_NONE),       /* the standby needs failures */
    R(HS, STB, HSS, UN, SVC | INT | FAIL, 0, N, N, N, PD, HA_ACT_NONE),
    R(HS, STB, HSS, LBS, SVC, 0, N, N, N, W, HA_ACT_NONE),
    R(HS, STB, HSS, CR, SVC, 0, N, N, N, W, HA_ACT_NONE),
    R(HS, STB, HSS, HSS, SVC, 31, N, N, N, HSS, HA_ACT_NONE),
    R(HS, STB, HSS, HSS, SVC, 61, N, N, N, TE, HA_ACT_NONE),
    R(HS, STB, HSS, IM, SVC | PAUSED, 0, N, N, N, HSS, HA_ACT_NONE),
    R(HS, STB, HSS, IM, SVC | CANCEL, 0, N, N, N, HSS, HA_ACT_NONE),
    /* communication-recovery */
    R(LB, PRI, CR, IM, SVC, 0, N, N, N, PIM, HA_ACT_NONE),
    R(LB, PRI, CR, PD, SVC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, CR, PIM, SVC, 0, N, N, N, IM, HA_ACT_NONE),
    R(LB, PRI, CR, TE, SVC, 0, N, N, N, TE, HA_ACT_NONE),
    R(LB, PRI, CR, UN, SVC | INT | FAIL | CRA, 0, N, N, N, PD, HA_ACT_NONE),
    R(LB, PRI, CR, UN, SVC | INT | CRA, 0, N, N, N, CR, HA_ACT_NONE),
    R(LB, PRI, CR, W, SVC | CRA | OVER, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, CR, SY, SVC | CRA | OVER, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, CR, RD, SVC | CRA | OVER, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, CR, RD, SVC | CRA, 0, N, N, N, CR, HA_ACT_NONE),
    R(LB, PRI, CR, RD, SVC | CRA | OVER | INT, 0, N, N, N, CR, HA_ACT_NONE),
    R(LB, PRI, CR, LBS, SVC | CRA | INT, 0, N, N, N, CR, HA_ACT_NONE),       /* still interrupted */
    R(LB, PRI, CR, LBS, SVC | CRA, 0, N, N, N, CR, HA_ACT_SEND_BACKLOG),
    R(LB, PRI, CR, CR, SVC | CRA, 0, N, N, N, CR, HA_ACT_SEND_BACKLOG),
    R(LB, PRI, CR, LBS, SVC | CRA, 0, N, OK, N, LBS, HA_ACT_NONE),
    R(LB, PRI, CR, LBS, SVC | CRA, 0, N, F, N, CR, HA_ACT_SEND_RESET),
    R(LB, PRI, CR, LBS, SVC | CRA | OVER, 0, N, N, N, CR, HA_ACT_SEND_RESET),
    R(LB, PRI, CR, LBS, SVC | CRA | OVER, 0, N, N, OK, W, HA_ACT_NONE),
    R(LB, PRI, CR, LBS, SVC | CRA | OVER, 0, N, N, F, CR, HA_ACT_NONE),
    R(LB, PRI, CR, BK, SVC | CRA, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, CR, HSS, SVC | CRA, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, CR, LBS, SVC | CRA, -70, N, N, N, TE, HA_ACT_NONE),
    /* partner-down */
    R(LB, PRI, PD, CR, SVC, 0, N, N, N, PD, HA_ACT_SEND_RESET),  /* beyond Kea: it syncs from us */
    R(LB, PRI, PD, CR, SVC, 0, N, N, OK, W, HA_ACT_NONE),
    R(LB, PRI, PD, CR, SVC, 0, N, N, F, W, HA_ACT_NONE),
    R(LB, PRI, PD, PD, SVC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, PD, PIM, SVC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, PD, RD, SVC, 0, N, N, N, LBS, HA_ACT_NONE),
    R(HS, STB, PD, RD, SVC, 0, N, N, N, HSS, HA_ACT_NONE),
    R(LB, PRI, PD, RD, SVC | UNSENT, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, PD, TE, SVC, 0, N, N, N, TE, HA_ACT_NONE),
    R(LB, PRI, PD, UN, SVC | INT, 0, N, N, N, PD, HA_ACT_NONE),
    R(LB, PRI, PD, W, SVC, 0, N, N, N, PD, HA_ACT_NONE),
    R(LB, PRI, PD, SY, SVC, 0, N, N, N, PD, HA_ACT_NONE),
    R(LB, PRI, PD, IM, SVC, 0, N, N, N, PD, HA_ACT_NONE),
    R(LB, PRI, PD, LBS, SVC, 0, N, N, N, PD, HA_ACT_NONE),
    R(LB, PRI, PD, HSS, SVC, 0, N, N, N, W, HA_ACT_NONE),
    R(LB, PRI, PD, RD, SVC, 65, N, N, N, TE, HA_ACT_NONE),
    R(LB, PRI, PD, RD, SVC | PAUSED, 0, N, N, N, PD, HA_ACT_NONE),
    /* partner-in-maintenance: only unavailability, the skew and a pause matter */
    R(LB, PRI, PIM, UN, SVC, 0, N, N, N, PD, HA_ACT_NONE),
    R(LB, PRI, PIM, IM, SVC, 0, N, N, N, PIM, HA_ACT_NONE),
    R(LB, PRI, PIM, HSS, SVC, 0, N, N, N, PIM, HA_ACT_NONE),
    R(LB, PRI, PIM, UN, SVC | CANCEL, 0, N, N, N, PD, HA_ACT_NONE),
    R(LB, PRI, PIM, UN, SVC | PAUSED, 0, N, N, N, PIM, HA_ACT_NONE),
    R(LB, PRI, PIM, IM, SVC, 61, N, N, N, TE, HA_ACT_NONE),
    /* states left only by commands, restarts or reconfiguration */
    R(LB, PRI, IM, UN, INT, 90, N, N, N, IM, HA_ACT_NONE),
    R(LB, PRI, TE, RD, 0, 0, N, N, N, TE, HA_ACT_NONE),
    R(LB, BAK, BK, UN, INT, 90, N, N, N, BK, HA_ACT_NONE),
    R(PB, PRI, PBS, UN, INT, 90, N, N, N, PBS, HA_ACT_NONE),
#undef R
};

static void test_transitions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *t = &rows[i];
        ha_input_t in = {
            .mode = t->mode, .role = t->role, .state = t->state, .partner = t->partner,
            .sync_leases = t->flags & SYNC, .comm_recovery_allowed = t->flags & CRA,
            .comm_interrupted = t->flags & INT, .failure_detected = t->flags & FAIL,
            .service_enabled = t->flags & SVC, .paused = t->flags & PAUSED,
            .maintenance_canceled = t->flags & CANCEL, .partner_new_unsent = t->flags & UNSENT,
            .backlog_overflowed = t->flags & OVER, .clock_skew = t->skew,
            .sync_result = t->sync, .backlog_result = t->backlog, .reset_result = t->reset,
        };
        ha_decision_t d = ha_next(&in);
        if (d.next != t->next || d.action != t->action)
            fail_msg("row at line %d (%s, partner %s): got %s action %d, want %s action %d", t->line,
                     ha_state_name(t->state), ha_state_name(t->partner), ha_state_name(d.next), d.action,
                     ha_state_name(t->next), t->action);
    }
}

static void test_clock_skew(void **state)
{
    (void)state;
    assert_int_equal(ha_skew_verdict(0), HA_SKEW_OK);
    assert_int_equal(ha_skew_verdict(30), HA_SKEW_OK);
    assert_int_equal(ha_skew_verdict(-30), HA_SKEW_OK);
    assert_int_equal(ha_skew_verdict(31), HA_SKEW_WARN);
    assert_int_equal(ha_skew_verdict(-31), HA_SKEW_WARN);
    assert_int_equal(ha_skew_verdict(60), HA_SKEW_WARN);
    assert_int_equal(ha_skew_verdict(61), HA_SKEW_TERMINATE);
    assert_int_equal(ha_skew_verdict(-61), HA_SKEW_TERMINATE);
    /* The verdict comes with the decision of the states that look at it. */
    ha_input_t in = {.mode = LB, .role = PRI, .state = LBS, .partner = LBS, .service_enabled = true,
                     .clock_skew = 45};
    ha_decision_t d = ha_next(&in);
    assert_int_equal(d.next, LBS);
    assert_int_equal(d.skew, HA_SKEW_WARN);
    in.state = HA_ST_TERMINATED;
    assert_int_equal(ha_next(&in).skew, HA_SKEW_OK);
}

/* Partner back in ready while this server is in partner-down: Kea's test (the count changed
 * between the last two heartbeats), and the count since this server last held all the leases. */
static void test_partner_new_unsent(void **state)
{
    (void)state;
    assert_false(ha_partner_new_unsent((uint64_t[]){0, 0}, 0));     /* nothing counted */
    assert_true(ha_partner_new_unsent((uint64_t[]){0, 3}, 0));      /* Kea's case */
    assert_true(ha_partner_new_unsent((uint64_t[]){3, 3}, 0));      /* seen rising while waiting */
    assert_false(ha_partner_new_unsent((uint64_t[]){3, 3}, 3));     /* counted before the last sync */
    assert_true(ha_partner_new_unsent((uint64_t[]){5, 5}, 3));
    assert_false(ha_partner_new_unsent((uint64_t[]){3, 0}, 3));     /* it restarted: 0 is "just started" */
}

/* Kea 2.4's shouldTerminate: too many rejected lease updates terminate wherever the clock skew
 * would, and a fatal skew is the reason given first. */
static void test_rejected_updates_terminate(void **state)
{
    (void)state;
    static const enum ha_state from[] = {W, SY, RD, LBS, PD, PIM, CR};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        ha_input_t in = {.mode = LB, .role = PRI, .state = from[i], .partner = LBS, .service_enabled = true,
                         .rejects_exceeded = true};
        ha_decision_t d = ha_next(&in);
        assert_int_equal(d.next, TE);
        assert_true(d.rejects);
        in.clock_skew = 61;
        d = ha_next(&in);
        assert_int_equal(d.next, TE);
        assert_int_equal(d.skew, HA_SKEW_TERMINATE);
        assert_false(d.rejects);
    }
    ha_input_t in = {.mode = LB, .role = PRI, .state = LBS, .partner = LBS, .service_enabled = true};
    assert_int_equal(ha_next(&in).next, LBS);
    in.paused = in.rejects_exceeded = true;   /* a paused machine waits */
    assert_int_equal(ha_next(&in).next, LBS);
}

static void test_service_and_scopes(void **state)
{
    (void)state;
    static const enum ha_state on[] = {CR, LBS, HSS, PD, PIM, PBS, TE};
    static const enum ha_state off[] = {W, SY, RD, IM, BK};
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++)
        assert_true(ha_state_serves(on[i]));
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
        assert_false(ha_state_serves(off[i]));
    assert_int_equal(ha_state_scopes(W, true, false), HA_SCOPES_NONE);
    assert_int_equal(ha_state_scopes(SY, true, false), HA_SCOPES_NONE);
    assert_int_equal(ha_state_scopes(RD, true, false), HA_SCOPES_NONE);
    assert_int_equal(ha_state_scopes(IM, true, false), HA_SCOPES_NONE);
    assert_int_equal(ha_state_scopes(BK, true, false), HA_SCOPES_NONE);
    assert_int_equal(ha_state_scopes(LBS, true, false), HA_SCOPES_DEFAULT);
    assert_int_equal(ha_state_scopes(CR, true, false), HA_SCOPES_DEFAULT);
    assert_int_equal(ha_state_scopes(TE, true, false), HA_SCOPES_DEFAULT);
    assert_int_equal(ha_state_scopes(PBS, true, false), HA_SCOPES_DEFAULT);
    assert_int_equal(ha_state_scopes(PIM, false, false), HA_SCOPES_ALL);
    assert_int_equal(ha_state_scopes(PD, true, false), HA_SCOPES_ALL);
    assert_int_equal(ha_state_scopes(PD, false, false), HA_SCOPES_DEFAULT);
    assert_int_equal(ha_state_scopes(PD, false, true), HA_SCOPES_ALL);   /* entered by maintenance */
    const enum ha_role lb[] = {BAK, SEC, PRI}, hs[] = {PRI, STB, BAK};
    assert_int_equal(ha_scope_mask(HA_SCOPES_DEFAULT, lb, 3, 2), 1u << 2);
    assert_int_equal(ha_scope_mask(HA_SCOPES_DEFAULT, lb, 3, 1), 1u << 1);
    assert_int_equal(ha_scope_mask(HA_SCOPES_DEFAULT, lb, 3, 0), 0);    /* a backup has none */
    assert_int_equal(ha_scope_mask(HA_SCOPES_ALL, lb, 3, 1), 6);
    assert_int_equal(ha_scope_mask(HA_SCOPES_NONE, lb, 3, 1), 0);
    assert_int_equal(ha_scope_mask(HA_SCOPES_DEFAULT, hs, 3, 1), 0);    /* a standby has none of its own */
    assert_int_equal(ha_scope_mask(HA_SCOPES_ALL, hs, 3, 1), 1);        /* failover: the primary's */
    assert_int_equal(ha_normal_state(LB, SEC), LBS);
    assert_int_equal(ha_normal_state(HS, STB), HSS);
    assert_int_equal(ha_normal_state(PB, PRI), PBS);
    assert_int_equal(ha_normal_state(HS, BAK), BK);
}

static void test_pauses(void **state)
{
    (void)state;
    uint8_t rule[HA_ST_COUNT] = {0};
    rule[W] = HA_PAUSE_ALWAYS;
    rule[RD] = HA_PAUSE_ONCE;
    ha_pauser_t p;
    ha_pauser_init(&p, rule);
    assert_true(ha_pauser_enter(&p, W));      /* the initial state pauses too */
    assert_true(ha_pauser_continue(&p));
    assert_false(ha_pauser_continue(&p));     /* "not paused" */
    assert_false(ha_pauser_enter(&p, SY));
    assert_true(ha_pauser_enter(&p, RD));
    ha_pauser_continue(&p);
    assert_false(ha_pauser_enter(&p, LBS));
    assert_true(ha_pauser_enter(&p, W));      /* always */
    ha_pauser_continue(&p);
    assert_false(ha_pauser_enter(&p, RD));    /* once: done */
    /* Entering a "once" state while paused does not use up its pause (Kea checks only unpaused). */
    ha_pauser_init(&p, rule);
    assert_true(ha_pauser_enter(&p, W));
    assert_true(ha_pauser_enter(&p, RD));     /* reached by a command while paused */
    ha_pauser_continue(&p);
    assert_false(ha_pauser_enter(&p, SY));
    assert_true(ha_pauser_enter(&p, RD));
    /* A paused machine makes no automatic transition. */
    ha_input_t in = {.mode = LB, .role = PRI, .state = W, .partner = LBS, .sync_leases = true, .paused = true};
    assert_int_equal(ha_next(&in).next, W);
    in.paused = false;
    assert_int_equal(ha_next(&in).next, SY);
}

static void test_commands(void **state)
{
    (void)state;
    enum ha_state next = UK;
    assert_false(ha_cmd_reset(W, &next));
    assert_true(ha_cmd_reset(PD, &next));
    assert_int_equal(next, W);
    /* ha-maintenance-notify on the partner */
    assert_int_equal(ha_cmd_maintenance_notify(LBS, W, false, &next), 0);
    assert_int_equal(next, IM);
    assert_int_equal(ha_cmd_maintenance_notify(TE, W, false, &next), HA_RESULT_MAINTENANCE_NOT_ALLOWED);
    assert_int_equal(ha_cmd_maintenance_notify(BK, W, false, &next), HA_RESULT_MAINTENANCE_NOT_ALLOWED);
    assert_int_equal(ha_cmd_maintenance_notify(PIM, W, false, &next), HA_RESULT_MAINTENANCE_NOT_ALLOWED);
    assert_int_equal(ha_cmd_maintenance_notify(W, LBS, true, &next), 1);
    assert_int_equal(ha_cmd_maintenance_notify(IM, HSS, true, &next), 0);
    assert_int_equal(next, HSS);
    /* ha-maintenance-start on this server */
    assert_int_equal(ha_cmd_maintenance_start(LBS), 0);
    assert_int_equal(ha_cmd_maintenance_start(W), 0);
    assert_int_equal(ha_cmd_maintenance_start(IM), 1);
    assert_int_equal(ha_cmd_maintenance_start(PIM), 1);
    assert_int_equal(ha_cmd_maintenance_start(TE), 1);
    assert_int_equal(ha_cmd_maintenance_start(BK), 1);
    assert_int_equal(ha_cmd_maintenance_started(0, &next), 0);
    assert_int_equal(next, PIM);
    assert_int_equal(ha_cmd_maintenance_started(-1, &next), 0);
    assert_int_equal(next, PD);
    assert_int_equal(ha_cmd_maintenance_started(1, &next), 0);
    assert_int_equal(next, PD);
    next = UK;
    assert_int_equal(ha_cmd_maintenance_started(HA_RESULT_MAINTENANCE_NOT_ALLOWED, &next), 1);
    assert_int_equal(next, UK);
    /* ha-maintenance-cancel */
    assert_int_equal(ha_cmd_maintenance_cancel(LBS, W, &next), 1);
    assert_int_equal(ha_cmd_maintenance_cancel(PIM, LBS, &next), 0);
    assert_int_equal(next, LBS);
}

static void test_names(void **state)
{
    (void)state;
    static const char *const names[] = {"backup", "communication-recovery", "hot-standby", "load-balancing",
        "in-maintenance", "partner-down", "partner-in-maintenance", "passive-backup", "ready", "syncing",
        "terminated", "waiting", "unavailable"};
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++) {
        assert_int_equal(ha_state_from_name(names[i]), i);
        assert_string_equal(ha_state_name((enum ha_state)i), names[i]);
    }
    assert_string_equal(ha_state_name(UK), "");
    assert_int_equal(ha_state_from_name("WAITING"), -1);
    assert_int_equal(ha_mode_from_name("passive-backup"), PB);
    assert_int_equal(ha_role_from_name("standby"), STB);
    assert_int_equal(ha_pause_from_name("once"), HA_PAUSE_ONCE);
    assert_string_equal(ha_role_name(SEC), "secondary");
    assert_string_equal(ha_mode_name(HS), "hot-standby");
    assert_string_equal(ha_pause_name(HA_PAUSE_ALWAYS), "always");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions), cmocka_unit_test(test_clock_skew),
        cmocka_unit_test(test_rejected_updates_terminate), cmocka_unit_test(test_partner_new_unsent),
        cmocka_unit_test(test_service_and_scopes), cmocka_unit_test(test_pauses),
        cmocka_unit_test(test_commands), cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
