package io.webmacs.migration.engine;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A PostgreSQL session advisory lock: released by the server when the runner's connection ends, so a runner killed
 * mid-migration never blocks the next one.
 */
public final class AdvisoryLock implements MigrationLock {

    /** Arbitrary but fixed: every webmacs-migrate on a database contends for the same key. */
    public static final long KEY = 0x5745424d41435331L;

    private final Connection connection;

    AdvisoryLock(Connection connection) {
        this.connection = connection;
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
