package io.webmacs.migration.contract;

import java.util.Arrays;
import java.util.Optional;

/**
 * Why a command failed: the stable error code in the JSON result, the process exit code, and whether running the same
 * command again later can succeed without anyone changing anything (the operator retries those with backoff).
 */
public enum Failure {
    USAGE("UsageError", 2, false),
    MALFORMED_URL("MalformedUrl", 2, false),
    INVALID_CHANGELOG("InvalidChangelog", 2, false),
    UNKNOWN_REVISION("UnknownRevision", 2, false),
    WRONG_DIRECTION("WrongDirection", 2, false),
    DOWNGRADE_UNSAFE("DowngradeUnsafe", 2, false),
    UNRECOGNISED_SCHEMA("UnrecognisedSchema", 2, false),
    // A database still starting, or a Secret's password not yet in place.
    DATABASE_UNREACHABLE("DatabaseUnreachable", 3, true),
    AUTHENTICATION_FAILED("AuthenticationFailed", 3, true),
    LOCK_TIMEOUT("LockTimeout", 4, true),
    // A table lock a changeset needs stayed taken past --ddl-lock-budget; earlier changesets stay applied.
    LOCK_NOT_AVAILABLE("LockNotAvailable", 5, true),
    CHANGESET_FAILED("ChangesetFailed", 1, false),
    // upgrade --plan-hash: what upgrade would do now is not the plan that was approved; plan and approve again.
    PLAN_CHANGED("PlanChanged", 2, false),
    // check: the live schema differs from the changelog's at the database's revision.
    SCHEMA_DRIFT("SchemaDrift", 6, false),
    INVALID_KUBECONFIG("InvalidKubeconfig", 3, false),
    KUBERNETES_UNREACHABLE("KubernetesUnreachable", 3, true),
    KUBERNETES_FORBIDDEN("KubernetesForbidden", 3, false),
    WAIT_TIMEOUT("WaitTimeout", 4, true),
    MIGRATION_STALLED("MigrationStalled", 1, false),
    // approve: the DatabaseMigration does not exist, or has no plan awaiting approval.
    NOTHING_TO_APPROVE("NothingToApprove", 2, false),
    // Behind a pooler: the migration lease expired (its renewal stalled) and the run stopped at its next commit, which
    // was rolled back. Exit 4 like LockTimeout: the migration lock is another runner's now; run again later.
    LEASE_LOST("LeaseLost", 4, true),
    // The server rolled a changeset back for a reason that passes (a deadlock, a serialization failure, resources running
    // out); earlier changesets stay applied.
    CHANGESET_ABORTED("ChangesetAborted", 7, true),
    // upgrade --phase contract: expand is not complete up to the target; nothing was run.
    EXPAND_PENDING("ExpandPending", 2, false),
    // revision --from-alembic: python3 or its Alembic is missing on the author's machine.
    ALEMBIC_UNAVAILABLE("AlembicUnavailable", 2, false),
    // revision --from-alembic: Alembic refused (unknown revision, a script that does not load, SQL it cannot write offline).
    ALEMBIC_FAILED("AlembicFailed", 2, false),
    // revision --strict: the new revision has review findings; nothing was written.
    REVIEW_FINDINGS("ReviewFindings", 2, false);

    private final String code;
    private final int exitCode;
    private final boolean isTransient;

    Failure(String code, int exitCode, boolean isTransient) {
        this.code = code;
        this.exitCode = exitCode;
        this.isTransient = isTransient;
    }

    /** The failure with this error code, as a JSON result names it. */
    public static Optional<Failure> ofCode(String code) {
        return Arrays.stream(values()).filter(f -> f.code.equals(code)).findFirst();
    }

    public String code() {
        return code;
    }

    public int exitCode() {
        return exitCode;
    }

    public boolean isTransient() {
        return isTransient;
    }
}
