package io.webmacs.migration.engine;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import liquibase.changelog.ChangeSet;

/**
 * Changesets outside a transaction ({@code runInTransaction: false}) made only of statements that run online and can
 * run again: CREATE INDEX CONCURRENTLY, ALTER TABLE ... VALIDATE CONSTRAINT (and DROP INDEX CONCURRENTLY, COMMENT ON),
 * each of which takes SHARE UPDATE EXCLUSIVE and lets the application write. Each either did its work or changed
 * nothing, except an index build that failed part-way (a lock timeout, a duplicate, a runner killed), which leaves an
 * INVALID index of its name behind ({@code pg_index.indisvalid}): it is not used, and a build of the same name fails
 * on it. With those indexes dropped, running the changeset again is safe, so the DDL lock guard drops them before it
 * runs such a changeset and after it failed, and tries it again after a lock timeout.
 */
final class OnlineChangesets {

    private final Connection connection;
    private final Function<ChangeSet, List<String>> sql;
    /** The indexes each changeset's concurrent builds make; empty when it is not one of these changesets. */
    private final Map<ChangeSet, Optional<List<String>>> builds = new HashMap<>();

    /** {@code sql} is the SQL each changeset runs, as Liquibase generates it. */
    OnlineChangesets(Connection connection, Function<ChangeSet, List<String>> sql) {
        this.connection = connection;
        this.sql = sql;
    }

    /** Whether {@code changeSet} runs outside a transaction, only statements that run online and can run again. */
    boolean safeToRepeat(ChangeSet changeSet) {
        return !changeSet.isRunInTransaction() && builds(changeSet).isPresent();
    }

    /**
     * Drops the invalid indexes that a failed build of {@code changeSet}'s left behind, with DROP INDEX CONCURRENTLY,
     * under the session's lock timeout; returns their names.
     */
    List<String> dropInvalidIndexes(ChangeSet changeSet) throws SQLException {
        List<String> names = builds(changeSet).orElse(List.of());
        List<String> dropped = new ArrayList<>();
        if (names.isEmpty()) {
            return dropped;
        }
        try (PreparedStatement invalid = connection.prepareStatement("""
                SELECT c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE NOT i.indisvalid AND n.nspname = current_schema() AND c.relname = ANY (?)""")) {
            invalid.setArray(1, connection.createArrayOf("text", names.toArray()));
            try (ResultSet rs = invalid.executeQuery(); Statement drop = connection.createStatement()) {
                while (rs.next()) {
                    drop.execute("DROP INDEX CONCURRENTLY IF EXISTS " + rs.getString(2));
                    dropped.add(rs.getString(1));
                }
            }
        }
        return dropped;
    }

    private Optional<List<String>> builds(ChangeSet changeSet) {
        return builds.computeIfAbsent(changeSet, this::read);
    }

    /** The indexes it builds, when every effect of every statement takes SHARE UPDATE EXCLUSIVE and is no finding. */
    private Optional<List<String>> read(ChangeSet changeSet) {
        List<String> indexes = new ArrayList<>();
        for (String statement : sql.apply(changeSet)) {
            List<StatementReview.Effect> effects = StatementReview.of(statement, StatementReview.Schema.UNKNOWN);
            boolean online = !effects.isEmpty() && effects.stream()
                    .allMatch(e -> e.lock() == LockMode.SHARE_UPDATE_EXCLUSIVE && e.finding() == null);
            if (!online) {
                return Optional.empty();
            }
            effects.stream().filter(e -> e.table() != null && e.index() != null).forEach(e -> indexes.add(e.index()));
        }
        return Optional.of(indexes);
    }
}
