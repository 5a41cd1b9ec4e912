package io.webmacs.migration.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The CEL rules of the committed CRD, evaluated the way the API server evaluates them on spec.database. */
class CrdValidationRulesTest {

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
        String refused = "rollout.mode InitContainer upgrades without a plan: approval.mode Manual and policy.destructive Deny"
                + " need rollout.mode SchedulingGate";

        assertThat(CrdRules.specViolations(Map.of("rollout", initContainers, "approval", Map.of("mode", "Manual")))).containsExactly(refused);
        assertThat(CrdRules.specViolations(Map.of("rollout", initContainers, "policy", Map.of("destructive", "Deny")))).containsExactly(refused);
        assertThat(CrdRules.specViolations(Map.of("rollout", initContainers, "approval", Map.of("mode", "Automatic"),
                "policy", Map.of("destructive", "Allow")))).isEmpty();
        assertThat(CrdRules.specViolations(Map.of("rollout", Map.of("mode", "SchedulingGate"), "approval", Map.of("mode", "Manual"),
                "policy", Map.of("destructive", "Deny")))).isEmpty();
        assertThat(CrdRules.specViolations(Map.of("approval", Map.of("mode", "Manual")))).isEmpty();
    }

    @Test
    void aDriftCheckIntervalIsADurationOfAtLeastAMinute() throws Exception {
        Pattern pattern = Pattern.compile(CrdRules.property("driftCheck", "interval").getPattern());

        assertThat(List.of("1m", "90s", "1h30m", "24h", "1h0m30s")).allMatch(v -> pattern.matcher(v).find());
        assertThat(List.of("", "5", "1d", "30m1h", "1.5h", "-1h")).noneMatch(v -> pattern.matcher(v).find());
        assertThat(CrdRules.fieldViolations("driftCheck", Map.of("interval", "1m"))).isEmpty();
        assertThat(CrdRules.fieldViolations("driftCheck", Map.of("interval", "1h30m"))).isEmpty();
        assertThat(CrdRules.fieldViolations("driftCheck", Map.of("interval", "59s"))).containsExactly("driftCheck.interval must be at least 1m");
    }

    private static List<String> violations(Map<String, Object> database) throws Exception {
        return CrdRules.databaseViolations(database);
    }
}
