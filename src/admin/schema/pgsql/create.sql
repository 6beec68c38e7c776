-- Nestor: PostgreSQL schema compatible with ISC Kea 2.2 (schema version 13.0).
--
-- Creates, in the current database's `public` schema, every object a Kea 2.2 server and its tools
-- expect: lease, host-reservation and configuration-backend tables with their keys, indexes and
-- seed rows; the routines that Kea calls by name (lease statistics, limits, dump/upload, audit,
-- client-class ordering); and the triggers that keep statistics and audit trails current.
-- Names, column order and types, defaults, keys and routine signatures are part of the interface
-- and must not change; routine bodies are Nestor's own.
--
-- Run once on an empty database, as the database owner:
--     psql -v ON_ERROR_STOP=1 -h HOST -U USER -d DB -f create.sql
-- The whole script is one transaction: it either creates everything or nothing.

START TRANSACTION;

---------------------------------------------------------------------------------------------------
-- 1. Enumerations (lookup tables) and their fixed rows
---------------------------------------------------------------------------------------------------

CREATE TABLE schema_version (
    version INT PRIMARY KEY NOT NULL,
    minor INT
);

CREATE TABLE lease6_types (
    lease_type SMALLINT PRIMARY KEY NOT NULL,
    name VARCHAR(5)
);
INSERT INTO lease6_types VALUES (0, 'IA_NA'), (1, 'IA_TA'), (2, 'IA_PD');

CREATE TABLE lease_state (
    state BIGINT PRIMARY KEY NOT NULL,
    name VARCHAR(64) NOT NULL
);
INSERT INTO lease_state VALUES (0, 'default'), (1, 'declined'), (2, 'expired-reclaimed');

-- Where a lease's hardware address came from; values are bit flags.
CREATE TABLE lease_hwaddr_source (
    hwaddr_source INT PRIMARY KEY NOT NULL,
    name VARCHAR(40) DEFAULT NULL
);
INSERT INTO lease_hwaddr_source VALUES
    (0, 'HWADDR_SOURCE_UNKNOWN'),
    (1, 'HWADDR_SOURCE_RAW'),
    (2, 'HWADDR_SOURCE_IPV6_LINK_LOCAL'),
    (4, 'HWADDR_SOURCE_DUID'),
    (8, 'HWADDR_SOURCE_CLIENT_ADDR_RELAY_OPTION'),
    (16, 'HWADDR_SOURCE_REMOTE_ID'),
    (32, 'HWADDR_SOURCE_SUBSCRIBER_ID'),
    (64, 'HWADDR_SOURCE_DOCSIS_CMTS'),
    (128, 'HWADDR_SOURCE_DOCSIS_MODEM');

CREATE TABLE host_identifier_type (
    type SMALLINT PRIMARY KEY NOT NULL,
    name VARCHAR(32) DEFAULT NULL
);
INSERT INTO host_identifier_type VALUES
    (0, 'hw-address'), (1, 'duid'), (2, 'circuit-id'), (3, 'client-id'), (4, 'flex-id');

CREATE TABLE dhcp_option_scope (
    scope_id SMALLINT PRIMARY KEY NOT NULL,
    scope_name VARCHAR(32) DEFAULT NULL
);
INSERT INTO dhcp_option_scope VALUES
    (0, 'global'), (1, 'subnet'), (2, 'client-class'), (3, 'host'),
    (4, 'shared-network'), (5, 'pool'), (6, 'pd-pool');

-- Kinds of change recorded in the configuration audit tables.
CREATE TABLE modification (
    id SMALLINT PRIMARY KEY NOT NULL,
    modification_type VARCHAR(32) NOT NULL
);
INSERT INTO modification VALUES (0, 'create'), (1, 'update'), (2, 'delete');

-- Value types of global parameters stored by the configuration backend.
CREATE TABLE parameter_data_type (
    id SMALLINT PRIMARY KEY NOT NULL,
    name VARCHAR(32) NOT NULL
);
INSERT INTO parameter_data_type VALUES (0, 'integer'), (1, 'real'), (2, 'boolean'), (4, 'string');

-- Names of the ddns-replace-client-name modes (values used by the subnet/network tables).
CREATE TABLE ddns_replace_client_name_types (
    type BIGINT PRIMARY KEY NOT NULL,
    name VARCHAR(32)
);
INSERT INTO ddns_replace_client_name_types VALUES
    (0, 'RCM_NEVER'), (1, 'RCM_ALWAYS'), (2, 'RCM_WHEN_PRESENT'), (3, 'RCM_WHEN_NOT_PRESENT');

---------------------------------------------------------------------------------------------------
-- 2. Leases and lease statistics
---------------------------------------------------------------------------------------------------

-- address is the IPv4 address as an unsigned 32-bit number; expire = cltt + valid_lifetime.
CREATE TABLE lease4 (
    address BIGINT PRIMARY KEY NOT NULL,
    hwaddr BYTEA,
    client_id BYTEA,
    valid_lifetime BIGINT,
    expire TIMESTAMP WITH TIME ZONE,
    subnet_id BIGINT,
    fqdn_fwd BOOLEAN,
    fqdn_rev BOOLEAN,
    hostname VARCHAR(255),
    state BIGINT DEFAULT 0,
    user_context TEXT,
    CONSTRAINT fk_lease4_state FOREIGN KEY (state) REFERENCES lease_state (state)
);
CREATE INDEX lease4_by_hwaddr_subnet_id ON lease4 (hwaddr, subnet_id);
CREATE INDEX lease4_by_client_id_subnet_id ON lease4 (client_id, subnet_id);
CREATE INDEX lease4_by_state_expire ON lease4 (state, expire);
CREATE INDEX lease4_by_subnet_id ON lease4 (subnet_id);
CREATE INDEX lease4_by_hostname ON lease4 (lower(hostname)) WHERE hostname IS NOT NULL;

-- address is the textual IPv6 address (or delegated prefix).
CREATE TABLE lease6 (
    address VARCHAR(39) PRIMARY KEY NOT NULL,
    duid BYTEA,
    valid_lifetime BIGINT,
    expire TIMESTAMP WITH TIME ZONE,
    subnet_id BIGINT,
    pref_lifetime BIGINT,
    lease_type SMALLINT,
    iaid INT,
    prefix_len SMALLINT,
    fqdn_fwd BOOLEAN,
    fqdn_rev BOOLEAN,
    hostname VARCHAR(255),
    state BIGINT DEFAULT 0,
    hwaddr BYTEA,
    hwtype SMALLINT,
    hwaddr_source SMALLINT,
    user_context TEXT,
    CONSTRAINT fk_lease6_type FOREIGN KEY (lease_type) REFERENCES lease6_types (lease_type),
    CONSTRAINT fk_lease6_state FOREIGN KEY (state) REFERENCES lease_state (state)
);
CREATE INDEX lease6_by_state_expire ON lease6 (state, expire);
CREATE INDEX lease6_by_subnet_id_lease_type ON lease6 (subnet_id, lease_type);
CREATE INDEX lease6_by_duid_iaid_subnet_id ON lease6 (duid, iaid, subnet_id);
CREATE INDEX lease6_by_hostname ON lease6 (lower(hostname)) WHERE hostname IS NOT NULL;

-- Lease counts per subnet and state (only states 0 and 1 are counted), kept by triggers.
CREATE TABLE lease4_stat (
    subnet_id BIGINT NOT NULL,
    state BIGINT NOT NULL,
    leases BIGINT,
    PRIMARY KEY (subnet_id, state)
);

CREATE TABLE lease6_stat (
    subnet_id BIGINT NOT NULL,
    lease_type SMALLINT NOT NULL,
    state BIGINT NOT NULL,
    leases BIGINT,
    PRIMARY KEY (subnet_id, lease_type, state)
);

-- Counts of state-0 leases per client class named in user_context ISC/client-classes
-- (used by the lease limiting checks).
CREATE TABLE lease4_stat_by_client_class (
    client_class VARCHAR(128) NOT NULL PRIMARY KEY,
    leases BIGINT NOT NULL
);

CREATE TABLE lease6_stat_by_client_class (
    client_class VARCHAR(128) NOT NULL,
    lease_type SMALLINT NOT NULL,
    leases BIGINT NOT NULL,
    PRIMARY KEY (client_class, lease_type),
    CONSTRAINT fk_lease6_stat_by_client_class_lease_type FOREIGN KEY (lease_type)
        REFERENCES lease6_types (lease_type)
);

-- Forensic (legal) log lines.
CREATE TABLE logs (
    timestamp TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    address VARCHAR(43),
    log TEXT NOT NULL
);
CREATE INDEX timestamp_id ON logs (timestamp);
CREATE INDEX address_id ON logs (address);

---------------------------------------------------------------------------------------------------
-- 3. Host reservations
---------------------------------------------------------------------------------------------------

CREATE TABLE hosts (
    host_id SERIAL PRIMARY KEY NOT NULL,
    dhcp_identifier BYTEA NOT NULL,
    dhcp_identifier_type SMALLINT NOT NULL,
    dhcp4_subnet_id BIGINT NULL,
    dhcp6_subnet_id BIGINT NULL,
    ipv4_address BIGINT NULL,
    hostname VARCHAR(255) DEFAULT NULL,
    dhcp4_client_classes VARCHAR(255) DEFAULT NULL,
    dhcp6_client_classes VARCHAR(255) DEFAULT NULL,
    dhcp4_next_server BIGINT DEFAULT NULL,
    dhcp4_server_hostname VARCHAR(64) DEFAULT NULL,
    dhcp4_boot_file_name VARCHAR(128) DEFAULT NULL,
    user_context TEXT,
    auth_key VARCHAR(32) DEFAULT NULL,
    CONSTRAINT fk_host_identifier_type FOREIGN KEY (dhcp_identifier_type)
        REFERENCES host_identifier_type (type) ON DELETE CASCADE
);
CREATE INDEX fk_host_identifier_type ON hosts (dhcp_identifier_type);
CREATE INDEX key_dhcp_identifier ON hosts (dhcp_identifier, dhcp_identifier_type);
-- A host identifier is reserved at most once per subnet (0 = global reservations).
CREATE UNIQUE INDEX key_dhcp4_identifier_subnet_id
    ON hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id)
    WHERE dhcp4_subnet_id IS NOT NULL;
CREATE UNIQUE INDEX key_dhcp6_identifier_subnet_id
    ON hosts (dhcp_identifier, dhcp_identifier_type, dhcp6_subnet_id)
    WHERE dhcp6_subnet_id IS NOT NULL;
-- Address reservations need not be unique (the server checks that when configured to).
CREATE INDEX key_dhcp4_ipv4_address_subnet_id ON hosts (ipv4_address, dhcp4_subnet_id);
CREATE INDEX hosts_by_hostname ON hosts (lower(hostname)) WHERE hostname IS NOT NULL;

CREATE TABLE ipv6_reservations (
    reservation_id SERIAL PRIMARY KEY NOT NULL,
    address VARCHAR(39) NOT NULL,
    prefix_len SMALLINT NOT NULL DEFAULT '128',
    type SMALLINT NOT NULL DEFAULT '0',
    dhcp6_iaid INT DEFAULT NULL,
    host_id INT NOT NULL,
    CONSTRAINT fk_ipv6_reservations_host FOREIGN KEY (host_id)
        REFERENCES hosts (host_id) ON DELETE CASCADE
);
CREATE INDEX fk_ipv6_reservations_host_idx ON ipv6_reservations (host_id);
CREATE INDEX key_dhcp6_address_prefix_len ON ipv6_reservations (address, prefix_len);

---------------------------------------------------------------------------------------------------
-- 4. Configuration backend, DHCPv4
---------------------------------------------------------------------------------------------------

