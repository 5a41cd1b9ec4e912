package io.webmacs.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The lease on a real PostgreSQL, with a 3 s lease renewed every second. */
class LeaseLockTest {

    private static final Duration TTL = Duration.ofSeconds(3);

    @Test
    void aRenewalWhoseConnectionWasKilledReopensItAndKeepsTheLease() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        DatabaseTarget target = DatabaseTarget.parse(db.jdbcUrl(), TestDatabase.USER, TestDatabase.PASSWORD);
        List<String> progress = new CopyOnWriteArrayList<>();
        try (Connection connection = target.open(); LeaseLock lease = new LeaseLock(target, connection, progress::add, TTL)) {
            connection.setAutoCommit(false);
            lease.acquire(TTL);
            int renewing = renewingSession(db, pid(connection));
            String holder = db.rows("SELECT holder FROM " + LeaseLock.TABLE).get(0);
            String renewedUntil = db.rows("SELECT expires_at FROM " + LeaseLock.TABLE).get(0);

            db.execute("SELECT pg_terminate_backend(" + renewing + ")");

            await().atMost(Duration.ofSeconds(20)).until(() -> !db.rows("SELECT 1 FROM " + LeaseLock.TABLE
                    + " WHERE expires_at > '" + renewedUntil + "'").isEmpty());
            assertThat(renewingSession(db, pid(connection))).as("a new renewing session").isNotEqualTo(renewing);
            assertThat(db.rows("SELECT holder, expires_at > now() FROM " + LeaseLock.TABLE)).containsExactly(holder + "|t");
        }
        assertThat(db.count(LeaseLock.TABLE)).as("given back at the end").isZero();
    }

    /** What a renewal stalled past the TTL leaves (a stall the PgBouncer test makes for real, over 30 s). */
    private static void runOut(TestDatabase db) {
        db.execute("UPDATE " + LeaseLock.TABLE + " SET expires_at = now() - interval '1 second'");
    }

    @Test
    void aCommitAfterAnotherRunnerTookTheLeaseOverIsRolledBackAndFailsLeaseLost() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        DatabaseTarget target = DatabaseTarget.parse(db.jdbcUrl(), TestDatabase.USER, TestDatabase.PASSWORD);
        try (Connection connection = target.open(); LeaseLock lease = new LeaseLock(target, connection, s -> { }, TTL);
                Connection other = target.open(); LeaseLock next = new LeaseLock(target, other, s -> { }, TTL)) {
            connection.setAutoCommit(false);
            other.setAutoCommit(false);
            lease.acquire(TTL);
            connection.createStatement().execute("CREATE TABLE migrated (id int)");
            runOut(db);
            next.acquire(TTL);

            assertThatThrownBy(lease::beforeCommit).isInstanceOfSatisfying(MigrationException.class,
                    e -> assertThat(e.failure()).isEqualTo(Failure.LEASE_LOST)).hasMessageContaining("took it over after it expired");
            connection.commit();
            assertThat(db.rows("SELECT to_regclass('migrated') IS NULL")).as("rolled back").containsExactly("t");
        }
    }

    @Test
    void aRunnerWhoseLeaseRanOutStartsNothingMoreEvenBeforeAnotherTakesIt() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        DatabaseTarget target = DatabaseTarget.parse(db.jdbcUrl(), TestDatabase.USER, TestDatabase.PASSWORD);
        try (Connection connection = target.open(); LeaseLock lease = new LeaseLock(target, connection, s -> { }, TTL)) {
            connection.setAutoCommit(false);
            lease.acquire(TTL);
            runOut(db);

            assertThatThrownBy(lease::beforeStatements).isInstanceOfSatisfying(MigrationException.class,
                    e -> assertThat(e.failure()).isEqualTo(Failure.LEASE_LOST)).hasMessageContaining("it expired");
            assertThatThrownBy(lease::beforeCommit).isInstanceOf(MigrationException.class);
        }
    }

    /** The one other session of this runner on the database: the lease's renewal. */
    private static int renewingSession(TestDatabase db, int migrating) {
        return Integer.parseInt(db.rows("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                + " AND application_name = 'webmacs-migrate' AND pid <> " + migrating).get(0));
    }

    private static int pid(Connection connection) throws SQLException {
        try (ResultSet rs = connection.createStatement().executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            int pid = rs.getInt(1);
            connection.commit();
            return pid;
        }
    }
}
