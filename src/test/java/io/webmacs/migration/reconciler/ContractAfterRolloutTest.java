package io.webmacs.migration.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.webmacs.migration.api.ApprovalMode;
import io.webmacs.migration.api.ApprovalSpec;
import io.webmacs.migration.api.ContractMode;
import io.webmacs.migration.api.ContractSpec;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.RolloutSpec;
import io.webmacs.migration.api.SchemaPhase;
import io.webmacs.migration.api.WorkloadReference;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.gate.Gates;
import io.webmacs.migration.run.ChangelogLoader;
import io.webmacs.migration.run.JobRequest;
import io.webmacs.migration.testsupport.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Around a rollout (spec.rollout, SchedulingGate mode) an upgrade expands before the new pods start and contracts once
 * the rollout is complete: the decisions alone, with the rollout's state given.
 */
class ContractAfterRolloutTest {

    private static final ChangelogLoader.Loaded BUILT_IN = new ChangelogLoader().load(null, null, null, null);
    private static final RunDecider.RetryPolicy RETRY = new RunDecider.RetryPolicy(2, Duration.ofSeconds(10), Duration.ofSeconds(15));
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final String FP = "abcdef0123";
    private static final String HEAD = "005_oidc_sso";
    private static final RunDecider.RolloutCheck COMPLETE = (m, target) -> Optional.empty();
    private static final RunDecider.RolloutCheck ONE_OLD_POD_LEFT = (m, target) -> Optional.of("pods of an older ReplicaSet of"
            + " Deployment webmacs-backend are still there: webmacs-backend-old-1");
    private static final String EXPANDED = """
            {"command":"upgrade","revision":"005_oidc_sso","applied":["004_rbac_api_tokens","005_oidc_sso"],"phase":"expand",
             "contractPending":["004_rbac_api_tokens"]}""";
    private static final String CONTRACTED = """
            {"command":"upgrade","revision":"005_oidc_sso","applied":[],"phase":"contract","contractPending":[],
             "contracted":["004_rbac_api_tokens"]}""";

    @Test
    void anUpgradeAroundARolloutExpandsFirst() {
        Decision first = decide(aroundRollout(), List.of(), COMPLETE);

        assertThat(first.createJob()).isEqualTo(new JobRequest(FP, 1, Verb.UPGRADE, HEAD, null, null, Phase.EXPAND));
    }

    @Test
    void withoutARolloutEveryPhaseRunsAtOnceAsBefore() {
        DatabaseMigration migration = aroundRollout();
        migration.getSpec().setRollout(null);

        assertThat(decide(migration, List.of(), COMPLETE).createJob().phase()).isNull();
    }

