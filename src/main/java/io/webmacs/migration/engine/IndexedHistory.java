package io.webmacs.migration.engine;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

/**
 * Where a database is, from one query of its history against the built-in changelog's index, without starting
 * Liquibase. It answers only when the rows are exactly the index's first changesets, in order, with the same files and
 * a checksum each accepts, and end with a revision's tag. Anything else (no history yet, an unknown or changed changeset, a
 * revision applied half-way) gets no answer, and the full path decides.
 */
public final class IndexedHistory {

    /** The revision the database is at, the changelog's head, and how many changesets are pending up to it. */
    public record Position(String revision, String head, int pending) {

        /** Whether {@code target} (a revision or head) is where the database already is: an upgrade with nothing to do. */
        public boolean isAt(String target) {
            return revision.equals(Changelog.HEAD.equals(target) ? head : target);
        }
    }

    private IndexedHistory() {
    }

    /** The built-in changelog's position of the database at {@code target}; empty when the full path must decide. */
    public static Optional<Position> read(DatabaseTarget target) {
        ChangelogIndex index = ChangelogIndex.builtIn();
        if (index == null) {
            return Optional.empty();
        }
        try (Connection connection = target.open()) {
            return read(connection, index);
        } catch (SQLException e) {
            // No history table yet, or one that is not Liquibase's: the full path reads it and says what it found.
            return Optional.empty();
        }
    }

    static Optional<Position> read(Connection connection, ChangelogIndex index) throws SQLException {
        List<ChangelogIndex.Entry> entries = index.entries();
        int rows = 0;
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, author, filename, md5sum FROM databasechangelog ORDER BY orderexecuted")) {
            while (rs.next()) {
                if (rows == entries.size() || !matches(entries.get(rows), rs)) {
                    return Optional.empty();
                }
                rows++;
            }
        }
        if (rows == 0 || !entries.get(rows - 1).tag()) {
            return Optional.empty();
        }
        return Optional.of(new Position(entries.get(rows - 1).revision(), index.head(), entries.size() - rows));
    }

    private static boolean matches(ChangelogIndex.Entry entry, ResultSet row) throws SQLException {
        return entry.id().equals(row.getString(1)) && entry.author().equals(row.getString(2))
                && entry.file().equals(row.getString(3)) && entry.checksums().contains(row.getString(4));
    }
}
