package io.webmacs.migration.engine;

import io.webmacs.migration.contract.ErrorMessages;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.exception.DatabaseException;

/**
 * The schema a changelog defines at a revision, built where nothing of it stays: in one transaction, a scratch schema
 * with a name of its own gets the SQL the changelog would run on an empty database (Liquibase's offline SQL, as
 * {@code sql} prints it), its catalog is read, and the transaction is rolled back. An index built CONCURRENTLY (outside a
 * transaction) is built plainly there: the index is the same.
 */
final class ExpectedSchema {

    /** Nothing in the scratch schema is shared, so nothing should wait; if something does, give up soon. */
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(2);
    private static final String CHANGESET_MARK = "-- Changeset ";
    private static final String INSUFFICIENT_PRIVILEGE = "42501";
    private static final String LOCK_NOT_AVAILABLE = "55P03";
    /** CREATE [UNIQUE] INDEX CONCURRENTLY at the start of a line of the offline SQL, where its statements start. */
    private static final Pattern CONCURRENTLY = Pattern.compile("(?im)^(\\s*CREATE\\s+(?:UNIQUE\\s+)?INDEX)\\s+CONCURRENTLY\\b");

    private ExpectedSchema() {
    }

    /**
     * The schema of {@code changelog} at {@code revision}, of its changesets in {@code applied}, built on {@code connection}
     * and rolled back.
     */
    static SchemaCatalog at(Connection connection, Changelog changelog, DatabaseChangeLog applied, String revision) throws SQLException {
        if (changelog.position(revision) == 0) {
            return SchemaCatalog.EMPTY;
        }
        return built(connection, changelog, applied, revision, scratch -> SchemaCatalog.read(connection, scratch));
    }

    /** What is read of a scratch schema while it exists, on the connection that built it. */
    interface Reading<T> {
        T read(String scratchSchema) throws SQLException;
    }

    /**
     * Builds the schema of {@code changelog} at {@code revision}, of its changesets in {@code applied}, in a scratch schema
     * on {@code connection}, lets {@code reading} read it there, and rolls it all back.
     */
    static <T> T built(Connection connection, Changelog changelog, DatabaseChangeLog applied, String revision, Reading<T> reading)
            throws SQLException {
        List<Chunk> script = changesets(offlineSql(changelog, applied, revision));
        String scratch = "webmacs_check_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        return RolledBackTransaction.run(connection, () -> {
            try (Statement s = connection.createStatement()) {
                s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT.toMillis() + "ms'");
                createSchema(s, scratch);
                s.execute("SET LOCAL search_path TO " + scratch);
                for (Chunk chunk : script) {
                    run(s, chunk, changelog, revision);
                }
                return reading.read(scratch);
            }
        });
    }

    /** The offline SQL's statements of one changeset (or the preamble before the first), and that changeset's name. */
    private record Chunk(String changeset, String sql) {
    }

    private static String offlineSql(Changelog changelog, DatabaseChangeLog applied, String revision) {
        ByteArrayOutputStream sql = new ByteArrayOutputStream();
        try {
            OfflineSql.write(changelog, applied, revision, sql);
        } catch (IOException | DatabaseException e) {
            throw new MigrationException(Failure.INVALID_CHANGELOG, "Could not write the SQL of changelog " + changelog.file()
                    + " up to " + revision + ": " + ErrorMessages.rootCause(e), e);
        }
        return sql.toString(StandardCharsets.UTF_8);
    }

    private static List<Chunk> changesets(String sql) {
        List<Chunk> chunks = new ArrayList<>();
        String changeset = "(the preamble: Liquibase's history table)";
        StringBuilder statements = new StringBuilder();
        for (String line : sql.split("\n", -1)) {
            if (line.startsWith(CHANGESET_MARK)) {
                chunks.add(new Chunk(changeset, statements.toString()));
                changeset = line.substring(CHANGESET_MARK.length()).trim();
                statements.setLength(0);
            }
            statements.append(line).append('\n');
        }
        chunks.add(new Chunk(changeset, statements.toString()));
        return chunks;
    }

    private static void createSchema(Statement s, String scratch) throws SQLException {
        try {
            s.execute("CREATE SCHEMA " + scratch);
        } catch (SQLException e) {
            if (INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                throw new MigrationException(Failure.USAGE, "check builds the changelog's schema in a scratch schema that it"
                        + " rolls back, and this login may not create one (" + ErrorMessages.oneLine(e.getMessage()) + ")."
                        + " Grant it CREATE on the database, or pass --dev-url with a database where it may.", e);
            }
            throw e;
        }
    }

    private static void run(Statement s, Chunk chunk, Changelog changelog, String revision) throws SQLException {
        try {
            s.execute(CONCURRENTLY.matcher(chunk.sql()).replaceAll("$1"));
        } catch (SQLException e) {
            String cause = ErrorMessages.oneLine(String.valueOf(e.getMessage()));
            if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                throw new MigrationException(Failure.LOCK_NOT_AVAILABLE, "Building the changelog's schema in a scratch schema"
                        + " waited longer than " + LOCK_TIMEOUT.toSeconds() + "s for a lock: " + cause + ". Retry later.", e);
            }
            if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                throw e;
            }
            throw new MigrationException(Failure.INVALID_CHANGELOG, "Changeset " + chunk.changeset() + " of " + changelog.file()
                    + " does not run in a scratch schema, in one transaction, as check needs to build the schema up to "
                    + revision + ": " + cause + ". A changeset that names a schema or must run outside a transaction"
                    + " cannot be checked.", e);
        }
    }
}
