package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Blocker;
import io.webmacs.migration.contract.Drift;
import io.webmacs.migration.contract.ErrorMessages;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.contract.Plan;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import liquibase.changelog.ChangeLogHistoryService;
import liquibase.changelog.ChangeLogHistoryServiceFactory;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.lockservice.LockServiceFactory;

/**
 * The migration engine: Liquibase's commands over one JDBC session, under a {@link MigrationLock}, with WebMACS
 * adoption and downgrade checks around them. One piece (about 300 lines): every verb takes the lock, reads the history
 * and commits in the same order on the same session, and that protocol is easier to check in one place.
 */
public final class MigrationEngine implements AutoCloseable {

    /**
     * What a command did. {@code failure} is set when a changeset failed after earlier ones were applied;
     * {@code adoptable} when a read-only command found a WebMACS database that upgrade would adopt; {@code drift} is
     * what check found (its failure is SchemaDrift when the schema differs); {@code contracted} the revisions whose
     * contract changesets this command ran.
     */
    public record Outcome(AppliedHistory history, List<String> applied, List<String> contracted, List<String> rolledBack,
            String adopted, MigrationException failure, WebmacsDatabase.Detected adoptable, List<Blocker> blockedBy, Plan plan,
            Drift drift) {

        static Outcome changed(AppliedHistory history, List<String> applied, List<String> rolledBack, String adopted,
                MigrationException failure, List<Blocker> blockedBy) {
            return new Outcome(history, applied, List.of(), rolledBack, adopted, failure, null, blockedBy, null, null);
        }

        static Outcome read(AppliedHistory history, WebmacsDatabase.Detected adoptable, MigrationException failure, Plan plan,
                Drift drift) {
            return new Outcome(history, List.of(), List.of(), List.of(), null, failure, adoptable, List.of(), plan, drift);
        }
    }

    private final Changelog changelog;
    private final Connection connection;
    private final Database database;
    private final MigrationLock lock;
    private final Duration lockTimeout;
    private final DdlLockGuard guard;
    private final LiquibaseCommands liquibase;
    private final Planner planner;
    private final OnlineChangesets online;

    private MigrationEngine(Changelog changelog, Connection connection, Database database, MigrationLock lock,
            Duration lockTimeout, DdlLockGuard guard) {
        this.changelog = changelog;
        this.connection = connection;
        this.database = database;
        this.lock = lock;
        this.lockTimeout = lockTimeout;
        this.guard = guard;
        this.liquibase = new LiquibaseCommands(changelog, database, this::beforeStatements, this::safeToRepeat);
        this.planner = new Planner(changelog, connection, database, liquibase);
        this.online = new OnlineChangesets(connection, c -> liquibase.inScope(() -> ChangeSetSql.forward(c, database)));
    }

    /**
     * Connects to {@code target}; fails with exit code 3 when the server cannot be reached or refuses the login.
     * {@code lockTimeout} bounds the wait for another runner's migration lock; {@code ddlLocks} guards the changesets'
     * table locks, and {@code progress} hears what the guard waits for.
     */
    public static MigrationEngine connect(DatabaseTarget target, Changelog changelog, Duration lockTimeout,
            DdlLockGuard.Settings ddlLocks, Consumer<String> progress) {
        Connection connection = target.open();
        try {
            boolean pooled = MigrationLock.behindPooler(connection);
            MigrationLock lock = pooled ? new LeaseLock(target, connection, progress) : new AdvisoryLock(connection);
            DdlLockGuard guard = new DdlLockGuard(target, connection, pooled, ddlLocks, progress);
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(
                    new GuardedConnection(connection, lock, guard::transactionEnded));
            return new MigrationEngine(changelog, connection, database, lock, lockTimeout, guard);
        } catch (Exception e) {
            closeQuietly(connection);
            throw new MigrationException(Failure.DATABASE_UNREACHABLE, "Could not open " + target.jdbcUrl() + ": "
                    + ErrorMessages.rootCause(e), e);
        }
    }

