package io.webmacs.migration.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Grafana dashboard the chart ships, and the PromQL Grafana sends to Prometheus for it: each panel's queries with
 * Grafana's interval variables filled in as Grafana fills them, and the series selector of each query variable.
 */
public final class GrafanaDashboard {

    public static final Path FILE = Path.of("helm", "webmacs-migration-operator", "files", "grafana-dashboard.json");
    /** Grafana's own variables that stand for a duration; Grafana replaces them before it sends a query. */
    private static final Map<String, String> INTERVALS = Map.of("$__rate_interval", "1m", "$__interval", "30s", "$__range", "6h");
    private static final String LABEL_VALUES = "label_values(";

    /** A query of the dashboard: where it is (a panel's title, or a variable's name) and its PromQL. */
    public record Query(String where, String expr) {
    }

    private GrafanaDashboard() {
    }

    private static JsonNode json() {
        try {
            return new ObjectMapper().readTree(FILE.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The panels that show data (the rows only group them). */
    private static List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        json().get("panels").forEach(panel -> {
            if (!"row".equals(panel.get("type").asText())) {
                panels.add(panel);
            }
        });
        return panels;
    }

    /** Every query of the dashboard, as Grafana sends it. */
    public static List<Query> queries() {
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : panels()) {
            panel.get("targets").forEach(target -> queries.add(new Query(panel.get("title").asText(), filledIn(target.get("expr").asText()))));
        }
        json().at("/templating/list").forEach(variable -> {
            if ("query".equals(variable.get("type").asText())) {
                queries.add(new Query("$" + variable.get("name").asText(), selectorOf(variable.at("/query/query").asText())));
            }
        });
        return queries;
    }

    private static String filledIn(String expr) {
        String filled = expr;
        for (Map.Entry<String, String> interval : INTERVALS.entrySet()) {
            filled = filled.replace(interval.getKey(), interval.getValue());
        }
        return filled;
    }

    /** Grafana's {@code label_values(SELECTOR, LABEL)}: the series selector, which is PromQL. */
    private static String selectorOf(String variableQuery) {
        if (!variableQuery.startsWith(LABEL_VALUES) || !variableQuery.endsWith(")") || variableQuery.lastIndexOf(',') < 0) {
            throw new IllegalArgumentException("not Grafana's label_values(SELECTOR, LABEL): " + variableQuery);
        }
        return variableQuery.substring(LABEL_VALUES.length(), variableQuery.lastIndexOf(',')).trim();
    }
}
