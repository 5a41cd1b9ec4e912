package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Drift.Change;
import io.webmacs.migration.contract.Drift.Difference;
import io.webmacs.migration.contract.Drift;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.engine.SchemaCatalog.Fact;
import io.webmacs.migration.engine.SchemaCatalog.Kind;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import liquibase.changelog.DatabaseChangeLog;

/**
 * Compares a database's schema with the one its changelog defines at the database's revision. The expected schema is
 * built from the changelog itself ({@link ExpectedSchema}), on the database or on a scratch database, and rolled back.
 */
final class DriftCheck {

    /** How many differences the one error line names. */
    private static final int NAMED = 3;

    private DriftCheck() {
    }

    /**
     * The drift of the schema {@code live} works in (its current schema) from {@code changelog} at {@code revision}, built
     * of the changesets {@code applied} of it (the database's); the expected schema is built on {@code dev}, or, for the
     * built-in changelog only, on {@code live} when that is null.
     */
    static Drift check(Connection live, DatabaseTarget dev, Changelog changelog, DatabaseChangeLog applied, String revision)
            throws SQLException {
        SchemaCatalog expected;
        if (dev == null && !changelog.isBuiltIn()) {
            // Its SQL runs to build the expected schema: real locks, and a COMMIT in it would persist on production.
            throw new MigrationException(Failure.USAGE, "check builds the expected schema by running the changelog's SQL, and"
                    + " runs a custom changelog's (" + changelog.file() + ") only on a scratch database, never on the target:"
                    + " pass --dev-url with a database it may create a schema in (an empty one, best on the target's PostgreSQL"
                    + " version).");
        }
        if (dev == null) {
            expected = ExpectedSchema.at(live, changelog, applied, revision);
        } else {
            try (Connection scratch = dev.open()) {
                expected = ExpectedSchema.at(scratch, changelog, applied, revision);
            }
        }
        SchemaCatalog actual = readCurrentSchema(live);
        List<Difference> differences = compare(expected, actual);
        if (!CreateAllShape.applies(changelog, revision, actual)) {
            return new Drift(revision, null, differences, 0, 0);
        }
        CreateAllShape.Filtered filtered = CreateAllShape.leaveOutKnown(differences);
        return new Drift(revision, "route-b", filtered.differences(), filtered.known(), 0);
    }

    /** Every difference, sorted by kind and name; a missing or unexpected table stands for its columns, constraints and indexes. */
    static List<Difference> compare(SchemaCatalog expected, SchemaCatalog actual) {
        SortedSet<Fact> facts = new TreeSet<>(expected.facts().comparator());
        facts.addAll(expected.facts().keySet());
        facts.addAll(actual.facts().keySet());
        List<Difference> differences = new ArrayList<>();
        for (Fact fact : facts) {
            String want = expected.facts().get(fact);
            String have = actual.facts().get(fact);
            boolean ofOneSidedTable = fact.table() != null && !(expected.hasTable(fact.table()) && actual.hasTable(fact.table()));
            // A table's value lists its columns for the reader; the columns themselves are compared one by one.
            boolean bothTables = fact.kind() == Kind.TABLE && want != null && have != null;
            if (Objects.equals(want, have) || ofOneSidedTable || bothTables) {
                continue;
            }
            Change change = want == null ? Change.UNEXPECTED : have == null ? Change.MISSING : Change.CHANGED;
            differences.add(new Difference(change, fact.kind().word(), fact.qualifiedName(), want, have));
        }
        return differences;
    }

    /** The failure of a check that found differences: one line naming the first few, and what to do. */
    static MigrationException failure(Drift drift) {
        int count = drift.count();
        String named = drift.differences().stream().limit(NAMED).map(DriftCheck::shortly).collect(Collectors.joining(", "))
                + (count > NAMED ? " and " + (count - NAMED) + " more" : "");
        return new MigrationException(Failure.SCHEMA_DRIFT, "The schema differs from " + drift.revision()
                + " (the changelog's schema at the database's revision) in " + count + (count == 1 ? " place: " : " places: ")
                + named + ". Repair the schema, or make the change in a new revision of the changelog and upgrade.")
                .atRevision(drift.revision());
    }

    /** A difference without its definitions, which the result lists in full. */
    private static String shortly(Difference d) {
        return d.change() == Change.CHANGED ? "changed " + d.object() + " " + d.name() : d.describe();
    }

    private static SchemaCatalog readCurrentSchema(Connection live) throws SQLException {
        return RolledBackTransaction.run(live, () -> {
            try (Statement s = live.createStatement(); ResultSet rs = s.executeQuery("SELECT current_schema()")) {
                rs.next();
                return SchemaCatalog.read(live, rs.getString(1));
            }
        });
    }
}
