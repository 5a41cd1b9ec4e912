package io.webmacs.migration.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * One request as the API server's audit log records it at the Metadata level: who asked, which verb on which resource
 * (with its subresource, as RBAC names it: {@code pods/log}), of which object in which namespace, whether the authorizer
 * allowed it and by which binding ({@code RBAC: allowed by ClusterRoleBinding "..." of ClusterRole "..." to ...}), and
 * the response's code.
 */
public record AuditedRequest(String user, String verb, String apiGroup, String resource, String namespace, String name,
        boolean authorized, String authorizedBy, int code, String uri) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every request of {@code auditLog} that completed (a watch is recorded when it starts and again when it ends). */
    public static List<AuditedRequest> read(Path auditLog) {
        try (Stream<String> lines = Files.lines(auditLog)) {
            return lines.map(AuditedRequest::json).filter(event -> "ResponseComplete".equals(event.path("stage").asText()))
                    .map(AuditedRequest::of).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AuditedRequest of(JsonNode event) {
        JsonNode object = event.path("objectRef");
        String subresource = object.path("subresource").asText();
        return new AuditedRequest(event.path("user").path("username").asText(), event.path("verb").asText(),
                object.path("apiGroup").asText(), object.path("resource").asText() + (subresource.isEmpty() ? "" : "/" + subresource),
                object.path("namespace").asText(), object.path("name").asText(),
                "allow".equals(event.path("annotations").path("authorization.k8s.io/decision").asText()),
                event.path("annotations").path("authorization.k8s.io/reason").asText(),
                event.path("responseStatus").path("code").asInt(), event.path("requestURI").asText());
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return verb + " " + uri + " (" + code + ")";
    }
}
