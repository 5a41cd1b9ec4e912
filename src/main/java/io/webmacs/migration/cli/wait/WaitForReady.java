package io.webmacs.migration.cli.wait;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/** The {@code wait} verb's work: watch a DatabaseMigration until it is Ready, Stalled, or the timeout passes. */
public final class WaitForReady {

    private WaitForReady() {
    }

    /** What the wait ended with: the JSON result, the text line on success, the failure otherwise. */
    public record Outcome(WaitResult result, String text, MigrationException failure) {
    }

    /**
     * Waits for {@code name} in {@code namespace} (default: the kubeconfig's); {@code progress} hears what is seen on the
     * way. Bad kubeconfigs and settings throw a {@link MigrationException}; API errors end the wait as its outcome.
     */
    public static Outcome await(String name, String namespace, Duration timeout, Path kubeconfig, Map<String, String> environment,
            Consumer<String> progress) throws InterruptedException {
        long started = System.nanoTime();
        Config config = KubernetesApi.config(kubeconfig, environment);
        String inNamespace = namespace != null ? namespace : KubernetesApi.namespace(config);
        MigrationReadiness seen;
        try (KubernetesClient client = KubernetesApi.client(config)) {
            seen = new ReadyWait(client, inNamespace, name).await(timeout, now -> progress.accept(name + ": " + now.seen()));
        } catch (KubernetesClientException e) {
            MigrationException failure = KubernetesApi.failure(e, config, inNamespace);
            return new Outcome(WaitResult.failed(name, inNamespace, failure, millisSince(started)), null, failure);
        }
        if (seen.drift() != null) {
            progress.accept("warning: " + name + " is Drifted: " + seen.drift());
        }
        MigrationException failure = failure("DatabaseMigration " + inNamespace + "/" + name, seen, timeout);
        return new Outcome(WaitResult.of(name, inNamespace, seen, failure, millisSince(started)), failure != null ? null
                : name + " is Ready at " + seen.revision() + " (generation " + seen.generation() + ")\n", failure);
    }

    /** Why the wait ended without Ready, or null when it is Ready. */
    private static MigrationException failure(String migration, MigrationReadiness seen, Duration timeout) {
        return switch (seen.state()) {
            case READY -> null;
            case STALLED -> new MigrationException(Failure.MIGRATION_STALLED, migration + " is " + seen.seen()
                    + ". Waiting will not help: fix its spec or its changelog.");
            default -> new MigrationException(Failure.WAIT_TIMEOUT, migration + " is not Ready after " + timeout.toSeconds()
                    + "s; last seen: " + seen.seen() + ".");
        };
    }

    private static long millisSince(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }
}
