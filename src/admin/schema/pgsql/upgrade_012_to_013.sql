-- Nestor: PostgreSQL schema upgrade 12.0 -> 13.0 (Kea 2.1.x -> Kea 2.2).
--
-- Adds lease limiting: per-client-class lease counters (tables, routines and new lease
-- triggers replacing the 12.0 stat_lease* triggers), the checkLease4Limits/checkLease6Limits
-- routines and JSON helpers; adds the key_dhcp_identifier index and lets the per-subnet host
-- identifier indexes cover subnet id 0 (global reservations). Existing data is kept; the class
-- counters start empty (leases existing at upgrade time are not counted per class, as in Kea).
--
-- One transaction that changes nothing unless schema_version is exactly 12.0, so it is safe
-- to run on a database at any version. The statements mirror create.sql, which stays the
-- reference for the 13.0 layout (the integration test compares the two results).
--     psql -v ON_ERROR_STOP=1 -h HOST -U USER -d DB -f upgrade_012_to_013.sql

START TRANSACTION;

DO $upgrade$
DECLARE
    at TEXT := (SELECT string_agg(version || '.' || minor, ',') FROM schema_version);
BEGIN
    IF at IS DISTINCT FROM '12.0' THEN
        RAISE NOTICE 'schema version is %, not 12.0: upgrade to 13.0 skipped', at;
        RETURN;
    END IF;

    EXECUTE $step$

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

-- The 12.0 subnet-only triggers give way to the combined ones (their functions stay).
DROP TRIGGER stat_lease4_insert ON lease4;
DROP TRIGGER stat_lease4_update ON lease4;
DROP TRIGGER stat_lease4_delete ON lease4;
DROP TRIGGER stat_lease6_insert ON lease6;
DROP TRIGGER stat_lease6_update ON lease6;
DROP TRIGGER stat_lease6_delete ON lease6;
CREATE TRIGGER lease4_AINS AFTER INSERT ON lease4 FOR EACH ROW EXECUTE PROCEDURE func_lease4_AINS();
CREATE TRIGGER lease4_AUPD AFTER UPDATE ON lease4 FOR EACH ROW EXECUTE PROCEDURE func_lease4_AUPD();
CREATE TRIGGER lease4_ADEL AFTER DELETE ON lease4 FOR EACH ROW EXECUTE PROCEDURE func_lease4_ADEL();
CREATE TRIGGER lease6_AINS AFTER INSERT ON lease6 FOR EACH ROW EXECUTE PROCEDURE func_lease6_AINS();
CREATE TRIGGER lease6_AUPD AFTER UPDATE ON lease6 FOR EACH ROW EXECUTE PROCEDURE func_lease6_AUPD();
CREATE TRIGGER lease6_ADEL AFTER DELETE ON lease6 FOR EACH ROW EXECUTE PROCEDURE func_lease6_ADEL();

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

-- Host lookups by identifier alone (global reservations), and per-subnet uniqueness that
-- now includes subnet id 0.
CREATE INDEX key_dhcp_identifier ON hosts (dhcp_identifier, dhcp_identifier_type);
DROP INDEX key_dhcp4_identifier_subnet_id;
CREATE UNIQUE INDEX key_dhcp4_identifier_subnet_id
    ON hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id)
    WHERE dhcp4_subnet_id IS NOT NULL;
DROP INDEX key_dhcp6_identifier_subnet_id;
CREATE UNIQUE INDEX key_dhcp6_identifier_subnet_id
    ON hosts (dhcp_identifier, dhcp_identifier_type, dhcp6_subnet_id)
    WHERE dhcp6_subnet_id IS NOT NULL;

UPDATE schema_version SET version = 13, minor = 0;

    $step$;
END;
$upgrade$;

COMMIT;
