package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Blocker;
import io.webmacs.migration.contract.ErrorMessages;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import liquibase.changelog.ChangeSet;

/**
 * Keeps a migration from stalling the application's own queries. A statement that waits for a table lock makes every
 * later query on that table queue behind it; so each changeset's transaction runs under a short lock_timeout. A
 * changeset whose lock is not granted in time fails and is rolled back whole; it is tried again after a jittered pause,
 * with timeouts growing up to the configured one, until the budget is spent. A changeset outside a transaction cannot
 * be rolled back whole, so it is not tried again, unless it is made only of statements that can run again
 * ({@link OnlineChangesets}: CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT), whose invalid indexes it drops before each
 * try and after a failure. Meanwhile a {@link BlockerWatch} names the sessions in the way.
 */
public final class DdlLockGuard {

    /**
     * @param lockTimeout the longest an application query may queue behind a migration statement; zero turns the guard off
     * @param budget how long to keep trying before giving up with LockNotAvailable
     * @param cancelBlockersAfter terminate sessions idle in a transaction that blocked the migration this long; null: never
     * @param showQueries report the blockers' query text (it may hold data)
     */
    public record Settings(Duration lockTimeout, Duration budget, Duration cancelBlockersAfter, boolean showQueries) {
    }

    /** SQLSTATE lock_not_available: lock_timeout expired. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";
    private static final Duration MAX_PAUSE = Duration.ofSeconds(10);
    /** How many blocking sessions a message names. */
    private static final int NAMED_BLOCKERS = 3;

    private final DatabaseTarget target;
    private final Connection connection;
    private final boolean pooled;
    private final Settings settings;
    private final Consumer<String> progress;
    /** What the watch of the last guarded run saw; it keeps each blocker as last seen. */
    private List<Blocker> blockers = List.of();
    /** While a guarded run goes on: this attempt's lock timeout, and the watch that follows the migrating session. */
    private Duration attemptTimeout;
    private BlockerWatch watch;
    /** The changeset whose transaction has this attempt's timeout already; its later changes need not set it again. */
    private ChangeSet timed;
    /** The changeset whose statements run now, or ran last. */
    private ChangeSet running;
    /** A changeset outside a transaction set the timeout for the whole session; it is reset when the run ends. */
    private boolean sessionTimeoutSet;
    /** While a guarded run goes on: the changesets outside a transaction it may run again; null for none. */
    private OnlineChangesets online;

    DdlLockGuard(DatabaseTarget target, Connection connection, boolean pooled, Settings settings, Consumer<String> progress) {
        this.target = target;
        this.connection = connection;
        this.pooled = pooled;
        this.settings = settings;
        this.progress = progress;
    }

    /** Every session that blocked a guarded statement so far, as last seen. */
    List<Blocker> blockers() {
        return List.copyOf(blockers);
    }

    /**
     * Runs {@code changesets} (which return their failure rather than throw it) under the guard; the failure is
     * LockNotAvailable when the budget ran out. {@code repeatable} are the changesets outside a transaction that may
     * run again (none when null: a downgrade's rollbacks are not).
     */
    MigrationException run(Supplier<MigrationException> changesets, OnlineChangesets repeatable) throws SQLException {
        if (settings.lockTimeout().isZero()) {
            return changesets.get();
        }
        long started = System.nanoTime();
        try (BlockerWatch watching = BlockerWatch.start(target, settings, progress)) {
            watch = watching;
            online = repeatable;
            for (int attempt = 1; ; attempt++) {
                attemptTimeout = timeout(attempt);
                timed = null;
                MigrationException failure = changesets.get();
                blockers = watching.seen();
                boolean repeats = failure != null && ranOutsideATransaction(failure) && repeatable(running);
                if (repeats) {
                    dropInvalidIndexesOrWarn(running);
                }
                if (failure == null || !waitedForALock(failure)) {
                    return failure;
                }
                if (ranOutsideATransaction(failure) && !repeats) {
                    return notRetried(failure);
                }
                Duration pause = pause(attempt);
                Duration spent = Duration.ofNanos(System.nanoTime() - started);
                if (spent.plus(pause).compareTo(settings.budget()) > 0) {
                    return budgetSpent(failure, spent);
                }
                progress.accept("waiting for a lock: " + failure.changeset() + " timed out after " + attemptTimeout.toMillis()
                        + " ms; blocked by " + describe(blockers) + "; trying again in " + pause.toMillis() + " ms");
                sleep(pause);
            }
        } finally {
            attemptTimeout = null;
            watch = null;
            timed = null;
            running = null;
            online = null;
            resetSessionTimeout();
        }
    }

    private boolean repeatable(ChangeSet changeSet) {
        return online != null && online.safeToRepeat(changeSet);
    }

    /**
     * After a failure: the next try, or the next run, drops what is left too, so one that waits for a lock again only
     * leaves the index for later.
     */
    private void dropInvalidIndexesOrWarn(ChangeSet changeSet) {
        try {
            reportDropped(changeSet, online.dropInvalidIndexes(changeSet));
        } catch (SQLException e) {
            progress.accept("warning: the invalid index that " + changeSet.toString(false) + " left behind stays until it runs again,"
                    + " which drops it first: " + ErrorMessages.oneLine(String.valueOf(e.getMessage())));
        }
    }

