-- Nestor: the Kea 2.2 lease, host and configuration-backend schema for MySQL / MariaDB,
-- schema version 14.0.
--
-- The layout (names, columns, types, defaults, keys, indexes, triggers, routine signatures,
-- lookup rows) is the interface Kea 2.2 and Nestor share; the statements below build the
-- final layout directly instead of replaying every historical upgrade step.
--
-- Run it with the mysql/mariadb client on an empty database (it uses DELIMITER):
--     mariadb -h HOST -u USER -p DB < create.sql
--
-- Layout overview
--   1. lookup tables and their rows       5. configuration backend, DHCPv6
--   2. leases and lease statistics        6. options (hosts and configuration backend)
--   3. host reservations                  7. stored functions and procedures
--   4. configuration backend, DHCPv4      8. triggers, then the schema version row
--
-- Session variables that the routines share with Kea's backends (names are fixed):
--   @disable_audit       non-zero: audit procedures record nothing
--   @audit_revision_id   revision the next audit entries belong to
--   @cascade_transaction non-zero: option changes do not touch their parent's timestamp
--   @json_supported      cached answer of isJsonSupported()
--   @client_class_id, @depend_on_known_directly, @depend_on_known_indirectly
--                        client-class bookkeeping between triggers and check procedures

-- ===========================================================================================
-- 1. Lookup tables
-- ===========================================================================================

CREATE TABLE lease6_types (
    lease_type TINYINT NOT NULL PRIMARY KEY,
    name VARCHAR(5)
) ENGINE = InnoDB;
INSERT INTO lease6_types (lease_type, name) VALUES (0, 'IA_NA'), (1, 'IA_TA'), (2, 'IA_PD');

CREATE TABLE lease_hwaddr_source (
    hwaddr_source INT UNSIGNED NOT NULL PRIMARY KEY,
    name VARCHAR(40)
) ENGINE = InnoDB;
-- Bit values of the hardware-address origin a lease6 row records.
INSERT INTO lease_hwaddr_source (hwaddr_source, name) VALUES
    (0, 'HWADDR_SOURCE_UNKNOWN'),
    (1, 'HWADDR_SOURCE_RAW'),
    (2, 'HWADDR_SOURCE_IPV6_LINK_LOCAL'),
    (4, 'HWADDR_SOURCE_DUID'),
    (8, 'HWADDR_SOURCE_CLIENT_ADDR_RELAY_OPTION'),
    (16, 'HWADDR_SOURCE_REMOTE_ID'),
    (32, 'HWADDR_SOURCE_SUBSCRIBER_ID'),
    (64, 'HWADDR_SOURCE_DOCSIS_CMTS'),
    (128, 'HWADDR_SOURCE_DOCSIS_MODEM');

CREATE TABLE lease_state (
    state INT UNSIGNED NOT NULL PRIMARY KEY,
    name VARCHAR(64) NOT NULL
) ENGINE = InnoDB;
INSERT INTO lease_state (state, name) VALUES (0, 'default'), (1, 'declined'), (2, 'expired-reclaimed');

CREATE TABLE host_identifier_type (
    type TINYINT NOT NULL PRIMARY KEY,
    name VARCHAR(32)
) ENGINE = InnoDB;
INSERT INTO host_identifier_type (type, name) VALUES
    (0, 'hw-address'), (1, 'duid'), (2, 'circuit-id'), (3, 'client-id'), (4, 'flex-id');

CREATE TABLE dhcp_option_scope (
    scope_id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    scope_name VARCHAR(32)
) ENGINE = InnoDB;
INSERT INTO dhcp_option_scope (scope_id, scope_name) VALUES
    (0, 'global'), (1, 'subnet'), (2, 'client-class'), (3, 'host'),
    (4, 'shared-network'), (5, 'pool'), (6, 'pd-pool');

CREATE TABLE modification (
    id TINYINT(3) NOT NULL PRIMARY KEY,
    modification_type VARCHAR(32) NOT NULL
) ENGINE = InnoDB;
INSERT INTO modification (id, modification_type) VALUES (0, 'create'), (1, 'update'), (2, 'delete');

CREATE TABLE parameter_data_type (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    name VARCHAR(32) NOT NULL
) ENGINE = InnoDB;
INSERT INTO parameter_data_type (id, name) VALUES (0, 'integer'), (1, 'real'), (2, 'boolean'), (4, 'string');

-- One row, (major, minor); written last (section 8).
CREATE TABLE schema_version (
    version INT NOT NULL PRIMARY KEY,
    minor INT
) ENGINE = InnoDB;

-- ===========================================================================================
-- 2. Leases and lease statistics
-- ===========================================================================================

CREATE TABLE lease4 (
    address INT UNSIGNED NOT NULL,                -- IPv4 address as a 32-bit number
    hwaddr VARBINARY(20),
    client_id VARBINARY(128),
    valid_lifetime INT UNSIGNED,
    expire TIMESTAMP NULL DEFAULT NULL,           -- cltt + valid_lifetime
    subnet_id INT UNSIGNED,
    fqdn_fwd BOOL,
    fqdn_rev BOOL,
    hostname VARCHAR(255),
    state INT UNSIGNED DEFAULT 0,
    user_context TEXT,
    PRIMARY KEY (address),
    INDEX lease4_by_hwaddr_subnet_id (hwaddr, subnet_id),
    INDEX lease4_by_client_id_subnet_id (client_id, subnet_id),
    INDEX lease4_by_subnet_id (subnet_id),
    INDEX lease4_by_hostname (hostname),
    INDEX lease4_by_expire_state (expire, state),
    INDEX fk_lease4_state (state),
    CONSTRAINT fk_lease4_state FOREIGN KEY (state) REFERENCES lease_state (state)
) ENGINE = InnoDB;

CREATE TABLE lease6 (
    address VARCHAR(39) NOT NULL,                 -- textual IPv6 address or prefix
    duid VARBINARY(128),
    valid_lifetime INT UNSIGNED,
    expire TIMESTAMP NULL DEFAULT NULL,
    subnet_id INT UNSIGNED,
    pref_lifetime INT UNSIGNED,
    lease_type TINYINT,                           -- see lease6_types
    iaid INT UNSIGNED,
    prefix_len TINYINT UNSIGNED,
    fqdn_fwd BOOL,
    fqdn_rev BOOL,
    hostname VARCHAR(255),
    hwaddr VARBINARY(20),
    hwtype SMALLINT UNSIGNED,
    hwaddr_source INT UNSIGNED,                   -- see lease_hwaddr_source
    state INT UNSIGNED DEFAULT 0,
    user_context TEXT,
    PRIMARY KEY (address),
    INDEX fk_lease6_type (lease_type),
    INDEX fk_lease6_hwaddr_source (hwaddr_source),
    INDEX lease6_by_subnet_id_lease_type (subnet_id, lease_type),
    INDEX lease6_by_duid_iaid_subnet_id (duid, iaid, subnet_id),
    INDEX lease6_by_hostname (hostname),
    INDEX lease6_by_expire_state (expire, state),
    INDEX fk_lease6_state (state),
    CONSTRAINT fk_lease6_hwaddr_source FOREIGN KEY (hwaddr_source)
        REFERENCES lease_hwaddr_source (hwaddr_source),
    CONSTRAINT fk_lease6_state FOREIGN KEY (state) REFERENCES lease_state (state),
    CONSTRAINT fk_lease6_type FOREIGN KEY (lease_type) REFERENCES lease6_types (lease_type)
) ENGINE = InnoDB;

-- Lease counts per subnet for the counted states 0 (default) and 1 (declined), kept by the
-- lease triggers; the statistics code reads them instead of counting leases.
CREATE TABLE lease4_stat (
    subnet_id INT UNSIGNED NOT NULL,
    state INT UNSIGNED NOT NULL,
    leases BIGINT,
    PRIMARY KEY (subnet_id, state)
) ENGINE = InnoDB;

CREATE TABLE lease6_stat (
    subnet_id INT UNSIGNED NOT NULL,
    lease_type INT UNSIGNED NOT NULL,
    state INT UNSIGNED NOT NULL,
    leases BIGINT,
    PRIMARY KEY (subnet_id, lease_type, state)
) ENGINE = InnoDB;

-- Active (state 0) lease counts per client class named in user_context ISC.client-classes,
-- used by the lease-limit checks.
CREATE TABLE lease4_stat_by_client_class (
    client_class VARCHAR(128) NOT NULL PRIMARY KEY,
    leases BIGINT UNSIGNED NOT NULL
) ENGINE = InnoDB;

CREATE TABLE lease6_stat_by_client_class (
    client_class VARCHAR(128) NOT NULL,
    lease_type TINYINT NOT NULL,
    leases BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (client_class, lease_type),
    INDEX fk_lease6_stat_by_client_class_lease_type (lease_type),
    CONSTRAINT fk_lease6_stat_by_client_class_lease_type FOREIGN KEY (lease_type)
        REFERENCES lease6_types (lease_type)
) ENGINE = InnoDB;

-- Written by the legacy forensic-logging hook.
CREATE TABLE logs (
    timestamp TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,
    address VARCHAR(43),
    log TEXT NOT NULL,
    id INT UNSIGNED NOT NULL AUTO_INCREMENT,
    PRIMARY KEY (id),
    INDEX timestamp_index (timestamp)
) ENGINE = InnoDB;

-- ===========================================================================================
-- 3. Host reservations (their options live in dhcp4_options / dhcp6_options, section 6)
-- ===========================================================================================

CREATE TABLE hosts (
    host_id INT UNSIGNED NOT NULL AUTO_INCREMENT,
    dhcp_identifier VARBINARY(128) NOT NULL,
    dhcp_identifier_type TINYINT NOT NULL,        -- see host_identifier_type
    dhcp4_subnet_id INT UNSIGNED NULL,
    dhcp6_subnet_id INT UNSIGNED NULL,
    ipv4_address INT UNSIGNED NULL,
    hostname VARCHAR(255) NULL,
    dhcp4_client_classes VARCHAR(255) NULL,
    dhcp6_client_classes VARCHAR(255) NULL,
    dhcp4_next_server INT UNSIGNED NULL,
    dhcp4_server_hostname VARCHAR(64) NULL,
    dhcp4_boot_file_name VARCHAR(128) NULL,
    user_context TEXT NULL,
    auth_key VARCHAR(32) NULL,
    PRIMARY KEY (host_id),
    UNIQUE INDEX key_dhcp4_identifier_subnet_id (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id),
    UNIQUE INDEX key_dhcp6_identifier_subnet_id (dhcp_identifier, dhcp_identifier_type, dhcp6_subnet_id),
    INDEX fk_host_identifier_type (dhcp_identifier_type),
    INDEX hosts_by_hostname (hostname),
    INDEX key_dhcp4_ipv4_address_subnet_id_identifier (ipv4_address, dhcp4_subnet_id),
    CONSTRAINT fk_host_identifier_type FOREIGN KEY (dhcp_identifier_type)
        REFERENCES host_identifier_type (type)
) ENGINE = InnoDB;

