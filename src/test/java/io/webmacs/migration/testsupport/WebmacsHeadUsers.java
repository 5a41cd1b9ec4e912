package io.webmacs.migration.testsupport;

import java.sql.SQLException;
import java.util.UUID;

/**
 * WebMACS at head (005) on {@code users}: its User model maps {@code role} and the SSO columns and knows no
 * {@code admin} (SCHEMA.md 4, users), and its SQLAlchemy session sends these statements. Every login and every
 * authenticated request runs {@link #LOGIN}.
 */
public final class WebmacsHeadUsers {

    public static final String LOGIN = "SELECT users.id, users.public_id, users.email, users.username, users.password_hash,"
            + " users.registered_on, users.role, users.sso_provider, users.sso_subject_id FROM users WHERE users.email = ?";
    public static final String REGISTER = "INSERT INTO users (public_id, email, username, password_hash, role)"
            + " VALUES (?, ?, ?, ?, ?) RETURNING users.id, users.registered_on";
    /** A session's flush of a changed User: by its primary key, which the login read. */
    public static final String SET_ROLE = "UPDATE users SET role = ? WHERE users.id = ?";

    private final TestDatabase db;

    public WebmacsHeadUsers(TestDatabase db) {
        this.db = db;
    }

    /** The role of the user with {@code email}, as a login reads it: admin, operator or viewer. */
    public String role(String email) throws SQLException {
        return AppSession.one(db, LOGIN, "role", String.class, email);
    }

    /** Registers {@code username} with the e-mail {@code username@lab}. */
    public void register(String username, String role) throws SQLException {
        AppSession.write(db, REGISTER, UUID.randomUUID().toString(), username + "@lab", username, "hash", role);
    }

    public void setRole(String email, String role) throws SQLException {
        AppSession.write(db, SET_ROLE, role, AppSession.one(db, LOGIN, "id", Integer.class, email));
    }
}
