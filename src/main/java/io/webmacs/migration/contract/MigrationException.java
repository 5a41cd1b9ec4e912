package io.webmacs.migration.contract;

/** A failure the user can act on; its message is the one line the CLI prints. */
public class MigrationException extends RuntimeException {

    private final Failure failure;
    private final String changeset;
    private String revision;

    public MigrationException(Failure failure, String message) {
        this(failure, message, null, null);
    }

    public MigrationException(Failure failure, String message, Throwable cause) {
        this(failure, message, null, cause);
    }

    public MigrationException(Failure failure, String message, String changeset, Throwable cause) {
        super(message, cause);
        this.failure = failure;
        this.changeset = changeset;
    }

    public Failure failure() {
        return failure;
    }

    /** Records the revision the database is at, when the failure knows it. */
    public MigrationException atRevision(String revision) {
        this.revision = revision;
        return this;
    }

    /** The revision the database is at, or null when unknown. */
    public String revision() {
        return revision;
    }

    /** The changeset that failed ({@code file::id::author}), when one did. */
    public String changeset() {
        return changeset;
    }
}
