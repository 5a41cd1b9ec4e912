package io.webmacs.migration.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/** A database on the embedded test server, at the address its clients reach it on, with the few queries tests need. */
public record TestDatabase(String host, int port, String name) {

    public static final String USER = "postgres";
    public static final String PASSWORD = "s3cr3t-Pa55";

    /** The database {@code name} on loopback. */
    public TestDatabase(int port, String name) {
        this("127.0.0.1", port, name);
    }

    /** The same database, reached at {@code address} (one of this machine's: the server listens on every one). */
    public TestDatabase at(String address) {
        return new TestDatabase(address, port, name);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + name;
    }

    /** The URL exactly as WebMACS writes it in DATABASE_URL. */
    public String sqlAlchemyUrl() {
        return "postgresql+asyncpg://" + USER + ":" + PASSWORD + "@" + host + ":" + port + "/" + name;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    public void execute(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Each row as its columns joined by '|', nulls as empty strings. */
    public List<String> rows(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    if (i > 1) {
                        row.append('|');
                    }
                    String value = rs.getString(i);
                    row.append(value == null ? "" : value);
                }
                rows.add(row.toString());
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /**
     * Waits until the webmacs-migrate that sleeps in a changeset ({@link Fixtures#INTERRUPTIBLE_CHANGELOG}) does; returns
     * the process id of its session.
     */
    public String awaitSleepingRunner() {
        String sleeping = "SELECT pid FROM pg_stat_activity WHERE application_name = 'webmacs-migrate' AND state = 'active'"
                + " AND query LIKE '%pg_sleep%'";
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !rows(sleeping).isEmpty());
        return rows(sleeping).get(0);
    }

    /** Terminates the session of the webmacs-migrate that sleeps in a changeset, once it does, as an administrator or a failover would. */
    public void terminateSleepingRunner() {
        execute("SELECT pg_terminate_backend(" + awaitSleepingRunner() + ")");
    }

    /** Whether the server still has the session {@code pid}. */
    public boolean hasSession(String pid) {
        return !rows("SELECT 1 FROM pg_stat_activity WHERE pid = " + Integer.parseInt(pid)).isEmpty();
    }

    public long count(String table) {
        return Long.parseLong(rows("SELECT count(*) FROM " + table).get(0));
    }
}
