package io.webmacs.migration.gate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.run.MigrateContainer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Decides what happens to a pod being created: a scheduling gate (and a label naming the DatabaseMigration) when it
 * belongs to a gated workload whose migration is not Ready for its generation, or whose declared schema range
 * ({@link SchemaRange}) the database does not serve ({@link SchemaSkew}); a migrate init container in InitContainer mode;
 * nothing otherwise. Pure: the DatabaseMigrations of the pod's namespace and their changelogs' revisions are passed in.
 */
public final class PodAdmission {

    /** The init container (and its volumes) InitContainer mode adds for a DatabaseMigration, and the run's fingerprint. */
    public record InitContainer(Container container, List<Volume> volumes, String fingerprint) {
    }

    /**
     * The DatabaseMigrations of a pod's namespace; {@code current} when read from the API server just now, else (the
     * operator's cache, when that read failed) none is taken as Ready.
     */
    public record Migrations(List<DatabaseMigration> all, boolean current) {
    }

    /** A pod that must not be created as it is: refused, with the reason for whoever created it. */
    public static final class Refused extends RuntimeException {
        public Refused(String reason) {
            super(reason);
        }
    }

    /** What to do to a pod: JSON Patch operations, and warnings for whoever created it. */
    record Mutation(List<Map<String, Object>> operations, List<String> warnings) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private PodAdmission() {
    }

    /**
     * Answers an AdmissionReview; never throws: a request it cannot read is allowed unchanged, with the reason. An allowed
     * answer carries a Status only then ({@link AdmissionOutcome#of} counts it as an error).
     */
    public static AdmissionReview review(AdmissionReview review, Function<String, Migrations> migrationsIn,
            Function<DatabaseMigration, InitContainer> initContainerFor, Function<DatabaseMigration, Optional<List<String>>> revisionsOf) {
        AdmissionRequest request = review == null ? null : review.getRequest();
        if (request == null || request.getUid() == null) {
            return answer(allowed(request == null ? "" : String.valueOf(request.getUid()))
                    .withStatus(message("not an AdmissionReview request; let through unchanged")).build());
        }
        try {
            if (!"CREATE".equals(request.getOperation()) || !(request.getObject() instanceof Pod pod)) {
                return answer(allowed(request.getUid()).build());
            }
            String namespace = pod.getMetadata().getNamespace() != null ? pod.getMetadata().getNamespace() : request.getNamespace();
            Mutation mutation = mutation(pod, migrationsIn.apply(namespace), initContainerFor, revisionsOf);
            AdmissionResponseBuilder response = allowed(request.getUid());
            if (!mutation.operations().isEmpty()) {
                response.withPatchType("JSONPatch")
                        .withPatch(Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(mutation.operations())));
            }
            if (!mutation.warnings().isEmpty()) {
                response.withWarnings(mutation.warnings());
            }
            return answer(response.build());
        } catch (Refused e) {
            return answer(new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(false)
                    .withStatus(new StatusBuilder().withCode(403).withMessage(e.getMessage()).build()).build());
        } catch (JsonProcessingException | RuntimeException e) {
            return answer(allowed(request.getUid()).withStatus(message("webmacs-migration-operator could not"
                    + " decide on this pod and let it through unchanged: " + e.getMessage())).build());
        }
    }

    /** What to do to {@code pod}; no operations when it is not to be touched. */
    static Mutation mutation(Pod pod, Migrations migrations, Function<DatabaseMigration, InitContainer> initContainerFor,
            Function<DatabaseMigration, Optional<List<String>>> revisionsOf) {
        List<Map<String, Object>> operations = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> labels = new LinkedHashMap<>();
        boolean gated = pod.getSpec().getSchedulingGates() != null && !pod.getSpec().getSchedulingGates().isEmpty();
        boolean initContainers = pod.getSpec().getInitContainers() != null && !pod.getSpec().getInitContainers().isEmpty();
        boolean volumes = pod.getSpec().getVolumes() != null && !pod.getSpec().getVolumes().isEmpty();
        for (DatabaseMigration migration : migrations.all()) {
            if (migration.getSpec().getRollout() == null || !PodSelection.matches(migration.getSpec().getRollout(), pod)) {
                continue;
            }
            String name = migration.getMetadata().getName();
            Optional<String> skew = skew(pod, migration, revisionsOf);
            skew.ifPresent(why -> warnings.add("Pod " + why + ": held by the scheduling gate " + Gates.gateName(migration)));
            boolean initContainerMode = migration.getSpec().runsInInitContainers();
            if (initContainerMode && hasInitContainer(pod, MigrateContainer.NAME)) {
                warnings.add("DatabaseMigration " + name + " did not add its migrate init container: the pod already has one");
            } else if (initContainerMode) {
                InitContainer init = initContainerFor.apply(migration);
                // First, so that the pod's own init containers already find the schema at the target revision.
                operations.add(initContainers ? operation("add", "/spec/initContainers/0", init.container())
                        : operation("add", "/spec/initContainers", List.of(init.container())));
                initContainers = true;
                for (Volume volume : init.volumes()) {
                    operations.add(add("/spec/volumes", volumes, volume));
                    volumes = true;
                }
                labels.put(Gates.GATED_BY, name);
                labels.put(Labels.FINGERPRINT, init.fingerprint());
            }
            boolean waitsForReady = !initContainerMode && !(migrations.current() && Gates.readyForGeneration(migration));
            if ((waitsForReady || skew.isPresent()) && !Gates.isGatedBy(pod, migration)) {
                operations.add(add("/spec/schedulingGates", gated, Map.of("name", Gates.gateName(migration))));
                gated = true;
                labels.put(Gates.GATED_BY, name);
            }
        }
        if (pod.getMetadata().getLabels() == null && !labels.isEmpty()) {
            operations.add(operation("add", "/metadata/labels", labels));
        } else {
            labels.forEach((key, value) -> operations.add(operation("add", "/metadata/labels/" + escape(key), value)));
        }
        return new Mutation(operations, warnings);
    }

    /** Why the pod's declared schema range keeps it from running against {@code migration}'s database now; empty without a range. */
    private static Optional<String> skew(Pod pod, DatabaseMigration migration, Function<DatabaseMigration, Optional<List<String>>> revisionsOf) {
        try {
            return SchemaRange.declaredBy(pod).flatMap(range -> SchemaSkew.of(range, migration, revisionsOf.apply(migration)));
        } catch (SchemaRange.Malformed e) {
            throw new Refused(e.getMessage());
        }
    }

    private static boolean hasInitContainer(Pod pod, String name) {
        return pod.getSpec().getInitContainers() != null && pod.getSpec().getInitContainers().stream().anyMatch(c -> name.equals(c.getName()));
    }

    /** Appends to an array, creating it first when the pod has none. */
    private static Map<String, Object> add(String array, boolean exists, Object value) {
        return exists ? operation("add", array + "/-", value) : operation("add", array, List.of(value));
    }

    private static Map<String, Object> operation(String op, String path, Object value) {
        Map<String, Object> operation = new LinkedHashMap<>();
        operation.put("op", op);
        operation.put("path", path);
        operation.put("value", value);
        return operation;
    }

    /** JSON Pointer escaping of a label key (RFC 6901). */
    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static AdmissionResponseBuilder allowed(String uid) {
        return new AdmissionResponseBuilder().withUid(uid).withAllowed(true);
    }

    private static AdmissionReview answer(AdmissionResponse response) {
        return new AdmissionReviewBuilder().withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview")
                .withResponse(response).build();
    }

    private static Status message(String message) {
        return new StatusBuilder().withMessage(message).build();
    }
}