-- Servers by tag; the row 'all' (id 1) stands for every server.
CREATE TABLE dhcp4_server (
    id SERIAL PRIMARY KEY NOT NULL,
    tag VARCHAR(64) NOT NULL UNIQUE,
    description TEXT,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO dhcp4_server (tag, description) VALUES ('all', 'special type: all servers');

-- One revision per configuration change; audit rows point at it.
CREATE TABLE dhcp4_audit_revision (
    id SERIAL PRIMARY KEY NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    log_message TEXT,
    server_id BIGINT
);

CREATE TABLE dhcp4_audit (
    id SERIAL UNIQUE NOT NULL,
    object_type VARCHAR(256) NOT NULL,
    object_id BIGINT NOT NULL,
    modification_type SMALLINT NOT NULL,
    revision_id BIGINT NOT NULL,
    CONSTRAINT fk_dhcp4_audit_modification_type FOREIGN KEY (modification_type)
        REFERENCES modification (id),
    CONSTRAINT fk_dhcp4_audit_revision FOREIGN KEY (revision_id)
        REFERENCES dhcp4_audit_revision (id) ON UPDATE CASCADE
);
CREATE INDEX dhcp4_audit_idx1 ON dhcp4_audit (modification_type);
CREATE INDEX dhcp4_audit_idx2 ON dhcp4_audit (revision_id);

CREATE TABLE dhcp4_global_parameter (
    id SERIAL PRIMARY KEY NOT NULL,
    name VARCHAR(128) NOT NULL,
    value TEXT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    parameter_type SMALLINT NOT NULL,
    CONSTRAINT fk_dhcp6_global_parameter_type FOREIGN KEY (parameter_type)
        REFERENCES parameter_data_type (id)
);
CREATE INDEX dhcp4_global_parameter_idx1 ON dhcp4_global_parameter (modification_ts);
CREATE INDEX dhcp4_global_parameter_idx2 ON dhcp4_global_parameter (name);

CREATE TABLE dhcp4_global_parameter_server (
    parameter_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (parameter_id, server_id),
    CONSTRAINT fk_dhcp4_global_parameter_server_parameter_id FOREIGN KEY (parameter_id)
        REFERENCES dhcp4_global_parameter (id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp4_global_parameter_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id) ON DELETE CASCADE
);
CREATE INDEX key_dhcp4_global_parameter_idx1 ON dhcp4_global_parameter_server (modification_ts);
CREATE INDEX fk_dhcp4_global_parameter_server_server_id ON dhcp4_global_parameter_server (server_id);

CREATE TABLE dhcp4_shared_network (
    id SERIAL PRIMARY KEY NOT NULL,
    name VARCHAR(128) UNIQUE NOT NULL,
    client_class VARCHAR(128) DEFAULT NULL,
    interface VARCHAR(128) DEFAULT NULL,
    match_client_id BOOLEAN DEFAULT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    rebind_timer BIGINT DEFAULT NULL,
    relay TEXT,
    renew_timer BIGINT DEFAULT NULL,
    require_client_classes TEXT,
    user_context JSON,
    valid_lifetime BIGINT DEFAULT NULL,
    authoritative BOOLEAN DEFAULT NULL,
    calculate_tee_times BOOLEAN DEFAULT NULL,
    t1_percent FLOAT DEFAULT NULL,
    t2_percent FLOAT DEFAULT NULL,
    boot_file_name VARCHAR(128) DEFAULT NULL,
    next_server INET DEFAULT NULL,
    server_hostname VARCHAR(64) DEFAULT NULL,
    min_valid_lifetime BIGINT DEFAULT NULL,
    max_valid_lifetime BIGINT DEFAULT NULL,
    ddns_send_updates BOOLEAN DEFAULT NULL,
    ddns_override_no_update BOOLEAN DEFAULT NULL,
    ddns_override_client_update BOOLEAN DEFAULT NULL,
    ddns_replace_client_name BIGINT DEFAULT NULL,
    ddns_generated_prefix VARCHAR(255) DEFAULT NULL,
    ddns_qualifying_suffix VARCHAR(255) DEFAULT NULL,
    reservations_global BOOLEAN DEFAULT NULL,
    reservations_in_subnet BOOLEAN DEFAULT NULL,
    reservations_out_of_pool BOOLEAN DEFAULT NULL,
    cache_threshold FLOAT DEFAULT NULL,
    cache_max_age BIGINT DEFAULT NULL,
    CONSTRAINT fk_ddns_replace_client_name FOREIGN KEY (ddns_replace_client_name)
        REFERENCES ddns_replace_client_name_types (type)
);
CREATE UNIQUE INDEX dhcp4_shared_network_idx1 ON dhcp4_shared_network (name);
CREATE INDEX dhcp4_shared_network_idx2 ON dhcp4_shared_network (modification_ts);

CREATE TABLE dhcp4_shared_network_server (
    shared_network_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (shared_network_id, server_id),
    CONSTRAINT fk_dhcp4_shared_network_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp4_shared_network_server_shared_network_id FOREIGN KEY (shared_network_id)
        REFERENCES dhcp4_shared_network (id) ON DELETE CASCADE
);
CREATE INDEX dhcp4_shared_network_server_idx1 ON dhcp4_shared_network_server (modification_ts);
CREATE INDEX dhcp4_shared_network_server_idx2 ON dhcp4_shared_network_server (server_id);

CREATE TABLE dhcp4_subnet (
    subnet_id BIGINT PRIMARY KEY NOT NULL,
    subnet_prefix VARCHAR(64) UNIQUE NOT NULL,
    interface_4o6 VARCHAR(128) DEFAULT NULL,
    interface_id_4o6 VARCHAR(128) DEFAULT NULL,
    subnet_4o6 VARCHAR(64) DEFAULT NULL,
    boot_file_name VARCHAR(128) DEFAULT NULL,
    client_class VARCHAR(128) DEFAULT NULL,
    interface VARCHAR(128) DEFAULT NULL,
    match_client_id BOOLEAN DEFAULT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    next_server INET DEFAULT NULL,
    rebind_timer BIGINT DEFAULT NULL,
    relay TEXT,
    renew_timer BIGINT DEFAULT NULL,
    require_client_classes TEXT,
    server_hostname VARCHAR(64) DEFAULT NULL,
    shared_network_name VARCHAR(128) DEFAULT NULL,
    user_context JSON,
    valid_lifetime BIGINT DEFAULT NULL,
    authoritative BOOLEAN DEFAULT NULL,
    calculate_tee_times BOOLEAN DEFAULT NULL,
    t1_percent FLOAT DEFAULT NULL,
    t2_percent FLOAT DEFAULT NULL,
    min_valid_lifetime BIGINT DEFAULT NULL,
    max_valid_lifetime BIGINT DEFAULT NULL,
    ddns_send_updates BOOLEAN DEFAULT NULL,
    ddns_override_no_update BOOLEAN DEFAULT NULL,
    ddns_override_client_update BOOLEAN DEFAULT NULL,
    ddns_replace_client_name BIGINT DEFAULT NULL,
    ddns_generated_prefix VARCHAR(255) DEFAULT NULL,
    ddns_qualifying_suffix VARCHAR(255) DEFAULT NULL,
    reservations_global BOOLEAN DEFAULT NULL,
    reservations_in_subnet BOOLEAN DEFAULT NULL,
    reservations_out_of_pool BOOLEAN DEFAULT NULL,
    cache_threshold FLOAT DEFAULT NULL,
    cache_max_age BIGINT DEFAULT NULL,
    -- No cascading here: deleting a network clears the names through its delete trigger,
    -- so that each affected subnet gets an audit row.
    CONSTRAINT fk_dhcp4_subnet_shared_network FOREIGN KEY (shared_network_name)
        REFERENCES dhcp4_shared_network (name),
    CONSTRAINT fk_ddns_replace_client_name FOREIGN KEY (ddns_replace_client_name)
        REFERENCES ddns_replace_client_name_types (type)
);
CREATE INDEX dhcp4_subnet_idx1 ON dhcp4_subnet (modification_ts);
CREATE INDEX dhcp4_subnet_idx2 ON dhcp4_subnet (shared_network_name);

CREATE TABLE dhcp4_subnet_server (
    subnet_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (subnet_id, server_id),
    CONSTRAINT fk_dhcp4_subnet_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp4_subnet_server_subnet_id FOREIGN KEY (subnet_id)
        REFERENCES dhcp4_subnet (subnet_id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX dhcp4_subnet_server_idx1 ON dhcp4_subnet_server (server_id);
CREATE INDEX dhcp4_subnet_server_idx2 ON dhcp4_subnet_server (modification_ts);

CREATE TABLE dhcp4_pool (
    id SERIAL PRIMARY KEY NOT NULL,
    start_address INET NOT NULL,
    end_address INET NOT NULL,
    subnet_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    client_class VARCHAR(128) DEFAULT NULL,
    require_client_classes TEXT,
    user_context JSON,
    CONSTRAINT fk_dhcp4_pool_subnet_id FOREIGN KEY (subnet_id) REFERENCES dhcp4_subnet (subnet_id)
);
CREATE INDEX dhcp4_pool_idx1 ON dhcp4_pool (modification_ts);
CREATE INDEX dhcp4_pool_idx2 ON dhcp4_pool (subnet_id);

-- DHCPv4 options of every scope (global, subnet, network, pool, client class, host).
CREATE TABLE dhcp4_options (
    option_id SERIAL PRIMARY KEY NOT NULL,
    code SMALLINT NOT NULL,
    value BYTEA,
    formatted_value TEXT,
    space VARCHAR(128) DEFAULT NULL,
    persistent BOOLEAN NOT NULL DEFAULT 'f',
    dhcp_client_class VARCHAR(128) DEFAULT NULL,
    dhcp4_subnet_id BIGINT,
    host_id INT,
    scope_id SMALLINT NOT NULL,
    user_context TEXT,
    shared_network_name VARCHAR(128) DEFAULT NULL,
    pool_id BIGINT DEFAULT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT fk_options_host1 FOREIGN KEY (host_id) REFERENCES hosts (host_id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp4_option_scode FOREIGN KEY (scope_id)
        REFERENCES dhcp_option_scope (scope_id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp4_options_shared_network FOREIGN KEY (shared_network_name)
        REFERENCES dhcp4_shared_network (name) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp4_options_subnet FOREIGN KEY (dhcp4_subnet_id)
        REFERENCES dhcp4_subnet (subnet_id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp4_options_pool FOREIGN KEY (pool_id)
        REFERENCES dhcp4_pool (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX fk_dhcp4_options_host1_idx ON dhcp4_options (host_id);
CREATE INDEX fk_dhcp4_options_scope_idx ON dhcp4_options (scope_id);
CREATE INDEX fk_dhcp4_options_shared_network ON dhcp4_options (shared_network_name);
CREATE INDEX fk_dhcp4_options_subnet ON dhcp4_options (dhcp4_subnet_id);
CREATE INDEX fk_dhcp4_options_pool ON dhcp4_options (pool_id);

CREATE TABLE dhcp4_options_server (
    option_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (option_id, server_id),
    CONSTRAINT fk_dhcp4_options_server_option_id FOREIGN KEY (option_id)
        REFERENCES dhcp4_options (option_id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp4_options_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id) ON DELETE CASCADE
);
CREATE INDEX dhcp4_options_server_idx1 ON dhcp4_options_server (server_id);
CREATE INDEX dhcp4_options_server_idx2 ON dhcp4_options_server (modification_ts);

CREATE TABLE dhcp4_client_class (
    id SERIAL PRIMARY KEY NOT NULL,
    name VARCHAR(128) UNIQUE NOT NULL,
    test TEXT,
    next_server INET DEFAULT NULL,
    server_hostname VARCHAR(128) DEFAULT NULL,
    boot_file_name VARCHAR(512) DEFAULT NULL,
    only_if_required BOOLEAN NOT NULL DEFAULT false,
    valid_lifetime BIGINT DEFAULT NULL,
    min_valid_lifetime BIGINT DEFAULT NULL,
    max_valid_lifetime BIGINT DEFAULT NULL,
    depend_on_known_directly BOOLEAN NOT NULL DEFAULT false,
    follow_class_name VARCHAR(128) DEFAULT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    user_context JSON DEFAULT NULL
);
CREATE INDEX key_dhcp4_client_class_modification_ts ON dhcp4_client_class (modification_ts);

-- Position of each class in the evaluation order, maintained by the class triggers.
CREATE TABLE dhcp4_client_class_order (
    class_id BIGINT PRIMARY KEY NOT NULL,
    order_index BIGINT NOT NULL,
    depend_on_known_indirectly BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT fk_dhcp4_client_class_order_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp4_client_class (id) ON DELETE CASCADE
);
CREATE INDEX key_dhcp4_client_class_order_index ON dhcp4_client_class_order (order_index);

CREATE TABLE dhcp4_client_class_dependency (
    class_id BIGINT NOT NULL,
    dependency_id BIGINT NOT NULL,
    PRIMARY KEY (class_id, dependency_id),
    CONSTRAINT dhcp4_client_class_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp4_client_class (id) ON DELETE CASCADE,
    CONSTRAINT dhcp4_client_class_dependency_id FOREIGN KEY (dependency_id)
        REFERENCES dhcp4_client_class (id)
);
CREATE INDEX dhcp4_client_class_dependency_id_idx ON dhcp4_client_class_dependency (dependency_id);

CREATE TABLE dhcp4_client_class_server (
    class_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (class_id, server_id),
    CONSTRAINT fk_dhcp4_client_class_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp4_client_class (id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp4_client_class_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id)
);
CREATE INDEX fk_dhcp4_client_class_server_id ON dhcp4_client_class_server (server_id);

CREATE TABLE dhcp4_option_def (
    id SERIAL PRIMARY KEY NOT NULL,
    code SMALLINT NOT NULL,
    name VARCHAR(128) NOT NULL,
    space VARCHAR(128) NOT NULL,
    type SMALLINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    is_array BOOLEAN NOT NULL,
    encapsulate VARCHAR(128) NOT NULL,
    record_types VARCHAR,
    user_context JSON,
    class_id BIGINT NULL,
    CONSTRAINT fk_dhcp4_option_def_client_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp4_client_class (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX dhcp4_option_def_idx1 ON dhcp4_option_def (modification_ts);
CREATE INDEX dhcp4_option_def_idx2 ON dhcp4_option_def (code, space);
CREATE INDEX fk_dhcp4_option_def_client_class_id ON dhcp4_option_def (class_id);

-- Two pairs of equivalent foreign keys: both names are part of the published layout.
CREATE TABLE dhcp4_option_def_server (
    option_def_id BIGINT NOT NULL REFERENCES dhcp4_option_def (id) ON DELETE CASCADE,
    server_id BIGINT NOT NULL REFERENCES dhcp4_server (id) ON DELETE CASCADE,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (option_def_id, server_id),
    CONSTRAINT fk_dhcp4_option_def_server_option_def_id FOREIGN KEY (option_def_id)
        REFERENCES dhcp4_option_def (id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp4_option_def_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp4_server (id)
);
CREATE INDEX fk_dhcp4_option_def_server_server_id ON dhcp4_option_def_server (server_id);

---------------------------------------------------------------------------------------------------
-- 5. Configuration backend, DHCPv6
---------------------------------------------------------------------------------------------------

CREATE TABLE dhcp6_server (
    id SERIAL PRIMARY KEY NOT NULL,
    tag VARCHAR(64) NOT NULL UNIQUE,
    description TEXT,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX dhcp6_server_idx1 ON dhcp6_server (modification_ts);
CREATE UNIQUE INDEX dhcp6_server_idx2 ON dhcp6_server (tag);
-- This index's name says DHCPv4 but the published layout puts it on dhcp6_server.
CREATE INDEX dhcp4_server_modification_ts ON dhcp6_server (modification_ts);
INSERT INTO dhcp6_server (tag, description) VALUES ('all', 'special type: all servers');

CREATE TABLE dhcp6_audit_revision (
    id SERIAL PRIMARY KEY NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    log_message TEXT,
    server_id BIGINT
);

CREATE TABLE dhcp6_audit (
    id SERIAL UNIQUE NOT NULL,
    object_type VARCHAR(256) NOT NULL,
    object_id BIGINT NOT NULL,
    modification_type SMALLINT NOT NULL,
    revision_id BIGINT NOT NULL,
    CONSTRAINT fk_dhcp6_audit_modification_type FOREIGN KEY (modification_type)
        REFERENCES modification (id),
    CONSTRAINT fk_dhcp6_audit_revision FOREIGN KEY (revision_id)
        REFERENCES dhcp6_audit_revision (id) ON UPDATE CASCADE
);
CREATE INDEX dhcp6_audit_idx1 ON dhcp6_audit (modification_type);
CREATE INDEX dhcp6_audit_idx2 ON dhcp6_audit (revision_id);

CREATE TABLE dhcp6_global_parameter (
    id SERIAL PRIMARY KEY NOT NULL,
    name VARCHAR(128) NOT NULL,
    value TEXT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    parameter_type SMALLINT NOT NULL,
    CONSTRAINT fk_dhcp6_global_parameter_type FOREIGN KEY (parameter_type)
        REFERENCES parameter_data_type (id)
);
CREATE INDEX key_dhcp6_global_parameter_idx1 ON dhcp6_global_parameter (modification_ts);
CREATE INDEX key_dhcp6_global_parameter_idx2 ON dhcp6_global_parameter (name);

CREATE TABLE dhcp6_global_parameter_server (
    parameter_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (parameter_id, server_id),
    CONSTRAINT fk_dhcp6_global_parameter_server_parameter_id FOREIGN KEY (parameter_id)
        REFERENCES dhcp6_global_parameter (id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp6_global_parameter_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id) ON DELETE CASCADE
);
CREATE INDEX key_dhcp6_global_parameter_server_idx1 ON dhcp6_global_parameter_server (modification_ts);
CREATE INDEX fk_dhcp6_global_parameter_server_server_id ON dhcp6_global_parameter_server (server_id);

CREATE TABLE dhcp6_shared_network (
    id SERIAL PRIMARY KEY NOT NULL,
    name VARCHAR(128) UNIQUE NOT NULL,
    client_class VARCHAR(128) DEFAULT NULL,
    interface VARCHAR(128) DEFAULT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    preferred_lifetime BIGINT DEFAULT NULL,
    rapid_commit BOOLEAN DEFAULT NULL,
    rebind_timer BIGINT DEFAULT NULL,
    relay TEXT DEFAULT NULL,
    renew_timer BIGINT DEFAULT NULL,
    require_client_classes TEXT,
    user_context JSON DEFAULT NULL,
    valid_lifetime BIGINT DEFAULT NULL,
    calculate_tee_times BOOLEAN DEFAULT NULL,
    t1_percent FLOAT DEFAULT NULL,
    t2_percent FLOAT DEFAULT NULL,
    interface_id BYTEA DEFAULT NULL,
    min_preferred_lifetime BIGINT DEFAULT NULL,
    max_preferred_lifetime BIGINT DEFAULT NULL,
    min_valid_lifetime BIGINT DEFAULT NULL,
    max_valid_lifetime BIGINT DEFAULT NULL,
    ddns_send_updates BOOLEAN DEFAULT NULL,
    ddns_override_no_update BOOLEAN DEFAULT NULL,
    ddns_override_client_update BOOLEAN DEFAULT NULL,
    ddns_replace_client_name BIGINT DEFAULT NULL,
    ddns_generated_prefix VARCHAR(255) DEFAULT NULL,
    ddns_qualifying_suffix VARCHAR(255) DEFAULT NULL,
    reservations_global BOOLEAN DEFAULT NULL,
    reservations_in_subnet BOOLEAN DEFAULT NULL,
    reservations_out_of_pool BOOLEAN DEFAULT NULL,
    cache_threshold FLOAT DEFAULT NULL,
    cache_max_age BIGINT DEFAULT NULL,
    CONSTRAINT fk_ddns_replace_client_name FOREIGN KEY (ddns_replace_client_name)
        REFERENCES ddns_replace_client_name_types (type)
);
CREATE INDEX dhcp6_shared_network_idx1 ON dhcp6_shared_network (name);

CREATE TABLE dhcp6_shared_network_server (
    shared_network_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (shared_network_id, server_id),
    CONSTRAINT fk_dhcp6_shared_network_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp6_shared_network_server_shared_network_id FOREIGN KEY (shared_network_id)
        REFERENCES dhcp6_shared_network (id) ON DELETE CASCADE
);
CREATE INDEX dhcp6_shared_network_server_idx1 ON dhcp6_shared_network_server (modification_ts);
CREATE INDEX dhcp6_shared_network_server_idx2 ON dhcp6_shared_network_server (server_id);

CREATE TABLE dhcp6_subnet (
    subnet_id BIGINT PRIMARY KEY NOT NULL,
    subnet_prefix VARCHAR(64) UNIQUE NOT NULL,
    client_class VARCHAR(128) DEFAULT NULL,
    interface VARCHAR(128) DEFAULT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    preferred_lifetime BIGINT DEFAULT NULL,
    rapid_commit BOOLEAN DEFAULT NULL,
    rebind_timer BIGINT DEFAULT NULL,
    relay TEXT DEFAULT NULL,
    renew_timer BIGINT DEFAULT NULL,
    require_client_classes TEXT,
    shared_network_name VARCHAR(128) DEFAULT NULL,
    user_context JSON DEFAULT NULL,
    valid_lifetime BIGINT DEFAULT NULL,
    calculate_tee_times BOOLEAN DEFAULT NULL,
    t1_percent FLOAT DEFAULT NULL,
    t2_percent FLOAT DEFAULT NULL,
    interface_id BYTEA DEFAULT NULL,
    min_preferred_lifetime BIGINT DEFAULT NULL,
    max_preferred_lifetime BIGINT DEFAULT NULL,
    min_valid_lifetime BIGINT DEFAULT NULL,
    max_valid_lifetime BIGINT DEFAULT NULL,
    ddns_send_updates BOOLEAN DEFAULT NULL,
    ddns_override_no_update BOOLEAN DEFAULT NULL,
    ddns_override_client_update BOOLEAN DEFAULT NULL,
    ddns_replace_client_name BIGINT DEFAULT NULL,
    ddns_generated_prefix VARCHAR(255) DEFAULT NULL,
    ddns_qualifying_suffix VARCHAR(255) DEFAULT NULL,
    reservations_global BOOLEAN DEFAULT NULL,
    reservations_in_subnet BOOLEAN DEFAULT NULL,
    reservations_out_of_pool BOOLEAN DEFAULT NULL,
    cache_threshold FLOAT DEFAULT NULL,
    cache_max_age BIGINT DEFAULT NULL,
    CONSTRAINT fk_dhcp6_subnet_shared_network FOREIGN KEY (shared_network_name)
        REFERENCES dhcp6_shared_network (name),
    CONSTRAINT fk_ddns_replace_client_name FOREIGN KEY (ddns_replace_client_name)
        REFERENCES ddns_replace_client_name_types (type)
);
CREATE INDEX dhcp6_subnet_idx1 ON dhcp6_subnet (modification_ts);
CREATE INDEX dhcp6_subnet_idx2 ON dhcp6_subnet (shared_network_name);

CREATE TABLE dhcp6_subnet_server (
    subnet_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (subnet_id, server_id),
    CONSTRAINT fk_dhcp6_subnet_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp6_subnet_server_subnet_id FOREIGN KEY (subnet_id)
        REFERENCES dhcp6_subnet (subnet_id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX dhcp6_subnet_server_idx1 ON dhcp6_subnet_server (server_id);
CREATE INDEX dhcp6_subnet_server_idx2 ON dhcp6_subnet_server (modification_ts);

CREATE TABLE dhcp6_pool (
    id SERIAL PRIMARY KEY NOT NULL,
    start_address INET NOT NULL,
    end_address INET NOT NULL,
    subnet_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    client_class VARCHAR(128) DEFAULT NULL,
    require_client_classes TEXT,
    user_context JSON DEFAULT NULL,
    CONSTRAINT fk_dhcp6_pool_subnet_id FOREIGN KEY (subnet_id) REFERENCES dhcp6_subnet (subnet_id)
);
CREATE INDEX dhcp6_pool_idx1 ON dhcp6_pool (modification_ts);
CREATE INDEX dhcp6_pool_idx2 ON dhcp6_pool (subnet_id);

CREATE TABLE dhcp6_pd_pool (
    id SERIAL PRIMARY KEY NOT NULL,
    prefix VARCHAR(45) NOT NULL,
    prefix_length SMALLINT NOT NULL,
    delegated_prefix_length SMALLINT NOT NULL,
    subnet_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    excluded_prefix VARCHAR(45) DEFAULT NULL,
    excluded_prefix_length SMALLINT NOT NULL,
    client_class VARCHAR(128) DEFAULT NULL,
    require_client_classes TEXT,
    user_context JSON DEFAULT NULL,
    CONSTRAINT fk_dhcp6_pd_pool_subnet_id FOREIGN KEY (subnet_id)
        REFERENCES dhcp6_subnet (subnet_id)
);
CREATE INDEX dhcp6_pd_pool_idx1 ON dhcp6_pd_pool (modification_ts);
CREATE INDEX dhcp6_pd_pool_idx2 ON dhcp6_pd_pool (subnet_id);

CREATE TABLE dhcp6_options (
    option_id SERIAL PRIMARY KEY NOT NULL,
    code INT NOT NULL,
    value BYTEA,
    formatted_value TEXT,
    space VARCHAR(128) DEFAULT NULL,
    persistent BOOLEAN NOT NULL DEFAULT 'f',
    dhcp_client_class VARCHAR(128) DEFAULT NULL,
    dhcp6_subnet_id BIGINT,
    host_id INT,
    scope_id SMALLINT NOT NULL,
    user_context TEXT,
    shared_network_name VARCHAR(128) DEFAULT NULL,
    pool_id BIGINT DEFAULT NULL,
    pd_pool_id BIGINT DEFAULT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT fk_options_host10 FOREIGN KEY (host_id) REFERENCES hosts (host_id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp6_option_scode FOREIGN KEY (scope_id)
        REFERENCES dhcp_option_scope (scope_id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp6_options_shared_network FOREIGN KEY (shared_network_name)
        REFERENCES dhcp6_shared_network (name) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp6_options_subnet FOREIGN KEY (dhcp6_subnet_id)
        REFERENCES dhcp6_subnet (subnet_id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp6_options_pool FOREIGN KEY (pool_id)
        REFERENCES dhcp6_pool (id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT fk_dhcp6_options_pd_pool FOREIGN KEY (pd_pool_id)
        REFERENCES dhcp6_pd_pool (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX fk_dhcp6_options_host1_idx ON dhcp6_options (host_id);
CREATE INDEX fk_dhcp6_options_scope_idx ON dhcp6_options (scope_id);
CREATE INDEX fk_dhcp6_options_shared_network ON dhcp6_options (shared_network_name);
CREATE INDEX fk_dhcp6_options_subnet ON dhcp6_options (dhcp6_subnet_id);
CREATE INDEX fk_dhcp6_options_pool ON dhcp6_options (pool_id);
CREATE INDEX fk_dhcp6_options_pd_pool ON dhcp6_options (pd_pool_id);

CREATE TABLE dhcp6_options_server (
    option_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (option_id, server_id),
    CONSTRAINT fk_dhcp6_options_server_option_id FOREIGN KEY (option_id)
        REFERENCES dhcp6_options (option_id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp6_options_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id) ON DELETE CASCADE
);
CREATE INDEX dhcp6_options_server_idx1 ON dhcp6_options_server (server_id);
CREATE INDEX dhcp6_options_server_idx2 ON dhcp6_options_server (modification_ts);

CREATE TABLE dhcp6_client_class (
    id SERIAL PRIMARY KEY NOT NULL,
    name VARCHAR(128) UNIQUE NOT NULL,
    test TEXT,
    only_if_required BOOLEAN NOT NULL DEFAULT false,
    valid_lifetime BIGINT DEFAULT NULL,
    min_valid_lifetime BIGINT DEFAULT NULL,
    max_valid_lifetime BIGINT DEFAULT NULL,
    depend_on_known_directly BOOLEAN NOT NULL DEFAULT false,
    follow_class_name VARCHAR(128) DEFAULT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    preferred_lifetime BIGINT DEFAULT NULL,
    min_preferred_lifetime BIGINT DEFAULT NULL,
    max_preferred_lifetime BIGINT DEFAULT NULL,
    user_context JSON DEFAULT NULL
);
CREATE INDEX key_dhcp6_client_class_modification_ts ON dhcp6_client_class (modification_ts);

CREATE TABLE dhcp6_client_class_order (
    class_id BIGINT PRIMARY KEY NOT NULL,
    order_index BIGINT NOT NULL,
    depend_on_known_indirectly BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT fk_dhcp6_client_class_order_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp6_client_class (id) ON DELETE CASCADE
);
CREATE INDEX key_dhcp6_client_class_order_index ON dhcp6_client_class_order (order_index);

CREATE TABLE dhcp6_client_class_dependency (
    class_id BIGINT NOT NULL,
    dependency_id BIGINT NOT NULL,
    PRIMARY KEY (class_id, dependency_id),
    CONSTRAINT dhcp6_client_class_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp6_client_class (id) ON DELETE CASCADE,
    CONSTRAINT dhcp6_client_class_dependency_id FOREIGN KEY (dependency_id)
        REFERENCES dhcp6_client_class (id)
);
CREATE INDEX dhcp6_client_class_dependency_id_idx ON dhcp6_client_class_dependency (dependency_id);

CREATE TABLE dhcp6_client_class_server (
    class_id BIGINT NOT NULL,
    server_id BIGINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (class_id, server_id),
    CONSTRAINT fk_dhcp6_client_class_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp6_client_class (id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp6_client_class_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id)
);
CREATE INDEX fk_dhcp6_client_class_server_id ON dhcp6_client_class_server (server_id);

CREATE TABLE dhcp6_option_def (
    id SERIAL PRIMARY KEY NOT NULL,
    code SMALLINT NOT NULL,
    name VARCHAR(128) NOT NULL,
    space VARCHAR(128) NOT NULL,
    type SMALLINT NOT NULL,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    is_array BOOLEAN NOT NULL,
    encapsulate VARCHAR(128) NOT NULL,
    record_types VARCHAR,
    user_context JSON,
    class_id BIGINT NULL,
    CONSTRAINT fk_dhcp6_option_def_client_class_id FOREIGN KEY (class_id)
        REFERENCES dhcp6_client_class (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX dhcp6_option_def_idx1 ON dhcp6_option_def (modification_ts);
CREATE INDEX dhcp6_option_def_idx2 ON dhcp6_option_def (code, space);
CREATE INDEX fk_dhcp6_option_def_client_class_id ON dhcp6_option_def (class_id);

CREATE TABLE dhcp6_option_def_server (
    option_def_id BIGINT NOT NULL REFERENCES dhcp6_option_def (id) ON DELETE CASCADE,
    server_id BIGINT NOT NULL REFERENCES dhcp6_server (id) ON DELETE CASCADE,
    modification_ts TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (option_def_id, server_id),
    CONSTRAINT fk_dhcp6_option_def_server_option_def_id FOREIGN KEY (option_def_id)
        REFERENCES dhcp6_option_def (id) ON DELETE CASCADE,
    CONSTRAINT fk_dhcp6_option_def_server_server_id FOREIGN KEY (server_id)
        REFERENCES dhcp6_server (id)
);
CREATE INDEX fk_dhcp6_option_def_server_server_id ON dhcp6_option_def_server (server_id);

---------------------------------------------------------------------------------------------------
-- 6. General helpers
---------------------------------------------------------------------------------------------------

-- Session variables (custom GUCs such as 'kea.audit_revision_id') carry state between the
-- configuration backend's statements and the triggers they fire. Values live for the session.
CREATE FUNCTION set_session_value(name TEXT, value TEXT) RETURNS VOID AS $$
BEGIN
    PERFORM set_config(name, value, false);
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION set_session_value(name TEXT, value BIGINT) RETURNS VOID AS $$
BEGIN
    PERFORM set_config(name, value::TEXT, false);
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION set_session_value(name TEXT, value BOOLEAN) RETURNS VOID AS $$
BEGIN
    PERFORM set_config(name, value::TEXT, false);
END;
$$ LANGUAGE plpgsql;

-- NULL when the variable was never set in this session.
CREATE FUNCTION get_session_value(name TEXT) RETURNS TEXT AS $$
BEGIN
    RETURN current_setting(name, true);
END;
$$ LANGUAGE plpgsql;

-- Unset or empty reads as 0.
CREATE FUNCTION get_session_big_int(name TEXT) RETURNS BIGINT AS $$
DECLARE
    raw TEXT := get_session_value(name);
BEGIN
    RETURN CASE WHEN raw IS NULL OR raw = '' THEN 0 ELSE raw::BIGINT END;
END;
$$ LANGUAGE plpgsql;

-- Unset or empty reads as false.
CREATE FUNCTION get_session_boolean(name TEXT) RETURNS BOOLEAN AS $$
DECLARE
    raw TEXT := get_session_value(name);
BEGIN
    RETURN CASE WHEN raw IS NULL OR raw = '' THEN false ELSE raw::BOOLEAN END;
END;
$$ LANGUAGE plpgsql;

-- Seconds since the epoch of the wall-clock time of input_ts in the session's time zone.
CREATE FUNCTION gmt_epoch(input_ts TIMESTAMP WITH TIME ZONE) RETURNS BIGINT AS $$
BEGIN
    RETURN (EXTRACT(EPOCH FROM input_ts) + EXTRACT(TIMEZONE FROM input_ts))::BIGINT;
END;
$$ LANGUAGE plpgsql;

-- Text to JSON where an empty string means an empty object.
CREATE FUNCTION json_cast(json_candidate TEXT) RETURNS JSON AS $$
BEGIN
    IF json_candidate = '' THEN
        RETURN '{}'::JSON;
    END IF;
    RETURN json_candidate::JSON;
END;
$$ LANGUAGE plpgsql;

-- True when the server has the JSON functions the class statistics need (remembered in the
-- session variable kea.json_supported).
CREATE FUNCTION isJsonSupported() RETURNS BOOLEAN AS $$
DECLARE
    known TEXT := get_session_value('kea.json_supported');
BEGIN
    IF known IS NULL OR known = '' THEN
        PERFORM set_session_value('kea.json_supported',
            EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'json_extract_path'));
    END IF;
    RETURN get_session_value('kea.json_supported')::BOOLEAN;
END;
$$ LANGUAGE plpgsql;

-- 'A0b1C' -> '0a:0b:1c': hex digits as lower-case octets separated by colons (memfile style).
CREATE FUNCTION colonSeparatedHex(hex TEXT) RETURNS TEXT AS $$
DECLARE
    padded TEXT := CASE WHEN length(hex) % 2 = 1 THEN '0' || hex ELSE hex END;
BEGIN
    RETURN lower(rtrim(regexp_replace(padded, '(..)', '\1:', 'g'), ':'));
END;
$$ LANGUAGE plpgsql;

-- Keeps modification_ts current on update. The triggers using it run AFTER UPDATE, where a
-- changed NEW is discarded: what matters is that it runs (and fails on tables without the column).
CREATE FUNCTION modification_ts_update() RETURNS TRIGGER AS $$
BEGIN
    NEW.modification_ts := CURRENT_TIMESTAMP;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

---------------------------------------------------------------------------------------------------
-- 7. Lease statistics
---------------------------------------------------------------------------------------------------
-- Per-subnet counts: states 0 (default) and 1 (declined) are counted, expired-reclaimed is not.
-- A count never goes below zero and a missing row is created on the first increment.

CREATE FUNCTION lease4_AINS_lease4_stat(new_state BIGINT, new_subnet_id BIGINT) RETURNS VOID AS $$
BEGIN
    IF new_state IN (0, 1) THEN
        INSERT INTO lease4_stat AS s (subnet_id, state, leases) VALUES (new_subnet_id, new_state, 1)
            ON CONFLICT (subnet_id, state) DO UPDATE SET leases = s.leases + 1;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION lease4_ADEL_lease4_stat(old_state BIGINT, old_subnet_id BIGINT) RETURNS VOID AS $$
BEGIN
    IF old_state IN (0, 1) THEN
        UPDATE lease4_stat SET leases = greatest(leases - 1, 0)
            WHERE subnet_id = old_subnet_id AND state = old_state;
    END IF;
END;
$$ LANGUAGE plpgsql;

-- Moves one lease between counters when its subnet or state changed (a NULL on either side
-- counts as "no change").
CREATE FUNCTION lease4_AUPD_lease4_stat(old_state BIGINT, old_subnet_id BIGINT,
                                        new_state BIGINT, new_subnet_id BIGINT)
RETURNS VOID AS $$
BEGIN
    IF old_subnet_id <> new_subnet_id OR old_state <> new_state THEN
        PERFORM lease4_ADEL_lease4_stat(old_state, old_subnet_id);
        PERFORM lease4_AINS_lease4_stat(new_state, new_subnet_id);
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION lease6_AINS_lease6_stat(new_state BIGINT, new_subnet_id BIGINT,
                                        new_lease_type SMALLINT)
RETURNS VOID AS $$
BEGIN
    IF new_state IN (0, 1) THEN
        INSERT INTO lease6_stat AS s (subnet_id, lease_type, state, leases)
            VALUES (new_subnet_id, new_lease_type, new_state, 1)
            ON CONFLICT (subnet_id, lease_type, state) DO UPDATE SET leases = s.leases + 1;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION lease6_ADEL_lease6_stat(old_state BIGINT, old_subnet_id BIGINT,
                                        old_lease_type SMALLINT)
RETURNS VOID AS $$
BEGIN
    IF old_state IN (0, 1) THEN
        UPDATE lease6_stat SET leases = greatest(leases - 1, 0)
            WHERE subnet_id = old_subnet_id AND lease_type = old_lease_type
              AND state = old_state;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION lease6_AUPD_lease6_stat(old_state BIGINT, old_subnet_id BIGINT,
                                        old_lease_type SMALLINT, new_state BIGINT,
                                        new_subnet_id BIGINT, new_lease_type SMALLINT)
RETURNS VOID AS $$
BEGIN
    IF old_subnet_id <> new_subnet_id OR old_lease_type <> new_lease_type
       OR old_state <> new_state THEN
        PERFORM lease6_ADEL_lease6_stat(old_state, old_subnet_id, old_lease_type);
        PERFORM lease6_AINS_lease6_stat(new_state, new_subnet_id, new_lease_type);
    END IF;
END;
$$ LANGUAGE plpgsql;

-- Per-class counts of state-0 leases. The classes are the JSON array user_context.ISC.client-classes;
-- each element's JSON text, without surrounding quotes, is the class name.
CREATE FUNCTION lease4_AINS_lease4_stat_by_client_class(new_state BIGINT, new_user_context TEXT)
RETURNS VOID AS $$
DECLARE
    elem VARCHAR(128);
BEGIN
    IF new_state = 0 THEN
        FOR elem IN
            SELECT json_array_elements(json_cast(new_user_context) -> 'ISC' -> 'client-classes')
        LOOP
            INSERT INTO lease4_stat_by_client_class AS s (client_class, leases)
                VALUES (btrim(elem, '"'), 1)
                ON CONFLICT (client_class) DO UPDATE SET leases = s.leases + 1;
        END LOOP;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION lease4_ADEL_lease4_stat_by_client_class(old_state BIGINT, old_user_context TEXT)
RETURNS VOID AS $$
DECLARE
    elem VARCHAR(128);
BEGIN
    IF old_state = 0 THEN
        FOR elem IN
            SELECT json_array_elements(json_cast(old_user_context) -> 'ISC' -> 'client-classes')
        LOOP
            UPDATE lease4_stat_by_client_class SET leases = greatest(leases - 1, 0)
                WHERE client_class = btrim(elem, '"');
        END LOOP;
    END IF;
END;
$$ LANGUAGE plpgsql;

-- Acts when the state or the class list (compared as JSON text) changed. Comparisons involving
-- a missing class list are unknown, so they alone do not trigger a move.
CREATE FUNCTION lease4_AUPD_lease4_stat_by_client_class(old_state BIGINT, old_user_context TEXT,
                                                        new_state BIGINT, new_user_context TEXT)
RETURNS VOID AS $$
DECLARE
    old_classes TEXT := (json_cast(old_user_context) -> 'ISC' -> 'client-classes')::TEXT;
    new_classes TEXT := (json_cast(new_user_context) -> 'ISC' -> 'client-classes')::TEXT;
BEGIN
    IF old_state <> new_state OR old_classes <> new_classes THEN
        PERFORM lease4_ADEL_lease4_stat_by_client_class(old_state, old_user_context);
        PERFORM lease4_AINS_lease4_stat_by_client_class(new_state, new_user_context);
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION lease6_AINS_lease6_stat_by_client_class(new_state BIGINT, new_user_context TEXT,
                                                        new_lease_type SMALLINT)
RETURNS VOID AS $$
DECLARE
    elem VARCHAR(128);
BEGIN
    IF new_state = 0 THEN
        FOR elem IN
            SELECT json_array_elements(json_cast(new_user_context) -> 'ISC' -> 'client-classes')
        LOOP
            INSERT INTO lease6_stat_by_client_class AS s (client_class, lease_type, leases)
                VALUES (btrim(elem, '"'), new_lease_type, 1)
                ON CONFLICT (client_class, lease_type) DO UPDATE SET leases = s.leases + 1;
        END LOOP;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION lease6_ADEL_lease6_stat_by_client_class(old_state BIGINT, old_user_context TEXT,
                                                        old_lease_type SMALLINT)
RETURNS VOID AS $$
DECLARE
    elem VARCHAR(128);
BEGIN
    IF old_state = 0 THEN
        FOR elem IN
            SELECT json_array_elements(json_cast(old_user_context) -> 'ISC' -> 'client-classes')
        LOOP
            UPDATE lease6_stat_by_client_class SET leases = greatest(leases - 1, 0)
                WHERE client_class = btrim(elem, '"') AND lease_type = old_lease_type;
        END LOOP;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION lease6_AUPD_lease6_stat_by_client_class(old_state BIGINT, old_user_context TEXT,
                                                        old_lease_type SMALLINT,
                                                        new_state BIGINT, new_user_context TEXT,
                                                        new_lease_type SMALLINT)
RETURNS VOID AS $$
DECLARE
    old_classes TEXT := (json_cast(old_user_context) -> 'ISC' -> 'client-classes')::TEXT;
    new_classes TEXT := (json_cast(new_user_context) -> 'ISC' -> 'client-classes')::TEXT;
BEGIN
    IF old_state <> new_state OR old_classes <> new_classes OR old_lease_type <> new_lease_type THEN
        PERFORM lease6_ADEL_lease6_stat_by_client_class(old_state, old_user_context, old_lease_type);
        PERFORM lease6_AINS_lease6_stat_by_client_class(new_state, new_user_context, new_lease_type);
    END IF;
END;
$$ LANGUAGE plpgsql;

-- Row triggers on lease4/lease6: class counts first, then subnet counts.
CREATE FUNCTION func_lease4_AINS() RETURNS TRIGGER AS $$
BEGIN
    IF isJsonSupported() THEN
        PERFORM lease4_AINS_lease4_stat_by_client_class(NEW.state, NEW.user_context);
    END IF;
    PERFORM lease4_AINS_lease4_stat(NEW.state, NEW.subnet_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_lease4_AUPD() RETURNS TRIGGER AS $$
BEGIN
    IF isJsonSupported() THEN
        PERFORM lease4_AUPD_lease4_stat_by_client_class(OLD.state, OLD.user_context,
                                                        NEW.state, NEW.user_context);
    END IF;
    PERFORM lease4_AUPD_lease4_stat(OLD.state, OLD.subnet_id, NEW.state, NEW.subnet_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_lease4_ADEL() RETURNS TRIGGER AS $$
BEGIN
    IF isJsonSupported() THEN
        PERFORM lease4_ADEL_lease4_stat_by_client_class(OLD.state, OLD.user_context);
    END IF;
    PERFORM lease4_ADEL_lease4_stat(OLD.state, OLD.subnet_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_lease6_AINS() RETURNS TRIGGER AS $$
BEGIN
    IF isJsonSupported() THEN
        PERFORM lease6_AINS_lease6_stat_by_client_class(NEW.state, NEW.user_context,
                                                        NEW.lease_type);
    END IF;
    PERFORM lease6_AINS_lease6_stat(NEW.state, NEW.subnet_id, NEW.lease_type);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_lease6_AUPD() RETURNS TRIGGER AS $$
BEGIN
    IF isJsonSupported() THEN
        PERFORM lease6_AUPD_lease6_stat_by_client_class(OLD.state, OLD.user_context,
                                                        OLD.lease_type, NEW.state,
                                                        NEW.user_context, NEW.lease_type);
    END IF;
    PERFORM lease6_AUPD_lease6_stat(OLD.state, OLD.subnet_id, OLD.lease_type,
                                    NEW.state, NEW.subnet_id, NEW.lease_type);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_lease6_ADEL() RETURNS TRIGGER AS $$
BEGIN
    IF isJsonSupported() THEN
        PERFORM lease6_ADEL_lease6_stat_by_client_class(OLD.state, OLD.user_context,
                                                        OLD.lease_type);
    END IF;
    PERFORM lease6_ADEL_lease6_stat(OLD.state, OLD.subnet_id, OLD.lease_type);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Earlier subnet-only trigger functions. No trigger uses them any more but they remain part of
-- the published layout.
CREATE FUNCTION proc_stat_lease4_insert() RETURNS TRIGGER AS $$
BEGIN
    PERFORM lease4_AINS_lease4_stat(NEW.state, NEW.subnet_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION proc_stat_lease4_update() RETURNS TRIGGER AS $$
BEGIN
    PERFORM lease4_AUPD_lease4_stat(OLD.state, OLD.subnet_id, NEW.state, NEW.subnet_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION proc_stat_lease4_delete() RETURNS TRIGGER AS $$
BEGIN
    PERFORM lease4_ADEL_lease4_stat(OLD.state, OLD.subnet_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION proc_stat_lease6_insert() RETURNS TRIGGER AS $$
BEGIN
    PERFORM lease6_AINS_lease6_stat(NEW.state, NEW.subnet_id, NEW.lease_type);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION proc_stat_lease6_update() RETURNS TRIGGER AS $$
BEGIN
    PERFORM lease6_AUPD_lease6_stat(OLD.state, OLD.subnet_id, OLD.lease_type,
                                    NEW.state, NEW.subnet_id, NEW.lease_type);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION proc_stat_lease6_delete() RETURNS TRIGGER AS $$
BEGIN
    PERFORM lease6_ADEL_lease6_stat(OLD.state, OLD.subnet_id, OLD.lease_type);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

---------------------------------------------------------------------------------------------------
-- 8. Lease limits, dump and upload
---------------------------------------------------------------------------------------------------

-- Given a lease's user_context, returns '' when every limit under ISC.limits still has room, or
-- a description of the first limit reached: per client class ("client-classes": [{"name",
-- "address-limit"}]) against lease4_stat_by_client_class, then per subnet ("subnet": {"id",
-- "address-limit"}) against the state-0 count in lease4_stat.
CREATE FUNCTION checkLease4Limits(user_context TEXT) RETURNS TEXT AS $$
DECLARE
    limits JSON := json_cast(user_context) -> 'ISC' -> 'limits';
    item JSON;
    cname VARCHAR(255);
    sid INT;
    max_leases INT;
    used INT;
BEGIN
    FOR item IN SELECT json_array_elements(limits -> 'client-classes') LOOP
        cname := btrim((item -> 'name')::TEXT, '"');
        max_leases := item -> 'address-limit';
        IF max_leases IS NOT NULL THEN
            used := coalesce((SELECT leases FROM lease4_stat_by_client_class
                              WHERE client_class = cname), 0);
            IF used >= max_leases THEN
                RETURN format('address limit %s for client class "%s", current lease count %s',
                              max_leases, cname, used);
            END IF;
        END IF;
    END LOOP;

    sid := limits -> 'subnet' -> 'id';
    max_leases := limits -> 'subnet' -> 'address-limit';
    IF max_leases IS NOT NULL THEN
        used := coalesce((SELECT leases FROM lease4_stat WHERE subnet_id = sid AND state = 0), 0);
        IF used >= max_leases THEN
            RETURN format('address limit %s for subnet ID %s, current lease count %s',
                          max_leases, sid, used);
        END IF;
    END IF;
    RETURN '';
END;
$$ LANGUAGE plpgsql;

-- As checkLease4Limits for DHCPv6: "address-limit" counts IA_NA leases (type 0) and
-- "prefix-limit" counts IA_PD leases (type 2), per class and then per subnet.
CREATE FUNCTION checkLease6Limits(user_context TEXT) RETURNS TEXT AS $$
DECLARE
    limits JSON := json_cast(user_context) -> 'ISC' -> 'limits';
    item JSON;
    cname VARCHAR(255);
    sid INT;
    max_leases INT;
    used INT;
    kind RECORD;
BEGIN
    FOR item IN SELECT json_array_elements(limits -> 'client-classes') LOOP
        cname := btrim((item -> 'name')::TEXT, '"');
        FOR kind IN SELECT * FROM (VALUES ('address', 0), ('prefix', 2)) AS k(word, ltype) LOOP
            max_leases := item -> (kind.word || '-limit');
            IF max_leases IS NOT NULL THEN
                used := coalesce((SELECT leases FROM lease6_stat_by_client_class
                                  WHERE client_class = cname AND lease_type = kind.ltype), 0);
                IF used >= max_leases THEN
                    RETURN format('%s limit %s for client class "%s", current lease count %s',
                                  kind.word, max_leases, cname, used);
                END IF;
            END IF;
        END LOOP;
    END LOOP;

    sid := limits -> 'subnet' -> 'id';
    FOR kind IN SELECT * FROM (VALUES ('address', 0), ('prefix', 2)) AS k(word, ltype) LOOP
        max_leases := limits -> 'subnet' -> (kind.word || '-limit');
        IF max_leases IS NOT NULL THEN
            used := coalesce((SELECT leases FROM lease6_stat WHERE subnet_id = sid
                              AND lease_type = kind.ltype AND state = 0), 0);
            IF used >= max_leases THEN
                RETURN format('%s limit %s for subnet ID %s, current lease count %s',
                              kind.word, max_leases, sid, used);
            END IF;
        END IF;
    END LOOP;
    RETURN '';
END;
$$ LANGUAGE plpgsql;

-- Dumps in memfile CSV column order (used by kea-admin lease-dump). Commas inside text fields
-- are escaped as '&#x2c'; binary fields become colon-separated hex; times are epoch seconds.
CREATE FUNCTION lease4DumpHeader() RETURNS TEXT AS $$
    SELECT 'address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,'
           'hostname,state,user_context'::TEXT;
$$ LANGUAGE SQL;

CREATE FUNCTION lease4DumpData()
RETURNS TABLE (address INET, hwaddr VARCHAR, client_id VARCHAR, valid_lifetime BIGINT,
               expire BIGINT, subnet_id BIGINT, fqdn_fwd INT, fqdn_rev INT, hostname VARCHAR,
               state BIGINT, user_context VARCHAR) AS $$
    SELECT '0.0.0.0'::INET + l.address,
           colonSeparatedHex(encode(l.hwaddr, 'hex')),
           colonSeparatedHex(encode(l.client_id, 'hex')),
           l.valid_lifetime,
           EXTRACT(EPOCH FROM l.expire)::BIGINT,
           l.subnet_id,
           l.fqdn_fwd::INT,
           l.fqdn_rev::INT,
           replace(l.hostname, ',', '&#x2c'),
           l.state,
           replace(l.user_context, ',', '&#x2c')
    FROM lease4 AS l
    ORDER BY l.address;
$$ LANGUAGE SQL;

CREATE FUNCTION lease6DumpHeader() RETURNS TEXT AS $$
    SELECT 'address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,'
           'prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,'
           'hwaddr_source'::TEXT;
$$ LANGUAGE SQL;

CREATE FUNCTION lease6DumpData()
RETURNS TABLE (address VARCHAR, duid VARCHAR, valid_lifetime BIGINT, expire BIGINT,
               subnet_id BIGINT, pref_lifetime BIGINT, lease_type SMALLINT, iaid INT,
               prefix_len SMALLINT, fqdn_fwd INT, fqdn_rev INT, hostname VARCHAR,
               hwaddr VARCHAR, state BIGINT, user_context VARCHAR, hwtype SMALLINT,
               hwaddr_source SMALLINT) AS $$
    SELECT l.address,
           colonSeparatedHex(encode(l.duid, 'hex')),
           l.valid_lifetime,
           EXTRACT(EPOCH FROM l.expire)::BIGINT,
           l.subnet_id,
           l.pref_lifetime,
           l.lease_type,
           l.iaid,
           l.prefix_len,
           l.fqdn_fwd::INT,
           l.fqdn_rev::INT,
           replace(l.hostname, ',', '&#x2c'),
           colonSeparatedHex(encode(l.hwaddr, 'hex')),
           l.state,
           replace(l.user_context, ',', '&#x2c'),
           l.hwtype,
           l.hwaddr_source
    FROM lease6 AS l
    ORDER BY l.address;
$$ LANGUAGE SQL;

-- The inverse of the dumps, one lease per call (used by kea-admin lease-upload).
CREATE FUNCTION lease4Upload(address VARCHAR, hwaddr VARCHAR, client_id VARCHAR,
                             valid_lifetime BIGINT, expire BIGINT, subnet_id BIGINT,
                             fqdn_fwd INT, fqdn_rev INT, hostname VARCHAR, state BIGINT,
                             user_context VARCHAR)
RETURNS VOID AS $$
BEGIN
    INSERT INTO lease4 VALUES (
        lease4Upload.address::INET - '0.0.0.0'::INET,
        decode(replace(lease4Upload.hwaddr, ':', ''), 'hex'),
        decode(replace(lease4Upload.client_id, ':', ''), 'hex'),
        lease4Upload.valid_lifetime,
        to_timestamp(lease4Upload.expire),
        lease4Upload.subnet_id,
        lease4Upload.fqdn_fwd::BOOLEAN,
        lease4Upload.fqdn_rev::BOOLEAN,
        replace(lease4Upload.hostname, '&#x2c', ','),
        lease4Upload.state,
        replace(lease4Upload.user_context, '&#x2c', ','));
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION lease6Upload(address VARCHAR, duid VARCHAR, valid_lifetime BIGINT,
                             expire BIGINT, subnet_id BIGINT, pref_lifetime BIGINT,
                             lease_type INT, iaid INT, prefix_len INT, fqdn_fwd INT,
                             fqdn_rev INT, hostname VARCHAR, hwaddr VARCHAR, state BIGINT,
                             user_context VARCHAR, hwtype INT, hwaddr_source INT)
RETURNS VOID AS $$
BEGIN
    INSERT INTO lease6 (address, duid, valid_lifetime, expire, subnet_id, pref_lifetime,
                        lease_type, iaid, prefix_len, fqdn_fwd, fqdn_rev, hostname, hwaddr,
                        state, user_context, hwtype, hwaddr_source)
    VALUES (lease6Upload.address,
            decode(replace(lease6Upload.duid, ':', ''), 'hex'),
            lease6Upload.valid_lifetime,
            to_timestamp(lease6Upload.expire),
            lease6Upload.subnet_id,
            lease6Upload.pref_lifetime,
            lease6Upload.lease_type,
            lease6Upload.iaid,
            lease6Upload.prefix_len,
            lease6Upload.fqdn_fwd::BOOLEAN,
            lease6Upload.fqdn_rev::BOOLEAN,
            replace(lease6Upload.hostname, '&#x2c', ','),
            decode(replace(lease6Upload.hwaddr, ':', ''), 'hex'),
            lease6Upload.state,
            replace(lease6Upload.user_context, '&#x2c', ','),
            lease6Upload.hwtype,
            lease6Upload.hwaddr_source);
END;
$$ LANGUAGE plpgsql;

---------------------------------------------------------------------------------------------------
-- 9. Configuration audit and client-class ordering (same logic for DHCPv4 and DHCPv6)
---------------------------------------------------------------------------------------------------
-- The routines below exist once per family. They are written once here, with '@' standing for
-- the family digit, and instantiated for 4 and 6.
--
-- Protocol with the configuration backend: before changing objects, the client calls
-- createAuditRevisionDHCP@(ts, server tag, message, cascade); the row triggers then append one
-- dhcp@_audit row per changed object to that revision. Session variables:
--   kea.disable_audit        true: record nothing
--   kea.audit_revision_id    revision the audit rows belong to
--   kea.cascade_transaction  true: options changed along with their owner are not audited
--                            separately (the owner's own row covers them)

DO $family$
DECLARE
    v TEXT;
BEGIN
    FOREACH v IN ARRAY ARRAY['4', '6'] LOOP
        EXECUTE replace($tpl$

CREATE FUNCTION createAuditRevisionDHCP@(audit_ts TIMESTAMP WITH TIME ZONE,
                                         server_tag VARCHAR(64), audit_log_message TEXT,
                                         cascade_transaction BOOLEAN)
RETURNS VOID AS $$
DECLARE
    rev BIGINT;
BEGIN
    IF NOT get_session_boolean('kea.disable_audit') THEN
        INSERT INTO dhcp@_audit_revision (modification_ts, server_id, log_message)
            VALUES (audit_ts, (SELECT id FROM dhcp@_server WHERE tag = server_tag),
                    audit_log_message)
            RETURNING id INTO rev;
        PERFORM set_session_value('kea.audit_revision_id', rev);
        PERFORM set_session_value('kea.cascade_transaction', cascade_transaction);
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION createAuditEntryDHCP@(object_type_val VARCHAR(256), object_id_val BIGINT,
                                      modification_type_val VARCHAR(32))
RETURNS VOID AS $$
BEGIN
    IF NOT get_session_boolean('kea.disable_audit') THEN
        INSERT INTO dhcp@_audit (object_type, object_id, modification_type, revision_id)
            VALUES (object_type_val, object_id_val,
                    (SELECT id FROM modification WHERE modification_type = modification_type_val),
                    get_session_big_int('kea.audit_revision_id'));
    END IF;
END;
$$ LANGUAGE plpgsql;

-- Places class `id` right after the class named new_follow_class_name, or last when that is
-- NULL, shifting later classes down; a class that keeps its place only has its indirect
-- KNOWN/UNKNOWN flag cleared (dependency inserts set it again). Refuses to move a class after
-- a class that depends on it. Leaves the previous indirect flag in kea.depend_on_known_indirectly.
CREATE FUNCTION setClientClass@Order(id BIGINT, new_follow_class_name VARCHAR(128),
                                     old_follow_class_name VARCHAR(128))
RETURNS VOID AS $$
DECLARE
    me CONSTANT BIGINT := setClientClass@Order.id;
    was_indirect BOOLEAN;
    after_index BIGINT;
BEGIN
    SELECT o.depend_on_known_indirectly INTO was_indirect
        FROM dhcp@_client_class_order AS o WHERE o.class_id = me;
    PERFORM set_session_value('kea.depend_on_known_indirectly', was_indirect);

    IF was_indirect IS NOT NULL
       AND new_follow_class_name IS NOT DISTINCT FROM old_follow_class_name THEN
        UPDATE dhcp@_client_class_order SET depend_on_known_indirectly = false
            WHERE class_id = me;
        RETURN;
    END IF;

    IF new_follow_class_name IS NULL THEN
        SELECT coalesce(max(order_index), 0) INTO after_index FROM dhcp@_client_class_order;
    ELSE
        SELECT o.order_index INTO after_index
            FROM dhcp@_client_class AS c JOIN dhcp@_client_class_order AS o ON o.class_id = c.id
            WHERE c.name = new_follow_class_name;
        IF after_index IS NULL THEN
            RAISE EXCEPTION 'Class % does not exist.', new_follow_class_name
                USING ERRCODE = 'sql_routine_exception';
        END IF;
        IF EXISTS (SELECT 1 FROM dhcp@_client_class_order WHERE order_index = after_index + 1) THEN
            UPDATE dhcp@_client_class_order SET order_index = order_index + 1
                WHERE order_index > after_index;
        END IF;
    END IF;

    IF EXISTS (SELECT 1 FROM dhcp@_client_class_dependency AS d
                   JOIN dhcp@_client_class_order AS o ON o.class_id = d.class_id
               WHERE d.dependency_id = me AND o.order_index <= after_index) THEN
        RAISE EXCEPTION 'Unable to move class with id % because it would break its dependencies',
            me USING ERRCODE = 'sql_routine_exception';
    END IF;

    UPDATE dhcp@_client_class_order
        SET order_index = after_index + 1, depend_on_known_indirectly = was_indirect
        WHERE class_id = me;
    IF NOT FOUND THEN
        INSERT INTO dhcp@_client_class_order (class_id, order_index, depend_on_known_indirectly)
            VALUES (me, after_index + 1, false);
    END IF;
END;
$$ LANGUAGE plpgsql;

-- Validates a new dependency of class p_class_id on class p_dependency_id: both exist, differ,
-- the dependency comes earlier in the order, and it is defined for every server the class is
-- (or for all servers, server id 1).
CREATE FUNCTION checkDHCPv@ClientClassDependency(p_class_id BIGINT, p_dependency_id BIGINT)
RETURNS VOID AS $$
DECLARE
    class_pos BIGINT;
    dep_pos BIGINT;
BEGIN
    IF p_class_id IS NULL THEN
        RAISE EXCEPTION 'Client class id must not be NULL.'
            USING ERRCODE = 'sql_routine_exception';
    END IF;
    IF p_dependency_id IS NULL THEN
        RAISE EXCEPTION 'Class dependency id must not be NULL.'
            USING ERRCODE = 'sql_routine_exception';
    END IF;
    IF p_class_id = p_dependency_id THEN
        RAISE EXCEPTION 'Client class must not have dependency on self.'
            USING ERRCODE = 'sql_routine_exception';
    END IF;

    SELECT o.order_index INTO class_pos FROM dhcp@_client_class_order AS o
        JOIN dhcp@_client_class AS c ON c.id = o.class_id WHERE c.id = p_class_id;
    IF class_pos IS NULL THEN
        RAISE EXCEPTION 'Client class with id % does not exist.', p_class_id
            USING ERRCODE = 'sql_routine_exception';
    END IF;
    SELECT o.order_index INTO dep_pos FROM dhcp@_client_class_order AS o
        JOIN dhcp@_client_class AS c ON c.id = o.class_id WHERE c.id = p_dependency_id;
    IF dep_pos IS NULL THEN
        RAISE EXCEPTION 'Dependency class with id % does not exist.', p_dependency_id
            USING ERRCODE = 'sql_routine_exception';
    END IF;
    IF dep_pos > class_pos THEN
        RAISE EXCEPTION 'Client class with id % must not depend on class defined later with id %',
            p_class_id, p_dependency_id USING ERRCODE = 'sql_routine_exception';
    END IF;

    IF EXISTS (SELECT 1 FROM dhcp@_client_class_server AS mine
               WHERE mine.class_id = p_class_id
                 AND NOT EXISTS (SELECT 1 FROM dhcp@_client_class_server AS theirs
                                 WHERE theirs.class_id = p_dependency_id
                                   AND theirs.server_id IN (1, mine.server_id))) THEN
        RAISE EXCEPTION 'Unmet dependencies for client class with id %', p_class_id
            USING ERRCODE = 'sql_routine_exception';
    END IF;
END;
$$ LANGUAGE plpgsql;

-- After a dependency was added: a class depending on a class that depends on KNOWN/UNKNOWN
-- (directly or indirectly) depends on it indirectly too.
CREATE FUNCTION updateDHCPv@ClientClassKnownDependency(client_class_id BIGINT,
                                                      dependency_id BIGINT)
RETURNS VOID AS $$
DECLARE
    dep_direct BOOLEAN;
    dep_indirect BOOLEAN;
BEGIN
    SELECT depend_on_known_directly INTO dep_direct FROM dhcp@_client_class
        WHERE id = updateDHCPv@ClientClassKnownDependency.dependency_id;
    IF dep_direct = false THEN
        SELECT depend_on_known_indirectly INTO dep_indirect FROM dhcp@_client_class_order
            WHERE class_id = updateDHCPv@ClientClassKnownDependency.dependency_id;
    END IF;
    IF dep_direct OR dep_indirect THEN
        UPDATE dhcp@_client_class_order SET depend_on_known_indirectly = true
            WHERE class_id = client_class_id;
    END IF;
END;
$$ LANGUAGE plpgsql;

-- Called by the backend after updating class kea.client_class_id: if other classes depend on
-- it, its dependence on KNOWN/UNKNOWN (before: the kea.depend_on_known_* session values saved
-- by the update trigger; after: the table) must not have changed.
CREATE FUNCTION checkDHCPv@ClientClassKnownDependencyChange() RETURNS VOID AS $$
DECLARE
    cid BIGINT := get_session_big_int('kea.client_class_id');
    before BOOLEAN;
    after BOOLEAN;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM dhcp@_client_class_dependency WHERE dependency_id = cid) THEN
        RETURN;
    END IF;
    before := get_session_boolean('kea.depend_on_known_directly')
              OR get_session_boolean('kea.depend_on_known_indirectly');
    SELECT depend_on_known_directly INTO after FROM dhcp@_client_class WHERE id = cid;
    IF after = false THEN
        SELECT depend_on_known_indirectly INTO after FROM dhcp@_client_class_order
            WHERE class_id = cid;
    END IF;
    IF before <> after THEN
        RAISE EXCEPTION 'Class dependency on KNOWN/UNKNOWN built-in classes must not change.'
            USING ERRCODE = 'sql_routine_exception';
    END IF;
END;
$$ LANGUAGE plpgsql;

-- Client class row triggers.
CREATE FUNCTION func_dhcp@_client_class_AINS() RETURNS TRIGGER AS $$
BEGIN
    PERFORM setClientClass@Order(NEW.id, NEW.follow_class_name, NULL);
    PERFORM createAuditEntryDHCP@('dhcp@_client_class', NEW.id, 'create');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_dhcp@_client_class_AUPD() RETURNS TRIGGER AS $$
BEGIN
    PERFORM set_session_value('kea.depend_on_known_directly', OLD.depend_on_known_directly);
    PERFORM set_session_value('kea.client_class_id', NEW.id);
    PERFORM setClientClass@Order(NEW.id, NEW.follow_class_name, OLD.follow_class_name);
    PERFORM createAuditEntryDHCP@('dhcp@_client_class', NEW.id, 'update');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_dhcp@_client_class_check_dependency_BINS() RETURNS TRIGGER AS $$
BEGIN
    PERFORM checkDHCPv@ClientClassDependency(NEW.class_id, NEW.dependency_id);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_dhcp@_client_class_dependency_AINS() RETURNS TRIGGER AS $$
BEGIN
    PERFORM updateDHCPv@ClientClassKnownDependency(NEW.class_id, NEW.dependency_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Deleting a network first audits it, then detaches its subnets one by one (so each subnet
-- gets an 'update' audit row before the network disappears) and drops its options.
CREATE FUNCTION func_dhcp@_shared_network_BDEL() RETURNS TRIGGER AS $$
BEGIN
    PERFORM createAuditEntryDHCP@('dhcp@_shared_network', OLD.id, 'delete');
    UPDATE dhcp@_subnet SET shared_network_name = NULL WHERE shared_network_name = OLD.name;
    DELETE FROM dhcp@_options WHERE shared_network_name = OLD.name;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

-- Deleting a pool deletes its options first (they then audit themselves).
CREATE FUNCTION func_dhcp@_pool_BDEL() RETURNS TRIGGER AS $$
BEGIN
    DELETE FROM dhcp@_options WHERE scope_id = 5 AND pool_id = OLD.id;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

$tpl$, '@', v);
    END LOOP;
END;
$family$;

-- Plain audit triggers: one 'create'/'update'/'delete' audit row per changed object, keyed by
-- the object's id column. (table, key column, which of INSERT/UPDATE/DELETE)
DO $plain$
DECLARE
    t RECORD;
    op TEXT;
BEGIN
    FOR t IN SELECT * FROM (VALUES
            ('server', 'id', 'AINS AUPD ADEL'),
            ('global_parameter', 'id', 'AINS AUPD ADEL'),
            ('option_def', 'id', 'AINS AUPD ADEL'),
            ('shared_network', 'id', 'AINS AUPD ADEL'),
            ('subnet', 'subnet_id', 'AINS AUPD'),
            ('client_class', 'id', 'ADEL')) AS s(obj, key, ops),
        (VALUES ('4'), ('6')) AS f(v)
    LOOP
        FOREACH op IN ARRAY string_to_array(t.ops, ' ') LOOP
            EXECUTE format(
                'CREATE FUNCTION %I() RETURNS TRIGGER AS $$ BEGIN '
                'PERFORM createAuditEntryDHCP%s(%L, %s.%I, %L); RETURN NULL; '
                'END; $$ LANGUAGE plpgsql',
                lower(format('func_dhcp%s_%s_%s', t.v, t.obj, op)), t.v,
                format('dhcp%s_%s', t.v, t.obj),
                CASE op WHEN 'ADEL' THEN 'OLD' ELSE 'NEW' END, t.key,
                CASE op WHEN 'AINS' THEN 'create' WHEN 'AUPD' THEN 'update' ELSE 'delete' END);
        END LOOP;
    END LOOP;
END;
$plain$;

-- Options do not audit themselves unless global: a change to a subnet, network or pool option
-- (outside a cascade) touches the owning subnet or network, whose own trigger audits it.
-- Host options are not audited.
CREATE FUNCTION createOptionAuditDHCP4(modification_type VARCHAR(32), scope_id SMALLINT,
                                       option_id INT, p_subnet_id BIGINT, host_id INT,
                                       network_name VARCHAR(128), pool_id BIGINT,
                                       p_modification_ts TIMESTAMP WITH TIME ZONE)
RETURNS VOID AS $$
DECLARE
    scope CONSTANT SMALLINT := createOptionAuditDHCP4.scope_id;
BEGIN
    IF get_session_boolean('kea.cascade_transaction') THEN
        RETURN;
    END IF;
    IF scope = 0 THEN
        PERFORM createAuditEntryDHCP4('dhcp4_options', option_id, modification_type);
    ELSIF scope = 1 THEN
        UPDATE dhcp4_subnet SET modification_ts = p_modification_ts
            WHERE subnet_id = p_subnet_id;
    ELSIF scope = 4 THEN
        UPDATE dhcp4_shared_network SET modification_ts = p_modification_ts
            WHERE name = network_name;
    ELSIF scope = 5 THEN
        UPDATE dhcp4_subnet SET modification_ts = p_modification_ts
            WHERE subnet_id = (SELECT p.subnet_id FROM dhcp4_pool AS p
                               WHERE p.id = createOptionAuditDHCP4.pool_id);
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION createOptionAuditDHCP6(modification_type VARCHAR(32), scope_id SMALLINT,
                                       option_id INT, p_subnet_id BIGINT, host_id INT,
                                       network_name VARCHAR(128), pool_id BIGINT,
                                       pd_pool_id BIGINT,
                                       p_modification_ts TIMESTAMP WITH TIME ZONE)
RETURNS VOID AS $$
DECLARE
    scope CONSTANT SMALLINT := createOptionAuditDHCP6.scope_id;
BEGIN
    IF get_session_boolean('kea.cascade_transaction') THEN
        RETURN;
    END IF;
    IF scope = 0 THEN
        PERFORM createAuditEntryDHCP6('dhcp6_options', option_id, modification_type);
    ELSIF scope = 1 THEN
        UPDATE dhcp6_subnet SET modification_ts = p_modification_ts
            WHERE subnet_id = p_subnet_id;
    ELSIF scope = 4 THEN
        UPDATE dhcp6_shared_network SET modification_ts = p_modification_ts
            WHERE name = network_name;
    ELSIF scope = 5 THEN
        UPDATE dhcp6_subnet SET modification_ts = p_modification_ts
            WHERE subnet_id = (SELECT p.subnet_id FROM dhcp6_pool AS p
                               WHERE p.id = createOptionAuditDHCP6.pool_id);
    ELSIF scope = 6 THEN
        UPDATE dhcp6_subnet SET modification_ts = p_modification_ts
            WHERE subnet_id = (SELECT p.subnet_id FROM dhcp6_pd_pool AS p
                               WHERE p.id = createOptionAuditDHCP6.pd_pool_id);
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_dhcp4_options_AINS() RETURNS TRIGGER AS $$
BEGIN
    PERFORM createOptionAuditDHCP4('create', NEW.scope_id, NEW.option_id, NEW.dhcp4_subnet_id,
                                   NEW.host_id, NEW.shared_network_name, NEW.pool_id,
                                   NEW.modification_ts);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_dhcp4_options_AUPD() RETURNS TRIGGER AS $$
BEGIN
    PERFORM createOptionAuditDHCP4('update', NEW.scope_id, NEW.option_id, NEW.dhcp4_subnet_id,
                                   NEW.host_id, NEW.shared_network_name, NEW.pool_id,
                                   NEW.modification_ts);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_dhcp4_options_ADEL() RETURNS TRIGGER AS $$
BEGIN
    PERFORM createOptionAuditDHCP4('delete', OLD.scope_id, OLD.option_id, OLD.dhcp4_subnet_id,
                                   OLD.host_id, OLD.shared_network_name, OLD.pool_id, now());
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_dhcp6_options_AINS() RETURNS TRIGGER AS $$
BEGIN
    PERFORM createOptionAuditDHCP6('create', NEW.scope_id, NEW.option_id, NEW.dhcp6_subnet_id,
                                   NEW.host_id, NEW.shared_network_name, NEW.pool_id,
                                   NEW.pd_pool_id, NEW.modification_ts);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_dhcp6_options_AUPD() RETURNS TRIGGER AS $$
BEGIN
    PERFORM createOptionAuditDHCP6('update', NEW.scope_id, NEW.option_id, NEW.dhcp6_subnet_id,
                                   NEW.host_id, NEW.shared_network_name, NEW.pool_id,
                                   NEW.pd_pool_id, NEW.modification_ts);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_dhcp6_options_ADEL() RETURNS TRIGGER AS $$
BEGIN
    PERFORM createOptionAuditDHCP6('delete', OLD.scope_id, OLD.option_id, OLD.dhcp6_subnet_id,
                                   OLD.host_id, OLD.shared_network_name, OLD.pool_id,
                                   OLD.pd_pool_id, now());
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Deleting a subnet audits it, then deletes its pools and options explicitly so their own
-- triggers run before the subnet row goes.
CREATE FUNCTION func_dhcp4_subnet_BDEL() RETURNS TRIGGER AS $$
BEGIN
    PERFORM createAuditEntryDHCP4('dhcp4_subnet', OLD.subnet_id, 'delete');
    DELETE FROM dhcp4_pool WHERE subnet_id = OLD.subnet_id;
    DELETE FROM dhcp4_options WHERE dhcp4_subnet_id = OLD.subnet_id;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION func_dhcp6_subnet_BDEL() RETURNS TRIGGER AS $$
BEGIN
    PERFORM createAuditEntryDHCP6('dhcp6_subnet', OLD.subnet_id, 'delete');
    DELETE FROM dhcp6_pool WHERE subnet_id = OLD.subnet_id;
    DELETE FROM dhcp6_pd_pool WHERE subnet_id = OLD.subnet_id;
    DELETE FROM dhcp6_options WHERE dhcp6_subnet_id = OLD.subnet_id;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

-- Published but not attached to dhcp6_pd_pool (its options go by the foreign key cascade).
CREATE FUNCTION func_dhcp6_pd_pool_BDEL() RETURNS TRIGGER AS $$
BEGIN
    DELETE FROM dhcp6_options WHERE scope_id = 6 AND pd_pool_id = OLD.id;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

---------------------------------------------------------------------------------------------------
-- 10. Triggers (created after the seed rows above, which are therefore not audited)
---------------------------------------------------------------------------------------------------

CREATE TRIGGER lease4_AINS AFTER INSERT ON lease4 FOR EACH ROW EXECUTE PROCEDURE func_lease4_AINS();
CREATE TRIGGER lease4_AUPD AFTER UPDATE ON lease4 FOR EACH ROW EXECUTE PROCEDURE func_lease4_AUPD();
CREATE TRIGGER lease4_ADEL AFTER DELETE ON lease4 FOR EACH ROW EXECUTE PROCEDURE func_lease4_ADEL();
CREATE TRIGGER lease6_AINS AFTER INSERT ON lease6 FOR EACH ROW EXECUTE PROCEDURE func_lease6_AINS();
CREATE TRIGGER lease6_AUPD AFTER UPDATE ON lease6 FOR EACH ROW EXECUTE PROCEDURE func_lease6_AUPD();
CREATE TRIGGER lease6_ADEL AFTER DELETE ON lease6 FOR EACH ROW EXECUTE PROCEDURE func_lease6_ADEL();

-- Configuration tables: audit triggers and modification_ts triggers. Per family; the timing
-- and events follow from the name suffix (AINS/AUPD/ADEL = after insert/update/delete,
-- BINS/BDEL = before insert/delete).
DO $triggers$
DECLARE
    v TEXT;
    spec RECORD;
BEGIN
    FOREACH v IN ARRAY ARRAY['4', '6'] LOOP
        FOR spec IN SELECT * FROM (VALUES
                ('server', 'server', 'AINS'), ('server', 'server', 'AUPD'),
                ('server', 'server', 'ADEL'),
                ('global_parameter', 'global_parameter', 'AINS'),
                ('global_parameter', 'global_parameter', 'AUPD'),
                ('global_parameter', 'global_parameter', 'ADEL'),
                ('option_def', 'option_def', 'AINS'), ('option_def', 'option_def', 'AUPD'),
                ('option_def', 'option_def', 'ADEL'),
                ('shared_network', 'shared_network', 'AINS'),
                ('shared_network', 'shared_network', 'AUPD'),
                ('shared_network', 'shared_network', 'BDEL'),
                ('subnet', 'subnet', 'AINS'), ('subnet', 'subnet', 'AUPD'),
                ('subnet', 'subnet', 'BDEL'),
                ('pool', 'pool', 'BDEL'),
                ('options', 'options', 'AINS'), ('options', 'options', 'AUPD'),
                ('options', 'options', 'ADEL'),
                ('client_class', 'client_class', 'AINS'),
                ('client_class', 'client_class', 'AUPD'),
                ('client_class', 'client_class', 'ADEL'),
                ('client_class_dependency', 'client_class_check_dependency', 'BINS'),
                ('client_class_dependency', 'client_class_dependency', 'AINS'))
                AS s(tbl, base, op)
        LOOP
            EXECUTE format('CREATE TRIGGER %I %s %s ON %I FOR EACH ROW EXECUTE PROCEDURE %I()',
                lower(format('dhcp%s_%s_%s', v, spec.base, spec.op)),
                CASE left(spec.op, 1) WHEN 'A' THEN 'AFTER' ELSE 'BEFORE' END,
                CASE right(spec.op, 3) WHEN 'INS' THEN 'INSERT' WHEN 'UPD' THEN 'UPDATE'
                                       ELSE 'DELETE' END,
                format('dhcp%s_%s', v, spec.tbl),
                lower(format('func_dhcp%s_%s_%s', v, spec.base, spec.op)));
        END LOOP;

        -- modification_ts maintenance, on the tables the published layout has it on.
        FOR spec IN SELECT * FROM (VALUES
                ('server'), ('global_parameter'), ('global_parameter_server'), ('option_def'),
                ('option_def_server'), ('shared_network'), ('subnet_server'), ('pool'),
                ('options'), ('options_server'), ('audit_revision'), ('audit')) AS s(tbl)
        LOOP
            EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I FOR EACH ROW '
                           'EXECUTE PROCEDURE modification_ts_update()',
                           format('dhcp%s_%s_modification_ts_update', v, spec.tbl),
                           format('dhcp%s_%s', v, spec.tbl));
        END LOOP;
    END LOOP;
END;
$triggers$;

-- Family-specific modification_ts triggers.
CREATE TRIGGER dhcp4_subnet_modification_ts_update
    AFTER UPDATE ON dhcp4_subnet FOR EACH ROW EXECUTE PROCEDURE modification_ts_update();
CREATE TRIGGER dhcp6_pd_pool_modification_ts_update
    AFTER UPDATE ON dhcp6_pd_pool FOR EACH ROW EXECUTE PROCEDURE modification_ts_update();
-- The published layout attaches the DHCPv6 subnet trigger to dhcp6_server.
CREATE TRIGGER dhcp6_subnet_modification_ts_update
    AFTER UPDATE ON dhcp6_server FOR EACH ROW EXECUTE PROCEDURE modification_ts_update();

---------------------------------------------------------------------------------------------------
-- 11. Schema version (Kea 2.2 PostgreSQL schema 13.0)
---------------------------------------------------------------------------------------------------

INSERT INTO schema_version (version, minor) VALUES (13, 0);

COMMIT;
