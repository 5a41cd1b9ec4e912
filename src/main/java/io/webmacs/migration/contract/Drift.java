package io.webmacs.migration.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;

/**
 * How the live schema differs from the schema the changelog defines at the database's revision, as {@code check}
 * reports it.
 *
 * @param revision the revision the database is at, whose schema it was compared with
 * @param route {@code route-b} when the database has the shape of WebMACS's create_all, whose known differences from
 *     the changelog's shape are not drift; otherwise null
 * @param differences what differs, sorted by object and name
 * @param known the known route B differences that were left out
 * @param omitted differences left out of a compact result (a termination message holds 4 KiB)
 */
@JsonPropertyOrder({"revision", "route", "differences", "known", "omitted"})
public record Drift(
        String revision,
        @JsonInclude(JsonInclude.Include.NON_NULL) String route,
        List<Difference> differences,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) int known,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) int omitted) {

    private static final int COMPACT_DIFFERENCES = 10;
    private static final int COMPACT_VALUE = 120;

    /**
     * One difference. {@code object} is {@code table}, {@code column}, {@code index}, {@code constraint}, {@code enum} or
     * {@code sequence}; {@code name} is qualified by its table where it has one ({@code users.email}).
     * {@code expected} is null for an unexpected object, {@code actual} for a missing one.
     */
    public record Difference(Change change, String object, String name, String expected, String actual) {

        /** One line, for status messages and text output. */
        public String describe() {
            return switch (change) {
                case MISSING -> "missing " + object + " " + name;
                case UNEXPECTED -> "unexpected " + object + " " + name;
                case CHANGED -> object + " " + name + " is " + actual + ", expected " + expected;
            };
        }
    }

    /** How an object differs. */
    public enum Change {
        MISSING("Missing"), UNEXPECTED("Unexpected"), CHANGED("Changed");

        private final String code;

        Change(String code) {
            this.code = code;
        }

        @JsonValue
        public String code() {
            return code;
        }

        @JsonCreator
        public static Change ofCode(String code) {
            return Arrays.stream(values()).filter(c -> c.code.equals(code)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown change " + code));
        }
    }

    /** How many differences there are, with those a compact result left out. */
    public int count() {
        return differences.size() + omitted;
    }

    /** The first few differences, values shortened, so a result still fits a termination message. */
    public Drift compact() {
        List<Difference> kept = differences.stream().limit(COMPACT_DIFFERENCES)
                .map(d -> new Difference(d.change(), d.object(), d.name(), ErrorMessages.abbreviate(d.expected(), COMPACT_VALUE), ErrorMessages.abbreviate(d.actual(), COMPACT_VALUE))).toList();
        return new Drift(revision, route, kept, known, omitted + differences.size() - kept.size());
    }
}
