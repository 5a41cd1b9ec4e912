package io.webmacs.migration.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.testsupport.Fixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The status an outcome leads to, alone: what it keeps of the previous status, and the history of runs. */
class StatusDraftTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @Test
    void aFinishedRunEntersTheHistoryOnceAndOnlyTheNewestTenStay() {
        DatabaseMigration migration = migrationWithHistory(StatusDraft.HISTORY_LIMIT);
        MigrationRun latest = run("webmacs-job-11", RunResult.SUCCEEDED);
        RunOutcome outcome = RunOutcome.ready(new RunOutcome.Seen("005_oidc_sso", "005_oidc_sso", List.of(), null, latest), "At 005_oidc_sso");

        DatabaseMigrationStatus first = StatusDraft.of(migration, outcome, NOW);
        migration.setStatus(first);
        DatabaseMigrationStatus again = StatusDraft.of(migration, outcome, NOW.plusSeconds(30));

        assertThat(first.getHistory()).hasSize(StatusDraft.HISTORY_LIMIT).first().isEqualTo(latest);
        assertThat(first.getHistory()).extracting(MigrationRun::getJob).doesNotContain("webmacs-job-1");
        assertThat(again).as("the same run seen again writes nothing new").isEqualTo(first);
    }

    @Test
    void aRunStillRunningIsTheLastRunButNotYetHistory() {
        DatabaseMigration migration = migrationWithHistory(1);
        MigrationRun running = run("webmacs-job-2", RunResult.RUNNING);

        DatabaseMigrationStatus status = StatusDraft.of(migration, RunOutcome.reconciling(
                new RunOutcome.Seen("005_oidc_sso", "004_rbac_api_tokens", List.of(), null, running), Conditions.MIGRATING, "migrating", null, null), NOW);

        assertThat(status.getLastRun()).isEqualTo(running);
        assertThat(status.getHistory()).extracting(MigrationRun::getJob).containsExactly("webmacs-job-1");
        assertThat(status.isTrue(Conditions.RECONCILING)).isTrue();
    }

    @Test
    void anOutcomeThatSawNoRunKeepsTheLastRunAndTheConditionsWhenUnchanged() {
        DatabaseMigration migration = migrationWithHistory(1);
        DatabaseMigrationStatus before = StatusDraft.of(migration, RunOutcome.stalled(RunOutcome.Seen.in(migration.getStatus()),
                Conditions.INVALID_INPUT, "no"), NOW);
        migration.setStatus(before);

        DatabaseMigrationStatus status = StatusDraft.of(migration, RunOutcome.unchanged(RunOutcome.Seen.in(before)), NOW.plusSeconds(60));

        assertThat(status).isEqualTo(before);
        assertThat(status.getLastRun().getJob()).isEqualTo("webmacs-job-1");
    }

    /** A resource whose status has {@code runs} finished runs, the newest (webmacs-job-{@code runs}) first. */
    private static DatabaseMigration migrationWithHistory(int runs) {
        DatabaseMigration migration = Fixtures.migration("lab", "webmacs", "webmacs-db", "head");
        migration.getMetadata().setGeneration(1L);
        DatabaseMigrationStatus status = new DatabaseMigrationStatus();
        status.setRevision("004_rbac_api_tokens");
        List<MigrationRun> history = new ArrayList<>(IntStream.iterate(runs, i -> i >= 1, i -> i - 1)
                .mapToObj(i -> run("webmacs-job-" + i, RunResult.FAILED)).toList());
        status.setHistory(history);
        status.setLastRun(history.get(0));
        migration.setStatus(status);
        return migration;
    }

    private static MigrationRun run(String job, RunResult result) {
        MigrationRun run = new MigrationRun();
        run.setJob(job);
        run.setFingerprint("abcdef0123");
        run.setAttempt(Integer.parseInt(job.substring(job.lastIndexOf('-') + 1)));
        run.setResult(result);
        return run;
    }
}
