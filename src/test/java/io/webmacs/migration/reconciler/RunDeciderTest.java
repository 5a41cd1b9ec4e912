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
import io.webmacs.migration.api.ApprovalMode;
import io.webmacs.migration.api.ApprovalSpec;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.DestructivePolicy;
import io.webmacs.migration.api.PolicySpec;
import io.webmacs.migration.api.RolloutMode;
import io.webmacs.migration.api.RolloutSpec;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.run.ChangelogLoader;
import io.webmacs.migration.run.JobRequest;
import io.webmacs.migration.testsupport.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The decision logic alone: status and Job creation from observed Jobs, pods and init containers, with a fixed clock. */
class RunDeciderTest {

    private static final ChangelogLoader.Loaded BUILT_IN = new ChangelogLoader().load(null, null, null, null);
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
        Decision decision = decide(migration("head", null), List.of(), NOW);

        assertThat(decision.createJob()).isEqualTo(new JobRequest(FP, 1, Verb.UPGRADE, "005_oidc_sso", null));
        assertThat(reason(decision.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.MIGRATING);
    }

    @Test
    void unreachableDatabaseIsRetriedAfterTheBackoffAndThenGivenUpOn() {
        ObservedRun failed = run(1, 3, """
                {"command":"upgrade","revision":null,"error":{"code":"DatabaseUnreachable","message":"Cannot reach PostgreSQL"}}""");
        Instant due = NOW.plus(RETRY.after(1, FP));

        Decision waiting = decide(migration("head", null), List.of(failed), NOW.plusSeconds(1));
        Decision retrying = decide(migration("head", null), List.of(failed), due.plusSeconds(1));
        Decision exhausted = decide(migration("head", null), List.of(run(3, 3, (Job) failed.source())), NOW);

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

        Decision waiting = decide(migration("head", null), List.of(failed), NOW.plusSeconds(1));
        Decision retrying = decide(migration("head", null), List.of(failed), due.plusSeconds(1));

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

        Decision decision = decide(migration("head", null), List.of(failed), NOW);

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

        Decision no = decide(refused, List.of(), NOW);
        Decision yes = decide(allowed, List.of(), NOW);

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

        Decision no = decide(refused, List.of(wrongWay), NOW);
        Decision yes = decide(allowed, List.of(wrongWay), NOW);

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
        Decision decision = decide(initContainerMode("head", null), List.of(), NOW);

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

        Decision decision = decide(initContainerMode("head", "003_fk_ondelete"), List.of(earlierInput, stillWaitingForTheLock, migrated), NOW);

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

        Decision retried = decide(initContainerMode("head", null), List.of(unreachable), NOW);
        Decision stalled = decide(initContainerMode("head", null), List.of(failedChangeset), NOW);

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

        Decision decision = decide(migration, List.of(), NOW);

        assertThat(decision.createJob()).isNull();
        assertThat(reason(decision.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.DOWNGRADE_NOT_ALLOWED);
        assertThat(decision.status().condition(Conditions.STALLED).orElseThrow().getMessage()).contains("InitContainer mode only upgrades");
    }

    @Test
    void manualApprovalStartsWithAPlanJob() {
        Decision decision = decide(manual("head", null), List.of(), NOW);

        assertThat(decision.createJob()).isEqualTo(new JobRequest(FP, 1, Verb.PLAN, "005_oidc_sso", null));
        assertThat(reason(decision.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.PLANNING);
        assertThat(decision.status().getPlan()).isNull();
    }

    @Test
    void aRunningPlanJobIsPlanningAndNoMigrationRun() {
        Decision decision = decide(manual("head", null), List.of(planRunning()), NOW);

        assertThat(decision.createJob()).isNull();
        assertThat(reason(decision.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.PLANNING);
        assertThat(decision.status().getLastRun()).as("a plan is no migration run").isNull();
    }

    @Test
    void aFinishedPlanAwaitsApprovalSayingHowToGiveIt() {
        Decision decision = decide(manual("head", null), List.of(planned(1, "h1", SAFE)), NOW);

        assertThat(decision.createJob()).isNull();
        assertThat(decision.requeueAfter()).as("the annotation's change triggers the next look").isNull();
        assertThat(reason(decision.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.AWAITING_APPROVAL);
        assertThat(decision.status().condition(Conditions.READY).orElseThrow().getMessage())
                .contains("kubectl annotate -n lab dbm/webmacs --overwrite migrations.webmacs.io/approved-plan=h1")
                .contains("webmacs-migrate approve webmacs -n lab").contains("ConfigMap webmacs-plan");
        assertThat(decision.status().getPlan()).satisfies(plan -> {
            assertThat(plan.getHash()).isEqualTo("h1");
            assertThat(plan.getDirection()).isEqualTo("upgrade");
            assertThat(plan.getRevisions()).containsExactly("004_rbac_api_tokens", "005_oidc_sso");
            assertThat(plan.getFindings()).extracting(f -> f.kind()).containsExactly("DataMigration");
            assertThat(plan.getLocks()).singleElement().satisfies(l -> assertThat(l.estimatedRows()).isEqualTo(12L));
            assertThat(plan.getDestructive()).isFalse();
            assertThat(plan.getApproved()).isFalse();
            assertThat(plan.getJob()).isEqualTo("webmacs-" + FP + "-1");
            assertThat(plan.getFingerprint()).isEqualTo(FP);
            assertThat(plan.getConfigMap()).isEqualTo("webmacs-plan");
        });
        assertThat(decision.status().getRevision()).as("the plan saw where the database is").isEqualTo("003_fk_ondelete");
    }

    @Test
    void anAnnotationForAnotherPlanKeepsWaiting() {
        DatabaseMigration migration = approved(manual("head", null), "h0");

        Decision decision = decide(migration, List.of(planned(1, "h1", SAFE)), NOW);

        assertThat(decision.createJob()).isNull();
        assertThat(reason(decision.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.AWAITING_APPROVAL);
        assertThat(decision.status().condition(Conditions.READY).orElseThrow().getMessage()).contains("approves plan h0, not this one");
    }

    @Test
    void theMatchingAnnotationStartsTheMigrationWithThePlanHash() {
        DatabaseMigration migration = approved(manual("head", null), "h1");

        Decision decision = decide(migration, List.of(planned(1, "h1", SAFE)), NOW);

        assertThat(decision.createJob()).isEqualTo(new JobRequest(FP, 2, Verb.UPGRADE, "005_oidc_sso", null, "h1"));
        assertThat(reason(decision.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.MIGRATING);
        assertThat(decision.status().getPlan().getApproved()).isTrue();
    }

    @Test
    void aPlanChangedBeforeItRanIsPlannedAgainAndNeedsANewApproval() {
        DatabaseMigration migration = approved(manual("head", null), "h1");
        ObservedRun changed = migrationRun(2, 2, "h1", """
                {"command":"upgrade","revision":"004_rbac_api_tokens","error":{"code":"PlanChanged","message":"The plan is now h2, not h1"}}""");

        Decision replan = decide(migration, List.of(planned(1, "h1", SAFE), changed), NOW);
        Decision waiting = decide(migration, List.of(planned(1, "h1", SAFE), changed, planned(3, "h2", SAFE)), NOW);

        assertThat(replan.createJob()).isEqualTo(new JobRequest(FP, 3, Verb.PLAN, "005_oidc_sso", null));
        assertThat(reason(replan.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.PLANNING);
        assertThat(replan.status().getLastRun().getErrorCode()).isEqualTo("PlanChanged");
        assertThat(waiting.createJob()).isNull();
        assertThat(reason(waiting.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.AWAITING_APPROVAL);
        assertThat(waiting.status().getPlan().getHash()).isEqualTo("h2");
    }

    /**
     * A migration of an approved plan that went the wrong way (the database was moved above the target, and a runner
     * reported WrongDirection): with approval or Deny, the other way is planned and approved first, never just run.
     */
    @Test
    void aWrongDirectionOfAPlannedMigrationIsPlannedAgainNeverRunTheOtherWay() {
        DatabaseMigration manual = approved(manual("004_rbac_api_tokens", null), "h1");
        manual.getSpec().setAllowDowngrade(true);
        DatabaseMigration deny = migration("004_rbac_api_tokens", null);
        deny.getSpec().setPolicy(policy(DestructivePolicy.Deny));
        deny.getSpec().setAllowDowngrade(true);
        ObservedRun wrongWay = migrationRun(2, 2, "h1", """
                {"command":"upgrade","revision":"005_oidc_sso",
                 "error":{"code":"WrongDirection","message":"The database is at 005_oidc_sso, above 004_rbac_api_tokens"}}""");

        for (DatabaseMigration migration : List.of(manual, deny)) {
            Decision decision = decide(migration, List.of(planned(1, "h1", SAFE), wrongWay), NOW);

            assertThat(decision.createJob()).isEqualTo(new JobRequest(FP, 3, Verb.PLAN, "004_rbac_api_tokens", null));
            assertThat(reason(decision.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.PLANNING);
        }
    }

    @Test
    void aPlannedMigrationThatFailedForAPassingReasonIsRetriedWithTheSamePlanHash() {
        DatabaseMigration migration = approved(manual("head", null), "h1");
        ObservedRun unreachable = migrationRun(2, 3, "h1", """
                {"command":"upgrade","revision":null,"error":{"code":"DatabaseUnreachable","message":"Cannot reach PostgreSQL"}}""");

        Decision retrying = decide(migration, List.of(planned(1, "h1", SAFE), unreachable), NOW.plus(Duration.ofMinutes(5)));

        assertThat(retrying.createJob()).isEqualTo(new JobRequest(FP, 3, Verb.UPGRADE, "005_oidc_sso", null, "h1"));
    }

    @Test
    void theMigrationOfAnApprovedPlanIsReadyAndStaysSoAfterItsJobsExpired() {
        DatabaseMigration migration = approved(manual("head", null), "h1");
        ObservedRun migrated = migrationRun(2, 0, "h1", """
                {"command":"upgrade","revision":"005_oidc_sso","applied":["004_rbac_api_tokens","005_oidc_sso"]}""");
        Decision ready = decide(migration, List.of(planned(1, "h1", SAFE), migrated), NOW);
        migration.setStatus(ready.status());

        Decision onlyThePlanJobLeft = decide(migration, List.of(planned(1, "h1", SAFE)), NOW.plus(Duration.ofHours(2)));

        assertThat(reason(ready.status(), Conditions.READY)).isEqualTo("True/" + Conditions.UP_TO_DATE);
        assertThat(onlyThePlanJobLeft.createJob()).as("the plan was carried out; it is not run again").isNull();
        assertThat(onlyThePlanJobLeft.status()).isEqualTo(ready.status());
    }

    @Test
    void denyStallsADestructivePlanNamingItsFindings() {
        DatabaseMigration migration = migration("head", null);
        migration.getSpec().setPolicy(policy(DestructivePolicy.Deny));

        Decision planning = decide(migration, List.of(), NOW);
        Decision denied = decide(migration, List.of(planned(1, "h1", DESTRUCTIVE)), NOW);

        assertThat(planning.createJob().verb()).isEqualTo(Verb.PLAN);
        assertThat(denied.createJob()).isNull();
        assertThat(reason(denied.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.DESTRUCTIVE_PLAN_DENIED);
        assertThat(denied.status().condition(Conditions.STALLED).orElseThrow().getMessage())
                .contains("DropColumn on users", "policy.destructive is Deny", "nothing ran");
        assertThat(denied.status().getPlan().getDestructive()).isTrue();
    }

    @Test
    void denyStallsAPlanWhoseDestructiveFindingTheCompactResultLeftOut() {
        DatabaseMigration migration = migration("head", null);
        migration.getSpec().setPolicy(policy(DestructivePolicy.Deny));
        String backfill = """
                {"kind":"DataMigration","changeset":"app.yaml::backfill::app","table":"users","detail":"UPDATE users SET ..."}""";
        // Six data migrations kept, the seventh finding (a DO block) left out: the termination message still says destructive.
        ObservedRun planned = planned(1, """
                {"command":"plan","revision":"003_fk_ondelete","plan":{"hash":"h1","direction":"upgrade","from":"003_fk_ondelete",
                 "to":"005_oidc_sso","destructive":true,"revisions":[{"revision":"004_rbac_api_tokens"},{"revision":"005_oidc_sso"}],
                 "findings":[%s],"locks":[],"omitted":1}}""".formatted(String.join(",", Collections.nCopies(6, backfill))));

        Decision denied = decide(migration, List.of(planned), NOW);

        assertThat(denied.createJob()).as("nothing runs").isNull();
        assertThat(reason(denied.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.DESTRUCTIVE_PLAN_DENIED);
        assertThat(denied.status().getPlan().getDestructive()).isTrue();
        assertThat(denied.status().condition(Conditions.STALLED).orElseThrow().getMessage())
                .contains("policy.destructive is Deny", "1 finding or lock not shown in the status", "ConfigMap webmacs-plan");
    }

    @Test
    void denyStallsAnUnreviewedStatementNamingItsChangeset() {
        DatabaseMigration migration = migration("head", null);
        migration.getSpec().setPolicy(policy(DestructivePolicy.Deny));

        Decision denied = decide(migration, List.of(planned(1, "h1", """
                [{"kind":"Unreviewed","changeset":"app.yaml::purge::app","table":null,"detail":"DO $$ BEGIN DELETE FROM users; END $$ -- ..."}]""")), NOW);

        assertThat(reason(denied.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.DESTRUCTIVE_PLAN_DENIED);
        assertThat(denied.status().condition(Conditions.STALLED).orElseThrow().getMessage()).contains("Unreviewed (app.yaml::purge::app)");
    }

    @Test
    void denyWithManualApprovalStallsEvenWhenTheDestructivePlanWasApproved() {
        DatabaseMigration migration = approved(manual("head", null), "h1");
        migration.getSpec().setPolicy(policy(DestructivePolicy.Deny));

        Decision denied = decide(migration, List.of(planned(1, "h1", DESTRUCTIVE)), NOW);

        assertThat(denied.createJob()).isNull();
        assertThat(reason(denied.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.DESTRUCTIVE_PLAN_DENIED);
    }

    @Test
    void denyRunsASafePlanWithoutApprovalInAutomaticMode() {
        DatabaseMigration migration = migration("head", null);
        migration.getSpec().setPolicy(policy(DestructivePolicy.Deny));

        Decision decision = decide(migration, List.of(planned(1, "h1", SAFE)), NOW);

        assertThat(decision.createJob()).isEqualTo(new JobRequest(FP, 2, Verb.UPGRADE, "005_oidc_sso", null, "h1"));
        assertThat(decision.status().getPlan().getApproved()).isTrue();
    }

    @Test
    void aLimitOfBlockedRowsPlansFirstAndStallsAPlanThatBlocksWritesToALargerTable() {
        DatabaseMigration migration = migration("head", null);
        migration.getSpec().setPolicy(blockedRowsAtMost(1_000_000L));
        String datapoints = blocking("datapoints", 20_000_000L);

        Decision planning = decide(migration, List.of(), NOW);
        Decision denied = decide(migration, List.of(planned(1, datapoints)), NOW);

        assertThat(planning.createJob().verb()).isEqualTo(Verb.PLAN);
        assertThat(denied.createJob()).as("nothing runs").isNull();
        assertThat(reason(denied.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.WRITE_BLOCKING_PLAN_DENIED);
        assertThat(denied.status().condition(Conditions.STALLED).orElseThrow().getMessage())
                .contains("blocks writes to a table of ~20000000 rows", "spec.policy.maxBlockedTableRows is 1000000", "nothing ran",
                        "BlocksWrites on datapoints (app.yaml::ix::app)");
        assertThat(denied.status().getPlan().getBlocksWrites()).isTrue();
        assertThat(denied.status().getPlan().getBlockedTableRows()).isEqualTo(20_000_000L);
    }

    @Test
    void aLimitOfBlockedRowsRunsAPlanThatBlocksWritesOnlyToSmallerTablesAndRefusesOneOfUnknownSize() {
        DatabaseMigration migration = migration("head", null);
        migration.getSpec().setPolicy(blockedRowsAtMost(1_000_000L));

        Decision users = decide(migration, List.of(planned(1, blocking("users", 1204L))), NOW);
        Decision unknown = decide(migration, List.of(planned(1, blocking("datapoints", null))), NOW);
        Decision none = decide(migration, List.of(planned(1, "h1", SAFE)), NOW);

        assertThat(users.createJob()).isEqualTo(new JobRequest(FP, 2, Verb.UPGRADE, "005_oidc_sso", null, "b1"));
        assertThat(reason(unknown.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.WRITE_BLOCKING_PLAN_DENIED);
        assertThat(unknown.status().condition(Conditions.STALLED).orElseThrow().getMessage()).contains("a table of unknown size");
        assertThat(none.createJob()).isEqualTo(new JobRequest(FP, 2, Verb.UPGRADE, "005_oidc_sso", null, "h1"));
    }

    @Test
    void aPlannedDowngradeNeedsAllowDowngradeAndThenApproval() {
        String down = """
                {"command":"plan","revision":"005_oidc_sso","plan":{"hash":"d1","direction":"downgrade","from":"005_oidc_sso",
                 "to":"003_fk_ondelete","revisions":[{"revision":"005_oidc_sso"},{"revision":"004_rbac_api_tokens"}],
                 "findings":[{"kind":"DropTable","changeset":"db/webmacs/005_oidc_sso.xml::x::webmacs","table":"oidc_providers","detail":"DROP TABLE oidc_providers"}],
                 "locks":[]}}""";
        DatabaseMigration refused = approved(manual("003_fk_ondelete", null), "d1");
        DatabaseMigration allowed = approved(manual("003_fk_ondelete", null), "d1");
        allowed.getSpec().setAllowDowngrade(true);

        Decision no = decide(refused, List.of(planned(1, down)), NOW);
        Decision yes = decide(allowed, List.of(planned(1, down)), NOW);

        assertThat(no.createJob()).isNull();
        assertThat(reason(no.status(), Conditions.STALLED)).isEqualTo("True/" + Conditions.DOWNGRADE_NOT_ALLOWED);
        assertThat(yes.createJob()).isEqualTo(new JobRequest(FP, 2, Verb.DOWNGRADE, "003_fk_ondelete", null, "d1"));
    }

    @Test
    void aPlanThatChangesNothingNeedsNoApproval() {
        String nothing = """
                {"command":"plan","revision":"005_oidc_sso","plan":{"hash":"e0","direction":"upgrade","from":"005_oidc_sso",
                 "to":"005_oidc_sso","revisions":[],"findings":[],"locks":[]}}""";

        Decision decision = decide(manual("head", null), List.of(planned(1, nothing)), NOW);

        assertThat(decision.createJob()).isEqualTo(new JobRequest(FP, 2, Verb.UPGRADE, "005_oidc_sso", null, "e0"));
    }

    @Test
    void aPlanForAnotherInputIsDroppedAndTheNewInputPlanned() {
        DatabaseMigration migration = approved(manual("head", null), "h1");
        Decision before = decide(migration, List.of(planned(1, "h1", SAFE)), NOW);
        migration.setStatus(before.status());

        Decision decision = decide(migration, "fedcba9876", List.of(planned(1, "h1", SAFE)), NOW);

        assertThat(decision.createJob()).isEqualTo(new JobRequest("fedcba9876", 1, Verb.PLAN, "005_oidc_sso", null));
        assertThat(decision.status().getPlan()).isNull();
    }

    @Test
    void automaticModeWithoutPolicyMakesNoPlan() {
        DatabaseMigration migration = migration("head", null);
        migration.getSpec().setApproval(new ApprovalSpec());
        migration.getSpec().setPolicy(new PolicySpec());

        assertThat(decide(migration, List.of(), NOW).createJob().verb()).isEqualTo(Verb.UPGRADE);
    }

    private static final String SAFE = """
            [{"kind":"DataMigration","changeset":"db/webmacs/004_rbac_api_tokens.xml::backfill::webmacs","table":"users","detail":"UPDATE users SET ..."}]""";
    private static final String DESTRUCTIVE = """
            [{"kind":"DropColumn","changeset":"db/webmacs/005_oidc_sso.xml::drop::webmacs","table":"users","detail":"ALTER TABLE users DROP COLUMN legacy"}]""";

    private static DatabaseMigration manual(String target, String revision) {
        DatabaseMigration migration = migration(target, revision);
        ApprovalSpec approval = new ApprovalSpec();
        approval.setMode(ApprovalMode.Manual);
        migration.getSpec().setApproval(approval);
        return migration;
    }

    private static PolicySpec policy(DestructivePolicy destructive) {
        PolicySpec policy = new PolicySpec();
        policy.setDestructive(destructive);
        return policy;
    }

    private static PolicySpec blockedRowsAtMost(long rows) {
        PolicySpec policy = new PolicySpec();
        policy.setMaxBlockedTableRows(rows);
        return policy;
    }

    /** A compact plan whose one step blocks writes to {@code table}, of {@code rows} rows (null: unknown). */
    private static String blocking(String table, Long rows) {
        return """
                {"command":"plan","revision":"003_fk_ondelete","plan":{"hash":"b1","direction":"upgrade","from":"003_fk_ondelete",
                 "to":"005_oidc_sso","blocksWrites":true%s,"revisions":[{"revision":"005_oidc_sso"}],
                 "findings":[{"kind":"BlocksWrites","changeset":"app.yaml::ix::app","table":"%s","detail":"CREATE INDEX ix ON %s (x) -- ..."}],
                 "locks":[]}}""".formatted(rows == null ? "" : ",\"blockedTableRows\":" + rows, table, table);
    }

    private static DatabaseMigration approved(DatabaseMigration migration, String hash) {
        migration.getMetadata().setAnnotations(Map.of(DatabaseMigration.APPROVED_PLAN, hash));
        return migration;
    }

    /** A plan Job that reported an upgrade from 003 to head with {@code findings}. */
    private static ObservedRun planned(int attempt, String hash, String findings) {
        return planned(attempt, """
                {"command":"plan","revision":"003_fk_ondelete","plan":{"hash":"%s","direction":"upgrade","from":"003_fk_ondelete",
                 "to":"005_oidc_sso","revisions":[{"revision":"004_rbac_api_tokens"},{"revision":"005_oidc_sso"}],
                 "findings":%s,"locks":[{"table":"users","mode":"AccessExclusiveLock","estimatedRows":12}]}}""".formatted(hash, findings));
    }

    private static ObservedRun planned(int attempt, String result) {
        return ObservedRun.ofJob(job(Verb.PLAN, attempt, 0, "plan", "005_oidc_sso"), terminatedPod(0, result));
    }

    private static ObservedRun planRunning() {
        Job job = new JobBuilder(job(Verb.PLAN, 1, 0, "plan", "005_oidc_sso")).withStatus(null).build();
        return ObservedRun.ofJob(job, null);
    }

    private static ObservedRun migrationRun(int attempt, int exitCode, String planHash, String result) {
        return ObservedRun.ofJob(job(Verb.UPGRADE, attempt, exitCode, "upgrade", "005_oidc_sso", "--plan-hash", planHash),
                terminatedPod(exitCode, result));
    }

    private static Job job(Verb verb, int attempt, int exitCode, String... args) {
        return new JobBuilder().withNewMetadata().withName("webmacs-" + FP + "-" + attempt)
                .withLabels(Map.of(Labels.FINGERPRINT, FP, Labels.ATTEMPT, Integer.toString(attempt), Labels.VERB, verb.word())).endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("migrate")
                .withArgs(args).endContainer().endSpec().endTemplate().endSpec()
                .withNewStatus().withCompletionTime(exitCode == 0 ? NOW.toString() : null)
                .withSucceeded(exitCode == 0 ? 1 : null).withFailed(exitCode == 0 ? null : 1)
                .withConditions(new JobConditionBuilder().withType(exitCode == 0 ? "Complete" : "Failed").withStatus("True")
                        .withLastTransitionTime(NOW.toString()).build())
                .endStatus().build();
    }

    private static Pod terminatedPod(int exitCode, String result) {
        return new PodBuilder().withNewStatus().addNewContainerStatus().withName("migrate").withNewState().withNewTerminated()
                .withExitCode(exitCode).withMessage(result).endTerminated().endState().endContainerStatus().endStatus().build();
    }

    /** What the reconciler takes from one look: the decider's outcome and the status it leads to. */
    private record Decision(DatabaseMigrationStatus status, JobRequest createJob, Duration requeueAfter) {
    }

    private static Decision decide(DatabaseMigration migration, List<ObservedRun> runs, Instant now) {
        return decide(migration, FP, runs, now);
    }

    private static Decision decide(DatabaseMigration migration, String fingerprint, List<ObservedRun> runs, Instant now) {
        RunOutcome outcome = RunDecider.decide(migration, BUILT_IN, fingerprint, runs, RETRY, (m, target) -> Optional.empty(), now);
        return new Decision(StatusDraft.of(migration, outcome, now), outcome.createJob(), outcome.requeueAfter());
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
        return ObservedRun.ofJob(job(Verb.UPGRADE, attempt, exitCode, "upgrade", "005_oidc_sso"), terminatedPod(exitCode, result));
    }

    private static ObservedRun run(int attempt, int exitCode, Job like) {
        Pod pod = new PodBuilder().withNewStatus().addNewContainerStatus().withName("migrate").withNewState().withNewTerminated()
                .withExitCode(exitCode).endTerminated().endState().endContainerStatus().endStatus().build();
        Job job = new JobBuilder(like).editMetadata().withName("webmacs-" + FP + "-" + attempt)
                .addToLabels(Labels.ATTEMPT, Integer.toString(attempt)).endMetadata().build();
        return ObservedRun.ofJob(job, pod);
    }
}
