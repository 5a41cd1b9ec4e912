package io.webmacs.migration.testsupport;

import java.sql.SQLException;
import java.util.UUID;

/**
 * WebMACS before 004 on {@code users}: its User model maps {@code admin} and knows no {@code role} (SCHEMA.md Appendix
 * A), and its SQLAlchemy session sends these statements. Every login and every authenticated request runs {@link #LOGIN}.
 */
public final class Webmacs003Users {

    public static final String LOGIN = "SELECT users.id, users.public_id, users.email, users.username, users.password_hash,"
            + " users.admin, users.registered_on FROM users WHERE users.email = ?";
    public static final String REGISTER = "INSERT INTO users (public_id, email, username, password_hash, admin)"
            + " VALUES (?, ?, ?, ?, ?) RETURNING users.id, users.registered_on";
    /** A session's flush of a changed User: by its primary key, which the login read. */
    public static final String SET_ADMIN = "UPDATE users SET admin = ? WHERE users.id = ?";

    private final TestDatabase db;

    public Webmacs003Users(TestDatabase db) {
        this.db = db;
    }

    /** Whether the user with {@code email} is an admin, as a login reads it. */
    public boolean isAdmin(String email) throws SQLException {
        return AppSession.one(db, LOGIN, "admin", Boolean.class, email);
    }

    /** Registers {@code username} with the e-mail {@code username@lab}. */
    public void register(String username, boolean admin) throws SQLException {
        AppSession.write(db, REGISTER, UUID.randomUUID().toString(), username + "@lab", username, "hash", admin);
    }

    public void setAdmin(String email, boolean admin) throws SQLException {
        AppSession.write(db, SET_ADMIN, admin, AppSession.one(db, LOGIN, "id", Integer.class, email));
    }
}
