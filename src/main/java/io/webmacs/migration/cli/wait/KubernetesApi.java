package io.webmacs.migration.cli.wait;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.result.ErrorMessages;
import io.webmacs.migration.result.Failure;
import io.webmacs.migration.result.MigrationException;
import java.io.File;
import java.nio.file.Path;
import java.util.Map;

/** Finds the Kubernetes API the way kubectl does, and turns its failures into the one line the CLI prints. */
final class KubernetesApi {

    private KubernetesApi() {
    }

    /** {@code --kubeconfig}, else {@code $KUBECONFIG}, else {@code ~/.kube/config} or the pod's service account. */
    static Config config(Path kubeconfig, Map<String, String> environment) {
        Config config = kubeconfigOrAuto(kubeconfig != null ? kubeconfig.toString() : environment.get("KUBECONFIG"));
        // Unreachable fails within seconds, not after ten retries; once started, the informer keeps retrying itself.
        config.setRequestRetryBackoffLimit(3);
        return config;
    }

    private static Config kubeconfigOrAuto(String file) {
        if (file == null || file.isBlank()) {
            return Config.autoConfigure(null);
        }
        try {
            return Config.fromKubeconfig(null, new File(file));
        } catch (RuntimeException e) {
            throw new MigrationException(Failure.INVALID_KUBECONFIG,
                    "Cannot use the kubeconfig " + file + ": " + ErrorMessages.rootCause(e) + ".", e);
        }
    }

    static KubernetesClient client(Config config) {
        // Named, not looked up: fabric8 7.5's lookup leaves a Vert.x instance running for every client it builds.
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new VertxHttpClientFactory()).build();
    }

    /** The context's namespace, or the pod's, else {@code default}. */
    static String namespace(Config config) {
        return config.getNamespace() == null || config.getNamespace().isBlank() ? "default" : config.getNamespace();
    }

    /** As RBAC rules and kubectl name it; api/'s compile-time constants, copied by javac (the CLI jar has no api class). */
    private static final String RESOURCE = DatabaseMigration.PLURAL + "." + DatabaseMigration.GROUP;

    static MigrationException failure(KubernetesClientException e, Config config, String namespace) {
        String api = "The Kubernetes API at " + config.getMasterUrl();
        return switch (e.getCode()) {
            case 401, 403 -> new MigrationException(Failure.KUBERNETES_FORBIDDEN, api + " refused to list and watch"
                    + " " + DatabaseMigration.PLURAL + " in namespace " + namespace + " (HTTP " + e.getCode() + "): the account"
                    + " needs get, list and watch on " + RESOURCE + " there.", e);
            case 404 -> new MigrationException(Failure.KUBERNETES_UNREACHABLE, api + " does not serve"
                    + " " + RESOURCE + "/" + DatabaseMigration.VERSION + ": install the operator's CRD.", e);
            default -> new MigrationException(Failure.KUBERNETES_UNREACHABLE, "Cannot reach the Kubernetes API at "
                    + config.getMasterUrl() + ": " + ErrorMessages.rootCause(e) + ". Pass --kubeconfig or set KUBECONFIG.", e);
        };
    }
}
