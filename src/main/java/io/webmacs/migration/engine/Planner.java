package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Finding;
import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.contract.Plan;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import liquibase.changelog.ChangeSet;
import liquibase.database.Database;

/**
 * Works out what an upgrade or a downgrade would do to this database, without changing it: the changesets in the order
 * they would run, the SQL Liquibase would send, and from that SQL the findings and table locks a reviewer needs.
 */
final class Planner {

    /** Liquibase and Alembic bookkeeping: writing the revision there is no data migration. */
    private static final Set<String> BOOKKEEPING = Set.of("alembic_version", "databasechangelog", "databasechangeloglock");

    private final Changelog changelog;
    private final Connection connection;
    private final Database database;
    private final LiquibaseCommands liquibase;

    Planner(Changelog changelog, Connection connection, Database database, LiquibaseCommands liquibase) {
        this.changelog = changelog;
        this.connection = connection;
        this.database = database;
        this.liquibase = liquibase;
    }

    /**
     * The plan from where {@code history} (or, before adoption, the tables) puts the database to {@code target}; an upgrade
     * runs the changesets of {@code phase}.
     */
    Plan plan(String target, Phase phase, AppliedHistory history, Optional<WebmacsDatabase.Detected> adoptable) throws SQLException {
        String from = UpgradePhase.revision(history, adoptable);
        int fromPosition = changelog.position(from);
        int toPosition = changelog.position(target);
        // Contract may finish revisions below the current one (expand went further): that is an upgrade too.
        Plan.Direction direction = toPosition >= fromPosition || phase == Phase.CONTRACT ? Plan.Direction.UPGRADE : Plan.Direction.DOWNGRADE;
        List<String> revisions = new ArrayList<>();
        List<ChangeSet> changeSets;
        if (direction == Plan.Direction.UPGRADE) {
            changeSets = adoptable.isPresent()
                    ? changelog.changeSetsBetween(fromPosition, toPosition).stream().filter(c -> phase.runs(Changelog.phaseOf(c))).toList()
                    : history.pendingUpTo(target, phase);
            for (int position = 1; position <= toPosition; position++) {
                revisions.add(changelog.revisionAt(position));
            }
        } else {
            changeSets = history.ranAbove(toPosition);
            for (int position = fromPosition; position > toPosition; position--) {
                revisions.add(changelog.revisionAt(position));
            }
            DowngradeGuard.check(connection, revisions);
        }
        LiveTables live = LiveTables.read(connection);
        List<Plan.PlannedRevision> planned = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        Map<String, LockedTable> locks = new LinkedHashMap<>();
        for (String revision : revisions) {
            List<Plan.PlannedChangeset> inRevision = new ArrayList<>();
            for (ChangeSet changeSet : changelog.changeSets(revision)) {
                if (changeSets.contains(changeSet)) {
                    inRevision.add(review(changeSet, direction, live, findings, locks));
                }
            }
            if (!inRevision.isEmpty()) {
                planned.add(new Plan.PlannedRevision(revision, direction == Plan.Direction.UPGRADE ? inRevision : reversed(inRevision)));
            }
        }
        String adopts = adoptable.map(WebmacsDatabase.Detected::route).orElse(null);
        String identity = DatabaseIdentity.of(connection);
        List<Plan.TableLock> tableLocks = locks.values().stream().map(l -> l.toTableLock(live)).toList();
        return new Plan(hash(direction, identity, from, target, adopts, planned), direction, identity, from, target, adopts,
                largestBlocked(findings, live), planned, findings, tableLocks);
    }

    /** The estimated rows of the largest table whose writes a statement blocks; null when none does or one is unknown. */
    private static Long largestBlocked(List<Finding> findings, LiveTables live) {
        List<Long> rows = findings.stream().filter(f -> f.kind() == Finding.Kind.BLOCKS_WRITES).map(f -> live.estimatedRows(f.table())).toList();
        return rows.isEmpty() || rows.contains(null) ? null : Collections.max(rows);
    }

