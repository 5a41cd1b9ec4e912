package io.webmacs.migration.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.webmacs.migration.api.CrdRules;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.RolloutMode;
import io.webmacs.migration.engine.DatabaseTarget;
import io.webmacs.migration.testsupport.Manifests;
import io.webmacs.migration.testsupport.RestrictedPodSecurity;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manifests in deploy/examples: they parse into typed objects, their pods meet the restricted Pod Security
 * Standard, the DatabaseMigration passes the CRD's schema, and the pieces refer to each other consistently.
 */
class ExamplesTest {

    private static final Path EXAMPLES = Path.of("deploy/examples");
    private static final String NAMESPACE = "webmacs-demo";
    private static final YAMLMapper YAML = new YAMLMapper();

    /** Every resource of every example file, typed, by file name. */
    private static final Map<String, List<HasMetadata>> RESOURCES = new LinkedHashMap<>();

    @BeforeAll
    static void parseExamples() throws IOException {
        for (Path file : exampleFiles()) {
            RESOURCES.put(file.getFileName().toString(), Manifests.read(file));
        }
    }

    @Test
    void theExpectedFilesAreThere() {
        assertThat(RESOURCES).containsOnlyKeys("00-namespace.yaml", "10-postgres.yaml", "20-webmacs-db-secret.yaml",
                "30-databasemigration.yaml", "40-webmacs-backend.yaml");
        assertThat(RESOURCES.values()).allSatisfy(resources -> assertThat(resources).isNotEmpty());
    }

    @Test
    void everyResourceParsesIntoItsTypedModel() {
        for (Map.Entry<String, List<HasMetadata>> file : RESOURCES.entrySet()) {
            for (HasMetadata resource : file.getValue()) {
                String where = file.getKey() + ": " + resource.getKind() + " " + resource.getMetadata().getName();
                assertThat(resource).as(where).isNotInstanceOf(GenericKubernetesResource.class);
                // A misspelt field lands in additionalProperties instead of failing; catch it here.
                assertThat(unknownFields(resource)).as(where + ": fields the model does not know").isEmpty();
                if (!(resource instanceof Namespace)) {
                    assertThat(resource.getMetadata().getNamespace()).as(where).isEqualTo(NAMESPACE);
                }
            }
        }
        assertThat(one(Namespace.class, NAMESPACE)).isNotNull();
    }

