package io.webmacs.migration.engine;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether PostgreSQL rewrites a table for {@code ALTER COLUMN ... TYPE}. It does not when the new type is binary
 * coercible from the old and accepts every old value: a longer or unbounded {@code varchar}, {@code text} from
 * {@code varchar}, a {@code numeric} of more precision and the same scale, or the same type. Everything else is taken to
 * rewrite (timestamp to timestamptz does unless the session's time zone is UTC), and so is anything unknown.
 */
final class ColumnTypes {

    /** A type name with its modifiers, as written or as {@code format_type} prints it: {@code character varying(100)}. */
    private static final Pattern TYPE = Pattern.compile("([a-z][a-z0-9_ ]*?)\\s*(?:\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\))?");
    private static final Map<String, String> ALIASES = Map.of("varchar", "character varying", "decimal", "numeric",
            "int", "integer", "int4", "integer", "int8", "bigint", "int2", "smallint", "bool", "boolean",
            "float8", "double precision", "timestamptz", "timestamp with time zone");

    private ColumnTypes() {
    }

    /** Whether changing a column of {@code from} (null: unknown) to {@code to} rewrites the table. */
    static boolean rewrites(String from, String to) {
        Type before = Type.of(from);
        Type after = Type.of(to);
        if (before == null || after == null) {
            return true;
        }
        if (before.equals(after)) {
            return false;
        }
        boolean fromText = before.name.equals("character varying") || before.name.equals("text");
        boolean sameName = before.name.equals(after.name);
        boolean longer = sameName && before.length != null && after.length != null && after.length >= before.length
                && after.scale.equals(before.scale);
        return switch (after.name) {
            case "text" -> !fromText;
            case "character varying" -> !(after.length == null && fromText || longer);
            case "numeric" -> !(after.length == null && sameName || longer);
            default -> true;
        };
    }

    /** A type's name (aliases resolved) and its length or precision and scale; scale 0 when not given. */
    private record Type(String name, Integer length, Integer scale) {

        static Type of(String text) {
            if (text == null) {
                return null;
            }
            Matcher type = TYPE.matcher(text.trim().toLowerCase(Locale.ROOT));
            if (!type.matches()) {
                return null;
            }
            String name = ALIASES.getOrDefault(type.group(1).trim(), type.group(1).trim());
            Integer length = type.group(2) == null ? null : Integer.valueOf(type.group(2));
            return new Type(name, length, type.group(3) == null ? Integer.valueOf(0) : Integer.valueOf(type.group(3)));
        }
    }
}
