/* DHCPv4's own server commands (the neutral ones are the server core's: server/cmds.c). */
#include "common/cmd.h"
#include "ctrl/ctrl.h"
#include "dhcp4/srv4.h"

static json_t *cmd_leases_reclaim(const char *name, json_t *args, void *ud)
{
    srv4_t *s = ud;
    json_t *rm = json_object_get(args, "remove");
    if (!rm)
        return cmd_answer(CMD_ERROR, "Missing mandatory 'remove' parameter.", NULL);
    if (!json_is_boolean(rm))
        return cmd_answer(CMD_ERROR, "'remove' parameter expected to be a boolean.", NULL);
    alloc4_reclaim(s->rt->alloc, now_epoch(), 0, 0, json_is_true(rm));
    return cmd_answer(CMD_SUCCESS, "Reclamation of expired leases is complete.", NULL);
}

void srv4_register_commands(srv4_t *s)
{
    ctrl_register(s->core.ctrl, "leases-reclaim", cmd_leases_reclaim, s);
}
