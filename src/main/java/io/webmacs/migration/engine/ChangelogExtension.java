package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import liquibase.change.ColumnConfig;
import liquibase.change.core.UpdateDataChange;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;

/**
 * An extension's revisions appended to the built-in changelog. Each keeps alembic_version in step as the built-in
 * revisions' {@code set-alembic-version} changesets do: a changeset of the engine's, just before the revision's tag,
 * moves it from the previous revision to this one (and back on rollback). A revision's name is its Alembic revision id.
 */
final class ChangelogExtension {

    /** The author of the changesets the engine adds; their ids are {@code <revision>-set-alembic-version}. */
    static final String AUTHOR = "webmacs-migrate";
    /** What alembic_version.version_num (varchar(32)) can hold, and Alembic writes. */
    private static final Pattern ALEMBIC_REVISION_ID = Pattern.compile("[A-Za-z0-9_]{1,32}");

    private ChangelogExtension() {
    }

    /**
     * The built-in changesets, then the extension's, with alembic_version's changeset before each extension tag.
     *
     * @throws MigrationException (InvalidChangelog) when the extension reuses a built-in revision or changeset id, or
     *     names a revision alembic_version cannot hold; nothing has run then
     */
    static DatabaseChangeLog append(Changelog builtIn, Changelog extension) {
        refuseReused(builtIn, extension);
        DatabaseChangeLog combined = new DatabaseChangeLog(extension.parsed().getPhysicalFilePath());
        builtIn.parsed().getChangeSets().forEach(combined::addChangeSet);
        String previous = builtIn.head();
        for (String revision : extension.revisions()) {
            List<ChangeSet> changeSets = extension.changeSets(revision);
            changeSets.subList(0, changeSets.size() - 1).forEach(combined::addChangeSet);
            ChangeSet tag = extension.tagChangeSet(revision);
            combined.addChangeSet(alembicVersion(previous, revision, tag));
            combined.addChangeSet(tag);
            previous = revision;
        }
        return combined;
    }

    private static void refuseReused(Changelog builtIn, Changelog extension) {
        List<String> reusedRevisions = extension.revisions().stream().filter(builtIn.revisions()::contains).toList();
        if (!reusedRevisions.isEmpty()) {
            throw invalid(extension, "it names revision(s) " + String.join(", ", reusedRevisions) + " of the built-in changelog;"
                    + " its revisions come after " + builtIn.head() + " and need names of their own");
        }
        Set<String> builtInIds = builtIn.parsed().getChangeSets().stream().map(ChangeSet::getId).collect(Collectors.toSet());
        List<String> reusedIds = extension.parsed().getChangeSets().stream().map(ChangeSet::getId).filter(builtInIds::contains).toList();
        if (!reusedIds.isEmpty()) {
            throw invalid(extension, "it reuses the built-in changeset id(s) " + String.join(", ", reusedIds) + "; give its"
                    + " changesets ids of their own");
        }
        List<String> notAlembic = extension.revisions().stream().filter(r -> !ALEMBIC_REVISION_ID.matcher(r).matches()).toList();
        if (!notAlembic.isEmpty()) {
            throw invalid(extension, "revision name(s) " + String.join(", ", notAlembic) + " cannot be Alembic revision ids,"
                    + " which alembic_version holds: use letters, digits and _, at most 32 characters");
        }
    }

    /** Moves alembic_version from {@code previous} to {@code revision}, in the tag's file; its rollback moves it back. */
    private static ChangeSet alembicVersion(String previous, String revision, ChangeSet tag) {
        ChangeSet changeSet = new ChangeSet(revision + "-set-alembic-version", AUTHOR, false, false, tag.getFilePath(), null, null,
                tag.getChangeLog());
        changeSet.addChange(setVersion(previous, revision));
        changeSet.addRollbackChange(setVersion(revision, previous));
        return changeSet;
    }

    private static UpdateDataChange setVersion(String from, String to) {
        UpdateDataChange update = new UpdateDataChange();
        update.setTableName("alembic_version");
        update.addColumn(new ColumnConfig().setName("version_num").setValue(to));
        // The ids match ALEMBIC_REVISION_ID, so they need no escaping.
        update.setWhere("version_num = '" + from + "'");
        return update;
    }

    private static MigrationException invalid(Changelog extension, String why) {
        return new MigrationException(Failure.INVALID_CHANGELOG, "Changelog extension " + extension.file() + " cannot continue"
                + " the built-in changelog: " + why + ". Nothing was changed.");
    }
}
