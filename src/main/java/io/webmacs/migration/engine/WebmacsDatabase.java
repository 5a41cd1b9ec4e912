package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Facts about WebMACS itself: its revisions, how to recognise a WebMACS database that Liquibase has never seen
 * (route A: baseline + Alembic; route B: the app's {@code create_all}; route B stamped), and its
 * {@code alembic_version} table, which is kept in step so WebMACS's own {@code alembic current} agrees.
 */
public final class WebmacsDatabase {

    static final String BASELINE = "000_baseline";
    /** Alembic's revisions, oldest first; the baseline predates Alembic. */
    static final List<String> ALEMBIC_REVISIONS =
            List.of("001_plugins", "002_plugin_packages", "003_fk_ondelete", "004_rbac_api_tokens", "005_oidc_sso");
    private static final List<String> BASELINE_TABLES = List.of("blacklist_tokens", "dashboard_widgets", "dashboards",
            "datapoints", "events", "experiments", "firmware_updates", "log_entries", "rules", "users",
            "webhook_deliveries", "webhooks");

    /** A WebMACS database found without Liquibase history. */
    public record Detected(String route, String revision) {
    }

    private final Connection connection;

    WebmacsDatabase(Connection connection) {
        this.connection = connection;
    }

    /**
     * Recognises an existing WebMACS schema by its shape, at a built-in revision, or at a revision of {@code changelog}'s
     * extension that alembic_version names on top of the complete built-in schema; empty when the database has no
     * WebMACS tables.
     *
     * @throws MigrationException when the schema is partly WebMACS or contradicts its alembic_version
     */
    Optional<Detected> detect(Changelog changelog) throws SQLException {
        Set<String> tables = tables();
        List<String> missing = BASELINE_TABLES.stream().filter(t -> !tables.contains(t)).toList();
        if (missing.size() == BASELINE_TABLES.size()) {
            return Optional.empty();
        }
        if (!missing.isEmpty()) {
            throw unrecognised("it has some WebMACS tables but not " + String.join(", ", missing));
        }
        // Each Alembic revision leaves a mark the earlier ones lack; a real database has the first N of them.
        Set<String> userColumns = columns("users");
        Map<String, Boolean> marks = new LinkedHashMap<>();
        marks.put("plugin_instances", tables.contains("plugin_instances"));
        marks.put("plugin_packages", tables.contains("plugin_packages"));
        marks.put("ON DELETE foreign keys", eventsUserForeignKeyCascades());
        marks.put("users.role", userColumns.contains("role"));
        marks.put("users.sso_provider", userColumns.contains("sso_provider"));
        List<Boolean> present = List.copyOf(marks.values());
        int reached = present.contains(false) ? present.indexOf(false) : present.size();
        if (present.subList(reached, present.size()).contains(true)) {
            throw unrecognised("its tables mix WebMACS revisions (it has " + String.join(", ",
                    marks.keySet().stream().filter(marks::get).toList()) + ")");
        }
        String revision = reached == 0 ? BASELINE : ALEMBIC_REVISIONS.get(reached - 1);
        Optional<String> alembic = alembicVersion();
        if (alembic.isEmpty()) {
            return Optional.of(new Detected("route-b", revision));
        }
        boolean createAllNames = reached >= 3 && foreignKeyNames().contains(CreateAllShape.MARK_FOREIGN_KEY);
        if (createAllNames) {
            return Optional.of(new Detected("route-b-stamped", revision));
        }
        // WebMACS's own Alembic moved it to a revision of the extension (imported with revision --from-alembic): the
        // built-in part must be complete; the extension's own tables are Alembic's word (check --dev-url verifies them).
        if (changelog.extensionRevisions().contains(alembic.get())) {
            if (reached < ALEMBIC_REVISIONS.size()) {
                throw unrecognised("alembic_version says '" + alembic.get() + "', a revision of the changelog extension, but"
                        + " the tables are those of " + revision);
            }
            return Optional.of(new Detected("route-a", alembic.get()));
        }
        if (!alembic.get().equals(revision) && !(alembic.get().isEmpty() && revision.equals(BASELINE))) {
            throw unrecognised("alembic_version says '" + alembic.get() + "' but the tables are those of " + revision);
        }
        return Optional.of(new Detected("route-a", revision));
    }

    /**
     * Makes alembic_version say {@code revision} of {@code changelog}: a WebMACS revision, or one its extension added;
     * for base and the baseline (older than Alembic) it holds no row. Tags of other changelogs leave it alone.
     */
    void recordAlembicVersion(Changelog changelog, String revision) throws SQLException {
        Optional<String> recorded = alembicVersion();
        try (Statement s = connection.createStatement()) {
            if (ALEMBIC_REVISIONS.contains(revision) || changelog.extensionRevisions().contains(revision)) {
                if (recorded.equals(Optional.of(revision))) {
                    return;
                }
                if (recorded.isEmpty()) {
                    s.execute("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL,"
                            + " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))");
                }
                s.execute("DELETE FROM alembic_version");
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO alembic_version VALUES (?)")) {
                    insert.setString(1, revision);
                    insert.executeUpdate();
                }
            } else if ((revision.equals(BASELINE) || revision.equals(Changelog.BASE))
                    && recorded.filter(v -> !v.isEmpty()).isPresent()) {
                s.execute("DELETE FROM alembic_version");
            }
        }
    }

    /** The row of alembic_version: empty when the table is missing, "" when it has no row. */
    private Optional<String> alembicVersion() throws SQLException {
        if (!tables().contains("alembic_version")) {
            return Optional.empty();
        }
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT version_num FROM alembic_version")) {
            return Optional.of(rs.next() ? rs.getString(1) : "");
        }
    }

    private boolean eventsUserForeignKeyCascades() throws SQLException {
        return exists("""
                SELECT 1 FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
                WHERE n.nspname = 'public' AND c.relname = 'events' AND k.contype = 'f'
                  AND a.attname = 'user_public_id' AND k.confdeltype = 'c'""");
    }

    private Set<String> foreignKeyNames() throws SQLException {
        return strings("""
                SELECT k.conname FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
                WHERE n.nspname = 'public' AND k.contype = 'f'""");
    }

    private Set<String> tables() throws SQLException {
        return strings("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    }

    private Set<String> columns(String table) throws SQLException {
        return strings("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '"
                + table + "'");
    }

    private boolean exists(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next();
        }
    }

    private Set<String> strings(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            Set<String> values = new HashSet<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        }
    }

    private static MigrationException unrecognised(String why) {
        return new MigrationException(Failure.UNRECOGNISED_SCHEMA, "This database is not a WebMACS schema that can be"
                + " adopted safely: " + why + ". Nothing was changed; repair the schema or stamp the right revision.");
    }
}
