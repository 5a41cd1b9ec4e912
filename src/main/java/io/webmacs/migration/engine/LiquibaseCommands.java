package io.webmacs.migration.engine;

import io.webmacs.migration.contract.ErrorMessages;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.io.OutputStream;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import liquibase.Scope;
import liquibase.change.Change;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.changelog.visitor.AbstractChangeExecListener;
import liquibase.command.CommandScope;
import liquibase.database.Database;
import liquibase.exception.DatabaseException;
import liquibase.exception.ValidationFailedException;
import liquibase.ui.LoggerUIService;

/** Runs Liquibase commands for one changelog against one database, and turns their failures into {@link MigrationException}s. */
final class LiquibaseCommands {

    static {
        // No network from here, and nothing on stdout but our own output.
        System.setProperty("liquibase.analytics.enabled", "false");
        System.setProperty("liquibase.showBanner", "false");
        System.setProperty("liquibase.command.showSummaryOutput", "LOG");
    }

    /** Work that Liquibase's scope runs; may throw its checked exceptions. */
    interface Work<T> {
        T run() throws Exception;
    }

    private final Changelog changelog;
    private final Database database;
    private final Consumer<ChangeSet> beforeStatements;
    private final Predicate<ChangeSet> safeToRepeat;

    /**
     * {@code beforeStatements} runs in a changeset's transaction before each of its changes' statements, and before the
     * changeset is rolled back. {@code safeToRepeat} tells the changesets outside a transaction whose run may be repeated
     * after a failure ({@link OnlineChangesets}).
     */
    LiquibaseCommands(Changelog changelog, Database database, Consumer<ChangeSet> beforeStatements, Predicate<ChangeSet> safeToRepeat) {
        this.changelog = changelog;
        this.database = database;
        this.beforeStatements = beforeStatements;
        this.safeToRepeat = safeToRepeat;
    }

    /** Runs {@code command}; returns the failure instead of throwing it, so callers can report what did get applied. */
    MigrationException run(String command, Map<String, Object> arguments) {
        return run(command, arguments, null);
    }

    /** Like {@link #run(String, Map)}, writing the command's output (SQL) to {@code out}. */
    MigrationException run(String command, Map<String, Object> arguments, OutputStream out) {
        Listener listener = new Listener(beforeStatements);
        try {
            inScope(() -> {
                CommandScope scope = new CommandScope(command)
                        .addArgumentValue("database", database)
                        .addArgumentValue("changelogFile", changelog.file())
                        .addArgumentValue("databaseChangelog", changelog.parsed())
                        .addArgumentValue("changeExecListener", listener);
                arguments.forEach(scope::addArgumentValue);
                if (out != null) {
                    scope.setOutput(out);
                }
                return scope.execute();
            });
            return null;
        } catch (MigrationException e) {
            return e;
        } catch (RuntimeException e) {
            return translate(e, listener);
        }
    }

    /** Runs {@code command} and throws if it fails. */
    void runOrThrow(String command, Map<String, Object> arguments) {
        MigrationException failure = run(command, arguments);
        if (failure != null) {
            throw failure;
        }
    }

    /** Liquibase reads its resource accessor and UI from the scope; its chatter goes to the log, not stdout. */
    <T> T inScope(Work<T> work) {
        try {
            return Scope.child(Map.of(
                    Scope.Attr.resourceAccessor.name(), changelog.resourceAccessor(),
                    Scope.Attr.ui.name(), new LoggerUIService()), work::run);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private MigrationException translate(Exception e, Listener listener) {
        MigrationException leaseLost = leaseLost(e);
        if (leaseLost != null) {
            return whatTheLostLeaseStopped(leaseLost, listener);
        }
        ChangeSet failed = listener.failed;
        String cause = ErrorMessages.rootCause(e);
        if (failed != null && !failed.isRunInTransaction() && !listener.rollingBack && safeToRepeat.test(failed)) {
            return repeatable(failed, e);
        }
        // Outside a transaction its first statements may have committed: running it again would repeat them, whatever
        // the cause, so it needs a person before another run.
        if (failed != null && !failed.isRunInTransaction()) {
            String changeset = failed.toString(false);
            return new MigrationException(Failure.CHANGESET_FAILED, "Changeset " + changeset + " failed outside a transaction"
                    + " (runInTransaction: false): " + failedStatement(e) + ". Its statements before the failing one stay"
                    + " committed, and so do earlier changesets; running it again repeats them: check which took effect, undo"
                    + " or complete them, then run again.", changeset, e);
        }
        Optional<Failure> passing = ServerErrors.passing(e);
        if (failed != null) {
            String changeset = failed.toString(false);
            return passing.map(f -> interrupted(f, failed, cause, e))
                    .orElseGet(() -> new MigrationException(Failure.CHANGESET_FAILED, "Changeset " + changeset
                            + " failed and was rolled back: " + cause + ". Earlier changesets stay applied; fix the cause and"
                            + " run again.", changeset, e));
        }
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof ValidationFailedException) {
                return new MigrationException(Failure.INVALID_CHANGELOG, "Changelog " + changelog.file()
                        + " does not validate against this database: " + cause, e);
            }
        }
        return ServerErrors.failure(e, "Liquibase failed", Failure.CHANGESET_FAILED);
    }

