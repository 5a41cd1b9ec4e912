package io.webmacs.migration.engine;

import io.webmacs.migration.result.Finding;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one SQL statement does to tables, read from its text: the table lock it takes on each, and what a reviewer
 * should know about it (a drop, a type change, a NOT NULL, rows changed). Statements it does not recognise (a
 * {@code DO} block, a function) take no lock it can name and raise no finding.
 */
final class StatementReview {

    /**
     * One effect on a table. {@code table} is null when the statement names only an index ({@code DROP INDEX}), which
     * the planner resolves; {@code column} is set for column-level findings.
     */
    record Effect(String table, String index, LockMode lock, Finding.Kind finding, String column) {
    }

    private static final String NAME = "(?:(?:\"[^\"]+\"|\\w+)\\.)?(\"[^\"]+\"|\\w+)";
    private static final Pattern ALTER_TABLE = compile("ALTER TABLE (?:ONLY )?(?:IF EXISTS )?" + NAME + " (.*)");
    private static final Pattern FOREIGN_KEY = compile("ADD (?:CONSTRAINT \\S+ )?FOREIGN KEY .*? REFERENCES " + NAME + ".*");
    private static final Pattern DROP_COLUMN = compile("DROP (?:COLUMN )?(?:IF EXISTS )?" + NAME + ".*");
    private static final Pattern ALTER_COLUMN_TYPE = compile("ALTER (?:COLUMN )?" + NAME + " (?:SET DATA )?TYPE .*");
    private static final Pattern SET_NOT_NULL = compile("ALTER (?:COLUMN )?" + NAME + " SET NOT NULL.*");
    private static final Pattern CREATE_INDEX = compile("CREATE (?:UNIQUE )?INDEX (CONCURRENTLY )?(?:IF NOT EXISTS )?(?:\\S+ )?ON (?:ONLY )?" + NAME + ".*");
    private static final Pattern DROP_INDEX = compile("DROP INDEX (CONCURRENTLY )?(?:IF EXISTS )?" + NAME + ".*");
    private static final Pattern CREATE_TABLE = compile("CREATE TABLE .*");
    private static final Pattern REFERENCES = compile("REFERENCES " + NAME);
    private static final Pattern DROP_TABLE = compile("DROP TABLE (?:IF EXISTS )?" + NAME + ".*");
    private static final Pattern TRUNCATE = compile("TRUNCATE (?:TABLE )?(?:ONLY )?" + NAME + ".*");
    private static final Pattern DELETE = compile("DELETE FROM (?:ONLY )?" + NAME + ".*");
    private static final Pattern UPDATE = compile("UPDATE (?:ONLY )?" + NAME + " .*");
    private static final Pattern INSERT = compile("INSERT INTO " + NAME + ".*");

    private StatementReview() {
    }

    static List<Effect> of(String statement) {
        String sql = statement.replaceAll("\\s+", " ").trim();
        Matcher m;
        if ((m = ALTER_TABLE.matcher(sql)).matches()) {
            return alterTable(unquote(m.group(1)), m.group(2));
        }
        if ((m = CREATE_INDEX.matcher(sql)).matches()) {
            return List.of(on(unquote(m.group(2)), m.group(1) == null ? LockMode.SHARE : LockMode.SHARE_UPDATE_EXCLUSIVE, null));
        }
        if ((m = DROP_INDEX.matcher(sql)).matches()) {
            LockMode lock = m.group(1) == null ? LockMode.ACCESS_EXCLUSIVE : LockMode.SHARE_UPDATE_EXCLUSIVE;
            return List.of(new Effect(null, unquote(m.group(2)), lock, null, null));
        }
        if (CREATE_TABLE.matcher(sql).matches()) {
            // The new table is nobody's yet; a foreign key in it locks the table it references.
            List<Effect> referenced = new ArrayList<>();
            Matcher r = REFERENCES.matcher(sql);
            while (r.find()) {
                referenced.add(on(unquote(r.group(1)), LockMode.SHARE_ROW_EXCLUSIVE, null));
            }
            return referenced;
        }
        if ((m = DROP_TABLE.matcher(sql)).matches()) {
            return List.of(on(unquote(m.group(1)), LockMode.ACCESS_EXCLUSIVE, Finding.Kind.DROP_TABLE));
        }
        if ((m = TRUNCATE.matcher(sql)).matches()) {
            return List.of(on(unquote(m.group(1)), LockMode.ACCESS_EXCLUSIVE, Finding.Kind.DELETE_ROWS));
        }
        if ((m = DELETE.matcher(sql)).matches()) {
            return List.of(on(unquote(m.group(1)), LockMode.ROW_EXCLUSIVE, Finding.Kind.DELETE_ROWS));
        }
        if ((m = UPDATE.matcher(sql)).matches() || (m = INSERT.matcher(sql)).matches()) {
            return List.of(on(unquote(m.group(1)), LockMode.ROW_EXCLUSIVE, Finding.Kind.DATA_MIGRATION));
        }
        return List.of();
    }

    /** ALTER TABLE takes ACCESS EXCLUSIVE for most of what it does; adding a foreign key takes less, on both tables. */
    private static List<Effect> alterTable(String table, String action) {
        Matcher m;
        if ((m = FOREIGN_KEY.matcher(action)).matches()) {
            return List.of(on(table, LockMode.SHARE_ROW_EXCLUSIVE, null), on(unquote(m.group(1)), LockMode.SHARE_ROW_EXCLUSIVE, null));
        }
        if ((m = DROP_COLUMN.matcher(action)).matches() && !action.toUpperCase(Locale.ROOT).startsWith("DROP CONSTRAINT")) {
            return List.of(new Effect(table, null, LockMode.ACCESS_EXCLUSIVE, Finding.Kind.DROP_COLUMN, unquote(m.group(1))));
        }
        if ((m = ALTER_COLUMN_TYPE.matcher(action)).matches()) {
            return List.of(new Effect(table, null, LockMode.ACCESS_EXCLUSIVE, Finding.Kind.TYPE_CHANGE, unquote(m.group(1))));
        }
        if ((m = SET_NOT_NULL.matcher(action)).matches()) {
            return List.of(new Effect(table, null, LockMode.ACCESS_EXCLUSIVE, Finding.Kind.NOT_NULL_ON_EXISTING_COLUMN, unquote(m.group(1))));
        }
        return List.of(on(table, LockMode.ACCESS_EXCLUSIVE, null));
    }

    private static Effect on(String table, LockMode lock, Finding.Kind finding) {
        return new Effect(table, null, lock, finding, null);
    }

    private static String unquote(String name) {
        return name.startsWith("\"") ? name.substring(1, name.length() - 1) : name.toLowerCase(Locale.ROOT);
    }

    private static Pattern compile(String regex) {
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    }
}
