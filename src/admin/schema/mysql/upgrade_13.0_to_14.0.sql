-- Nestor: upgrade a Kea MySQL / MariaDB schema from version 13.0 to 14.0.
--
-- Apply with the mysql/mariadb client (it uses DELIMITER), without --force:
--     mariadb -h HOST -u USER -p DB < upgrade_13.0_to_14.0.sql
--
-- MySQL commits every DDL statement on its own, so the step cannot be one transaction.
-- Instead the first statement refuses (SQLSTATE 45000) any database whose schema_version is
-- not 13.0, which stops the client before anything is changed; every later statement is
-- written so that re-running the step after an interruption completes it; the version row
-- is written last. The guard uses a MariaDB anonymous block (MariaDB 10.1 or later).
--
-- What 14.0 adds (the result equals a database made by create.sql):
--   * lease statistics move from stat_leaseX_* triggers to leaseX_{AINS,AUPD,ADEL} triggers
--     calling one procedure per statistic, plus per-client-class statistics tables;
--   * lease-limit functions checkLease4Limits / checkLease6Limits and isJsonSupported;
--   * user_context in dhcpX_client_class;
--   * deleting a shared network detaches its subnets in its BEFORE DELETE trigger instead of
--     through ON DELETE SET NULL.
-- As with Kea's own step, the new per-class counters start empty: 13.0 leases carry no
-- client-class list.

DELIMITER $$
BEGIN NOT ATOMIC
    DECLARE found VARCHAR(64);
    DECLARE msg TEXT;
    SET found = (SELECT CONCAT(version, '.', minor) FROM schema_version LIMIT 1);
    IF found IS NULL OR found <> '13.0' THEN
        SET msg = CONCAT('upgrade_13.0_to_14.0: schema version is ', IFNULL(found, 'unknown'),
                         ', not 13.0; nothing changed');
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
    END IF;
END $$
DELIMITER ;

-- ---- tables ---------------------------------------------------------------------------------

ALTER TABLE dhcp4_client_class ADD COLUMN IF NOT EXISTS user_context LONGTEXT NULL;
ALTER TABLE dhcp6_client_class ADD COLUMN IF NOT EXISTS user_context LONGTEXT NULL;

ALTER TABLE dhcp4_subnet DROP FOREIGN KEY IF EXISTS fk_dhcp4_subnet_shared_network;
ALTER TABLE dhcp4_subnet ADD CONSTRAINT fk_dhcp4_subnet_shared_network
    FOREIGN KEY (shared_network_name) REFERENCES dhcp4_shared_network (name)
    ON DELETE NO ACTION ON UPDATE NO ACTION;
ALTER TABLE dhcp6_subnet DROP FOREIGN KEY IF EXISTS fk_dhcp6_subnet_shared_network;
ALTER TABLE dhcp6_subnet ADD CONSTRAINT fk_dhcp6_subnet_shared_network
    FOREIGN KEY (shared_network_name) REFERENCES dhcp6_shared_network (name)
    ON DELETE NO ACTION ON UPDATE NO ACTION;

CREATE TABLE IF NOT EXISTS lease4_stat_by_client_class (
    client_class VARCHAR(128) NOT NULL PRIMARY KEY,
    leases BIGINT UNSIGNED NOT NULL
) ENGINE = InnoDB;

CREATE TABLE IF NOT EXISTS lease6_stat_by_client_class (
    client_class VARCHAR(128) NOT NULL,
    lease_type TINYINT NOT NULL,
    leases BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (client_class, lease_type),
    INDEX fk_lease6_stat_by_client_class_lease_type (lease_type),
    CONSTRAINT fk_lease6_stat_by_client_class_lease_type FOREIGN KEY (lease_type)
        REFERENCES lease6_types (lease_type)
) ENGINE = InnoDB;

-- ---- routines (the same definitions as in create.sql) ----------------------------------------

DROP PROCEDURE IF EXISTS lease4_AINS_lease4_stat;
DROP PROCEDURE IF EXISTS lease4_ADEL_lease4_stat;
DROP PROCEDURE IF EXISTS lease4_AUPD_lease4_stat;
DROP PROCEDURE IF EXISTS lease6_AINS_lease6_stat;
DROP PROCEDURE IF EXISTS lease6_ADEL_lease6_stat;
DROP PROCEDURE IF EXISTS lease6_AUPD_lease6_stat;
DROP PROCEDURE IF EXISTS lease4_AINS_lease4_stat_by_client_class;
DROP PROCEDURE IF EXISTS lease4_ADEL_lease4_stat_by_client_class;
DROP PROCEDURE IF EXISTS lease4_AUPD_lease4_stat_by_client_class;
DROP PROCEDURE IF EXISTS lease6_AINS_lease6_stat_by_client_class;
DROP PROCEDURE IF EXISTS lease6_ADEL_lease6_stat_by_client_class;
DROP PROCEDURE IF EXISTS lease6_AUPD_lease6_stat_by_client_class;
DROP FUNCTION IF EXISTS isJsonSupported;
DROP FUNCTION IF EXISTS checkLease4Limits;
DROP FUNCTION IF EXISTS checkLease6Limits;

DELIMITER $$

CREATE FUNCTION isJsonSupported() RETURNS BOOL DETERMINISTIC
BEGIN
    DECLARE probe TEXT;
    DECLARE CONTINUE HANDLER FOR SQLEXCEPTION RETURN FALSE;
    SET probe = JSON_EXTRACT('[1]', '$[0]');
    RETURN TRUE;
END $$

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

DELIMITER ;

-- ---- triggers -------------------------------------------------------------------------------

DROP TRIGGER IF EXISTS stat_lease4_insert;
DROP TRIGGER IF EXISTS stat_lease4_update;
DROP TRIGGER IF EXISTS stat_lease4_delete;
DROP TRIGGER IF EXISTS stat_lease6_insert;
DROP TRIGGER IF EXISTS stat_lease6_update;
DROP TRIGGER IF EXISTS stat_lease6_delete;
DROP TRIGGER IF EXISTS lease4_AINS;
DROP TRIGGER IF EXISTS lease4_AUPD;
DROP TRIGGER IF EXISTS lease4_ADEL;
DROP TRIGGER IF EXISTS lease6_AINS;
DROP TRIGGER IF EXISTS lease6_AUPD;
DROP TRIGGER IF EXISTS lease6_ADEL;
DROP TRIGGER IF EXISTS dhcp4_shared_network_BDEL;
DROP TRIGGER IF EXISTS dhcp6_shared_network_BDEL;

DELIMITER $$

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

CREATE TRIGGER dhcp4_shared_network_BDEL BEFORE DELETE ON dhcp4_shared_network FOR EACH ROW
BEGIN
    CALL createAuditEntryDHCP4('dhcp4_shared_network', OLD.id, 'delete');
    UPDATE dhcp4_subnet SET shared_network_name = NULL WHERE shared_network_name = OLD.name;
    DELETE FROM dhcp4_options WHERE shared_network_name = OLD.name;
END $$

CREATE TRIGGER dhcp6_shared_network_BDEL BEFORE DELETE ON dhcp6_shared_network FOR EACH ROW
BEGIN
    CALL createAuditEntryDHCP6('dhcp6_shared_network', OLD.id, 'delete');
    UPDATE dhcp6_subnet SET shared_network_name = NULL WHERE shared_network_name = OLD.name;
    DELETE FROM dhcp6_options WHERE shared_network_name = OLD.name;
END $$

DELIMITER ;

UPDATE schema_version SET version = 14, minor = 0;
