package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The PostgreSQL enum types a new revision adds, read from the catalog: Liquibase's diff does not compare enum types.
 * Only added types are written; a changed or dropped one is refused, as its values cannot simply be taken back.
 *
 * @param creates a {@code CREATE TYPE} for each added type, to run before the tables that use it
 * @param drops a {@code DROP TYPE} for each, to run after the rollback has dropped those tables
 */
record EnumTypes(List<String> creates, List<String> drops) {

    private static final String LABELS = """
            SELECT t.typname, array_agg(quote_literal(e.enumlabel) ORDER BY e.enumsortorder)::text[]
            FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = ? GROUP BY t.typname""";

    /**
     * The enum types of schema {@code desired} that schema {@code head} lacks.
     *
     * @throws MigrationException Usage when a type of {@code head} is changed or missing in {@code desired}
     */
    static EnumTypes added(Connection connection, String head, String desired) throws SQLException {
        Map<String, List<String>> have = labels(connection, head);
        Map<String, List<String>> want = labels(connection, desired);
        for (Map.Entry<String, List<String>> type : have.entrySet()) {
            if (!Objects.equals(type.getValue(), want.get(type.getKey()))) {
                throw new MigrationException(Failure.USAGE, "The enum type " + type.getKey() + " is " + (want.containsKey(type.getKey())
                        ? "(" + String.join(", ", want.get(type.getKey())) + ") in the dev database and ("
                        + String.join(", ", type.getValue()) + ") at the changelog's head" : "not in the dev database")
                        + "; --autogenerate writes new enum types only: write this revision by hand, or import it from Alembic"
                        + " with --from-alembic.");
            }
        }
        List<String> creates = new ArrayList<>();
        List<String> drops = new ArrayList<>();
        want.forEach((name, values) -> {
            if (!have.containsKey(name)) {
                creates.add("CREATE TYPE " + name + " AS ENUM (" + String.join(", ", values) + ")");
                drops.add("DROP TYPE " + name);
            }
        });
        return new EnumTypes(List.copyOf(creates), List.copyOf(drops));
    }

    private static Map<String, List<String>> labels(Connection connection, String schema) throws SQLException {
        Map<String, List<String>> types = new TreeMap<>();
        try (PreparedStatement query = connection.prepareStatement(LABELS)) {
            query.setString(1, schema);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), List.of((String[]) rs.getArray(2).getArray()));
                }
            }
        }
        return types;
    }
}
