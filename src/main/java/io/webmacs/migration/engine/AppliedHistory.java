package io.webmacs.migration.engine;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.RanChangeSet;

/** What Liquibase's history says has run, read against a changelog's revisions. */
public final class AppliedHistory {

    private final Changelog changelog;
    private final List<RanChangeSet> ran;

    public AppliedHistory(Changelog changelog, List<RanChangeSet> ran) {
        this.changelog = changelog;
        this.ran = List.copyOf(ran);
    }

    public boolean isEmpty() {
        return ran.isEmpty();
    }

    /** The changesets of revisions above {@code position} that have run: what going down to it undoes. */
    public List<ChangeSet> ranAbove(int position) {
        return changelog.changeSetsBetween(position, changelog.revisions().size()).stream().filter(this::hasRun).toList();
    }

    public boolean hasRun(ChangeSet changeSet) {
        return ran.stream().anyMatch(r -> r.isSameAs(changeSet));
    }

    /** Applied revisions, oldest first, with when their tag was recorded. */
    public Map<String, Instant> appliedRevisions() {
        Map<String, Instant> applied = new LinkedHashMap<>();
        for (String revision : changelog.revisions()) {
            List<ChangeSet> changeSets = changelog.changeSets(revision);
            ChangeSet tag = changeSets.get(changeSets.size() - 1);
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

    /** Changesets up to and including {@code revision} that have not run. */
    public List<ChangeSet> pendingUpTo(String revision) {
        return changelog.changeSetsBetween(0, changelog.position(revision)).stream().filter(c -> !hasRun(c)).toList();
    }

    /** Revisions applied in {@code after} but not in this history. */
    public List<String> newlyAppliedIn(AppliedHistory after) {
        Map<String, Instant> before = appliedRevisions();
        return after.appliedRevisions().keySet().stream().filter(r -> !before.containsKey(r)).toList();
    }
}
