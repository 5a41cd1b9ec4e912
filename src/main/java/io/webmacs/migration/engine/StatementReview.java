package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Finding;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.alter.Alter;
import net.sf.jsqlparser.statement.alter.AlterExpression;
import net.sf.jsqlparser.statement.alter.AlterOperation;
import net.sf.jsqlparser.statement.alter.AlterType;
import net.sf.jsqlparser.statement.comment.Comment;
import net.sf.jsqlparser.statement.create.index.CreateIndex;
import net.sf.jsqlparser.statement.create.schema.CreateSchema;
import net.sf.jsqlparser.statement.create.sequence.CreateSequence;
import net.sf.jsqlparser.statement.create.table.ColumnDefinition;
import net.sf.jsqlparser.statement.create.table.CreateTable;
import net.sf.jsqlparser.statement.create.table.ForeignKeyIndex;
import net.sf.jsqlparser.statement.create.table.Index;
import net.sf.jsqlparser.statement.create.type.CreateType;
import net.sf.jsqlparser.statement.create.view.CreateView;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.delete.ParenthesedDelete;
import net.sf.jsqlparser.statement.drop.Drop;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.insert.ParenthesedInsert;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.statement.truncate.Truncate;
import net.sf.jsqlparser.statement.update.ParenthesedUpdate;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.util.deparser.ExpressionDeParser;
import net.sf.jsqlparser.util.deparser.SelectDeParser;
import net.sf.jsqlparser.util.deparser.StatementDeParser;

/**
 * What one SQL statement does to tables, read with a SQL parser (JSqlParser): the table lock it takes on each, and
 * what a reviewer should know about it (a drop, a type change, a NOT NULL, rows changed).
 *
 * <p>It fails closed. The statement kinds below are classified deliberately; anything else, and anything the parser
 * cannot read, is an {@link Finding.Kind#UNREVIEWED} finding, which is destructive, so {@code policy.destructive: Deny}
 * refuses it until someone changes the changelog or allows it. Safe (no finding): CREATE TABLE, CREATE INDEX, CREATE
 * SEQUENCE, CREATE TYPE, ALTER TYPE ... ADD VALUE, CREATE SCHEMA, CREATE VIEW (not OR REPLACE), COMMENT ON, DROP INDEX
 * (an index holds no row of its own and can be built again), and of ALTER TABLE: ADD COLUMN (with or without a default),
 * ADD CONSTRAINT, ALTER COLUMN SET/DROP DEFAULT, DROP NOT NULL, DROP CONSTRAINT, RENAME CONSTRAINT. A SELECT that calls
 * no function outside {@link #PURE_FUNCTIONS} reads only. The rest is named by its finding.
 */
final class StatementReview {

    /**
     * One effect of a statement. {@code table} is null when it names only an index ({@code DROP INDEX}), which the
     * planner resolves, or nothing the planner can place (a DROP SCHEMA, a DO block); {@code lock} is null when the
     * statement takes no table lock the review can name; {@code column} is set for column-level findings; {@code
     * note} says, for a finding that the statement alone does not explain, what the review saw.
     */
    record Effect(String table, String index, LockMode lock, Finding.Kind finding, String column, String note) {

        /**
         * Whether the finding counts even when its table is not there before the plan: an unreviewed statement always
         * does (Deny fails closed), and so does one the planner cannot tie to a table of its catalog.
         */
        boolean findingWhateverExists() {
            return finding == Finding.Kind.UNREVIEWED || (finding != null && table == null && index == null);
        }
    }

    /**
     * Built-in functions that only compute a value from their arguments; a SELECT, INSERT, UPDATE or DELETE calling
     * any other function is unreviewed, since a function can write anything.
     */
    private static final Set<String> PURE_FUNCTIONS = Set.of("abs", "avg", "btrim", "ceil", "char_length", "coalesce", "concat",
            "concat_ws", "count", "date_trunc", "floor", "gen_random_uuid", "greatest", "least", "left", "length", "lower", "lpad",
            "ltrim", "max", "md5", "min", "now", "nullif", "regexp_replace", "replace", "right", "round", "rpad", "rtrim",
            "split_part", "substr", "substring", "sum", "to_char", "to_date", "to_timestamp", "trim", "upper");

