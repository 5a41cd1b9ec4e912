package io.webmacs.migration.gate;

import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.engine.Changelog;
import java.util.List;
import java.util.Optional;

/**
 * The schema revisions a database serves, an interval of its changelog's revisions: the revision it is at and, while
 * contract changesets are pending (status.contractPending), down to the revision before the earliest of them, as expand
 * keeps the previous application working.
 */
public final class ServedRevisions {

    private final List<String> revisions;
    private final int from;
    private final int to;

    private ServedRevisions(List<String> revisions, int from, int to) {
        this.revisions = List.copyOf(revisions);
        this.from = from;
        this.to = to;
    }

    /**
     * What the database of {@code status} serves, with {@code revisions} the changelog's revisions, oldest first; empty
     * while its revision is not known, or when it is one {@code revisions} does not have. A pending contract of a
     * revision the changelog does not have is left out: the interval only gets narrower, which holds more pods, not fewer.
     */
    public static Optional<ServedRevisions> of(DatabaseMigrationStatus status, List<String> revisions) {
        int to = status == null || status.getRevision() == null ? -1 : position(revisions, status.getRevision());
        if (to < 0) {
            return Optional.empty();
        }
        int earliestPending = status.getContractPending() == null ? to + 1
                : status.getContractPending().stream().mapToInt(r -> position(revisions, r)).filter(p -> p > 0 && p <= to).min().orElse(to + 1);
        return Optional.of(new ServedRevisions(revisions, earliestPending - 1, to));
    }

    /** Only {@code revision}: what the database serves once its contract ran (the {@code base} or a tag of {@code revisions}). */
    public static ServedRevisions at(String revision, List<String> revisions) {
        int position = position(revisions, revision);
        if (position < 0) {
            throw new IllegalArgumentException("Revision " + revision + " is not one of base, " + String.join(", ", revisions));
        }
        return new ServedRevisions(revisions, position, position);
    }

    /** These and every later revision: what a pod may find after a migrate init container, which only upgrades, ran. */
    public ServedRevisions andLater() {
        return new ServedRevisions(revisions, from, revisions.size());
    }

    /** The changelog's revisions, oldest first, without {@code base}. */
    public List<String> revisions() {
        return revisions;
    }

    /** Whether some revision at {@code lowest} or later and at {@code highest} or earlier (positions) is served. */
    boolean overlaps(int lowest, int highest) {
        return Math.max(lowest, from) <= Math.min(highest, to);
    }

    /** The position of {@code revision} in {@code revisions}: 0 for {@code base}, 1 for the first; -1 when it is none of them. */
    static int position(List<String> revisions, String revision) {
        if (Changelog.BASE.equals(revision)) {
            return 0;
        }
        int index = revisions.indexOf(revision);
        return index < 0 ? -1 : index + 1;
    }

    /** E.g. {@code 005_oidc_sso}, or {@code 003_fk_ondelete to 005_oidc_sso}. */
    @Override
    public String toString() {
        return from == to ? name(to) : name(from) + " to " + name(to);
    }

    private String name(int position) {
        return position == 0 ? Changelog.BASE : revisions.get(position - 1);
    }
}
