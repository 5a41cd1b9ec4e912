package io.webmacs.migration.engine;

import io.webmacs.migration.contract.MigrationException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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

    /** Writes the SQL that brings an empty database to {@code revision}, without connecting anywhere. */
    public static void write(Changelog changelog, String revision, OutputStream out) throws IOException, DatabaseException {
        String target = changelog.resolve(revision);
        Path history = Files.createTempFile("webmacs-migrate-offline", ".csv");
        Files.delete(history);
        try {
            Database offline = DatabaseFactory.getInstance().openDatabase(
                    "offline:postgresql?version=15&outputLiquibaseSql=all&changeLogFile=" + history,
                    null, null, null, changelog.resourceAccessor());
            LiquibaseCommands commands = new LiquibaseCommands(changelog, offline, changeSet -> { }, changeSet -> false);
            MigrationException failure = commands.run("updateToTagSql", Map.of("tag", target), out);
            if (failure != null) {
                throw failure;
            }
        } finally {
            Files.deleteIfExists(history);
        }
    }
}