    /**
     * JSqlParser parses on an executor so that it can time a parse out; one daemon thread for every statement instead
     * of the new thread a call makes otherwise (a fifth of the time for a plan's ~200 statements).
     */
    private static final ExecutorService PARSER = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "statement-review");
        thread.setDaemon(true);
        return thread;
    });

    private StatementReview() {
    }

    /** The effects of {@code statement}, which may hold several statements (a {@code sql} change not split). */
    static List<Effect> of(String statement) {
        List<Statement> parsed;
        try {
            parsed = CCJSqlParserUtil.parseStatements(statement, PARSER, parser -> { });
        } catch (JSQLParserException | RuntimeException e) {
            return List.of(unreviewed(null, "the SQL parser cannot read it (" + rootMessage(e) + ")"));
        }
        List<Effect> effects = new ArrayList<>();
        for (Statement each : parsed) {
            effects.addAll(review(each));
        }
        return effects;
    }

    private static List<Effect> review(Statement statement) {
        if (statement instanceof Alter alter) {
            return alterTable(alter);
        }
        if (statement instanceof CreateTable create) {
            return createTable(create);
        }
        if (statement instanceof CreateIndex create) {
            return List.of(on(name(create.getTable()), create.isConcurrently() ? LockMode.SHARE_UPDATE_EXCLUSIVE : LockMode.SHARE, null));
        }
        if (statement instanceof Drop drop) {
            return drop(drop);
        }
        if (statement instanceof Truncate truncate) {
            // CASCADE also empties every table with a foreign key to these, which the statement does not name.
            List<Table> tables = truncate.getTables() == null || truncate.getTables().isEmpty() ? List.of(truncate.getTable()) : truncate.getTables();
            return tables.stream().map(t -> new Effect(name(t), null, LockMode.ACCESS_EXCLUSIVE, Finding.Kind.DELETE_ROWS,
                    null, truncate.getCascade() ? "CASCADE also empties the tables that reference it" : null)).toList();
        }
        if (statement instanceof Select || statement instanceof Insert || statement instanceof Update || statement instanceof Delete) {
            return rows(statement);
        }
        if (statement instanceof Comment comment) {
            // COMMENT ON TABLE or COLUMN takes SHARE UPDATE EXCLUSIVE on the table; on other objects none.
            Table table = comment.getTable() != null ? comment.getTable() : comment.getColumn() != null ? comment.getColumn().getTable() : null;
            return table == null ? List.of() : List.of(on(name(table), LockMode.SHARE_UPDATE_EXCLUSIVE, null));
        }
        if (statement instanceof AlterType alter) {
            return alter.getAction() == AlterType.Action.ADD_VALUE ? List.of()
                    : List.of(unreviewed(null, "ALTER TYPE " + alter.getAction() + " is not reviewed"));
        }
        if (statement instanceof CreateSequence || statement instanceof CreateType || statement instanceof CreateSchema) {
            return List.of();
        }
        if (statement instanceof CreateView view) {
            return view.isOrReplace() ? List.of(unreviewed(null, "OR REPLACE may change a view the application reads")) : List.of();
        }
        // DO, CALL, EXECUTE, MERGE, COPY, GRANT, CREATE FUNCTION or TRIGGER, ALTER SEQUENCE or VIEW, ...: not reviewed.
        return List.of(unreviewed(null, leadingWords(statement) + " statements are not reviewed"));
    }

    /** Every action of an ALTER TABLE, each with the lock PostgreSQL takes for it. */
    private static List<Effect> alterTable(Alter alter) {
        String table = name(alter.getTable());
        List<Effect> effects = new ArrayList<>();
        for (AlterExpression action : alter.getAlterExpressions()) {
            effects.addAll(alterAction(table, action));
        }
        return effects;
    }

    private static List<Effect> alterAction(String table, AlterExpression action) {
        AlterOperation operation = action.getOperation();
        if (operation == AlterOperation.ADD && action.getIndex() != null) {
            if (action.getIndex() instanceof ForeignKeyIndex foreignKey) {
                // A foreign key takes SHARE ROW EXCLUSIVE on both tables; other constraints ACCESS EXCLUSIVE.
                return List.of(on(table, LockMode.SHARE_ROW_EXCLUSIVE, null), on(name(foreignKey.getTable()), LockMode.SHARE_ROW_EXCLUSIVE, null));
            }
            return List.of(on(table, LockMode.ACCESS_EXCLUSIVE, null));
        }
        if (operation == AlterOperation.ADD && action.getColDataTypeList() != null) {
            List<Effect> effects = new ArrayList<>(List.of(on(table, LockMode.ACCESS_EXCLUSIVE, null)));
            action.getColDataTypeList().forEach(column -> references(column).forEach(r -> effects.add(on(r, LockMode.SHARE_ROW_EXCLUSIVE, null))));
            return effects;
        }
        if (operation == AlterOperation.ALTER) {
            return alterColumn(table, action);
        }
        if (operation == AlterOperation.DROP && action.getColumnName() != null) {
            return List.of(column(table, Finding.Kind.DROP_COLUMN, action.getColumnName()));
        }
        if (operation == AlterOperation.DROP && action.getConstraintName() != null) {
            // CASCADE drops the constraints of other tables that depend on this one.
            return List.of(cascades(action.getParameters())
                    ? new Effect(table, null, LockMode.ACCESS_EXCLUSIVE, Finding.Kind.DROP_OBJECT, null, "CASCADE also drops what depends on the constraint")
                    : on(table, LockMode.ACCESS_EXCLUSIVE, null));
        }
        if (operation == AlterOperation.RENAME && action.getColumnOldName() != null) {
            return List.of(column(table, Finding.Kind.RENAME, action.getColumnOldName()));
        }
        if (operation == AlterOperation.RENAME_TABLE) {
            return List.of(new Effect(table, null, LockMode.ACCESS_EXCLUSIVE, Finding.Kind.RENAME, null, null));
        }
        if (operation == AlterOperation.RENAME_CONSTRAINT) {
            return List.of(on(table, LockMode.ACCESS_EXCLUSIVE, null));
        }
        return List.of(unreviewed(table, "ALTER TABLE " + action + " is not reviewed"));
    }

    /** ALTER [COLUMN] c: TYPE, SET NOT NULL, DROP NOT NULL, SET DEFAULT, DROP DEFAULT; anything else is unreviewed. */
    private static List<Effect> alterColumn(String table, AlterExpression action) {
        List<Effect> effects = new ArrayList<>();
        if (action.getColDataTypeList() != null) {
            for (AlterExpression.ColumnDataType column : action.getColDataTypeList()) {
                effects.add(column.isWithType() ? column(table, Finding.Kind.TYPE_CHANGE, column.getColumnName())
                        : unreviewed(table, "ALTER COLUMN " + column + " is not reviewed"));
            }
        }
        if (action.getColumnSetNotNullList() != null) {
            action.getColumnSetNotNullList().forEach(c -> effects.add(column(table, Finding.Kind.NOT_NULL_ON_EXISTING_COLUMN, c.getColumnName())));
        }
        boolean safe = action.getColumnDropNotNullList() != null || action.getColumnSetDefaultList() != null
                || action.getColumnDropDefaultList() != null;
        if (safe) {
            effects.add(on(table, LockMode.ACCESS_EXCLUSIVE, null));
        }
        return effects.isEmpty() ? List.of(unreviewed(table, "ALTER TABLE " + action + " is not reviewed")) : effects;
    }

    /** The new table is nobody's yet; a foreign key in it locks the table it references. */
    private static List<Effect> createTable(CreateTable create) {
        List<Effect> effects = new ArrayList<>();
        if (create.getIndexes() != null) {
            for (Index index : create.getIndexes()) {
                if (index instanceof ForeignKeyIndex foreignKey) {
                    effects.add(on(name(foreignKey.getTable()), LockMode.SHARE_ROW_EXCLUSIVE, null));
                }
            }
        }
        if (create.getColumnDefinitions() != null) {
            create.getColumnDefinitions().forEach(column -> references(column).forEach(r -> effects.add(on(r, LockMode.SHARE_ROW_EXCLUSIVE, null))));
        }
        if (create.getPartitionOf() != null) {
            effects.add(on(name(create.getPartitionOf()), LockMode.ACCESS_EXCLUSIVE, null));
        }
        if (create.getSelect() != null) {
            effects.addAll(rows(create.getSelect()));
        }
        return effects;
    }

    /**
     * DROP TABLE is DropTable, DROP INDEX a lock only (CASCADE makes it DropObject); a DROP of anything else (schema,
     * type, view, sequence, function, ...) is DropObject: the planner does not know those objects, so it always counts.
     */
    private static List<Effect> drop(Drop drop) {
        String type = drop.getType().toUpperCase(Locale.ROOT);
        boolean cascade = cascades(drop.getParameters());
        List<Table> names = drop.getNames() == null || drop.getNames().isEmpty() ? List.of(drop.getName()) : drop.getNames();
        List<Effect> effects = new ArrayList<>();
        for (Table dropped : names) {
            if (type.equals("TABLE")) {
                effects.add(new Effect(name(dropped), null, LockMode.ACCESS_EXCLUSIVE, Finding.Kind.DROP_TABLE, null,
                        cascade ? "CASCADE also drops what depends on it" : null));
            } else if (type.equals("INDEX")) {
                effects.add(new Effect(null, name(dropped), LockMode.ACCESS_EXCLUSIVE, cascade ? Finding.Kind.DROP_OBJECT : null, null,
                        cascade ? "CASCADE also drops what depends on the index" : null));
            } else {
                effects.add(new Effect(null, null, null, Finding.Kind.DROP_OBJECT, null,
                        "drops " + (drop.isMaterialized() ? "materialized " : "") + type.toLowerCase(Locale.ROOT) + " " + dropped
                                + (cascade ? " and, with CASCADE, what depends on it" : "")));
            }
        }
        return effects;
    }

    /**
     * SELECT, INSERT, UPDATE, DELETE and the data-modifying statements of their WITH: DELETE is DeleteRows, INSERT and
     * UPDATE are DataMigration. A call of a function outside {@link #PURE_FUNCTIONS} makes the whole statement unreviewed.
     */
    private static List<Effect> rows(Statement statement) {
        Set<String> calls = impureCalls(statement);
        if (!calls.isEmpty()) {
            return List.of(unreviewed(null, "it calls " + String.join(", ", calls) + "(), which the review cannot read"));
        }
        List<Effect> effects = new ArrayList<>();
        rows(statement, effects);
        return effects;
    }

    private static void rows(Statement statement, List<Effect> effects) {
        if (statement instanceof Select select) {
            withItems(select.getWithItemsList(), effects);
        } else if (statement instanceof Insert insert) {
            withItems(insert.getWithItemsList(), effects);
            if (insert.getSelect() != null) {
                withItems(insert.getSelect().getWithItemsList(), effects);
            }
            effects.add(on(name(insert.getTable()), LockMode.ROW_EXCLUSIVE, Finding.Kind.DATA_MIGRATION));
        } else if (statement instanceof Update update) {
            withItems(update.getWithItemsList(), effects);
            effects.add(on(name(update.getTable()), LockMode.ROW_EXCLUSIVE, Finding.Kind.DATA_MIGRATION));
        } else if (statement instanceof Delete delete) {
            withItems(delete.getWithItemsList(), effects);
            if (delete.getTables() != null && !delete.getTables().isEmpty()) {
                effects.add(unreviewed(null, "a DELETE of several tables is not reviewed"));
            }
            effects.add(on(name(delete.getTable()), LockMode.ROW_EXCLUSIVE, Finding.Kind.DELETE_ROWS));
        }
    }

    /** {@code WITH d AS (DELETE ...)}: PostgreSQL runs every data-modifying statement of a WITH, read or not. */
    private static void withItems(List<WithItem<?>> items, List<Effect> effects) {
        if (items == null) {
            return;
        }
        for (WithItem<?> item : items) {
            Object statement = item.getParenthesedStatement();
            if (statement instanceof ParenthesedDelete delete) {
                rows(delete.getDelete(), effects);
            } else if (statement instanceof ParenthesedUpdate update) {
                rows(update.getUpdate(), effects);
            } else if (statement instanceof ParenthesedInsert insert) {
                rows(insert.getInsert(), effects);
            } else if (statement instanceof Select select) {
                rows(select, effects);
            } else {
                effects.add(unreviewed(null, "a WITH query of this kind is not reviewed"));
            }
        }
    }

    /** The functions {@code statement} calls anywhere, outside {@link #PURE_FUNCTIONS}; the deparser visits every expression. */
    private static Set<String> impureCalls(Statement statement) {
        Set<String> calls = new LinkedHashSet<>();
        StringBuilder ignored = new StringBuilder();
        ExpressionDeParser expressions = new ExpressionDeParser() {
            @Override
            public <S> StringBuilder visit(Function function, S context) {
                String called = function.getName() == null ? "" : function.getName().toLowerCase(Locale.ROOT).replace("\"", "");
                if (!PURE_FUNCTIONS.contains(called.startsWith("pg_catalog.") ? called.substring("pg_catalog.".length()) : called)) {
                    calls.add(function.getName());
                }
                return super.visit(function, context);
            }
        };
        SelectDeParser selects = new SelectDeParser(expressions, ignored);
        expressions.setSelectVisitor(selects);
        expressions.setBuilder(ignored);
        statement.accept(new StatementDeParser(expressions, selects, ignored), null);
        return calls;
    }

    /** The tables a column definition's {@code REFERENCES t (c)} names; JSqlParser keeps that clause as text. */
    private static List<String> references(ColumnDefinition column) {
        List<String> tables = new ArrayList<>();
        List<String> specs = column.getColumnSpecs() == null ? List.of() : column.getColumnSpecs();
        for (String spec : specs) {
            String trimmed = spec.trim();
            if (trimmed.regionMatches(true, 0, "REFERENCES", 0, "REFERENCES".length())) {
                // schema."Table" (columns) ...: the last dotted part before the column list, quotes respected.
                String target = trimmed.substring("REFERENCES".length()).trim();
                int start = 0;
                int end = 0;
                boolean quoted = false;
                for (; end < target.length() && (quoted || (target.charAt(end) != '(' && !Character.isWhitespace(target.charAt(end)))); end++) {
                    quoted ^= target.charAt(end) == '"';
                    if (!quoted && target.charAt(end) == '.') {
                        start = end + 1;
                    }
                }
                tables.add(unquote(target.substring(start, end)));
            }
        }
        return tables;
    }

    private static boolean cascades(List<String> parameters) {
        return parameters != null && parameters.stream().anyMatch(p -> p.equalsIgnoreCase("CASCADE"));
    }

    private static Effect on(String table, LockMode lock, Finding.Kind finding) {
        return new Effect(table, null, lock, finding, null, null);
    }

    private static Effect column(String table, Finding.Kind finding, String column) {
        return new Effect(table, null, LockMode.ACCESS_EXCLUSIVE, finding, unquote(column), null);
    }

    /** Only ALTER TABLE names a table here; it takes at most ACCESS EXCLUSIVE, so that is assumed for what is not reviewed. */
    private static Effect unreviewed(String table, String why) {
        return new Effect(table, null, table == null ? null : LockMode.ACCESS_EXCLUSIVE, Finding.Kind.UNREVIEWED, null, why);
    }

    /** The table's own name as PostgreSQL stores it, without its schema: quoted kept as written, unquoted folded. */
    private static String name(Table table) {
        return unquote(table.getName());
    }

    private static String unquote(String name) {
        return name.startsWith("\"") && name.endsWith("\"") && name.length() > 1
                ? name.substring(1, name.length() - 1).replace("\"\"", "\"")
                : name.toLowerCase(Locale.ROOT);
    }

    /** "DO", "CREATE FUNCTION", "GRANT": what kind of statement it is, from its first words. */
    private static String leadingWords(Statement statement) {
        String[] words = statement.toString().trim().split("\\s+", 3);
        String first = words[0].toUpperCase(Locale.ROOT);
        boolean twoWords = (first.equals("CREATE") || first.equals("ALTER") || first.equals("DROP")) && words.length > 1;
        return twoWords ? first + " " + words[1].toUpperCase(Locale.ROOT) : first;
    }

    /** The parser's own complaint, first line: where it stopped reading. */
    private static String rootMessage(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        String line = message.lines().findFirst().orElse("").trim();
        int state = line.indexOf(", in lexical state");
        return state < 0 ? line : line.substring(0, state);
    }
}
