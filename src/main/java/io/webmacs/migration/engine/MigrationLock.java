package io.webmacs.migration.engine;

import io.webmacs.migration.result.Failure;
import io.webmacs.migration.result.MigrationException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * A PostgreSQL session advisory lock: held by one runner per database at a time, and released by the server
 * when that runner's connection ends, so a runner killed mid-migration never blocks the next one.
 */
public final class MigrationLock {

    /** Arbitrary but fixed: every webmacs-migrate on a database contends for the same key. */
    public static final long KEY = 0x5745424d41435331L;
    private static final long POLL_MILLIS = 250;

    private MigrationLock() {
    }

    /** Waits up to {@code timeout} for the lock on {@code connection}'s session. */
    static void acquire(Connection connection, Duration timeout) throws SQLException {
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
                    throw new MigrationException(Failure.LOCK_TIMEOUT, "Another webmacs-migrate held the migration lock on"
                            + " this database for longer than " + timeout.toSeconds() + "s; retry later or raise --lock-timeout.");
                }
                sleep();
            }
        }
    }

    /** Whether Liquibase's own lock table is there (in the schema Liquibase uses, the first on the search path). */
    static boolean liquibaseLockTableExists(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT to_regclass('databasechangeloglock') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException(Failure.LOCK_TIMEOUT, "Interrupted while waiting for the migration lock.");
        }
    }
}
