package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webmacs.migration.engine.Changelog;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
