package io.webmacs.migration.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A long-running program of the test cluster (kube-apiserver, containerd, the kubelet...), started here with its output
 * in a log file, and ended by its own process id: SIGTERM, then SIGKILL if it is still there after its grace period.
 */
record Daemon(String name, Process process) {

    private static final long GRACE_SECONDS = 30;

    static Daemon start(String name, Path log, List<String> command) {
        try {
            return new Daemon(name, new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** Sends SIGTERM and waits for the program to end, sending SIGKILL after the grace period. */
    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(GRACE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
