package io.webmacs.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each statement with the locks and findings the review reads from it, written "table LOCK Finding(column)"; "-" for
 * no table, "index NAME" for an index the planner resolves. Statements marked (built-in) are sent by the built-in
 * changelog as the planner sees them.
 */
class StatementReviewTest {

    static Stream<Arguments> statements() {
        return Stream.of(
                // Comments anywhere are no part of the statement.
                arguments("-- drop it\nDROP TABLE public.users", List.of("users ACCESS EXCLUSIVE DropTable")),
                arguments("/* block */ ALTER TABLE users /* inline */ DROP -- x\n COLUMN email", List.of("users ACCESS EXCLUSIVE DropColumn(email)")),
                // Every action of a multi-action ALTER TABLE.
                arguments("ALTER TABLE t ADD a int, DROP COLUMN b", List.of("t ACCESS EXCLUSIVE", "t ACCESS EXCLUSIVE DropColumn(b)")),
                arguments("ALTER TABLE users ALTER COLUMN a TYPE int, ALTER COLUMN b SET NOT NULL, RENAME COLUMN c TO d",
                        List.of("users ACCESS EXCLUSIVE TypeChange(a)", "users ACCESS EXCLUSIVE NotNullOnExistingColumn(b)",
                                "users ACCESS EXCLUSIVE Rename(c)")),
                // CASCADE drops, and drops of what the planner does not know.
                arguments("DROP SCHEMA audit CASCADE", List.of("- no lock DropObject")),
                arguments("DROP VIEW active_users CASCADE", List.of("- no lock DropObject")),
                arguments("DROP SEQUENCE users_id_seq CASCADE", List.of("- no lock DropObject")),
                arguments("DROP FUNCTION purge(int)", List.of("- no lock DropObject")),
                arguments("DROP INDEX ix_users_email CASCADE", List.of("index ix_users_email ACCESS EXCLUSIVE DropObject")),
                arguments("ALTER TABLE users DROP CONSTRAINT users_pkey CASCADE", List.of("users ACCESS EXCLUSIVE DropObject")),
                arguments("DROP TABLE IF EXISTS public.\"Users\", other CASCADE", List.of("Users ACCESS EXCLUSIVE DropTable", "other ACCESS EXCLUSIVE DropTable")),
                // JSqlParser does not know DROP TYPE: not parsed, so unreviewed, which is destructive as a drop of a type is.
                arguments("DROP TYPE public.role_kind CASCADE", List.of("- no lock Unreviewed")),
                // Data-modifying statements inside WITH run whether or not the query reads them.
                arguments("WITH d AS (DELETE FROM users WHERE id < 5 RETURNING *) SELECT count(*) FROM d", List.of("users ROW EXCLUSIVE DeleteRows")),
                arguments("WITH d AS (DELETE FROM old_events RETURNING *) INSERT INTO archive SELECT * FROM d",
                        List.of("old_events ROW EXCLUSIVE DeleteRows", "archive ROW EXCLUSIVE DataMigration")),
                arguments("WITH u AS (UPDATE users SET admin = false RETURNING id) SELECT id FROM u", List.of("users ROW EXCLUSIVE DataMigration")),
                arguments("TRUNCATE TABLE public.users", List.of("users ACCESS EXCLUSIVE DeleteRows")),
                arguments("TRUNCATE users, roles CASCADE", List.of("users ACCESS EXCLUSIVE DeleteRows", "roles ACCESS EXCLUSIVE DeleteRows")),
                arguments("SELECT a FROM users; DELETE FROM users", List.of("users ROW EXCLUSIVE DeleteRows")),
                // Code the review cannot read fails closed.
                arguments("DO $$ BEGIN DELETE FROM users; END $$", List.of("- no lock Unreviewed")),
                arguments("SELECT drop_everything()", List.of("- no lock Unreviewed")),
                arguments("SELECT * FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity) s", List.of("- no lock Unreviewed")),
                arguments("UPDATE users SET token = mint_token(id)", List.of("- no lock Unreviewed")),
                arguments("CALL purge_old_rows()", List.of("- no lock Unreviewed")),
                arguments("COPY users FROM '/tmp/users.csv'", List.of("- no lock Unreviewed")),
                arguments("GRANT SELECT ON users TO reporting", List.of("- no lock Unreviewed")),
                arguments("CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql", List.of("- no lock Unreviewed")),
                arguments("CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION f()", List.of("- no lock Unreviewed")),
                arguments("CREATE OR REPLACE VIEW v AS SELECT id FROM users", List.of("- no lock Unreviewed")),
                arguments("ALTER TYPE role_kind RENAME VALUE 'admin' TO 'owner'", List.of("- no lock Unreviewed")),
                arguments("ALTER INDEX ix_users_email RENAME TO ix_email", List.of("- no lock Unreviewed")),
                arguments("ALTER TABLE users ENABLE ROW LEVEL SECURITY", List.of("users ACCESS EXCLUSIVE Unreviewed")),
                arguments("ALTER TABLE users ALTER COLUMN email SET STATISTICS 100", List.of("users ACCESS EXCLUSIVE Unreviewed")),
                arguments("DELETE FROM ONLY users", List.of("- no lock Unreviewed")),
                arguments("this is not SQL", List.of("- no lock Unreviewed")),
                // Quoted and schema-qualified names resolve to the name PostgreSQL stores.
                arguments("ALTER TABLE \"Users\" DROP COLUMN \"Email\"", List.of("Users ACCESS EXCLUSIVE DropColumn(Email)")),
                arguments("CREATE TABLE public.api_keys (id SERIAL NOT NULL, user_id INTEGER REFERENCES public.\"Owners\" (id),"
                        + " role_id INT, CONSTRAINT fk FOREIGN KEY (role_id) REFERENCES roles (id))",
                        List.of("roles SHARE ROW EXCLUSIVE", "Owners SHARE ROW EXCLUSIVE")),
                arguments("ALTER TABLE users RENAME TO people", List.of("users ACCESS EXCLUSIVE Rename")),
                arguments("UPDATE users SET email = lower(email)", List.of("users ROW EXCLUSIVE DataMigration")),
                arguments("CREATE INDEX CONCURRENTLY ix_users_name ON public.users (username)", List.of("users SHARE UPDATE EXCLUSIVE")),
                arguments("COMMENT ON COLUMN public.users.email IS 'login'", List.of("users SHARE UPDATE EXCLUSIVE")),
                arguments("ALTER TABLE users ALTER COLUMN role SET DEFAULT 'viewer'", List.of("users ACCESS EXCLUSIVE")),
                // Safe by decision: nothing existing loses a row.
                arguments("CREATE TYPE role_kind AS ENUM ('admin', 'viewer')", List.of()),
                arguments("ALTER TYPE role_kind ADD VALUE 'operator'", List.of()),
                arguments("CREATE SEQUENCE ticket_seq START WITH 1", List.of()),
                arguments("CREATE SCHEMA audit", List.of()),
                // The built-in changelog's statements (built-in).
                arguments("ALTER TABLE public.users ADD role VARCHAR(20)", List.of("users ACCESS EXCLUSIVE")),
                arguments("UPDATE public.users SET role = CASE WHEN admin = TRUE THEN 'admin' ELSE 'viewer' END",
                        List.of("users ROW EXCLUSIVE DataMigration")),
                arguments("ALTER TABLE public.users ALTER COLUMN  role SET NOT NULL", List.of("users ACCESS EXCLUSIVE NotNullOnExistingColumn(role)")),
                arguments("ALTER TABLE public.users DROP COLUMN admin", List.of("users ACCESS EXCLUSIVE DropColumn(admin)")),
                arguments("ALTER TABLE public.firmware_updates DROP CONSTRAINT fk_firmware_updates_user_public_id",
                        List.of("firmware_updates ACCESS EXCLUSIVE")),
                arguments("ALTER TABLE public.firmware_updates ADD CONSTRAINT fk_firmware_updates_user_public_id FOREIGN KEY (user_public_id)"
                        + " REFERENCES public.users (public_id) ON UPDATE NO ACTION ON DELETE CASCADE",
                        List.of("firmware_updates SHARE ROW EXCLUSIVE", "users SHARE ROW EXCLUSIVE")),
                arguments("ALTER TABLE public.users ADD CONSTRAINT uq_users_oidc UNIQUE (oidc_issuer, oidc_subject)", List.of("users ACCESS EXCLUSIVE")),
                arguments("CREATE UNIQUE INDEX ix_api_tokens_token_hash ON public.api_tokens(token_hash)", List.of("api_tokens SHARE")),
                arguments("DROP INDEX public.ix_api_tokens_user_id", List.of("index ix_api_tokens_user_id ACCESS EXCLUSIVE")),
                arguments("DROP TABLE public.api_tokens", List.of("api_tokens ACCESS EXCLUSIVE DropTable")),
                arguments("CREATE TABLE public.api_tokens (id SERIAL NOT NULL, user_id INTEGER NOT NULL, CONSTRAINT api_tokens_pkey PRIMARY KEY (id))",
                        List.of()),
                arguments("INSERT INTO public.alembic_version (version_num) VALUES ('003_fk_ondelete')", List.of("alembic_version ROW EXCLUSIVE DataMigration")),
                arguments("UPDATE public.alembic_version SET version_num = '005_oidc_sso' WHERE version_num = '004_rbac_api_tokens'",
                        List.of("alembic_version ROW EXCLUSIVE DataMigration")),
                arguments("DELETE FROM public.alembic_version WHERE version_num = '001_plugins'", List.of("alembic_version ROW EXCLUSIVE DeleteRows")),
                arguments("DROP TYPE IF EXISTS pluginsource", List.of("- no lock Unreviewed")));
    }

