package io.webmacs.migration.run;

import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.contract.Verb;

/**
 * A Job to create: which attempt at the current fingerprint (for a drift check: which check), and webmacs-migrate's verb
 * and target revision (none for a check).
 *
 * @param planHash the approved plan's hash, passed as {@code --plan-hash}; null when no plan was made
 * @param phase the phase an upgrade or plan runs ({@code --phase}); null for all of them
 */
public record JobRequest(String fingerprint, int attempt, Verb verb, String target, String changelogFile, String planHash, Phase phase) {

    /** A run of every phase. */
    public JobRequest(String fingerprint, int attempt, Verb verb, String target, String changelogFile, String planHash) {
        this(fingerprint, attempt, verb, target, changelogFile, planHash, null);
    }

    /** A run that follows no plan. */
    public JobRequest(String fingerprint, int attempt, Verb verb, String target, String changelogFile) {
        this(fingerprint, attempt, verb, target, changelogFile, null);
    }
}
