package io.webmacs.migration.engine;

import io.webmacs.migration.contract.ErrorMessages;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The migration lock behind a connection pooler: one row in {@value #TABLE} names the runner that holds it and until
 * when. The holder renews it from a connection of its own while it migrates; a runner that was killed stops renewing,
 * so the next one takes the row over once it has expired, at most {@link #TTL} later.
 *
 * <p>A lease that ran out is lost for good, even before another runner takes it: every check asks for an unexpired
 * lease of this runner, at the time of the check ({@code clock_timestamp()}), and none of them revives an expired one.
 * The lease fences what the runner commits: see {@link #beforeCommit()}.
 */
final class LeaseLock implements MigrationLock {

    static final String TABLE = "webmacs_migrate_lease";
    static final Duration TTL = Duration.ofSeconds(30);
    private static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE
            + " (id integer PRIMARY KEY CHECK (id = 1), holder text NOT NULL, expires_at timestamptz NOT NULL)";
    /**
     * Takes a free or expired lease; returns a row only when it did. ON CONFLICT DO UPDATE locks the row before it checks
     * the expiry, so it waits for a transaction that holds the row and then checks the row as that one left it.
     */
    private static final String TAKE = "INSERT INTO " + TABLE + " AS l VALUES (1, ?, now() + make_interval(secs => ?))"
            + " ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
            + " WHERE l.expires_at < now() RETURNING 1";
    /** Extends this runner's lease if it still holds it unexpired; updates no row otherwise. */
    private static final String EXTEND = "UPDATE " + TABLE + " SET expires_at = clock_timestamp() + make_interval(secs => ?)"
            + " WHERE id = 1 AND holder = ? AND expires_at > clock_timestamp()";
    private static final String HELD = "SELECT 1 FROM " + TABLE
            + " WHERE id = 1 AND holder = ? AND expires_at > clock_timestamp()";
    private static final String HOLDER = "SELECT holder, ceil(EXTRACT(EPOCH FROM expires_at - now())) FROM " + TABLE;
    /** SQLSTATEs of two runners creating the table at the same moment. */
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String DUPLICATE_TABLE = "42P07";

    private final DatabaseTarget target;
    private final Connection connection;
    private final Consumer<String> progress;
    private final Duration ttl;
    /**
     * This runner, as the lease names it: pid@host (in a pod the pod's name), and a random run id, so that two engines
     * in one process (tests run several) are told apart too.
     */
    private final String runner = "webmacs-migrate " + ManagementFactory.getRuntimeMXBean().getName() + " run "
            + UUID.randomUUID().toString().substring(0, 8);
    /** Runs the renewals once the lease is taken; null before, so read-only commands are never fenced. */
    private ScheduledExecutorService heartbeat;
    /** The renewals' own connection, opened again after an error; only the heartbeat uses it once the lease is taken. */
    private Connection renewing;
    /** A renewal found the lease run out: renewing cannot bring it back. */
    private volatile boolean lost;

    LeaseLock(DatabaseTarget target, Connection connection, Consumer<String> progress) {
        this(target, connection, progress, TTL);
    }

    /** With a lease of {@code ttl}, renewed every third of it: tests use a short one. */
    LeaseLock(DatabaseTarget target, Connection connection, Consumer<String> progress, Duration ttl) {
        this.target = target;
        this.connection = connection;
        this.progress = progress;
        this.ttl = ttl;
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
        long every = ttl.dividedBy(3).toMillis();
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
            take.setLong(2, ttl.toSeconds());
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

    /**
     * Before a change's statements: fails with LeaseLost unless this runner's lease is unexpired, so that a runner whose
     * lease ran out starts nothing it could not commit. It takes no lock (the commit is fenced, see
     * {@link #beforeCommit()}); for a changeset outside a transaction, which commits statement by statement, this check
     * before each change is all the fence there is.
     */
    @Override
    public void beforeStatements() throws SQLException {
        if (heartbeat == null) {
            return;
        }
        try (PreparedStatement held = connection.prepareStatement(HELD)) {
            held.setString(1, runner);
            try (ResultSet rs = held.executeQuery()) {
                if (!rs.next()) {
                    throw lost();
                }
            }
        }
    }

    /**
     * The fence, in every transaction the runner commits while it holds the lease (a changeset, Liquibase's history and
     * lock rows, alembic_version), just before the commit: it extends the lease in that same transaction, or, when this
     * runner no longer holds it unexpired, rolls the transaction back and fails with LeaseLost.
     *
     * <p>Extending locks the lease row until the commit, so a runner taking the lease over (TAKE) waits for the commit
     * and then finds the lease extended; if that runner took it first, no row of this runner is left to extend. The row is
     * locked only for that moment, not for a changeset's whole transaction: the renewal would otherwise wait behind a long
     * changeset (holding one of the pool's server connections) and the lease would run out meanwhile.
     *
     * <p>What stays open is Liquibase's order: it commits a changeset, then records it in databasechangelog in a second
     * transaction. The changeset's commit extends the lease by a whole TTL, so the record's commit, milliseconds later, is
     * refused only when the runner stalled for longer than the TTL in between; the changeset is then applied but not
     * recorded, as after a crash at that point, and the error says so.
     */
    @Override
    public void beforeCommit() throws SQLException {
        if (heartbeat == null) {
            return;
        }
        if (extend(connection) == 0) {
            throw lost();
        }
    }

    /** Rolls the runner's open transaction back, and says why the lease is gone. */
    private MigrationException lost() throws SQLException {
        rollback();
        String why;
        try (PreparedStatement s = connection.prepareStatement("SELECT holder, ceil(EXTRACT(EPOCH FROM clock_timestamp()"
                + " - expires_at)) FROM " + TABLE); ResultSet rs = s.executeQuery()) {
            why = !rs.next() ? "it was released"
                    : !runner.equals(rs.getString(1)) ? rs.getString(1) + " took it over after it expired"
                    : "it expired " + rs.getLong(2) + "s ago: it was not renewed for " + ttl.toSeconds() + "s (the renewing"
                            + " connection dropped, or the pool had no server connection free for it)";
        }
        rollback();
        return new MigrationException(Failure.LEASE_LOST, "This run lost the migration lease (" + runner + "): " + why
                + ". It stopped at once, rolling back its open transaction. Run it again; the operator retries by itself.");
    }

    /**
     * Extends the lease from the renewing connection. A failed renewal closes that connection and tries once more at
     * once on a new one, so that a dropped server connection costs no beat; failing that, the next beat tries again.
     */
    private void renew() {
        if (lost) {
            return;
        }
        try {
            renewOnce();
        } catch (SQLException | MigrationException first) {
            closeRenewing();
            try {
                renewOnce();
            } catch (SQLException | MigrationException e) {
                closeRenewing();
                progress.accept("warning: could not renew the migration lease: " + ErrorMessages.rootCause(e)
                        + "; trying again in " + ttl.dividedBy(3).toSeconds() + "s");
            }
        }
    }

    private void renewOnce() throws SQLException {
        if (renewing == null) {
            renewing = target.open();
        }
        if (extend(renewing) == 0) {
            lost = true;
            progress.accept("warning: the migration lease ran out before it was renewed; this run stops before its next"
                    + " commit, and another runner may take over");
        }
    }

    private int extend(Connection on) throws SQLException {
        try (PreparedStatement extend = on.prepareStatement(EXTEND)) {
            extend.setLong(1, ttl.toSeconds());
            extend.setString(2, runner);
            return extend.executeUpdate();
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
            progress.accept("warning: could not release the migration lease; it expires within " + ttl.toSeconds() + "s: "
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
        } finally {
            renewing = null;
        }
    }
}