    /**
     * A changeset outside a transaction made only of statements that can run again: a failure that passes by itself is
     * that failure, to be retried; any other needs its cause fixed, and then the same changeset runs again.
     */
    private static MigrationException repeatable(ChangeSet failed, Exception e) {
        String changeset = failed.toString(false);
        String safe = "It runs outside a transaction, made only of statements that can run again (CREATE INDEX CONCURRENTLY,"
                + " VALIDATE CONSTRAINT): what they did stays valid, and an index a failed build left invalid is dropped before"
                + " it runs again. Earlier changesets stay applied";
        return ServerErrors.passing(e)
                .map(f -> new MigrationException(f, "Changeset " + changeset + " was interrupted: " + failedStatement(e) + " (SQLSTATE "
                        + ServerErrors.sqlState(e) + ", which passes by itself). " + safe + "; run again.", changeset, e))
                .orElseGet(() -> new MigrationException(Failure.CHANGESET_FAILED, "Changeset " + changeset + " failed: "
                        + failedStatement(e) + ". " + safe + "; fix the cause and run again.", changeset, e));
    }

    /**
     * A changeset in a transaction the server broke off for a reason that passes (a lost connection, a deadlock, a
     * shutdown): nothing of it stays, and the next run finds out from the history whether its commit went through.
     */
    private static MigrationException interrupted(Failure failure, ChangeSet failed, String cause, Exception e) {
        String changeset = failed.toString(false);
        return new MigrationException(failure, "Changeset " + changeset + " was interrupted: " + cause + " (SQLSTATE "
                + ServerErrors.sqlState(e) + ", which passes by itself); it was rolled back. Earlier changesets stay"
                + " applied; run again.", changeset, e);
    }

    /** The migration lock's LeaseLost, thrown by a commit or a check inside Liquibase, which wraps it. */
    private static MigrationException leaseLost(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof MigrationException m && m.failure() == Failure.LEASE_LOST) {
                return m;
            }
        }
        return null;
    }

    /** The lock's message, and which transaction it rolled back, as far as Liquibase's events tell. */
    private static MigrationException whatTheLostLeaseStopped(MigrationException leaseLost, Listener listener) {
        if (listener.failed != null) {
            String changeset = listener.failed.toString(false);
            String rolledBack = listener.failed.isRunInTransaction()
                    ? " The transaction rolled back was changeset " + changeset + "'s; what this run finished before it"
                            + " stays done."
                    : " It was running changeset " + changeset + ", outside a transaction (runInTransaction: false): its"
                            + " statements before this point stay committed; check them before running again.";
            return new MigrationException(Failure.LEASE_LOST, leaseLost.getMessage() + rolledBack, changeset, leaseLost);
        }
        if (listener.unrecorded != null) {
            return new MigrationException(Failure.LEASE_LOST, leaseLost.getMessage() + " The transaction rolled back was"
                    + " Liquibase's record of changeset " + listener.unrecorded + ": its changes are committed but"
                    + " databasechangelog does not say so, as after a crash at that point: record it there, or undo its"
                    + " changes, before running again.", null, leaseLost);
        }
        return leaseLost;
    }

    /** Liquibase's message for a failed statement, which quotes the statement; else the root cause. */
    static String failedStatement(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof DatabaseException && t.getMessage() != null) {
                return ErrorMessages.oneLine(t.getMessage());
            }
        }
        return ErrorMessages.rootCause(e);
    }

    /**
     * Remembers the changeset that failed, which Liquibase's exceptions only mention in prose, and runs the hook where
     * Liquibase is inside a changeset's transaction: per change (it rolls back once after the preconditions, before
     * the changes), and before a rollback. Liquibase commits a changeset, then records it (or, rolled back, removes
     * its record) in a transaction of its own, where it tells of the changeset just before that commit.
     */
    private static final class Listener extends AbstractChangeExecListener {
        private final Consumer<ChangeSet> beforeStatements;
        private ChangeSet failed;
        /** Whether the changesets are being rolled back: {@code failed} is then a rollback that failed. */
        private boolean rollingBack;
        /** The changeset whose record in databasechangelog is being written, from its event until the next changeset. */
        private String unrecorded;

        Listener(Consumer<ChangeSet> beforeStatements) {
            this.beforeStatements = beforeStatements;
        }

        @Override
        public void willRun(ChangeSet changeSet, DatabaseChangeLog changeLog, Database database, ChangeSet.RunStatus runStatus) {
            unrecorded = null;
        }

        @Override
        public void willRun(Change change, ChangeSet changeSet, DatabaseChangeLog changeLog, Database database) {
            beforeStatements.accept(changeSet);
        }

        @Override
        public void ran(ChangeSet changeSet, DatabaseChangeLog changeLog, Database database, ChangeSet.ExecType execType) {
            unrecorded = changeSet.toString(false) + ", applied just before";
        }

        @Override
        public void willRollback(ChangeSet changeSet, DatabaseChangeLog databaseChangeLog, Database database) {
            unrecorded = null;
            rollingBack = true;
            beforeStatements.accept(changeSet);
        }

        @Override
        public void rolledBack(ChangeSet changeSet, DatabaseChangeLog databaseChangeLog, Database database) {
            unrecorded = changeSet.toString(false) + ", rolled back just before";
        }

        @Override
        public void runFailed(ChangeSet changeSet, DatabaseChangeLog changeLog, Database database, Exception exception) {
            failed = changeSet;
        }

        @Override
        public void rollbackFailed(ChangeSet changeSet, DatabaseChangeLog changeLog, Database database, Exception exception) {
            failed = changeSet;
        }
    }
}
