package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Drift.Change;
import io.webmacs.migration.contract.Drift.Difference;
import io.webmacs.migration.engine.SchemaCatalog.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * How a database built by WebMACS's own {@code create_all} (route B) differs from the built-in changelog's schema at
 * {@value #REVISION}: the complete list of WebMACS's SCHEMA.md, section 5. {@code check} leaves these out for such a
 * database, as they are its shape and not drift; anything else is reported.
 */
final class CreateAllShape {

    /** The revision the list describes: create_all of WebMACS's models at its head. */
    static final String REVISION = "005_oidc_sso";
    /** create_all leaves PostgreSQL's default foreign key names, which 003 renames; this one marks such a database. */
    static final String MARK_TABLE = "events";
    static final String MARK_FOREIGN_KEY = "events_user_public_id_fkey";

    /** One known difference: the differences it shows as, all of which must be there for it to be this one. */
    private record Known(List<Difference> differences) {
    }

    /** A foreign key create_all names {@code <table>_<column>_fkey} and 003 names {@code fk_<table>_<column>}. */
    private record RenamedForeignKey(String table, String column, String references, String onDelete) {

        Known asKnown() {
            String definition = "FOREIGN KEY (" + column + ") REFERENCES " + references + " ON DELETE " + onDelete;
            String constraint = Kind.CONSTRAINT.word();
            return new Known(List.of(
                    new Difference(Change.MISSING, constraint, table + ".fk_" + table + "_" + column, definition, null),
                    new Difference(Change.UNEXPECTED, constraint, table + "." + table + "_" + column + "_fkey", null, definition)));
        }
    }

    private static final List<RenamedForeignKey> RENAMED_FOREIGN_KEYS = List.of(
            new RenamedForeignKey("channel_mappings", "event_public_id", "events(public_id)", "SET NULL"),
            new RenamedForeignKey("channel_mappings", "plugin_instance_id", "plugin_instances(id)", "CASCADE"),
            new RenamedForeignKey("dashboard_widgets", "dashboard_id", "dashboards(id)", "CASCADE"),
            new RenamedForeignKey("dashboard_widgets", "event_public_id", "events(public_id)", "SET NULL"),
            new RenamedForeignKey("dashboards", "user_public_id", "users(public_id)", "CASCADE"),
            new RenamedForeignKey("datapoints", "event_public_id", "events(public_id)", "CASCADE"),
            new RenamedForeignKey("datapoints", "experiment_public_id", "experiments(public_id)", "SET NULL"),
            new RenamedForeignKey("events", "user_public_id", "users(public_id)", "CASCADE"),
            new RenamedForeignKey("experiments", "user_public_id", "users(public_id)", "CASCADE"),
            new RenamedForeignKey("firmware_updates", "user_public_id", "users(public_id)", "SET NULL"),
            new RenamedForeignKey("log_entries", "user_public_id", "users(public_id)", "CASCADE"),
            new RenamedForeignKey("plugin_instances", "user_public_id", "users(public_id)", "CASCADE"),
            new RenamedForeignKey("plugin_packages", "user_public_id", "users(public_id)", "SET NULL"),
            new RenamedForeignKey("rules", "event_public_id", "events(public_id)", "CASCADE"),
            new RenamedForeignKey("rules", "user_public_id", "users(public_id)", "CASCADE"),
            new RenamedForeignKey("webhook_deliveries", "webhook_id", "webhooks(id)", "CASCADE"),
            new RenamedForeignKey("webhooks", "user_public_id", "users(public_id)", "CASCADE"));

    private static final List<Known> OTHERS = List.of(
            column("users.role", "character varying(20) NOT NULL DEFAULT 'viewer'::character varying",
                    "character varying(8) NOT NULL"),
            column("api_tokens.created_at", "timestamp with time zone NULL DEFAULT now()",
                    "timestamp with time zone NOT NULL DEFAULT now()"),
            column("plugin_instances.demo_mode", "boolean NOT NULL DEFAULT false", "boolean NOT NULL"),
            column("plugin_instances.enabled", "boolean NOT NULL DEFAULT true", "boolean NOT NULL"),
            column("plugin_instances.status", "pluginstatus NOT NULL DEFAULT 'inactive'::pluginstatus", "pluginstatus NOT NULL"),
            column("plugin_packages.plugin_ids", "text NOT NULL DEFAULT '[]'::text", "text NOT NULL"),
            one(new Difference(Change.UNEXPECTED, Kind.INDEX.word(), "blacklist_tokens.ix_blacklist_tokens_blacklisted_on",
                    null, "CREATE INDEX ix_blacklist_tokens_blacklisted_on ON blacklist_tokens USING btree (blacklisted_on)")),
            one(new Difference(Change.MISSING, Kind.INDEX.word(), "users.ix_users_sso_lookup",
                    "CREATE INDEX ix_users_sso_lookup ON users USING btree (sso_provider, sso_subject_id)", null)),
            // Until someone runs alembic stamp head, or upgrade adopts the database.
            one(new Difference(Change.MISSING, Kind.TABLE.word(), "alembic_version", "version_num", null)));

    private static final List<Known> KNOWN = Stream.concat(RENAMED_FOREIGN_KEYS.stream().map(RenamedForeignKey::asKnown),
            OTHERS.stream()).toList();

    /** The differences that remain once the known ones are left out, and how many known ones were. */
    record Filtered(List<Difference> differences, int known) {
    }

    private CreateAllShape() {
    }

    /** Whether {@code actual}, the built-in changelog's database (extended or not) at {@code revision}, has create_all's shape. */
    static boolean applies(Changelog changelog, String revision, SchemaCatalog actual) {
        return changelog.startsWithBuiltIn() && REVISION.equals(revision)
                && actual.facts().containsKey(new SchemaCatalog.Fact(Kind.CONSTRAINT, MARK_TABLE, MARK_FOREIGN_KEY));
    }

    /** {@code differences} without the known ones that are there whole. */
    static Filtered leaveOutKnown(List<Difference> differences) {
        List<Difference> remaining = new ArrayList<>(differences);
        int known = 0;
        for (Known k : KNOWN) {
            if (remaining.containsAll(k.differences())) {
                remaining.removeAll(k.differences());
                known++;
            }
        }
        return new Filtered(List.copyOf(remaining), known);
    }

    private static Known column(String name, String changelogs, String createAlls) {
        return one(new Difference(Change.CHANGED, Kind.COLUMN.word(), name, changelogs, createAlls));
    }

    private static Known one(Difference difference) {
        return new Known(List.of(difference));
    }
}
