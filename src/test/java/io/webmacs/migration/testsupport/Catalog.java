package io.webmacs.migration.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The normalized catalog of a database's public schema, one fact per line: the queries of WebMACS's
 * reference {@code catalog.sql}, so a database can be compared with {@code webmacs/reference/*.catalog}; and its
 * functions and triggers, of which WebMACS has none (SCHEMA.md 1), so that only a migration's own show (004's expand).
 */
public final class Catalog {

    /** Liquibase's bookkeeping, and the migration lease taken behind a connection pooler. */
    private static final String SKIP = "('databasechangelog', 'databasechangeloglock', 'webmacs_migrate_lease')";

    private static final List<String> QUERIES = List.of("""
            SELECT 'enum', t.typname, string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
            FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = 'public' GROUP BY t.typname ORDER BY 2""", """
            SELECT 'column', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END,
                   coalesce(pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT IN %s
            ORDER BY 2, 3""".formatted(SKIP), """
            SELECT 'constraint', c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relname NOT IN %s
            ORDER BY 2, 4, 3""".formatted(SKIP), """
            SELECT 'index', t.relname, i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public' AND t.relname NOT IN %s
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x'))
            ORDER BY 2, 3""".formatted(SKIP), """
            SELECT 'sequence', s.relname, coalesce(t.relname, ''), coalesce(a.attname, '')
            FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
            LEFT JOIN pg_depend d ON d.objid = s.oid AND d.deptype = 'a'
            LEFT JOIN pg_class t ON t.oid = d.refobjid
            LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
            WHERE n.nspname = 'public' AND s.relkind = 'S' AND coalesce(t.relname, '') NOT IN %s
            ORDER BY 2""".formatted(SKIP), """
            SELECT 'function', p.proname, pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid)
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' ORDER BY 2, 3""", """
            SELECT 'trigger', c.relname, t.tgname, pg_get_triggerdef(t.oid)
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND NOT t.tgisinternal ORDER BY 2, 3""");

    private Catalog() {
    }

    /** The catalog of a live database, in the order catalog.sql prints it. */
    public static List<String> of(TestDatabase db) {
        List<String> facts = new ArrayList<>();
        QUERIES.forEach(q -> facts.addAll(db.rows(q)));
        return facts;
    }

    /** A reference catalog shipped in the test resources, e.g. {@code "005"} or {@code "down-to-003"}. */
    public static List<String> reference(String name) {
        String resource = "/webmacs/reference/" + name + ".catalog";
        try (InputStream in = Catalog.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no reference catalog " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
