package io.webmacs.migration.engine;

import java.sql.Connection;
import java.sql.SQLException;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.DatabaseException;

/**
 * Liquibase's connection to the migrating session. Every transaction Liquibase commits there (a changeset, its record
 * in databasechangelog, its lock row) is first fenced by the migration lock ({@link MigrationLock#beforeCommit()}), and
 * the DDL lock guard hears when each one ends, committed or rolled back: behind a pooler the server session is then
 * free to serve an application.
 */
final class GuardedConnection extends JdbcConnection {

    private final MigrationLock lock;
    private final Runnable transactionEnded;

    GuardedConnection(Connection connection, MigrationLock lock, Runnable transactionEnded) {
        super(connection);
        this.lock = lock;
        this.transactionEnded = transactionEnded;
    }

    @Override
    public void commit() throws DatabaseException {
        try {
            if (!getAutoCommit()) {
                lock.beforeCommit();
            }
            super.commit();
        } catch (SQLException e) {
            throw new DatabaseException(e);
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
