package io.webmacs.migration.engine;

import io.webmacs.migration.contract.ErrorMessages;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.sql.SQLException;
import java.util.Optional;

/**
 * What a PostgreSQL error's SQLSTATE says about running again, whatever Liquibase or the driver wrapped it in: a lost
 * connection, a server shutting down, a deadlock, a serialization failure or resources running out pass by themselves;
 * the rest needs someone to change something.
 */
public final class ServerErrors {

    private ServerErrors() {
    }

    /** The transient failure {@code e} stands for, or empty when running again cannot help without a change. */
    public static Optional<Failure> passing(Throwable e) {
        String state = sqlState(e);
        if (state == null) {
            return Optional.empty();
        }
        // 08: connection exceptions; 57P0x: the server shut down, was restarted or terminated this session.
        if (state.startsWith("08") || state.startsWith("57P0")) {
            return Optional.of(Failure.DATABASE_UNREACHABLE);
        }
        // 53: insufficient resources (disk, memory, connections); 40001 serialization failure; 40P01 deadlock.
        if (state.startsWith("53") || state.equals("40001") || state.equals("40P01")) {
            return Optional.of(Failure.CHANGESET_ABORTED);
        }
        return Optional.empty();
    }

    /** The SQLSTATE of the first SQL error in {@code e}'s chain that has one, or null. */
    public static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    /**
     * A failure outside any changeset: transient, saying so, when the server's error passes by itself; else
     * {@code otherwise}, its message starting with {@code what}.
     */
    public static MigrationException failure(Throwable e, String what, Failure otherwise) {
        String cause = ErrorMessages.rootCause(e);
        return passing(e).map(f -> new MigrationException(f, "PostgreSQL broke the run off: " + cause + " (SQLSTATE "
                        + sqlState(e) + ", which passes by itself); run again.", e))
                .orElseGet(() -> new MigrationException(otherwise, what + ": " + cause, e));
    }
}
