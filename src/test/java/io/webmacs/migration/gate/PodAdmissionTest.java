package io.webmacs.migration.gate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationSpec;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.DatabaseSpec;
import io.webmacs.migration.api.RolloutMode;
import io.webmacs.migration.api.RolloutSpec;
import io.webmacs.migration.api.SecretValueSource;
import io.webmacs.migration.api.WorkloadReference;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.run.MigrateContainer;
import io.webmacs.migration.testsupport.RunnerDefaults;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The webhook's decisions on AdmissionReview fixtures, as the API server sends them. */
class PodAdmissionTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void podOfTheGatedDeploymentGetsTheSchedulingGateAndALabel() throws Exception {
        AdmissionResponse response = review("backend-pod.json", gatedDeployment(false)).getResponse();

        assertThat(response.getUid()).isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800002");
        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatchType()).isEqualTo("JSONPatch");
        assertThat(patch(response)).isEqualTo(JSON.readTree("""
                [{"op":"add","path":"/spec/schedulingGates","value":[{"name":"migrations.webmacs.io/webmacs"}]},
                 {"op":"add","path":"/metadata/labels/migrations.webmacs.io~1gated-by","value":"webmacs"}]"""));
    }

    @Test
    void podOfAnotherWorkloadPassesUntouched() throws Exception {
        AdmissionResponse response = review("other-pod.json", gatedDeployment(false)).getResponse();

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
        assertThat(response.getPatchType()).isNull();
    }

    @Test
    void noGateOnceTheMigrationIsReadyForItsGeneration() throws Exception {
        assertThat(review("backend-pod.json", gatedDeployment(true)).getResponse().getPatch()).isNull();
    }

    @Test
    void onlyPodCreationIsJudged() throws Exception {
        assertThat(review("backend-pod-update.json", gatedDeployment(false)).getResponse().getPatch()).isNull();
    }

    @Test
    void labelSelectedPodKeepsItsOtherGatesAndVolumes() throws Exception {
        DatabaseMigration migration = gatedDeployment(false);
        migration.getSpec().getRollout().setWorkloadRef(null);
        migration.getSpec().getRollout().setPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "webmacs-worker").build());

        JsonNode patch = patch(review("worker-pod.json", migration).getResponse());

        assertThat(patch.get(0).get("path").asText()).isEqualTo("/spec/schedulingGates/-");
        assertThat(patch.get(0).get("value").get("name").asText()).isEqualTo("migrations.webmacs.io/webmacs");
    }

    @Test
    void initContainerModeInjectsTheMigrateContainerItsVolumesAndTheRunLabels() throws Exception {
        JsonNode patch = patch(review("backend-pod.json", initContainerMode()).getResponse());

        assertThat(patch.get(0).get("path").asText()).isEqualTo("/spec/initContainers");
        JsonNode init = patch.get(0).get("value").get(0);
        assertThat(init.get("name").asText()).isEqualTo("migrate");
        assertThat(init.get("args").toString()).isEqualTo("[\"upgrade\",\"head\",\"--result-file\",\"/dev/termination-log\"]");
        assertThat(init.at("/env/0/valueFrom/secretKeyRef/name").asText()).isEqualTo("webmacs-db");
        assertThat(patch.get(1).get("path").asText()).isEqualTo("/spec/volumes");
        assertThat(patch.get(2)).isEqualTo(JSON.readTree("""
                {"op":"add","path":"/metadata/labels/migrations.webmacs.io~1gated-by","value":"webmacs"}"""));
        assertThat(patch.get(3)).isEqualTo(JSON.readTree("""
                {"op":"add","path":"/metadata/labels/migrations.webmacs.io~1fingerprint","value":"0123456789"}"""));
        assertThat(patch.toString()).doesNotContain("schedulingGates");
    }

    @Test
    void theMigrateInitContainerRunsBeforeThePodsOwn() throws Exception {
        JsonNode patch = patch(review("backend-pod-with-init.json", initContainerMode()).getResponse());

        assertThat(patch.get(0).get("path").asText()).isEqualTo("/spec/initContainers/0");
        assertThat(patch.get(0).at("/value/name").asText()).isEqualTo("migrate");
    }

    @Test
    void aPodWithItsOwnMigrateInitContainerIsLeftAloneWithAWarning() throws Exception {
        AdmissionResponse response = review("backend-pod-own-migrate.json", initContainerMode()).getResponse();

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
        assertThat(response.getWarnings()).singleElement().asString().contains("already has one");
    }

    @Test
    void initContainerModeInjectsEvenWhenReady() throws Exception {
        DatabaseMigration migration = gatedDeployment(true);
        migration.getSpec().getRollout().setMode(RolloutMode.InitContainer);

        assertThat(patch(review("backend-pod.json", migration).getResponse()).get(0).at("/value/0/name").asText()).isEqualTo("migrate");
    }

    /**
     * When the live read failed the operator's cache is all there is, and it may lag behind a new generation: a migration
     * it shows Ready still gates the pod; the operator lifts the gate once the migration is Ready for certain.
     */
    @Test
    void aMigrationReadyOnlyInTheCacheStillGatesThePod() throws Exception {
        AdmissionReview answer = review("backend-pod.json", ns -> new PodAdmission.Migrations(List.of(gatedDeployment(true)), false));

        assertThat(patch(answer.getResponse()).get(0).at("/value/0/name").asText()).isEqualTo("migrations.webmacs.io/webmacs");
    }

    /** InitContainer mode with a runner image the operator may not run: the pod is refused, not created without migration. */
    @Test
    void aPodThatWouldRunARefusedRunnerImageIsRefusedSayingWhy() throws Exception {
        DatabaseMigration migration = initContainerMode();

        AdmissionReview answer = PodAdmission.review(fixture("backend-pod.json"), ns -> current(migration), m -> {
            throw new PodAdmission.Refused("its spec.runner.image is not allowed");
        });

        assertThat(answer.getResponse().getAllowed()).isFalse();
        assertThat(answer.getResponse().getStatus().getMessage()).isEqualTo("its spec.runner.image is not allowed");
    }

    @Test
    void aRequestThatIsNoAdmissionReviewIsAnsweredNotCrashedOn() {
        AdmissionReview answer = PodAdmission.review(new AdmissionReview(), ns -> current(gatedDeployment(false)), m -> null);

        assertThat(answer.getResponse().getAllowed()).isTrue();
        assertThat(answer.getResponse().getPatch()).isNull();
        assertThat(answer.getResponse().getStatus().getMessage()).contains("not an AdmissionReview request");
    }

    @Test
    void aFailureWhileDecidingLetsThePodThroughWithTheReason() throws Exception {
        AdmissionReview answer = PodAdmission.review(fixture("backend-pod.json"), ns -> {
            throw new IllegalStateException("cache exploded");
        }, m -> null);

        assertThat(answer.getResponse().getAllowed()).isTrue();
        assertThat(answer.getResponse().getStatus().getMessage()).contains("cache exploded");
    }

    private static AdmissionReview review(String fixture, DatabaseMigration migration) throws Exception {
        return review(fixture, ns -> ns.equals("lab") ? current(migration) : current());
    }

    private static AdmissionReview review(String fixture, Function<String, PodAdmission.Migrations> migrationsIn) throws Exception {
        return PodAdmission.review(fixture(fixture), migrationsIn,
                m -> new PodAdmission.InitContainer(MigrateContainer.of(m, Verb.UPGRADE,
                        m.getSpec().getTargetRevision(), null, RunnerDefaults.RUNNER), MigrateContainer.volumes(m), "0123456789"));
    }

    /** The DatabaseMigrations as the API server has them now. */
    static PodAdmission.Migrations current(DatabaseMigration... migrations) {
        return new PodAdmission.Migrations(List.of(migrations), true);
    }

    static AdmissionReview fixture(String name) throws Exception {
        try (InputStream in = PodAdmissionTest.class.getResourceAsStream("/admission/" + name)) {
            return Serialization.unmarshal(in, AdmissionReview.class);
        }
    }

    private static JsonNode patch(AdmissionResponse response) throws Exception {
        return JSON.readTree(new String(Base64.getDecoder().decode(response.getPatch()), StandardCharsets.UTF_8));
    }

    private static DatabaseMigration initContainerMode() {
        DatabaseMigration migration = gatedDeployment(false);
        migration.getSpec().getRollout().setMode(RolloutMode.InitContainer);
        return migration;
    }

    static DatabaseMigration gatedDeployment(boolean ready) {
        DatabaseSpec database = new DatabaseSpec();
        database.setUrlFrom(new SecretValueSource(new SecretKeySelector("DATABASE_URL", "webmacs-db", false)));
        WorkloadReference backend = new WorkloadReference();
        backend.setName("webmacs-backend");
        RolloutSpec rollout = new RolloutSpec();
        rollout.setWorkloadRef(backend);
        DatabaseMigrationSpec spec = new DatabaseMigrationSpec();
        spec.setDatabase(database);
        spec.setRollout(rollout);
        DatabaseMigration migration = new DatabaseMigration();
        migration.getMetadata().setName("webmacs");
        migration.getMetadata().setNamespace("lab");
        migration.getMetadata().setGeneration(2L);
        migration.setSpec(spec);
        if (ready) {
            DatabaseMigrationStatus status = new DatabaseMigrationStatus();
            status.setObservedGeneration(2L);
            status.setConditions(List.of(new ConditionBuilder().withType("Ready").withStatus("True").withObservedGeneration(2L).build()));
            migration.setStatus(status);
        }
        return migration;
    }
}
