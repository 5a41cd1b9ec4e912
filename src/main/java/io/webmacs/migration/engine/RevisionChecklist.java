package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Finding;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.statement.ReferentialAction;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.alter.Alter;
import net.sf.jsqlparser.statement.alter.AlterExpression;
import net.sf.jsqlparser.statement.alter.AlterOperation;
import net.sf.jsqlparser.statement.create.index.CreateIndex;
import net.sf.jsqlparser.statement.create.table.ColumnDefinition;
import net.sf.jsqlparser.statement.create.table.CreateTable;
import net.sf.jsqlparser.statement.create.table.ForeignKeyIndex;
import net.sf.jsqlparser.statement.create.table.Index;

/**
 * The review checklist of WebMACS's "making a schema change" page, applied to a new revision's SQL alone, with no
 * database: a type or constraint change, a foreign key without ON DELETE, a foreign key whose columns no index of the same
 * revision leads with, a NOT NULL column added to an existing table without a default, a dropped column or table; and
 * what {@link StatementReview} finds on tables the revision does not create (data migrations, renames, SQL it cannot
 * read). A table the revision does not create is taken to exist, with rows.
 */
public final class RevisionChecklist {

    /** A foreign key of the revision: on which table and columns, and the statement that adds it. */
    private record ForeignKey(String table, List<String> columns, String statement) {
    }

    private final String changeset;
    private final Set<String> created = new HashSet<>();
    /** Each table's indexes of this revision (PRIMARY KEY, UNIQUE, CREATE INDEX), as their column lists. */
    private final Map<String, List<List<String>>> indexes = new HashMap<>();
    private final List<ForeignKey> foreignKeys = new ArrayList<>();
    private final List<Finding> findings = new ArrayList<>();

    private RevisionChecklist(String changeset) {
        this.changeset = changeset;
    }

    /** The findings of {@code statements}, the upgrade of the changeset {@code changeset}, in the order they run. */
    public static List<Finding> review(String changeset, List<String> statements) {
        RevisionChecklist checklist = new RevisionChecklist(changeset);
        statements.forEach(checklist::read);
        checklist.checkForeignKeys();
        return List.copyOf(checklist.findings);
    }

    private void read(String statement) {
        String oneLine = statement.replaceAll("\\s+", " ").trim();
        List<Statement> parsed;
        try {
            parsed = StatementReview.parse(statement);
        } catch (JSQLParserException | RuntimeException e) {
            parsed = List.of(); // StatementReview reports it as Unreviewed
        }
        for (Statement each : parsed) {
            if (each instanceof CreateTable create) {
                createTable(create, oneLine);
            } else if (each instanceof CreateIndex index) {
                index(StatementReview.unquote(index.getTable().getName()), index.getIndex().getColumnsNames());
            } else if (each instanceof Alter alter) {
                alter(alter, oneLine);
            }
        }
        for (StatementReview.Effect effect : StatementReview.of(statement, StatementReview.Schema.UNKNOWN)) {
            if (effect.finding() != null && (effect.findingWhateverExists() || !created.contains(effect.table()))) {
                add(effect.finding(), effect.table(), effect.note() == null ? oneLine : oneLine + " -- " + effect.note());
            }
        }
    }

    private void createTable(CreateTable create, String statement) {
        String table = StatementReview.unquote(create.getTable().getName());
        created.add(table);
        List<Index> constraints = create.getIndexes() == null ? List.of() : create.getIndexes();
        for (Index constraint : constraints) {
            if (constraint instanceof ForeignKeyIndex foreignKey) {
                foreignKey(table, foreignKey, statement);
            } else if (isIndexed(constraint.getType())) {
                index(table, constraint.getColumnsNames());
            }
        }
        List<ColumnDefinition> columns = create.getColumnDefinitions() == null ? List.of() : create.getColumnDefinitions();
        for (ColumnDefinition column : columns) {
            String specs = column.getColumnSpecs() == null ? "" : String.join(" ", column.getColumnSpecs()).toUpperCase(Locale.ROOT);
            if (specs.contains("PRIMARY KEY") || specs.contains("UNIQUE")) {
                index(table, List.of(column.getColumnName()));
            }
        }
    }