CREATE TABLE ipv6_reservations (
    reservation_id INT UNSIGNED NOT NULL AUTO_INCREMENT,
    address VARCHAR(39) NOT NULL,
    prefix_len TINYINT(3) UNSIGNED NOT NULL DEFAULT 128,
    type TINYINT(4) UNSIGNED NOT NULL DEFAULT 0,  -- 0 address, 2 prefix
    dhcp6_iaid INT UNSIGNED NULL,
    host_id INT UNSIGNED NOT NULL,
    PRIMARY KEY (reservation_id),
    INDEX fk_ipv6_reservations_host_idx (host_id),
    INDEX key_dhcp6_address_prefix_len (address, prefix_len),
    CONSTRAINT fk_ipv6_reservations_Host FOREIGN KEY (host_id) REFERENCES hosts (host_id)
        ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE = InnoDB;

-- ===========================================================================================
-- 4. Configuration backend, DHCPv4
--    Every configuration object carries modification_ts; *_server tables attach objects to
--    server tags (server id 1 is the reserved tag "all").
-- ===========================================================================================

CREATE TABLE dhcp4_server (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    tag VARCHAR(64) NOT NULL,
    description TEXT,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    UNIQUE INDEX dhcp4_server_tag_UNIQUE (tag),
    INDEX key_dhcp4_server_modification_ts (modification_ts)
) ENGINE = InnoDB;

CREATE TABLE dhcp4_audit_revision (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    modification_ts TIMESTAMP NOT NULL,
    log_message TEXT,
    server_id BIGINT(10) UNSIGNED,
    PRIMARY KEY (id),
    INDEX key_dhcp4_audit_revision_by_modification_ts (modification_ts)
) ENGINE = InnoDB;

CREATE TABLE dhcp4_audit (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    object_type VARCHAR(256) NOT NULL,            -- table name of the changed object
    object_id BIGINT UNSIGNED NOT NULL,
    modification_type TINYINT(1) NOT NULL,        -- see modification
    revision_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (id),
    INDEX fk_dhcp4_audit_modification_type (modification_type),
    INDEX fk_dhcp4_audit_revision (revision_id),
    CONSTRAINT fk_dhcp4_audit_modification_type FOREIGN KEY (modification_type)
        REFERENCES modification (id) ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp4_audit_revision FOREIGN KEY (revision_id)
        REFERENCES dhcp4_audit_revision (id) ON DELETE NO ACTION ON UPDATE CASCADE
) ENGINE = InnoDB;

CREATE TABLE dhcp4_global_parameter (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name VARCHAR(128) NOT NULL,
    value LONGTEXT NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    parameter_type TINYINT UNSIGNED NOT NULL,     -- see parameter_data_type
    PRIMARY KEY (id),
    INDEX key_dhcp4_global_parameter_modification_ts (modification_ts),
    INDEX key_dhcp4_global_parameter_name (name),
    INDEX fk_dhcp4_global_parameter_type (parameter_type),
    CONSTRAINT fk_dhcp4_global_parameter_type FOREIGN KEY (parameter_type)
        REFERENCES parameter_data_type (id)
) ENGINE = InnoDB;

CREATE TABLE dhcp4_global_parameter_server (
    parameter_id BIGINT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (parameter_id, server_id),
    INDEX fk_dhcp4_global_parameter_server_server_id (server_id),
    INDEX key_dhcp4_global_parameter_server (modification_ts),
    CONSTRAINT fk_dhcp4_global_parameter_server_parameter_id FOREIGN KEY (parameter_id)
        REFERENCES dhcp4_global_parameter (id) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp4_global_parameter_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id) ON DELETE CASCADE ON UPDATE NO ACTION
) ENGINE = InnoDB;

CREATE TABLE dhcp4_shared_network (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name VARCHAR(128) NOT NULL,
    client_class VARCHAR(128),
    interface VARCHAR(128),
    match_client_id TINYINT(1),
    modification_ts TIMESTAMP NOT NULL,
    rebind_timer INT(10),
    relay LONGTEXT,
    renew_timer INT(10),
    require_client_classes LONGTEXT,
    user_context LONGTEXT,
    valid_lifetime INT(10),
    authoritative TINYINT(1),
    calculate_tee_times TINYINT(1),
    t1_percent FLOAT,
    t2_percent FLOAT,
    boot_file_name VARCHAR(512),
    next_server INT UNSIGNED,
    server_hostname VARCHAR(512),
    min_valid_lifetime INT(10),
    max_valid_lifetime INT(10),
    ddns_send_updates TINYINT(1),
    ddns_override_no_update TINYINT(1),
    ddns_override_client_update TINYINT(1),
    ddns_replace_client_name TINYINT(3),
    ddns_generated_prefix VARCHAR(255),
    ddns_qualifying_suffix VARCHAR(255),
    reservations_global TINYINT(1),
    reservations_in_subnet TINYINT(1),
    reservations_out_of_pool TINYINT(1),
    cache_threshold FLOAT,
    cache_max_age INT(10),
    PRIMARY KEY (id),
    UNIQUE INDEX name_UNIQUE (name),
    INDEX key_dhcp4_shared_network_modification_ts (modification_ts)
) ENGINE = InnoDB;

CREATE TABLE dhcp4_shared_network_server (
    shared_network_id BIGINT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (shared_network_id, server_id),
    INDEX key_dhcp4_shared_network_server_modification_ts (modification_ts),
    INDEX fk_dhcp4_shared_network_server_server_id (server_id),
    CONSTRAINT fk_dhcp4_shared_network_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp4_shared_network_server_shared_network_id FOREIGN KEY (shared_network_id)
        REFERENCES dhcp4_shared_network (id) ON DELETE CASCADE ON UPDATE NO ACTION
) ENGINE = InnoDB;

CREATE TABLE dhcp4_subnet (
    subnet_id INT UNSIGNED NOT NULL,
    subnet_prefix VARCHAR(32) NOT NULL,
    4o6_interface VARCHAR(128),
    4o6_interface_id VARCHAR(128),
    4o6_subnet VARCHAR(64),
    boot_file_name VARCHAR(512),
    client_class VARCHAR(128),
    interface VARCHAR(128),
    match_client_id TINYINT(1),
    modification_ts TIMESTAMP NOT NULL,
    next_server INT UNSIGNED,
    rebind_timer INT(10),
    relay LONGTEXT,
    renew_timer INT(10),
    require_client_classes LONGTEXT,
    server_hostname VARCHAR(512),
    shared_network_name VARCHAR(128),
    user_context LONGTEXT,
    valid_lifetime INT(10),
    authoritative TINYINT(1),
    calculate_tee_times TINYINT(1),
    t1_percent FLOAT,
    t2_percent FLOAT,
    min_valid_lifetime INT(10),
    max_valid_lifetime INT(10),
    ddns_send_updates TINYINT(1),
    ddns_override_no_update TINYINT(1),
    ddns_override_client_update TINYINT(1),
    ddns_replace_client_name TINYINT(3),
    ddns_generated_prefix VARCHAR(255),
    ddns_qualifying_suffix VARCHAR(255),
    reservations_global TINYINT(1),
    reservations_in_subnet TINYINT(1),
    reservations_out_of_pool TINYINT(1),
    cache_threshold FLOAT,
    cache_max_age INT(10),
    PRIMARY KEY (subnet_id),
    UNIQUE INDEX subnet4_subnet_prefix (subnet_prefix),
    INDEX fk_dhcp4_subnet_shared_network (shared_network_name),
    INDEX key_dhcp4_subnet_modification_ts (modification_ts),
    CONSTRAINT fk_dhcp4_subnet_shared_network FOREIGN KEY (shared_network_name)
        REFERENCES dhcp4_shared_network (name) ON DELETE NO ACTION ON UPDATE NO ACTION
) ENGINE = InnoDB;

CREATE TABLE dhcp4_subnet_server (
    subnet_id INT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (subnet_id, server_id),
    INDEX fk_dhcp4_subnet_server_server_id_idx (server_id),
    INDEX key_dhcp4_subnet_server_modification_ts (modification_ts),
    CONSTRAINT fk_dhcp4_subnet_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp4_subnet_server_subnet_id FOREIGN KEY (subnet_id)
        REFERENCES dhcp4_subnet (subnet_id) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE = InnoDB;

CREATE TABLE dhcp4_pool (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    start_address INT UNSIGNED NOT NULL,
    end_address INT UNSIGNED NOT NULL,
    subnet_id INT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    client_class VARCHAR(128),
    require_client_classes LONGTEXT,
    user_context LONGTEXT,
    PRIMARY KEY (id),
    INDEX key_dhcp4_pool_modification_ts (modification_ts),
    INDEX fk_dhcp4_pool_subnet_id (subnet_id),
    CONSTRAINT fk_dhcp4_pool_subnet_id FOREIGN KEY (subnet_id)
        REFERENCES dhcp4_subnet (subnet_id) ON DELETE NO ACTION ON UPDATE CASCADE
) ENGINE = InnoDB;

CREATE TABLE dhcp4_client_class (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name VARCHAR(128) NOT NULL,
    test TEXT,
    next_server INT UNSIGNED,
    server_hostname VARCHAR(128),
    boot_file_name VARCHAR(512),
    only_if_required TINYINT NOT NULL DEFAULT 0,
    valid_lifetime INT,
    min_valid_lifetime INT,
    max_valid_lifetime INT,
    depend_on_known_directly TINYINT NOT NULL DEFAULT 0,
    follow_class_name VARCHAR(128),               -- the class this one is placed after
    modification_ts TIMESTAMP NOT NULL,
    user_context LONGTEXT,
    PRIMARY KEY (id),
    UNIQUE INDEX id_UNIQUE (id),
    UNIQUE INDEX name_UNIQUE (name),
    INDEX key_dhcp4_client_class_modification_ts (modification_ts)
) ENGINE = InnoDB;

-- Evaluation order of the classes (maintained by setClientClass4Order).
CREATE TABLE dhcp4_client_class_order (
    class_id BIGINT UNSIGNED NOT NULL,
    order_index BIGINT UNSIGNED NOT NULL,
    depend_on_known_indirectly TINYINT NOT NULL DEFAULT 0,
    PRIMARY KEY (class_id),
    INDEX key_dhcp4_client_class_order_index (order_index),
    CONSTRAINT fk_dhcp4_client_class_order_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp4_client_class (id) ON DELETE CASCADE
) ENGINE = InnoDB;

CREATE TABLE dhcp4_client_class_dependency (
    class_id BIGINT UNSIGNED NOT NULL,
    dependency_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (class_id, dependency_id),
    INDEX dhcp4_client_class_dependency_id_idx (dependency_id),
    CONSTRAINT dhcp4_client_class_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp4_client_class (id) ON DELETE CASCADE,
    CONSTRAINT dhcp4_client_class_dependency_id FOREIGN KEY (dependency_id)
        REFERENCES dhcp4_client_class (id)
) ENGINE = InnoDB;

CREATE TABLE dhcp4_client_class_server (
    class_id BIGINT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NULL DEFAULT NULL,
    PRIMARY KEY (class_id, server_id),
    INDEX fk_dhcp4_client_class_server_id (server_id),
    CONSTRAINT fk_dhcp4_client_class_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp4_client_class (id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp4_client_class_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id)
) ENGINE = InnoDB;

CREATE TABLE dhcp4_option_def (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    code SMALLINT UNSIGNED NOT NULL,
    name VARCHAR(128) NOT NULL,
    space VARCHAR(128) NOT NULL,
    type TINYINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    is_array TINYINT(1) NOT NULL,
    encapsulate VARCHAR(128) NOT NULL,
    record_types VARCHAR(512),
    user_context LONGTEXT,
    class_id BIGINT UNSIGNED,                     -- set for definitions local to a class
    PRIMARY KEY (id),
    INDEX key_dhcp4_option_def_modification_ts (modification_ts),
    INDEX key_dhcp4_option_def_code_space (code, space),
    INDEX fk_dhcp4_option_def_client_class_id (class_id),
    CONSTRAINT fk_dhcp4_option_def_client_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp4_client_class (id) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE = InnoDB;

CREATE TABLE dhcp4_option_def_server (
    option_def_id BIGINT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (option_def_id, server_id),
    INDEX fk_dhcp4_option_def_server_server_id_idx (server_id),
    INDEX key_dhcp4_option_def_server_modification_ts (modification_ts),
    CONSTRAINT fk_dhcp4_option_def_server_option_def_id FOREIGN KEY (option_def_id)
        REFERENCES dhcp4_option_def (id) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp4_option_def_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id) ON DELETE CASCADE ON UPDATE NO ACTION
) ENGINE = InnoDB;

-- ===========================================================================================
-- 5. Configuration backend, DHCPv6 (same scheme as section 4)
-- ===========================================================================================

CREATE TABLE dhcp6_server (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    tag VARCHAR(64) NOT NULL,
    description TEXT,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    UNIQUE INDEX dhcp6_server_tag_UNIQUE (tag),
    INDEX key_dhcp6_server_modification_ts (modification_ts)
) ENGINE = InnoDB;

CREATE TABLE dhcp6_audit_revision (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    modification_ts TIMESTAMP NOT NULL,
    log_message TEXT,
    server_id BIGINT(10) UNSIGNED,
    PRIMARY KEY (id),
    INDEX key_dhcp6_audit_revision_by_modification_ts (modification_ts)
) ENGINE = InnoDB;

CREATE TABLE dhcp6_audit (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    object_type VARCHAR(256) NOT NULL,
    object_id BIGINT UNSIGNED NOT NULL,
    modification_type TINYINT(1) NOT NULL,
    revision_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (id),
    INDEX fk_dhcp6_audit_modification_type (modification_type),
    INDEX fk_dhcp6_audit_revision (revision_id),
    CONSTRAINT fk_dhcp6_audit_modification_type FOREIGN KEY (modification_type)
        REFERENCES modification (id) ON DELETE NO ACTION ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp6_audit_revision FOREIGN KEY (revision_id)
        REFERENCES dhcp6_audit_revision (id) ON DELETE NO ACTION ON UPDATE CASCADE
) ENGINE = InnoDB;

CREATE TABLE dhcp6_global_parameter (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name VARCHAR(128) NOT NULL,
    value LONGTEXT NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    parameter_type TINYINT UNSIGNED NOT NULL,
    PRIMARY KEY (id),
    INDEX key_dhcp6_global_parameter_modification_ts (modification_ts),
    INDEX key_dhcp6_global_parameter_name (name),
    INDEX fk_dhcp6_global_parameter_type (parameter_type),
    CONSTRAINT fk_dhcp6_global_parameter_type FOREIGN KEY (parameter_type)
        REFERENCES parameter_data_type (id)
) ENGINE = InnoDB;

CREATE TABLE dhcp6_global_parameter_server (
    parameter_id BIGINT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (parameter_id, server_id),
    INDEX fk_dhcp6_global_parameter_server_server_id (server_id),
    INDEX key_dhcp6_global_parameter_server (modification_ts),
    CONSTRAINT fk_dhcp6_global_parameter_server_parameter_id FOREIGN KEY (parameter_id)
        REFERENCES dhcp6_global_parameter (id) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp6_global_parameter_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id) ON DELETE CASCADE ON UPDATE NO ACTION
) ENGINE = InnoDB;

