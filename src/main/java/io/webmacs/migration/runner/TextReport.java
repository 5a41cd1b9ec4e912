package io.webmacs.migration.runner;

/** The human-readable output of a successful command. */
final class TextReport {

    private TextReport() {
    }

    static String of(String command, MigrationResult result) {
        String at = Changelog.describe(result.revision(), result.head());
        StringBuilder text = new StringBuilder();
        if (result.adopted() != null) {
            text.append("Adopted an existing WebMACS database (").append(result.adopted()).append(").\n");
        }
        switch (command) {
            case "upgrade" -> text.append(result.applied().isEmpty()
                    ? "Nothing to apply; at " + at + ".\n"
                    : "Applied " + String.join(", ", result.applied()) + "; now at " + at + ".\n");
            case "downgrade" -> text.append(result.rolledBack().isEmpty()
                    ? "Nothing rolled back; at " + at + ".\n"
                    : "Rolled back " + String.join(", ", result.rolledBack()) + "; now at " + at + ".\n");
            case "stamp" -> text.append("Stamped ").append(at).append("; nothing was run.\n");
            case "history" -> result.history().forEach(r -> text.append(String.format("%-24s %s%n",
                    Changelog.describe(r.revision(), result.head()),
                    r.appliedAt() == null ? "pending" : "applied " + r.appliedAt())));
            default -> text.append(at).append('\n');
        }
        return text.toString();
    }
}
