package io.webmacs.migration.contract;

/** The labels the operator puts on its Jobs and their pods, and selects them by. */
public final class Labels {

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String OPERATOR = "webmacs-migration-operator";
    /** The DatabaseMigration a Job or pod belongs to. */
    public static final String MIGRATION = "migrations.webmacs.io/migration";
    /** The fingerprint of the run a Job, or a pod's injected migrate init container, is for. */
    public static final String FINGERPRINT = "migrations.webmacs.io/fingerprint";
    /** Which attempt at its fingerprint a Job is. */
    public static final String ATTEMPT = "migrations.webmacs.io/attempt";
    /** The webmacs-migrate verb a Job runs. */
    public static final String VERB = "migrations.webmacs.io/verb";
    /** The Job a pod runs for. */
    public static final String JOB = "migrations.webmacs.io/job";

    public static final String SELECTOR = MANAGED_BY + "=" + OPERATOR;

    private Labels() {
    }
}
