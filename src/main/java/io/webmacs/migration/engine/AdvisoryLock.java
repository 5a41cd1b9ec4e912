package io.webmacs.migration.engine;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL session advisory lock: released by the server when the runner's session ends, so a runner killed
 * mid-migration never blocks the next one.
 */
public final class AdvisoryLock implements MigrationLock {

    /** Arbitrary but fixed: every webmacs-migrate on a database contends for the same key. */
    public static final long KEY = 0x5745424d41435331L;
    /** How often the server looks whether the runner is still there while a statement of its runs. */
    private static final String CLIENT_CHECK_INTERVAL = "1s";

    private final Connection connection;

    AdvisoryLock(Connection connection) throws SQLException {
        this.connection = connection;
        endSessionWithRunner();
    }

    /**
     * A runner that is killed (its pod deleted, say) closes its connection, but the server notices only when it next
     * talks to it: a statement that runs on (a long data migration, an index build) runs to its end for nobody, and
     * keeps the session, its table locks and the migration lock until then. From PostgreSQL 14 on, the server can look
     * while the statement runs ({@code client_connection_check_interval}): the statement is cancelled and the session
     * ends within a second, the changeset rolled back.
     */
    private void endSessionWithRunner() throws SQLException {
        if (connection.getMetaData().getDatabaseMajorVersion() >= 14) {
            try (Statement set = connection.createStatement()) {
                set.execute("SET client_connection_check_interval = '" + CLIENT_CHECK_INTERVAL + "'");
            }
        }
    }

    @Override
    public boolean tryAcquire() throws SQLException {
        try (PreparedStatement tryLock = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            tryLock.setLong(1, KEY);
            try (ResultSet rs = tryLock.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Nothing to check: the lock belongs to the very session that runs the changesets and commits them, for as long as
     * that session lives. A transaction on it can only commit while the lock is held; if the session ends, its open
     * transaction is rolled back and the lock released together. (A lease, by contrast, can run out under a live runner.)
     */
    @Override
    public void beforeStatements() {
    }

    /** Nothing to check, for the same reason as {@link #beforeStatements()}. */
    @Override
    public void beforeCommit() {
    }

    /** A session lock does not say whose it is. */
    @Override
    public String holder() {
        return "";
    }

    /** The runner's connection closes right after; its end releases the lock. */
    @Override
    public void close() {
    }
}
