package io.webmacs.migration.cli;

import io.webmacs.migration.contract.DurationSetting;
import io.webmacs.migration.contract.MigrateCommand;
import io.webmacs.migration.engine.DdlLockGuard;
import java.time.Duration;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The DDL lock guard's options, global like the other connection options. */
final class DdlLockOptions {

    @Option(names = MigrateCommand.DDL_LOCK_TIMEOUT, scope = ScopeType.INHERIT, defaultValue = DurationSetting.DDL_LOCK_TIMEOUT_DEFAULT, paramLabel = "DURATION",
            converter = DurationConverter.DdlLockTimeout.class, description = "The longest a changeset may wait for a table"
                    + " lock, and so the longest the application's queries on that table queue behind it; then it is rolled"
                    + " back and tried again. 0 turns the guard off. From 0s to 24h. Default: ${DEFAULT-VALUE}.")
    Duration ddlLockTimeout;

    @Option(names = "--ddl-lock-budget", scope = ScopeType.INHERIT, defaultValue = "3m", paramLabel = "DURATION",
            converter = DurationConverter.DdlLockBudget.class, description = "How long to keep trying a changeset whose"
                    + " table lock is taken; then exit 5 (LockNotAvailable). From 0s to 24h. Default: ${DEFAULT-VALUE}.")
    Duration ddlLockBudget;

    @Option(names = "--cancel-blockers-after", scope = ScopeType.INHERIT, paramLabel = "DURATION",
            converter = DurationConverter.CancelBlockersAfter.class, description = "Terminate a session that has blocked a"
                    + " changeset this long and has sat idle in its transaction this long, both checked again as it is"
                    + " terminated (never an active one). Needs the guard (--ddl-lock-timeout not 0). From 1s to 24h."
                    + " Default: never.")
    Duration cancelBlockersAfter;

    DdlLockGuard.Settings settings(boolean showQueries) {
        return new DdlLockGuard.Settings(ddlLockTimeout, ddlLockBudget, cancelBlockersAfter, showQueries);
    }
}
