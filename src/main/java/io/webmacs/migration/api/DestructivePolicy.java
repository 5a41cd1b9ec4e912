package io.webmacs.migration.api;

/** What happens to a plan with steps that can lose data or fail on existing rows. */
public enum DestructivePolicy {
    /** Destructive steps run like any other (after approval in Manual mode). */
    Allow,
    /** A plan with destructive steps stalls before anything runs. */
    Deny
}
