package io.webmacs.migration.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.webmacs.migration.gate.WebhookCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kubelet's HTTPS endpoint for container logs, {@code GET /containerLogs/{namespace}/{pod}/{container}}, which the
 * API server calls for {@code pods/log} (at the Node's InternalIP and {@code daemonEndpoints.kubeletEndpoint.port}).
 * The API server verifies a kubelet's certificate only when given {@code --kubelet-certificate-authority}, which
 * {@link ControlPlane} does not pass, so a self-issued one does. It answers with the whole log: the query parameters
 * ({@code follow}, {@code tailLines}, {@code limitBytes}, {@code previous}...) are not honoured.
 */
final class KubeletLogServer implements AutoCloseable {

    /** Namespace, pod and container names are DNS labels or subdomains; nothing else names a file. */
    private static final Pattern PATH = Pattern.compile("/containerLogs/([a-z0-9.-]+)/([a-z0-9.-]+)/([a-z0-9.-]+)");

    /** Where the output of container (namespace, pod, container) went. */
    @FunctionalInterface
    interface Logs {
        Path of(String namespace, String pod, String container);
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final Logs logs;

    KubeletLogServer(Logs logs) {
        this.logs = logs;
        WebhookCertificate certificate = WebhookCertificate.issue(FakeKubelet.NODE, List.of("localhost", FakeKubelet.NODE),
                Instant.now(), Duration.ofDays(1));
        server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                        .setCertValue(Buffer.buffer(certificate.certificatePem())).setKeyValue(Buffer.buffer(certificate.privateKeyPem()))))
                .requestHandler(this::serve);
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the fake kubelet's log server did not start", e);
        }
    }

    private void serve(HttpServerRequest request) {
        Matcher path = PATH.matcher(request.path());
        if (!path.matches()) {
            request.response().setStatusCode(404).end("not a container log: " + request.path() + "\n");
            return;
        }
        Path log = logs.of(path.group(1), path.group(2), path.group(3));
        vertx.<Buffer>executeBlocking(() -> Files.exists(log) ? Buffer.buffer(Files.readAllBytes(log)) : null, false)
                .onSuccess(content -> {
                    if (content == null) {
                        // What a kubelet says for a container it has not started (or does not know).
                        request.response().setStatusCode(404).end("container \"" + path.group(3) + "\" in pod \"" + path.group(2)
                                + "\" has not started\n");
                    } else {
                        request.response().putHeader("Content-Type", "text/plain").end(content);
                    }
                })
                .onFailure(e -> request.response().setStatusCode(500).end(e instanceof IOException ? e.getMessage() : e.toString()));
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        vertx.close();
    }
}
