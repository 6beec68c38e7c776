/* The class commands of Kea's class_cmds hook, built in for both families: class-add,
 * class-update, class-del, class-get, class-list, with Kea's argument shapes, texts and result
 * codes (3: no such class / none).
 *
 * Contract: the commands edit the running configuration's "client-classes" and apply the result
 * as config-set does (same validation as the file, the same atomic swap; a refused change leaves
 * everything as it was); config-get and config-write then show the classes as changed.
 * class-update keeps the class at its place in the evaluation order; class-add appends.
 * class-del refuses a class still used by another class's test (member()) or by a subnet, pool
 * or shared network (client-class, require-client-classes). */
#ifndef NESTOR_SERVER_CLASS_CMDS_H
#define NESTOR_SERVER_CLASS_CMDS_H

#include "server/core.h"

void srv_class_cmds_register(srv_core_t *c);

#endif
