package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webmacs.migration.engine.Changelog;
import io.webmacs.migration.testsupport.BusyReaders;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The JSON result, on stdout and in --result-file (a pod's termination message), for success and failure. */
class ResultOutputTest {

    @TempDir
    Path dir;

    @Test
    void upgradeWritesTheContractResultToTheResultFile() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Path resultFile = dir.resolve("termination-log");

        Cli.Run run = Cli.against(db).ok("--result-file", resultFile.toString(), "upgrade", "004_rbac_api_tokens");

        String json = Files.readString(resultFile);
        JsonNode result = new ObjectMapper().readTree(json);
        assertThat(result.get("command").asText()).isEqualTo("upgrade");
        assertThat(result.get("revision").asText()).isEqualTo("004_rbac_api_tokens");
        assertThat(result.get("head").asText()).isEqualTo("005_oidc_sso");
        assertThat(result.get("applied")).hasSize(5);
        assertThat(result.get("pending").asInt()).isEqualTo(Changelog.load(null).changeSets("005_oidc_sso").size());
        assertThat(result.get("adopted").isNull()).isTrue();
        assertThat(result.get("durationMs").asLong()).isPositive();
        assertThat(result.get("error").isNull()).isTrue();
        assertThat(json.getBytes()).hasSizeLessThan(4096);
        assertThat(run.out()).isEqualTo("Applied 000_baseline, 001_plugins, 002_plugin_packages, 003_fk_ondelete,"
                + " 004_rbac_api_tokens; now at 004_rbac_api_tokens.\n");
    }

    @Test
    void failureIsWrittenToTheResultFileWithoutThePassword() throws Exception {
        Path resultFile = dir.resolve("termination-log");

        Cli.Run run = Cli.withoutDatabase()
                .env("DATABASE_URL", "postgresql://webmacs@127.0.0.1:1/webmacs")
                .env("DATABASE_PASSWORD", "Sup3r-Secret")
                .run("--result-file", resultFile.toString(), "upgrade");

        String json = Files.readString(resultFile);
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(new ObjectMapper().readTree(json).at("/error/code").asText()).isEqualTo("DatabaseUnreachable");
        assertThat(json + run.out() + run.err()).doesNotContain("Sup3r-Secret");
    }

    /**
     * A busy WebMACS: forty sessions hold a read of users open while an upgrade from 003 waits for its lock. The result
     * still fits the 4 KiB a kubelet keeps of a termination message, names the first blockers and counts the rest.
     */
    @Test
    void aResultBlockedByFortySessionsStillFitsATerminationMessage() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade", "003_fk_ondelete");
        WebmacsFixtures.insertRows(db, "003_fk_ondelete");
        Path resultFile = dir.resolve("termination-log");

        try (BusyReaders readers = BusyReaders.on(db, 40)) {
            Cli.Run run = Cli.against(db).run("--output", "json", "--result-file", resultFile.toString(),
                    "--ddl-lock-timeout", "1", "--ddl-lock-budget", "5", "upgrade");

            assertThat(run.exitCode()).as(run.err()).isEqualTo(5);
            assertThat(run.json().get("blockedBy")).as("stdout keeps them all").hasSize(40);
            byte[] written = Files.readAllBytes(resultFile);
            assertThat(written.length).isLessThanOrEqualTo(4096);
            JsonNode result = new ObjectMapper().readTree(written);
            assertThat(result.at("/error/code").asText()).isEqualTo("LockNotAvailable");
            assertThat(result.get("revision").asText()).isEqualTo("003_fk_ondelete");
            assertThat(result.get("blockedBy")).hasSize(5);
            assertThat(result.get("blockedBy").get(0).get("applicationName").asText()).startsWith("webmacs-worker-");
            assertThat(result.get("blockedByOmitted").asInt()).isEqualTo(35);
            assertThat(run.errLines()).last().asString().contains("and 37 more");
        }
    }

    /** Redaction works on values: a password that is also JSON (null, true) or holds a quote leaves valid JSON and no trace. */
    @ParameterizedTest
    @ValueSource(strings = {"null", "true", "pa\"ss", "back\\slash"})
    void aPasswordIsTakenOutOfEveryValueAndTheResultStaysJson(String password) throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        String role = "r_" + db.name();
        db.execute("CREATE ROLE " + role + " LOGIN SUPERUSER PASSWORD '" + password.replace("'", "''") + "'");
        // The server repeats the literal in its error, so the password is in the error message.
        Path changelog = Files.writeString(dir.resolve("leaky.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: leak, author: app, changes: [{sql: {sql: "SELECT '%s'::int"}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                """.formatted(password.replace("\\", "\\\\").replace("\"", "\\\"")));
        Path resultFile = dir.resolve("termination-log");

        Cli.Run run = new Cli().env("DATABASE_PASSWORD", password)
                .run("--url", db.jdbcUrl(), "--username", role, "--changelog", changelog.toString(), "--output", "json",
                        "--result-file", resultFile.toString(), "upgrade");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        for (JsonNode result : List.of(run.json(), new ObjectMapper().readTree(Files.readString(resultFile)))) {
            assertThat(result.at("/error/code").asText()).isEqualTo("ChangesetFailed");
            assertThat(result.at("/error/message").asText()).contains("invalid input syntax for type integer: \"****\"")
                    .doesNotContain(password);
            assertThat(result.get("adopted").isNull()).as("JSON's own null survives").isTrue();
        }
        assertThat(run.err()).doesNotContain(password);
    }

    @Test
    void historyListsAppliedRevisionsWithTimesThenPendingOnes() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "001_plugins");

        JsonNode history = cli.ok("--output", "json", "history").json().get("history");

        assertThat(history).hasSize(6);
        assertThat(history.get(1).get("revision").asText()).isEqualTo("001_plugins");
        assertThat(history.get(1).get("appliedAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(history.get(2).get("appliedAt").isNull()).isTrue();
        assertThat(cli.ok("history").out().lines()).hasSize(6).last().asString().isEqualTo("005_oidc_sso (head)      pending");
    }

    @Test
    void stampRecordsWithoutRunningAndMovesAlembicVersion() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "002_plugin_packages");

        assertThat(cli.ok("stamp", "head").out()).isEqualTo("Stamped 005_oidc_sso (head); nothing was run.\n");
        assertThat(Catalog.of(db)).as("nothing ran").containsExactlyElementsOf(Catalog.reference("002"));
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly("005_oidc_sso");

        cli.ok("stamp", "002_plugin_packages");
        assertThat(cli.ok("current").out().trim()).isEqualTo("002_plugin_packages");
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly("002_plugin_packages");
        cli.ok("upgrade");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    @Test
    void currentOnAnEmptyDatabaseIsBaseAndCreatesNothing() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();

        assertThat(Cli.against(db).ok("current").out()).isEqualTo("base\n");
        assertThat(db.rows("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).containsExactly("0");
    }

    @Test
    void versionNamesTheLiquibaseOnTheClassPathAndItsLicence() {
        assertThat(liquibase.util.LiquibaseUtil.getBuildVersion()).isEqualTo("4.33.0");
        assertThat(Cli.withoutDatabase().ok("--version").out())
                .contains("(Liquibase " + liquibase.util.LiquibaseUtil.getBuildVersion() + ", Apache-2.0)");
    }
}
