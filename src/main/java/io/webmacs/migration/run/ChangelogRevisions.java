package io.webmacs.migration.run;

import io.webmacs.migration.api.ImageChangelog;
import io.webmacs.migration.engine.Changelog;
import java.util.List;

/**
 * What the operator needs of a changelog: its revisions, oldest first, and how many changesets each has. From a changelog
 * it parsed itself (built-in, or a ConfigMap's), or from the list a runner image gave of its own.
 */
public record ChangelogRevisions(List<ImageChangelog.Revision> list) {

    public static ChangelogRevisions of(Changelog changelog) {
        return new ChangelogRevisions(changelog.revisions().stream()
                .map(r -> new ImageChangelog.Revision(r, changelog.changeSets(r).size())).toList());
    }

    /** Revision names in order, oldest first. */
    public List<String> revisions() {
        return list.stream().map(ImageChangelog.Revision::name).toList();
    }

    /** Position of a revision: 0 for base, 1 for the first one, ...; as {@link Changelog#position}. */
    public int position(String revision) {
        return Changelog.BASE.equals(revision) ? 0 : revisions().indexOf(revision) + 1;
    }

    /** Resolves {@code head}, {@code base} or a revision; anything else is an unknown revision, as {@link Changelog#resolve}. */
    public String resolve(String name) {
        List<String> revisions = revisions();
        if (Changelog.HEAD.equals(name)) {
            return revisions.get(revisions.size() - 1);
        }
        if (Changelog.BASE.equals(name) || revisions.contains(name)) {
            return name;
        }
        throw Changelog.unknownRevision(name, revisions);
    }

    /** How many changesets the revisions above position {@code from} up to and including position {@code to} have. */
    public int changeSetsBetween(int from, int to) {
        return list.subList(Math.max(from, 0), Math.max(to, from)).stream().mapToInt(ImageChangelog.Revision::changeSets).sum();
    }
}
