package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Phase;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.RanChangeSet;

/**
 * What Liquibase's history says has run, read against a changelog's revisions. A changeset is done when the history
 * records it, or when it is {@code settled}: not recorded yet, but its precondition would mark it ran, in a revision an
 * earlier form of the changelog applied (see {@link SettledChangeSets}).
 */
public final class AppliedHistory {

    private final Changelog changelog;
    private final List<RanChangeSet> ran;
    private final Set<ChangeSet> settled;

    public AppliedHistory(Changelog changelog, List<RanChangeSet> ran) {
        this(changelog, ran, Set.of());
    }

    AppliedHistory(Changelog changelog, List<RanChangeSet> ran, Set<ChangeSet> settled) {
        this.changelog = changelog;
        this.ran = List.copyOf(ran);
        this.settled = Set.copyOf(settled);
    }

    public boolean isEmpty() {
        return ran.isEmpty();
    }

    /** The changesets of revisions above {@code position} that have run: what going down to it undoes. */
    public List<ChangeSet> ranAbove(int position) {
        return changelog.changeSetsBetween(position, changelog.revisions().size()).stream().filter(this::hasRun).toList();
    }

    /** Whether the history records {@code changeSet} (run, or marked ran). */
    public boolean hasRun(ChangeSet changeSet) {
        return ran.stream().anyMatch(r -> r.isSameAs(changeSet));
    }

    /**
     * Whether {@code revision} was applied by an earlier form of the changelog: a changeset of it is recorded with a
     * checksum it accepts only as an earlier one ({@code validCheckSum}).
     */
    boolean appliedInEarlierForm(String revision) {
        return changelog.changeSets(revision).stream().anyMatch(c -> ran.stream()
                .anyMatch(r -> r.isSameAs(c) && r.getLastCheckSum() != null && c.getValidCheckSums().contains(r.getLastCheckSum())));
    }

    private boolean isDone(ChangeSet changeSet) {
        return settled.contains(changeSet) || hasRun(changeSet);
    }

    /** Applied revisions, oldest first, with when their tag was recorded. */
    public Map<String, Instant> appliedRevisions() {
        Map<String, Instant> applied = new LinkedHashMap<>();
        for (String revision : changelog.revisions()) {
            ChangeSet tag = changelog.tagChangeSet(revision);
            ran.stream().filter(r -> r.isSameAs(tag)).findFirst()
                    .ifPresent(r -> applied.put(revision, r.getDateExecuted().toInstant()));
        }
        return applied;
    }

    /** The newest applied revision, or base. */
    public String current() {
        String current = Changelog.BASE;
        for (String revision : appliedRevisions().keySet()) {
            current = revision;
        }
        return current;
    }

    /** Changesets up to and including {@code revision} that are not done. */
    public List<ChangeSet> pendingUpTo(String revision) {
        return pendingUpTo(revision, Phase.ALL);
    }

    /** Changesets of {@code phase} up to and including {@code revision} that are not done. */
    public List<ChangeSet> pendingUpTo(String revision, Phase phase) {
        return upTo(revision, phase).stream().filter(c -> !isDone(c)).toList();
    }

    /** Changesets of {@code phase} up to and including {@code revision} that the history does not record, settled or not. */
    List<ChangeSet> unrecordedUpTo(String revision, Phase phase) {
        return upTo(revision, phase).stream().filter(c -> !hasRun(c)).toList();
    }

    private List<ChangeSet> upTo(String revision, Phase phase) {
        return changelog.changeSetsBetween(0, changelog.position(revision)).stream()
                .filter(c -> phase.runs(Changelog.phaseOf(c))).toList();
    }

    /** Applied revisions whose contract changesets are not all done, oldest first. */
    public List<String> contractPending() {
        return appliedRevisions().keySet().stream()
                .filter(r -> changelog.changeSets(r).stream().anyMatch(c -> Changelog.phaseOf(c) == Phase.CONTRACT && !isDone(c)))
                .toList();
    }

    /** Revisions applied in {@code after} but not in this history. */
    public List<String> newlyAppliedIn(AppliedHistory after) {
        Map<String, Instant> before = appliedRevisions();
        return after.appliedRevisions().keySet().stream().filter(r -> !before.containsKey(r)).toList();
    }

    /** Revisions whose contract was pending in this history and is done in {@code after}. */
    public List<String> newlyContractedIn(AppliedHistory after) {
        List<String> still = after.contractPending();
        return contractPending().stream().filter(r -> !still.contains(r)).toList();
    }
}
