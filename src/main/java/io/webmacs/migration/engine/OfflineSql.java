package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.Phase;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.exception.DatabaseException;

/**
 * The SQL that brings an empty database to a revision, from Liquibase's offline PostgreSQL database: what {@code sql}
 * prints when no database is given, and what {@link ExpectedSchema} builds the changelog's schema from.
 */
public final class OfflineSql {

    private OfflineSql() {
    }

    /**
     * Writes the SQL that brings an empty database to {@code revision} in {@code phase}, without connecting anywhere;
     * contract alone has nothing to start from.
     */
    public static void write(Changelog changelog, String revision, Phase phase, OutputStream out) throws IOException, DatabaseException {
        String target = changelog.resolve(revision);
        if (phase == Phase.CONTRACT && changelog.position(target) > 0) {
            throw new MigrationException(Failure.EXPAND_PENDING, "An empty database has no expand to contract: run sql "
                    + target + " " + Phase.OPTION + " " + Phase.EXPAND.word() + " or " + Phase.ALL.word() + ".");
        }
        List<ChangeSet> contract = changelog.parsed().getChangeSets().stream().filter(c -> Changelog.phaseOf(c) == Phase.CONTRACT).toList();
        write(changelog, phase == Phase.EXPAND ? changelog.without(contract) : changelog.parsed(), target, out);
    }

    /** Writes the SQL that {@code changeSets} (of {@code changelog}) run on an empty database up to {@code target}. */
    static void write(Changelog changelog, DatabaseChangeLog changeSets, String target, OutputStream out)
            throws IOException, DatabaseException {
        Path history = Files.createTempFile("webmacs-migrate-offline", ".csv");
        Files.delete(history);
        try {
            Database offline = DatabaseFactory.getInstance().openDatabase(
                    "offline:postgresql?version=15&outputLiquibaseSql=all&changeLogFile=" + history,
                    null, null, null, changelog.resourceAccessor());
            LiquibaseCommands commands = new LiquibaseCommands(changelog, offline, changeSet -> { }, changeSet -> false);
            MigrationException failure = commands.run("updateToTagSql", Map.of("tag", target, "databaseChangelog", changeSets), out);
            if (failure != null) {
                throw failure;
            }
        } finally {
            Files.deleteIfExists(history);
        }
    }
}
