package io.webmacs.migration.testsupport;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.webmacs.migration.api.DatabaseMigration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Kubernetes manifests, one document or many, read as typed fabric8 objects (a DatabaseMigration as the operator's own
 * type), with no cluster: the one way the tests read deploy/, the examples and the rendered chart.
 */
public final class Manifests {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    static {
        SERIALIZATION.registerKubernetesResource(DatabaseMigration.class);
    }

    private Manifests() {
    }

    /** The objects of the manifest file {@code file}. */
    public static List<HasMetadata> read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The objects of the manifests {@code yaml}. */
    public static List<HasMetadata> parse(String yaml) {
        Object parsed = SERIALIZATION.unmarshal(yaml);
        if (parsed instanceof KubernetesList list) {
            return list.getItems();
        } else if (parsed instanceof List<?> list) {
            return list.stream().filter(Objects::nonNull).map(HasMetadata.class::cast).toList();
        } else if (parsed instanceof HasMetadata object) {
            return List.of(object);
        }
        return List.of();
    }

    /** {@code objects} as one multi-document manifest, as kubectl apply -f takes it. */
    public static String yaml(List<HasMetadata> objects) {
        return objects.stream().map(SERIALIZATION::asYaml).collect(Collectors.joining("\n"));
    }
}
