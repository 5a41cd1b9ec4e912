package io.webmacs.migration.compose;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.testsupport.Tier;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * deploy/compose/ added to a compose file of WebMACS's shape, brought up with Docker Compose against podman, on the
 * shipped image and Debian's PostgreSQL: the schema is at head before the backend starts, a second up changes nothing,
 * and a failed migration keeps the backend down with its reason in the migrate service's log.
 */
@ExtendWith(ComposeIT.ToolsBuilt.class)
class ComposeIT {

    private static final List<Path> FILES = List.of(Path.of("src/test/resources/compose/webmacs.yml"),
            Path.of("deploy/compose/docker-compose.migrate.yml"));
    private static PodmanDockerApi api;

    @BeforeAll
    static void startApi() throws Exception {
        api = PodmanDockerApi.start(Path.of("target", "compose"));
    }

    @AfterAll
    static void stopApi() throws Exception {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void theSchemaIsAtHeadBeforeTheBackendStartsAndASecondUpChangesNothing() {
        try (ComposeProject webmacs = project("webmacs-up", Map.of())) {
            ComposeProject.Outcome first = webmacs.up();
            assertThat(first.exitCode()).as(first.output()).isZero();
            assertThat(webmacs.state("migrate")).isEqualTo(new ComposeProject.ServiceState("exited", 0));
            assertThat(webmacs.logs("migrate")).contains("now at 005_oidc_sso (head)");
            assertThat(webmacs.state("backend").state()).isEqualTo("running");
            assertThat(webmacs.logs("backend")).contains("backend started at schema 005_oidc_sso");

            ComposeProject.Outcome second = webmacs.up();
            assertThat(second.exitCode()).as(second.output()).isZero();
            assertThat(webmacs.state("migrate")).isEqualTo(new ComposeProject.ServiceState("exited", 0));
            assertThat(webmacs.logs("migrate")).contains("Nothing to apply; at 005_oidc_sso (head).");
            assertThat(webmacs.logs("backend").lines().filter(line -> line.startsWith("backend started"))).as("the backend was not restarted").hasSize(1);
            System.out.printf("compose up: first %d ms, second (nothing to migrate) %d ms%n", first.took().toMillis(), second.took().toMillis());
        }
    }

    @Test
    void aFailedMigrationKeepsTheBackendDownAndSaysWhy() {
        try (ComposeProject webmacs = project("webmacs-failed", Map.of("WEBMACS_SCHEMA_REVISION", "006_not_released"))) {
            ComposeProject.Outcome up = webmacs.up();
            assertThat(up.exitCode()).as(up.output()).isNotZero();
            assertThat(up.output()).contains("service \"migrate\" didn't complete successfully: exit 2");
            assertThat(webmacs.state("migrate")).isEqualTo(new ComposeProject.ServiceState("exited", 2));
            assertThat(webmacs.logs("migrate")).contains("Unknown revision '006_not_released'");
            assertThat(webmacs.state("backend").state()).as("the backend never started").isEqualTo("created");
            ComposeProject.Outcome tables = webmacs.compose("exec", "db", "psql", "-U", "webmacs", "-tAc",
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'");
            assertThat(tables.output().strip()).as("nothing was migrated").isEqualTo("0");
        }
    }

    private static ComposeProject project(String name, Map<String, String> env) {
        return new ComposeProject(name + "-" + ProcessHandle.current().pid(), FILES, env, api);
    }

    /** Runs the class only where Docker Compose is built and podman holds the images; else says why (see {@link Tier}). */
    static final class ToolsBuilt implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return Tier.COMPOSE.condition(ComposeProject.unavailable());
        }
    }
}
