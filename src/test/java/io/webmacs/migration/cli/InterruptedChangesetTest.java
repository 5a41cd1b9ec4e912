package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A changeset the server breaks off for a reason that passes (its session terminated, a deadlock, a serialization
 * failure, a full disk) is a transient failure, told by its SQLSTATE: the operator retries it, and the next run applies
 * the changeset once. A changeset that is wrong stays ChangesetFailed.
 */
class InterruptedChangesetTest {

    @TempDir
    Path dir;

    private final TestDatabase db = EmbeddedPostgresServer.newDatabase();

    @Test
    void aRunnerWhoseSessionIsTerminatedMidChangesetFailsTransientlyAndTheNextRunAppliesItOnce() throws Exception {
        Cli cli = Cli.against(db).args("--changelog", changelog(Fixtures.INTERRUPTIBLE_CHANGELOG).toString(), "--output", "json");
        Cli.Running upgrade = cli.start("upgrade");
        db.terminateSleepingRunner();
        Cli.Run interrupted = upgrade.finished().get(60, TimeUnit.SECONDS);

        assertThat(interrupted.exitCode()).as(interrupted.toString()).isEqualTo(3);
        JsonNode error = interrupted.json().get("error");
        assertThat(error.get("code").asText()).isEqualTo("DatabaseUnreachable");
        assertThat(error.get("changeset").asText()).isEqualTo("changelog.yaml::slow::app");
        assertThat(error.get("message").asText()).contains("was interrupted", "SQLSTATE 57P01", "run again");
        assertThat(interrupted.errLines()).singleElement().asString().startsWith("error: Changeset changelog.yaml::slow::app was interrupted");
        assertThat(db.count("things")).as("the interrupted changeset was rolled back").isZero();

        Cli.Run again = cli.run("upgrade");

        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.json().get("revision").asText()).isEqualTo("v2");
        assertThat(db.count("things")).as("applied once").isEqualTo(1);
        assertThat(db.rows("SELECT count(*) FROM databasechangelog WHERE id = 'slow'")).containsExactly("1");
    }

    @ParameterizedTest(name = "SQLSTATE {0} is {1}")
    @CsvSource({
        "40P01, ChangesetAborted, 7",  // deadlock_detected
        "40001, ChangesetAborted, 7",  // serialization_failure
        "53100, ChangesetAborted, 7",  // disk_full
        "53200, ChangesetAborted, 7",  // out_of_memory
        "57P01, DatabaseUnreachable, 3", // admin_shutdown
        "42P01, ChangesetFailed, 1",   // undefined_table: wrong, running again cannot help
    })
    void aChangesetBrokenOffIsClassifiedByItsSqlState(String sqlState, String code, int exitCode) throws IOException {
        // The server raising exactly that error in the changeset's transaction, as it does for a real deadlock or full disk.
        Path changelog = changelog("""
                databaseChangeLog:
                  - changeSet: {id: things, author: app, changes: [{sql: {sql: "CREATE TABLE things (id int)"}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                  - changeSet:
                      id: broken-off
                      author: app
                      changes:
                        - sql: {sql: "INSERT INTO things VALUES (1)"}
                        - sql: {splitStatements: false, sql: "DO $$ BEGIN RAISE EXCEPTION 'raised by the test' USING ERRCODE = '%s'; END $$"}
                  - changeSet: {id: v2, author: app, changes: [{tagDatabase: {tag: v2}}]}
                """.formatted(sqlState));

        Cli.Run run = Cli.against(db).args("--changelog", changelog.toString(), "--output", "json").run("upgrade");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(exitCode);
        assertThat(run.json().at("/error/code").asText()).isEqualTo(code);
        assertThat(run.json().at("/error/changeset").asText()).isEqualTo("changelog.yaml::broken-off::app");
        assertThat(db.count("things")).as("rolled back").isZero();
        assertThat(db.rows("SELECT count(*) FROM databasechangelog WHERE id = 'broken-off'")).containsExactly("0");
    }

    private Path changelog(String yaml) throws IOException {
        return Files.writeString(dir.resolve("changelog.yaml"), yaml);
    }
}
