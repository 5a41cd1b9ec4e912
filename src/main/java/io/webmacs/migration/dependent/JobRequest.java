package io.webmacs.migration.dependent;

import io.webmacs.migration.result.Verb;

/** A Job to create: which attempt at the current fingerprint, and webmacs-migrate's verb and target revision. */
public record JobRequest(String fingerprint, int attempt, Verb verb, String target, String changelogFile) {
}
