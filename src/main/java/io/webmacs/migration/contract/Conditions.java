package io.webmacs.migration.contract;

/** The condition types and reasons a DatabaseMigration reports: a stable, documented set. */
public final class Conditions {

    /** The database is at the target revision. */
    public static final String READY = "Ready";
    /** A run is pending or in flight. */
    public static final String RECONCILING = "Reconciling";
    /** A failure that retrying cannot fix; waits for a change of the spec or the changelog. */
    public static final String STALLED = "Stalled";

    /** spec.driftCheck: whether the last check found the live schema different from the changelog's. */
    public static final String DRIFTED = "Drifted";

    /** Ready: the database is at the target revision. */
    public static final String UP_TO_DATE = "UpToDate";
    /** Reconciling: expand is done (status.phase Expanded); contract waits until the rollout of spec.rollout is complete. */
    public static final String WAITING_FOR_ROLLOUT = "WaitingForRollout";
    /** Reconciling: expand is done; contract waits for the annotation migrations.webmacs.io/contract (contract.mode Manual). */
    public static final String AWAITING_CONTRACT = "AwaitingContract";
    /** Reconciling: expand is done; spec.rollout.contract.hold keeps contract from running. */
    public static final String CONTRACT_HELD = "ContractHeld";
    /** Reconciling: a Job lists the revisions of the changelog in the runner image (spec.changelog.path); nothing runs before. */
    public static final String READING_CHANGELOG = "ReadingChangelog";
    /** Reconciling: a migration Job has been created and has not finished. */
    public static final String MIGRATING = "Migrating";
    /** Reconciling: InitContainer mode; the migration runs in the init container of the next new pod of the workload. */
    public static final String WAITING_FOR_PODS = "WaitingForPods";
    /** Reconciling: the last run failed for a passing reason; another attempt follows. */
    public static final String RETRYING = "Retrying";
    /** Reconciling: the last run could not get a table lock in time; the message names who held it; another try follows. */
    public static final String WAITING_FOR_LOCK = "WaitingForLock";
    /** Reconciling: the plan Job runs webmacs-migrate plan (approval.mode Manual, or a policy to check). */
    public static final String PLANNING = "Planning";
    /** Reconciling: the plan is in status.plan; the migration runs once the approved-plan annotation holds its hash. */
    public static final String AWAITING_APPROVAL = "AwaitingApproval";
    /** Stalled: policy.destructive is Deny and the plan has destructive steps; nothing ran. */
    public static final String DESTRUCTIVE_PLAN_DENIED = "DestructivePlanDenied";
    /** Stalled: the plan blocks writes to a table larger than policy.maxBlockedTableRows allows; nothing ran. */
    public static final String WRITE_BLOCKING_PLAN_DENIED = "WriteBlockingPlanDenied";
    /** Stalled: spec.runner.image is not the operator's image nor one its settings allow; no Job ran. */
    public static final String IMAGE_NOT_ALLOWED = "ImageNotAllowed";
    /** Stalled: the ConfigMap NAME-plan exists and is not this DatabaseMigration's, so the plan has nowhere to go. */
    public static final String PLAN_CONFIG_MAP_TAKEN = "PlanConfigMapTaken";
    /**
     * Reconciling, then Stalled once the operator's retries are spent: a write of the operator to the API server failed
     * (the plan ConfigMap, a Job, a pod's scheduling gate); the message says which and what the API server answered.
     */
    public static final String ACTION_FAILED = "ActionFailed";
    /** Stalled: the target revision is not in the changelog. */
    public static final String UNKNOWN_REVISION = "UnknownRevision";
    /** Stalled: the target is below the current revision and allowDowngrade is false. */
    public static final String DOWNGRADE_NOT_ALLOWED = "DowngradeNotAllowed";
    /** Stalled: a changeset failed; the earlier ones stay applied. */
    public static final String CHANGESET_FAILED = "ChangesetFailed";
    /**
     * Stalled: the changelog ConfigMap is missing or does not hold a usable changelog, or the runner image could not list
     * the revisions of its changelog.
     */
    public static final String INVALID_CHANGELOG = "InvalidChangelog";
    /** Stalled: a Secret or key the database settings name does not exist. */
    public static final String SECRET_NOT_FOUND = "SecretNotFound";
    /** Stalled: the runner refused its input (malformed URL, unsafe downgrade, unrecognised schema, ...). */
    public static final String INVALID_INPUT = "InvalidInput";
    /** Stalled: runs kept failing for a passing reason until the retry limit. */
    public static final String RETRIES_EXHAUSTED = "RetriesExhausted";

    /** Drifted=True: the last check found differences; the message names the first. */
    public static final String SCHEMA_DRIFT = "SchemaDrift";
    /** Drifted=False: the last check found the schema the changelog defines at the database's revision. */
    public static final String NO_DRIFT = "NoDrift";
    /** Drifted=Unknown: the last check Job failed without comparing (database unreachable, say). */
    public static final String CHECK_FAILED = "CheckFailed";

    private Conditions() {
    }
}
