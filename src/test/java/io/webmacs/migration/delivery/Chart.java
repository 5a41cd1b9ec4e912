package io.webmacs.migration.delivery;

import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.webmacs.migration.cluster.ControlPlane;
import io.webmacs.migration.testsupport.Manifests;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The operator's Helm chart, rendered the way `helm template` renders it (helm-java: Helm's own library, no binary). */
final class Chart {

    static final Path DIRECTORY = Path.of("helm", "webmacs-migration-operator");
    static final String RELEASE = "webmacs-migration-operator";
    static final String NAMESPACE = "webmacs-migration-operator";

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

    /** The manifests as fabric8 model objects. */
    static List<HasMetadata> objects(String manifests) {
        return Manifests.parse(manifests);
    }
}