CREATE TABLE dhcp6_shared_network (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name VARCHAR(128) NOT NULL,
    client_class VARCHAR(128),
    interface VARCHAR(128),
    modification_ts TIMESTAMP NOT NULL,
    preferred_lifetime INT(10),
    rapid_commit TINYINT(1),
    rebind_timer INT(10),
    relay LONGTEXT,
    renew_timer INT(10),
    require_client_classes LONGTEXT,
    user_context LONGTEXT,
    valid_lifetime INT(10),
    calculate_tee_times TINYINT(1),
    t1_percent FLOAT,
    t2_percent FLOAT,
    interface_id VARBINARY(128),
    min_preferred_lifetime INT(10),
    max_preferred_lifetime INT(10),
    min_valid_lifetime INT(10),
    max_valid_lifetime INT(10),
    ddns_send_updates TINYINT(1),
    ddns_override_no_update TINYINT(1),
    ddns_override_client_update TINYINT(1),
    ddns_replace_client_name TINYINT(3),
    ddns_generated_prefix VARCHAR(255),
    ddns_qualifying_suffix VARCHAR(255),
    reservations_global TINYINT(1),
    reservations_in_subnet TINYINT(1),
    reservations_out_of_pool TINYINT(1),
    cache_threshold FLOAT,
    cache_max_age INT(10),
    PRIMARY KEY (id),
    UNIQUE INDEX name_UNIQUE (name),
    INDEX key_dhcp6_shared_network_modification_ts (modification_ts)
) ENGINE = InnoDB;

CREATE TABLE dhcp6_shared_network_server (
    shared_network_id BIGINT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (shared_network_id, server_id),
    INDEX key_dhcp6_shared_network_server_modification_ts (modification_ts),
    INDEX fk_dhcp6_shared_network_server_server_id_idx (server_id),
    CONSTRAINT fk_dhcp6_shared_network_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp6_shared_network_server_shared_network_id FOREIGN KEY (shared_network_id)
        REFERENCES dhcp6_shared_network (id) ON DELETE CASCADE ON UPDATE NO ACTION
) ENGINE = InnoDB;

CREATE TABLE dhcp6_subnet (
    subnet_id INT UNSIGNED NOT NULL,
    subnet_prefix VARCHAR(64) NOT NULL,
    client_class VARCHAR(128),
    interface VARCHAR(128),
    modification_ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    preferred_lifetime INT(10),
    rapid_commit TINYINT(1),
    rebind_timer INT(10),
    relay LONGTEXT,
    renew_timer INT(10),
    require_client_classes LONGTEXT,
    shared_network_name VARCHAR(128),
    user_context LONGTEXT,
    valid_lifetime INT(10),
    calculate_tee_times TINYINT(1),
    t1_percent FLOAT,
    t2_percent FLOAT,
    interface_id VARBINARY(128),
    min_preferred_lifetime INT(10),
    max_preferred_lifetime INT(10),
    min_valid_lifetime INT(10),
    max_valid_lifetime INT(10),
    ddns_send_updates TINYINT(1),
    ddns_override_no_update TINYINT(1),
    ddns_override_client_update TINYINT(1),
    ddns_replace_client_name TINYINT(3),
    ddns_generated_prefix VARCHAR(255),
    ddns_qualifying_suffix VARCHAR(255),
    reservations_global TINYINT(1),
    reservations_in_subnet TINYINT(1),
    reservations_out_of_pool TINYINT(1),
    cache_threshold FLOAT,
    cache_max_age INT(10),
    PRIMARY KEY (subnet_id),
    UNIQUE INDEX subnet_prefix_UNIQUE (subnet_prefix),
    INDEX subnet6_subnet_prefix (subnet_prefix),
    INDEX fk_dhcp6_subnet_shared_network (shared_network_name),
    INDEX key_dhcp6_subnet_modification_ts (modification_ts),
    CONSTRAINT fk_dhcp6_subnet_shared_network FOREIGN KEY (shared_network_name)
        REFERENCES dhcp6_shared_network (name) ON DELETE NO ACTION ON UPDATE NO ACTION
) ENGINE = InnoDB;

