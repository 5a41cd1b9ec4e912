package io.webmacs.migration.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed CRD is the one the build generates from the Java types (runs after package, which generates it). */
class CrdDriftIT {

    private static final String FILE = "databasemigrations.migrations.webmacs.io-v1.yml";

    @Test
    void committedCrdIsTheGeneratedOne() throws Exception {
        String generated = Files.readString(Path.of("target", "kubernetes", FILE));
        String committed = Files.readString(Path.of("crds", FILE));

        assertThat(committed)
                .withFailMessage("crds/%s differs from the CRD generated from the API types. Regenerate it with:%n"
                        + "  ./mvnw -B -DskipTests package && cp target/kubernetes/%s crds/", FILE, FILE)
                .isEqualTo(generated);
    }
}
