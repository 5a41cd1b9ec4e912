package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The online forms in a changeset of an application's own, outside a transaction (runInTransaction: false): CREATE INDEX
 * CONCURRENTLY and VALIDATE CONSTRAINT run under the DDL lock guard and are tried again after a lock timeout, and the
 * invalid index a failed concurrent build leaves behind is dropped and built again, on a real PostgreSQL.
 */
class OnlineChangesetTest {

    @TempDir
    Path dir;

    /**
     * A concurrent build waits for the transactions that write to the table; one left open makes it time out after it
     * created its index, which stays INVALID. The run retries until its budget is spent (exit 5, as for any table lock),
     * and the next run, once the writer committed, drops that index and builds it.
     */
    @Test
    void aConcurrentIndexBuildThatTimedOutIsTriedAgainAndItsInvalidIndexIsDroppedAndBuiltAgain() throws Exception {
        TestDatabase db = readingsAtV1("CREATE INDEX CONCURRENTLY ix_readings_value ON readings (value)");
        Cli cli = Cli.against(db).args("--changelog", dir.resolve("app.yaml").toString());

        Cli.Run waited;
        try (Connection writer = writing(db)) {
            waited = cli.run("--output", "json", "--ddl-lock-timeout", "1", "--ddl-lock-budget", "3", "upgrade");
            writer.commit();
        }
        Cli.Run built = cli.run("upgrade");

        assertThat(waited.exitCode()).as(waited.err()).isEqualTo(5);
        assertThat(waited.json().at("/error/code").asText()).isEqualTo("LockNotAvailable");
        assertThat(waited.json().at("/error/changeset").asText()).isEqualTo("app.yaml::online-step::app");
        assertThat(waited.json().at("/blockedBy/0/applicationName").asText()).isEqualTo("webmacs-writer");
        assertThat(waited.err()).contains("waiting for a lock: app.yaml::online-step::app timed out");
        assertThat(built.exitCode()).as(built.err()).isZero();
        assertThat(built.err()).contains("dropped the invalid index ix_readings_value");
        assertThat(indexes(db)).containsExactly("ix_readings_value valid");
        assertThat(db.rows("SELECT id FROM databasechangelog ORDER BY orderexecuted")).containsExactly("readings", "v1", "online-step", "v2");
    }

    /** Within the budget: the build times out, the writer commits, the next try drops the invalid index and builds it. */
    @Test
    void aConcurrentIndexBuildIsBuiltOnceTheWriterCommitsWithinTheBudget() throws Exception {
        TestDatabase db = readingsAtV1("CREATE INDEX CONCURRENTLY ix_readings_value ON readings (value)");
        Cli cli = Cli.against(db).args("--changelog", dir.resolve("app.yaml").toString());

        Cli.Run run;
        try (Connection writer = writing(db)) {
            run = upgradeReleasingAfterATimeout(cli, writer);
        }

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("waiting for a lock: app.yaml::online-step::app timed out");
        assertThat(indexes(db)).containsExactly("ix_readings_value valid");
    }

    /** An earlier run that failed (or was killed) in the middle of the build left the index invalid: it is dropped first. */
    @Test
    void anInvalidIndexAnEarlierBuildLeftIsDroppedBeforeTheIndexIsBuilt() throws Exception {
        TestDatabase db = readingsAtV1("CREATE INDEX CONCURRENTLY ix_readings_value ON readings (value)");
        try (Connection failing = db.connect()) {
            // Duplicate values: the unique build fails after it created the index.
            failing.createStatement().execute("CREATE UNIQUE INDEX CONCURRENTLY ix_readings_value ON readings ((value % 10))");
        } catch (SQLException expected) {
            assertThat(expected.getSQLState()).isEqualTo("23505");
        }
        assertThat(indexes(db)).containsExactly("ix_readings_value invalid");

        Cli.Run run = Cli.against(db).args("--changelog", dir.resolve("app.yaml").toString()).run("upgrade");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(indexes(db)).containsExactly("ix_readings_value valid");
        assertThat(db.rows("SELECT pg_get_indexdef('ix_readings_value'::regclass)"))
                .containsExactly("CREATE INDEX ix_readings_value ON public.readings USING btree (value)");
    }

    /** VALIDATE CONSTRAINT waits for a session holding SHARE UPDATE EXCLUSIVE (a VACUUM, an ANALYZE); it is tried again. */
    @Test
    void aValidationOutsideATransactionThatTimedOutIsTriedAgain() throws Exception {
        TestDatabase db = readingsAtV1("ALTER TABLE readings VALIDATE CONSTRAINT positive");
        Cli cli = Cli.against(db).args("--changelog", dir.resolve("app.yaml").toString());

        Cli.Run run;
        try (Connection vacuum = db.connect()) {
            vacuum.setAutoCommit(false);
            vacuum.createStatement().execute("LOCK TABLE readings IN SHARE UPDATE EXCLUSIVE MODE");
            run = upgradeReleasingAfterATimeout(cli, vacuum);
        }

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("waiting for a lock: app.yaml::online-step::app timed out");
        assertThat(db.rows("SELECT convalidated FROM pg_constraint WHERE conname = 'positive'")).containsExactly("t");
    }

    /** Upgrades while {@code blocker} holds its lock, which it releases once the run timed out on it and tries again. */
    private static Cli.Run upgradeReleasingAfterATimeout(Cli cli, Connection blocker) throws Exception {
        Cli.Running upgrade = cli.start("--ddl-lock-timeout", "1", "--ddl-lock-budget", "60", "upgrade");
        await().atMost(Duration.ofSeconds(30)).until(() -> upgrade.errSoFar().contains("timed out"));
        blocker.commit();
        return upgrade.finished().get(60, TimeUnit.SECONDS);
    }

    /** A table of 1,000 readings with a CHECK added NOT VALID, at v1; v2 is {@code statement} outside a transaction. */
    private TestDatabase readingsAtV1(String statement) throws IOException {
        Files.writeString(dir.resolve("app.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: readings, author: app, changes: [{sql: {sql: "CREATE TABLE readings (id int, value int);\
                 INSERT INTO readings SELECT i, i FROM generate_series(1, 1000) i;\
                 ALTER TABLE readings ADD CONSTRAINT positive CHECK (value > 0) NOT VALID"}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                  - changeSet: {id: online-step, author: app, runInTransaction: false, changes: [{sql: {sql: "%s"}}]}
                  - changeSet: {id: v2, author: app, changes: [{tagDatabase: {tag: v2}}]}
                """.formatted(statement));
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).args("--changelog", dir.resolve("app.yaml").toString()).ok("upgrade", "v1");
        return db;
    }

    /** The application writing a reading in a transaction it leaves open: it holds ROW EXCLUSIVE on readings. */
    private static Connection writing(TestDatabase db) throws SQLException {
        Connection writer = db.connect();
        writer.createStatement().execute("SET application_name = 'webmacs-writer'");
        writer.setAutoCommit(false);
        writer.createStatement().execute("INSERT INTO readings VALUES (0, 1)");
        return writer;
    }

    /** The indexes named ix_readings_value, each valid or invalid as pg_index says. */
    private static List<String> indexes(TestDatabase db) {
        return db.rows("SELECT c.relname || CASE WHEN i.indisvalid THEN ' valid' ELSE ' invalid' END FROM pg_index i"
                + " JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'ix_readings_value'");
    }
}
