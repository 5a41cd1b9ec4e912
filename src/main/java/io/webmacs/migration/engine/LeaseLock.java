package io.webmacs.migration.engine;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The migration lock behind a connection pooler: one row in {@value #TABLE} names the runner that holds it and until
 * when. The holder renews it from a connection of its own while it migrates; a runner that was killed stops renewing,
 * so the next one takes the row over once it has expired, at most {@link #TTL} later.
 */
final class LeaseLock implements MigrationLock {

    static final String TABLE = "webmacs_migrate_lease";
    static final Duration TTL = Duration.ofSeconds(30);
    private static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE
            + " (id integer PRIMARY KEY CHECK (id = 1), holder text NOT NULL, expires_at timestamptz NOT NULL)";
    /** Takes a free or expired lease; returns a row only when it did. */
    private static final String TAKE = "INSERT INTO " + TABLE + " AS l VALUES (1, ?, now() + make_interval(secs => ?))"
            + " ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
            + " WHERE l.expires_at < now() RETURNING 1";
    private static final String RENEW = "UPDATE " + TABLE + " SET expires_at = now() + make_interval(secs => ?)"
            + " WHERE id = 1 AND holder = ?";
    private static final String HOLDER = "SELECT holder, ceil(EXTRACT(EPOCH FROM expires_at - now())) FROM " + TABLE;
    /** SQLSTATEs of two runners creating the table at the same moment. */
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String DUPLICATE_TABLE = "42P07";

    private final DatabaseTarget target;
    private final Connection connection;
    private final Consumer<String> progress;
    /** This runner, as the lease names it: pid@host, in a pod the pod's name. */
    private final String runner = "webmacs-migrate " + ManagementFactory.getRuntimeMXBean().getName();
    private ScheduledExecutorService heartbeat;
    private Connection renewing;

    LeaseLock(DatabaseTarget target, Connection connection, Consumer<String> progress) {
        this.target = target;
        this.connection = connection;
        this.progress = progress;
    }

    /** Makes the table and the renewing connection before it waits, so that a lease once taken is renewed at once. */
    @Override
    public void acquire(Duration timeout) throws SQLException {
        createTable();
        renewing = target.open();
        MigrationLock.super.acquire(timeout);
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "lease-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        long every = TTL.dividedBy(3).toMillis();
        heartbeat.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    private void createTable() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(CREATE);
            commit();
        } catch (SQLException e) {
            rollback();
            if (!UNIQUE_VIOLATION.equals(e.getSQLState()) && !DUPLICATE_TABLE.equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    /** Takes the lease if it is free or expired. */
    @Override
    public boolean tryAcquire() throws SQLException {
        try (PreparedStatement take = connection.prepareStatement(TAKE)) {
            take.setString(1, runner);
            take.setLong(2, TTL.toSeconds());
            try (ResultSet rs = take.executeQuery()) {
                boolean taken = rs.next();
                commit();
                return taken;
            }
        }
    }

    /** Who keeps the lease and until when; the holder string names no secret. */
    @Override
    public String holder() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(HOLDER)) {
            String who = rs.next() ? " (" + rs.getString(1) + ", lease expiring in " + rs.getLong(2) + "s)" : "";
            commit();
            return who;
        }
    }

    private void renew() {
        try (PreparedStatement renew = renewing.prepareStatement(RENEW)) {
            renew.setLong(1, TTL.toSeconds());
            renew.setString(2, runner);
            if (renew.executeUpdate() == 0) {
                progress.accept("warning: the migration lease expired before it was renewed; another runner may take it");
            }
        } catch (SQLException e) {
            progress.accept("warning: could not renew the migration lease: " + e.getMessage());
        }
    }

    private void commit() throws SQLException {
        if (!connection.getAutoCommit()) {
            connection.commit();
        }
    }

    private void rollback() throws SQLException {
        if (!connection.getAutoCommit()) {
            connection.rollback();
        }
    }

    /**
     * Gives the lease back at once, on the runner's own connection: behind a small pool a second connection could wait
     * for the server connection that the runner's last read still holds. If that fails, the lease expires within TTL.
     */
    @Override
    public void close() {
        if (heartbeat == null) {
            closeRenewing();
            return;
        }
        heartbeat.shutdownNow();
        try {
            heartbeat.awaitTermination(5, TimeUnit.SECONDS);
            closeRenewing();
            rollback();
            try (PreparedStatement release = connection.prepareStatement("DELETE FROM " + TABLE + " WHERE holder = ?")) {
                release.setString(1, runner);
                release.executeUpdate();
            }
            commit();
        } catch (SQLException e) {
            progress.accept("warning: could not release the migration lease; it expires within " + TTL.toSeconds() + "s: "
                    + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeRenewing() {
        try {
            if (renewing != null) {
                renewing.close();
            }
        } catch (SQLException ignored) {
            // the renewing session only; the server ends it either way
        }
    }
}
