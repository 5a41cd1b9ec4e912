package io.webmacs.migration.runner;

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

    private static final Map<String, Check> CHECKS = Map.of(
            "003_fk_ondelete", new Check(
                    "rolling back 003_fk_ondelete makes firmware_updates.user_public_id NOT NULL again, but these"
                            + " firmware_updates have no user",
                    "SELECT 'id=' || id || ' (version ' || version || ')' FROM firmware_updates"
                            + " WHERE user_public_id IS NULL ORDER BY id",
                    "assign them a user_public_id or delete them"));

    private DowngradeGuard() {
    }

    /** @throws MigrationException ({@link Failure#DOWNGRADE_UNSAFE}) when a revision in {@code rollingBack} cannot be rolled back */
    static void check(Connection connection, List<String> rollingBack) throws SQLException {
        List<String> problems = new ArrayList<>();
        for (String revision : rollingBack) {
            Check check = CHECKS.get(revision);
            if (check == null) {
                continue;
            }
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
