package io.webmacs.migration.api;

/** How new WebMACS pods wait for the schema. */
public enum RolloutMode {
    /** A pod scheduling gate, removed by the operator when the migration is Ready. */
    SchedulingGate,
    /** A migrate init container that runs the upgrade in the pod. */
    InitContainer
}
