package io.webmacs.migration.compose;

import io.webmacs.migration.cluster.Podman;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * podman's Docker-compatible API on a socket of its own, which Docker Compose talks to as it talks to Docker. Where
 * podman has systemd, a timer runs each container's health check; this machine has no systemd, so this runs the checks
 * of running compose containers every second instead, or no service would ever become healthy.
 */
final class PodmanDockerApi implements AutoCloseable {

    private final Process service;
    private final ScheduledExecutorService healthChecks = Executors.newSingleThreadScheduledExecutor();
    private final Path socket;

    private PodmanDockerApi(Process service, Path socket) {
        this.service = service;
        this.socket = socket;
    }

    static PodmanDockerApi start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path socket = dir.resolve("podman.sock").toAbsolutePath();
        Files.deleteIfExists(socket);
        Process service = Podman.command(List.of("system", "service", "--time=0", "unix://" + socket))
                .redirectErrorStream(true).redirectOutput(dir.resolve("podman-service.log").toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!Files.exists(socket)) {
            if (!service.isAlive() || Instant.now().isAfter(deadline)) {
                service.destroyForcibly();
                throw new IllegalStateException("podman system service did not open " + socket + "; see " + dir.resolve("podman-service.log"));
            }
            Thread.sleep(100);
        }
        PodmanDockerApi api = new PodmanDockerApi(service, socket);
        api.healthChecks.scheduleWithFixedDelay(PodmanDockerApi::runHealthChecks, 1, 1, TimeUnit.SECONDS);
        return api;
    }

    /** The value of DOCKER_HOST that reaches this API. */
    String dockerHost() {
        return "unix://" + socket;
    }

    private static void runHealthChecks() {
        try {
            Process ps = Podman.command(List.of("ps", "--filter", "label=com.docker.compose.project", "--format", "{{.Names}}")).start();
            List<String> names = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            ps.waitFor();
            for (String name : names) {
                // Fails for a container without a health check; that is fine.
                Podman.command(List.of("healthcheck", "run", name)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            System.err.println("health checks not run: " + e); // compose then waits for health and the test says so
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        healthChecks.shutdownNow();
        service.destroy();
        if (!service.waitFor(10, TimeUnit.SECONDS)) {
            service.destroyForcibly();
        }
    }
}
