package io.webmacs.migration.contract;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A database session that held a lock a migration statement waited for, as pg_stat_activity showed it. The query
 * text may hold data, so it is only reported with --verbose.
 *
 * @param transactionSeconds how long the session's transaction had been open when last seen
 * @param terminated whether --cancel-blockers-after ended the session
 */
public record Blocker(int pid, String user, String applicationName, String clientAddress, String state,
        long transactionSeconds, @JsonInclude(JsonInclude.Include.NON_NULL) String query, boolean terminated) {

    /** The same session, ended by --cancel-blockers-after. */
    public Blocker asTerminated() {
        return new Blocker(pid, user, applicationName, clientAddress, state, transactionSeconds, query, true);
    }

    /** The longest query text a compact result keeps of a blocker. */
    private static final int COMPACT_QUERY = 120;

    /** The same session with its query text (shown with --verbose only) cut short, for a compact result. */
    public Blocker compact() {
        return new Blocker(pid, user, applicationName, clientAddress, state, transactionSeconds,
                ErrorMessages.abbreviate(query, COMPACT_QUERY), terminated);
    }

    /** One line for logs and status messages. */
    public String describe() {
        return "pid " + pid + " (user " + user + ", application '" + applicationName + "', from "
                + (clientAddress == null ? "a local socket" : clientAddress) + ", " + state + ", transaction open "
                + transactionSeconds + "s" + (terminated ? ", terminated" : "") + ")";
    }
}
