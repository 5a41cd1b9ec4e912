package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Blocker;
import io.webmacs.migration.contract.MigrationException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches, on a connection of its own, which sessions hold the locks the migrating session waits for
 * ({@code pg_blocking_pids}), and, only when asked to, terminates those that sit idle in a transaction for too long.
 * Active sessions are never terminated.
 */
final class BlockerWatch implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final String BLOCKERS = """
            SELECT a.pid, a.usename, a.application_name, host(a.client_addr), a.state,
                   COALESCE(EXTRACT(EPOCH FROM now() - a.xact_start), 0)::bigint, a.query, a.backend_start, a.xact_start
            FROM pg_stat_activity a
            WHERE a.pid = ANY (pg_blocking_pids(?))""";
    /**
     * Terminates a blocker only if, at this moment, it is still the same session (pid and backend start) in the same
     * transaction, still idle in it, idle for long enough, and still blocking the migrating session: a session that
     * turned active, or a pid that now belongs to someone else, is spared. Returns a row only when it terminated.
     */
    private static final String TERMINATE = """
            SELECT pg_terminate_backend(a.pid)
            FROM pg_stat_activity a
            WHERE a.pid = ? AND a.backend_start = ? AND a.xact_start = ? AND a.state = 'idle in transaction'
              AND a.state_change <= clock_timestamp() - make_interval(secs => ?)
              AND a.pid = ANY (pg_blocking_pids(?))""";
    private static final String IDLE_IN_TRANSACTION = "idle in transaction";

    /** One transaction of one server session: a pid alone can be a new session, or a pooled one serving someone else. */
    private record Transaction(int pid, OffsetDateTime backendStart, OffsetDateTime xactStart) {
        Session session() {
            return new Session(pid, backendStart);
        }
    }

    private record Session(int pid, OffsetDateTime backendStart) {
    }

    private final Connection connection;
    /**
     * The server session running the migration's open transaction, 0 between transactions: behind a pooler, the
     * server connection may serve an application then, and its waits are none of the watch's business.
     */
    private volatile int migratingPid;
    private final DdlLockGuard.Settings settings;
    private final Consumer<String> progress;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "blocker-watch");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<Session, Blocker> seen = new LinkedHashMap<>();
    /** When each blocking transaction was first seen blocking, for --cancel-blockers-after. */
    private final Map<Transaction, Long> blockingSince = new HashMap<>();

    private BlockerWatch(Connection connection, DdlLockGuard.Settings settings, Consumer<String> progress) {
        this.connection = connection;
        this.settings = settings;
        this.progress = progress;
    }

    /** Starts watching; without a second connection (max_connections reached, say) the migration goes on unwatched. */
    static BlockerWatch start(DatabaseTarget target, DdlLockGuard.Settings settings, Consumer<String> progress) {
        Connection connection;
        try {
            connection = target.open();
        } catch (MigrationException e) {
            progress.accept("warning: cannot watch for sessions that block the migration: " + e.getMessage());
            connection = null;
        }
        BlockerWatch watch = new BlockerWatch(connection, settings, progress);
        if (connection != null) {
            watch.poller.scheduleWithFixedDelay(watch::poll, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
        }
        return watch;
    }

    /** Watches {@code pid} from now on: the server session that runs the migration's open transaction. */
    void follow(int pid) {
        migratingPid = pid;
    }

    /** The migration's transaction ended: its server session is not followed until the next one begins. */
    void unfollow() {
        migratingPid = 0;
    }

    /** The sessions seen blocking so far, as last seen. */
    synchronized List<Blocker> seen() {
        return new ArrayList<>(seen.values());
    }

    private void poll() {
        int migrating = migratingPid;
        if (migrating == 0) {
            return;
        }
        try (PreparedStatement query = connection.prepareStatement(BLOCKERS)) {
            query.setInt(1, migrating);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    Blocker blocker = new Blocker(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getLong(6), settings.showQueries() ? rs.getString(7) : null, false);
                    Transaction transaction = new Transaction(blocker.pid(), rs.getObject(8, OffsetDateTime.class),
                            rs.getObject(9, OffsetDateTime.class));
                    record(transaction.session(), alreadyTerminated(transaction.session()) ? blocker.asTerminated()
                            : maybeTerminate(blocker, transaction, migrating));
                }
            }
        } catch (SQLException e) {
            progress.accept("warning: could not look up the sessions blocking the migration: " + e.getMessage());
        }
    }

    private synchronized void record(Session session, Blocker blocker) {
        seen.put(session, blocker);
    }

    /** Terminated by this watch: a session can still show for a moment while it ends. */
    private synchronized boolean alreadyTerminated(Session session) {
        return seen.containsKey(session) && seen.get(session).terminated();
    }

    private Blocker maybeTerminate(Blocker blocker, Transaction transaction, int migrating) throws SQLException {
        long now = System.nanoTime();
        long since = blockingSince.computeIfAbsent(transaction, t -> now);
        Duration after = settings.cancelBlockersAfter();
        if (after == null || transaction.xactStart() == null || !IDLE_IN_TRANSACTION.equals(blocker.state())
                || Duration.ofNanos(now - since).compareTo(after) < 0) {
            return blocker;
        }
        try (PreparedStatement terminate = connection.prepareStatement(TERMINATE)) {
            terminate.setInt(1, transaction.pid());
            terminate.setObject(2, transaction.backendStart());
            terminate.setObject(3, transaction.xactStart());
            terminate.setDouble(4, after.toMillis() / 1000.0);
            terminate.setInt(5, migrating);
            try (ResultSet rs = terminate.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return blocker;
                }
            }
        }
        Blocker terminated = blocker.asTerminated();
        progress.accept("terminated " + terminated.describe() + ": idle in a transaction that blocked the migration for more than "
                + after.toSeconds() + "s (--cancel-blockers-after)");
        return terminated;
    }

    @Override
    public void close() {
        poller.shutdownNow();
        try {
            poller.awaitTermination(5, TimeUnit.SECONDS);
            if (connection != null) {
                connection.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException ignored) {
            // the watch's own session; the server ends it either way
        }
    }
}
