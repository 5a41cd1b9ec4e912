package io.webmacs.migration.testsupport;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A busy WebMACS: many sessions, each with its own application name, that read {@code users} in a transaction they keep
 * open, so that a migration's ALTER TABLE users waits for all of them. Closing them ends their transactions.
 */
public final class BusyReaders implements AutoCloseable {

    private final List<Connection> sessions;

    private BusyReaders(List<Connection> sessions) {
        this.sessions = sessions;
    }

    public static BusyReaders on(TestDatabase db, int count) throws SQLException {
        List<Connection> sessions = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            Connection session = db.connect();
            session.setClientInfo("ApplicationName", "webmacs-worker-" + i);
            session.setAutoCommit(false);
            session.createStatement().executeQuery("SELECT count(*) FROM users").close();
            sessions.add(session);
        }
        return new BusyReaders(sessions);
    }

    @Override
    public void close() throws SQLException {
        for (Connection session : sessions) {
            session.close();
        }
    }
}
