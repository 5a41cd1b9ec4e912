package io.webmacs.migration.api;

/** What a ConfigMap's changelog does with the built-in WebMACS changelog. */
public enum ChangelogMode {
    /** It is the whole changelog, instead of the built-in one. */
    Replace,
    /** Its revisions continue the built-in changelog after its head (webmacs-migrate --changelog-extension). */
    Extend
}
