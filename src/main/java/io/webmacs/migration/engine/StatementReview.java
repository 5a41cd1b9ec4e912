package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Finding;
import io.webmacs.migration.contract.Plan;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Column;
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
import net.sf.jsqlparser.statement.create.table.CheckConstraint;
import net.sf.jsqlparser.statement.create.table.ColDataType;
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
 * ADD CONSTRAINT (also NOT VALID, and UNIQUE or PRIMARY KEY USING INDEX), VALIDATE CONSTRAINT, ALTER COLUMN SET/DROP
 * DEFAULT, DROP NOT NULL, DROP CONSTRAINT, RENAME CONSTRAINT. A SELECT that calls no function outside
 * {@link #PURE_FUNCTIONS} reads only. The rest is named by its finding.
 *
 * <p>It also says what each statement does to the table's rows under its lock ({@link Plan.Work}): most DDL changes the
 * catalog only, but an index build, a validation and a NOT NULL check read every row, and a rewriting type change or a
 * volatile default writes every row anew. Whether that blocks the application's writes is the lock's business, which
 * the planner knows (a changeset keeps its locks until it commits).
 */
final class StatementReview {

    /** What the review needs to know of the tables as they are when a statement runs; the planner keeps it up to date. */
    interface Schema {

        /** Nothing known: every type change rewrites, and no NOT NULL is checked by a constraint already. */
        Schema UNKNOWN = new Schema() {
            @Override
            public String columnType(String table, String column) {
                return null;
            }

            @Override
            public boolean notNullChecked(String table, String column) {
                return false;
            }
        };

        /** The column's type as {@code format_type} prints it, e.g. {@code character varying(100)}; null when unknown. */
        String columnType(String table, String column);

        /** Whether a validated {@code CHECK (column IS NOT NULL)} is on the table: SET NOT NULL then needs no scan. */
        boolean notNullChecked(String table, String column);
    }

    /**
     * A CHECK constraint a statement adds ({@code column} set when it is {@code column IS NOT NULL}), or one it validates
     * by name ({@code column} null, {@code validated} true).
     */
    record Check(String name, String column, boolean validated) {
    }

    /**
     * One effect of a statement. {@code table} is null when it names only an index ({@code DROP INDEX}), which the
     * planner resolves, or nothing the planner can place (a DROP SCHEMA, a DO block); {@code index} is also the index a
     * CREATE INDEX builds; {@code lock} is null when the
     * statement takes no table lock the review can name; {@code column} is set for column-level findings; {@code
     * note} says, for a finding that the statement alone does not explain, what the review saw. {@code work} is what it
     * does to the table's rows under the lock, and {@code online}, for a statement that scans or rewrites under a lock
     * of its own that blocks writes, what it is and how to do the same without blocking them. {@code check} is a
     * CHECK constraint it adds or validates, for the planner's {@link Schema}.
     */
    record Effect(String table, String index, LockMode lock, Finding.Kind finding, String column, String note, Plan.Work work,
            String online, Check check) {

        Effect(String table, String index, LockMode lock, Finding.Kind finding, String column, String note) {
            this(table, index, lock, finding, column, note, Plan.Work.NONE, null, null);
        }

        Effect working(Plan.Work work, String online) {
            return new Effect(table, index, lock, finding, column, note, work, online, check);
        }

        Effect checking(Check check) {
            return new Effect(table, index, lock, finding, column, note, work, online, check);
        }

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

    /*
     * PostgreSQL forms JSqlParser 5.4 cannot parse, recognised on one statement: NOT VALID after the one constraint an
     * ALTER TABLE adds (read without it, then marked), a constraint made of an index, and DROP INDEX CONCURRENTLY.
     */
    private static final Pattern NOT_VALID = Pattern.compile("(?is)(\\s*ALTER\\s+TABLE\\s.*?)\\s+NOT\\s+VALID\\s*;?\\s*");
    private static final Pattern USING_INDEX = Pattern.compile(
            "(?is)\\s*ALTER\\s+TABLE\\s+(?:ONLY\\s+)?(\\S+)\\s+ADD\\s+CONSTRAINT\\s+\\S+\\s+(UNIQUE|PRIMARY\\s+KEY)\\s+USING\\s+INDEX\\s+\\S+\\s*;?\\s*");
    private static final Pattern DROP_INDEX_CONCURRENTLY = Pattern.compile(
            "(?is)\\s*DROP\\s+INDEX\\s+CONCURRENTLY\\s+(?:IF\\s+EXISTS\\s+)?(\\S+?)\\s*(RESTRICT)?\\s*;?\\s*");
    private static final Pattern VALIDATE_CONSTRAINT = Pattern.compile("(?is)VALIDATE\\s+CONSTRAINT\\s+(\\S+)");

    /**
     * JSqlParser parses on an executor so that it can time a parse out; one daemon thread for every statement instead
     * of the new thread a call makes otherwise (a fifth of the time for a plan's ~200 statements).
     */
    private static final ExecutorService PARSER = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "statement-review");
        thread.setDaemon(true);
        return thread;
    });

    private final Schema schema;
    /** The statement's one constraint was added NOT VALID: it is enforced for new rows and checks none of the old. */
    private final boolean notValid;

    private StatementReview(Schema schema, boolean notValid) {
        this.schema = schema;
        this.notValid = notValid;
    }

    /**
     * The effects of {@code statement}, which may hold several statements (a {@code sql} change not split), on tables as
     * {@code schema} describes them.
     */
    static List<Effect> of(String statement, Schema schema) {
        Matcher usingIndex = USING_INDEX.matcher(statement);
        if (usingIndex.matches()) {
            // A primary key also makes its columns NOT NULL, which scans the table unless they are already.
            boolean primaryKey = usingIndex.group(2).toUpperCase(Locale.ROOT).startsWith("PRIMARY");
            return List.of(on(unquote(lastPart(usingIndex.group(1))), LockMode.ACCESS_EXCLUSIVE, null).working(
                    primaryKey ? Plan.Work.SCAN : Plan.Work.NONE, primaryKey ? "PRIMARY KEY USING INDEX sets NOT NULL on its"
                            + " columns; make them NOT NULL first, through a validated CHECK (column IS NOT NULL)" : null));
        }
        Matcher dropConcurrently = DROP_INDEX_CONCURRENTLY.matcher(statement);
        if (dropConcurrently.matches()) {
            return List.of(new Effect(null, unquote(lastPart(dropConcurrently.group(1))), LockMode.SHARE_UPDATE_EXCLUSIVE, null, null, null));
        }
        Matcher notValid = NOT_VALID.matcher(statement);
        boolean isNotValid = notValid.matches();
        List<Statement> parsed;
        try {
            parsed = parse(isNotValid ? notValid.group(1) : statement);
        } catch (JSQLParserException | RuntimeException e) {
            return List.of(unreviewed(null, "the SQL parser cannot read it (" + rootMessage(e) + ")"));
        }
        if (isNotValid && !addsOneValidatedConstraint(parsed)) {
            return List.of(unreviewed(null, "NOT VALID is reviewed on an ALTER TABLE that adds one foreign key or CHECK constraint"));
        }
        StatementReview review = new StatementReview(schema, isNotValid);
        List<Effect> effects = new ArrayList<>();
        for (Statement each : parsed) {
            effects.addAll(review.review(each));
        }
        return effects;
    }

    /** The statements of {@code sql}, read by the SQL parser on its timed thread. */
    static List<Statement> parse(String sql) throws JSQLParserException {
        return CCJSqlParserUtil.parseStatements(sql, PARSER, parser -> { });
    }

    /** Whether {@code statement} creates or writes {@code table} and nothing else; false for SQL the parser cannot read. */
    static boolean touchesOnly(String statement, String table) {
        try {
            List<Statement> parsed = parse(statement);
            Statement only = parsed.size() == 1 ? parsed.get(0) : null;
            Table written = only instanceof Insert insert ? insert.getTable() : only instanceof Update update ? update.getTable()
                    : only instanceof Delete delete ? delete.getTable() : only instanceof CreateTable create ? create.getTable() : null;
            return written != null && table.equals(name(written));
        } catch (JSQLParserException | RuntimeException e) {
            return false;
        }
    }

    /** One ALTER TABLE adding one foreign key or CHECK constraint: what NOT VALID may follow. */
    private static boolean addsOneValidatedConstraint(List<Statement> parsed) {
        return parsed.size() == 1 && parsed.get(0) instanceof Alter alter && alter.getAlterExpressions().size() == 1
                && alter.getAlterExpressions().get(0).getOperation() == AlterOperation.ADD
                && (alter.getAlterExpressions().get(0).getIndex() instanceof ForeignKeyIndex
                        || alter.getAlterExpressions().get(0).getIndex() instanceof CheckConstraint);
    }

    private List<Effect> review(Statement statement) {
        if (statement instanceof Alter alter) {
            return alterTable(alter);
        }
        if (statement instanceof CreateTable create) {
            return createTable(create);
        }
        if (statement instanceof CreateIndex create) {
            // The index it builds is named too: a concurrent build that fails leaves it behind, invalid.
            Effect build = new Effect(name(create.getTable()), unquote(create.getIndex().getName()),
                    create.isConcurrently() ? LockMode.SHARE_UPDATE_EXCLUSIVE : LockMode.SHARE, null, null, null);
            return List.of(create.isConcurrently() ? build.working(Plan.Work.SCAN, null) : build.working(Plan.Work.SCAN,
                    "CREATE INDEX without CONCURRENTLY; build it with CREATE INDEX CONCURRENTLY, in a changeset with runInTransaction: false"));
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
    private List<Effect> alterTable(Alter alter) {
        String table = name(alter.getTable());
        List<Effect> effects = new ArrayList<>();
        for (AlterExpression action : alter.getAlterExpressions()) {
            effects.addAll(alterAction(table, action));
        }
        return effects;
    }

    private List<Effect> alterAction(String table, AlterExpression action) {
        AlterOperation operation = action.getOperation();
        if (operation == AlterOperation.ADD && action.getIndex() != null) {
            return addConstraint(table, action.getIndex());
        }
        if (operation == AlterOperation.ADD && action.getColDataTypeList() != null) {
            List<Effect> effects = new ArrayList<>();
            AddedColumn worst = AddedColumn.NOTHING;
            for (AlterExpression.ColumnDataType column : action.getColDataTypeList()) {
                AddedColumn added = AddedColumn.of(column);
                worst = added.work().compareTo(worst.work()) > 0 ? added : worst;
                references(column).forEach(r -> effects.add(on(r, LockMode.SHARE_ROW_EXCLUSIVE, null)));
            }
            effects.add(0, on(table, LockMode.ACCESS_EXCLUSIVE, null).working(worst.work(), worst.online()));
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
        Matcher validate = VALIDATE_CONSTRAINT.matcher(action.toString().trim());
        if (operation == AlterOperation.UNSPECIFIC && validate.matches()) {
            // Reads every row, under a lock that lets inserts, updates and deletes go on.
            return List.of(on(table, LockMode.SHARE_UPDATE_EXCLUSIVE, null).working(Plan.Work.SCAN, null)
                    .checking(new Check(unquote(validate.group(1)), null, true)));
        }
        return List.of(unreviewed(table, "ALTER TABLE " + action + " is not reviewed"));
    }

    /**
     * ADD CONSTRAINT: a foreign key takes SHARE ROW EXCLUSIVE on both tables, other constraints ACCESS EXCLUSIVE; each
     * reads every row of the table to validate it, unless it is added NOT VALID, or builds an index to make it.
     */
    private List<Effect> addConstraint(String table, Index constraint) {
        if (constraint instanceof ForeignKeyIndex foreignKey) {
            String referenced = name(foreignKey.getTable());
            return List.of(on(table, LockMode.SHARE_ROW_EXCLUSIVE, null).working(notValid ? Plan.Work.NONE : Plan.Work.SCAN,
                            "a foreign key validated as it is added, while writes to " + referenced + " wait too; add it NOT VALID,"
                                    + " then VALIDATE CONSTRAINT in a changeset of its own"),
                    on(referenced, LockMode.SHARE_ROW_EXCLUSIVE, null));
        }
        if (constraint instanceof CheckConstraint check) {
            return List.of(on(table, LockMode.ACCESS_EXCLUSIVE, null).working(notValid ? Plan.Work.NONE : Plan.Work.SCAN,
                    "a CHECK constraint validated as it is added; add it NOT VALID, then VALIDATE CONSTRAINT in a changeset of its own")
                    .checking(new Check(unquote(check.getName()), notNullColumn(check.getExpression()), !notValid)));
        }
        return List.of(on(table, LockMode.ACCESS_EXCLUSIVE, null).working(Plan.Work.SCAN, "a constraint that builds its index"
                + " under ACCESS EXCLUSIVE; build a unique index with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ..."
                + " USING INDEX"));
    }

    /** ALTER [COLUMN] c: TYPE, SET NOT NULL, DROP NOT NULL, SET DEFAULT, DROP DEFAULT; anything else is unreviewed. */
    private List<Effect> alterColumn(String table, AlterExpression action) {
        List<Effect> effects = new ArrayList<>();
        if (action.getColDataTypeList() != null) {
            for (AlterExpression.ColumnDataType column : action.getColDataTypeList()) {
                effects.add(column.isWithType() ? typeChange(table, column) : unreviewed(table, "ALTER COLUMN " + column + " is not reviewed"));
            }
        }
        if (action.getColumnSetNotNullList() != null) {
            for (AlterExpression.ColumnSetNotNull column : action.getColumnSetNotNullList()) {
                Effect notNull = column(table, Finding.Kind.NOT_NULL_ON_EXISTING_COLUMN, column.getColumnName());
                // PostgreSQL 12+ takes a validated CHECK (column IS NOT NULL) as proof and skips the scan.
                effects.add(schema.notNullChecked(table, notNull.column()) ? notNull : notNull.working(Plan.Work.SCAN, "SET NOT NULL"
                        + " without a validated CHECK (" + notNull.column() + " IS NOT NULL); add that check NOT VALID, VALIDATE"
                        + " it in a changeset of its own, then SET NOT NULL, which then reads no row"));
            }
        }
        boolean safe = action.getColumnDropNotNullList() != null || action.getColumnSetDefaultList() != null
                || action.getColumnDropDefaultList() != null;
        if (safe) {
            effects.add(on(table, LockMode.ACCESS_EXCLUSIVE, null));
        }
        return effects.isEmpty() ? List.of(unreviewed(table, "ALTER TABLE " + action + " is not reviewed")) : effects;
    }

    /** A type change rewrites the whole table unless the new type is binary coercible from the column's (USING: always). */
    private Effect typeChange(String table, AlterExpression.ColumnDataType column) {
        Effect change = column(table, Finding.Kind.TYPE_CHANGE, column.getColumnName());
        ColDataType type = column.getColDataType();
        String to = type.getDataType() + (type.getArgumentsStringList() == null ? "" : "(" + String.join(",", type.getArgumentsStringList()) + ")");
        String from = schema.columnType(table, change.column());
        boolean using = column.toString().toUpperCase(Locale.ROOT).contains(" USING ");
        return using || ColumnTypes.rewrites(from, to) ? change.working(Plan.Work.REWRITE, "a type change that rewrites every row"
                + (from == null ? "" : " (" + from + " to " + to + ")") + "; add a column of the new type, fill it in batches, then"
                + " switch to it") : change;
    }

    /** {@code column IS NOT NULL}, in parentheses or not: the column; null for any other expression. */
    private static String notNullColumn(Expression expression) {
        Expression inner = expression;
        while (inner instanceof ParenthesedExpressionList<?> parentheses && parentheses.size() == 1) {
            inner = parentheses.get(0);
        }
        return inner instanceof IsNullExpression isNull && isNull.isNot() && isNull.getLeftExpression() instanceof Column c
                ? unquote(c.getColumnName()) : null;
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
            // It reads the table for the rows to change; without WHERE it writes every one anew.
            effects.add(on(name(update.getTable()), LockMode.ROW_EXCLUSIVE, Finding.Kind.DATA_MIGRATION)
                    .working(update.getWhere() == null ? Plan.Work.REWRITE : Plan.Work.SCAN, null));
        } else if (statement instanceof Delete delete) {
            withItems(delete.getWithItemsList(), effects);
            if (delete.getTables() != null && !delete.getTables().isEmpty()) {
                effects.add(unreviewed(null, "a DELETE of several tables is not reviewed"));
            }
            effects.add(on(name(delete.getTable()), LockMode.ROW_EXCLUSIVE, Finding.Kind.DELETE_ROWS).working(Plan.Work.SCAN, null));
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
                // schema."Table" (columns) ...: the name ends at the column list or a space outside quotes.
                String target = trimmed.substring("REFERENCES".length()).trim();
                int end = 0;
                boolean quoted = false;
                for (; end < target.length() && (quoted || (target.charAt(end) != '(' && !Character.isWhitespace(target.charAt(end)))); end++) {
                    quoted ^= target.charAt(end) == '"';
                }
                tables.add(unquote(lastPart(target.substring(0, end))));
            }
        }
        return tables;
    }

    /** {@code schema."Table"}: the last dotted part, dots inside quotes kept. */
    static String lastPart(String qualified) {
        int start = 0;
        boolean quoted = false;
        for (int i = 0; i < qualified.length(); i++) {
            quoted ^= qualified.charAt(i) == '"';
            if (!quoted && qualified.charAt(i) == '.') {
                start = i + 1;
            }
        }
        return qualified.substring(start);
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

    /**
     * Only ALTER TABLE names a table here; it takes at most ACCESS EXCLUSIVE and may rewrite the table, so both are
     * assumed for what is not reviewed.
     */
    private static Effect unreviewed(String table, String why) {
        Effect effect = new Effect(table, null, table == null ? null : LockMode.ACCESS_EXCLUSIVE, Finding.Kind.UNREVIEWED, null, why);
        return table == null ? effect : effect.working(Plan.Work.REWRITE, "the review cannot tell what it does to the rows, so it is"
                + " taken to rewrite them");
    }

    /** The table's own name as PostgreSQL stores it, without its schema: quoted kept as written, unquoted folded. */
    private static String name(Table table) {
        return unquote(table.getName());
    }

    static String unquote(String name) {
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
