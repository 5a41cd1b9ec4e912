package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.Pod;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.engine.Changelog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The schema revisions a pod's application works with, as its annotation {@value DatabaseMigration#SCHEMA} says: one or
 * more comparisons with revisions of the migration's changelog, separated by spaces, all of which must hold, e.g.
 * {@code >=003_fk_ondelete <=004_rbac_api_tokens}.
 */
public final class SchemaRange {

    /** The annotation's syntax, for whoever wrote it wrong. */
    public static final String SYNTAX = "one or more of >=REV, >REV, <=REV, <REV, =REV or REV (the same as =REV), separated by"
            + " spaces, all of which must hold; REV is a revision of the migration's changelog, e.g. \">=003_fk_ondelete"
            + " <=004_rbac_api_tokens\"";
    private static final Pattern COMPARISON = Pattern.compile("(>=|<=|>|<|=)?([^<>=,\\s]+)");

    /** An annotation that is not a schema range. */
    public static final class Malformed extends IllegalArgumentException {
        Malformed(String text, String problem) {
            super("The annotation " + DatabaseMigration.SCHEMA + ": \"" + text + "\" is not a schema range: " + problem
                    + ". Write " + SYNTAX + ".");
        }
    }

    private enum Operator {
        AT_LEAST(">="), ABOVE(">"), AT_MOST("<="), BELOW("<"), EQUAL("=");

        private final String symbol;

        Operator(String symbol) {
            this.symbol = symbol;
        }

        static Operator of(String symbol) {
            for (Operator operator : values()) {
                if (operator.symbol.equals(symbol)) {
                    return operator;
                }
            }
            return EQUAL;
        }
    }

    private record Comparison(Operator operator, String revision) {
        @Override
        public String toString() {
            return operator.symbol + revision;
        }
    }

    private final List<Comparison> comparisons;

    private SchemaRange(List<Comparison> comparisons) {
        this.comparisons = List.copyOf(comparisons);
    }

    /** The range {@code pod}'s annotation declares; empty when it has none. */
    public static Optional<SchemaRange> declaredBy(Pod pod) {
        return Optional.ofNullable(pod.getMetadata().getAnnotations()).map(a -> a.get(DatabaseMigration.SCHEMA)).map(SchemaRange::parse);
    }

    /** Reads an annotation's value; {@link Malformed} when it is not in the syntax. */
    public static SchemaRange parse(String text) {
        if (text.isBlank()) {
            throw new Malformed(text, "it is empty");
        }
        List<Comparison> comparisons = new ArrayList<>();
        for (String word : text.trim().split("\\s+")) {
            Matcher matcher = COMPARISON.matcher(word);
            if (!matcher.matches()) {
                throw new Malformed(text, "\"" + word + "\" is not a comparison");
            }
            if (Changelog.HEAD.equals(matcher.group(2))) {
                throw new Malformed(text, "head moves with the operator's changelog; name the revision itself");
            }
            comparisons.add(new Comparison(Operator.of(matcher.group(1)), matcher.group(2)));
        }
        return new SchemaRange(comparisons);
    }

    /** The revisions this range names that {@code revisions} (a changelog's, oldest first) does not have. */
    public List<String> unknownRevisions(List<String> revisions) {
        return comparisons.stream().map(Comparison::revision).filter(r -> ServedRevisions.position(revisions, r) < 0).distinct().toList();
    }

    /** Whether some revision {@code served} serves satisfies every comparison; never when one names an unknown revision. */
    public boolean admits(ServedRevisions served) {
        if (!unknownRevisions(served.revisions()).isEmpty()) {
            return false;
        }
        int lowest = 0;
        int highest = served.revisions().size();
        for (Comparison comparison : comparisons) {
            int position = ServedRevisions.position(served.revisions(), comparison.revision());
            switch (comparison.operator()) {
                case AT_LEAST -> lowest = Math.max(lowest, position);
                case ABOVE -> lowest = Math.max(lowest, position + 1);
                case AT_MOST -> highest = Math.min(highest, position);
                case BELOW -> highest = Math.min(highest, position - 1);
                case EQUAL -> {
                    lowest = Math.max(lowest, position);
                    highest = Math.min(highest, position);
                }
            }
        }
        return served.overlaps(lowest, highest);
    }

    /** What the pod needs, in the annotation's syntax: e.g. {@code <=003_fk_ondelete}. */
    @Override
    public String toString() {
        return comparisons.stream().map(Comparison::toString).collect(Collectors.joining(" "));
    }
}
