package io.webmacs.migration.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An OCI registry on this machine: CNCF Distribution's, which test/registry/build.sh builds from its Go module, on a free
 * port of an address of this machine, serving plain HTTP (nothing leaves the machine, so no TLS), with no
 * authentication and its storage in the directory it is given. Its log, with a line per request, is
 * {@code registry.log} there.
 */
final class LocalRegistry implements AutoCloseable {

    static final String BUILD_COMMAND = "test/registry/build.sh";
    private static final Path BINARY = Path.of(Optional.ofNullable(System.getenv("WEBMACS_REGISTRY_DIR"))
            .orElse(System.getProperty("user.home") + "/.cache/webmacs-registry"), "registry");

    private final String host;
    private final Path log;
    private final Daemon daemon;

    private LocalRegistry(String host, Path log, Daemon daemon) {
        this.host = host;
        this.log = log;
        this.daemon = daemon;
    }

    /** Why the registry cannot run here, if it cannot. */
    static Optional<String> unavailable() {
        return Files.isExecutable(BINARY) ? Optional.empty() : Optional.of(BINARY + " is missing; build it with " + BUILD_COMMAND);
    }

    /** Starts a registry on {@code address}, which keeps what is pushed to it in {@code dir}, and waits until it answers. */
    static LocalRegistry start(Path dir, String address) {
        String host = address + ":" + ControlPlane.freePort();
        try {
            Path storage = Files.createDirectories(dir.resolve("storage"));
            Path config = Files.writeString(dir.resolve("config.yml"), """
                    version: 0.1
                    log: {level: info, formatter: text}
                    storage: {filesystem: {rootdirectory: %s}}
                    http: {addr: "%s"}
                    """.formatted(storage, host));
            Path log = dir.resolve("registry.log");
            LocalRegistry registry = new LocalRegistry(host, log, Daemon.start("registry", log, List.of(BINARY.toString(), "serve", config.toString())));
            registry.awaitAnswering();
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitAnswering() {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest base = HttpRequest.newBuilder(URI.create("http://" + host() + "/v2/")).timeout(Duration.ofSeconds(2)).build();
        try {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> http.send(base, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        } catch (RuntimeException e) {
            daemon.stop();
            throw e;
        }
    }

    /** Its name in image references: {@code ADDRESS:PORT}. */
    String host() {
        return host;
    }

    /** The requests it has served: one log line each, with the method, the path and the client's User-Agent. */
    List<String> requests() {
        try {
            return Files.readAllLines(log).stream().filter(line -> line.contains("response completed")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        daemon.stop();
    }
}
