/* Where a configuration received through the control API may make the server write (Kea
 * 2.6.3's path restrictions, CVE-2025-32801), and the hooks it may name.
 *
 * Contract:
 * - Three kinds of files, each with one allowed directory: the memfile lease file
 *   ("lease-database" "name", checked when "persist" is on), logger output files ("output" of
 *   every "output_options" / "output-options" entry other than stdout, stderr, syslog[:facility])
 *   and UNIX control sockets ("socket-name" of "control-socket" and of the "unix" items of
 *   "control-sockets"). The directories are Kea's environment variables KEA_DHCP_DATA_DIR,
 *   KEA_LOG_FILE_DIR and KEA_CONTROL_SOCKET_DIR when set, else this build's defaults
 *   (meson options lease-dir, log-dir, control-socket-dir: /var/lib/kea, /var/log/kea, /run/kea).
 * - cfg_paths_check_api(cfg, running) returns 0 when every such path of cfg names a file directly
 *   in its directory (fspath_in_dir: "..", symbolic links and subdirectories do not escape), or
 *   equals, byte for byte, a path the running configuration uses for the same kind (a config-get /
 *   config-set round trip, or a deployment whose file puts them elsewhere, opens no new place).
 *   The default lease file (no "name") is always accepted. Otherwise NST_ECONFIG, with err
 *   "where: 'field' 'path' is in DIR, but ... (set VAR ...)" naming the field and the allowed
 *   directory. It only reads (realpath, environment): it runs before anything opens a file.
 * - Only configurations that arrive by command (config-set, config-test) are checked. A file read
 *   at start-up, by config-reload or by -t keeps Kea 2.2's freedom: any path.
 * - Hook libraries need no check here: cfg4_parse() accepts only the base names of the features
 *   built in (libdhcp_lease_cmds.so, libdhcp_host_cmds.so) in every path, and Nestor never loads
 *   code named by a configuration.
 * - loggers and control sockets are walked as JSON: shapes their own parsers reject are skipped
 *   here and reported by those parsers. Safe from any thread. */
#ifndef NESTOR_CONFIG_CFG_PATHS_H
#define NESTOR_CONFIG_CFG_PATHS_H

#include <stddef.h>

#include "config/cfg4.h"

enum cfg_path_kind { CFG_PATH_LEASES, CFG_PATH_LOGS, CFG_PATH_SOCKETS };

/* The allowed directory of a kind (environment or default, no trailing '/'). Returns buf. */
const char *cfg_paths_dir(enum cfg_path_kind kind, char *buf, size_t cap);

/* running may be NULL (nothing is running yet). */
int cfg_paths_check_api(const cfg4_t *cfg, const cfg4_t *running, char *err, size_t errlen);

#endif