    /**
     * Applies the pending changesets of {@code phase} up to {@code revision}, adopting an existing WebMACS database first.
     * With {@code approvedPlan} (a plan hash), runs only if the plan worked out now, under the lock, still has that hash.
     */
    public Outcome upgrade(String revision, Phase phase, String approvedPlan) throws SQLException {
        String target = changelog.resolve(revision);
        takeLock();
        AppliedHistory known = history();
        Optional<WebmacsDatabase.Detected> adoptable = adoptable(known);
        String current = UpgradePhase.revision(known, adoptable);
        UpgradePhase.requireExpanded(changelog, phase, target, known, adoptable);
        // At the target already, nothing runs whatever plan was approved, as the built-in changelog's fast path answers.
        boolean atTarget = adoptable.isEmpty() && target.equals(current) && known.pendingUpTo(target, phase).isEmpty();
        if (!atTarget) {
            requireApproved(approvedPlan, () -> planner.plan(target, phase, known, adoptable), current);
        }
        // Contract runs what the revisions up to the target left; the database may be above it (expand went further).
        if (phase != Phase.CONTRACT && changelog.position(target) < changelog.position(current)) {
            throw new MigrationException(Failure.WRONG_DIRECTION, "The database is at " + current + ", above " + target
                    + "; upgrade never rolls back. Use: downgrade " + target + ".").atRevision(current);
        }
        adoptable.ifPresent(this::adopt);
        AppliedHistory before = history();
        // Changesets a precondition settles are run too, so that Liquibase records them (marked ran).
        MigrationException failure = before.unrecordedUpTo(target, phase).isEmpty()
                ? null
                : guard.run(() -> liquibase.run("updateToTag", Map.of("tag", target, "databaseChangelog", UpgradePhase.changeSets(changelog, phase, before))), online);
        throwIfDisconnected(failure);
        AppliedHistory after = history();
        return new Outcome(after, before.newlyAppliedIn(after), before.newlyContractedIn(after), List.of(),
                adoptable.map(WebmacsDatabase.Detected::route).orElse(null), failure, null, guard.blockers(), null, null);
    }

    /** Works out a plan; may fail like planning does. */
    private interface Planning {
        Plan plan() throws SQLException;
    }

    /**
     * With an approved plan hash, runs nothing unless the plan worked out now has that hash. It is checked before
     * anything else, the direction included: a database that is not where the plan said, or another database, fails
     * PlanChanged whichever way it moved.
     */
    private static void requireApproved(String approvedPlan, Planning planning, String current) throws SQLException {
        if (approvedPlan == null) {
            return;
        }
        Plan now;
        try {
            now = planning.plan();
        } catch (MigrationException e) {
            if (e.failure().isTransient()) {
                throw e;
            }
            // The approved plan could be made when it was approved; one that cannot be made now is not that plan.
            throw planChanged(approvedPlan, "no plan can be made now: " + e.getMessage(), current);
        }
        if (!now.hash().equals(approvedPlan)) {
            throw planChanged(approvedPlan, "the plan is now " + now.hash() + " (" + now.direction().word() + " from "
                    + now.from() + " to " + now.to() + " on " + now.database() + ")", current);
        }
    }

    private static MigrationException planChanged(String approvedPlan, String now, String current) {
        return new MigrationException(Failure.PLAN_CHANGED, "Not the approved plan " + approvedPlan + ": " + now
                + ". The database, its revision or the changelog changed since it was planned. Nothing was run; plan and"
                + " approve again.").atRevision(current);
    }

    /**
     * Rolls back to {@code revision} (a revision, {@code base}, or {@code -N}), after checking that it cannot fail
     * half-way; with {@code approvedPlan}, only if the plan worked out now still has that hash.
     */
    public Outcome downgrade(String revision, String approvedPlan) throws SQLException {
        Integer steps = revision.matches("-\\d{1,9}") ? Integer.valueOf(revision.substring(1)) : null;
        String named = steps == null ? changelog.resolve(revision) : null;
        takeLock();
        AppliedHistory before = history();
        int from = changelog.position(before.current());
        String target = steps == null ? named : relative(from, steps);
        requireApproved(approvedPlan, () -> planner.plan(target, Phase.ALL, before, Optional.empty()), before.current());
        int to = changelog.position(target);
        if (to >= from) {
            throw new MigrationException(Failure.WRONG_DIRECTION, "The database is at " + before.current() + ", not above "
                    + target + "; nothing to downgrade." + (to > from ? " Use: upgrade " + target + "." : ""))
                    .atRevision(before.current());
        }
        List<String> rollingBack = new ArrayList<>();
        for (int position = from; position > to; position--) {
            rollingBack.add(changelog.revisionAt(position));
        }
        DowngradeGuard.check(connection, rollingBack);
        // Counted again on each try: a retry after a lock timeout starts where the last try stopped. Only the revisions
        // above the target are given: Liquibase rolls back in the order changesets ran, and a contract may have run
        // after later revisions' expand.
        MigrationException failure = guard.run(() -> liquibase.run("rollbackCount", Map.of("count", history().ranAbove(to).size(),
                "databaseChangelog", changelog.after(target))), null);
        throwIfDisconnected(failure);
        AppliedHistory after = history();
        Set<String> stillApplied = after.appliedRevisions().keySet();
        List<String> rolledBack = rollingBack.stream().filter(r -> !stillApplied.contains(r)).toList();
        return Outcome.changed(after, List.of(), rolledBack, null, failure, guard.blockers());
    }

