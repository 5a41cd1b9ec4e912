package io.webmacs.migration.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.DriftCheckSpec;
import io.webmacs.migration.api.DriftStatus;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.dependent.MigrationJobDependent;
import io.webmacs.migration.run.JobRequest;
import io.webmacs.migration.testsupport.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When drift checks run and what their results make of status.drift and the Drifted condition, with a fixed clock. */
class DriftDeciderTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private static final String FP = "abcdef0123";
    private static final String HEAD = "005_oidc_sso";
    private static final String DRIFTED = """
            {"command":"check","revision":"005_oidc_sso","drift":{"revision":"005_oidc_sso","differences":[
             {"change":"Missing","object":"index","name":"users.ix_users_email","expected":"CREATE INDEX ...","actual":null},
             {"change":"Unexpected","object":"column","name":"users.nickname","expected":null,"actual":"text"}]},
             "error":{"code":"SchemaDrift","message":"The schema differs"}}""";
    private static final String CLEAN = """
            {"command":"check","revision":"005_oidc_sso","drift":{"revision":"005_oidc_sso","differences":[]}}""";

    @Test
    void theFirstCheckRunsOnceTheDatabaseIsReady() {
        DriftDecider.Decision decision = decide(checked(null), List.of(), NOW);

        assertThat(decision.createJob()).isEqualTo(new JobRequest(FP, 1, Verb.CHECK, null, null));
        assertThat(MigrationJobDependent.jobName("webmacs", decision.createJob())).isEqualTo("webmacs-drift-1");
    }

    @Test
    void noCheckRunsWhileAMigrationIsUnderWay() {
        DatabaseMigration migration = checked(null);
        DatabaseMigrationStatus migrating = status(HEAD, "Reconciling");

        DriftDecider.Decision decision = DriftDecider.decide(migration, migrating, List.of(check(1, 6, DRIFTED)), FP, null, NOW);

        assertThat(decision).isEqualTo(DriftDecider.Decision.NONE);
        assertThat(migrating.condition(Conditions.DRIFTED)).as("a check result is not taken in while the schema may be changing").isEmpty();
    }

    @Test
    void aCheckThatFoundDriftIsReportedAndTheNextFollowsAfterTheInterval() {
        DatabaseMigration migration = checked(null);
        DatabaseMigrationStatus status = status(HEAD, "Ready");

        DriftDecider.Decision decision = DriftDecider.decide(migration, status, List.of(check(1, 6, DRIFTED)), FP, null, NOW.plusSeconds(60));

        Condition drifted = status.condition(Conditions.DRIFTED).orElseThrow();
        assertThat(drifted.getStatus()).isEqualTo("True");
        assertThat(drifted.getReason()).isEqualTo(Conditions.SCHEMA_DRIFT);
        assertThat(drifted.getMessage()).isEqualTo("2 differences from the schema the changelog defines at 005_oidc_sso:"
                + " missing index users.ix_users_email; unexpected column users.nickname (the log of the Job in status.drift.job lists them all)");
        assertThat(status.getDrift().getDifferences()).isEqualTo(2);
        assertThat(status.getDrift().getSummary()).containsExactly("missing index users.ix_users_email", "unexpected column users.nickname");
        assertThat(status.getDrift().getJob()).isEqualTo("webmacs-drift-1");
        assertThat(status.getDrift().getCheckedAt()).isEqualTo(NOW.toString());
        assertThat(decision.createJob()).isNull();
        assertThat(decision.requeueAfter()).isEqualTo(Duration.ofMinutes(59));
        assertThat(status.getConditions()).extracting(Condition::getType)
                .containsExactly(Conditions.READY, Conditions.RECONCILING, Conditions.STALLED, Conditions.DRIFTED);
    }

    @Test
    void theNextCheckIsDueOneIntervalAfterTheLast() {
        DriftStatus last = recorded("webmacs-drift-1", HEAD, NOW);
        List<ObservedRun> checks = List.of(check(1, 0, CLEAN));

        DriftDecider.Decision early = decide(checked(last), checks, NOW.plus(Duration.ofMinutes(30)));
        DriftDecider.Decision due = decide(checked(last), checks, NOW.plus(Duration.ofHours(1)));

        assertThat(early.createJob()).isNull();
        assertThat(early.requeueAfter()).isEqualTo(Duration.ofMinutes(30));
        assertThat(due.createJob()).isEqualTo(new JobRequest(FP, 2, Verb.CHECK, null, null));
    }

    @Test
    void aMigrationToAnotherRevisionIsCheckedAtOnceAndAResultFromBeforeItIsNotTakenIn() {
        DriftStatus last = recorded("webmacs-drift-1", "003_fk_ondelete", NOW);
        DatabaseMigrationStatus status = status(HEAD, "Ready");
        String before = CLEAN.replace(HEAD, "003_fk_ondelete");

        DriftDecider.Decision decision = DriftDecider.decide(checked(last), status, List.of(check(2, 0, before)), FP, null,
                NOW.plusSeconds(5));

        assertThat(decision.createJob()).isEqualTo(new JobRequest(FP, 3, Verb.CHECK, null, null));
        assertThat(status.getDrift().getJob()).isEqualTo("webmacs-drift-1");
    }

    @Test
    void aCheckThatCouldNotCompareIsUnknownAndIsNotRetriedAtOnce() {
        DatabaseMigrationStatus status = status(HEAD, "Ready");
        String unreachable = """
                {"command":"check","revision":null,"error":{"code":"DatabaseUnreachable","message":"Cannot reach PostgreSQL at db:5432"}}""";

        DriftDecider.Decision decision = DriftDecider.decide(checked(null), status, List.of(check(1, 3, unreachable)), FP, null,
                NOW.plusSeconds(1));

        Condition drifted = status.condition(Conditions.DRIFTED).orElseThrow();
        assertThat(drifted.getStatus()).isEqualTo("Unknown");
        assertThat(drifted.getReason()).isEqualTo(Conditions.CHECK_FAILED);
        assertThat(drifted.getMessage()).isEqualTo("Drift check Job webmacs-drift-1 failed: Cannot reach PostgreSQL at db:5432");
        assertThat(status.getDrift().getDifferences()).isNull();
        assertThat(decision.createJob()).isNull();
        assertThat(decision.requeueAfter()).isEqualTo(Duration.ofHours(1).minusSeconds(1));
    }

    @Test
    void aRunningCheckIsNotJoinedByAnother() {
        Job running = new JobBuilder(checkJob(1)).withStatus(null).build();

        DriftDecider.Decision decision = decide(checked(null), List.of(ObservedRun.ofJob(running, null)), NOW);

        assertThat(decision).isEqualTo(DriftDecider.Decision.NONE);
    }

    @Test
    void turnedOffThereIsNoDriftedConditionAndNoCheckJobIsKept() {
        DatabaseMigration migration = checked(recorded("webmacs-drift-1", HEAD, NOW));
        migration.getStatus().getConditions().add(new ConditionBuilder().withType(Conditions.DRIFTED)
                .withStatus("True").withReason(Conditions.SCHEMA_DRIFT).build());
        migration.getSpec().setDriftCheck(null);
        DatabaseMigrationStatus status = status(HEAD, "Ready");
        status.setConditions(new ArrayList<>(migration.getStatus().getConditions()));
        List<ObservedRun> checks = List.of(check(1, 0, CLEAN), check(2, 0, CLEAN));

        DriftDecider.Decision decision = DriftDecider.decide(migration, status, checks, FP, null, NOW);

        assertThat(decision).isEqualTo(DriftDecider.Decision.NONE);
        assertThat(status.getDrift()).isNull();
        assertThat(status.condition(Conditions.DRIFTED)).isEmpty();
        assertThat(DriftDecider.obsolete(migration, checks)).hasSize(2);
        assertThat(DriftDecider.obsolete(checked(null), checks)).extracting(ObservedRun::name).containsExactly("webmacs-drift-1");
    }

    private static DriftDecider.Decision decide(DatabaseMigration migration, List<ObservedRun> checks, Instant now) {
        return DriftDecider.decide(migration, status(HEAD, "Ready"), checks, FP, null, now);
    }

    /** A resource with driftCheck every hour, at head, whose last check is {@code drift}. */
    private static DatabaseMigration checked(DriftStatus drift) {
        DatabaseMigration migration = Fixtures.migration("lab", "webmacs", "webmacs-db", "head");
        migration.getMetadata().setGeneration(1L);
        DriftCheckSpec driftCheck = new DriftCheckSpec();
        driftCheck.setInterval("1h");
        migration.getSpec().setDriftCheck(driftCheck);
        migration.setStatus(status(HEAD, "Ready"));
        migration.getStatus().setDrift(drift);
        return migration;
    }

    /** A status as RunDecider decides it: Ready, or Reconciling, at {@code revision}; with the previous drift carried. */
    private static DatabaseMigrationStatus status(String revision, String trueCondition) {
        DatabaseMigrationStatus status = new DatabaseMigrationStatus();
        status.setObservedGeneration(1L);
        status.setRevision(revision);
        List<Condition> conditions = new ArrayList<>();
        for (String type : List.of(Conditions.READY, Conditions.RECONCILING, Conditions.STALLED)) {
            conditions.add(new ConditionBuilder().withType(type)
                    .withStatus(type.equals(trueCondition) ? "True" : "False").withReason(Conditions.UP_TO_DATE).build());
        }
        status.setConditions(conditions);
        return status;
    }

    private static DriftStatus recorded(String job, String revision, Instant checkedAt) {
        DriftStatus drift = new DriftStatus();
        drift.setChecks(1);
        drift.setJob(job);
        drift.setRevision(revision);
        drift.setCheckedAt(checkedAt.toString());
        drift.setDifferences(0);
        return drift;
    }

    /** Check Job number {@code number}, finished at NOW with {@code exitCode} and {@code result} as its termination message. */
    private static ObservedRun check(int number, int exitCode, String result) {
        Job job = new JobBuilder(checkJob(number)).withNewStatus().withCompletionTime(exitCode == 0 ? NOW.toString() : null)
                .withSucceeded(exitCode == 0 ? 1 : null).withFailed(exitCode == 0 ? null : 1)
                .addNewCondition().withType(exitCode == 0 ? "Complete" : "Failed").withStatus("True").withLastTransitionTime(NOW.toString())
                .endCondition().endStatus().build();
        return ObservedRun.ofJob(job, new PodBuilder().withNewStatus().addNewContainerStatus().withName("migrate").withNewState()
                .withNewTerminated().withExitCode(exitCode).withMessage(result).endTerminated().endState().endContainerStatus()
                .endStatus().build());
    }

    private static Job checkJob(int number) {
        return new JobBuilder().withNewMetadata().withName("webmacs-drift-" + number)
                .withLabels(Map.of(Labels.FINGERPRINT, FP, Labels.ATTEMPT, Integer.toString(number), Labels.VERB, Verb.CHECK.word()))
                .endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("migrate")
                .withArgs("check", "--result-file", "/dev/termination-log").endContainer().endSpec().endTemplate().endSpec().build();
    }
}
