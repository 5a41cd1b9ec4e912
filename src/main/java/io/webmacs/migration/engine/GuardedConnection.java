package io.webmacs.migration.engine;

import java.sql.Connection;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.DatabaseException;

/**
 * Liquibase's connection to the migrating session. The DDL lock guard hears when each of Liquibase's transactions ends,
 * committed or rolled back: behind a pooler the server session is then free to serve an application.
 */
final class GuardedConnection extends JdbcConnection {

    private final Runnable transactionEnded;

    GuardedConnection(Connection connection, Runnable transactionEnded) {
        super(connection);
        this.transactionEnded = transactionEnded;
    }

    @Override
    public void commit() throws DatabaseException {
        try {
            super.commit();
        } finally {
            transactionEnded.run();
        }
    }

    @Override
    public void rollback() throws DatabaseException {
        try {
            super.rollback();
        } finally {
            transactionEnded.run();
        }
    }
}
