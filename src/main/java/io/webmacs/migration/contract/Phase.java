package io.webmacs.migration.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/**
 * The phases of an upgrade ({@code webmacs-migrate upgrade --phase}). A changeset labelled {@value #CONTRACT_LABEL}
 * (Liquibase labels) belongs to the contract phase: it removes what the previous version of the application still
 * uses, so it runs once no such application is left. Every other changeset is expand: the previous version keeps
 * working after it.
 */
public enum Phase {
    /** Every pending changeset that is not contract, tags included: the schema both versions work with. */
    EXPAND("expand"),
    /** The pending contract changesets, once expand is complete up to the target. */
    CONTRACT("contract"),
    /** Both, in changelog order. */
    ALL("all");

    /** The option that names the phase. */
    public static final String OPTION = "--phase";
    /** The Liquibase label of a contract changeset. */
    public static final String CONTRACT_LABEL = "contract";

    private final String word;

    Phase(String word) {
        this.word = word;
    }

    /** The phase as typed on the command line and written in the JSON result. */
    @JsonValue
    public String word() {
        return word;
    }

    public static Optional<Phase> of(String word) {
        return Arrays.stream(values()).filter(p -> p.word.equals(word)).findFirst();
    }

    /** Whether a changeset of the given phase (expand or contract) runs in this phase. */
    public boolean runs(Phase changeset) {
        return this == ALL || this == changeset;
    }

    @Override
    public String toString() {
        return word;
    }
}
