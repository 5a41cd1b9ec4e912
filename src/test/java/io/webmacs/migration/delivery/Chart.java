package io.webmacs.migration.delivery;

import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.webmacs.migration.cluster.ControlPlane;
import io.webmacs.migration.testsupport.Manifests;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The operator's Helm chart, rendered the way `helm template` renders it (helm-java: Helm's own library, no binary). */
final class Chart {

    static final Path DIRECTORY = Path.of("helm", "webmacs-migration-operator");
    static final String RELEASE = "webmacs-migration-operator";
    static final String NAMESPACE = "webmacs-migration-operator";
    /** The chart's alerting rules with the default values, as a plain Prometheus rule file: the PrometheusRule's spec. */
    static final Path PROMETHEUS_RULES = Path.of("deploy", "monitoring", "prometheus-rules.yaml");
    /** What separates the documents of rendered manifests, and where an object's spec begins. */
    private static final String SEPARATOR = "---\n";
    private static final String SPEC = "\nspec:\n";

    private Chart() {
    }

    /** The manifests for {@code values} (on top of values.yaml), as text, for the Kubernetes of the real-cluster tier. */
    static String render(Map<String, Object> values) {
        TemplateCommand template = new Helm(DIRECTORY).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(ControlPlane.VERSION);
        values.forEach(template::set);
        return template.call();
    }

    /** What `helm install` prints after installing with {@code values}: the chart's NOTES.txt, rendered (client-only dry run). */
    static String installNotes(Map<String, Object> values) {
        InstallCommand install = new Helm(DIRECTORY).install().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(ControlPlane.VERSION).dryRun()
                .withDryRunOption(DryRun.CLIENT).clientOnly();
        values.forEach(install::set);
        String output = install.call().getOutput();
        return output.substring(output.indexOf("NOTES:"));
    }

    /** The spec of the one object of {@code kind} in {@code manifests}, as the chart rendered it, indented as a document of its own. */
    static String specOf(String manifests, String kind) {
        List<String> documents = Arrays.stream(manifests.split(SEPARATOR)).filter(d -> d.contains("\nkind: " + kind + "\n")).toList();
        if (documents.size() != 1) {
            throw new IllegalArgumentException(documents.size() + " objects of kind " + kind + " in the rendered chart");
        }
        String document = documents.get(0);
        return document.substring(document.indexOf(SPEC) + SPEC.length()).lines().map(line -> line.substring(Math.min(2, line.length())))
                .collect(Collectors.joining("\n", "", "\n"));
    }

    /** The manifests as fabric8 model objects. */
    static List<HasMetadata> objects(String manifests) {
        return Manifests.parse(manifests);
    }
}