    @ParameterizedTest
    @MethodSource("statements")
    void readsTheLocksAndFindingsOfEachStatement(String sql, List<String> expected) {
        assertThat(StatementReview.of(sql)).map(StatementReviewTest::describe).containsExactlyElementsOf(expected);
    }

    @Test
    void anUnreviewedStatementSaysWhyAndCountsWhereverItIs() {
        StatementReview.Effect doBlock = StatementReview.of("DO $$ BEGIN DELETE FROM users; END $$").get(0);
        StatementReview.Effect call = StatementReview.of("SELECT purge(30)").get(0);
        StatementReview.Effect alter = StatementReview.of("ALTER TABLE users OWNER TO someone").get(0);

        assertThat(doBlock.note()).startsWith("the SQL parser cannot read it (").contains("\"DO\"");
        assertThat(call.note()).isEqualTo("it calls purge(), which the review cannot read");
        assertThat(alter.note()).isEqualTo("ALTER TABLE OWNER TO someone is not reviewed");
        assertThat(List.of(doBlock, call, alter)).allMatch(StatementReview.Effect::findingWhateverExists);
    }

    @Test
    void aDropOfWhatThePlannerDoesNotKnowCountsWhereverItIsAndSaysWhatItDrops() {
        StatementReview.Effect schema = StatementReview.of("DROP SCHEMA audit CASCADE").get(0);
        StatementReview.Effect table = StatementReview.of("DROP TABLE t").get(0);

        assertThat(schema.note()).isEqualTo("drops schema audit and, with CASCADE, what depends on it");
        assertThat(schema.findingWhateverExists()).isTrue();
        assertThat(table.findingWhateverExists()).as("a table the plan creates first is nobody's yet").isFalse();
    }

    private static String describe(StatementReview.Effect effect) {
        String target = effect.table() != null ? effect.table() : effect.index() != null ? "index " + effect.index() : "-";
        String lock = effect.lock() == null ? "no lock" : effect.lock().sqlName();
        String finding = effect.finding() == null ? "" : " " + effect.finding().code() + (effect.column() == null ? "" : "(" + effect.column() + ")");
        return target + " " + lock + finding;
    }
}
