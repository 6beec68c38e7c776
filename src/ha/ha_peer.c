/* Commands to the HA peers over their HTTP(S) control listeners (see ha_service.h, "Peers"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "ha/ha_service_int.h"

typedef struct peer_req {
    ha_service_t *s;
    ha_peer_done_fn done;
    void *arg;
    bool always;             /* done even after the service stopped */
} peer_req_t;

int ha_peer_client(ha_service_t *s, unsigned peer, unsigned timeout_ms, httpc_t **out, char *err, size_t errlen)
{
    const ha_peer_t *p = &s->cfg->peers[peer];
    httpc_config_t hc = {
        .url = p->url,
        .user = p->basic_auth_user && *p->basic_auth_user ? p->basic_auth_user : NULL,
        .password = p->basic_auth_password,
        .trust_anchor = p->use_tls ? p->ca : NULL,
        .cert_file = p->use_tls ? p->cert : NULL,
        .key_file = p->use_tls ? p->key : NULL,
        .tls = p->use_tls,   /* as Kea: TLS when configured, whatever the URL's scheme */
        .timeout_ms = timeout_ms,
    };
    char e[512];
    if (httpc_new(s->core->base, &hc, out, e, sizeof e))
        return errf(err, errlen, NST_ECONFIG, "high-availability peer '%s': %s", p->name, e);
    return 0;
}

int ha_peer_new_clients(ha_service_t *s, char *err, size_t errlen)
{
    for (unsigned i = 0; i < s->npeers; i++) {
        if (i == s->me)
            continue;
        int r = ha_peer_client(s, i, HA_PEER_TIMEOUT_MS, &s->clients[i], err, errlen);
        if (r) {
            ha_peer_free_clients(s);
            return r;
        }
    }
    return 0;
}

void ha_peer_free_clients(ha_service_t *s)
{
    for (unsigned i = 0; i < s->npeers; i++) {
        httpc_free(s->clients[i]);
        s->clients[i] = NULL;
    }
}

json_t *ha_peer_named(const ha_service_t *s, json_t *args)
{
    if (!args)
        args = json_object();
    json_object_set_new(args, "server-name", json_string(s->names[s->me]));
    return args;
}

const char *ha_peer_label(const ha_service_t *s, unsigned peer, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s (%s)", s->names[peer], s->cfg ? s->cfg->peers[peer].url : "");
    return buf;
}

/* Kea's verifyAsyncResponse: a list of answers (the first counts) or a bare answer; a result
 * other than 0 or 3 is an error "<text>, error code N", as is an answer that is none (-1 is for
 * a peer that could not be reached or answered no JSON). */
static int verify(int status, json_t *answer, const char *error, int *result, json_t **args, char *msg,
                  size_t cap)
{
    *result = 1;
    *args = NULL;
    if (error && (!answer || status != 200)) {
        snprintf(msg, cap, "%s", error);
        return -1;
    }
    json_t *a = answer;
    if (json_is_array(a)) {
        if (!json_array_size(a)) {
            snprintf(msg, cap, "list of responses must not be empty");
            return 1;
        }
        a = json_array_get(a, 0);
    }
    json_t *r = json_object_get(a, "result");
    if (!json_is_object(a) || !json_is_integer(r)) {
        snprintf(msg, cap, "invalid answer: no integer 'result' in a map");
        return 1;
    }
    *result = (int)json_integer_value(r);
    *args = json_object_get(a, "arguments");
    if (*result != CMD_SUCCESS && *result != CMD_EMPTY) {
        const char *text = json_string_value(json_object_get(a, "text"));
        snprintf(msg, cap, "%s%serror code %d", text ? text : "", text ? ", " : "", *result);
        return 1;
    }
    msg[0] = '\0';
    return 0;
}

static void on_answer(void *arg, int status, json_t *answer, const char *error)
{
    peer_req_t *q = arg;
    if (q->s->started || q->always) {
        int result;
        json_t *args;
        char msg[512];
        int rc = verify(status, answer, error, &result, &args, msg, sizeof msg);
        q->done(q->s, q->arg, rc, result, args, msg);
    }
    json_decref(answer);
    free(q);
}

json_t *ha_peer_body(const ha_service_t *s, const char *name, json_t *args)
{
    json_t *body = json_pack("{s:s, s:[s]}", "command", name, "service", s->fam->service);
    if (args)
        json_object_set_new(body, "arguments", args);
    return body;
}

static void post(ha_service_t *s, httpc_t *c, const json_t *body, ha_peer_done_fn done, void *arg, bool always)
{
    peer_req_t *q = xcalloc(1, sizeof *q);
    *q = (peer_req_t){s, done, arg, always};
    if (!c || httpc_post(c, body, on_answer, q)) {
        free(q);
        done(s, arg, -1, 1, NULL, "the request could not be queued");
    }
}

void ha_peer_send(ha_service_t *s, unsigned peer, const char *name, json_t *args, ha_peer_done_fn done, void *arg)
{
    json_t *body = ha_peer_body(s, name, args);
    post(s, s->clients[peer], body, done, arg, false);
    json_decref(body);
}

void ha_peer_post(ha_service_t *s, httpc_t *c, const json_t *body, ha_peer_done_fn done, void *arg)
{
    post(s, c, body, done, arg, true);
}
