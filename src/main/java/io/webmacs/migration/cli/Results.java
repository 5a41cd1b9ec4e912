package io.webmacs.migration.cli;

import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.engine.AppliedHistory;
import io.webmacs.migration.engine.Changelog;
import io.webmacs.migration.engine.IndexedHistory;
import io.webmacs.migration.engine.MigrationEngine;
import io.webmacs.migration.engine.WebmacsDatabase;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builds the JSON result of a command from what the engine did. */
final class Results {

    private Results() {
    }

    /** {@code phase}: the upgrade's or plan's, else null. */
    static MigrationResult of(Verb verb, Phase phase, Changelog changelog, MigrationEngine.Outcome outcome, long durationMs) {
        AppliedHistory history = outcome.history();
        MigrationException failure = outcome.failure();
        WebmacsDatabase.Detected adoptable = outcome.adoptable();
        // A database upgrade would adopt is at the revision its tables show, although Liquibase has no record yet.
        String revision = adoptable == null ? history.current() : adoptable.revision();
        int pending = adoptable == null
                ? history.pendingUpTo(changelog.head()).size()
                : changelog.changeSetsBetween(changelog.position(adoptable.revision()), changelog.revisions().size()).size();
        return new MigrationResult(verb.word(), revision, changelog.head(), outcome.applied(), outcome.rolledBack(), pending,
                phase, history.contractPending(), outcome.contracted(), outcome.adopted(),
                adoptable == null ? null : adoptable.route(), durationMs, verb == Verb.HISTORY ? revisions(changelog, history) : null, null, outcome.blockedBy(), 0, outcome.plan(), outcome.drift(),
                failure == null ? null : MigrationResult.Error.of(failure));
    }

    /** The result of a command that found nothing to do at {@code position}, as {@link #of} would build it. */
    static MigrationResult at(Verb verb, Phase phase, IndexedHistory.Position position, long durationMs) {
        // The index answers only for a history complete up to its revision, so no contract is pending there.
        return new MigrationResult(verb.word(), position.revision(), position.head(), List.of(), List.of(), position.pending(),
                phase, List.of(), List.of(), null, null, durationMs, null, null, List.of(), 0, null, null, null);
    }

    static MigrationResult failed(String command, MigrationException failure, long durationMs) {
        return new MigrationResult(command, failure.revision(), null, List.of(), List.of(), 0, null, null, List.of(), null, null,
                durationMs, null, null, List.of(), 0, null, null, MigrationResult.Error.of(failure));
    }

    /** The changelog's revisions and their changesets, read without a database. */
    static MigrationResult revisions(Changelog changelog, long durationMs) {
        List<MigrationResult.ChangelogRevision> revisions = changelog.revisions().stream()
                .map(r -> new MigrationResult.ChangelogRevision(r, changelog.changeSets(r).size())).toList();
        return new MigrationResult(Verb.REVISIONS.word(), null, changelog.head(), List.of(), List.of(), 0, null, null, List.of(), null, null,
                durationMs, null, revisions, List.of(), 0, null, null, null);
    }

    /** Every revision of the changelog, with when it was applied; pending ones have no time. */
    private static List<MigrationResult.AppliedRevision> revisions(Changelog changelog, AppliedHistory history) {
        Map<String, Instant> applied = history.appliedRevisions();
        List<String> contractPending = history.contractPending();
        return changelog.revisions().stream()
                .map(r -> new MigrationResult.AppliedRevision(r, applied.containsKey(r) ? applied.get(r).toString() : null,
                        contractPending.contains(r)))
                .toList();
    }
}
