package io.webmacs.migration.engine;

import java.util.HashSet;
import java.util.Set;
import liquibase.changelog.ChangeSet;
import liquibase.database.Database;
import liquibase.exception.PreconditionErrorException;
import liquibase.exception.PreconditionFailedException;
import liquibase.precondition.core.PreconditionContainer;

/**
 * Changesets the history does not record that count as done all the same. A changeset added to a revision after an
 * earlier form of the changelog applied that revision (one of its changesets is recorded with a checksum it accepts only
 * as an earlier one) is settled when its precondition fails with onFail MARK_RAN: the next run only marks it ran. (The
 * built-in 004's contract, on a database whose 004 dropped admin in one step.) Where the current form applied the
 * revision, such a changeset stays pending whatever the schema shows: a column dropped by hand there is drift.
 */
final class SettledChangeSets {

    private SettledChangeSets() {
    }

    /** The settled changesets of {@code recorded}'s applied revisions; runs in Liquibase's scope, and reads only. */
    static Set<ChangeSet> of(AppliedHistory recorded, Changelog changelog, Database database) {
        Set<ChangeSet> settled = new HashSet<>();
        for (String revision : recorded.appliedRevisions().keySet()) {
            if (recorded.appliedInEarlierForm(revision)) {
                changelog.changeSets(revision).stream().filter(c -> !recorded.hasRun(c) && marksRan(c, changelog, database))
                        .forEach(settled::add);
            }
        }
        return settled;
    }

    /**
     * Whether {@code changeSet} has a precondition that fails now and marks it ran when it does. One that cannot be
     * checked leaves the changeset pending: the run that checks it again reports why.
     */
    private static boolean marksRan(ChangeSet changeSet, Changelog changelog, Database database) {
        PreconditionContainer preconditions = changeSet.getPreconditions();
        if (preconditions == null || preconditions.getOnFail() != PreconditionContainer.FailOption.MARK_RAN) {
            return false;
        }
        try {
            preconditions.check(database, changelog.parsed(), changeSet, null);
            return false;
        } catch (PreconditionFailedException e) {
            return true;
        } catch (PreconditionErrorException e) {
            return false;
        }
    }
}
