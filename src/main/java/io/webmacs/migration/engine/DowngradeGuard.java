package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks, before a downgrade changes anything, that no rollback on the way would fail half-way; the message names
 * the rows that are in the way.
 */
final class DowngradeGuard {

    private static final int ROWS_NAMED = 10;

    /** A condition a revision's rollback needs: a query for the rows that break it, and what to do about them. */
    private record Check(String problem, String offendingRows, String remedy) {
    }

    /** What each revision's rollback needs; a database built by WebMACS's create_all (route B) lacks some of it. */
    private static final Map<String, List<Check>> CHECKS = Map.of(
            "005_oidc_sso", List.of(new Check(
                    "rolling back 005_oidc_sso drops an index that this database (built by create_all) does not have",
                    "SELECT 'ix_users_sso_lookup' WHERE to_regclass('public.ix_users_sso_lookup') IS NULL",
                    "downgrading a create_all-built database is not supported")),
            "003_fk_ondelete", List.of(
                    new Check("rolling back 003_fk_ondelete drops the fk_<table>_<column> foreign keys, but this database"
                            + " (built by create_all) names them differently",
                            """
                            SELECT c.relname || '.' || k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                            JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE n.nspname = 'public' AND k.contype = 'f' AND k.conname NOT LIKE 'fk\\_%'
                              AND c.relname IN ('events', 'experiments', 'datapoints', 'log_entries', 'webhooks',
                                'webhook_deliveries', 'rules', 'firmware_updates', 'dashboards', 'dashboard_widgets',
                                'plugin_instances', 'channel_mappings', 'plugin_packages')
                            ORDER BY 1""",
                            "downgrading a create_all-built database is not supported"),
                    new Check("rolling back 003_fk_ondelete makes firmware_updates.user_public_id NOT NULL again, but these"
                            + " firmware_updates have no user",
                            "SELECT 'id=' || id || ' (version ' || version || ')' FROM firmware_updates"
                                    + " WHERE user_public_id IS NULL ORDER BY id",
                            "assign them a user_public_id or delete them")));

    private DowngradeGuard() {
    }

    /** @throws MigrationException ({@link Failure#DOWNGRADE_UNSAFE}) when a revision in {@code rollingBack} cannot be rolled back */
    static void check(Connection connection, List<String> rollingBack) throws SQLException {
        List<String> problems = new ArrayList<>();
        for (Check check : rollingBack.stream().flatMap(r -> CHECKS.getOrDefault(r, List.of()).stream()).toList()) {
            List<String> rows = offendingRows(connection, check.offendingRows());
            if (!rows.isEmpty()) {
                String named = String.join(", ", rows.subList(0, Math.min(ROWS_NAMED, rows.size())))
                        + (rows.size() > ROWS_NAMED ? " and " + (rows.size() - ROWS_NAMED) + " more" : "");
                problems.add(check.problem() + ": " + named + "; " + check.remedy());
            }
        }
        if (!problems.isEmpty()) {
            throw new MigrationException(Failure.DOWNGRADE_UNSAFE,
                    "Downgrade refused, nothing was changed: " + String.join("; ", problems) + ".");
        }
    }

    private static List<String> offendingRows(Connection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows;
        }
    }
}
