package io.webmacs.migration.engine;

import java.sql.Connection;
import java.sql.SQLException;

/** Work in one transaction that is always rolled back, so that nothing it did stays, whatever autocommit was. */
final class RolledBackTransaction {

    /** The work; its SET LOCALs and every object it creates end with the rollback. */
    interface Work<T> {
        T run() throws SQLException;
    }

    private RolledBackTransaction() {
    }

    static <T> T run(Connection connection, Work<T> work) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        // What an earlier read left open holds no writes; start clean so that the rollback takes exactly this work.
        connection.rollback();
        try {
            return work.run();
        } finally {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        }
    }
}
