package io.webmacs.migration.cli.wait;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.contract.ErrorMessages;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.io.File;
import java.nio.file.Path;
import java.util.Map;

/** Finds the Kubernetes API the way kubectl does, and turns its failures into the one line the CLI prints. */
public final class KubernetesApi {

    /**
     * Spelled out, so that the client needs no API discovery, nor permission for it. The names are api/'s compile-time
     * constants: javac copies their values here, so the CLI jar carries no class of api/.
     */
    public static final ResourceDefinitionContext DATABASE_MIGRATIONS = new ResourceDefinitionContext.Builder()
            .withGroup(DatabaseMigration.GROUP).withVersion(DatabaseMigration.VERSION).withKind(DatabaseMigration.KIND)
            .withPlural(DatabaseMigration.PLURAL).withNamespaced(true).build();

    private KubernetesApi() {
    }

    /** {@code --kubeconfig}, else {@code $KUBECONFIG}, else {@code ~/.kube/config} or the pod's service account. */
    public static Config config(Path kubeconfig, Map<String, String> environment) {
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

    public static KubernetesClient client(Config config) {
        // Named, not looked up: fabric8 7.5's lookup leaves a Vert.x instance running for every client it builds.
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new VertxHttpClientFactory()).build();
    }

    /** The context's namespace, or the pod's, else {@code default}. */
    public static String namespace(Config config) {
        return config.getNamespace() == null || config.getNamespace().isBlank() ? "default" : config.getNamespace();
    }

    /** As RBAC rules and kubectl name it; api/'s compile-time constants, copied by javac (the CLI jar has no api class). */
    private static final String RESOURCE = DatabaseMigration.PLURAL + "." + DatabaseMigration.GROUP;

    static MigrationException failure(KubernetesClientException e, Config config, String namespace) {
        return failure(e, config, namespace, "list and watch " + DatabaseMigration.PLURAL, "get, list and watch on " + RESOURCE);
    }

    /** The failure of a call that {@code tried} something and needs {@code needs} (RBAC verbs on resources) in {@code namespace}. */
    public static MigrationException failure(KubernetesClientException e, Config config, String namespace, String tried, String needs) {
        String api = "The Kubernetes API at " + config.getMasterUrl();
        return switch (e.getCode()) {
            case 401, 403 -> new MigrationException(Failure.KUBERNETES_FORBIDDEN, api + " refused to " + tried
                    + " in namespace " + namespace + " (HTTP " + e.getCode() + "): the account needs " + needs + " there.", e);
            case 404 -> new MigrationException(Failure.KUBERNETES_UNREACHABLE, api + " does not serve"
                    + " " + RESOURCE + "/" + DatabaseMigration.VERSION + ": install the operator's CRD.", e);
            default -> new MigrationException(Failure.KUBERNETES_UNREACHABLE, "Cannot reach the Kubernetes API at "
                    + config.getMasterUrl() + ": " + ErrorMessages.clause(ErrorMessages.rootCause(e))
                    + ". Pass --kubeconfig or set KUBECONFIG.", e);
        };
    }
}
