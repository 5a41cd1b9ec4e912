package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every failure of the exit-code table: its code, one clear line on stderr, and no change to the database. */
class BadInputTest {

    @TempDir
    Path dir;

    private final TestDatabase db = EmbeddedPostgresServer.newDatabase();

    @Test
    void unknownCommandIsAUsageError() {
        assertFailsWithoutChange(json(Cli.against(db)).run("migrate"), 2, "UsageError", "Unmatched argument");
    }

    @Test
    void missingArgumentIsAUsageError() {
        assertFailsWithoutChange(json(Cli.against(db)).run("downgrade"), 2, "UsageError", "Missing required parameter");
    }

    @Test
    void theHelpAUsageErrorPointsToExists() {
        Cli.Run help = Cli.withoutDatabase().run("downgrade", "--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).startsWith("Usage: webmacs-migrate downgrade ").contains("Roll back to REVISION");
    }

    @Test
    void noDatabaseIsAUsageError() {
        assertFailsWithoutChange(json(Cli.withoutDatabase()).run("upgrade"), 2, "UsageError", "pass --url or set DATABASE_URL");
    }

    @Test
    void unknownRevisionIsBadInput() {
        assertFailsWithoutChange(json(Cli.against(db)).run("upgrade", "006_future"), 2, "UnknownRevision", "Unknown revision '006_future'");
    }

    @Test
    void malformedUrlIsBadInput() {
        Cli.Run run = json(Cli.withoutDatabase()).run("--url", "postgresql+asyncpg://webmacs:hunter2@/webmacs", "upgrade");

        assertFailsWithoutChange(run, 2, "MalformedUrl", "no host");
        assertThat(run.out() + run.err()).doesNotContain("hunter2");
    }

    @Test
    void unreadableChangelogIsBadInput() {
        assertFailsWithoutChange(json(Cli.against(db)).run("--changelog", dir.resolve("missing.xml").toString(), "upgrade"),
                2, "InvalidChangelog", "is not a readable file");
    }

    @Test
    void changelogThatDoesNotParseIsBadInput() throws IOException {
        Path changelog = Files.writeString(dir.resolve("broken.yaml"), "databaseChangeLog: [ {changeSet: ");

        assertFailsWithoutChange(json(Cli.against(db)).run("--changelog", changelog.toString(), "upgrade"), 2, "InvalidChangelog", "does not parse");
    }

    @Test
    void unreachableDatabaseExitsThreeWithoutLeakingThePassword() {
        Cli.Run run = Cli.withoutDatabase().env("DATABASE_URL", "postgresql+asyncpg://webmacs:hunter2@127.0.0.1:1/webmacs")
                .run("--output", "json", "current");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.json().at("/error/code").asText()).isEqualTo("DatabaseUnreachable");
        assertThat(run.errLines()).singleElement().asString().startsWith("error: Cannot reach PostgreSQL at jdbc:postgresql://127.0.0.1:1/webmacs");
        assertThat(run.out() + run.err()).doesNotContain("hunter2");
    }

    @Test
    void refusedLoginExitsThree() {
        Cli.Run run = json(new Cli().args("--url", db.jdbcUrl(), "--username", "nobody", "--password", "wrong")).run("current");

        assertFailsWithoutChange(run, 3, "AuthenticationFailed", "refused the login of user 'nobody'");
        assertThat(run.err()).doesNotContain("wrong");
    }

    @Test
    void failingChangesetExitsOneKeepingEarlierRevisionsAndNamingIt() throws IOException {
        Path changelog = Files.writeString(dir.resolve("app.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: create-things, author: app, changes: [{createTable: {tableName: things, columns: [{column: {name: id, type: int}}]}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                  - changeSet: {id: broken, author: app, changes: [{sql: {sql: ALTER TABLE no_such_table ADD COLUMN x int}}]}
                  - changeSet: {id: v2, author: app, changes: [{tagDatabase: {tag: v2}}]}
                """);
        Cli cli = Cli.against(db).args("--changelog", changelog.toString());

        Cli.Run run = cli.run("--output", "json", "upgrade");

        assertThat(run.exitCode()).isEqualTo(1);
        JsonNode result = run.json();
        assertThat(result.get("revision").asText()).isEqualTo("v1");
        assertThat(result.get("applied")).extracting(JsonNode::asText).containsExactly("v1");
        assertThat(result.at("/error/code").asText()).isEqualTo("ChangesetFailed");
        assertThat(result.at("/error/changeset").asText()).isEqualTo("app.yaml::broken::app");
        assertThat(result.at("/error/message").asText()).contains("no_such_table");
        assertThat(run.errLines()).singleElement().asString().startsWith("error: Changeset app.yaml::broken::app failed");
        assertThat(db.rows("SELECT to_regclass('things')")).containsExactly("things");
        assertThat(cli.ok("current").out().trim()).isEqualTo("v1");
    }

    private static Cli json(Cli cli) {
        return cli.args("--output", "json");
    }

    private void assertFailsWithoutChange(Cli.Run run, int exitCode, String code, String message) {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(exitCode);
        assertThat(run.errLines()).singleElement().asString().startsWith("error: ").contains(message);
        assertThat(run.json().at("/error/code").asText()).isEqualTo(code);
        assertThat(Catalog.of(db)).isEmpty();
        assertThat(db.rows("SELECT to_regclass('databasechangelog')")).containsExactly("");
    }
}
