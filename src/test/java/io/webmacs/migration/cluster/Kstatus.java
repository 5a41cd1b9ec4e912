package io.webmacs.migration.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.contract.Conditions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * kstatus, the library Flux health checks and Helm 4's {@code --wait} decide with: the program {@code test/kstatus/}
 * builds from sigs.k8s.io/cli-utils, run on an object as the real API server returned it.
 */
public final class Kstatus {

    public static final String BUILD_COMMAND = "test/kstatus/build.sh";
    private static final Path BINARY = Path.of(Optional.ofNullable(System.getenv("WEBMACS_KSTATUS_DIR"))
            .orElse(System.getProperty("user.home") + "/.cache/webmacs-kstatus"), "kstatus");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** kstatus's statuses (sigs.k8s.io/cli-utils/pkg/kstatus/status.Status). */
    public enum Status { InProgress, Failed, Current, Terminating, NotFound, Unknown }

    /** What kstatus computed, and its message. */
    public record Verdict(Status status, String message) {
    }

    private Kstatus() {
    }

    /**
     * What kstatus must say of a DatabaseMigration, read from its own status: InProgress until the status speaks for the
     * current generation, then Failed while Stalled, Current while Ready, and InProgress otherwise.
     */
    public static Status expectedOf(DatabaseMigration migration) {
        DatabaseMigrationStatus status = migration.getStatus();
        if (status == null || !Objects.equals(status.getObservedGeneration(), migration.getMetadata().getGeneration())) {
            return Status.InProgress;
        }
        if (status.isTrue(Conditions.STALLED)) {
            return Status.Failed;
        }
        return status.isTrue(Conditions.READY) ? Status.Current : Status.InProgress;
    }

    /** Why kstatus cannot run here, if it cannot. */
    public static Optional<String> unavailable() {
        return Files.isExecutable(BINARY) ? Optional.empty() : Optional.of(BINARY + " is missing; build it with " + BUILD_COMMAND);
    }

    /** kstatus of one object, given as the API server's JSON. */
    public static Verdict of(String object) {
        try {
            Process process = new ProcessBuilder(BINARY.toString()).start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(object.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("kstatus failed: " + err + "\non: " + object);
            }
            return JSON.readValue(out, Verdict.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