    /**
     * The changeset's SQL, its findings and its locks. In a transaction, a changeset keeps every lock until it commits:
     * each statement runs under the strongest lock the changeset took on its table so far, and one that scans or
     * rewrites a table under a lock that blocks writes is a BlocksWrites finding.
     */
    private Plan.PlannedChangeset review(ChangeSet changeSet, Plan.Direction direction, LiveTables live, List<Finding> findings,
            Map<String, LockedTable> locks) {
        String id = changeSet.toString(false);
        List<String> sql = liquibase.inScope(() -> direction == Plan.Direction.UPGRADE
                ? ChangeSetSql.forward(changeSet, database)
                : ChangeSetSql.rollback(changeSet, database));
        Map<String, LockMode> held = new HashMap<>();
        List<Plan.StatementLock> statementLocks = new ArrayList<>();
        for (int index = 0; index < sql.size(); index++) {
            String oneLine = sql.get(index).replaceAll("\\s+", " ").trim();
            for (StatementReview.Effect effect : StatementReview.of(sql.get(index), live)) {
                String named = effect.table() != null ? effect.table() : live.tableOfIndex(effect.index());
                // A table this plan creates first is nobody's yet: no lock on it is worth showing.
                String table = named != null && live.hasTable(named) ? named : null;
                if (isFinding(effect, table, live)) {
                    String detail = effect.note() == null ? oneLine : oneLine + " -- " + effect.note();
                    findings.add(new Finding(effect.finding(), id, table != null ? table : effect.table(), detail));
                }
                if (table != null && effect.lock() != null) {
                    LockMode holding = held.getOrDefault(table, effect.lock()).strongest(effect.lock());
                    locks.computeIfAbsent(table, LockedTable::new).add(effect.lock(), id);
                    statementLocks.add(new Plan.StatementLock(index, table, holding.sqlName(), effect.work(), holding.blocksWrites()));
                    if (holding.blocksWrites() && effect.work() != Plan.Work.NONE && !BOOKKEEPING.contains(table)) {
                        findings.add(new Finding(Finding.Kind.BLOCKS_WRITES, id, table, oneLine + " -- " + blocking(effect, holding, table, live)));
                    }
                    if (changeSet.isRunInTransaction()) {
                        held.put(table, holding);
                    }
                }
                if (named != null && effect.check() != null) {
                    live.record(named, effect.check());
                }
            }
        }
        return new Plan.PlannedChangeset(id, Changelog.phaseOf(changeSet), sql, statementLocks);
    }

    /** What a BlocksWrites finding says: the work, the table's size, the lock, and why that lock is held. */
    private static String blocking(StatementReview.Effect effect, LockMode holding, String table, LiveTables live) {
        Long rows = live.estimatedRows(table);
        String size = (rows == null ? "rows unknown" : "~" + rows + " rows") + ", " + Plan.size(live.sizeBytes(table));
        String why = effect.lock().blocksWrites() && effect.online() != null ? effect.online()
                : "its changeset took " + holding.sqlName() + " on " + table + " before and keeps it until it commits; run this"
                        + " in a changeset of its own";
        return effect.work().verb() + " " + table + " (" + size + ") under " + holding.sqlName() + ", which blocks writes: " + why;
    }

    /** {@code table} is the effect's table when it is there before the plan runs, else null. */
    private static boolean isFinding(StatementReview.Effect effect, String table, LiveTables live) {
        if (effect.finding() == null) {
            return false;
        }
        if (effect.findingWhateverExists()) {
            return true; // Deny fails closed: what the review cannot place or read counts wherever it is
        }
        if (table == null || BOOKKEEPING.contains(table)) {
            return false;
        }
        // A NOT NULL on a column this plan adds is checked by the same changeset's own update; on an older one it may fail.
        return effect.finding() != Finding.Kind.NOT_NULL_ON_EXISTING_COLUMN || live.hasColumn(table, effect.column());
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }

    /** Everything that decides what would run, and where; not the row estimates, which change while nothing else does. */
    private static String hash(Plan.Direction direction, String database, String from, String to, String adopts,
            List<Plan.PlannedRevision> planned) {
        StringBuilder canonical = new StringBuilder().append(direction.word()).append('\n').append(database).append('\n')
                .append(from).append('\n').append(to).append('\n').append(adopts).append('\n');
        for (Plan.PlannedRevision revision : planned) {
            canonical.append("revision ").append(revision.revision()).append('\n');
            for (Plan.PlannedChangeset changeSet : revision.changesets()) {
                canonical.append("changeset ").append(changeSet.id()).append('\n');
                changeSet.sql().forEach(sql -> canonical.append(sql).append('\n'));
            }
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The strongest lock a plan takes on one table, and the changesets that take locks on it. */
    private static final class LockedTable {
        private final String table;
        private final Set<String> changeSets = new LinkedHashSet<>();
        private LockMode mode;

        LockedTable(String table) {
            this.table = table;
        }

        void add(LockMode lock, String changeSet) {
            mode = mode == null ? lock : mode.strongest(lock);
            changeSets.add(changeSet);
        }

        Plan.TableLock toTableLock(LiveTables live) {
            return new Plan.TableLock(table, mode.sqlName(), live.estimatedRows(table), live.sizeBytes(table), List.copyOf(changeSets));
        }
    }
}
