package io.webmacs.migration.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.webmacs.migration.testsupport.Promtool;
import io.webmacs.migration.testsupport.Tier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerting rules, by Prometheus's own promtool: the plain rule file and the chart's PrometheusRule with other values
 * are valid rules, and each alert fires on series that should fire it and stays quiet on series that should not (its
 * unit tests, {@value #RULE_TESTS}); each alert has a severity, a summary and a runbook in docs/monitoring.md.
 */
class AlertingRulesTest {

    private static final String RULE_TESTS = "src/test/resources/prometheus/alerts-test.yaml";
    private static final Path MONITORING_PAGE = Path.of("docs", "monitoring.md");
    private static final YAMLMapper YAML = new YAMLMapper();

    @BeforeAll
    static void promtoolIsThere() {
        Tier.PROMTOOL.require(Promtool.unavailable());
    }

    @Test
    void theRuleFileIsValid() {
        Promtool.Run check = Promtool.checkRules(Chart.PROMETHEUS_RULES);

        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: " + alerts().size() + " rules found");
    }

    @Test
    void theChartsRulesWithOtherValuesAreValidToo(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, Chart.specOf(Chart.render(Map.of("metrics.prometheusRule.enabled", true,
                "metrics.prometheusRule.thresholds.reconcilingSeconds", 7200, "metrics.prometheusRule.thresholds.webhookLatencySeconds", 0.25,
                "metrics.prometheusRule.runbookUrl", "https://wiki.example.com/webmacs/monitoring")), "PrometheusRule"));

        Promtool.Run check = Promtool.checkRules(rules);

        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(Files.readString(rules)).contains("> 7200\n", "> 0.25\n", "runbook_url: https://wiki.example.com/webmacs/monitoring#");
    }

    @Test
    void everyAlertFiresOnItsSeriesAndStaysQuietOnTheOthers() {
        Promtool.Run test = Promtool.testRules(Path.of(RULE_TESTS));

        assertThat(test.exitCode()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    /** The unit tests evaluate each alert at least once where it fires and once where it must not. */
    @Test
    void everyAlertHasATestWhereItFiresAndOneWhereItDoesNot() throws Exception {
        List<JsonNode> evaluations = new ArrayList<>();
        YAML.readTree(Path.of(RULE_TESTS).toFile()).get("tests").forEach(test -> test.get("alert_rule_test").forEach(evaluations::add));

        for (JsonNode alert : alerts()) {
            String name = alert.get("alert").asText();
            List<JsonNode> ofAlert = evaluations.stream().filter(e -> e.get("alertname").asText().equals(name)).toList();
            assertThat(ofAlert).as("%s fires in a test", name).anyMatch(e -> !e.get("exp_alerts").isEmpty());
            assertThat(ofAlert).as("%s stays quiet in a test", name).anyMatch(e -> e.get("exp_alerts").isEmpty());
        }
    }

    @Test
    void everyAlertHasASeveritySummaryAndARunbookSectionOfTheMonitoringPage() {
        for (JsonNode alert : alerts()) {
            String name = alert.get("alert").asText();
            assertThat(alert.at("/labels/severity").asText()).as(name).isIn("warning", "critical");
            assertThat(alert.at("/annotations/summary").asText()).as(name).isNotBlank();
            assertThat(alert.at("/annotations/description").asText()).as(name).isNotBlank();
            String runbook = alert.at("/annotations/runbook_url").asText();
            assertThat(runbook).as(name).startsWith("https://github.com/webmacs/webmacs-migration-operator/blob/main/" + MONITORING_PAGE + "#");
            assertThat(Markdown.anchorsOf(MONITORING_PAGE)).as("%s's runbook section", name).contains(runbook.substring(runbook.indexOf('#') + 1));
        }
    }

    private static List<JsonNode> alerts() {
        try {
            List<JsonNode> alerts = new ArrayList<>();
            YAML.readTree(Chart.PROMETHEUS_RULES.toFile()).get("groups").forEach(group -> group.get("rules").forEach(alerts::add));
            return alerts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
