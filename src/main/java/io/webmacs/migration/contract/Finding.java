package io.webmacs.migration.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * One thing in a {@link Plan} a reviewer needs to see.
 *
 * @param changeset the changeset ({@code file::id::author}) that does it
 * @param table the table it concerns, or null when it concerns no table the planner knows (a schema, a DO block)
 * @param detail the statement on one line, followed by {@code -- } and what the review saw when the statement alone
 *     does not say it
 */
public record Finding(Kind kind, String changeset, String table, String detail) {

    /**
     * What a step does; {@code destructive} steps can lose data or fail on the rows already there, and a step the
     * review could not classify counts as destructive: the review fails closed.
     */
    public enum Kind {
        DROP_TABLE("DropTable", true),
        DROP_COLUMN("DropColumn", true),
        TYPE_CHANGE("TypeChange", true),
        NOT_NULL_ON_EXISTING_COLUMN("NotNullOnExistingColumn", true),
        DELETE_ROWS("DeleteRows", true),
        /** A DROP of a schema, type, view, sequence, function and the like, or a CASCADE drop: what it takes along is unseen. */
        DROP_OBJECT("DropObject", true),
        /** A statement the SQL parser cannot read, or of a kind the review does not classify (DO, CALL, a function call). */
        UNREVIEWED("Unreviewed", true),
        /** A renamed table or column: no row is lost, but the application still running uses the old name. */
        RENAME("Rename", false),
        DATA_MIGRATION("DataMigration", false),
        /**
         * A statement that scans or rewrites an existing table while it holds a lock that blocks writes to it (its own,
         * or one its changeset took before): the application's inserts wait for time proportional to the table.
         */
        BLOCKS_WRITES("BlocksWrites", false),
        /** revision's checklist: a column added NOT NULL without a default to a table that may have rows: needs a data migration. */
        NOT_NULL_WITHOUT_DEFAULT("NotNullWithoutDefault", true),
        /** revision's checklist: a constraint added to or dropped from a table that exists already, or a NOT NULL dropped. */
        CONSTRAINT_CHANGE("ConstraintChange", false),
        /** revision's checklist: a foreign key without ON DELETE: deleting the row it references fails. */
        FOREIGN_KEY_WITHOUT_ON_DELETE("ForeignKeyWithoutOnDelete", false),
        /** revision's checklist: a foreign key whose columns no index of the same revision leads with. */
        UNINDEXED_FOREIGN_KEY("UnindexedForeignKey", false);

        private final String code;
        private final boolean destructive;

        Kind(String code, boolean destructive) {
            this.code = code;
            this.destructive = destructive;
        }

        @JsonValue
        public String code() {
            return code;
        }

        public boolean destructive() {
            return destructive;
        }

        @JsonCreator
        public static Kind ofCode(String code) {
            return Arrays.stream(values()).filter(k -> k.code.equals(code)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown finding kind " + code));
        }
    }
}
