package io.webmacs.migration.api;

/**
 * Where an upgrade with a contract phase stands (status.phase): the schema serves the old and the new application, or
 * only the new one.
 */
public enum SchemaPhase {
    /** Expand is done up to the target; contract changesets are pending, and the previous application still works. */
    Expanded,
    /** Every changeset up to the target ran, contract included: only the application of the target revision works. */
    Contracted
}
