package io.webmacs.migration.cluster;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.testsupport.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The main job (scripts/demo.sh): the example DatabaseMigration applied and its status printed until it is Ready.
 * With no KUBECONFIG, everything runs here: the local control plane and node of the real-cluster tests, an embedded
 * PostgreSQL, and the operator installed with {@code kubectl apply -f crds/ -f deploy/operator.yaml}, running in a
 * container of the shipped image, which runs the migration Job's container too. With KUBECONFIG set, that
 * cluster is used instead: the CRD, the operator and all of deploy/examples/ (with its own PostgreSQL) are applied there.
 */
public final class Demo {

    private static final String NAMESPACE = "webmacs-demo";
    private static final String NAME = "webmacs";
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    public static void main(String[] args) throws Exception {
        boolean ready = System.getenv("KUBECONFIG") != null ? onYourCluster() : local();
        System.exit(ready ? 0 : 1);
    }

    private static boolean local() throws IOException, InterruptedException {
        Optional<String> unavailable = ControlPlane.unavailable().or(Node::unavailable);
        if (unavailable.isPresent()) {
            System.err.println(unavailable.get());
            return false;
        }
        System.out.println("Starting a local Kubernetes " + ControlPlane.VERSION + " (a control plane and a node), PostgreSQL and the operator...");
        try (OperatorCluster operator = OperatorCluster.installedWithKubectl("demo")) {
            TestDatabase db = operator.newDatabase();
            Path secret = Files.writeString(operator.cluster().workDir().resolve("webmacs-db.yaml"), """
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: webmacs-db, namespace: webmacs-demo}
                    stringData: {DATABASE_URL: "%s"}
                    """.formatted(db.sqlAlchemyUrl()));
            System.out.println("kubectl apply -f deploy/examples/00-namespace.yaml -f (a Secret for the local PostgreSQL)"
                    + " -f deploy/examples/30-databasemigration.yaml");
            System.out.print(operator.succeeds("apply", "-f", "deploy/examples/00-namespace.yaml", "-f", secret.toString(),
                    "-f", "deploy/examples/30-databasemigration.yaml"));
            boolean ready = printUntilReady(operator.client());
            System.out.println("The tables of " + db.name() + ": " + db.rows("SELECT string_agg(tablename, ' ' ORDER BY tablename)"
                    + " FROM pg_tables WHERE schemaname = 'public'").get(0));
            return ready;
        }
    }

    private static boolean onYourCluster() throws IOException, InterruptedException {
        System.out.println("Using the cluster in KUBECONFIG (" + System.getenv("KUBECONFIG") + ")");
        if (kubectl("get", "namespace", OperatorCluster.NAMESPACE) != 0) {
            succeeds("create", "namespace", OperatorCluster.NAMESPACE);
        }
        succeeds("apply", "-f", "crds/");
        succeeds("wait", "--for=condition=Established", "crd/databasemigrations.migrations.webmacs.io");
        succeeds("apply", "-f", "deploy/operator.yaml", "-f", "deploy/examples/");
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            return printUntilReady(client);
        }
    }

    /** Prints each new state of the example DatabaseMigration until it is Ready, Stalled or the time is up. */
    private static boolean printUntilReady(KubernetesClient client) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        String last = null;
        while (Instant.now().isBefore(deadline)) {
            DatabaseMigration migration = client.resources(DatabaseMigration.class).inNamespace(NAMESPACE).withName(NAME).get();
            DatabaseMigrationStatus status = migration == null ? null : migration.getStatus();
            String now = describe(status);
            if (!Objects.equals(now, last)) {
                System.out.println(now);
                last = now;
            }
            if (status != null && (isTrue(status, Conditions.READY) || isTrue(status, Conditions.STALLED))) {
                return isTrue(status, Conditions.READY);
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
        System.out.println("Not Ready after " + TIMEOUT.toMinutes() + " minutes");
        return false;
    }

    private static String describe(DatabaseMigrationStatus status) {
        if (status == null) {
            return NAMESPACE + "/" + NAME + ": no status yet";
        }
        String conditions = status.getConditions().stream().filter(c -> "True".equals(c.getStatus()))
                .map(c -> c.getType() + " (" + c.getReason() + "): " + c.getMessage()).collect(Collectors.joining("; "));
        return NAMESPACE + "/" + NAME + ": revision " + Objects.requireNonNullElse(status.getRevision(), "none") + ", " + conditions;
    }

    private static boolean isTrue(DatabaseMigrationStatus status, String type) {
        return status.condition(type).map(Condition::getStatus).filter("True"::equals).isPresent();
    }

    private static void succeeds(String... args) throws IOException, InterruptedException {
        if (kubectl(args) != 0) {
            throw new IllegalStateException("failed: kubectl " + String.join(" ", args));
        }
    }

    /** Runs the user's kubectl; its exit code. */
    private static int kubectl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kubectl"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