    private void reportDropped(ChangeSet changeSet, List<String> dropped) {
        dropped.forEach(index -> progress.accept("dropped the invalid index " + index + " that a failed CREATE INDEX CONCURRENTLY of "
                + changeSet.toString(false) + " left behind; it is built again"));
    }

    /**
     * Called by Liquibase just before a change's statements run (and before a changeset is rolled back), in the
     * transaction that runs them: the timeout is set for that transaction only, so behind a pooler it never outlives it
     * on a server connection that an application gets next. Outside a guarded run it does nothing.
     */
    void beforeStatements(ChangeSet changeSet) {
        if (attemptTimeout == null) {
            return;
        }
        running = changeSet;
        if (changeSet == timed) {
            return;
        }
        try {
            boolean inTransaction = !connection.getAutoCommit();
            if (!inTransaction && pooled) {
                progress.accept("warning: " + changeSet.toString(false) + " runs outside a transaction: behind a connection"
                        + " pooler it is not guarded");
                timed = changeSet;
                return;
            }
            try (PreparedStatement set = connection.prepareStatement("SELECT set_config('lock_timeout', ?, ?), pg_backend_pid()")) {
                set.setString(1, attemptTimeout.toMillis() + "ms");
                set.setBoolean(2, inTransaction);
                try (ResultSet rs = set.executeQuery()) {
                    rs.next();
                    watch.follow(rs.getInt(2));
                }
            }
            sessionTimeoutSet |= !inTransaction;
            timed = changeSet;
            if (!inTransaction && repeatable(changeSet)) {
                reportDropped(changeSet, online.dropInvalidIndexes(changeSet));
            }
        } catch (SQLException e) {
            throw ServerErrors.failure(e, "Could not set lock_timeout or drop an invalid index", Failure.CHANGESET_FAILED);
        }
    }

    /**
     * Called when a transaction of the migrating session ends (committed or rolled back): behind a pooler its server
     * session may serve an application until the next changeset's transaction, so the watch stops following it.
     */
    void transactionEnded() {
        BlockerWatch following = watch;
        if (following != null) {
            following.unfollow();
        }
    }

    /** A quarter of the configured timeout first, then half, then the whole: short waits while the table may be free. */
    private Duration timeout(int attempt) {
        return settings.lockTimeout().dividedBy(1L << Math.max(0, 3 - attempt));
    }

    /** Growing pauses with jitter, so that runners on several databases do not retry in step. */
    private static Duration pause(int attempt) {
        long base = Math.min(MAX_PAUSE.toMillis(), 250L << Math.min(attempt - 1, 6));
        return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base));
    }

    private MigrationException budgetSpent(MigrationException failure, Duration spent) {
        return new MigrationException(Failure.LOCK_NOT_AVAILABLE, "Changeset " + failure.changeset() + " could not get its"
                + " table lock within the DDL lock budget (" + spent.toSeconds() + "s, lock timeout "
                + settings.lockTimeout().toMillis() + " ms); it was rolled back and earlier changesets stay applied. Blocked by "
                + describe(blockers) + ". End those transactions, or run again later.", failure.changeset(), failure);
    }

    /** Whether the failed changeset was the one running, outside a transaction, where each statement commits as it goes. */
    private boolean ranOutsideATransaction(MigrationException failure) {
        return running != null && !running.isRunInTransaction() && running.toString(false).equals(failure.changeset());
    }

    /** Running it again would repeat the statements that committed before the one that waited. */
    private MigrationException notRetried(MigrationException failure) {
        return new MigrationException(Failure.CHANGESET_FAILED, "Changeset " + failure.changeset() + " runs outside a"
                + " transaction (runInTransaction: false) and waited longer than the lock timeout (" + attemptTimeout.toMillis()
                + " ms) for a table lock held by " + describe(blockers) + ": " + LiquibaseCommands.failedStatement(failure)
                + ". Its statements before that one stay committed, so it is not retried: running it again would repeat"
                + " them. Earlier changesets stay applied. Check which of its statements took effect and undo or complete"
                + " them, then run again.", failure.changeset(), failure);
    }

    private static boolean waitedForALock(MigrationException failure) {
        SQLException sql = ErrorMessages.sqlException(failure);
        return failure.failure() == Failure.CHANGESET_FAILED && sql != null && LOCK_NOT_AVAILABLE.equals(sql.getSQLState());
    }

    /** The first few blockers, one line each, and how many more: a busy database can have dozens. */
    private static String describe(List<Blocker> blockers) {
        if (blockers.isEmpty()) {
            return "sessions that ended before they could be named";
        }
        String named = String.join(", ", blockers.stream().limit(NAMED_BLOCKERS).map(Blocker::describe).toList());
        return blockers.size() > NAMED_BLOCKERS ? named + " and " + (blockers.size() - NAMED_BLOCKERS) + " more" : named;
    }

    /** Back to the server's default for what follows (history reads); on a connection that is gone there is nothing to reset. */
    private void resetSessionTimeout() {
        if (!sessionTimeoutSet) {
            return;
        }
        try (Statement s = connection.createStatement()) {
            s.execute("RESET lock_timeout");
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
            sessionTimeoutSet = false;
        } catch (SQLException e) {
            progress.accept("warning: could not reset lock_timeout: " + e.getMessage());
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException(Failure.LOCK_NOT_AVAILABLE, "Interrupted while waiting to retry a changeset.");
        }
    }
}
