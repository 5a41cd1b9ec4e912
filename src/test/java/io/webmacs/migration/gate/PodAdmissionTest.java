package io.webmacs.migration.gate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
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
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The webhook's decisions on AdmissionReview fixtures, as the API server sends them. */
class PodAdmissionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every migration's changelog is the built-in one. */
    static final Function<DatabaseMigration, Optional<List<String>>> WEBMACS_REVISIONS = m -> Optional.of(ServedRevisionsTest.WEBMACS);

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
        }, WEBMACS_REVISIONS);

        assertThat(answer.getResponse().getAllowed()).isFalse();
        assertThat(answer.getResponse().getStatus().getMessage()).isEqualTo("its spec.runner.image is not allowed");
    }

    @Test
    void aRequestThatIsNoAdmissionReviewIsAnsweredNotCrashedOn() {
        AdmissionReview answer = PodAdmission.review(new AdmissionReview(), ns -> current(gatedDeployment(false)), m -> null, WEBMACS_REVISIONS);

        assertThat(answer.getResponse().getAllowed()).isTrue();
        assertThat(answer.getResponse().getPatch()).isNull();
        assertThat(answer.getResponse().getStatus().getMessage()).contains("not an AdmissionReview request");
    }

    @Test
    void aFailureWhileDecidingLetsThePodThroughWithTheReason() throws Exception {
        AdmissionReview answer = PodAdmission.review(fixture("backend-pod.json"), ns -> {
            throw new IllegalStateException("cache exploded");
        }, m -> null, WEBMACS_REVISIONS);

        assertThat(answer.getResponse().getAllowed()).isTrue();
        assertThat(answer.getResponse().getStatus().getMessage()).contains("cache exploded");
    }

    /** What webmacs_migration_webhook_admission_duration_seconds counts each answer as. */
    @Test
    void eachAnswerHasTheOutcomeItIsCountedAs() throws Exception {
        assertThat(AdmissionOutcome.of(review("backend-pod.json", gatedDeployment(false)))).isEqualTo(AdmissionOutcome.MUTATED);
        assertThat(AdmissionOutcome.of(review("other-pod.json", gatedDeployment(false)))).isEqualTo(AdmissionOutcome.ADMITTED);
        assertThat(AdmissionOutcome.of(PodAdmission.review(fixture("backend-pod.json"), ns -> current(initContainerMode()), m -> {
            throw new PodAdmission.Refused("its spec.runner.image is not allowed");
        }, WEBMACS_REVISIONS))).isEqualTo(AdmissionOutcome.REFUSED);
        assertThat(AdmissionOutcome.of(PodAdmission.review(fixture("backend-pod.json"), ns -> {
            throw new IllegalStateException("cache exploded");
        }, m -> null, WEBMACS_REVISIONS))).isEqualTo(AdmissionOutcome.ERROR);
        assertThat(AdmissionOutcome.of(PodAdmission.review(new AdmissionReview(), ns -> current(), m -> null, WEBMACS_REVISIONS)))
                .isEqualTo(AdmissionOutcome.ERROR);
    }

    /** WebMACS 003 and head, as their pod templates declare it (migrations.webmacs.io/schema). */
    private static final String OLD_APP = "<=003_fk_ondelete";
    private static final String NEW_APP = ">=004_rbac_api_tokens";

    @Test
    void aNewApplicationPodIsHeldWhileTheDatabaseIsBeforeItsRangeSayingWhatItNeeds() throws Exception {
        AdmissionResponse response = reviewDeclaring(NEW_APP, readyAt("003_fk_ondelete")).getResponse();

        assertThat(patch(response)).isEqualTo(JSON.readTree("""
                [{"op":"add","path":"/spec/schedulingGates","value":[{"name":"migrations.webmacs.io/webmacs"}]},
                 {"op":"add","path":"/metadata/labels/migrations.webmacs.io~1gated-by","value":"webmacs"}]"""));
        assertThat(response.getWarnings()).singleElement().asString()
                .contains("needs the schema >=004_rbac_api_tokens", "DatabaseMigration webmacs serves 003_fk_ondelete",
                        "scheduling gate migrations.webmacs.io/webmacs");
    }

    /** Expanded, contract pending: the schema serves 003 to 005, so the old and the new application both run. */
    @Test
    void bothApplicationsRunWhileTheContractIsPending() throws Exception {
        DatabaseMigration expanded = readyAt("005_oidc_sso", "004_rbac_api_tokens", "005_oidc_sso");

        for (String range : List.of(OLD_APP, NEW_APP)) {
            AdmissionResponse response = reviewDeclaring(range, expanded).getResponse();
            assertThat(response.getPatch()).as(range).isNull();
            assertThat(response.getWarnings()).as(range).isNullOrEmpty();
        }
    }

    /** A rollback to the 003 image after contract: held, not crash-looping. */
    @Test
    void anOldApplicationPodIsHeldOnceTheContractRan() throws Exception {
        AdmissionResponse response = reviewDeclaring(OLD_APP, readyAt("005_oidc_sso")).getResponse();

        assertThat(patch(response).get(0).at("/value/0/name").asText()).isEqualTo("migrations.webmacs.io/webmacs");
        assertThat(response.getWarnings()).singleElement().asString()
                .contains("needs the schema <=003_fk_ondelete", "DatabaseMigration webmacs serves 005_oidc_sso");
    }

    @Test
    void aPodTheSchemaServesPassesUntouched() throws Exception {
        assertThat(reviewDeclaring(NEW_APP, readyAt("005_oidc_sso")).getResponse().getPatch()).isNull();
    }

    /** An application newer than the operator's changelog must not start. */
    @Test
    void aPodNamingARevisionTheChangelogDoesNotKnowIsHeldNamingIt() throws Exception {
        AdmissionResponse response = reviewDeclaring(">=007_future", readyAt("005_oidc_sso")).getResponse();

        assertThat(patch(response).get(0).at("/value/0/name").asText()).isEqualTo("migrations.webmacs.io/webmacs");
        assertThat(response.getWarnings()).singleElement().asString()
                .contains("names 007_future", "changelog of DatabaseMigration webmacs does not have");
    }

    @Test
    void aPodIsHeldWhileTheDatabasesRevisionIsUnknown() throws Exception {
        AdmissionResponse response = reviewDeclaring(NEW_APP, gatedDeployment(true)).getResponse();

        assertThat(patch(response).get(0).at("/value/0/name").asText()).isEqualTo("migrations.webmacs.io/webmacs");
        assertThat(response.getWarnings()).singleElement().asString().contains("needs the schema >=004_rbac_api_tokens",
                "the database of DatabaseMigration webmacs has no known revision yet");
    }

    /** The changelog changed under a database, say: where it is cannot be placed among the revisions. */
    @Test
    void aPodIsHeldWhileTheDatabaseIsAtARevisionTheChangelogDoesNotHave() throws Exception {
        AdmissionResponse response = reviewDeclaring(NEW_APP, readyAt("006_elsewhere")).getResponse();

        assertThat(patch(response).get(0).at("/value/0/name").asText()).isEqualTo("migrations.webmacs.io/webmacs");
        assertThat(response.getWarnings()).singleElement().asString()
                .contains("DatabaseMigration webmacs is at 006_elsewhere, which its changelog does not have");
    }

    @Test
    void aPodIsHeldWhenTheChangelogCannotBeUsed() throws Exception {
        DatabaseMigration migration = readyAt("005_oidc_sso");

        AdmissionResponse response = PodAdmission.review(declaring(NEW_APP), ns -> current(migration), m -> null, m -> Optional.empty())
                .getResponse();

        assertThat(patch(response).get(0).at("/value/0/name").asText()).isEqualTo("migrations.webmacs.io/webmacs");
        assertThat(response.getWarnings()).singleElement().asString().contains("changelog of DatabaseMigration webmacs cannot be used");
    }

    /** Not Ready for its generation: gated as before, the range served or not; a served range adds no warning. */
    @Test
    void aPodTheSchemaServesIsStillGatedWhileTheMigrationIsNotReady() throws Exception {
        DatabaseMigration migrating = readyAt("003_fk_ondelete");
        migrating.getMetadata().setGeneration(3L);

        AdmissionResponse response = reviewDeclaring(OLD_APP, migrating).getResponse();

        assertThat(patch(response).get(0).at("/value/0/name").asText()).isEqualTo("migrations.webmacs.io/webmacs");
        assertThat(response.getWarnings()).isNullOrEmpty();
    }

    @Test
    void aMalformedRangeIsRefusedQuotingItAndShowingTheSyntax() throws Exception {
        AdmissionResponse response = reviewDeclaring("=>004_rbac_api_tokens", readyAt("005_oidc_sso")).getResponse();

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getCode()).isEqualTo(403);
        assertThat(response.getStatus().getMessage()).startsWith("The annotation migrations.webmacs.io/schema: \"=>004_rbac_api_tokens\"")
                .contains("Write one or more of >=REV");
    }

    @Test
    void aPodNoMigrationSelectsIsNotJudgedByItsRange() throws Exception {
        AdmissionReview review = fixture("other-pod.json");
        ((Pod) review.getRequest().getObject()).getMetadata().setAnnotations(Map.of(DatabaseMigration.SCHEMA, "=>nonsense"));

        AdmissionResponse response = review(review, ns -> current(readyAt("005_oidc_sso"))).getResponse();

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
    }

    /** InitContainer mode: the init container upgrades the database to what a newer pod needs. */
    @Test
    void initContainerModeLetsAPodThatNeedsALaterRevisionUpgrade() throws Exception {
        AdmissionResponse response = reviewDeclaring(NEW_APP, initContainerModeAt("003_fk_ondelete")).getResponse();

        assertThat(patch(response).get(0).at("/value/0/name").asText()).isEqualTo("migrate");
        assertThat(patch(response).toString()).doesNotContain("schedulingGates");
        assertThat(response.getWarnings()).isNullOrEmpty();
    }

    /** InitContainer mode: an init container only upgrades, so a pod that needs an older schema is held as in SchedulingGate mode. */
    @Test
    void initContainerModeHoldsAPodThatNeedsAnEarlierRevision() throws Exception {
        AdmissionResponse response = reviewDeclaring(OLD_APP, initContainerModeAt("005_oidc_sso")).getResponse();

        assertThat(patch(response).get(0).at("/value/0/name").asText()).isEqualTo("migrate");
        assertThat(patch(response).toString()).contains("{\"op\":\"add\",\"path\":\"/spec/schedulingGates\",\"value\":[{\"name\":\"migrations.webmacs.io/webmacs\"}]}");
        assertThat(response.getWarnings()).singleElement().asString()
                .contains("needs the schema <=003_fk_ondelete", "serves 005_oidc_sso", "init container only upgrades");
    }

    /** Its own migrate init container is left alone; its range is judged all the same. */
    @Test
    void initContainerModeHoldsAPodWithItsOwnMigrateContainerThatNeedsAnEarlierRevision() throws Exception {
        DatabaseMigration migration = initContainerModeAt("005_oidc_sso");

        AdmissionResponse response = review(declaring("backend-pod-own-migrate.json", OLD_APP), ns -> current(migration)).getResponse();

        assertThat(patch(response).get(0)).isEqualTo(JSON.readTree("""
                {"op":"add","path":"/spec/schedulingGates","value":[{"name":"migrations.webmacs.io/webmacs"}]}"""));
        assertThat(response.getWarnings()).hasSize(2).anySatisfy(w -> assertThat(w).contains("already has one"))
                .anySatisfy(w -> assertThat(w).contains("needs the schema <=003_fk_ondelete"));
    }

    /** InitContainer mode, its last init container left the database at {@code revision}. */
    private static DatabaseMigration initContainerModeAt(String revision) {
        DatabaseMigration migration = readyAt(revision);
        migration.getSpec().getRollout().setMode(RolloutMode.InitContainer);
        return migration;
    }

    private static AdmissionReview reviewDeclaring(String range, DatabaseMigration migration) throws Exception {
        return review(declaring(range), ns -> current(migration));
    }

    private static AdmissionReview declaring(String range) throws Exception {
        return declaring("backend-pod.json", range);
    }

    /** A new pod of the fixture whose template declares {@code range}. */
    private static AdmissionReview declaring(String fixture, String range) throws Exception {
        AdmissionReview review = fixture(fixture);
        ((Pod) review.getRequest().getObject()).getMetadata().setAnnotations(Map.of(DatabaseMigration.SCHEMA, range));
        return review;
    }

    /** Ready for its generation, the database at {@code revision}, the contracts of {@code contractPending} not run yet. */
    private static DatabaseMigration readyAt(String revision, String... contractPending) {
        DatabaseMigration migration = gatedDeployment(true);
        migration.getStatus().setRevision(revision);
        migration.getStatus().setContractPending(List.of(contractPending));
        return migration;
    }

    private static AdmissionReview review(String fixture, DatabaseMigration migration) throws Exception {
        return review(fixture, ns -> ns.equals("lab") ? current(migration) : current());
    }

    private static AdmissionReview review(String fixture, Function<String, PodAdmission.Migrations> migrationsIn) throws Exception {
        return review(fixture(fixture), migrationsIn);
    }

    private static AdmissionReview review(AdmissionReview review, Function<String, PodAdmission.Migrations> migrationsIn) {
        return PodAdmission.review(review, migrationsIn,
                m -> new PodAdmission.InitContainer(MigrateContainer.of(m, Verb.UPGRADE,
                        m.getSpec().getTargetRevision(), null, RunnerDefaults.RUNNER), MigrateContainer.volumes(m), "0123456789"),
                WEBMACS_REVISIONS);
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
