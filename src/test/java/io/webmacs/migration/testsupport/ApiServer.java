package io.webmacs.migration.testsupport;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * DatabaseMigrations on a mock API server, written as the operator writes them. The resource names come from the
 * committed CRD, not from the code under test.
 */
public final class ApiServer {

    private final KubernetesClient client;
    private CustomResourceDefinitionContext databaseMigrations;

    public ApiServer(KubernetesClient client) {
        this.client = client;
    }

    /** Installs the committed CRD, so that the server knows the status subresource and counts generations. */
    public void installCrd() {
        try (InputStream in = new FileInputStream("crds/databasemigrations.migrations.webmacs.io-v1.yml")) {
            CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
            client.resource(crd).create();
            databaseMigrations = CustomResourceDefinitionContext.fromCrd(crd);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void create(String namespace, String name) {
        in(namespace).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion(databaseMigrations.getGroup() + "/" + databaseMigrations.getVersion())
                .withKind(databaseMigrations.getKind())
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of(
                        "database", Map.of("url", "jdbc:postgresql://db:5432/webmacs"), "targetRevision", "head")))
                .build()).create();
    }

    /** A spec change: the API server raises the generation. */
    public void changeTarget(String namespace, String name, String targetRevision) {
        in(namespace).withName(name).edit(m -> {
            Map<String, Object> spec = m.get("spec");
            spec.put("targetRevision", targetRevision);
            return m;
        });
    }

    public void ready(String namespace, String name, long generation, String revision) {
        status(namespace, name, generation, revision, "Ready", "UpToDate", "At " + revision, Map.of());
    }

    public void reconciling(String namespace, String name, long generation, String reason, String message) {
        status(namespace, name, generation, null, "Reconciling", reason, message, Map.of());
    }

    public void stalled(String namespace, String name, long generation, String reason, String message) {
        status(namespace, name, generation, null, "Stalled", reason, message, Map.of());
    }

    /** Reconciling, AwaitingApproval for the plan {@code hash}, whose SQL the operator keeps in the ConfigMap NAME-plan. */
    public void awaitingApproval(String namespace, String name, long generation, String hash) {
        status(namespace, name, generation, null, "Reconciling", "AwaitingApproval", "Plan " + hash + " awaits approval",
                Map.of("plan", Map.of("hash", hash, "configMap", name + "-plan")));
    }

    /** Ready at {@code revision}, and the last drift check found {@code drift} (condition Drifted=True, SchemaDrift). */
    public void readyButDrifted(String namespace, String name, long generation, String revision, String drift) {
        ready(namespace, name, generation, revision);
        in(namespace).withName(name).editStatus(m -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> status = (Map<String, Object>) m.getAdditionalProperties().get("status");
            List<Map<String, Object>> conditions = new ArrayList<>((List<Map<String, Object>>) status.get("conditions"));
            conditions.add(Map.of("type", "Drifted", "status", "True", "reason", "SchemaDrift", "message", drift,
                    "observedGeneration", generation, "lastTransitionTime", "2026-11-25T11:00:00Z"));
            status.put("conditions", conditions);
            return m;
        });
    }

    /** The operator's status: the three conditions share the reason and message; {@code trueType} is the one that is True. */
    private void status(String namespace, String name, long generation, String revision, String trueType, String reason,
            String message, Map<String, Object> more) {
        List<Map<String, Object>> conditions = List.of("Ready", "Reconciling", "Stalled").stream()
                .map(type -> Map.<String, Object>of("type", type, "status", type.equals(trueType) ? "True" : "False",
                        "reason", reason, "message", message, "observedGeneration", generation,
                        "lastTransitionTime", "2026-11-25T10:00:00Z"))
                .toList();
        Map<String, Object> status = new HashMap<>(Map.of("observedGeneration", generation, "conditions", conditions));
        status.putAll(more);
        if (revision != null) {
            status.put("revision", revision);
        }
        in(namespace).withName(name).editStatus(m -> {
            m.setAdditionalProperty("status", status);
            return m;
        });
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> in(
            String namespace) {
        return client.genericKubernetesResources(databaseMigrations).inNamespace(namespace);
    }

    /** A kubeconfig for this server whose context's namespace is {@code namespace}. */
    public Path kubeconfig(Path dir, String namespace) throws IOException {
        return kubeconfig(dir, client.getMasterUrl().toString(), namespace);
    }

    public static Path kubeconfig(Path dir, String server, String namespace) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "kubeconfig", ".yaml"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
                users: [{name: ci, user: {token: test}}]
                contexts: [{name: mock, context: {cluster: mock, user: ci, namespace: %s}}]
                current-context: mock
                """.formatted(server, namespace));
    }

    /** A port nothing listens on. */
    public static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
