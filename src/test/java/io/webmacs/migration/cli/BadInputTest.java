package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.webmacs.migration.contract.DurationSetting;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

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
        assertThat(run.errLines()).singleElement().asString().startsWith("error: Cannot reach PostgreSQL at jdbc:postgresql://127.0.0.1:1/webmacs")
                .contains("TCP/IP connections. Check the host, port and database name").doesNotContain("..");
        assertThat(run.out() + run.err()).doesNotContain("hunter2");
    }

    @Test
    void anSslKeyPasswordInTheUrlIsNeverShown() {
        Cli.Run run = Cli.withoutDatabase().env("DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/webmacs?sslmode=require&sslpassword=k3y%21pass")
                .run("--output", "json", "current");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.errLines()).singleElement().asString().contains("sslpassword=****");
        assertThat(run.out() + run.err()).doesNotContain("k3y", "k3y!pass");
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

    /**
     * Every number and duration on the command line is checked when it is parsed: outside its range, the command exits 2
     * with one line naming the option and the range, before it connects, so a database at 003 stays exactly as it was.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            a negative lock timeout                | upgrade --lock-timeout -5               | '--lock-timeout': '-5' is not a duration between 0s and 24h
            a lock timeout that overflows          | upgrade --lock-timeout 99999999999      | '--lock-timeout': '99999999999' is not a duration between 0s and 24h
            a lock timeout over a day              | upgrade --lock-timeout 25h              | '--lock-timeout': '25h' is not between 0s and 24h
            a DDL lock timeout PostgreSQL refuses  | upgrade --ddl-lock-timeout 2400h        | '--ddl-lock-timeout': '2400h' is not between 0s and 24h
            a DDL lock timeout just over a day     | upgrade --ddl-lock-timeout 24h0m1s      | '--ddl-lock-timeout': '24h0m1s' is not between 0s and 24h
            a negative DDL lock timeout            | upgrade --ddl-lock-timeout -1s          | '--ddl-lock-timeout': '-1s' is not a duration between 0s and 24h
            a DDL lock timeout in days             | upgrade --ddl-lock-timeout 1d           | '--ddl-lock-timeout': '1d' is not a duration between 0s and 24h
            a fractional DDL lock timeout          | upgrade --ddl-lock-timeout 1.5s         | '--ddl-lock-timeout': '1.5s' is not a duration between 0s and 24h
            minutes before hours                   | upgrade --ddl-lock-timeout 30m1h        | '--ddl-lock-timeout': '30m1h' is not a duration between 0s and 24h
            a DDL lock budget over a day           | upgrade --ddl-lock-budget 100h          | '--ddl-lock-budget': '100h' is not between 0s and 24h
            a DDL lock budget that overflows       | upgrade --ddl-lock-budget 9999999999999h | '--ddl-lock-budget': '9999999999999h' is not a duration between 0s and 24h
            blockers cancelled at once             | upgrade --cancel-blockers-after 0       | '--cancel-blockers-after': '0' is not between 1s and 24h
            blockers cancelled after a week        | upgrade --cancel-blockers-after 168h    | '--cancel-blockers-after': '168h' is not between 1s and 24h
            a plan with a DDL lock timeout too long | plan --ddl-lock-timeout 2400h          | '--ddl-lock-timeout': '2400h' is not between 0s and 24h
            a downgrade of no revision             | downgrade -0                            | '-0' is not a number of revisions: -N goes down N revisions, N from 1 to the number applied
            a downgrade count that overflows       | downgrade -99999999999                  | '-99999999999' is not a number of revisions: -N goes down N revisions, N from 1 to the number applied
            a wait of no time                      | wait webmacs --timeout 0                | '--timeout': '0' is not between 1s and 24h
            a wait that overflows                  | wait webmacs --timeout 99999999999999999999 | '--timeout': '99999999999999999999' is not a duration between 1s and 24h
            """)
    void anOutOfRangeNumberIsAUsageErrorThatChangesNothing(String what, String command, String message) {
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "003_fk_ondelete");
        List<String> catalog = Catalog.of(db);
        List<String> history = db.rows(HISTORY);

        Cli.Run run = json(cli).run(command.split(" "));

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.errLines()).singleElement().asString().startsWith("error: Invalid value for ").contains(message);
        assertThat(run.json().at("/error/code").asText()).isEqualTo("UsageError");
        assertThat(Catalog.of(db)).as("the catalog").isEqualTo(catalog);
        assertThat(db.rows(HISTORY)).as("the history").isEqualTo(history);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"upgrade, --lock-timeout, LOCK_TIMEOUT", "upgrade, --ddl-lock-timeout, DDL_LOCK_TIMEOUT",
        "upgrade, --ddl-lock-budget, DDL_LOCK_BUDGET", "upgrade, --cancel-blockers-after, CANCEL_BLOCKERS_AFTER",
        "wait, --timeout, WAIT_TIMEOUT"})
    void theHelpOfEachDurationSaysItsRange(String command, String option, DurationSetting setting) {
        CommandLine.Model.OptionSpec spec = new CommandLine(new WebmacsMigrate(Map.of(), System.out, System.err))
                .getSubcommands().get(command).getCommandSpec().findOption(option);

        assertThat(String.join(" ", spec.description())).containsIgnoringCase("from " + DurationSetting.format(setting.min())
                + " to " + DurationSetting.format(setting.max()));
    }

    @Test
    void theLongestDdlLockTimeoutIsOnePostgreSqlTakes() {
        Duration longest = DurationSetting.DDL_LOCK_TIMEOUT.max();

        db.execute("SET lock_timeout = '" + longest.toMillis() + "ms'"); // an int of milliseconds: refused above 2147483647
        Cli.against(db).ok("upgrade", "--ddl-lock-timeout", DurationSetting.format(longest));
    }

    private static final String HISTORY = "SELECT id, author, filename, exectype, tag FROM databasechangelog ORDER BY orderexecuted";

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
