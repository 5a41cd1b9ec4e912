package io.webmacs.migration.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the verbs that talk to the Kubernetes API (wait, approve) find the DatabaseMigration and the cluster. */
final class KubernetesOptions {

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
            description = "Default: the kubeconfig context's namespace, or the pod's own, else default.")
    String namespace;

    @Option(names = "--kubeconfig", paramLabel = "PATH",
            description = "Default: $KUBECONFIG (one file), ~/.kube/config, or the pod's service account.")
    Path kubeconfig;
}