    private String relative(int from, int steps) {
        if (steps < 1 || steps > from) {
            throw new MigrationException(Failure.UNKNOWN_REVISION, "Cannot go down " + steps + " revision(s) from "
                    + changelog.revisionAt(from) + "; it is " + from + " above base.");
        }
        return changelog.revisionAt(from - steps);
    }

    /** Records {@code revision} as the applied one without running anything; alembic_version follows. */
    public Outcome stamp(String revision) throws SQLException {
        String target = changelog.resolve(revision);
        takeLock();
        AppliedHistory before = history();
        int to = changelog.position(target);
        if (to > 0 && !before.pendingUpTo(target).isEmpty()) {
            liquibase.runOrThrow("changelogSyncToTag", Map.of("tag", target));
        }
        unrecordAbove(to, before);
        new WebmacsDatabase(connection).recordAlembicVersion(changelog, target);
        commit();
        return Outcome.changed(history(), List.of(), List.of(), null, null, List.of());
    }

    private void unrecordAbove(int position, AppliedHistory history) throws SQLException {
        ChangeLogHistoryService service = historyService();
        for (ChangeSet changeSet : history.ranAbove(position)) {
            liquibase.inScope(() -> {
                service.removeFromHistory(changeSet);
                return null;
            });
        }
    }

    /** Where the database is, for current and history; reads only. */
    public Outcome status() throws SQLException {
        AppliedHistory history = history();
        return Outcome.read(history, adoptable(history).orElse(null), null, null, null);
    }

    /**
     * What upgrade of {@code phase} (or, to a lower revision, downgrade) to {@code revision} would do; reads only, takes no
     * lock.
     */
    public Outcome plan(String revision, Phase phase) throws SQLException {
        String target = changelog.resolve(revision);
        AppliedHistory history = history();
        Optional<WebmacsDatabase.Detected> adoptable = adoptable(history);
        UpgradePhase.requireExpanded(changelog, phase, target, history, adoptable);
        Plan plan = planner.plan(target, phase, history, adoptable);
        return Outcome.read(history, adoptable.orElse(null), null, plan, null);
    }

    /**
     * How the schema differs from the one the changelog defines at the database's revision (for a database upgrade
     * would adopt, the revision its tables show). Reads only and takes no lock: the expected schema is built in a
     * scratch schema that is rolled back, here or, given {@code dev}, on that database instead.
     */
    public Outcome check(DatabaseTarget dev) throws SQLException {
        AppliedHistory history = history();
        Optional<WebmacsDatabase.Detected> adoptable = adoptable(history);
        String revision = UpgradePhase.revision(history, adoptable);
        // The schema of the changesets the database has: without the contract of revisions whose contract is pending.
        List<ChangeSet> pendingContract = adoptable.isPresent() ? List.of() : history.pendingUpTo(revision, Phase.CONTRACT);
        Drift drift = DriftCheck.check(connection, dev, changelog, changelog.without(pendingContract), revision);
        MigrationException failure = drift.differences().isEmpty() ? null : DriftCheck.failure(drift);
        return Outcome.read(history, adoptable.orElse(null), failure, null, drift);
    }

    /** What the database's history says, with its settled changesets ({@link SettledChangeSets}); never creates Liquibase's tables. */
    public AppliedHistory history() {
        ChangeLogHistoryService service = historyService();
        service.reset();
        return liquibase.inScope(() -> {
            AppliedHistory recorded = new AppliedHistory(changelog, service.getRanChangeSets());
            Set<ChangeSet> settled = SettledChangeSets.of(recorded, changelog, database);
            return settled.isEmpty() ? recorded : new AppliedHistory(changelog, service.getRanChangeSets(), settled);
        });
    }

