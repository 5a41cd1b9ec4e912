package io.webmacs.migration.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.webmacs.migration.contract.DurationSetting;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;
import org.junit.jupiter.params.provider.CsvSource;

/** The schema and the CEL rules of the committed CRD, evaluated the way the API server evaluates them. */
class CrdValidationRulesTest {

    @ParameterizedTest(name = "{0}")
    @CsvFileSource(resources = CrdRules.REFUSED, delimiter = '|')
    void theCrdRefusesABadDatabaseMigrationWithAMessageThatSaysWhy(String what, String name, String spec, String message) throws Exception {
        assertThat(CrdRules.violations(databaseMigration(name, spec))).singleElement().asString().startsWith(message);
    }

    /** A DatabaseMigration named {@code name} with {@code spec}, a line of YAML. */
    private static JsonNode databaseMigration(String name, String spec) throws Exception {
        return new YAMLMapper().readTree("""
                apiVersion: migrations.webmacs.io/v1alpha1
                kind: DatabaseMigration
                metadata: {name: %s, namespace: default}
                spec: %s
                """.formatted(name, spec));
    }

    @Test
    void exactlyOneOfUrlAndUrlFrom() throws Exception {
        Map<String, Object> secretRef = Map.of("secretKeyRef", Map.of("name", "webmacs-db", "key", "DATABASE_URL"));

        assertThat(violations(Map.of("url", "jdbc:postgresql://db:5432/webmacs"))).isEmpty();
        assertThat(violations(Map.of("urlFrom", secretRef))).isEmpty();
        assertThat(violations(Map.of("url", "jdbc:postgresql://db/webmacs", "urlFrom", secretRef)))
                .containsExactly("set exactly one of url and urlFrom");
        assertThat(violations(Map.of("passwordFrom", secretRef))).containsExactly("set exactly one of url and urlFrom");
    }

    @Test
    void aPasswordNeverSitsInTheResource() throws Exception {
        assertThat(violations(Map.of("url", "postgresql+asyncpg://webmacs@db:5432/webmacs"))).isEmpty();
        assertThat(violations(Map.of("url", "postgresql+asyncpg://webmacs:secret@db:5432/webmacs")))
                .singleElement().asString().startsWith("url must not contain a password");
    }

    @Test
    void initContainerModeCannotWaitForAPlan() throws Exception {
        Map<String, Object> initContainers = Map.of("mode", "InitContainer", "workloadRef", Map.of("name", "webmacs-backend"));
        String refused = "rollout.mode InitContainer upgrades without a plan: approval.mode Manual, policy.destructive Deny and"
                + " policy.maxBlockedTableRows need rollout.mode SchedulingGate";

        assertThat(CrdRules.specViolations(Map.of("rollout", initContainers, "approval", Map.of("mode", "Manual")))).containsExactly(refused);
        assertThat(CrdRules.specViolations(Map.of("rollout", initContainers, "policy", Map.of("destructive", "Deny")))).containsExactly(refused);
        assertThat(CrdRules.specViolations(Map.of("rollout", initContainers, "policy", Map.of("maxBlockedTableRows", 1000000))))
                .containsExactly(refused);
        assertThat(CrdRules.specViolations(Map.of("rollout", initContainers, "approval", Map.of("mode", "Automatic"),
                "policy", Map.of("destructive", "Allow")))).isEmpty();
        assertThat(CrdRules.specViolations(Map.of("rollout", Map.of("mode", "SchedulingGate"), "approval", Map.of("mode", "Manual"),
                "policy", Map.of("destructive", "Deny")))).isEmpty();
        assertThat(CrdRules.specViolations(Map.of("approval", Map.of("mode", "Manual")))).isEmpty();
    }

    /** Each duration field takes webmacs-migrate's grammar, and refuses a second outside the bounds the CLI has. */
    @ParameterizedTest(name = "{0}.{1}")
    @CsvSource({"runner, ddlLockTimeout, DDL_LOCK_TIMEOUT", "driftCheck, interval, DRIFT_CHECK_INTERVAL"})
    void aDurationFieldHasTheGrammarAndTheBoundsOfTheCli(String field, String property, DurationSetting setting) throws Exception {
        assertThat(CrdRules.property(field, property).getPattern()).isEqualTo(DurationSetting.GRAMMAR);
        Duration second = Duration.ofSeconds(1);

        assertThat(durationViolations(field, property, DurationSetting.format(setting.min()))).isEmpty();
        assertThat(durationViolations(field, property, DurationSetting.format(setting.max()))).isEmpty();
        assertThat(durationViolations(field, property, Long.toString(setting.max().toSeconds()))).isEmpty();
        assertThat(durationViolations(field, property, DurationSetting.format(setting.max().plus(second))))
                .singleElement().asString().contains("must be " + setting.range());
        if (!setting.min().isZero()) {
            assertThat(durationViolations(field, property, DurationSetting.format(setting.min().minus(second))))
                    .singleElement().asString().contains("must be " + setting.range());
        }
    }

    @Test
    void everyLimitItselfIsAccepted() throws Exception {
        JsonNode atTheLimits = databaseMigration("a".repeat(DatabaseMigration.MAX_NAME_LENGTH), """
                {database: {url: 'jdbc:postgresql://db/webmacs?sslmode=verify-full&user=webmacs'}, driftCheck: {interval: '3600'},
                 runner: {ddlLockTimeout: '0', activeDeadlineSeconds: %d, retryLimit: %d}}""".formatted(
                RunnerSpec.MAX_ACTIVE_DEADLINE_SECONDS, RunnerSpec.MAX_RETRY_LIMIT));

        assertThat(CrdRules.violations(atTheLimits)).isEmpty();
    }

    private static List<String> durationViolations(String field, String property, String value) throws Exception {
        return CrdRules.violations(databaseMigration("bounds", "{database: {url: 'jdbc:postgresql://db/webmacs'}, %s: {%s: '%s'}}"
                .formatted(field, property, value)));
    }

    private static List<String> violations(Map<String, Object> database) throws Exception {
        return CrdRules.databaseViolations(database);
    }
}
