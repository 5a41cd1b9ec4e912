package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Plan;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.statement.alter.AlterExpression;

/**
 * What {@code ALTER TABLE ... ADD COLUMN} does to the rows already there, and how to add the column without blocking
 * writes. Since PostgreSQL 11 a column without a default, or with a non-volatile one, changes the catalog only: the
 * default is evaluated once and kept there. A volatile default (or a serial, identity or generated column) writes
 * every row anew, and a constraint on the new column checks every row.
 *
 * @param work what it does to the existing rows
 * @param online for a scan or rewrite: what it is, and how to do the same without holding the table's lock that long
 */
record AddedColumn(Plan.Work work, String online) {

    /** A column that changes the catalog only. */
    static final AddedColumn NOTHING = new AddedColumn(Plan.Work.NONE, null);

    /**
     * Functions a column default may call and still be evaluated once: stable and immutable ones. Any other call
     * (random(), gen_random_uuid(), clock_timestamp(), nextval(), a function of the application's) is taken to be
     * volatile.
     */
    private static final Set<String> NON_VOLATILE_FUNCTIONS = Set.of("abs", "btrim", "coalesce", "concat", "current_date",
            "current_timestamp", "date_trunc", "greatest", "least", "length", "localtimestamp", "lower", "make_date",
            "make_timestamptz", "md5", "now", "nullif", "replace", "round", "statement_timestamp", "to_char", "to_timestamp",
            "transaction_timestamp", "trim", "upper");
    /** Column types whose default is nextval() of their own sequence, volatile. */
    private static final Set<String> SERIAL_TYPES = Set.of("serial", "serial4", "bigserial", "serial8", "smallserial", "serial2");
    private static final Pattern FUNCTION_CALL = Pattern.compile("([A-Za-z_][A-Za-z0-9_.\"]*)\\s*\\(");
    /** Words that end a column's DEFAULT expression and start a constraint of the column. */
    private static final Set<String> AFTER_DEFAULT = Set.of("NOT", "NULL", "CONSTRAINT", "CHECK", "REFERENCES", "UNIQUE", "PRIMARY",
            "GENERATED", "COLLATE");

    /** What adding {@code column} does to the existing rows: nothing, unless its default or constraints need them. */
    static AddedColumn of(AlterExpression.ColumnDataType column) {
        List<String> specs = column.getColumnSpecs() == null ? List.of() : column.getColumnSpecs();
        String words = String.join(" ", specs).toUpperCase(Locale.ROOT);
        String type = column.getColDataType().getDataType().toLowerCase(Locale.ROOT);
        if (SERIAL_TYPES.contains(type) || words.contains("GENERATED") || volatileDefault(specs)) {
            return new AddedColumn(Plan.Work.REWRITE, "a column whose default is volatile (or an identity or generated column)"
                    + " writes every row; add it without that default, then fill it in batches");
        }
        if (words.contains("CHECK") || words.contains("REFERENCES") || words.contains("UNIQUE") || words.contains("PRIMARY")) {
            return new AddedColumn(Plan.Work.SCAN, "a column added with a constraint checks every row; add the column, then the"
                    + " constraint NOT VALID (or its index CONCURRENTLY) in changesets of their own");
        }
        return NOTHING;
    }

    /** A DEFAULT that calls a function outside {@link #NON_VOLATILE_FUNCTIONS}. */
    private static boolean volatileDefault(List<String> specs) {
        int start = specs.stream().map(s -> s.toUpperCase(Locale.ROOT)).toList().indexOf("DEFAULT");
        if (start < 0) {
            return false;
        }
        StringBuilder expression = new StringBuilder();
        for (String word : specs.subList(start + 1, specs.size())) {
            if (AFTER_DEFAULT.contains(word.toUpperCase(Locale.ROOT))) {
                break;
            }
            expression.append(word).append(' ');
        }
        Matcher call = FUNCTION_CALL.matcher(expression);
        while (call.find()) {
            String function = StatementReview.lastPart(call.group(1)).replace("\"", "").toLowerCase(Locale.ROOT);
            if (!NON_VOLATILE_FUNCTIONS.contains(function)) {
                return true;
            }
        }
        return false;
    }
}
