package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.Phase;
import java.util.List;
import java.util.Optional;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;

/** What an upgrade of a {@link Phase} runs, and when contract may run at all. */
final class UpgradePhase {

    private UpgradePhase() {
    }

    /** Where the database is: at the revision its history says, or, before adoption, its tables show. */
    static String revision(AppliedHistory history, Optional<WebmacsDatabase.Detected> adoptable) {
        return adoptable.map(WebmacsDatabase.Detected::revision).orElse(history.current());
    }

    /** The changelog an upgrade of {@code phase} runs: in expand, without the contract changesets {@code history} does not record. */
    static DatabaseChangeLog changeSets(Changelog changelog, Phase phase, AppliedHistory history) {
        return phase == Phase.EXPAND ? changelog.without(history.unrecordedUpTo(changelog.head(), Phase.CONTRACT)) : changelog.parsed();
    }

    /** Contract runs only once expand is complete up to its target: refuses, changing nothing, when it is not. */
    static void requireExpanded(Changelog changelog, Phase phase, String target, AppliedHistory history,
            Optional<WebmacsDatabase.Detected> adoptable) {
        if (phase != Phase.CONTRACT) {
            return;
        }
        String current = revision(history, adoptable);
        // An adopted database has both phases of its revisions; the rest is pending.
        List<ChangeSet> expand = adoptable.isEmpty() ? history.pendingUpTo(target, Phase.EXPAND)
                : changelog.changeSetsBetween(changelog.position(current), changelog.position(target)).stream()
                        .filter(c -> Changelog.phaseOf(c) == Phase.EXPAND).toList();
        if (!expand.isEmpty()) {
            throw new MigrationException(Failure.EXPAND_PENDING, "Expand is not complete up to " + target + ": "
                    + expand.size() + " changeset(s) pending, starting with " + expand.get(0).toString(false) + ". Nothing was"
                    + " run; run upgrade " + target + " " + Phase.OPTION + " " + Phase.EXPAND.word() + " first.").atRevision(current);
        }
    }
}
