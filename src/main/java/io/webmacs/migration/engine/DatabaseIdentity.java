package io.webmacs.migration.engine;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Which database a plan is for, as far as the runner can tell: the database and schema it migrates, and the PostgreSQL
 * cluster's system identifier where the login may read it, else the server's address and port. Part of the plan hash, so
 * that an approval cannot be carried to another database at the same revision.
 */
final class DatabaseIdentity {

    private DatabaseIdentity() {
    }

    /** For example {@code webmacs.public in cluster 7301234567890123456}, or {@code webmacs.public on 10.0.0.5:5432}. */
    static String of(Connection connection) throws SQLException {
        String database = query(connection, "SELECT current_database() || '.' || current_schema()");
        // pg_control_system() may be closed to ordinary logins; asking first keeps a refusal from aborting a transaction.
        String readable = query(connection, "SELECT has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')::text");
        if (Boolean.parseBoolean(readable)) {
            return database + " in cluster " + query(connection, "SELECT system_identifier FROM pg_catalog.pg_control_system()");
        }
        String server = query(connection, "SELECT coalesce(host(inet_server_addr()) || ':' || inet_server_port(), 'a local socket')");
        return database + " on " + server;
    }

    private static String query(Connection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