    @Test
    void afterExpandTheNewPodsMayStartAndContractWaitsForTheRollout() {
        DatabaseMigration migration = aroundRollout();
        Decision waiting = decide(migration, List.of(run(1, Phase.EXPAND, EXPANDED)), ONE_OLD_POD_LEFT);
        migration.setStatus(waiting.status());

        assertThat(waiting.createJob()).isNull();
        assertThat(waiting.requeueAfter()).isEqualTo(RunDecider.ROLLOUT_POLL);
        assertThat(waiting.status().getPhase()).isEqualTo(SchemaPhase.Expanded);
        assertThat(waiting.status().getContractPending()).containsExactly("004_rbac_api_tokens");
        assertThat(reason(waiting.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.WAITING_FOR_ROLLOUT);
        assertThat(reason(waiting.status(), Conditions.READY)).as("wait and kstatus: still in progress").startsWith("False/");
        assertThat(waiting.status().condition(Conditions.RECONCILING).orElseThrow().getMessage())
                .contains("Expanded to 005_oidc_sso", "004_rbac_api_tokens", "webmacs-backend-old-1");
        assertThat(Gates.readyForGeneration(migration)).as("the gate lets the new pods start").isTrue();
    }

    @Test
    void contractRunsAsTheNextAttemptOnceTheRolloutIsComplete() {
        Decision contract = decide(aroundRollout(), List.of(run(1, Phase.EXPAND, EXPANDED)), COMPLETE);

        assertThat(contract.createJob()).isEqualTo(new JobRequest(FP, 2, Verb.UPGRADE, HEAD, null, null, Phase.CONTRACT));
        assertThat(reason(contract.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.MIGRATING);
    }

    @Test
    void afterContractTheResourceIsReadyAndContracted() {
        Decision done = decide(aroundRollout(), List.of(run(1, Phase.EXPAND, EXPANDED), run(2, Phase.CONTRACT, CONTRACTED)), COMPLETE);

        assertThat(reason(done.status(), Conditions.READY)).isEqualTo("True/" + Conditions.UP_TO_DATE);
        assertThat(done.status().getPhase()).isEqualTo(SchemaPhase.Contracted);
        assertThat(done.status().getContractPending()).isNull();
        assertThat(done.status().getLastRun().getCommand()).isEqualTo("upgrade 005_oidc_sso --phase contract");
    }

    @Test
    void aContractWhoseRolloutWasRemovedAfterExpandRunsWithoutWaiting() {
        DatabaseMigration migration = aroundRollout();
        migration.getSpec().setRollout(null);

        Decision contract = decide(migration, List.of(run(1, Phase.EXPAND, EXPANDED)), new RolloutCompletion(null, List.of()));

        assertThat(contract.createJob()).isEqualTo(new JobRequest(FP, 2, Verb.UPGRADE, HEAD, null, null, Phase.CONTRACT));
    }

    @Test
    void aHoldKeepsContractFromRunningEvenAfterTheRollout() {
        DatabaseMigration migration = aroundRollout();
        migration.getSpec().getRollout().setContract(contract(ContractMode.Auto, true));

        Decision held = decide(migration, List.of(run(1, Phase.EXPAND, EXPANDED)), COMPLETE);

        assertThat(held.createJob()).isNull();
        assertThat(reason(held.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.CONTRACT_HELD);
        assertThat(held.status().getPhase()).isEqualTo(SchemaPhase.Expanded);
    }

    @Test
    void aManualContractRunsOnlyOnceTheAnnotationNamesTheTarget() {
        DatabaseMigration migration = aroundRollout();
        migration.getSpec().getRollout().setContract(contract(ContractMode.Manual, false));
        List<ObservedRun> expanded = List.of(run(1, Phase.EXPAND, EXPANDED));

        Decision awaiting = decide(migration, expanded, COMPLETE);
        migration.getMetadata().setAnnotations(Map.of(DatabaseMigration.CONTRACT, "004_rbac_api_tokens"));
        Decision otherRevision = decide(migration, expanded, COMPLETE);
        migration.getMetadata().setAnnotations(Map.of(DatabaseMigration.CONTRACT, HEAD));
        Decision approvedButRolling = decide(migration, expanded, ONE_OLD_POD_LEFT);
        Decision approved = decide(migration, expanded, COMPLETE);

        assertThat(awaiting.createJob()).isNull();
        assertThat(reason(awaiting.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.AWAITING_CONTRACT);
        assertThat(awaiting.status().condition(Conditions.RECONCILING).orElseThrow().getMessage()).contains(DatabaseMigration.CONTRACT);
        assertThat(otherRevision.createJob()).isNull();
        assertThat(reason(approvedButRolling.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.WAITING_FOR_ROLLOUT);
        assertThat(approved.createJob().phase()).isEqualTo(Phase.CONTRACT);
    }

    @Test
    void aContractWaitingLongerThanTheExpandJobLivesStillRuns() {
        DatabaseMigration migration = aroundRollout();
        Decision expanded = decide(migration, List.of(run(1, Phase.EXPAND, EXPANDED)), ONE_OLD_POD_LEFT);
        migration.setStatus(expanded.status());

        Decision jobExpired = decide(migration, List.of(), COMPLETE);

        assertThat(jobExpired.createJob()).isEqualTo(new JobRequest(FP, 2, Verb.UPGRADE, HEAD, null, null, Phase.CONTRACT));
        assertThat(reason(jobExpired.status(), Conditions.READY)).startsWith("False/");
    }

    @Test
    void withApprovalEachPhaseIsPlannedAndApprovedOnItsOwn() {
        DatabaseMigration migration = aroundRollout();
        ApprovalSpec approval = new ApprovalSpec();
        approval.setMode(ApprovalMode.Manual);
        migration.getSpec().setApproval(approval);
        migration.getMetadata().setAnnotations(Map.of(DatabaseMigration.APPROVED_PLAN, "e1"));
        List<ObservedRun> runs = new ArrayList<>();

        JobRequest planExpand = decide(migration, runs, COMPLETE).createJob();
        runs.add(planned(1, Phase.EXPAND, "e1"));
        JobRequest expand = decide(migration, runs, COMPLETE).createJob();
        runs.add(run(2, Phase.EXPAND, EXPANDED));
        JobRequest planContract = decide(migration, runs, COMPLETE).createJob();
        runs.add(planned(3, Phase.CONTRACT, "c1"));
        Decision awaiting = decide(migration, runs, COMPLETE);

        assertThat(planExpand).isEqualTo(new JobRequest(FP, 1, Verb.PLAN, HEAD, null, null, Phase.EXPAND));
        assertThat(expand).isEqualTo(new JobRequest(FP, 2, Verb.UPGRADE, HEAD, null, "e1", Phase.EXPAND));
        assertThat(planContract).isEqualTo(new JobRequest(FP, 3, Verb.PLAN, HEAD, null, null, Phase.CONTRACT));
        assertThat(awaiting.createJob()).as("the expand plan's approval does not approve contract").isNull();
        assertThat(reason(awaiting.status(), Conditions.RECONCILING)).isEqualTo("True/" + Conditions.AWAITING_APPROVAL);
    }

    private record Decision(DatabaseMigrationStatus status, JobRequest createJob, Duration requeueAfter) {
    }

    private static Decision decide(DatabaseMigration migration, List<ObservedRun> runs, RunDecider.RolloutCheck rollout) {
        RunOutcome outcome = RunDecider.decide(migration, BUILT_IN, FP, runs, RETRY, rollout, NOW);
        return new Decision(StatusDraft.of(migration, outcome, NOW), outcome.createJob(), outcome.requeueAfter());
    }

    /** At 003, to head, around the Deployment webmacs-backend. */
    private static DatabaseMigration aroundRollout() {
        DatabaseMigration migration = Fixtures.migration("lab", "webmacs", "webmacs-db", "head");
        migration.getMetadata().setGeneration(1L);
        DatabaseMigrationStatus status = new DatabaseMigrationStatus();
        status.setRevision("003_fk_ondelete");
        migration.setStatus(status);
        RolloutSpec rollout = new RolloutSpec();
        WorkloadReference deployment = new WorkloadReference();
        deployment.setName("webmacs-backend");
        rollout.setWorkloadRef(deployment);
        migration.getSpec().setRollout(rollout);
        return migration;
    }

    private static ContractSpec contract(ContractMode mode, boolean hold) {
        ContractSpec contract = new ContractSpec();
        contract.setMode(mode);
        contract.setHold(hold);
        return contract;
    }

    private static ObservedRun run(int attempt, Phase phase, String result) {
        return ObservedRun.ofJob(job(Verb.UPGRADE, attempt, "upgrade", HEAD, Phase.OPTION, phase.word()), terminatedPod(result));
    }

    private static ObservedRun planned(int attempt, Phase phase, String hash) {
        String plan = """
                {"command":"plan","revision":"003_fk_ondelete","plan":{"hash":"%s","direction":"upgrade","from":"003_fk_ondelete",
                 "to":"005_oidc_sso","revisions":[{"revision":"005_oidc_sso"}],"findings":[],"locks":[]}}""".formatted(hash);
        return ObservedRun.ofJob(job(Verb.PLAN, attempt, "plan", HEAD, Phase.OPTION, phase.word()), terminatedPod(plan));
    }

    private static Job job(Verb verb, int attempt, String... args) {
        return new JobBuilder().withNewMetadata().withName("webmacs-" + FP + "-" + attempt)
                .withLabels(Map.of(Labels.FINGERPRINT, FP, Labels.ATTEMPT, Integer.toString(attempt), Labels.VERB, verb.word())).endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("migrate")
                .withArgs(args).endContainer().endSpec().endTemplate().endSpec()
                .withNewStatus().withCompletionTime(NOW.toString()).withSucceeded(1)
                .withConditions(new JobConditionBuilder().withType("Complete").withStatus("True").withLastTransitionTime(NOW.toString()).build())
                .endStatus().build();
    }

    private static Pod terminatedPod(String result) {
        return new PodBuilder().withNewStatus().addNewContainerStatus().withName("migrate").withNewState().withNewTerminated()
                .withExitCode(0).withMessage(result).endTerminated().endState().endContainerStatus().endStatus().build();
    }

    private static String reason(DatabaseMigrationStatus status, String type) {
        return status.getConditions().stream().filter(c -> type.equals(c.getType()))
                .map(c -> c.getStatus() + "/" + c.getReason()).findFirst().orElseThrow();
    }
}
