package io.webmacs.migration.run;

import io.webmacs.migration.contract.Verb;

/**
 * A Job to create: which attempt at the current fingerprint (for a drift check: which check), and webmacs-migrate's verb
 * and target revision (none for a check).
 *
 * @param planHash the approved plan's hash, passed as {@code --plan-hash}; null when no plan was made
 */
public record JobRequest(String fingerprint, int attempt, Verb verb, String target, String changelogFile, String planHash) {

    /** A run that follows no plan. */
    public JobRequest(String fingerprint, int attempt, Verb verb, String target, String changelogFile) {
        this(fingerprint, attempt, verb, target, changelogFile, null);
    }
}