CREATE TABLE dhcp6_subnet_server (
    subnet_id INT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (subnet_id, server_id),
    INDEX fk_dhcp6_subnet_server_server_id (server_id),
    INDEX key_dhcp6_subnet_server_modification_ts (modification_ts),
    CONSTRAINT fk_dhcp6_subnet_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp6_subnet_server_subnet_id FOREIGN KEY (subnet_id)
        REFERENCES dhcp6_subnet (subnet_id) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE = InnoDB;

CREATE TABLE dhcp6_pool (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    start_address VARCHAR(45) NOT NULL,
    end_address VARCHAR(45) NOT NULL,
    subnet_id INT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    client_class VARCHAR(128),
    require_client_classes LONGTEXT,
    user_context LONGTEXT,
    PRIMARY KEY (id),
    INDEX key_dhcp6_pool_modification_ts (modification_ts),
    INDEX fk_dhcp6_pool_subnet_id (subnet_id),
    CONSTRAINT fk_dhcp6_pool_subnet_id FOREIGN KEY (subnet_id)
        REFERENCES dhcp6_subnet (subnet_id) ON DELETE NO ACTION ON UPDATE CASCADE
) ENGINE = InnoDB;

CREATE TABLE dhcp6_pd_pool (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    prefix VARCHAR(45) NOT NULL,
    prefix_length TINYINT(3) NOT NULL,
    delegated_prefix_length TINYINT(3) NOT NULL,
    subnet_id INT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    excluded_prefix VARCHAR(45),
    excluded_prefix_length TINYINT(3) NOT NULL,
    client_class VARCHAR(128),
    require_client_classes LONGTEXT,
    user_context LONGTEXT,
    PRIMARY KEY (id),
    INDEX key_dhcp6_pd_pool_modification_ts (modification_ts),
    INDEX fk_dhcp6_pd_pool_subnet_id (subnet_id),
    CONSTRAINT fk_dhcp6_pd_pool_subnet_id FOREIGN KEY (subnet_id)
        REFERENCES dhcp6_subnet (subnet_id) ON DELETE NO ACTION ON UPDATE CASCADE
) ENGINE = InnoDB;

CREATE TABLE dhcp6_client_class (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name VARCHAR(128) NOT NULL,
    test TEXT,
    only_if_required TINYINT NOT NULL DEFAULT 0,
    valid_lifetime INT,
    min_valid_lifetime INT,
    max_valid_lifetime INT,
    depend_on_known_directly TINYINT NOT NULL DEFAULT 0,
    follow_class_name VARCHAR(128),
    modification_ts TIMESTAMP NOT NULL,
    preferred_lifetime INT(10),
    min_preferred_lifetime INT(10),
    max_preferred_lifetime INT(10),
    user_context LONGTEXT,
    PRIMARY KEY (id),
    UNIQUE INDEX id_UNIQUE (id),
    UNIQUE INDEX name_UNIQUE (name),
    INDEX key_dhcp6_client_class_modification_ts (modification_ts)
) ENGINE = InnoDB;

CREATE TABLE dhcp6_client_class_order (
    class_id BIGINT UNSIGNED NOT NULL,
    order_index BIGINT UNSIGNED NOT NULL,
    depend_on_known_indirectly TINYINT NOT NULL DEFAULT 0,
    PRIMARY KEY (class_id),
    INDEX key_dhcp6_client_class_order_index (order_index),
    CONSTRAINT fk_dhcp6_client_class_order_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp6_client_class (id) ON DELETE CASCADE
) ENGINE = InnoDB;

CREATE TABLE dhcp6_client_class_dependency (
    class_id BIGINT UNSIGNED NOT NULL,
    dependency_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (class_id, dependency_id),
    INDEX dhcp6_client_class_dependency_id_idx (dependency_id),
    CONSTRAINT dhcp6_client_class_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp6_client_class (id) ON DELETE CASCADE,
    CONSTRAINT dhcp6_client_class_dependency_id FOREIGN KEY (dependency_id)
        REFERENCES dhcp6_client_class (id)
) ENGINE = InnoDB;

CREATE TABLE dhcp6_client_class_server (
    class_id BIGINT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NULL DEFAULT NULL,
    PRIMARY KEY (class_id, server_id),
    INDEX fk_dhcp6_client_class_server_id (server_id),
    CONSTRAINT fk_dhcp6_client_class_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp6_client_class (id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp6_client_class_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id)
) ENGINE = InnoDB;

CREATE TABLE dhcp6_option_def (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    code SMALLINT UNSIGNED NOT NULL,
    name VARCHAR(128) NOT NULL,
    space VARCHAR(128) NOT NULL,
    type TINYINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    is_array TINYINT(1) NOT NULL,
    encapsulate VARCHAR(128) NOT NULL,
    record_types VARCHAR(512),
    user_context LONGTEXT,
    class_id BIGINT UNSIGNED,
    PRIMARY KEY (id),
    INDEX key_dhcp6_option_def_modification_ts (modification_ts),
    INDEX key_dhcp6_option_def_code_space (code, space),
    INDEX fk_dhcp6_option_def_client_class_id (class_id),
    CONSTRAINT fk_dhcp6_option_def_client_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp6_client_class (id) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE = InnoDB;

CREATE TABLE dhcp6_option_def_server (
    option_def_id BIGINT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (option_def_id, server_id),
    INDEX fk_dhcp6_option_def_server_server_id_idx (server_id),
    INDEX key_dhcp6_option_def_server_modification_ts (modification_ts),
    CONSTRAINT fk_dhcp6_option_def_server_option_def_id FOREIGN KEY (option_def_id)
        REFERENCES dhcp6_option_def (id) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp6_option_def_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id) ON DELETE CASCADE ON UPDATE NO ACTION
) ENGINE = InnoDB;

-- ===========================================================================================
-- 6. Options. One table per family serves host reservations (host_id, scope 3) and the
--    configuration backend (scope_id: 0 global, 1 subnet, 2 client class, 4 shared network,
--    5 pool, 6 prefix-delegation pool; see dhcp_option_scope).
-- ===========================================================================================

CREATE TABLE dhcp4_options (
    option_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    code TINYINT UNSIGNED NOT NULL,
    value BLOB,
    formatted_value TEXT,
    space VARCHAR(128),
    persistent TINYINT(1) NOT NULL DEFAULT 0,
    dhcp_client_class VARCHAR(128),
    dhcp4_subnet_id INT UNSIGNED,
    host_id INT UNSIGNED,
    scope_id TINYINT UNSIGNED NOT NULL,
    user_context TEXT,
    shared_network_name VARCHAR(128),
    pool_id BIGINT UNSIGNED,
    modification_ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (option_id),
    UNIQUE INDEX option_id_UNIQUE (option_id),
    INDEX fk_options_host1_idx (host_id),
    INDEX fk_dhcp4_option_scope (scope_id),
    INDEX fk_dhcp4_options_shared_network (shared_network_name),
    INDEX fk_dhcp4_options_subnet (dhcp4_subnet_id),
    INDEX fk_dhcp4_options_pool (pool_id),
    INDEX fk_dhcp4_options_client_class (dhcp_client_class),
    CONSTRAINT fk_dhcp4_option_scope FOREIGN KEY (scope_id)
        REFERENCES dhcp_option_scope (scope_id),
    CONSTRAINT fk_dhcp4_options_Host FOREIGN KEY (host_id)
        REFERENCES hosts (host_id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp4_options_client_class FOREIGN KEY (dhcp_client_class)
        REFERENCES dhcp4_client_class (name) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp4_options_pool FOREIGN KEY (pool_id)
        REFERENCES dhcp4_pool (id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp4_options_shared_network FOREIGN KEY (shared_network_name)
        REFERENCES dhcp4_shared_network (name) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp4_options_subnet FOREIGN KEY (dhcp4_subnet_id)
        REFERENCES dhcp4_subnet (subnet_id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_options_host1 FOREIGN KEY (host_id)
        REFERENCES hosts (host_id) ON DELETE NO ACTION ON UPDATE NO ACTION
) ENGINE = InnoDB;

CREATE TABLE dhcp4_options_server (
    option_id BIGINT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (option_id, server_id),
    INDEX fk_dhcp4_options_server_server_id (server_id),
    INDEX key_dhcp4_options_server_modification_ts (modification_ts),
    CONSTRAINT fk_dhcp4_options_server_option_id FOREIGN KEY (option_id)
        REFERENCES dhcp4_options (option_id) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp4_options_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id) ON DELETE CASCADE ON UPDATE NO ACTION
) ENGINE = InnoDB;

CREATE TABLE dhcp6_options (
    option_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    code SMALLINT UNSIGNED NOT NULL,
    value BLOB,
    formatted_value TEXT,
    space VARCHAR(128),
    persistent TINYINT(1) NOT NULL DEFAULT 0,
    dhcp_client_class VARCHAR(128),
    dhcp6_subnet_id INT UNSIGNED,
    host_id INT UNSIGNED,
    scope_id TINYINT UNSIGNED NOT NULL,
    user_context TEXT,
    shared_network_name VARCHAR(128),
    pool_id BIGINT UNSIGNED,
    pd_pool_id BIGINT UNSIGNED,
    modification_ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (option_id),
    UNIQUE INDEX option_id_UNIQUE (option_id),
    INDEX fk_options_host1_idx (host_id),
    INDEX fk_dhcp6_option_scope (scope_id),
    INDEX fk_dhcp6_options_shared_network (shared_network_name),
    INDEX fk_dhcp6_options_subnet (dhcp6_subnet_id),
    INDEX fk_dhcp6_options_pool (pool_id),
    INDEX fk_dhcp6_options_pd_pool (pd_pool_id),
    INDEX fk_dhcp6_options_client_class (dhcp_client_class),
    CONSTRAINT fk_dhcp6_option_scope FOREIGN KEY (scope_id)
        REFERENCES dhcp_option_scope (scope_id),
    CONSTRAINT fk_dhcp6_options_Host FOREIGN KEY (host_id)
        REFERENCES hosts (host_id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp6_options_client_class FOREIGN KEY (dhcp_client_class)
        REFERENCES dhcp6_client_class (name) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp6_options_pd_pool FOREIGN KEY (pd_pool_id)
        REFERENCES dhcp6_pd_pool (id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp6_options_pool FOREIGN KEY (pool_id)
        REFERENCES dhcp6_pool (id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp6_options_shared_network FOREIGN KEY (shared_network_name)
        REFERENCES dhcp6_shared_network (name) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp6_options_subnet FOREIGN KEY (dhcp6_subnet_id)
        REFERENCES dhcp6_subnet (subnet_id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_options_host10 FOREIGN KEY (host_id)
        REFERENCES hosts (host_id) ON DELETE NO ACTION ON UPDATE NO ACTION
) ENGINE = InnoDB;

CREATE TABLE dhcp6_options_server (
    option_id BIGINT UNSIGNED NOT NULL,
    server_id BIGINT UNSIGNED NOT NULL,
    modification_ts TIMESTAMP NOT NULL,
    PRIMARY KEY (option_id, server_id),
    INDEX fk_dhcp6_options_server_server_id_idx (server_id),
    INDEX key_dhcp6_options_server_modification_ts (modification_ts),
    CONSTRAINT fk_dhcp6_options_server_option_id FOREIGN KEY (option_id)
        REFERENCES dhcp6_options (option_id) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT fk_dhcp6_options_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id) ON DELETE CASCADE ON UPDATE NO ACTION
) ENGINE = InnoDB;

-- The reserved server tag "all" (id 1). Inserted before the audit triggers exist, so it
-- leaves no audit trail.
INSERT INTO dhcp4_server (id, tag, description, modification_ts)
    VALUES (1, 'all', 'special type: all servers', NOW());
INSERT INTO dhcp6_server (id, tag, description, modification_ts)
    VALUES (1, 'all', 'special type: all servers', NOW());

-- ===========================================================================================
-- 7. Stored functions and procedures
--    Parameter names often equal column names; inside a routine a bare name means the
--    parameter, so every column reference below is qualified with its table alias.
-- ===========================================================================================

DELIMITER $$

-- ---- helpers ------------------------------------------------------------------------------

-- TRUE when the server has the JSON functions the client-class statistics need.
CREATE FUNCTION isJsonSupported() RETURNS BOOL DETERMINISTIC
BEGIN
    DECLARE probe TEXT;
    DECLARE CONTINUE HANDLER FOR SQLEXCEPTION RETURN FALSE;
    SET probe = JSON_EXTRACT('[1]', '$[0]');
    RETURN TRUE;
END $$

-- 'A0B1C' -> '0a:0b:1c': left-pads to whole bytes, lower-cases, colon between bytes.
CREATE FUNCTION colonSeparatedHex(hex VARCHAR(64)) RETURNS VARCHAR(64) DETERMINISTIC
BEGIN
    DECLARE digits VARCHAR(64);
    DECLARE result VARCHAR(64);
    DECLARE pos INT DEFAULT 3;
    IF hex IS NULL THEN
        RETURN NULL;
    END IF;
    SET digits = IF(LENGTH(hex) % 2 = 1, CONCAT('0', hex), hex);
    SET result = LEFT(digits, 2);
    WHILE pos < LENGTH(digits) DO
        SET result = CONCAT(result, ':', SUBSTRING(digits, pos, 2));
        SET pos = pos + 2;
    END WHILE;
    RETURN LOWER(result);
END $$

-- ---- lease statistics per subnet (states 0 and 1 are counted) -----------------------------

CREATE PROCEDURE lease4_AINS_lease4_stat(IN new_state TINYINT, IN new_subnet_id INT UNSIGNED)
BEGIN
    IF new_state IN (0, 1) THEN
        INSERT INTO lease4_stat (subnet_id, state, leases) VALUES (new_subnet_id, new_state, 1)
            ON DUPLICATE KEY UPDATE leases = leases + 1;
    END IF;
END $$

CREATE PROCEDURE lease4_ADEL_lease4_stat(IN old_state TINYINT, IN old_subnet_id INT UNSIGNED)
BEGIN
    IF old_state IN (0, 1) THEN
        UPDATE lease4_stat AS st SET st.leases = IF(st.leases > 0, st.leases - 1, 0)
            WHERE st.subnet_id = old_subnet_id AND st.state = old_state;
    END IF;
END $$

-- A row that changes subnet or state moves from one counter to the other.
CREATE PROCEDURE lease4_AUPD_lease4_stat(IN old_state TINYINT, IN old_subnet_id INT UNSIGNED,
                                         IN new_state TINYINT, IN new_subnet_id INT UNSIGNED)
BEGIN
    IF old_subnet_id <> new_subnet_id OR old_state <> new_state THEN
        CALL lease4_ADEL_lease4_stat(old_state, old_subnet_id);
        CALL lease4_AINS_lease4_stat(new_state, new_subnet_id);
    END IF;
END $$

CREATE PROCEDURE lease6_AINS_lease6_stat(IN new_state TINYINT, IN new_subnet_id INT UNSIGNED,
                                         IN new_lease_type TINYINT)
BEGIN
    IF new_state IN (0, 1) THEN
        INSERT INTO lease6_stat (subnet_id, lease_type, state, leases)
            VALUES (new_subnet_id, new_lease_type, new_state, 1)
            ON DUPLICATE KEY UPDATE leases = leases + 1;
    END IF;
END $$

CREATE PROCEDURE lease6_ADEL_lease6_stat(IN old_state TINYINT, IN old_subnet_id INT UNSIGNED,
                                         IN old_lease_type TINYINT)
BEGIN
    IF old_state IN (0, 1) THEN
        UPDATE lease6_stat AS st SET st.leases = IF(st.leases > 0, st.leases - 1, 0)
            WHERE st.subnet_id = old_subnet_id AND st.lease_type = old_lease_type
              AND st.state = old_state;
    END IF;
END $$

CREATE PROCEDURE lease6_AUPD_lease6_stat(IN old_state TINYINT, IN old_subnet_id INT UNSIGNED,
                                         IN old_lease_type TINYINT, IN new_state TINYINT,
                                         IN new_subnet_id INT UNSIGNED, IN new_lease_type TINYINT)
BEGIN
    IF old_subnet_id <> new_subnet_id OR old_lease_type <> new_lease_type
       OR old_state <> new_state THEN
        CALL lease6_ADEL_lease6_stat(old_state, old_subnet_id, old_lease_type);
        CALL lease6_AINS_lease6_stat(new_state, new_subnet_id, new_lease_type);
    END IF;
END $$

-- ---- lease statistics per client class (state 0 only) -------------------------------------
-- The classes of a lease are the JSON array user_context.ISC."client-classes". A missing or
-- malformed user context simply counts nothing (JSON errors 3141 / 4037 are ignored).

CREATE PROCEDURE lease4_AINS_lease4_stat_by_client_class(IN new_state TINYINT,
                                                         IN new_user_context TEXT)
BEGIN
    DECLARE classes TEXT;
    DECLARE cls VARCHAR(255);
    DECLARE n INT;
    DECLARE pos INT DEFAULT 0;
    DECLARE CONTINUE HANDLER FOR 3141 BEGIN END;
    DECLARE CONTINUE HANDLER FOR 4037 BEGIN END;
    IF new_state = 0 THEN
        SET classes = JSON_EXTRACT(new_user_context, '$."ISC"."client-classes"');
        SET n = JSON_LENGTH(classes);
        WHILE pos < n DO
            SET cls = JSON_UNQUOTE(JSON_EXTRACT(classes, CONCAT('$[', pos, ']')));
            INSERT INTO lease4_stat_by_client_class (client_class, leases) VALUES (cls, 1)
                ON DUPLICATE KEY UPDATE leases = leases + 1;
            SET pos = pos + 1;
        END WHILE;
    END IF;
END $$

CREATE PROCEDURE lease4_ADEL_lease4_stat_by_client_class(IN old_state TINYINT,
                                                         IN old_user_context TEXT)
BEGIN
    DECLARE classes TEXT;
    DECLARE cls VARCHAR(255);
    DECLARE n INT;
    DECLARE pos INT DEFAULT 0;
    DECLARE CONTINUE HANDLER FOR 3141 BEGIN END;
    DECLARE CONTINUE HANDLER FOR 4037 BEGIN END;
    IF old_state = 0 THEN
        SET classes = JSON_EXTRACT(old_user_context, '$."ISC"."client-classes"');
        SET n = JSON_LENGTH(classes);
        WHILE pos < n DO
            SET cls = JSON_UNQUOTE(JSON_EXTRACT(classes, CONCAT('$[', pos, ']')));
            UPDATE lease4_stat_by_client_class AS st
                SET st.leases = IF(st.leases > 0, st.leases - 1, 0)
                WHERE st.client_class = cls;
            SET pos = pos + 1;
        END WHILE;
    END IF;
END $$

CREATE PROCEDURE lease4_AUPD_lease4_stat_by_client_class(IN old_state TINYINT,
                                                         IN old_user_context TEXT,
                                                         IN new_state TINYINT,
                                                         IN new_user_context TEXT)
BEGIN
    DECLARE old_classes TEXT;
    DECLARE new_classes TEXT;
    SET old_classes = JSON_EXTRACT(old_user_context, '$."ISC"."client-classes"');
    SET new_classes = JSON_EXTRACT(new_user_context, '$."ISC"."client-classes"');
    IF old_state <> new_state OR old_classes <> new_classes THEN
        CALL lease4_ADEL_lease4_stat_by_client_class(old_state, old_user_context);
        CALL lease4_AINS_lease4_stat_by_client_class(new_state, new_user_context);
    END IF;
END $$

CREATE PROCEDURE lease6_AINS_lease6_stat_by_client_class(IN new_state TINYINT,
                                                         IN new_user_context TEXT,
                                                         IN new_lease_type TINYINT)
BEGIN
    DECLARE classes TEXT;
    DECLARE cls VARCHAR(255);
    DECLARE n INT;
    DECLARE pos INT DEFAULT 0;
    DECLARE CONTINUE HANDLER FOR 3141 BEGIN END;
    DECLARE CONTINUE HANDLER FOR 4037 BEGIN END;
    IF new_state = 0 THEN
        SET classes = JSON_EXTRACT(new_user_context, '$."ISC"."client-classes"');
        SET n = JSON_LENGTH(classes);
        WHILE pos < n DO
            SET cls = JSON_UNQUOTE(JSON_EXTRACT(classes, CONCAT('$[', pos, ']')));
            INSERT INTO lease6_stat_by_client_class (client_class, lease_type, leases)
                VALUES (cls, new_lease_type, 1)
                ON DUPLICATE KEY UPDATE leases = leases + 1;
            SET pos = pos + 1;
        END WHILE;
    END IF;
END $$

CREATE PROCEDURE lease6_ADEL_lease6_stat_by_client_class(IN old_state TINYINT,
                                                         IN old_user_context TEXT,
                                                         IN old_lease_type TINYINT)
BEGIN
    DECLARE classes TEXT;
    DECLARE cls VARCHAR(255);
    DECLARE n INT;
    DECLARE pos INT DEFAULT 0;
    DECLARE CONTINUE HANDLER FOR 3141 BEGIN END;
    DECLARE CONTINUE HANDLER FOR 4037 BEGIN END;
    IF old_state = 0 THEN
        SET classes = JSON_EXTRACT(old_user_context, '$."ISC"."client-classes"');
        SET n = JSON_LENGTH(classes);
        WHILE pos < n DO
            SET cls = JSON_UNQUOTE(JSON_EXTRACT(classes, CONCAT('$[', pos, ']')));
            UPDATE lease6_stat_by_client_class AS st
                SET st.leases = IF(st.leases > 0, st.leases - 1, 0)
                WHERE st.client_class = cls AND st.lease_type = old_lease_type;
            SET pos = pos + 1;
        END WHILE;
    END IF;
END $$

CREATE PROCEDURE lease6_AUPD_lease6_stat_by_client_class(IN old_state TINYINT,
                                                         IN old_user_context TEXT,
                                                         IN old_lease_type TINYINT,
                                                         IN new_state TINYINT,
                                                         IN new_user_context TEXT,
                                                         IN new_lease_type TINYINT)
BEGIN
    DECLARE old_classes TEXT;
    DECLARE new_classes TEXT;
    SET old_classes = JSON_EXTRACT(old_user_context, '$."ISC"."client-classes"');
    SET new_classes = JSON_EXTRACT(new_user_context, '$."ISC"."client-classes"');
    IF old_state <> new_state OR old_classes <> new_classes
       OR old_lease_type <> new_lease_type THEN
        CALL lease6_ADEL_lease6_stat_by_client_class(old_state, old_user_context, old_lease_type);
        CALL lease6_AINS_lease6_stat_by_client_class(new_state, new_user_context, new_lease_type);
    END IF;
END $$

-- ---- lease limits -------------------------------------------------------------------------
-- user_context of the lease being allocated may carry
--   {"ISC": {"limits": {"client-classes": [{"name": N, "address-limit": A, "prefix-limit": P}],
--                       "subnet": {"id": S, "address-limit": A, "prefix-limit": P}}}}
-- The result names the first limit already reached, or '' when none is.

CREATE FUNCTION checkLease4Limits(user_context TEXT) RETURNS TEXT READS SQL DATA
BEGIN
    DECLARE entries TEXT;
    DECLARE entry TEXT;
    DECLARE cls VARCHAR(255);
    DECLARE n INT;
    DECLARE pos INT DEFAULT 0;
    DECLARE lim INT;
    DECLARE used INT;
    DECLARE sid INT;

    SET entries = JSON_EXTRACT(user_context, '$."ISC"."limits"."client-classes"');
    SET n = JSON_LENGTH(entries);
    WHILE pos < n DO
        SET entry = JSON_EXTRACT(entries, CONCAT('$[', pos, ']'));
        SET cls = JSON_UNQUOTE(JSON_EXTRACT(entry, '$.name'));
        SET lim = JSON_EXTRACT(entry, '$."address-limit"');
        IF lim IS NOT NULL THEN
            SET used = IFNULL((SELECT st.leases FROM lease4_stat_by_client_class AS st
                               WHERE st.client_class = cls), 0);
            IF lim <= used THEN
                RETURN CONCAT('address limit ', lim, ' for client class "', cls,
                              '", current lease count ', used);
            END IF;
        END IF;
        SET pos = pos + 1;
    END WHILE;

    SET entry = JSON_EXTRACT(user_context, '$.ISC.limits.subnet');
    SET sid = JSON_EXTRACT(entry, '$.id');
    SET lim = JSON_EXTRACT(entry, '$."address-limit"');
    IF lim IS NOT NULL THEN
        SET used = IFNULL((SELECT st.leases FROM lease4_stat AS st
                           WHERE st.subnet_id = sid AND st.state = 0), 0);
        IF lim <= used THEN
            RETURN CONCAT('address limit ', lim, ' for subnet ID ', sid,
                          ', current lease count ', used);
        END IF;
    END IF;
    RETURN '';
END $$

-- Addresses are lease type 0, delegated prefixes lease type 2.
CREATE FUNCTION checkLease6Limits(user_context TEXT) RETURNS TEXT READS SQL DATA
BEGIN
    DECLARE entries TEXT;
    DECLARE entry TEXT;
    DECLARE cls VARCHAR(255);
    DECLARE n INT;
    DECLARE pos INT DEFAULT 0;
    DECLARE lim INT;
    DECLARE used INT;
    DECLARE sid INT;

    SET entries = JSON_EXTRACT(user_context, '$."ISC"."limits"."client-classes"');
    SET n = JSON_LENGTH(entries);
    WHILE pos < n DO
        SET entry = JSON_EXTRACT(entries, CONCAT('$[', pos, ']'));
        SET cls = JSON_UNQUOTE(JSON_EXTRACT(entry, '$.name'));
        SET lim = JSON_EXTRACT(entry, '$."address-limit"');
        IF lim IS NOT NULL THEN
            SET used = IFNULL((SELECT st.leases FROM lease6_stat_by_client_class AS st
                               WHERE st.client_class = cls AND st.lease_type = 0), 0);
            IF lim <= used THEN
                RETURN CONCAT('address limit ', lim, ' for client class "', cls,
                              '", current lease count ', used);
            END IF;
        END IF;
        SET lim = JSON_EXTRACT(entry, '$."prefix-limit"');
        IF lim IS NOT NULL THEN
            SET used = IFNULL((SELECT st.leases FROM lease6_stat_by_client_class AS st
                               WHERE st.client_class = cls AND st.lease_type = 2), 0);
            IF lim <= used THEN
                RETURN CONCAT('prefix limit ', lim, ' for client class "', cls,
                              '", current lease count ', used);
            END IF;
        END IF;
        SET pos = pos + 1;
    END WHILE;

    SET entry = JSON_EXTRACT(user_context, '$.ISC.limits.subnet');
    SET sid = JSON_EXTRACT(entry, '$.id');
    SET lim = JSON_EXTRACT(entry, '$."address-limit"');
    IF lim IS NOT NULL THEN
        SET used = IFNULL((SELECT st.leases FROM lease6_stat AS st
                           WHERE st.subnet_id = sid AND st.lease_type = 0 AND st.state = 0), 0);
        IF lim <= used THEN
            RETURN CONCAT('address limit ', lim, ' for subnet ID ', sid,
                          ', current lease count ', used);
        END IF;
    END IF;
    SET lim = JSON_EXTRACT(entry, '$."prefix-limit"');
    IF lim IS NOT NULL THEN
        SET used = IFNULL((SELECT st.leases FROM lease6_stat AS st
                           WHERE st.subnet_id = sid AND st.lease_type = 2 AND st.state = 0), 0);
        IF lim <= used THEN
            RETURN CONCAT('prefix limit ', lim, ' for subnet ID ', sid,
                          ', current lease count ', used);
        END IF;
    END IF;
    RETURN '';
END $$

-- ---- lease dump and upload (kea-admin lease-dump / lease-upload) --------------------------
-- Rows use the memfile CSV columns: binary identifiers as colon-separated hex, expire as a
-- Unix time, and commas inside hostname / user_context escaped as '&#x2c'.

CREATE PROCEDURE lease4DumpHeader()
BEGIN
    SELECT 'address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context';
END $$

CREATE PROCEDURE lease4DumpData()
BEGIN
    SELECT INET_NTOA(l.address),
           IFNULL(colonSeparatedHex(HEX(l.hwaddr)), ''),
           IFNULL(colonSeparatedHex(HEX(l.client_id)), ''),
           l.valid_lifetime,
           UNIX_TIMESTAMP(l.expire),
           l.subnet_id,
           l.fqdn_fwd,
           l.fqdn_rev,
           REPLACE(l.hostname, ',', '&#x2c'),
           l.state,
           REPLACE(IFNULL(l.user_context, ''), ',', '&#x2c')
      FROM lease4 AS l
     ORDER BY l.address;
END $$

CREATE PROCEDURE lease6DumpHeader()
BEGIN
    SELECT 'address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,hwaddr_source';
END $$

CREATE PROCEDURE lease6DumpData()
BEGIN
    SELECT l.address,
           IFNULL(colonSeparatedHex(HEX(l.duid)), ''),
           l.valid_lifetime,
           UNIX_TIMESTAMP(l.expire),
           l.subnet_id,
           l.pref_lifetime,
           l.lease_type,
           l.iaid,
           l.prefix_len,
           l.fqdn_fwd,
           l.fqdn_rev,
           REPLACE(l.hostname, ',', '&#x2c'),
           IFNULL(colonSeparatedHex(HEX(l.hwaddr)), ''),
           l.state,
           REPLACE(IFNULL(l.user_context, ''), ',', '&#x2c'),
           l.hwtype,
           l.hwaddr_source
      FROM lease6 AS l
     ORDER BY l.address;
END $$

-- One CSV row back into lease4 (the inverse of lease4DumpData).
CREATE PROCEDURE lease4Upload(IN address VARCHAR(15), IN hwaddr VARCHAR(20),
                              IN client_id VARCHAR(128), IN valid_lifetime INT UNSIGNED,
                              IN expire BIGINT UNSIGNED, IN subnet_id INT UNSIGNED,
                              IN fqdn_fwd TINYINT, IN fqdn_rev TINYINT,
                              IN hostname VARCHAR(255), IN state INT UNSIGNED,
                              IN user_context TEXT)
BEGIN
    INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id,
                        fqdn_fwd, fqdn_rev, hostname, state, user_context)
    VALUES (INET_ATON(address),
            UNHEX(REPLACE(hwaddr, ':', '')),
            UNHEX(REPLACE(client_id, ':', '')),
            valid_lifetime,
            FROM_UNIXTIME(expire),
            subnet_id,
            fqdn_fwd,
            fqdn_rev,
            REPLACE(hostname, '&#x2c', ','),
            state,
            REPLACE(user_context, '&#x2c', ','));
END $$

CREATE PROCEDURE lease6Upload(IN address VARCHAR(39), IN duid VARCHAR(128),
                              IN valid_lifetime INT UNSIGNED, IN expire BIGINT UNSIGNED,
                              IN subnet_id INT UNSIGNED, IN pref_lifetime INT UNSIGNED,
                              IN lease_type TINYINT, IN iaid INT UNSIGNED,
                              IN prefix_len TINYINT UNSIGNED, IN fqdn_fwd TINYINT,
                              IN fqdn_rev TINYINT, IN hostname VARCHAR(255),
                              IN hwaddr VARCHAR(64), IN state INT UNSIGNED,
                              IN user_context TEXT, IN hwtype SMALLINT,
                              IN hwaddr_source INT UNSIGNED)
BEGIN
    INSERT INTO lease6 (address, duid, valid_lifetime, expire, subnet_id, pref_lifetime,
                        lease_type, iaid, prefix_len, fqdn_fwd, fqdn_rev, hostname, hwaddr,
                        state, user_context, hwtype, hwaddr_source)
    VALUES (address,
            UNHEX(REPLACE(duid, ':', '')),
            valid_lifetime,
            FROM_UNIXTIME(expire),
            subnet_id,
            pref_lifetime,
            lease_type,
            iaid,
            prefix_len,
            fqdn_fwd,
            fqdn_rev,
            REPLACE(hostname, '&#x2c', ','),
            UNHEX(REPLACE(hwaddr, ':', '')),
            state,
            REPLACE(user_context, '&#x2c', ','),
            hwtype,
            hwaddr_source);
END $$

-- ---- configuration-backend audit ----------------------------------------------------------
-- The backend opens a revision (createAuditRevisionDHCPx) before changing configuration;
-- the triggers then add one audit row per changed object to that revision.

CREATE PROCEDURE createAuditRevisionDHCP4(IN audit_ts TIMESTAMP, IN server_tag VARCHAR(256),
                                          IN audit_log_message TEXT,
                                          IN cascade_transaction TINYINT(1))
BEGIN
    IF COALESCE(@disable_audit, 0) = 0 THEN
        INSERT INTO dhcp4_audit_revision (modification_ts, server_id, log_message)
            VALUES (audit_ts,
                    (SELECT srv.id FROM dhcp4_server AS srv WHERE srv.tag = server_tag),
                    audit_log_message);
        SET @audit_revision_id = LAST_INSERT_ID();
        SET @cascade_transaction = cascade_transaction;
    END IF;
END $$

CREATE PROCEDURE createAuditRevisionDHCP6(IN audit_ts TIMESTAMP, IN server_tag VARCHAR(256),
                                          IN audit_log_message TEXT,
                                          IN cascade_transaction TINYINT(1))
BEGIN
    IF COALESCE(@disable_audit, 0) = 0 THEN
        INSERT INTO dhcp6_audit_revision (modification_ts, server_id, log_message)
            VALUES (audit_ts,
                    (SELECT srv.id FROM dhcp6_server AS srv WHERE srv.tag = server_tag),
                    audit_log_message);
        SET @audit_revision_id = LAST_INSERT_ID();
        SET @cascade_transaction = cascade_transaction;
    END IF;
END $$

-- modification_type_val is 'create', 'update' or 'delete' (see table modification).
CREATE PROCEDURE createAuditEntryDHCP4(IN object_type_val VARCHAR(256),
                                       IN object_id_val BIGINT UNSIGNED,
                                       IN modification_type_val VARCHAR(32))
BEGIN
    IF COALESCE(@disable_audit, 0) = 0 THEN
        INSERT INTO dhcp4_audit (object_type, object_id, modification_type, revision_id)
            VALUES (object_type_val, object_id_val,
                    (SELECT m.id FROM modification AS m
                      WHERE m.modification_type = modification_type_val),
                    @audit_revision_id);
    END IF;
END $$

CREATE PROCEDURE createAuditEntryDHCP6(IN object_type_val VARCHAR(256),
                                       IN object_id_val BIGINT UNSIGNED,
                                       IN modification_type_val VARCHAR(32))
BEGIN
    IF COALESCE(@disable_audit, 0) = 0 THEN
        INSERT INTO dhcp6_audit (object_type, object_id, modification_type, revision_id)
            VALUES (object_type_val, object_id_val,
                    (SELECT m.id FROM modification AS m
                      WHERE m.modification_type = modification_type_val),
                    @audit_revision_id);
    END IF;
END $$

-- An option change is audited on its owner: a global option gets its own audit row; a
-- subnet, shared-network or pool option bumps the owning subnet's / network's
-- modification_ts, whose update trigger audits the owner. Client-class and host options are
-- not audited here. Nothing happens while a cascading delete runs (@cascade_transaction).
CREATE PROCEDURE createOptionAuditDHCP4(IN modification_type VARCHAR(32),
                                        IN scope_id TINYINT UNSIGNED,
                                        IN option_id BIGINT UNSIGNED,
                                        IN subnet_id INT UNSIGNED, IN host_id INT UNSIGNED,
                                        IN network_name VARCHAR(128), IN pool_id BIGINT,
                                        IN modification_ts TIMESTAMP)
BEGIN
    IF COALESCE(@cascade_transaction, 0) = 0 THEN
        CASE scope_id
        WHEN 0 THEN
            CALL createAuditEntryDHCP4('dhcp4_options', option_id, modification_type);
        WHEN 1 THEN
            UPDATE dhcp4_subnet AS s SET s.modification_ts = modification_ts
                WHERE s.subnet_id = subnet_id;
        WHEN 4 THEN
            UPDATE dhcp4_shared_network AS sn SET sn.modification_ts = modification_ts
                WHERE sn.name = network_name;
        WHEN 5 THEN
            UPDATE dhcp4_subnet AS s SET s.modification_ts = modification_ts
                WHERE s.subnet_id = (SELECT p.subnet_id FROM dhcp4_pool AS p WHERE p.id = pool_id);
        ELSE
            BEGIN
            END;
        END CASE;
    END IF;
END $$

CREATE PROCEDURE createOptionAuditDHCP6(IN modification_type VARCHAR(32),
                                        IN scope_id TINYINT UNSIGNED,
                                        IN option_id BIGINT UNSIGNED,
                                        IN subnet_id INT UNSIGNED, IN host_id INT UNSIGNED,
                                        IN network_name VARCHAR(128), IN pool_id BIGINT,
                                        IN pd_pool_id BIGINT, IN modification_ts TIMESTAMP)
BEGIN
    IF COALESCE(@cascade_transaction, 0) = 0 THEN
        CASE scope_id
        WHEN 0 THEN
            CALL createAuditEntryDHCP6('dhcp6_options', option_id, modification_type);
        WHEN 1 THEN
            UPDATE dhcp6_subnet AS s SET s.modification_ts = modification_ts
                WHERE s.subnet_id = subnet_id;
        WHEN 4 THEN
            UPDATE dhcp6_shared_network AS sn SET sn.modification_ts = modification_ts
                WHERE sn.name = network_name;
        WHEN 5 THEN
            UPDATE dhcp6_subnet AS s SET s.modification_ts = modification_ts
                WHERE s.subnet_id = (SELECT p.subnet_id FROM dhcp6_pool AS p WHERE p.id = pool_id);
        WHEN 6 THEN
            UPDATE dhcp6_subnet AS s SET s.modification_ts = modification_ts
                WHERE s.subnet_id = (SELECT p.subnet_id FROM dhcp6_pd_pool AS p
                                      WHERE p.id = pd_pool_id);
        ELSE
            BEGIN
            END;
        END CASE;
    END IF;
END $$

-- ---- client classes: evaluation order and dependencies ------------------------------------
-- dhcpX_client_class_order gives each class a position; a class named in follow_class_name
-- is placed right after that class, otherwise at the end. A class may depend only on classes
-- placed before it. depend_on_known_indirectly marks classes that depend, through other
-- classes, on the built-in KNOWN/UNKNOWN classes.

CREATE PROCEDURE setClientClass4Order(IN id BIGINT UNSIGNED,
                                      IN follow_class_name VARCHAR(128),
                                      IN old_follow_class_name VARCHAR(128))
place: BEGIN
    DECLARE prev_index BIGINT UNSIGNED;
    DECLARE msg TEXT;

    -- Remember the indirect flag of an existing class for checkDHCPv4ClientClassKnownDependencyChange.
    SET @depend_on_known_indirectly = (SELECT o.depend_on_known_indirectly
                                         FROM dhcp4_client_class_order AS o WHERE o.class_id = id);

    -- An updated class that keeps its place: only clear the indirect flag; the backend
    -- re-inserts the dependencies, whose trigger sets it again when due.
    IF @depend_on_known_indirectly IS NOT NULL
       AND follow_class_name <=> old_follow_class_name THEN
        UPDATE dhcp4_client_class_order AS o SET o.depend_on_known_indirectly = 0
            WHERE o.class_id = id;
        LEAVE place;
    END IF;

    IF follow_class_name IS NULL THEN
        SET prev_index = IFNULL((SELECT MAX(o.order_index) FROM dhcp4_client_class_order AS o), 0);
    ELSE
        SET prev_index = (SELECT o.order_index FROM dhcp4_client_class AS c
                            JOIN dhcp4_client_class_order AS o ON o.class_id = c.id
                           WHERE c.name = follow_class_name);
        IF prev_index IS NULL THEN
            SET msg = CONCAT('Class ', follow_class_name, ' does not exist.');
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
        END IF;
        -- Make room right after the followed class when that position is taken.
        IF EXISTS (SELECT 1 FROM dhcp4_client_class_order AS o
                    WHERE o.order_index = prev_index + 1) THEN
            UPDATE dhcp4_client_class_order SET order_index = order_index + 1
                WHERE order_index > prev_index ORDER BY order_index DESC;
        END IF;
    END IF;

    -- Classes depending on this one must stay behind it.
    IF EXISTS (SELECT 1 FROM dhcp4_client_class_dependency AS d
                 JOIN dhcp4_client_class_order AS o ON o.class_id = d.class_id
                WHERE d.dependency_id = id AND o.order_index <= prev_index) THEN
        SET msg = CONCAT('Unable to move class with id ', id,
                         ' because it would break its dependencies');
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
    END IF;

    REPLACE INTO dhcp4_client_class_order (class_id, order_index, depend_on_known_indirectly)
        VALUES (id, prev_index + 1, 0);
END $$

CREATE PROCEDURE setClientClass6Order(IN id BIGINT UNSIGNED,
                                      IN follow_class_name VARCHAR(128),
                                      IN old_follow_class_name VARCHAR(128))
place: BEGIN
    DECLARE prev_index BIGINT UNSIGNED;
    DECLARE msg TEXT;

    SET @depend_on_known_indirectly = (SELECT o.depend_on_known_indirectly
                                         FROM dhcp6_client_class_order AS o WHERE o.class_id = id);

    IF @depend_on_known_indirectly IS NOT NULL
       AND follow_class_name <=> old_follow_class_name THEN
        UPDATE dhcp6_client_class_order AS o SET o.depend_on_known_indirectly = 0
            WHERE o.class_id = id;
        LEAVE place;
    END IF;

    IF follow_class_name IS NULL THEN
        SET prev_index = IFNULL((SELECT MAX(o.order_index) FROM dhcp6_client_class_order AS o), 0);
    ELSE
        SET prev_index = (SELECT o.order_index FROM dhcp6_client_class AS c
                            JOIN dhcp6_client_class_order AS o ON o.class_id = c.id
                           WHERE c.name = follow_class_name);
        IF prev_index IS NULL THEN
            SET msg = CONCAT('Class ', follow_class_name, ' does not exist.');
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
        END IF;
        IF EXISTS (SELECT 1 FROM dhcp6_client_class_order AS o
                    WHERE o.order_index = prev_index + 1) THEN
            UPDATE dhcp6_client_class_order SET order_index = order_index + 1
                WHERE order_index > prev_index ORDER BY order_index DESC;
        END IF;
    END IF;

    IF EXISTS (SELECT 1 FROM dhcp6_client_class_dependency AS d
                 JOIN dhcp6_client_class_order AS o ON o.class_id = d.class_id
                WHERE d.dependency_id = id AND o.order_index <= prev_index) THEN
        SET msg = CONCAT('Unable to move class with id ', id,
                         ' because it would break its dependencies');
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
    END IF;

    REPLACE INTO dhcp6_client_class_order (class_id, order_index, depend_on_known_indirectly)
        VALUES (id, prev_index + 1, 0);
END $$

-- Validates a new (class_id depends on dependency_id) row before it is inserted.
CREATE PROCEDURE checkDHCPv4ClientClassDependency(IN class_id BIGINT UNSIGNED,
                                                  IN dependency_id BIGINT UNSIGNED)
BEGIN
    DECLARE class_pos BIGINT UNSIGNED;
    DECLARE dep_pos BIGINT UNSIGNED;
    DECLARE msg TEXT;

    IF class_id IS NULL THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'Client class id must not be NULL.';
    END IF;
    IF dependency_id IS NULL THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'Class dependency id must not be NULL.';
    END IF;
    IF class_id = dependency_id THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'Client class must not have dependency on self.';
    END IF;

    SET class_pos = (SELECT o.order_index FROM dhcp4_client_class AS c
                       JOIN dhcp4_client_class_order AS o ON o.class_id = c.id
                      WHERE c.id = class_id);
    IF class_pos IS NULL THEN
        SET msg = CONCAT('Client class with id ', class_id, ' does not exist.');
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
    END IF;
    SET dep_pos = (SELECT o.order_index FROM dhcp4_client_class AS c
                     JOIN dhcp4_client_class_order AS o ON o.class_id = c.id
                    WHERE c.id = dependency_id);
    IF dep_pos IS NULL THEN
        SET msg = CONCAT('Client class with id ', dependency_id, ' does not exist.');
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
    END IF;
    IF dep_pos > class_pos THEN
        SET msg = CONCAT('Client class with id ', class_id,
                         ' must not depend on class defined later with id ', dependency_id);
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
    END IF;

    -- Every server the class is assigned to must also see the dependency, either directly or
    -- through the "all" tag (server id 1).
    IF EXISTS (SELECT 1 FROM dhcp4_client_class_server AS mine
                WHERE mine.class_id = class_id
                  AND NOT EXISTS (SELECT 1 FROM dhcp4_client_class_server AS dep
                                   WHERE dep.class_id = dependency_id
                                     AND dep.server_id IN (1, mine.server_id))) THEN
        SET msg = CONCAT('Unmet dependencies for client class with id ', class_id);
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
    END IF;
END $$

CREATE PROCEDURE checkDHCPv6ClientClassDependency(IN class_id BIGINT UNSIGNED,
                                                  IN dependency_id BIGINT UNSIGNED)
BEGIN
    DECLARE class_pos BIGINT UNSIGNED;
    DECLARE dep_pos BIGINT UNSIGNED;
    DECLARE msg TEXT;

    IF class_id IS NULL THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'Client class id must not be NULL.';
    END IF;
    IF dependency_id IS NULL THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'Class dependency id must not be NULL.';
    END IF;
    IF class_id = dependency_id THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'Client class must not have dependency on self.';
    END IF;

    SET class_pos = (SELECT o.order_index FROM dhcp6_client_class AS c
                       JOIN dhcp6_client_class_order AS o ON o.class_id = c.id
                      WHERE c.id = class_id);
    IF class_pos IS NULL THEN
        SET msg = CONCAT('Client class with id ', class_id, ' does not exist.');
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
    END IF;
    SET dep_pos = (SELECT o.order_index FROM dhcp6_client_class AS c
                     JOIN dhcp6_client_class_order AS o ON o.class_id = c.id
                    WHERE c.id = dependency_id);
    IF dep_pos IS NULL THEN
        SET msg = CONCAT('Client class with id ', dependency_id, ' does not exist.');
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
    END IF;
    IF dep_pos > class_pos THEN
        SET msg = CONCAT('Client class with id ', class_id,
                         ' must not depend on class defined later with id ', dependency_id);
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
    END IF;

    IF EXISTS (SELECT 1 FROM dhcp6_client_class_server AS mine
                WHERE mine.class_id = class_id
                  AND NOT EXISTS (SELECT 1 FROM dhcp6_client_class_server AS dep
                                   WHERE dep.class_id = dependency_id
                                     AND dep.server_id IN (1, mine.server_id))) THEN
        SET msg = CONCAT('Unmet dependencies for client class with id ', class_id);
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
    END IF;
END $$

-- After a dependency row is added: the dependent class inherits a KNOWN/UNKNOWN dependency
-- of the class it depends on (directly or indirectly).
CREATE PROCEDURE updateDHCPv4ClientClassKnownDependency(IN client_class_id BIGINT UNSIGNED,
                                                        IN dependency_id BIGINT UNSIGNED)
BEGIN
    IF EXISTS (SELECT 1 FROM dhcp4_client_class AS c
                 LEFT JOIN dhcp4_client_class_order AS o ON o.class_id = c.id
                WHERE c.id = dependency_id
                  AND (c.depend_on_known_directly <> 0
                       OR (c.depend_on_known_directly = 0 AND o.depend_on_known_indirectly <> 0))) THEN
        UPDATE dhcp4_client_class_order AS o SET o.depend_on_known_indirectly = 1
            WHERE o.class_id = client_class_id;
    END IF;
END $$

CREATE PROCEDURE updateDHCPv6ClientClassKnownDependency(IN client_class_id BIGINT UNSIGNED,
                                                        IN dependency_id BIGINT UNSIGNED)
BEGIN
    IF EXISTS (SELECT 1 FROM dhcp6_client_class AS c
                 LEFT JOIN dhcp6_client_class_order AS o ON o.class_id = c.id
                WHERE c.id = dependency_id
                  AND (c.depend_on_known_directly <> 0
                       OR (c.depend_on_known_directly = 0 AND o.depend_on_known_indirectly <> 0))) THEN
        UPDATE dhcp6_client_class_order AS o SET o.depend_on_known_indirectly = 1
            WHERE o.class_id = client_class_id;
    END IF;
END $$

-- Called by the backend after it updated a class (@client_class_id and
-- @depend_on_known_directly come from the update trigger, @depend_on_known_indirectly from
-- setClientClassXOrder): a class other classes depend on must not gain or lose its
-- KNOWN/UNKNOWN dependency.
CREATE PROCEDURE checkDHCPv4ClientClassKnownDependencyChange()
BEGIN
    DECLARE was_dependent TINYINT DEFAULT 0;
    DECLARE is_dependent TINYINT DEFAULT 0;
    IF @client_class_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM dhcp4_client_class_dependency AS d
                    WHERE d.dependency_id = @client_class_id) THEN
        IF @depend_on_known_directly <> 0 OR @depend_on_known_indirectly <> 0 THEN
            SET was_dependent = 1;
        END IF;
        SET is_dependent = (SELECT IF(c.depend_on_known_directly = 0,
                                      o.depend_on_known_indirectly, c.depend_on_known_directly)
                              FROM dhcp4_client_class AS c
                              LEFT JOIN dhcp4_client_class_order AS o ON o.class_id = c.id
                             WHERE c.id = @client_class_id);
        IF was_dependent <> is_dependent THEN
            SIGNAL SQLSTATE '45000'
                SET MESSAGE_TEXT = 'Class dependency on KNOWN/UNKNOWN built-in classes must not change.';
        END IF;
    END IF;
END $$

CREATE PROCEDURE checkDHCPv6ClientClassKnownDependencyChange()
BEGIN
    DECLARE was_dependent TINYINT DEFAULT 0;
    DECLARE is_dependent TINYINT DEFAULT 0;
    IF @client_class_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM dhcp6_client_class_dependency AS d
                    WHERE d.dependency_id = @client_class_id) THEN
        IF @depend_on_known_directly <> 0 OR @depend_on_known_indirectly <> 0 THEN
            SET was_dependent = 1;
        END IF;
        SET is_dependent = (SELECT IF(c.depend_on_known_directly = 0,
                                      o.depend_on_known_indirectly, c.depend_on_known_directly)
                              FROM dhcp6_client_class AS c
                              LEFT JOIN dhcp6_client_class_order AS o ON o.class_id = c.id
                             WHERE c.id = @client_class_id);
        IF was_dependent <> is_dependent THEN
            SIGNAL SQLSTATE '45000'
                SET MESSAGE_TEXT = 'Class dependency on KNOWN/UNKNOWN built-in classes must not change.';
        END IF;
    END IF;
END $$

-- ===========================================================================================
-- 8. Triggers
-- ===========================================================================================

-- ---- leases: keep the statistics tables current -------------------------------------------

CREATE TRIGGER lease4_AINS AFTER INSERT ON lease4 FOR EACH ROW
BEGIN
    CALL lease4_AINS_lease4_stat(NEW.state, NEW.subnet_id);
    SET @json_supported = IFNULL(@json_supported, isJsonSupported());
    IF @json_supported = 1 THEN
        CALL lease4_AINS_lease4_stat_by_client_class(NEW.state, NEW.user_context);
    END IF;
END $$

CREATE TRIGGER lease4_AUPD AFTER UPDATE ON lease4 FOR EACH ROW
BEGIN
    CALL lease4_AUPD_lease4_stat(OLD.state, OLD.subnet_id, NEW.state, NEW.subnet_id);
    SET @json_supported = IFNULL(@json_supported, isJsonSupported());
    IF @json_supported = 1 THEN
        CALL lease4_AUPD_lease4_stat_by_client_class(OLD.state, OLD.user_context,
                                                     NEW.state, NEW.user_context);
    END IF;
END $$

CREATE TRIGGER lease4_ADEL AFTER DELETE ON lease4 FOR EACH ROW
BEGIN
    CALL lease4_ADEL_lease4_stat(OLD.state, OLD.subnet_id);
    SET @json_supported = IFNULL(@json_supported, isJsonSupported());
    IF @json_supported = 1 THEN
        CALL lease4_ADEL_lease4_stat_by_client_class(OLD.state, OLD.user_context);
    END IF;
END $$

CREATE TRIGGER lease6_AINS AFTER INSERT ON lease6 FOR EACH ROW
BEGIN
    CALL lease6_AINS_lease6_stat(NEW.state, NEW.subnet_id, NEW.lease_type);
    SET @json_supported = IFNULL(@json_supported, isJsonSupported());
    IF @json_supported = 1 THEN
        CALL lease6_AINS_lease6_stat_by_client_class(NEW.state, NEW.user_context, NEW.lease_type);
    END IF;
END $$

CREATE TRIGGER lease6_AUPD AFTER UPDATE ON lease6 FOR EACH ROW
BEGIN
    CALL lease6_AUPD_lease6_stat(OLD.state, OLD.subnet_id, OLD.lease_type,
                                 NEW.state, NEW.subnet_id, NEW.lease_type);
    SET @json_supported = IFNULL(@json_supported, isJsonSupported());
    IF @json_supported = 1 THEN
        CALL lease6_AUPD_lease6_stat_by_client_class(OLD.state, OLD.user_context, OLD.lease_type,
                                                     NEW.state, NEW.user_context, NEW.lease_type);
    END IF;
END $$

CREATE TRIGGER lease6_ADEL AFTER DELETE ON lease6 FOR EACH ROW
BEGIN
    CALL lease6_ADEL_lease6_stat(OLD.state, OLD.subnet_id, OLD.lease_type);
    SET @json_supported = IFNULL(@json_supported, isJsonSupported());
    IF @json_supported = 1 THEN
        CALL lease6_ADEL_lease6_stat_by_client_class(OLD.state, OLD.user_context, OLD.lease_type);
    END IF;
END $$

-- ---- configuration backend: one audit row per created / updated / deleted object ---------

CREATE TRIGGER dhcp4_server_AINS AFTER INSERT ON dhcp4_server FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_server', NEW.id, 'create') $$
CREATE TRIGGER dhcp4_server_AUPD AFTER UPDATE ON dhcp4_server FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_server', NEW.id, 'update') $$
CREATE TRIGGER dhcp4_server_ADEL AFTER DELETE ON dhcp4_server FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_server', OLD.id, 'delete') $$

CREATE TRIGGER dhcp4_global_parameter_AINS AFTER INSERT ON dhcp4_global_parameter FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_global_parameter', NEW.id, 'create') $$
CREATE TRIGGER dhcp4_global_parameter_AUPD AFTER UPDATE ON dhcp4_global_parameter FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_global_parameter', NEW.id, 'update') $$
CREATE TRIGGER dhcp4_global_parameter_ADEL AFTER DELETE ON dhcp4_global_parameter FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_global_parameter', OLD.id, 'delete') $$

CREATE TRIGGER dhcp4_option_def_AINS AFTER INSERT ON dhcp4_option_def FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_option_def', NEW.id, 'create') $$
CREATE TRIGGER dhcp4_option_def_AUPD AFTER UPDATE ON dhcp4_option_def FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_option_def', NEW.id, 'update') $$
CREATE TRIGGER dhcp4_option_def_ADEL AFTER DELETE ON dhcp4_option_def FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_option_def', OLD.id, 'delete') $$

CREATE TRIGGER dhcp4_shared_network_AINS AFTER INSERT ON dhcp4_shared_network FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_shared_network', NEW.id, 'create') $$
CREATE TRIGGER dhcp4_shared_network_AUPD AFTER UPDATE ON dhcp4_shared_network FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_shared_network', NEW.id, 'update') $$
-- A deleted network releases its subnets and takes its options along.
CREATE TRIGGER dhcp4_shared_network_BDEL BEFORE DELETE ON dhcp4_shared_network FOR EACH ROW
BEGIN
    CALL createAuditEntryDHCP4('dhcp4_shared_network', OLD.id, 'delete');
    UPDATE dhcp4_subnet SET shared_network_name = NULL WHERE shared_network_name = OLD.name;
    DELETE FROM dhcp4_options WHERE shared_network_name = OLD.name;
END $$

CREATE TRIGGER dhcp4_subnet_AINS AFTER INSERT ON dhcp4_subnet FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_subnet', NEW.subnet_id, 'create') $$
CREATE TRIGGER dhcp4_subnet_AUPD AFTER UPDATE ON dhcp4_subnet FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_subnet', NEW.subnet_id, 'update') $$
-- A deleted subnet takes its pools and options along.
CREATE TRIGGER dhcp4_subnet_BDEL BEFORE DELETE ON dhcp4_subnet FOR EACH ROW
BEGIN
    CALL createAuditEntryDHCP4('dhcp4_subnet', OLD.subnet_id, 'delete');
    DELETE FROM dhcp4_pool WHERE subnet_id = OLD.subnet_id;
    DELETE FROM dhcp4_options WHERE dhcp4_subnet_id = OLD.subnet_id;
END $$

CREATE TRIGGER dhcp4_pool_BDEL BEFORE DELETE ON dhcp4_pool FOR EACH ROW
    DELETE FROM dhcp4_options WHERE scope_id = 5 AND pool_id = OLD.id $$

CREATE TRIGGER dhcp4_options_AINS AFTER INSERT ON dhcp4_options FOR EACH ROW
    CALL createOptionAuditDHCP4('create', NEW.scope_id, NEW.option_id, NEW.dhcp4_subnet_id,
                                NEW.host_id, NEW.shared_network_name, NEW.pool_id,
                                NEW.modification_ts) $$
CREATE TRIGGER dhcp4_options_AUPD AFTER UPDATE ON dhcp4_options FOR EACH ROW
    CALL createOptionAuditDHCP4('update', NEW.scope_id, NEW.option_id, NEW.dhcp4_subnet_id,
                                NEW.host_id, NEW.shared_network_name, NEW.pool_id,
                                NEW.modification_ts) $$
CREATE TRIGGER dhcp4_options_ADEL AFTER DELETE ON dhcp4_options FOR EACH ROW
    CALL createOptionAuditDHCP4('delete', OLD.scope_id, OLD.option_id, OLD.dhcp4_subnet_id,
                                OLD.host_id, OLD.shared_network_name, OLD.pool_id, NOW()) $$

CREATE TRIGGER dhcp4_client_class_AINS AFTER INSERT ON dhcp4_client_class FOR EACH ROW
BEGIN
    CALL setClientClass4Order(NEW.id, NEW.follow_class_name, NULL);
    CALL createAuditEntryDHCP4('dhcp4_client_class', NEW.id, 'create');
END $$
CREATE TRIGGER dhcp4_client_class_AUPD AFTER UPDATE ON dhcp4_client_class FOR EACH ROW
BEGIN
    SET @depend_on_known_directly = OLD.depend_on_known_directly;
    SET @client_class_id = NEW.id;
    CALL setClientClass4Order(NEW.id, NEW.follow_class_name, OLD.follow_class_name);
    CALL createAuditEntryDHCP4('dhcp4_client_class', NEW.id, 'update');
END $$
CREATE TRIGGER dhcp4_client_class_ADEL AFTER DELETE ON dhcp4_client_class FOR EACH ROW
    CALL createAuditEntryDHCP4('dhcp4_client_class', OLD.id, 'delete') $$

CREATE TRIGGER dhcp4_client_class_check_dependency_BINS BEFORE INSERT
    ON dhcp4_client_class_dependency FOR EACH ROW
    CALL checkDHCPv4ClientClassDependency(NEW.class_id, NEW.dependency_id) $$
CREATE TRIGGER dhcp4_client_class_dependency_AINS AFTER INSERT
    ON dhcp4_client_class_dependency FOR EACH ROW
    CALL updateDHCPv4ClientClassKnownDependency(NEW.class_id, NEW.dependency_id) $$

-- DHCPv6: the same, plus prefix-delegation pools.

CREATE TRIGGER dhcp6_server_AINS AFTER INSERT ON dhcp6_server FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_server', NEW.id, 'create') $$
CREATE TRIGGER dhcp6_server_AUPD AFTER UPDATE ON dhcp6_server FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_server', NEW.id, 'update') $$
CREATE TRIGGER dhcp6_server_ADEL AFTER DELETE ON dhcp6_server FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_server', OLD.id, 'delete') $$

CREATE TRIGGER dhcp6_global_parameter_AINS AFTER INSERT ON dhcp6_global_parameter FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_global_parameter', NEW.id, 'create') $$
CREATE TRIGGER dhcp6_global_parameter_AUPD AFTER UPDATE ON dhcp6_global_parameter FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_global_parameter', NEW.id, 'update') $$
CREATE TRIGGER dhcp6_global_parameter_ADEL AFTER DELETE ON dhcp6_global_parameter FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_global_parameter', OLD.id, 'delete') $$

CREATE TRIGGER dhcp6_option_def_AINS AFTER INSERT ON dhcp6_option_def FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_option_def', NEW.id, 'create') $$
CREATE TRIGGER dhcp6_option_def_AUPD AFTER UPDATE ON dhcp6_option_def FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_option_def', NEW.id, 'update') $$
CREATE TRIGGER dhcp6_option_def_ADEL AFTER DELETE ON dhcp6_option_def FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_option_def', OLD.id, 'delete') $$

CREATE TRIGGER dhcp6_shared_network_AINS AFTER INSERT ON dhcp6_shared_network FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_shared_network', NEW.id, 'create') $$
CREATE TRIGGER dhcp6_shared_network_AUPD AFTER UPDATE ON dhcp6_shared_network FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_shared_network', NEW.id, 'update') $$
CREATE TRIGGER dhcp6_shared_network_BDEL BEFORE DELETE ON dhcp6_shared_network FOR EACH ROW
BEGIN
    CALL createAuditEntryDHCP6('dhcp6_shared_network', OLD.id, 'delete');
    UPDATE dhcp6_subnet SET shared_network_name = NULL WHERE shared_network_name = OLD.name;
    DELETE FROM dhcp6_options WHERE shared_network_name = OLD.name;
END $$

CREATE TRIGGER dhcp6_subnet_AINS AFTER INSERT ON dhcp6_subnet FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_subnet', NEW.subnet_id, 'create') $$
CREATE TRIGGER dhcp6_subnet_AUPD AFTER UPDATE ON dhcp6_subnet FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_subnet', NEW.subnet_id, 'update') $$
CREATE TRIGGER dhcp6_subnet_BDEL BEFORE DELETE ON dhcp6_subnet FOR EACH ROW
BEGIN
    CALL createAuditEntryDHCP6('dhcp6_subnet', OLD.subnet_id, 'delete');
    DELETE FROM dhcp6_pool WHERE subnet_id = OLD.subnet_id;
    DELETE FROM dhcp6_pd_pool WHERE subnet_id = OLD.subnet_id;
    DELETE FROM dhcp6_options WHERE dhcp6_subnet_id = OLD.subnet_id;
END $$

CREATE TRIGGER dhcp6_pool_BDEL BEFORE DELETE ON dhcp6_pool FOR EACH ROW
    DELETE FROM dhcp6_options WHERE scope_id = 5 AND pool_id = OLD.id $$
CREATE TRIGGER dhcp6_pd_pool_BDEL BEFORE DELETE ON dhcp6_pd_pool FOR EACH ROW
    DELETE FROM dhcp6_options WHERE scope_id = 6 AND pd_pool_id = OLD.id $$

CREATE TRIGGER dhcp6_options_AINS AFTER INSERT ON dhcp6_options FOR EACH ROW
    CALL createOptionAuditDHCP6('create', NEW.scope_id, NEW.option_id, NEW.dhcp6_subnet_id,
                                NEW.host_id, NEW.shared_network_name, NEW.pool_id,
                                NEW.pd_pool_id, NEW.modification_ts) $$
CREATE TRIGGER dhcp6_options_AUPD AFTER UPDATE ON dhcp6_options FOR EACH ROW
    CALL createOptionAuditDHCP6('update', NEW.scope_id, NEW.option_id, NEW.dhcp6_subnet_id,
                                NEW.host_id, NEW.shared_network_name, NEW.pool_id,
                                NEW.pd_pool_id, NEW.modification_ts) $$
CREATE TRIGGER dhcp6_options_ADEL AFTER DELETE ON dhcp6_options FOR EACH ROW
    CALL createOptionAuditDHCP6('delete', OLD.scope_id, OLD.option_id, OLD.dhcp6_subnet_id,
                                OLD.host_id, OLD.shared_network_name, OLD.pool_id,
                                OLD.pd_pool_id, NOW()) $$

CREATE TRIGGER dhcp6_client_class_AINS AFTER INSERT ON dhcp6_client_class FOR EACH ROW
BEGIN
    CALL setClientClass6Order(NEW.id, NEW.follow_class_name, NULL);
    CALL createAuditEntryDHCP6('dhcp6_client_class', NEW.id, 'create');
END $$
CREATE TRIGGER dhcp6_client_class_AUPD AFTER UPDATE ON dhcp6_client_class FOR EACH ROW
BEGIN
    SET @depend_on_known_directly = OLD.depend_on_known_directly;
    SET @client_class_id = NEW.id;
    CALL setClientClass6Order(NEW.id, NEW.follow_class_name, OLD.follow_class_name);
    CALL createAuditEntryDHCP6('dhcp6_client_class', NEW.id, 'update');
END $$
CREATE TRIGGER dhcp6_client_class_ADEL AFTER DELETE ON dhcp6_client_class FOR EACH ROW
    CALL createAuditEntryDHCP6('dhcp6_client_class', OLD.id, 'delete') $$

CREATE TRIGGER dhcp6_client_class_check_dependency_BINS BEFORE INSERT
    ON dhcp6_client_class_dependency FOR EACH ROW
    CALL checkDHCPv6ClientClassDependency(NEW.class_id, NEW.dependency_id) $$
CREATE TRIGGER dhcp6_client_class_dependency_AINS AFTER INSERT
    ON dhcp6_client_class_dependency FOR EACH ROW
    CALL updateDHCPv6ClientClassKnownDependency(NEW.class_id, NEW.dependency_id) $$

DELIMITER ;

-- The schema is complete: record its version (Kea's backends refuse any other).
INSERT INTO schema_version (version, minor) VALUES (14, 0);
