package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where a migration run is, as status.lastRun.result and status.history[].result say it. */
public enum RunResult {
    RUNNING("Running"),
    SUCCEEDED("Succeeded"),
    FAILED("Failed");

    private final String value;

    RunResult(String value) {
        this.value = value;
    }

    /** The value in the status, and in the result tag of the operator's metrics. */
    @JsonValue
    public String value() {
        return value;
    }
}