    @Test
    void theDatabaseMigrationReadsAsTheOperatorsOwnType() {
        DatabaseMigration dbm = one(DatabaseMigration.class, "webmacs");
        assertThat(dbm.getApiVersion()).isEqualTo("migrations.webmacs.io/v1alpha1");
        assertThat(dbm.getMetadata().getName()).isEqualTo("webmacs");
        assertThat(dbm.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(dbm.getSpec().getTargetRevision()).isEqualTo("head");
        assertThat(dbm.getSpec().isAllowDowngrade()).isFalse();
        assertThat(dbm.getSpec().getDatabase().getUrl()).isNull();
        assertThat(dbm.getSpec().getDatabase().getUrlFrom().getSecretKeyRef().getName()).isEqualTo("webmacs-db");
        assertThat(dbm.getSpec().getDatabase().getUrlFrom().getSecretKeyRef().getKey()).isEqualTo("DATABASE_URL");
        assertThat(dbm.getSpec().getChangelog()).isNull();
        assertThat(dbm.getSpec().getRunner()).isNull();
        assertThat(dbm.getSpec().getRollout().getMode()).isEqualTo(RolloutMode.SchedulingGate);
        assertThat(one(Deployment.class, dbm.getSpec().getRollout().getWorkloadRef().getName()))
                .as("the Deployment the rollout gate holds").isNotNull();
    }

    @Test
    void everyPodMeetsTheRestrictedPodSecurityStandard() {
        List<String> checked = new ArrayList<>();
        for (HasMetadata resource : all()) {
            PodSpec pod = podSpecOf(resource);
            if (pod == null) {
                continue;
            }
            String where = resource.getKind() + " " + resource.getMetadata().getName();
            checked.add(where);
            RestrictedPodSecurity.assertMeets(where, pod);
        }
        assertThat(checked).containsExactlyInAnyOrder("StatefulSet postgres", "Deployment webmacs-backend");
    }

    @Test
    void theRestrictedCheckCanFail() {
        Deployment backend = Serialization.clone(one(Deployment.class, "webmacs-backend"));
        backend.getSpec().getTemplate().getSpec().getContainers().get(0).getSecurityContext()
                .setAllowPrivilegeEscalation(null);
        assertThat(catchError(() -> RestrictedPodSecurity.assertMeets("broken", backend.getSpec().getTemplate().getSpec())))
                .isNotNull();
    }

    @Test
    void theDatabaseMigrationValidatesAgainstTheCrdSchema() throws Exception {
        JsonNode example = YAML.readTree(EXAMPLES.resolve("30-databasemigration.yaml").toFile());

        assertThat(CrdRules.violations(example)).isEmpty();
    }

    @Test
    void theSchemaCheckRejectsBrokenCopies() throws Exception {
        JsonNode example = YAML.readTree(EXAMPLES.resolve("30-databasemigration.yaml").toFile());

        ObjectNode stringFlag = example.deepCopy();
        ((ObjectNode) stringFlag.get("spec")).put("allowDowngrade", "yes");
        assertThat(CrdRules.schemaViolations(stringFlag)).anyMatch(m -> m.contains("allowDowngrade"));

        ObjectNode spacedRevision = example.deepCopy();
        ((ObjectNode) spacedRevision.get("spec")).put("targetRevision", "005 oidc sso");
        assertThat(CrdRules.schemaViolations(spacedRevision)).anyMatch(m -> m.contains("targetRevision"));

        ObjectNode noDatabase = example.deepCopy();
        ((ObjectNode) noDatabase.get("spec")).remove("database");
        assertThat(CrdRules.schemaViolations(noDatabase)).anyMatch(m -> m.contains("database"));

        ObjectNode urlAndUrlFrom = example.deepCopy();
        ((ObjectNode) urlAndUrlFrom.at("/spec/database")).put("url", "jdbc:postgresql://postgres:5432/webmacs");
        assertThat(CrdRules.schemaViolations(urlAndUrlFrom)).isEmpty(); // the CEL rule, not the schema, forbids this
        assertThat(CrdRules.violations(urlAndUrlFrom)).containsExactly("set exactly one of url and urlFrom");
    }

    @Test
    void theDatabaseSecretCarriesAWebmacsUrlTheRunnerAccepts() {
        String url = databaseUrl();
        assertThat(url).startsWith("postgresql+asyncpg://");

        DatabaseTarget target = DatabaseTarget.parse(url, null, null);

        assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://postgres.webmacs-demo.svc:5432/webmacs");
        assertThat(target.username()).isEqualTo("webmacs");
        assertThat(target.password()).isEqualTo("change-me");
    }

    @Test
    void thePiecesReferToEachOther() {
        Map<String, String> postgres = one(Secret.class, "postgres-credentials").getStringData();
        DatabaseTarget target = DatabaseTarget.parse(databaseUrl(), null, null);
        assertThat(target.username()).isEqualTo(postgres.get("POSTGRES_USER"));
        assertThat(target.password()).isEqualTo(postgres.get("POSTGRES_PASSWORD"));
        assertThat(target.jdbcUrl()).endsWith("/" + postgres.get("POSTGRES_DB"));

        Service postgresService = one(Service.class, "postgres");
        assertThat(postgresService.getSpec().getPorts()).anyMatch(p -> p.getPort() == 5432);
        assertThat(target.jdbcUrl()).contains("//" + postgresService.getMetadata().getName() + "." + NAMESPACE + ".svc:5432/");
        assertThat(one(StatefulSet.class, "postgres").getSpec().getServiceName()).isEqualTo("postgres");

        Container backend = one(Deployment.class, "webmacs-backend").getSpec().getTemplate().getSpec().getContainers().get(0);
        EnvVar databaseUrl = env(backend, "DATABASE_URL");
        assertThat(databaseUrl.getValueFrom().getSecretKeyRef().getName()).isEqualTo("webmacs-db");
        assertThat(databaseUrl.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("DATABASE_URL");
        assertThat(env(backend, "ENV").getValue()).isEqualTo("production");
        assertThat(backend.getPorts()).anyMatch(p -> p.getContainerPort() == 8000);
        assertThat(backend.getReadinessProbe()).isNotNull();
        assertThat(one(Service.class, "webmacs-backend").getSpec().getPorts()).anyMatch(p -> p.getPort() == 8000);
        for (EnvVar var : backend.getEnv()) {
            if (var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null) {
                String secret = var.getValueFrom().getSecretKeyRef().getName();
                assertThat(one(Secret.class, secret).getStringData()).as(var.getName())
                        .containsKey(var.getValueFrom().getSecretKeyRef().getKey());
            }
        }
    }

    private static PodSpec podSpecOf(HasMetadata resource) {
        PodTemplateSpec template = null;
        if (resource instanceof Pod pod) {
            return pod.getSpec();
        } else if (resource instanceof Deployment d) {
            template = d.getSpec().getTemplate();
        } else if (resource instanceof StatefulSet s) {
            template = s.getSpec().getTemplate();
        } else if (resource instanceof DaemonSet d) {
            template = d.getSpec().getTemplate();
        } else if (resource instanceof ReplicaSet r) {
            template = r.getSpec().getTemplate();
        } else if (resource instanceof Job j) {
            template = j.getSpec().getTemplate();
        } else if (resource instanceof CronJob c) {
            template = c.getSpec().getJobTemplate().getSpec().getTemplate();
        }
        return template == null ? null : template.getSpec();
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private static List<Path> exampleFiles() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        }
    }

    private static List<HasMetadata> all() {
        return RESOURCES.values().stream().flatMap(List::stream).toList();
    }

    private static <T extends HasMetadata> T one(Class<T> type, String name) {
        List<T> matches = all().stream().filter(type::isInstance).map(type::cast)
                .filter(r -> name.equals(r.getMetadata().getName())).toList();
        assertThat(matches).as(type.getSimpleName() + " " + name).hasSize(1);
        return matches.get(0);
    }

    private static String databaseUrl() {
        Secret secret = (Secret) RESOURCES.get("20-webmacs-db-secret.yaml").stream()
                .filter(r -> r instanceof Secret && "webmacs-db".equals(r.getMetadata().getName()))
                .findFirst().orElseThrow();
        assertThat(secret.getData()).as("use stringData").isNullOrEmpty();
        return secret.getStringData().get("DATABASE_URL");
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(e -> name.equals(e.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no env " + name));
    }

    private static Throwable catchError(Runnable check) {
        try {
            check.run();
            return null;
        } catch (AssertionError e) {
            return e;
        }
    }

    /** Paths of fields that went into some model object's additionalProperties (fields the typed model lacks). */
    private static List<String> unknownFields(Object root) {
        List<String> found = new ArrayList<>();
        walk(root, "", found, Collections.newSetFromMap(new IdentityHashMap<>()));
        return found;
    }

    private static void walk(Object value, String path, List<String> found, Set<Object> seen) {
        if (value == null || !seen.add(value)) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "." + k, found, seen));
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", found, seen);
            }
            return;
        }
        String pkg = value.getClass().getPackageName();
        if (!pkg.startsWith("io.fabric8.kubernetes.api.model") && !pkg.startsWith("io.webmacs.migration.api")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || getter.getDeclaringClass() == Object.class || !getter.getName().startsWith("get")) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties") && child instanceof Map<?, ?> extra) {
                extra.keySet().forEach(k -> found.add(path + "." + k));
            } else {
                walk(child, path + "." + getter.getName().substring(3, 4).toLowerCase() + getter.getName().substring(4),
                        found, seen);
            }
        }
    }
}
