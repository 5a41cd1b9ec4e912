package io.webmacs.migration.contract;

/** Turns the deep exception chains of Liquibase and JDBC into the one line a user reads. */
public final class ErrorMessages {

    private ErrorMessages() {
    }

    /** The innermost message, on one line. */
    public static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return oneLine(message);
    }

    /** {@code text} cut to {@code max} characters, marked with "..." where it was cut; null stays null. */
    public static String abbreviate(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max) + "...";
    }

    public static String oneLine(String message) {
        return message.replaceAll("\\s+", " ").trim();
    }

    /** {@code message} on one line, without its final period: for a sentence of ours to follow it after ". ". */
    public static String clause(String message) {
        String line = oneLine(message);
        return line.endsWith(".") && !line.endsWith("...") ? line.substring(0, line.length() - 1) : line;
    }

    /** The first {@link java.sql.SQLException} in the chain, if any. */
    public static java.sql.SQLException sqlException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql) {
                return sql;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
