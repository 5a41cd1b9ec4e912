package io.webmacs.migration.testsupport;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus's own tools, built by {@code test/promtool/build.sh} from the Prometheus Go module: promtool (rules checked
 * and unit-tested, metrics linted) and promql-metrics, which names the metrics of PromQL expressions as Prometheus's
 * parser reads them.
 */
public final class Promtool {

    public static final String BUILD_COMMAND = "test/promtool/build.sh";
    private static final Path DIRECTORY = Path.of(Optional.ofNullable(System.getenv("WEBMACS_PROMTOOL_DIR"))
            .orElse(System.getProperty("user.home") + "/.cache/webmacs-promtool"));
    private static final Path PROMTOOL = DIRECTORY.resolve("promtool");
    private static final Path PROMQL_METRICS = DIRECTORY.resolve("promql-metrics");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a run of one of the tools printed (stdout and stderr), and its exit code. */
    public record Run(int exitCode, String output) {
    }

    /** The metric names of one expression. */
    private record Names(String expr, List<String> metrics) {
    }

    private Promtool() {
    }

    /** Why the tools cannot run here, if they cannot. */
    public static Optional<String> unavailable() {
        return Files.isExecutable(PROMTOOL) && Files.isExecutable(PROMQL_METRICS) ? Optional.empty()
                : Optional.of(PROMTOOL + " or " + PROMQL_METRICS + " is missing; build them with " + BUILD_COMMAND);
    }

    /** {@code promtool check rules FILE}: the rule file parses, and each expression is valid PromQL. */
    public static Run checkRules(Path file) {
        return run(List.of(PROMTOOL.toString(), "check", "rules", file.toString()), "");
    }

    /** {@code promtool test rules FILE}: the rule unit tests of the file, against the rule files it names. */
    public static Run testRules(Path file) {
        return run(List.of(PROMTOOL.toString(), "test", "rules", file.toString()), "");
    }

    /** {@code promtool check metrics}: Prometheus's lint of metrics in the text exposition format. */
    public static Run checkMetrics(String exposition) {
        return run(List.of(PROMTOOL.toString(), "check", "metrics"), exposition);
    }

    /** For each expression, the metric names its selectors name, as Prometheus's PromQL parser reads it. */
    public static Map<String, List<String>> metricNames(List<String> expressions) {
        try {
            Run run = run(List.of(PROMQL_METRICS.toString()), JSON.writeValueAsString(expressions));
            if (run.exitCode() != 0) {
                throw new IllegalStateException("promql-metrics failed: " + run.output());
            }
            Map<String, List<String>> names = new LinkedHashMap<>();
            for (Names each : JSON.readValue(run.output(), new TypeReference<List<Names>>() { })) {
                names.put(each.expr(), each.metrics());
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Run run(List<String> command, String stdin) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 60 s");
            }
            return new Run(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
