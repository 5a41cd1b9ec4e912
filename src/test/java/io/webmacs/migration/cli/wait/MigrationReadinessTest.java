package io.webmacs.migration.cli.wait;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which generation a status and each condition speak for decides whether a wait is over. */
class MigrationReadinessTest {

    @Test
    void readyForTheCurrentGenerationIsReady() {
        MigrationReadiness seen = MigrationReadiness.of(migration(3, 3, """
                [{"type": "Ready", "status": "True", "reason": "UpToDate", "message": "At 005_oidc_sso", "observedGeneration": 3}]"""));

        assertThat(seen.state()).isEqualTo(MigrationReadiness.State.READY);
        assertThat(seen.finished()).isTrue();
        assertThat(seen.revision()).isEqualTo("005_oidc_sso");
        assertThat(seen.seen()).isEqualTo("Ready: UpToDate: At 005_oidc_sso");
    }

    @Test
    void readyConditionWithoutAGenerationCountsForTheStatusGeneration() {
        assertThat(MigrationReadiness.of(migration(3, 3, """
                [{"type": "Ready", "status": "True", "reason": "UpToDate"}]""")).state()).isEqualTo(MigrationReadiness.State.READY);
    }

    @Test
    void readyConditionOfAnOlderGenerationIsNotReadyEvenWhenTheStatusIsCurrent() {
        MigrationReadiness seen = MigrationReadiness.of(migration(3, 3, """
                [{"type": "Ready", "status": "True", "reason": "UpToDate", "observedGeneration": 2}]"""));

        assertThat(seen.state()).isEqualTo(MigrationReadiness.State.IN_PROGRESS);
        assertThat(seen.seen()).isEqualTo("generation 3 not observed yet (Ready is for generation 2)");
    }

    @Test
    void stalledOfAnOlderGenerationDoesNotEndTheWait() {
        MigrationReadiness seen = MigrationReadiness.of(migration(4, 3, """
                [{"type": "Stalled", "status": "True", "reason": "ChangesetFailed", "observedGeneration": 3}]"""));

        assertThat(seen.state()).isEqualTo(MigrationReadiness.State.IN_PROGRESS);
        assertThat(seen.finished()).isFalse();
        assertThat(seen.seen()).isEqualTo("generation 4 not observed yet (status is for generation 3)");
    }

    @Test
    void stalledForTheCurrentGenerationEndsTheWaitWithItsReasonAndMessage() {
        MigrationReadiness seen = MigrationReadiness.of(migration(4, 4, """
                [{"type": "Ready", "status": "False", "reason": "ChangesetFailed", "observedGeneration": 4},
                 {"type": "Stalled", "status": "True", "reason": "ChangesetFailed", "message": "Job j failed:\\n  boom",
                  "observedGeneration": 4}]"""));

        assertThat(seen.state()).isEqualTo(MigrationReadiness.State.STALLED);
        assertThat(seen.finished()).isTrue();
        assertThat(seen.seen()).isEqualTo("Stalled: ChangesetFailed: Job j failed: boom");
    }

    @Test
    void readyWithDriftIsReadyAndCarriesTheDriftAsAWarning() {
        MigrationReadiness drifted = MigrationReadiness.of(migration(3, 3, """
                [{"type": "Ready", "status": "True", "reason": "UpToDate", "observedGeneration": 3},
                 {"type": "Drifted", "status": "True", "reason": "SchemaDrift", "message": "index ix_users_email\\n  missing"}]"""));
        MigrationReadiness clean = MigrationReadiness.of(migration(3, 3, """
                [{"type": "Ready", "status": "True", "reason": "UpToDate", "observedGeneration": 3},
                 {"type": "Drifted", "status": "False", "reason": "NoDrift", "message": "no differences"}]"""));

        assertThat(drifted.state()).isEqualTo(MigrationReadiness.State.READY);
        assertThat(drifted.drift()).isEqualTo("index ix_users_email missing");
        assertThat(clean.drift()).isNull();
    }

    /** No status at all, or the CRD's default status of a resource the operator has not observed yet. */
    @ParameterizedTest
    @ValueSource(strings = {"", ", \"status\": {\"observedGeneration\": 0}"})
    void noStatusYetIsInProgress(String status) {
        GenericKubernetesResource migration = Serialization.unmarshal("""
                {"apiVersion": "migrations.webmacs.io/v1alpha1", "kind": "DatabaseMigration",
                 "metadata": {"name": "webmacs", "generation": 1}, "spec": {"targetRevision": "head"}%s}""".formatted(status),
                GenericKubernetesResource.class);

        MigrationReadiness seen = MigrationReadiness.of(migration);

        assertThat(seen.state()).isEqualTo(MigrationReadiness.State.IN_PROGRESS);
        assertThat(seen.seen()).isEqualTo("generation 1 not observed yet (no status)");
    }

    private static GenericKubernetesResource migration(long generation, long observedGeneration, String conditions) {
        return Serialization.unmarshal("""
                {"apiVersion": "migrations.webmacs.io/v1alpha1", "kind": "DatabaseMigration",
                 "metadata": {"name": "webmacs", "generation": %d},
                 "status": {"observedGeneration": %d, "revision": "005_oidc_sso", "conditions": %s}}"""
                .formatted(generation, observedGeneration, conditions), GenericKubernetesResource.class);
    }
}
