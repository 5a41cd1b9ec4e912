package io.webmacs.migration.engine;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tables of the database's current schema before a plan runs: their columns and types, indexes, row estimates and
 * sizes. It also follows, statement by statement, the CHECK (column IS NOT NULL) constraints the plan adds and
 * validates, so that a SET NOT NULL they prove is known to read no row.
 */
final class LiveTables implements StatementReview.Schema {

    /** {@code pg_get_constraintdef} of a CHECK (column IS NOT NULL), validated or not. */
    private static final Pattern NOT_NULL_CHECK = Pattern.compile("CHECK \\(\\((.+) IS NOT NULL\\)\\)( NOT VALID)?");

    private final Map<String, Long> rowsByTable;
    private final Map<String, Long> bytesByTable;
    private final Map<String, String> typeByColumn;
    private final Map<String, String> tableByIndex;
    /** table.column with a validated CHECK (column IS NOT NULL). */
    private final Set<String> notNullChecked;
    /** table.constraint of a CHECK (column IS NOT NULL) not validated yet: the column. */
    private final Map<String, String> unvalidatedChecks;

    private LiveTables(Map<String, Long> rowsByTable, Map<String, Long> bytesByTable, Map<String, String> typeByColumn,
            Map<String, String> tableByIndex, Set<String> notNullChecked, Map<String, String> unvalidatedChecks) {
        this.rowsByTable = rowsByTable;
        this.bytesByTable = bytesByTable;
        this.typeByColumn = typeByColumn;
        this.tableByIndex = tableByIndex;
        this.notNullChecked = notNullChecked;
        this.unvalidatedChecks = unvalidatedChecks;
    }

    static LiveTables read(Connection connection) throws SQLException {
        Map<String, Long> rows = new HashMap<>();
        Map<String, Long> bytes = new HashMap<>();
        // reltuples is -1 until the table is first analyzed; the statistics' live row count stands in until then.
        query(connection, """
                SELECT c.relname, CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE s.n_live_tup END, pg_total_relation_size(c.oid)
                FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
                WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')""", rs -> {
            rows.put(rs.getString(1), rs.getObject(2) == null ? null : rs.getLong(2));
            bytes.put(rs.getString(1), rs.getLong(3));
        });
        Map<String, String> types = new HashMap<>();
        query(connection, """
                SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped""",
                rs -> types.put(rs.getString(1) + "." + rs.getString(2), rs.getString(3)));
        Map<String, String> indexes = new HashMap<>();
        query(connection, "SELECT indexname, tablename FROM pg_indexes WHERE schemaname = current_schema()",
                rs -> indexes.put(rs.getString(1), rs.getString(2)));
        Set<String> checked = new HashSet<>();
        Map<String, String> unvalidated = new HashMap<>();
        query(connection, """
                SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                WHERE c.relnamespace = current_schema()::regnamespace AND k.contype = 'c'""", rs -> {
            Matcher check = NOT_NULL_CHECK.matcher(rs.getString(3));
            if (check.matches()) {
                String column = StatementReview.unquote(check.group(1));
                if (check.group(2) == null) {
                    checked.add(rs.getString(1) + "." + column);
                } else {
                    unvalidated.put(rs.getString(1) + "." + rs.getString(2), column);
                }
            }
        });
        return new LiveTables(rows, bytes, types, indexes, checked, unvalidated);
    }

    boolean hasTable(String table) {
        return rowsByTable.containsKey(table);
    }

    boolean hasColumn(String table, String column) {
        return typeByColumn.containsKey(table + "." + column);
    }

    String tableOfIndex(String index) {
        return tableByIndex.get(index);
    }

    Long estimatedRows(String table) {
        return rowsByTable.get(table);
    }

    Long sizeBytes(String table) {
        return bytesByTable.get(table);
    }

    @Override
    public String columnType(String table, String column) {
        return typeByColumn.get(table + "." + column);
    }

    @Override
    public boolean notNullChecked(String table, String column) {
        return notNullChecked.contains(table + "." + column);
    }

    /** Follows a CHECK constraint a statement of the plan added to {@code table} or validated there. */
    void record(String table, StatementReview.Check check) {
        if (check.column() != null && check.validated()) {
            notNullChecked.add(table + "." + check.column());
        } else if (check.column() != null) {
            unvalidatedChecks.put(table + "." + check.name(), check.column());
        } else {
            String column = unvalidatedChecks.remove(table + "." + check.name());
            if (column != null) {
                notNullChecked.add(table + "." + column);
            }
        }
    }

    private interface Row {
        void read(ResultSet rs) throws SQLException;
    }

    private static void query(Connection connection, String sql, Row row) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                row.read(rs);
            }
        }
    }
}
