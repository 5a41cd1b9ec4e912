package io.webmacs.migration.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.cluster.RbacGrant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Nothing the chart or deploy/operator.yaml renders grants anything on Secrets, in any watch scope. That the operator's
 * grants are what it uses, no more, {@code cluster/RbacAuditIT} checks against the real-cluster scenarios' audit logs.
 */
class ChartRbacIT {

    @Test
    void nothingAnywhereGrantsAccessToSecrets() throws Exception {
        Stream<String> manifests = Stream.of(Chart.render(Map.of()), Chart.render(Map.of("watch.scope", "release")),
                Chart.render(Map.of("watch.scope", "namespaces", "watch.namespaces[0]", "lab")),
                Files.readString(Path.of("deploy", "operator.yaml")));

        manifests.forEach(manifest -> assertThat(RbacGrant.of(Chart.objects(manifest)))
                .noneMatch(g -> g.resource().equals("secrets") || g.resource().equals("*")));
    }
}
