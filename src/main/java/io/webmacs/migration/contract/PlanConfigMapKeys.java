package io.webmacs.migration.contract;

/** The keys of the plan ConfigMap the operator writes and {@code webmacs-migrate approve} reads. */
public final class PlanConfigMapKeys {

    /** The plan as webmacs-migrate plan printed it. */
    public static final String TEXT = "plan.txt";
    /** The plan's hash, the value that approves it. */
    public static final String HASH = "hash";
    /** The plan Job whose log it is. */
    public static final String JOB = "job";

    private PlanConfigMapKeys() {
    }
}
