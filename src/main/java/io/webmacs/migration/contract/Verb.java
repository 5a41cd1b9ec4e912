package io.webmacs.migration.contract;

import java.util.Arrays;
import java.util.Optional;

/** webmacs-migrate's verbs, as the CLI spells them: in its arguments, in its JSON result and on the operator's Jobs. */
public enum Verb {
    UPGRADE("upgrade"),
    DOWNGRADE("downgrade"),
    CURRENT("current"),
    HISTORY("history"),
    STAMP("stamp"),
    SQL("sql"),
    PLAN("plan"),
    CHECK("check"),
    APPROVE("approve"),
    REVISION("revision"),
    REVISIONS("revisions"),
    WAIT("wait");

    private final String word;

    Verb(String word) {
        this.word = word;
    }

    /** The verb as typed on the command line. */
    public String word() {
        return word;
    }

    public static Optional<Verb> of(String word) {
        return Arrays.stream(values()).filter(v -> v.word.equals(word)).findFirst();
    }
}
