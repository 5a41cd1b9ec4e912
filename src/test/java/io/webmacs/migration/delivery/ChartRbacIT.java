package io.webmacs.migration.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC covers what the operator needs, as the operator SDK generates it from the code at package time
 * (target/kubernetes/kubernetes.yml), compared as sets of (apiGroup, resource, verb); and grants nothing on Secrets.
 */
class ChartRbacIT {

    private record Grant(String apiGroup, String resource, String verb) {
    }

    @Test
    void chartGrantsASupersetOfTheGeneratedRbacInEveryWatchScope() throws Exception {
        Set<Grant> needed = grants(Chart.objects(Files.readString(Path.of("target", "kubernetes", "kubernetes.yml"))));
        assertThat(needed).as("the generated RBAC").isNotEmpty();

        for (Map<String, Object> values : List.of(Map.<String, Object>of(), Map.<String, Object>of("watch.scope", "release"),
                Map.<String, Object>of("watch.scope", "namespaces", "watch.namespaces[0]", "lab"))) {
            assertThat(grants(Chart.objects(Chart.render(values)))).as("chart with %s", values).containsAll(needed);
        }
    }

    @Test
    void nothingAnywhereGrantsAccessToSecrets() throws Exception {
        Stream<String> manifests = Stream.of(Chart.render(Map.of()), Chart.render(Map.of("watch.scope", "release")),
                Files.readString(Path.of("deploy", "operator.yaml")));

        manifests.forEach(manifest -> assertThat(grants(Chart.objects(manifest)))
                .noneMatch(g -> g.resource().equals("secrets") || g.resource().equals("*")));
    }

    private static Set<Grant> grants(List<HasMetadata> objects) {
        return objects.stream()
                .flatMap(o -> o instanceof ClusterRole c ? c.getRules().stream() : o instanceof Role r ? r.getRules().stream() : Stream.empty())
                .flatMap(ChartRbacIT::grants)
                .collect(Collectors.toSet());
    }

    private static Stream<Grant> grants(PolicyRule rule) {
        return rule.getApiGroups().stream().flatMap(group -> rule.getResources().stream()
                .flatMap(resource -> rule.getVerbs().stream().map(verb -> new Grant(group, resource, verb))));
    }
}
