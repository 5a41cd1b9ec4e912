package io.webmacs.migration.reconciler;

/** A write of the reconciler's act phase that failed, named for the status: "write the plan ConfigMap webmacs-plan". */
final class ActionFailedException extends RuntimeException {

    private final String action;

    ActionFailedException(String action, RuntimeException cause) {
        super("Could not " + action, cause);
        this.action = action;
    }

    String action() {
        return action;
    }

    /** Runs {@code write}; its failure names {@code action}. */
    static void act(String action, Runnable write) {
        try {
            write.run();
        } catch (RuntimeException e) {
            throw new ActionFailedException(action, e);
        }
    }
}
