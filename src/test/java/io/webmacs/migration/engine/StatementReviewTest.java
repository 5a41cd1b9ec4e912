package io.webmacs.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.webmacs.migration.contract.Plan;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each statement with the locks, work and findings the review reads from it, written "table LOCK work Finding(column)";
 * "-" for no table, "index NAME" for an index the planner resolves, no work when it changes the catalog only. Statements marked (built-in) are sent by the built-in
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
                        List.of("users ACCESS EXCLUSIVE rewrite TypeChange(a)", "users ACCESS EXCLUSIVE scan NotNullOnExistingColumn(b)",
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
                arguments("WITH d AS (DELETE FROM users WHERE id < 5 RETURNING *) SELECT count(*) FROM d", List.of("users ROW EXCLUSIVE scan DeleteRows")),
                arguments("WITH d AS (DELETE FROM old_events RETURNING *) INSERT INTO archive SELECT * FROM d",
                        List.of("old_events ROW EXCLUSIVE scan DeleteRows", "archive ROW EXCLUSIVE DataMigration")),
                arguments("WITH u AS (UPDATE users SET admin = false RETURNING id) SELECT id FROM u", List.of("users ROW EXCLUSIVE rewrite DataMigration")),
                arguments("TRUNCATE TABLE public.users", List.of("users ACCESS EXCLUSIVE DeleteRows")),
                arguments("TRUNCATE users, roles CASCADE", List.of("users ACCESS EXCLUSIVE DeleteRows", "roles ACCESS EXCLUSIVE DeleteRows")),
                arguments("SELECT a FROM users; DELETE FROM users", List.of("users ROW EXCLUSIVE scan DeleteRows")),
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
                arguments("ALTER TABLE users ENABLE ROW LEVEL SECURITY", List.of("users ACCESS EXCLUSIVE rewrite Unreviewed")),
                arguments("ALTER TABLE users ALTER COLUMN email SET STATISTICS 100", List.of("users ACCESS EXCLUSIVE rewrite Unreviewed")),
                arguments("DELETE FROM ONLY users", List.of("- no lock Unreviewed")),
                arguments("this is not SQL", List.of("- no lock Unreviewed")),
                // Quoted and schema-qualified names resolve to the name PostgreSQL stores.
                arguments("ALTER TABLE \"Users\" DROP COLUMN \"Email\"", List.of("Users ACCESS EXCLUSIVE DropColumn(Email)")),
                arguments("CREATE TABLE public.api_keys (id SERIAL NOT NULL, user_id INTEGER REFERENCES public.\"Owners\" (id),"
                        + " role_id INT, CONSTRAINT fk FOREIGN KEY (role_id) REFERENCES roles (id))",
                        List.of("roles SHARE ROW EXCLUSIVE", "Owners SHARE ROW EXCLUSIVE")),
                arguments("ALTER TABLE users RENAME TO people", List.of("users ACCESS EXCLUSIVE Rename")),
                arguments("UPDATE users SET email = lower(email)", List.of("users ROW EXCLUSIVE rewrite DataMigration")),
                arguments("CREATE INDEX CONCURRENTLY ix_users_name ON public.users (username)", List.of("users SHARE UPDATE EXCLUSIVE scan")),
                arguments("COMMENT ON COLUMN public.users.email IS 'login'", List.of("users SHARE UPDATE EXCLUSIVE")),
                arguments("ALTER TABLE users ALTER COLUMN role SET DEFAULT 'viewer'", List.of("users ACCESS EXCLUSIVE")),
                // What each statement does to the rows under its lock: scans and rewrites, and their online forms.
                arguments("CREATE INDEX ix_value ON datapoints (value)", List.of("datapoints SHARE scan")),
                arguments("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON public.datapoints USING btree (public_id, value)",
                        List.of("datapoints SHARE UPDATE EXCLUSIVE scan")),
                arguments("ALTER TABLE datapoints ADD CONSTRAINT fk FOREIGN KEY (event_public_id) REFERENCES events (public_id)",
                        List.of("datapoints SHARE ROW EXCLUSIVE scan", "events SHARE ROW EXCLUSIVE")),
                arguments("ALTER TABLE datapoints ADD CONSTRAINT fk FOREIGN KEY (event_public_id) REFERENCES events (public_id) NOT VALID;",
                        List.of("datapoints SHARE ROW EXCLUSIVE", "events SHARE ROW EXCLUSIVE")),
                arguments("ALTER TABLE datapoints ADD CONSTRAINT positive CHECK (value >= 0)", List.of("datapoints ACCESS EXCLUSIVE scan")),
                arguments("alter table datapoints add constraint positive check (value >= 0) not valid", List.of("datapoints ACCESS EXCLUSIVE")),
                arguments("ALTER TABLE datapoints ADD CONSTRAINT a CHECK (value > 0) NOT VALID, ADD CONSTRAINT b CHECK (value < 9) NOT VALID",
                        List.of("- no lock Unreviewed")),
                arguments("ALTER TABLE datapoints DROP COLUMN value, ADD CONSTRAINT b CHECK (event_public_id <> '') NOT VALID",
                        List.of("- no lock Unreviewed")),
                arguments("ALTER TABLE datapoints ADD CONSTRAINT datapoints_uq UNIQUE USING INDEX ix_uq", List.of("datapoints ACCESS EXCLUSIVE")),
                arguments("ALTER TABLE ONLY datapoints ADD CONSTRAINT datapoints_pkey PRIMARY KEY USING INDEX ix_id",
                        List.of("datapoints ACCESS EXCLUSIVE scan")),
                arguments("DROP INDEX CONCURRENTLY IF EXISTS public.ix_value", List.of("index ix_value SHARE UPDATE EXCLUSIVE")),
                arguments("ALTER TABLE datapoints ADD COLUMN quality int", List.of("datapoints ACCESS EXCLUSIVE")),
                arguments("ALTER TABLE datapoints ADD COLUMN quality int DEFAULT 0 NOT NULL", List.of("datapoints ACCESS EXCLUSIVE")),
                arguments("ALTER TABLE datapoints ADD COLUMN received timestamptz DEFAULT now() NOT NULL", List.of("datapoints ACCESS EXCLUSIVE")),
                arguments("ALTER TABLE datapoints ADD COLUMN uid uuid DEFAULT gen_random_uuid() NOT NULL", List.of("datapoints ACCESS EXCLUSIVE rewrite")),
                arguments("ALTER TABLE datapoints ADD COLUMN jitter float8 DEFAULT round(random() * 10)", List.of("datapoints ACCESS EXCLUSIVE rewrite")),
                arguments("ALTER TABLE datapoints ADD COLUMN seq bigserial", List.of("datapoints ACCESS EXCLUSIVE rewrite")),
                arguments("ALTER TABLE datapoints ADD COLUMN n int GENERATED ALWAYS AS IDENTITY", List.of("datapoints ACCESS EXCLUSIVE rewrite")),
                arguments("ALTER TABLE datapoints ADD COLUMN quality int CHECK (quality > 0)", List.of("datapoints ACCESS EXCLUSIVE scan")),
                arguments("ALTER TABLE datapoints ADD COLUMN run int REFERENCES runs (id)",
                        List.of("datapoints ACCESS EXCLUSIVE scan", "runs SHARE ROW EXCLUSIVE")),
                arguments("ALTER TABLE datapoints ALTER COLUMN value TYPE numeric USING value::numeric",
                        List.of("datapoints ACCESS EXCLUSIVE rewrite TypeChange(value)")),
                // Safe by decision: nothing existing loses a row.
                arguments("CREATE TYPE role_kind AS ENUM ('admin', 'viewer')", List.of()),
                arguments("ALTER TYPE role_kind ADD VALUE 'operator'", List.of()),
                arguments("CREATE SEQUENCE ticket_seq START WITH 1", List.of()),
                arguments("CREATE SCHEMA audit", List.of()),
                // The built-in changelog's statements (built-in).
                arguments("ALTER TABLE public.users ADD role VARCHAR(20) DEFAULT 'viewer' NOT NULL", List.of("users ACCESS EXCLUSIVE")),
                arguments("UPDATE public.users SET role = 'admin' WHERE admin = TRUE", List.of("users ROW EXCLUSIVE scan DataMigration")),
                arguments("ALTER TABLE public.users DROP COLUMN admin", List.of("users ACCESS EXCLUSIVE DropColumn(admin)")),
                arguments("ALTER TABLE public.firmware_updates DROP CONSTRAINT fk_firmware_updates_user_public_id",
                        List.of("firmware_updates ACCESS EXCLUSIVE")),
                arguments("ALTER TABLE public.firmware_updates ADD CONSTRAINT fk_firmware_updates_user_public_id FOREIGN KEY (user_public_id)"
                        + " REFERENCES public.users (public_id) ON DELETE SET NULL NOT VALID",
                        List.of("firmware_updates SHARE ROW EXCLUSIVE", "users SHARE ROW EXCLUSIVE")),
                arguments("ALTER TABLE datapoints VALIDATE CONSTRAINT fk_datapoints_event_public_id", List.of("datapoints SHARE UPDATE EXCLUSIVE scan")),
                arguments("ALTER TABLE public.firmware_updates ALTER COLUMN  user_public_id SET NOT NULL",
                        List.of("firmware_updates ACCESS EXCLUSIVE scan NotNullOnExistingColumn(user_public_id)")),
                arguments("ALTER TABLE public.users ADD CONSTRAINT uq_users_oidc UNIQUE (oidc_issuer, oidc_subject)", List.of("users ACCESS EXCLUSIVE scan")),
                arguments("CREATE UNIQUE INDEX ix_api_tokens_token_hash ON public.api_tokens(token_hash)", List.of("api_tokens SHARE scan")),
                arguments("DROP INDEX public.ix_api_tokens_user_id", List.of("index ix_api_tokens_user_id ACCESS EXCLUSIVE")),
                arguments("DROP TABLE public.api_tokens", List.of("api_tokens ACCESS EXCLUSIVE DropTable")),
                arguments("CREATE TABLE public.api_tokens (id SERIAL NOT NULL, user_id INTEGER NOT NULL, CONSTRAINT api_tokens_pkey PRIMARY KEY (id))",
                        List.of()),
                arguments("INSERT INTO public.alembic_version (version_num) VALUES ('003_fk_ondelete')", List.of("alembic_version ROW EXCLUSIVE DataMigration")),
                arguments("UPDATE public.alembic_version SET version_num = '005_oidc_sso' WHERE version_num = '004_rbac_api_tokens'",
                        List.of("alembic_version ROW EXCLUSIVE scan DataMigration")),
                arguments("DELETE FROM public.alembic_version WHERE version_num = '001_plugins'", List.of("alembic_version ROW EXCLUSIVE scan DeleteRows")),
                arguments("DROP TYPE IF EXISTS pluginsource", List.of("- no lock Unreviewed")));
    }

    @ParameterizedTest
    @MethodSource("statements")
    void readsTheLocksAndFindingsOfEachStatement(String sql, List<String> expected) {
        assertThat(StatementReview.of(sql, StatementReview.Schema.UNKNOWN)).map(StatementReviewTest::describe).containsExactlyElementsOf(expected);
    }

    /** users.email is varchar(255) and firmware_updates has a validated CHECK (user_public_id IS NOT NULL). */
    private static final StatementReview.Schema SCHEMA = new StatementReview.Schema() {
        @Override
        public String columnType(String table, String column) {
            return table.equals("users") && column.equals("email") ? "character varying(255)" : null;
        }

        @Override
        public boolean notNullChecked(String table, String column) {
            return table.equals("firmware_updates") && column.equals("user_public_id");
        }
    };

    static Stream<Arguments> statementsOnKnownTables() {
        return Stream.of(
                arguments("ALTER TABLE users ALTER COLUMN email TYPE VARCHAR(500)", List.of("users ACCESS EXCLUSIVE TypeChange(email)")),
                arguments("ALTER TABLE users ALTER COLUMN email TYPE text", List.of("users ACCESS EXCLUSIVE TypeChange(email)")),
                arguments("ALTER TABLE users ALTER COLUMN email TYPE varchar(100)", List.of("users ACCESS EXCLUSIVE rewrite TypeChange(email)")),
                arguments("ALTER TABLE users ALTER COLUMN email TYPE citext", List.of("users ACCESS EXCLUSIVE rewrite TypeChange(email)")),
                arguments("ALTER TABLE users ALTER COLUMN username TYPE text", List.of("users ACCESS EXCLUSIVE rewrite TypeChange(username)")),
                arguments("ALTER TABLE firmware_updates ALTER COLUMN user_public_id SET NOT NULL",
                        List.of("firmware_updates ACCESS EXCLUSIVE NotNullOnExistingColumn(user_public_id)")),
                arguments("ALTER TABLE users ALTER COLUMN email SET NOT NULL", List.of("users ACCESS EXCLUSIVE scan NotNullOnExistingColumn(email)")));
    }

    @ParameterizedTest
    @MethodSource("statementsOnKnownTables")
    void aTypeChangeRewritesUnlessTheOldTypeFitsAndSetNotNullScansUnlessACheckProvesIt(String sql, List<String> expected) {
        assertThat(StatementReview.of(sql, SCHEMA)).map(StatementReviewTest::describe).containsExactlyElementsOf(expected);
    }

    @Test
    void aCheckOfNotNullIsFollowedByNameFromItsAdditionToItsValidation() {
        assertThat(StatementReview.of("ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK ((c IS NOT NULL)) NOT VALID", SCHEMA).get(0).check())
                .isEqualTo(new StatementReview.Check("t_c_nn", "c", false));
        assertThat(StatementReview.of("ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL)", SCHEMA).get(0).check())
                .isEqualTo(new StatementReview.Check("t_c_nn", "c", true));
        assertThat(StatementReview.of("ALTER TABLE t ADD CONSTRAINT positive CHECK (c > 0)", SCHEMA).get(0).check())
                .isEqualTo(new StatementReview.Check("positive", null, true));
        assertThat(StatementReview.of("ALTER TABLE t VALIDATE CONSTRAINT t_c_nn", SCHEMA).get(0).check())
                .isEqualTo(new StatementReview.Check("t_c_nn", null, true));
    }

    @Test
    void anUnreviewedStatementSaysWhyAndCountsWhereverItIs() {
        StatementReview.Effect doBlock = StatementReview.of("DO $$ BEGIN DELETE FROM users; END $$", StatementReview.Schema.UNKNOWN).get(0);
        StatementReview.Effect call = StatementReview.of("SELECT purge(30)", StatementReview.Schema.UNKNOWN).get(0);
        StatementReview.Effect alter = StatementReview.of("ALTER TABLE users OWNER TO someone", StatementReview.Schema.UNKNOWN).get(0);

        assertThat(doBlock.note()).startsWith("the SQL parser cannot read it (").contains("\"DO\"");
        assertThat(call.note()).isEqualTo("it calls purge(), which the review cannot read");
        assertThat(alter.note()).isEqualTo("ALTER TABLE OWNER TO someone is not reviewed");
        assertThat(List.of(doBlock, call, alter)).allMatch(StatementReview.Effect::findingWhateverExists);
    }

    @Test
    void aDropOfWhatThePlannerDoesNotKnowCountsWhereverItIsAndSaysWhatItDrops() {
        StatementReview.Effect schema = StatementReview.of("DROP SCHEMA audit CASCADE", StatementReview.Schema.UNKNOWN).get(0);
        StatementReview.Effect table = StatementReview.of("DROP TABLE t", StatementReview.Schema.UNKNOWN).get(0);

        assertThat(schema.note()).isEqualTo("drops schema audit and, with CASCADE, what depends on it");
        assertThat(schema.findingWhateverExists()).isTrue();
        assertThat(table.findingWhateverExists()).as("a table the plan creates first is nobody's yet").isFalse();
    }

    private static String describe(StatementReview.Effect effect) {
        String target = effect.table() != null ? effect.table() : effect.index() != null ? "index " + effect.index() : "-";
        String lock = effect.lock() == null ? "no lock" : effect.lock().sqlName();
        String finding = effect.finding() == null ? "" : " " + effect.finding().code() + (effect.column() == null ? "" : "(" + effect.column() + ")");
        String work = effect.work() == Plan.Work.NONE ? "" : " " + effect.work().word();
        return target + " " + lock + work + finding;
    }
}
