/* The built-in flex_id hook's parameters (Kea's libdhcp_flex_id.so, premium in Kea 2.2): the
 * identifier-expression that makes a reservation identifier of any part of a query. */
#include <string.h>

#include "config/cfg4_ctx.h"

int cfg4_parse_flex(pctx_t *p)
{
    static const char *const entry_keys[] = {"library", "parameters", NULL};
    static const char *const keys[] = {"identifier-expression", "replace-client-id", "ignore-iaid", NULL};
    json_t *h = p->common->hook_flex_id;
    if (!h)
        return 0;
    size_t old = pctx_push(p, "hooks-libraries"), i;
    json_t *e;
    json_array_foreach(json_object_get(p->cfg->dhcp4, "hooks-libraries"), i, e)
        if (e == h)
            pctx_push_idx(p, i); /* errors point into this entry */
    int r = pctx_check_keys(p, h, "hooks-libraries entry", entry_keys);
    json_t *params = NULL;
    if (!r)
        r = pctx_get_map(p, h, "parameters", &params);
    if (!r && !params)
        r = pctx_fail(p, NULL, "libdhcp_flex_id.so requires 'parameters' with 'identifier-expression'");
    char *text = NULL;
    bool ignore_iaid = false;
    if (!r) {
        pctx_push(p, "parameters");
        r = pctx_check_keys(p, params, "flex_id parameters", keys);
        if (!r)
            r = pctx_get_str(p, params, "identifier-expression", &text);
        if (!r && !text)
            r = pctx_fail(p, NULL, "flex_id requires 'identifier-expression'");
        if (!r)
            r = pctx_get_bool(p, params, "replace-client-id", &p->cfg->flex_replace_client_id);
        if (!r)
            r = pctx_get_bool(p, params, "ignore-iaid", &ignore_iaid); /* DHCPv6 only: ignored here, as Kea */
        if (!r && *text)
            r = cfg4_compile_expr(p, "identifier-expression", "flex-id", text, EVAL_STRING, &p->cfg->flex_id);
    }
    free(text);
    pctx_pop(p, old);
    return r;
}
