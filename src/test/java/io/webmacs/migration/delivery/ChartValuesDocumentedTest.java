package io.webmacs.migration.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The chart README's table of values names every value in values.yaml, and the schema knows every one. */
class ChartValuesDocumentedTest {

    /** Values whose keys are the user's own (resource quantities, labels, Kubernetes objects), not chart settings. */
    private static final Set<String> FREE_FORM = Set.of("resources", "nodeSelector", "affinity", "podAnnotations",
            "webhook.namespaceSelector", "webhook.objectSelector", "metrics.grafanaDashboard.labels");

    @Test
    void everyValueIsInTheReadmeAndTheSchema() throws Exception {
        JsonNode values = new YAMLMapper().readTree(Chart.DIRECTORY.resolve("values.yaml").toFile());
        String readme = Files.readString(Chart.DIRECTORY.resolve("README.md"));
        String schema = Files.readString(Chart.DIRECTORY.resolve("values.schema.json"));

        List<String> paths = new ArrayList<>();
        collect(values, "", paths);

        assertThat(paths).hasSizeGreaterThan(20).allSatisfy(path -> {
            assertThat(readme).as("the chart's README documents %s", path).contains("`" + path + "`");
            assertThat(schema).as("values.schema.json knows %s", path)
                    .contains("\"" + path.substring(path.lastIndexOf('.') + 1) + "\"");
        });
    }

    private static void collect(JsonNode node, String prefix, List<String> paths) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String path = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            if (field.getValue().isObject() && !FREE_FORM.contains(path) && field.getValue().size() > 0) {
                collect(field.getValue(), path, paths);
            } else {
                paths.add(path);
            }
        }
    }
}
