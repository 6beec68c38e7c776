/* One HA service per relationship, and the HA commands and status-get section for them all (see
 * ha_hub.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "common/util.h"
#include "ha/ha_hub.h"
#include "ha/ha_service_int.h"

_Static_assert(HA_RELATIONSHIPS_MAX <= SRV_HA_RELATIONSHIPS, "an origin per relationship");

struct ha_hub {
    srv_core_t *core;
    ha_service_t *svc[HA_RELATIONSHIPS_MAX];
    unsigned n;
    ha_hub_subnet_t *map;     /* sorted by id */
    size_t nmap;
    bool started;
    /* The maintenance command going through the relationships (ha_cmds_maintenance). */
    ctrl_reply_t *maint_reply;
    unsigned maint_i;
    bool maint_cancel;
};

static int cmp_subnet(const void *a, const void *b)
{
    uint32_t x = ((const ha_hub_subnet_t *)a)->id, y = ((const ha_hub_subnet_t *)b)->id;
    return x < y ? -1 : x > y;
}

/* The sorted ids of rel's subnets into s (Kea 2.6's lease sync filter). */
static void set_sync_subnets(ha_hub_t *h, ha_service_t *s, unsigned rel)
{
    for (size_t i = 0; i < h->nmap; i++)
        if (h->map[i].rel == (int)rel) {
            s->sync_subnets = xrealloc(s->sync_subnets, (s->nsync_subnets + 1) * sizeof *s->sync_subnets);
            s->sync_subnets[s->nsync_subnets++] = h->map[i].id;
        }
}

int ha_hub_new(srv_core_t *core, const ha_family_t *fam, const ha_config_t *cfg, const ha_hub_subnet_t *subnets,
               size_t nsubnets, ha_hub_t **out, char *err, size_t errlen)
{
    ha_hub_t *h = xcalloc(1, sizeof *h);
    h->core = core;
    if (nsubnets) {
        h->map = xcalloc(nsubnets, sizeof *h->map);
        memcpy(h->map, subnets, nsubnets * sizeof *h->map);
        h->nmap = nsubnets;
        qsort(h->map, h->nmap, sizeof *h->map, cmp_subnet);
    }
    bool several = cfg->next != NULL;
    for (const ha_config_t *c = cfg; c && h->n < HA_RELATIONSHIPS_MAX; c = c->next) {
        ha_service_t *s;
        int r = ha_service_new(core, fam, c, &s, err, errlen);
        if (r) {
            ha_hub_free(h);
            return r;
        }
        if (several)
            s->origin = SRV_ORIGIN_HA_REL + (int)h->n;
        set_sync_subnets(h, s, h->n);
        h->svc[h->n++] = s;
    }
    *out = h;
    return 0;
}

void ha_hub_set_state_file(ha_hub_t *h, const char *path)
{
    if (h->n == 1) {
        ha_service_set_state_file(h->svc[0], path);
        return;
    }
    for (unsigned i = 0; i < h->n; i++) {
        char *p;
        if (asprintf(&p, "%s.%s", path, h->svc[i]->names[h->svc[i]->me]) < 0)
            abort();
        ha_service_set_state_file(h->svc[i], p);
        free(p);
    }
}

unsigned ha_hub_count(const ha_hub_t *h)
{
    return h ? h->n : 0;
}

ha_service_t *ha_hub_service(const ha_hub_t *h, unsigned rel)
{
    return rel < h->n ? h->svc[rel] : NULL;
}

const char *ha_hub_name(const ha_hub_t *h, unsigned rel)
{
    return rel < h->n ? h->svc[rel]->names[h->svc[rel]->me] : "?";
}

int ha_hub_relationship(const ha_hub_t *h, uint32_t subnet_id)
{
    if (h->n == 1)
        return 0;
    ha_hub_subnet_t key = {subnet_id, -1};
    const ha_hub_subnet_t *m = bsearch(&key, h->map, h->nmap, sizeof *h->map, cmp_subnet);
    return m ? m->rel : -1;
}

/* ---- commands ---- */

/* Kea 2.6's getHAServiceByServerName: the relationship a command's "server-name" picks. NULL, or
 * the error answer. */
static json_t *pick(const ha_hub_t *h, const char *name, json_t *args, ha_service_t **out)
{
    *out = h->svc[0];
    if (h->n == 1 || !args)
        return NULL;
    if (!json_is_object(args))
        return cmd_answerf(CMD_ERROR, NULL, "arguments in the '%s' command are not a map", name);
    json_t *server = json_object_get(args, "server-name");
    if (!server)
        return NULL;
    if (!json_is_string(server))
        return cmd_answerf(CMD_ERROR, NULL, "'server-name' must be a string in the '%s' command", name);
    for (unsigned i = 0; i < h->n; i++)
        if (ha_config_peer(h->svc[i]->cfg, json_string_value(server))) {
            *out = h->svc[i];
            return NULL;
        }
    return cmd_answerf(CMD_ERROR, NULL, "%s matches no configured 'server-name'", json_string_value(server));
}

