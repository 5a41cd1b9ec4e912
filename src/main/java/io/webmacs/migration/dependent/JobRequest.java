package io.webmacs.migration.dependent;

/** A Job to create: which attempt at the current fingerprint, and webmacs-migrate's command. */
public record JobRequest(String fingerprint, int attempt, String command, String target, String changelogFile) {
}
