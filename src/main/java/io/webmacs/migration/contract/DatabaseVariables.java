package io.webmacs.migration.contract;

/**
 * The environment variables webmacs-migrate reads a database's settings from, and the operator sets on its Jobs from the
 * referenced Secrets: the database to migrate, under the names WebMACS itself reads, and check's scratch database.
 */
public record DatabaseVariables(String url, String username, String password) {

    /** The database to migrate: WebMACS's own DATABASE_URL. */
    public static final DatabaseVariables TARGET = new DatabaseVariables("DATABASE_URL", "DATABASE_USERNAME", "DATABASE_PASSWORD");
    /** Where check builds the expected schema (--dev-url). */
    public static final DatabaseVariables DEV = new DatabaseVariables("DEV_DATABASE_URL", "DEV_DATABASE_USERNAME",
            "DEV_DATABASE_PASSWORD");
}
