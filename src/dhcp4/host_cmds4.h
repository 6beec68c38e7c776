/* The host reservation commands of Kea's host_cmds hook, built in: reservation-add,
 * reservation-get, reservation-get-all, reservation-get-page, reservation-get-by-hostname,
 * reservation-get-by-id and reservation-del, with Kea 2.2's argument and answer shapes.
 *
 * Contract: the handlers run on the control channel's thread with packet processing paused
 * (ctrl guard), read the running configuration's host manager (srv->rt->hostmgr: config-file
 * reservations first, then the hosts databases) and answer {"result", "text", "arguments"}:
 * 0 success, 1 error (text says why), 3 nothing found / nothing deleted. Writes go to the hosts
 * databases only (config-file reservations change by reconfiguration) and are refused with a
 * clear error when there is no hosts database or one to be written is read-only.
 */
#ifndef NESTOR_DHCP4_HOST_CMDS4_H
#define NESTOR_DHCP4_HOST_CMDS4_H

#include "dhcp4/srv4.h"

/* Registers the reservation-* commands on srv->ctrl. */
void host_cmds4_register(srv4_t *srv);

#endif
