package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.postgresql.PGConnection;

/**
 * Lets one runner per database migrate at a time. A direct connection takes a session advisory lock; behind a connection
 * pooler, where a session lock stays on whichever server connection ran it, a lease row takes its place.
 */
sealed interface MigrationLock extends AutoCloseable permits AdvisoryLock, LeaseLock {

    Duration POLL = Duration.ofMillis(250);

    /** Waits up to {@code timeout} for the lock; fails with LockTimeout when another runner keeps it. */
    default void acquire(Duration timeout) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!tryAcquire()) {
            if (System.nanoTime() >= deadline) {
                throw new MigrationException(Failure.LOCK_TIMEOUT, "Another webmacs-migrate" + holder() + " held the migration"
                        + " lock on this database for longer than " + timeout.toSeconds() + "s; retry later or raise --lock-timeout.");
            }
            pause();
        }
    }

    /** One try: whether the lock is now this runner's. */
    boolean tryAcquire() throws SQLException;

    /** Who holds the lock, for the error when waiting for it gave up: {@code " (...)"}, or empty when it cannot tell. */
    String holder() throws SQLException;

    /**
     * Called on the runner's connection before each change's statements run (whether the DDL lock guard is on or off):
     * fails with LeaseLost when this runner no longer holds the lock it took. Does nothing before the lock is taken.
     */
    void beforeStatements() throws SQLException;

    /**
     * Called on the runner's connection in each transaction it commits while it holds the lock, just before the commit:
     * when this runner no longer holds the lock, rolls the transaction back and fails with LeaseLost, so that nothing
     * commits after another runner took over. Does nothing before the lock is taken.
     */
    void beforeCommit() throws SQLException;

    /** Lets the next runner in; a lock this runner never took is left alone. */
    @Override
    void close();

    /**
     * Whether {@code connection} goes through a pooler, which then needs a {@link LeaseLock}. PgBouncer and other poolers
     * answer the startup with a backend key of their own, so the pid the driver was told differs from the server's.
     * Whatever the pool mode, a pooled session may not be the server session.
     */
    static boolean behindPooler(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1) != connection.unwrap(PGConnection.class).getBackendPID();
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

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException(Failure.LOCK_TIMEOUT, "Interrupted while waiting for the migration lock.");
        }
    }
}
