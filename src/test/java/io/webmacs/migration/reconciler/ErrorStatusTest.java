package io.webmacs.migration.reconciler;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.testsupport.Fixtures;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ErrorStatusTest {

    private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");

    @Test
    void aRefusedWriteIsReconcilingWhileRetriesRemainAndStalledOnceTheyAreSpent() {
        ActionFailedException refused = new ActionFailedException("delete the Job webmacs-1",
                new KubernetesClientException(new StatusBuilder().withCode(403).withMessage("jobs is forbidden").build()));

        DatabaseMigration retrying = migrationAt("003_fk_ondelete");
        retrying.setStatus(ErrorStatus.of(retrying, refused, false, NOW));
        DatabaseMigration spent = migrationAt("003_fk_ondelete");
        spent.setStatus(ErrorStatus.of(spent, refused, true, NOW));

        assertThatMigration(retrying).isReconciling(Conditions.ACTION_FAILED).hasRevision("003_fk_ondelete")
                .hasMessageContaining("Could not delete the Job webmacs-1: the API server answered 403 (jobs is forbidden)")
                .hasMessageContaining("The operator retries");
        assertThatMigration(spent).isStalled(Conditions.ACTION_FAILED).hasRevision("003_fk_ondelete")
                .hasMessageContaining("retries are spent");
    }

    @Test
    void theActionIsNamedWhenJosdkWrapsIt() {
        RuntimeException wrapped = new RuntimeException(new ActionFailedException("write the plan ConfigMap webmacs-plan",
                new KubernetesClientException(new StatusBuilder().withCode(403).withMessage("configmaps is forbidden").build())));

        assertThat(ErrorStatus.message(wrapped))
                .isEqualTo("Could not write the plan ConfigMap webmacs-plan: the API server answered 403 (configmaps is forbidden)");
    }

    @Test
    void anUnexpectedErrorShowsOnlyItsKindNotItsText() {
        String message = ErrorStatus.message(new IllegalStateException("jdbc:postgresql://db/webmacs?password=s3cr3t"));

        assertThat(message).isEqualTo("The reconcile failed: IllegalStateException; the operator's log has the details");
    }

    @Test
    void aLongAnswerIsCut() {
        String message = ErrorStatus.message(new KubernetesClientException(new StatusBuilder().withCode(422).withMessage("x".repeat(5000)).build()));

        assertThat(message).hasSize(ErrorStatus.MAX_MESSAGE + 3).startsWith("The reconcile failed: the API server answered 422 (x");
    }

    private static DatabaseMigration migrationAt(String revision) {
        DatabaseMigration migration = Fixtures.migration("lab", "webmacs", "webmacs-db", "head");
        migration.getMetadata().setGeneration(2L);
        DatabaseMigrationStatus status = new DatabaseMigrationStatus();
        status.setRevision(revision);
        migration.setStatus(status);
        return migration;
    }
}
