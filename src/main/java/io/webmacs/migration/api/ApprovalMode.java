package io.webmacs.migration.api;

/** Whether a migration runs as soon as it is planned, or only once someone approved its plan. */
public enum ApprovalMode {
    /** The migration runs without a review (after a plan only when spec.policy asks for one). */
    Automatic,
    /** A plan Job runs first; the migration runs only once the annotation migrations.webmacs.io/approved-plan holds the plan's hash. */
    Manual
}
