package io.webmacs.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.contract.Finding;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The review checklist reads a revision's SQL, as Alembic writes it, with no database. */
class RevisionChecklistTest {

    @Test
    void aNotNullColumnWithoutDefaultOnAnExistingTableNeedsADataMigrationButWithADefaultOrOnANewTableNot() {
        assertThat(kinds("ALTER TABLE users ADD COLUMN locale VARCHAR(10) NOT NULL")).containsExactly(Finding.Kind.NOT_NULL_WITHOUT_DEFAULT);
        assertThat(kinds("ALTER TABLE users ADD COLUMN locale VARCHAR(10) DEFAULT 'en' NOT NULL")).isEmpty();
        assertThat(kinds("CREATE TABLE t (id SERIAL NOT NULL, PRIMARY KEY (id))", "ALTER TABLE t ADD COLUMN locale VARCHAR NOT NULL")).isEmpty();
    }

    @Test
    void dropsTypeAndConstraintChangesOfExistingTablesAreFindings() {
        assertThat(kinds("ALTER TABLE users DROP COLUMN sso_provider")).containsExactly(Finding.Kind.DROP_COLUMN);
        assertThat(kinds("DROP TABLE plugin_packages")).containsExactly(Finding.Kind.DROP_TABLE);
        assertThat(kinds("ALTER TABLE users ALTER COLUMN role TYPE VARCHAR(8)")).containsExactly(Finding.Kind.TYPE_CHANGE);
        assertThat(kinds("ALTER TABLE users ALTER COLUMN role DROP NOT NULL")).containsExactly(Finding.Kind.CONSTRAINT_CHANGE);
        assertThat(kinds("ALTER TABLE users DROP CONSTRAINT uq_users_sso_identity")).containsExactly(Finding.Kind.CONSTRAINT_CHANGE);
    }

    @Test
    void aForeignKeyNeedsOnDeleteAndAnIndexOfTheSameRevisionThatLeadsWithItsColumns() {
        String table = "CREATE TABLE notes (id SERIAL NOT NULL, user_public_id VARCHAR, PRIMARY KEY (id),"
                + " FOREIGN KEY(user_public_id) REFERENCES users (public_id) ON DELETE CASCADE)";
        assertThat(kinds(table)).containsExactly(Finding.Kind.UNINDEXED_FOREIGN_KEY);
        assertThat(kinds(table, "CREATE INDEX ix_notes_user_public_id ON notes (user_public_id)")).isEmpty();
        assertThat(kinds("ALTER TABLE events ADD CONSTRAINT fk_x FOREIGN KEY(user_public_id) REFERENCES users (public_id)"))
                .containsExactlyInAnyOrder(Finding.Kind.CONSTRAINT_CHANGE, Finding.Kind.FOREIGN_KEY_WITHOUT_ON_DELETE,
                        Finding.Kind.UNINDEXED_FOREIGN_KEY);
    }

    private static List<Finding.Kind> kinds(String... statements) {
        return RevisionChecklist.review("006_x::alembic", List.of(statements)).stream().map(Finding::kind).toList();
    }
}
