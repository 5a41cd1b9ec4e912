package io.webmacs.migration.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * How a WebMACS stand-in sends its queries: as SQLAlchemy on asyncpg does, one prepared statement with its parameters,
 * on a connection of its own. A query the schema cannot answer throws, as it fails in the application.
 */
final class AppSession {

    private AppSession() {
    }

    /** The {@code column} of the one row {@code sql} returns; a missing row is an IllegalStateException. */
    static <T> T one(TestDatabase db, String sql, String column, Class<T> type, Object... parameters) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement s = prepare(c, sql, parameters); ResultSet rs = s.executeQuery()) {
            if (!rs.next()) {
                throw new IllegalStateException("no row for " + sql);
            }
            return rs.getObject(column, type);
        }
    }

    /** Runs a write and returns how many rows it changed. */
    static int write(TestDatabase db, String sql, Object... parameters) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement s = prepare(c, sql, parameters)) {
            return s.execute() ? 1 : s.getUpdateCount();
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... parameters) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        for (int i = 0; i < parameters.length; i++) {
            s.setObject(i + 1, parameters[i]);
        }
        return s;
    }
}