    private void alter(Alter alter, String statement) {
        String table = StatementReview.unquote(alter.getTable().getName());
        boolean existing = !created.contains(table);
        for (AlterExpression action : alter.getAlterExpressions()) {
            if (action.getOperation() == AlterOperation.ADD && action.getIndex() instanceof ForeignKeyIndex foreignKey) {
                foreignKey(table, foreignKey, statement);
            } else if (action.getOperation() == AlterOperation.ADD && action.getIndex() != null && isIndexed(action.getIndex().getType())) {
                index(table, action.getIndex().getColumnsNames());
            }
            if (!existing) {
                continue;
            }
            if (action.getOperation() == AlterOperation.ADD && action.getColDataTypeList() != null) {
                for (AlterExpression.ColumnDataType column : action.getColDataTypeList()) {
                    List<String> words = column.getColumnSpecs() == null ? List.of()
                            : column.getColumnSpecs().stream().map(w -> w.toUpperCase(Locale.ROOT)).toList();
                    if (String.join(" ", words).contains("NOT NULL") && !words.contains("DEFAULT")) {
                        add(Finding.Kind.NOT_NULL_WITHOUT_DEFAULT, table, statement + " -- a NOT NULL column without a default"
                                + " fails on a table with rows; give it a server_default, or add it nullable, fill it in a data"
                                + " migration, then set NOT NULL");
                    }
                }
            }
            boolean constraintChange = (action.getOperation() == AlterOperation.ADD && action.getIndex() != null)
                    || (action.getOperation() == AlterOperation.DROP && action.getConstraintName() != null)
                    || action.getColumnDropNotNullList() != null;
            if (constraintChange) {
                add(Finding.Kind.CONSTRAINT_CHANGE, table, statement);
            }
        }
    }

    private void foreignKey(String table, ForeignKeyIndex foreignKey, String statement) {
        List<String> columns = foreignKey.getColumnsNames().stream().map(StatementReview::unquote).toList();
        foreignKeys.add(new ForeignKey(table, columns, statement));
        if (foreignKey.getReferentialAction(ReferentialAction.Type.DELETE) == null) {
            add(Finding.Kind.FOREIGN_KEY_WITHOUT_ON_DELETE, table, statement + " -- no ON DELETE on (" + String.join(", ", columns)
                    + "): deleting a referenced row fails while this one points at it; say ondelete= CASCADE, SET NULL or RESTRICT");
        }
    }

    /** After the whole revision: an index created after its foreign key counts too. */
    private void checkForeignKeys() {
        for (ForeignKey foreignKey : foreignKeys) {
            boolean indexed = indexes.getOrDefault(foreignKey.table(), List.of()).stream().anyMatch(columns -> columns.size()
                    >= foreignKey.columns().size() && columns.subList(0, foreignKey.columns().size()).equals(foreignKey.columns()));
            if (!indexed) {
                add(Finding.Kind.UNINDEXED_FOREIGN_KEY, foreignKey.table(), foreignKey.statement() + " -- no index of this revision"
                        + " leads with (" + String.join(", ", foreignKey.columns()) + "): deletes of the referenced rows and joins"
                        + " scan the table; add index=True to the column, unless an index made before covers it");
            }
        }
    }

    private void index(String table, List<String> columns) {
        indexes.computeIfAbsent(table, t -> new ArrayList<>()).add(columns.stream().map(StatementReview::unquote).toList());
    }

    /** PRIMARY KEY and UNIQUE constraints build an index on their columns. */
    private static boolean isIndexed(String type) {
        String upper = type == null ? "" : type.toUpperCase(Locale.ROOT);
        return upper.startsWith("PRIMARY") || upper.startsWith("UNIQUE");
    }

    private void add(Finding.Kind kind, String table, String detail) {
        findings.add(new Finding(kind, changeset, table, detail));
    }
}
