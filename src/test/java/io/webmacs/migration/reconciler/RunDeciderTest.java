package io.webmacs.migration.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.webmacs.migration.api.Conditions;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.RolloutMode;
import io.webmacs.migration.api.RolloutSpec;
import io.webmacs.migration.dependent.JobRequest;
import io.webmacs.migration.engine.Changelog;
import io.webmacs.migration.operator.ChangelogLoader;
import io.webmacs.migration.operator.Labels;
import io.webmacs.migration.result.Verb;
import io.webmacs.migration.testsupport.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The decision logic alone: status and Job creation from observed Jobs, pods and init containers, with a fixed clock. */
class RunDeciderTest {

    private static final ChangelogLoader.Loaded BUILT_IN = new ChangelogLoader.Loaded(Changelog.load(null), Map.of(), null, null);
    private static final RunDecider.RetryPolicy RETRY = new RunDecider.RetryPolicy(2, Duration.ofSeconds(10), Duration.ofSeconds(15));
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final String FP = "abcdef0123";

    @Test
    void retryBackoffDoublesWithBoundedJitterAndIsCapped() {
        Duration first = RETRY.after(1, FP);
        Duration second = RETRY.after(2, FP);

        assertThat(first).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(12));
        assertThat(second).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(18));
        assertThat(RETRY.after(1, FP)).as("the same run always waits the same").isEqualTo(first);
    }

    @Test
    void firstLookCreatesAttemptOne() {
        RunDecider.Decision decision = decide(migration("head", null), List.of(), NOW);

        assertThat(decision.createJob()).isEqualTo(new JobRequest(FP, 1, Verb.UPGRADE, "005_oidc_sso", null));
        assertThat(reason(decision.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.MIGRATING);
    }

    @Test
    void unreachableDatabaseIsRetriedAfterTheBackoffAndThenGivenUpOn() {
        ObservedRun failed = run(1, 3, """
                {"command":"upgrade","revision":null,"error":{"code":"DatabaseUnreachable","message":"Cannot reach PostgreSQL"}}""");
        Instant due = NOW.plus(RETRY.after(1, FP));

        RunDecider.Decision waiting = decide(migration("head", null), List.of(failed), NOW.plusSeconds(1));
        RunDecider.Decision retrying = decide(migration("head", null), List.of(failed), due.plusSeconds(1));
        RunDecider.Decision exhausted = decide(migration("head", null), List.of(run(3, 3, (Job) failed.source())), NOW);

        assertThat(waiting.createJob()).isNull();
        assertThat(waiting.requeueAfter()).isPositive().isLessThanOrEqualTo(RETRY.after(1, FP));
        assertThat(reason(waiting.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.RETRYING);
        assertThat(retrying.createJob().attempt()).isEqualTo(2);
        assertThat(reason(exhausted.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.RETRIES_EXHAUSTED);
    }

    @Test
    void aTableLockNotObtainedIsRetriedAsWaitingForLockNamingTheBlocker() {
        ObservedRun failed = run(1, 5, """
                {"command":"upgrade","revision":"003_fk_ondelete","applied":["003_fk_ondelete"],
                 "blockedBy":[{"pid":4242,"user":"webmacs","applicationName":"report","state":"idle in transaction"}],
                 "error":{"code":"LockNotAvailable","message":"Changeset x could not get its table lock within the DDL lock budget (180s). Blocked by pid 4242 (user webmacs, application 'report')",
                          "changeset":"db/webmacs/004_rbac_api_tokens.xml::x::webmacs"}}""");
        Instant due = NOW.plus(RETRY.after(1, FP));

        RunDecider.Decision waiting = decide(migration("head", null), List.of(failed), NOW.plusSeconds(1));
        RunDecider.Decision retrying = decide(migration("head", null), List.of(failed), due.plusSeconds(1));

        assertThat(reason(waiting.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.WAITING_FOR_LOCK);
        assertThat(waiting.status().condition(Conditions.RECONCILING).orElseThrow().getMessage()).contains("pid 4242", "'report'");
        assertThat(waiting.status().getRevision()).isEqualTo("003_fk_ondelete");
        assertThat(retrying.createJob().attempt()).isEqualTo(2);
    }

    @Test
    void failedChangesetStallsAtOnceKeepingWhatWasApplied() {
        ObservedRun failed = run(1, 1, """
                {"command":"upgrade","revision":"003_fk_ondelete","applied":["003_fk_ondelete"],
                 "error":{"code":"ChangesetFailed","message":"boom","changeset":"db/webmacs/004_rbac_api_tokens.xml::x::webmacs"}}""");

        RunDecider.Decision decision = decide(migration("head", null), List.of(failed), NOW);

        assertThat(decision.createJob()).isNull();
        assertThat(decision.requeueAfter()).isNull();
        assertThat(reason(decision.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.CHANGESET_FAILED);
        assertThat(decision.status().getRevision()).isEqualTo("003_fk_ondelete");
        assertThat(decision.status().getLastRun().getFailedChangeset()).endsWith("::x::webmacs");
    }

    @Test
    void lowerTargetNeedsAllowDowngrade() {
        DatabaseMigration refused = migration("003_fk_ondelete", "005_oidc_sso");
        DatabaseMigration allowed = migration("003_fk_ondelete", "005_oidc_sso");
        allowed.getSpec().setAllowDowngrade(true);

        RunDecider.Decision no = decide(refused, List.of(), NOW);
        RunDecider.Decision yes = decide(allowed, List.of(), NOW);

        assertThat(no.createJob()).isNull();
        assertThat(reason(no.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.DOWNGRADE_NOT_ALLOWED);
        assertThat(yes.createJob().verb()).isEqualTo(Verb.DOWNGRADE);
    }

    @Test
    void aFirstRunOnADatabaseAboveTheTargetTurnsIntoADowngradeOnlyWhenAllowed() {
        ObservedRun wrongWay = run(1, 2, """
                {"command":"upgrade","revision":"005_oidc_sso",
                 "error":{"code":"WrongDirection","message":"The database is at 005_oidc_sso, above 003_fk_ondelete"}}""");
        DatabaseMigration refused = migration("003_fk_ondelete", null);
        DatabaseMigration allowed = migration("003_fk_ondelete", null);
        allowed.getSpec().setAllowDowngrade(true);

        RunDecider.Decision no = decide(refused, List.of(wrongWay), NOW);
        RunDecider.Decision yes = decide(allowed, List.of(wrongWay), NOW);

        assertThat(no.createJob()).isNull();
        assertThat(reason(no.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.DOWNGRADE_NOT_ALLOWED);
        assertThat(no.status().getRevision()).isEqualTo("005_oidc_sso");
        assertThat(yes.createJob()).isEqualTo(new JobRequest(FP, 2, Verb.DOWNGRADE, "003_fk_ondelete", null));
    }

    @Test
    void decidingAgainOnTheSameObservationGivesTheSameStatus() {
        ObservedRun succeeded = run(1, 0, """
                {"command":"upgrade","revision":"005_oidc_sso","applied":["005_oidc_sso"],"durationMs":5}""");
        DatabaseMigration migration = migration("head", null);
        DatabaseMigrationStatus first = decide(migration, List.of(succeeded), NOW).status();
        migration.setStatus(first);

        DatabaseMigrationStatus later = decide(migration, List.of(succeeded), NOW.plus(Duration.ofHours(1))).status();

        assertThat(later).isEqualTo(first);
        assertThat(reason(later, Conditions.READY)).isEqualTo("True/" + Conditions.UP_TO_DATE);
    }

    @Test
    void initContainerModeCreatesNoJobAndWaitsForAPodToRunTheUpgrade() {
        RunDecider.Decision decision = decide(initContainerMode("head", null), List.of(), NOW);

        assertThat(decision.createJob()).isNull();
        assertThat(reason(decision.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.WAITING_FOR_PODS);
        assertThat(decision.status().getTargetRevision()).isEqualTo("005_oidc_sso");
    }

    @Test
    void initContainerModeIsReadyOnceOnePodsInitContainerReachedTheTarget() {
        ObservedRun stillWaitingForTheLock = initContainerRun("webmacs-backend-b", FP, new ContainerStateBuilder().withNewRunning().endRunning().build(), null);
        ObservedRun migrated = initContainerRun("webmacs-backend-a", FP, terminated(0, """
                {"command":"upgrade","revision":"005_oidc_sso","applied":["004_rbac_api_tokens","005_oidc_sso"],"durationMs":80}"""), null);
        ObservedRun earlierInput = initContainerRun("webmacs-backend-old", "0000000000", terminated(1, """
                {"command":"upgrade","revision":"003_fk_ondelete","error":{"code":"ChangesetFailed","message":"boom"}}"""), null);

        RunDecider.Decision decision = decide(initContainerMode("head", "003_fk_ondelete"), List.of(earlierInput, stillWaitingForTheLock, migrated), NOW);

        assertThat(decision.createJob()).isNull();
        assertThat(reason(decision.status(), Conditions.READY)).isEqualTo("True/" + Conditions.UP_TO_DATE);
        assertThat(decision.status().getRevision()).isEqualTo("005_oidc_sso");
        assertThat(decision.status().getLastRun().getPod()).isEqualTo("webmacs-backend-a");
        assertThat(decision.status().getLastRun().getJob()).isNull();
        assertThat(decision.status().getLastRun().getApplied()).containsExactly("004_rbac_api_tokens", "005_oidc_sso");
    }

    @Test
    void aCrashLoopingInitContainerIsReportedFromItsLastRun() {
        ObservedRun unreachable = initContainerRun("webmacs-backend-a", FP,
                new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().build(), terminated(3, """
                        {"command":"upgrade","revision":null,"error":{"code":"DatabaseUnreachable","message":"Cannot reach PostgreSQL"}}"""));
        ObservedRun failedChangeset = initContainerRun("webmacs-backend-a", FP,
                new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().build(), terminated(1, """
                        {"command":"upgrade","revision":"003_fk_ondelete","error":{"code":"ChangesetFailed","message":"boom"}}"""));

        RunDecider.Decision retried = decide(initContainerMode("head", null), List.of(unreachable), NOW);
        RunDecider.Decision stalled = decide(initContainerMode("head", null), List.of(failedChangeset), NOW);

        assertThat(retried.createJob()).isNull();
        assertThat(retried.requeueAfter()).as("the kubelet restarts it, not the operator").isNull();
        assertThat(reason(retried.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.RETRYING);
        assertThat(retried.status().condition(Conditions.READY).orElseThrow().getMessage())
                .contains("pod webmacs-backend-a", "Cannot reach PostgreSQL");
        assertThat(reason(stalled.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.CHANGESET_FAILED);
        assertThat(stalled.status().getRevision()).isEqualTo("003_fk_ondelete");
    }

    @Test
    void initContainerModeNeverDowngrades() {
        DatabaseMigration migration = initContainerMode("003_fk_ondelete", "005_oidc_sso");
        migration.getSpec().setAllowDowngrade(true);

        RunDecider.Decision decision = decide(migration, List.of(), NOW);

        assertThat(decision.createJob()).isNull();
        assertThat(reason(decision.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.DOWNGRADE_NOT_ALLOWED);
        assertThat(decision.status().condition(Conditions.STALLED).orElseThrow().getMessage()).contains("InitContainer mode only upgrades");
    }

    private static RunDecider.Decision decide(DatabaseMigration migration, List<ObservedRun> runs, Instant now) {
        return RunDecider.decide(migration, BUILT_IN, FP, runs, RETRY, now);
    }

    private static String reason(DatabaseMigrationStatus status, String type) {
        return status.getConditions().stream().filter(c -> type.equals(c.getType()))
                .map(c -> c.getStatus() + "/" + c.getReason()).findFirst().orElseThrow();
    }

    private static DatabaseMigration migration(String target, String revision) {
        DatabaseMigration migration = Fixtures.migration("lab", "webmacs", "webmacs-db", target);
        migration.getMetadata().setGeneration(1L);
        if (revision != null) {
            DatabaseMigrationStatus status = new DatabaseMigrationStatus();
            status.setRevision(revision);
            migration.setStatus(status);
        }
        return migration;
    }

    private static DatabaseMigration initContainerMode(String target, String revision) {
        DatabaseMigration migration = migration(target, revision);
        RolloutSpec rollout = new RolloutSpec();
        rollout.setPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "webmacs-backend").build());
        rollout.setMode(RolloutMode.InitContainer);
        migration.getSpec().setRollout(rollout);
        return migration;
    }

    private static ContainerState terminated(int exitCode, String result) {
        return new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode).withMessage(result)
                .withFinishedAt(NOW.toString()).endTerminated().build();
    }

    /** A WebMACS pod as the webhook left it, with its migrate init container in {@code state}. */
    private static ObservedRun initContainerRun(String pod, String fingerprint, ContainerState state, ContainerState lastState) {
        return ObservedRun.ofInitContainer(new PodBuilder().withNewMetadata().withName(pod)
                .withLabels(Map.of(Labels.FINGERPRINT, fingerprint)).endMetadata()
                .withNewSpec().addNewInitContainer().withName("migrate").withArgs("upgrade", "005_oidc_sso").endInitContainer().endSpec()
                .withNewStatus().addNewInitContainerStatus().withName("migrate").withRestartCount(0).withState(state)
                .withLastState(lastState).endInitContainerStatus().endStatus().build());
    }

    private static ObservedRun run(int attempt, int exitCode, String result) {
        Job job = new JobBuilder().withNewMetadata().withName("webmacs-" + FP + "-" + attempt)
                .withLabels(Map.of(Labels.FINGERPRINT, FP, Labels.ATTEMPT, Integer.toString(attempt), Labels.VERB, "upgrade")).endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("migrate")
                .withArgs("upgrade", "005_oidc_sso").endContainer().endSpec().endTemplate().endSpec()
                .withNewStatus().withCompletionTime(exitCode == 0 ? NOW.toString() : null)
                .withSucceeded(exitCode == 0 ? 1 : null).withFailed(exitCode == 0 ? null : 1)
                .withConditions(new JobConditionBuilder().withType(exitCode == 0 ? "Complete" : "Failed").withStatus("True")
                        .withLastTransitionTime(NOW.toString()).build())
                .endStatus().build();
        Pod pod = new PodBuilder().withNewStatus().addNewContainerStatus().withName("migrate").withNewState().withNewTerminated()
                .withExitCode(exitCode).withMessage(result).endTerminated().endState().endContainerStatus().endStatus().build();
        return ObservedRun.ofJob(job, pod);
    }

    private static ObservedRun run(int attempt, int exitCode, Job like) {
        Pod pod = new PodBuilder().withNewStatus().addNewContainerStatus().withName("migrate").withNewState().withNewTerminated()
                .withExitCode(exitCode).endTerminated().endState().endContainerStatus().endStatus().build();
        Job job = new JobBuilder(like).editMetadata().withName("webmacs-" + FP + "-" + attempt)
                .addToLabels(Labels.ATTEMPT, Integer.toString(attempt)).endMetadata().build();
        return ObservedRun.ofJob(job, pod);
    }
}
