package io.webmacs.migration.result;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * One thing in a {@link Plan} a reviewer needs to see.
 *
 * @param changeset the changeset ({@code file::id::author}) that does it
 * @param table the table it concerns
 * @param detail the statement, or what it does, on one line
 */
public record Finding(Kind kind, String changeset, String table, String detail) {

    /** What a step does; {@code destructive} steps can lose data or fail on the rows already there. */
    public enum Kind {
        DROP_TABLE("DropTable", true),
        DROP_COLUMN("DropColumn", true),
        TYPE_CHANGE("TypeChange", true),
        NOT_NULL_ON_EXISTING_COLUMN("NotNullOnExistingColumn", true),
        DELETE_ROWS("DeleteRows", true),
        DATA_MIGRATION("DataMigration", false);

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