static bool answer_ok(const json_t *ans)
{
    return json_integer_value(json_object_get(ans, "result")) == CMD_SUCCESS;
}

static json_t *maint_next(ha_hub_t *h);

/* A relationship answered the maintenance command: the next one, or the answer. */
static void maint_answered(void *arg, json_t *ans)
{
    ha_hub_t *h = arg;
    h->maint_i++;
    if (h->started && h->maint_i < h->n && (h->maint_cancel || answer_ok(ans))) {
        json_decref(ans);
        ans = maint_next(h);
        if (ans == CTRL_PENDING)
            return;
    }
    ctrl_reply_t *reply = h->maint_reply;
    h->maint_reply = NULL;
    ctrl_reply_send(reply, ans);
}

/* Goes through the relationships from maint_i: the answer, or CTRL_PENDING (maint_answered follows). */
static json_t *maint_next(ha_hub_t *h)
{
    json_t *ans = NULL;
    while (h->maint_i < h->n) {
        json_decref(ans);
        ans = ha_cmds_maintenance(h->svc[h->maint_i], h->maint_cancel, maint_answered, h);
        if (ans == CTRL_PENDING)
            return ans;
        h->maint_i++;
        if (!h->maint_cancel && !answer_ok(ans))
            break;
    }
    return ans;
}

static json_t *cmd_maintenance(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    ha_hub_t *h = ud;
    if (h->maint_reply)
        return cmd_answer(CMD_ERROR, "another maintenance command is waiting for the partner's answer", NULL);
    h->maint_reply = reply;
    h->maint_i = 0;
    h->maint_cancel = !strcmp(name, "ha-maintenance-cancel");
    json_t *ans = maint_next(h);
    if (ans != CTRL_PENDING)
        h->maint_reply = NULL;
    return ans;
}

static json_t *dispatch(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    ctrl_handler_fn fn = ha_cmds_handler(name);
    if (!fn)
        return cmd_maintenance(reply, name, args, ud);
    ha_service_t *s;
    json_t *refused = pick(ud, name, args, &s);
    return refused ? refused : fn(reply, name, args, s);
}

/* status-get's "high-availability": every relationship (Kea 2.6's HAImpl::commandProcessed). */
static void status_add(void *arg, json_t *out)
{
    ha_hub_t *h = arg;
    json_t *l = json_array();
    for (unsigned i = 0; i < h->n; i++)
        json_array_append_new(l, ha_cmds_status(h->svc[i]));
    json_object_set_new(out, "high-availability", l);
}

/* ---- lifecycle ---- */

void ha_hub_start(ha_hub_t *h)
{
    h->started = true;
    /* They touch only the HA services (main thread) and their atomics: the workers go on. */
    for (size_t i = 0; ha_cmds_name(i); i++)
        ctrl_register_ex(h->core->ctrl, ha_cmds_name(i), dispatch, h, CTRL_CMD_CONCURRENT);
    h->core->status_add = status_add;
    h->core->status_arg = h;
    /* Every HA origin starts enabled, as each relationship's does in Kea (also those of a previous
     * configuration's relationships that this one does not have). */
    ha_hub_release(h->core);
    for (unsigned i = 0; i < h->n; i++)
        ha_service_start(h->svc[i]);
}

void ha_hub_stop(ha_hub_t *h)
{
    if (!h || !h->started)
        return;
    h->started = false;
    for (size_t i = 0; ha_cmds_name(i); i++)
        ctrl_unregister(h->core->ctrl, ha_cmds_name(i));
    if (h->core->status_arg == h) {
        h->core->status_add = NULL;
        h->core->status_arg = NULL;
    }
    for (unsigned i = 0; i < h->n; i++)
        ha_service_stop(h->svc[i]);
}

void ha_hub_free(ha_hub_t *h)
{
    if (!h)
        return;
    ha_hub_stop(h);
    for (unsigned i = 0; i < h->n; i++)
        ha_service_free(h->svc[i]);
    free(h->map);
    free(h);
}

void ha_hub_release(srv_core_t *core)
{
    for (int o = SRV_ORIGIN_HA; o < SRV_ORIGIN__COUNT; o++)
        srv_core_set_service(core, (enum srv_origin)o, true);
}
