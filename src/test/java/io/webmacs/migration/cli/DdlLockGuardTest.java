package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DDL lock guard on a real PostgreSQL: a WebMACS database at 003, whose next changeset (004) alters {@code users},
 * while another session holds a lock on {@code users} in an open transaction and the application keeps querying it.
 */
class DdlLockGuardTest {

    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(1);
    /** Scheduling and the query itself, on a loaded 2-core machine. */
    private static final Duration MARGIN = Duration.ofMillis(700);
    private static final Duration READER_HOLDS = Duration.ofSeconds(4);

    @TempDir
    Path dir;

    @Test
    void applicationQueriesWaitNoLongerThanTheLockTimeoutAndTheMigrationEndsOnceTheReaderCommits() throws Exception {
        TestDatabase db = databaseAt003();
        Map<String, Long> rows = WebmacsFixtures.rowCounts(db);
        try (Connection reader = holdingUsers(db, "webmacs-report"); ApplicationLoop app = ApplicationLoop.start(db)) {
            Cli.Running upgrade = Cli.against(db).start("--output", "json", "--ddl-lock-timeout", "1", "--ddl-lock-budget", "60",
                    "upgrade");
            Thread.sleep(READER_HOLDS.toMillis());
            reader.commit();
            Cli.Run run = upgrade.finished().get(60, TimeUnit.SECONDS);

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().get("revision").asText()).isEqualTo("005_oidc_sso");
            assertThat(app.worst()).as("the application's worst query").isLessThan(LOCK_TIMEOUT.plus(MARGIN));
            JsonNode blocker = run.json().get("blockedBy").get(0);
            assertThat(blocker.get("pid").asInt()).isEqualTo(pid(reader));
            assertThat(blocker.get("applicationName").asText()).isEqualTo("webmacs-report");
            assertThat(blocker.get("state").asText()).isEqualTo("idle in transaction");
            assertThat(blocker.has("query")).as("no query text without --verbose").isFalse();
            assertThat(run.err()).contains("waiting for a lock", "blocked by pid " + pid(reader));
            System.out.printf("DDL lock guard on (1 s): worst application query %d ms while a reader held users for %d s%n",
                    app.worst().toMillis(), READER_HOLDS.toSeconds());
        }
        assertThat(WebmacsFixtures.rowCounts(db)).containsAllEntriesOf(rows);
    }

    /** What the guard prevents: the same scenario with it turned off stalls the application for as long as the reader holds on. */
    @Test
    void withoutTheGuardTheApplicationQueuesBehindTheMigration() throws Exception {
        TestDatabase db = databaseAt003();
        try (Connection reader = holdingUsers(db, "webmacs-report"); ApplicationLoop app = ApplicationLoop.start(db)) {
            Cli.Running upgrade = Cli.against(db).start("--ddl-lock-timeout", "0", "upgrade");
            Thread.sleep(READER_HOLDS.toMillis());
            reader.commit();
            assertThat(upgrade.finished().get(60, TimeUnit.SECONDS).exitCode()).isZero();

            assertThat(app.worst()).isGreaterThan(READER_HOLDS.minusSeconds(2));
            System.out.printf("DDL lock guard off: worst application query %d ms while a reader held users for %d s%n",
                    app.worst().toMillis(), READER_HOLDS.toSeconds());
        }
    }

    @Test
    void whenTheBudgetIsSpentTheRunEndsWithLockNotAvailableAtTheLastCompletedRevision() throws Exception {
        TestDatabase db = databaseAt003();
        Map<String, Long> rows = WebmacsFixtures.rowCounts(db);
        try (Connection reader = holdingUsers(db, "webmacs-report")) {
            Cli.Run run = Cli.against(db).run("--output", "json", "--ddl-lock-timeout", "1", "--ddl-lock-budget", "4", "upgrade");

            assertThat(run.exitCode()).isEqualTo(5);
            assertThat(run.json().get("error").get("code").asText()).isEqualTo("LockNotAvailable");
            assertThat(run.json().get("revision").asText()).isEqualTo("003_fk_ondelete");
            assertThat(run.json().get("blockedBy").get(0).get("pid").asInt()).isEqualTo(pid(reader));
            assertThat(run.errLines()).last().asString().startsWith("error: Changeset ").contains("DDL lock budget",
                    "pid " + pid(reader), "webmacs-report");
        }
        assertThat(WebmacsFixtures.rowCounts(db)).isEqualTo(rows);
        assertThat(Cli.against(db).ok("current").out()).contains("003_fk_ondelete");
    }

    @Test
    void aDowngradeIsGuardedToo() throws Exception {
        TestDatabase db = databaseAt003();
        Cli.against(db).ok("upgrade");
        try (Connection reader = holdingUsers(db, "webmacs-report")) {
            Cli.Run run = Cli.against(db).run("--output", "json", "--ddl-lock-timeout", "1", "--ddl-lock-budget", "3",
                    "downgrade", "003_fk_ondelete");

            assertThat(run.exitCode()).as(run.err()).isEqualTo(5);
            assertThat(run.json().at("/blockedBy/0/pid").asInt()).isEqualTo(pid(reader));
        }
        assertThat(Cli.against(db).ok("current").out()).contains("004_rbac_api_tokens");
    }

    @Test
    void withTheOptInAnIdleInTransactionBlockerIsTerminatedAndTheMigrationCompletes() throws Exception {
        TestDatabase db = databaseAt003();
        try (Connection reader = holdingUsers(db, "forgotten-console")) {
            Cli.Run run = Cli.against(db).run("--output", "json", "--ddl-lock-timeout", "1", "--ddl-lock-budget", "60",
                    "--cancel-blockers-after", "2", "upgrade");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().get("revision").asText()).isEqualTo("005_oidc_sso");
            JsonNode blocker = run.json().get("blockedBy").get(0);
            assertThat(blocker.get("applicationName").asText()).isEqualTo("forgotten-console");
            assertThat(blocker.get("terminated").asBoolean()).isTrue();
            assertThat(run.err()).contains("terminated pid " + blocker.get("pid").asInt());
            assertThatThrownBy(() -> reader.createStatement().execute("SELECT 1")).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void anActiveBlockerIsNeverTerminated() throws Exception {
        TestDatabase db = databaseAt003();
        try (Connection busy = db.connect()) {
            busy.createStatement().execute("SET application_name = 'nightly-report'");
            CompletableFuture<Boolean> report = CompletableFuture.supplyAsync(() -> {
                try (Statement s = busy.createStatement()) {
                    return s.execute("SELECT pg_sleep(8) FROM users LIMIT 1");
                } catch (SQLException e) {
                    return false;
                }
            });
            Thread.sleep(500);
            Cli.Run run = Cli.against(db).run("--output", "json", "--ddl-lock-timeout", "1", "--ddl-lock-budget", "4",
                    "--cancel-blockers-after", "1", "upgrade");

            assertThat(run.exitCode()).isEqualTo(5);
            JsonNode blocker = run.json().get("blockedBy").get(0);
            assertThat(blocker.get("state").asText()).isEqualTo("active");
            assertThat(blocker.get("terminated").asBoolean()).isFalse();
            assertThat(report.get(30, TimeUnit.SECONDS)).as("the report's query ran to its end").isTrue();
        }
    }

    /**
     * --cancel-blockers-after counts how long the blocker has sat idle in its transaction, checked when it is
     * terminated: one that went back to work just before the deadline and is idle again only briefly is spared.
     */
    @Test
    void aBlockerThatWorkedThroughTheDeadlineIsNotTerminatedOnceItIsIdleAgain() throws Exception {
        TestDatabase db = databaseAt003();
        try (Connection blocker = holdingUsers(db, "batch-job")) {
            // A long lock timeout: the changeset waits through the whole scene in its first attempt (10 s).
            Cli.Running upgrade = Cli.against(db).start("--output", "json", "--ddl-lock-timeout", "40",
                    "--cancel-blockers-after", "4", "upgrade");
            awaitBlocking(db, pid(blocker));
            Thread.sleep(2_000);
            // Active from 2 s to 5 s after it began to block the migration: busy when the 4 s deadline passes.
            blocker.createStatement().execute("SELECT pg_sleep(3)");
            Thread.sleep(1_000);
            blocker.commit();
            Cli.Run run = upgrade.finished().get(60, TimeUnit.SECONDS);

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().at("/blockedBy/0/applicationName").asText()).isEqualTo("batch-job");
            assertThat(run.json().at("/blockedBy/0/terminated").asBoolean()).isFalse();
            assertThat(run.err()).doesNotContain("terminated pid");
        }
    }

    /**
     * The time a session has blocked the migration belongs to its transaction: the same session in a new transaction
     * (as a pooled server connection gets) starts again from zero. Here the session keeps blocking across its
     * transactions with a session-level advisory lock that the changeset waits for.
     */
    @Test
    void aSessionInANewTransactionIsNotTerminatedForWhatItsPreviousTransactionBlocked() throws Exception {
        Path changelog = Files.writeString(dir.resolve("advisory.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: after-the-batch, author: app, changes: [{sql: {sql: SELECT pg_advisory_xact_lock(42)}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                """);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        try (Connection batch = db.connect()) {
            batch.createStatement().execute("SELECT pg_advisory_lock(42)");
            batch.setAutoCommit(false);
            batch.createStatement().execute("SELECT 1");
            int batchPid = pid(batch);
            Cli.Running upgrade = Cli.against(db).args("--changelog", changelog.toString()).start("--output", "json",
                    "--ddl-lock-timeout", "60", "--cancel-blockers-after", "6", "upgrade");
            awaitBlocking(db, batchPid);
            Thread.sleep(3_000);
            batch.commit();
            batch.createStatement().execute("SELECT 1");
            // 7.5 s after it began to block, 4.5 s into its new transaction.
            Thread.sleep(4_500);

            assertThat(isAlive(db, batchPid)).as("the batch session is still there").isTrue();
            batch.createStatement().execute("SELECT pg_advisory_unlock(42)");
            batch.commit();
            Cli.Run run = upgrade.finished().get(60, TimeUnit.SECONDS);
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.json().at("/blockedBy/0/pid").asInt()).isEqualTo(batchPid);
            assertThat(run.json().at("/blockedBy/0/terminated").asBoolean()).isFalse();
        }
    }

    /**
     * A changeset outside a transaction commits each statement as it goes: when a later statement times out on a lock,
     * the earlier ones stay. Running it again would repeat them, so the run ends there instead of retrying.
     */
    @Test
    void aChangesetOutsideATransactionThatTimesOutOnALockIsNotRetriedAndItsFirstStatementRanOnce() throws Exception {
        Path changelog = Files.writeString(dir.resolve("outside.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: tables, author: app, changes: [
                      {sql: {sql: "CREATE TABLE runs (n int NOT NULL); INSERT INTO runs VALUES (0); CREATE TABLE things (id int)"}}]}
                  - changeSet: {id: v0, author: app, changes: [{tagDatabase: {tag: v0}}]}
                  - changeSet: {id: count-then-alter, author: app, runInTransaction: false, changes: [
                      {sql: {sql: UPDATE runs SET n = n + 1}},
                      {sql: {sql: ALTER TABLE things ADD COLUMN name text}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                """);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db).args("--changelog", changelog.toString());
        cli.ok("upgrade", "v0");
        try (Connection reader = holding(db, "things", "webmacs-report")) {
            Cli.Run run = cli.run("--output", "json", "--ddl-lock-timeout", "1", "--ddl-lock-budget", "10", "upgrade");

            assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
            assertThat(run.json().at("/error/code").asText()).isEqualTo("ChangesetFailed");
            assertThat(run.json().at("/error/changeset").asText()).isEqualTo(changelog.getFileName() + "::count-then-alter::app");
            assertThat(run.errLines()).last().asString().contains("count-then-alter", "runInTransaction: false", "not retried",
                    "ALTER TABLE things ADD COLUMN name text");
        }
        assertThat(db.rows("SELECT n FROM runs")).as("the first statement ran once").containsExactly("1");
        assertThat(db.rows("SELECT id FROM databasechangelog ORDER BY orderexecuted")).containsExactly("tables", "v0");
    }

    private static TestDatabase databaseAt003() {
        return WebmacsFixtures.migratedWithRows("003_fk_ondelete");
    }

    /** A session that read users in a transaction it leaves open: it holds ACCESS SHARE on users until it ends. */
    private static Connection holdingUsers(TestDatabase db, String applicationName) throws SQLException {
        return holding(db, "users", applicationName);
    }

    /** A session that read {@code table} in a transaction it leaves open: it holds ACCESS SHARE on it until it ends. */
    private static Connection holding(TestDatabase db, String table, String applicationName) throws SQLException {
        Connection reader = db.connect();
        reader.createStatement().execute("SET application_name = '" + applicationName + "'");
        reader.setAutoCommit(false);
        reader.createStatement().executeQuery("SELECT count(*) FROM " + table).close();
        return reader;
    }

    /** Waits until {@code pid} holds a lock that another session (the migration) waits for. */
    private static void awaitBlocking(TestDatabase db, int pid) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
                !db.rows("SELECT pid FROM pg_stat_activity WHERE " + pid + " = ANY (pg_blocking_pids(pid))").isEmpty());
    }

    private static boolean isAlive(TestDatabase db, int pid) {
        return !db.rows("SELECT pid FROM pg_stat_activity WHERE pid = " + pid).isEmpty();
    }

    private static int pid(Connection connection) throws SQLException {
        try (ResultSet rs = connection.createStatement().executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The application: reads users every 50 ms on its own connection and keeps the slowest answer. */
    private record ApplicationLoop(Connection connection, AtomicBoolean running, AtomicLong worstNanos, CompletableFuture<Void> loop)
            implements AutoCloseable {

        static ApplicationLoop start(TestDatabase db) throws SQLException {
            Connection connection = db.connect();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong worst = new AtomicLong();
            CompletableFuture<Void> loop = CompletableFuture.runAsync(() -> {
                while (running.get()) {
                    try (Statement s = connection.createStatement()) {
                        long started = System.nanoTime();
                        s.executeQuery("SELECT count(*) FROM users").close();
                        worst.accumulateAndGet(System.nanoTime() - started, Math::max);
                        Thread.sleep(50);
                    } catch (SQLException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            return new ApplicationLoop(connection, running, worst, loop);
        }

        Duration worst() {
            return Duration.ofNanos(worstNanos.get());
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            loop.get(30, TimeUnit.SECONDS);
            connection.close();
        }
    }
}