    /** Writes the SQL that {@code upgrade revision --phase phase} would run on this database. */
    public void sql(String revision, Phase phase, OutputStream out) throws SQLException, IOException {
        String target = changelog.resolve(revision);
        AppliedHistory history = history();
        Optional<WebmacsDatabase.Detected> adoptable = adoptable(history);
        UpgradePhase.requireExpanded(changelog, phase, target, history, adoptable);
        Map<String, Object> arguments = new HashMap<>(Map.of("tag", target, "databaseChangelog",
                UpgradePhase.changeSets(changelog, phase, history)));
        if (adoptable.isPresent()) {
            // Upgrade adopts first, so show only the revisions after the adopted one, not the whole chain.
            WebmacsDatabase.Detected detected = adoptable.get();
            out.write(("-- Existing WebMACS database (" + detected.route() + ") at " + detected.revision()
                    + ": upgrade records it as applied, then runs the following.\n").getBytes(StandardCharsets.UTF_8));
            arguments.put("databaseChangelog", changelog.part(changelog.changeSetsBetween(changelog.position(detected.revision()),
                    changelog.revisions().size()).stream().filter(c -> phase.runs(Changelog.phaseOf(c))).toList()));
        }
        throwIfFailed(liquibase.run("updateToTagSql", arguments, out));
    }

    /** A run broken off with its connection: nothing more can be read on it, so the failure is all there is to report. */
    private static void throwIfDisconnected(MigrationException failure) {
        if (failure != null && failure.failure() == Failure.DATABASE_UNREACHABLE) {
            throw failure;
        }
    }

    private static void throwIfFailed(MigrationException failure) {
        if (failure != null) {
            throw failure;
        }
    }

    /** A WebMACS database that Liquibase has never seen, at a revision this changelog knows. */
    private Optional<WebmacsDatabase.Detected> adoptable(AppliedHistory history) throws SQLException {
        if (!history.isEmpty()) {
            return Optional.empty();
        }
        return new WebmacsDatabase(connection).detect(changelog).filter(d -> changelog.revisions().contains(d.revision()));
    }

    /** Records what an existing WebMACS database already has as applied; runs nothing, changes no row. */
    private void adopt(WebmacsDatabase.Detected detected) {
        liquibase.runOrThrow("changelogSyncToTag", Map.of("tag", detected.revision()));
        try {
            new WebmacsDatabase(connection).recordAlembicVersion(changelog, detected.revision());
            commit();
        } catch (SQLException e) {
            throw new MigrationException(Failure.CHANGESET_FAILED, "Could not record alembic_version while adopting: "
                    + ErrorMessages.rootCause(e), e);
        }
    }

    /**
     * Before each change's statements, in its changeset's transaction: the migration lock checks that this runner still
     * holds it (with the DDL lock guard on or off), then the guard sets its lock timeout.
     */
    private void beforeStatements(ChangeSet changeSet) {
        try {
            lock.beforeStatements();
        } catch (SQLException e) {
            throw ServerErrors.failure(e, "Could not check the migration lease", Failure.CHANGESET_FAILED);
        }
        guard.beforeStatements(changeSet);
    }

    /** A changeset outside a transaction that may run again after a failure; see {@link OnlineChangesets}. */
    private boolean safeToRepeat(ChangeSet changeSet) {
        return online.safeToRepeat(changeSet);
    }

    /** Takes the migration lock; a Liquibase lock row left behind by a killed runner is stale once we hold it. */
    private void takeLock() throws SQLException {
        lock.acquire(lockTimeout);
        if (MigrationLock.liquibaseLockTableExists(connection)) {
            liquibase.inScope(() -> {
                LockServiceFactory.getInstance().getLockService(database).forceReleaseLock();
                return null;
            });
        }
    }

    private ChangeLogHistoryService historyService() {
        return ChangeLogHistoryServiceFactory.getInstance().getChangeLogService(database);
    }

    /** Commits what the engine wrote itself (alembic_version, history rows), fenced by the lock as Liquibase's commits are. */
    private void commit() throws SQLException {
        if (!connection.getAutoCommit()) {
            lock.beforeCommit();
            connection.commit();
        }
    }

    @Override
    public void close() {
        lock.close();
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing after a failure; the server ends the session and any advisory lock either way
        }
    }
}
