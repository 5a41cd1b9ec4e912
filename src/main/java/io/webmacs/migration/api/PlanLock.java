package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** An existing table a plan locks. */
public record PlanLock(
        @JsonPropertyDescription("The table.")
        String table,
        @JsonPropertyDescription("The strongest PostgreSQL lock mode the plan takes on it, e.g. AccessExclusiveLock.")
        String mode,
        @JsonPropertyDescription("The planner's estimate of its rows.")
        Long estimatedRows,
        @JsonPropertyDescription("Its size on disk with its indexes, in bytes.")
        Long sizeBytes) {
}
