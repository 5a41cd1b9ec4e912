package io.webmacs.migration.runner;

/** A failure the user can act on; its message is the one line the CLI prints. */
public class MigrationException extends RuntimeException {

    private final Failure failure;
    private final String changeset;

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

    /** The changeset that failed ({@code file::id::author}), when one did. */
    public String changeset() {
        return changeset;
    }
}
