package io.webmacs.migration.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webmacs.migration.cluster.Node;
import io.webmacs.migration.cluster.Podman;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A compose project run with Docker Compose against podman: WebMACS's compose file with deploy/compose/ added to it. */
final class ComposeProject implements AutoCloseable {

    static final Path DOCKER_COMPOSE = Path.of(Optional.ofNullable(System.getenv("WEBMACS_COMPOSE_DIR"))
            .orElse(System.getProperty("user.home") + "/.cache/webmacs-compose"), "docker-compose");
    static final List<String> IMAGES = List.of(Node.POSTGRES_IMAGE, Node.SHIPPED_IMAGE);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private final String name;
    private final List<Path> files;
    private final Map<String, String> env;
    private final PodmanDockerApi api;

    ComposeProject(String name, List<Path> files, Map<String, String> env, PodmanDockerApi api) {
        this.name = name;
        this.files = files;
        this.env = env;
        this.api = api;
    }

    /** Why the compose tests cannot run here, if they cannot. */
    static Optional<String> unavailable() {
        if (!Files.isExecutable(DOCKER_COMPOSE)) {
            return Optional.of(DOCKER_COMPOSE + " is missing; build it with test/compose/build.sh");
        }
        return IMAGES.stream().map(Podman::unavailable).flatMap(Optional::stream).findFirst();
    }

    /** What one docker compose command printed and how it exited. */
    record Outcome(int exitCode, String output, Duration took) {
    }

    /** The state of a service's container: {@code created}, {@code running} or {@code exited}, and its exit code. */
    record ServiceState(String state, int exitCode) {
    }

    Outcome compose(String... args) {
        List<String> command = new ArrayList<>(List.of(DOCKER_COMPOSE.toString(), "--project-name", name));
        files.forEach(file -> command.addAll(List.of("--file", file.toAbsolutePath().toString())));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("DOCKER_HOST", api.dockerHost());
        long started = System.nanoTime();
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("docker compose " + String.join(" ", args) + " did not end in " + TIMEOUT + ":\n" + output);
            }
            return new Outcome(process.exitValue(), output, Duration.ofNanos(System.nanoTime() - started));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code docker compose up --detach}, which waits for each service's dependencies as it starts it. */
    Outcome up() {
        return compose("up", "--detach");
    }

    String logs(String service) {
        return compose("logs", "--no-color", "--no-log-prefix", service).output();
    }

    ServiceState state(String service) {
        String line = compose("ps", "--all", "--format", "json", service).output().lines()
                .filter(l -> l.startsWith("{")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no container for service " + service));
        try {
            JsonNode container = JSON.readTree(line);
            return new ServiceState(container.get("State").asText(), container.get("ExitCode").asInt());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the project's containers, network and volumes. */
    @Override
    public void close() {
        compose("down", "--volumes", "--timeout", "1");
    }
}
