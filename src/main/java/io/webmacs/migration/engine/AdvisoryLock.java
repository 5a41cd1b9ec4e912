package io.webmacs.migration.engine;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

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
    public void acquire(Duration timeout) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (PreparedStatement tryLock = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            tryLock.setLong(1, KEY);
            while (true) {
                try (ResultSet rs = tryLock.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() >= deadline) {
                    throw MigrationLock.heldTooLong(timeout, "");
                }
                MigrationLock.pause();
            }
        }
    }

    /** The runner's connection closes right after; its end releases the lock. */
    @Override
    public void close() {
    }
}
