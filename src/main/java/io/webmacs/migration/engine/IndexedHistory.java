package io.webmacs.migration.engine;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * Where a database is, from one query of its history against the built-in changelog's index, without starting
 * Liquibase. It answers only when the rows are exactly the index's first changesets, each once, with the same files and
 * a checksum each accepts, and end with a revision's tag. They may have run in another order: a changeset added to a
 * revision later (004's contract) is recorded after the revisions a database had then. Anything else (no history yet,
 * an unknown or changed changeset, a revision applied half-way or expanded but not contracted) gets no answer, and the
 * full path decides.
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

    /**
     * The position of the database at {@code target} in {@code extended}, the built-in changelog and an extension: the
     * index answers while the history holds only built-in changesets, the extension's all pending; once one of them is
     * recorded, the full path decides.
     */
    public static Optional<Position> read(DatabaseTarget target, Changelog extended) {
        int builtIn = extended.revisions().size() - extended.extensionRevisions().size();
        int added = extended.changeSetsBetween(builtIn, extended.revisions().size()).size();
        return read(target).map(p -> new Position(p.revision(), extended.head(), p.pending() + added));
    }

    static Optional<Position> read(Connection connection, ChangelogIndex index) throws SQLException {
        List<ChangelogIndex.Entry> entries = index.entries();
        BitSet recorded = new BitSet(entries.size());
        int rows = 0;
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, author, filename, md5sum FROM databasechangelog")) {
            while (rs.next()) {
                int entry = indexOf(entries, rs);
                if (entry < 0 || recorded.get(entry)) {
                    return Optional.empty();
                }
                recorded.set(entry);
                rows++;
            }
        }
        // The first rows entries, each recorded once: no gap below the highest.
        if (rows == 0 || recorded.length() != rows || !entries.get(rows - 1).tag()) {
            return Optional.empty();
        }
        return Optional.of(new Position(entries.get(rows - 1).revision(), index.head(), entries.size() - rows));
    }

    /** The entry this row records, with a checksum it accepts; -1 when none. */
    private static int indexOf(List<ChangelogIndex.Entry> entries, ResultSet row) throws SQLException {
        for (int i = 0; i < entries.size(); i++) {
            ChangelogIndex.Entry entry = entries.get(i);
            if (entry.id().equals(row.getString(1)) && entry.author().equals(row.getString(2))
                    && entry.file().equals(row.getString(3)) && entry.checksums().contains(row.getString(4))) {
                return i;
            }
        }
        return -1;
    }
}
