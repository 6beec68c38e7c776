/* High availability with one or several relationships (Kea 2.6's hub-and-spoke): one HA service
 * (ha_service.h) per relationship of "high-availability", each with its own state machine,
 * heartbeats, lease updates, synchronization and listener (at its own peer URL), and the HA
 * commands and status-get section for them all. With one relationship it is Kea 2.2's HA.
 *
 * Contract:
 * - Family-neutral, like ha_service.h. The family maps its subnets to relationships (the config's
 *   user-context "ha-server-name") and hands the hub that map; a relationship's synchronization
 *   then takes only the leases of its subnets (every lease when none is mapped to it).
 * - Lifecycle as ha_service.h's: ha_hub_new builds the services idle (any failure fails it),
 *   ha_hub_start registers the HA commands and the status-get section and starts every service,
 *   ha_hub_stop unregisters and stops them, ha_hub_free frees; ha_hub_release enables every HA
 *   origin again when a configuration without HA replaces one with it.
 * - DHCP service: with one relationship its service uses the HA origin, as Kea 2.2. With several,
 *   each relationship disables and enables the service with its own origin (SRV_ORIGIN_HA_REL +
 *   index: Kea 2.6's per-relationship origins), so the server serves only while no relationship
 *   keeps it off (waiting, syncing, ...), and a partner's dhcp-disable (origin ha-partner) stops it
 *   for every relationship, as in Kea 2.6.
 * - Queries (Kea 2.6's subnet4_select callout): with several relationships the family selects the
 *   subnet first and asks that subnet's relationship (ha_hub_service(h, rel)) whether the query is
 *   in scope; with one, it asks before, as Kea 2.2's buffer4_receive. A lease change goes to the
 *   relationship of its lease's subnet (ha_hub_relationship).
 * - Commands (Kea 2.6's): each HA command takes an optional "server-name", any peer name of a
 *   relationship, which picks that relationship; without it the first relationship answers (Kea
 *   2.6's default); a name of no relationship is an error ("<name> matches no configured
 *   'server-name'"), a value that is not a string too. With one relationship "server-name" is left
 *   to the command, as Kea 2.2. ha-maintenance-start goes to every relationship in order and stops
 *   at the first error, whose answer it returns (else the last one's); ha-maintenance-cancel goes
 *   to every relationship and answers with the last one's. status-get's "high-availability" lists
 *   every relationship in configuration order. Nestor's peers send "server-name" (this server's
 *   name) with ha-heartbeat, ha-reset, ha-maintenance-notify and ha-sync-complete-notify, as Kea
 *   2.6 does, so that a hub knows the relationship.
 * - Main thread, except ha_hub_relationship and ha_hub_service (any thread while the hub lives).
 */
#ifndef NESTOR_HA_HA_HUB_H
#define NESTOR_HA_HA_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "ha/ha_service.h"

typedef struct ha_hub ha_hub_t;

/* One subnet's relationship, for ha_hub_new. */
typedef struct ha_hub_subnet {
    uint32_t id;
    int rel;                  /* index in "high-availability"; -1: none */
} ha_hub_subnet_t;

int ha_hub_new(srv_core_t *core, const ha_family_t *fam, const ha_config_t *cfg, const ha_hub_subnet_t *subnets,
               size_t nsubnets, ha_hub_t **out, char *err, size_t errlen);
/* The incremental synchronization's state file: path with one relationship, path.<this server's
 * name> for each of several. Before start. */
void ha_hub_set_state_file(ha_hub_t *h, const char *path);
void ha_hub_start(ha_hub_t *h);
void ha_hub_stop(ha_hub_t *h);
void ha_hub_free(ha_hub_t *h);
void ha_hub_release(srv_core_t *core);

unsigned ha_hub_count(const ha_hub_t *h);
ha_service_t *ha_hub_service(const ha_hub_t *h, unsigned rel);
/* This server's name in relationship rel ("?" past the last). */
const char *ha_hub_name(const ha_hub_t *h, unsigned rel);
/* The relationship of subnet_id (0 with one relationship; -1: a subnet of none). */
int ha_hub_relationship(const ha_hub_t *h, uint32_t subnet_id);

#endif
