package io.webmacs.migration.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** WebMACS databases as they exist in the field, with rows in every table, built without Liquibase history. */
public final class WebmacsFixtures {

    /** WebMACS's revisions in order, as its Alembic chain names them. */
    public static final List<String> WEBMACS_REVISIONS = List.of("000_baseline", "001_plugins",
            "002_plugin_packages", "003_fk_ondelete", "004_rbac_api_tokens", "005_oidc_sso");

    static final List<String> TABLES = List.of("users", "events", "experiments", "datapoints", "log_entries",
            "blacklist_tokens", "webhooks", "webhook_deliveries", "rules", "firmware_updates", "dashboards",
            "dashboard_widgets", "plugin_instances", "channel_mappings", "plugin_packages", "api_tokens");

    private WebmacsFixtures() {
    }

    /** Route A at {@code revision}: the baseline then Alembic up to it, as WebMACS's migrations leave it. */
    public static void routeA(TestDatabase db, String revision) {
        Cli.against(db).ok("upgrade", revision);
        forgetLiquibase(db);
    }

    /** A new database that webmacs-migrate brought to {@code revision}, with rows in every table (see insertRows). */
    public static TestDatabase migratedWithRows(String revision) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade", revision);
        insertRows(db, revision);
        return db;
    }

    /** Route B: what the app's create_all builds on an empty database (no alembic_version). */
    public static void routeB(TestDatabase db) {
        routeA(db, "005_oidc_sso");
        db.execute(resource("/fixtures/route-a-head-to-create-all.sql"));
    }

    /** Route B after someone ran {@code alembic stamp head}. */
    public static void routeBStamped(TestDatabase db) {
        routeB(db);
        db.execute("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL,"
                + " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));"
                + " INSERT INTO alembic_version VALUES ('005_oidc_sso')");
    }

    private static void forgetLiquibase(TestDatabase db) {
        db.execute("DROP TABLE databasechangelog; DROP TABLE databasechangeloglock");
    }

    /**
     * Fills every table the schema has at {@code revision}: three users (one admin), 2,000 datapoints, a firmware
     * update per user, and a row or more everywhere else.
     */
    public static void insertRows(TestDatabase db, String revision) {
        int at = WEBMACS_REVISIONS.indexOf(revision);
        boolean roles = at >= 4;
        db.execute((roles
                ? "INSERT INTO users (public_id, email, username, password_hash, role) VALUES"
                        + " ('u1', 'a@x', 'alice', 'h', 'admin'), ('u2', 'b@x', 'bob', 'h', 'operator'), ('u3', 'c@x', 'carol', 'h', 'viewer');"
                : "INSERT INTO users (public_id, email, username, password_hash, admin) VALUES"
                        + " ('u1', 'a@x', 'alice', 'h', true), ('u2', 'b@x', 'bob', 'h', false), ('u3', 'c@x', 'carol', 'h', false);")
                + """
                INSERT INTO events (public_id, name, min_value, max_value, unit, type, user_public_id) VALUES
                  ('e1', 'temperature', -20, 80, 'C', 'sensor', 'u1'), ('e2', 'valve', 0, 1, '', 'actuator', 'u2');
                INSERT INTO experiments (public_id, name, user_public_id) VALUES ('x1', 'run 1', 'u1');
                INSERT INTO datapoints (public_id, value, event_public_id, experiment_public_id)
                  SELECT 'd' || i, i * 0.5, CASE WHEN i % 2 = 0 THEN 'e1' ELSE 'e2' END, CASE WHEN i % 3 = 0 THEN 'x1' END
                  FROM generate_series(1, 2000) AS i;
                INSERT INTO log_entries (public_id, content, logging_type, status_type, user_public_id)
                  VALUES ('l1', 'started', 'info', 'unread', 'u1'), ('l2', 'too hot', 'warning', 'read', 'u2');
                INSERT INTO blacklist_tokens (token) VALUES ('revoked-jwt');
                INSERT INTO webhooks (public_id, url, events, enabled, user_public_id)
                  VALUES ('w1', 'https://hooks.example/1', '["sensor.reading"]', true, 'u1');
                INSERT INTO webhook_deliveries (public_id, webhook_id, event_type, payload, status, attempts)
                  SELECT 'wd' || i, (SELECT id FROM webhooks), 'sensor.reading', '{}', 'delivered', 1 FROM generate_series(1, 5) AS i;
                INSERT INTO rules (public_id, name, event_public_id, operator, threshold, action_type, enabled, cooldown_seconds, user_public_id)
                  VALUES ('r1', 'too hot', 'e1', 'gt', 70, 'log', true, 60, 'u1');
                INSERT INTO firmware_updates (public_id, version, status, user_public_id)
                  VALUES ('f1', '1.0.0', 'completed', 'u1'), ('f2', '1.1.0', 'pending', 'u2'), ('f3', '1.2.0', 'failed', 'u3');
                INSERT INTO dashboards (public_id, name, is_global, user_public_id) VALUES ('db1', 'Lab', true, 'u1');
                INSERT INTO dashboard_widgets (public_id, dashboard_id, widget_type, title, event_public_id, x, y, w, h)
                  VALUES ('dw1', (SELECT id FROM dashboards), 'line_chart', 'Temperature', 'e1', 0, 0, 4, 3);
                """);
        if (at >= 1) {
            db.execute("""
                    INSERT INTO plugin_instances (public_id, plugin_id, instance_name, demo_mode, enabled, status, user_public_id)
                      VALUES ('p1', 'revpi', 'Rack 1', false, true, 'connected', 'u1');
                    INSERT INTO channel_mappings (public_id, plugin_instance_id, channel_id, channel_name, direction, unit, event_public_id)
                      VALUES ('c1', (SELECT id FROM plugin_instances), 'ai0', 'Temperature', 'input', 'C', 'e1');
                    """);
        }
        if (at >= 2) {
            db.execute("INSERT INTO plugin_packages (public_id, package_name, version, source, plugin_ids)"
                    + " VALUES ('pp1', 'webmacs-revpi', '1.0.0', 'bundled', '[\"revpi\"]')");
        }
        if (at >= 4) {
            db.execute("INSERT INTO api_tokens (public_id, name, token_hash, user_id, created_at)"
                    + " VALUES ('t1', 'ci', repeat('a', 64), (SELECT id FROM users WHERE username = 'alice'), now())");
        }
        if (at >= 5) {
            db.execute("UPDATE users SET sso_provider = 'keycloak', sso_subject_id = 'sub-bob' WHERE username = 'bob'");
        }
    }

    /** Row count of every WebMACS table that exists. */
    public static Map<String, Long> rowCounts(TestDatabase db) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : TABLES) {
            if (!db.rows("SELECT to_regclass('public." + table + "')").get(0).isEmpty()) {
                counts.put(table, db.count(table));
            }
        }
        return counts;
    }

    static String resource(String name) {
        try (InputStream in = WebmacsFixtures.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
