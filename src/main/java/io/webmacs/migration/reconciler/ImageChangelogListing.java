package io.webmacs.migration.reconciler;

import io.webmacs.migration.api.ChangelogSpec;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.ImageChangelog;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.run.Fingerprint;
import io.webmacs.migration.run.JobRequest;
import java.util.List;
import java.util.Optional;

/**
 * A changelog in the runner image (spec.changelog.path) is one the operator cannot read itself: a Job runs the image's
 * {@code webmacs-migrate revisions}, once per image, path and mode, and status.changelog keeps what it listed. Until
 * then nothing migrates: head, a downgrade and the pods' schema skew are all judged by these revisions.
 *
 * @param changelog the revisions the image listed for the spec's changelog; null until they are known, or without one
 * @param outcome what the resource waits for meanwhile, or why it cannot go on; empty once the revisions are known
 */
record ImageChangelogListing(ImageChangelog changelog, Optional<RunOutcome> outcome) {

    private static final ImageChangelogListing NONE = new ImageChangelogListing(null, Optional.empty());

    /** The listing for {@code resource}, whose runner image is {@code image}, given its Jobs that list revisions. */
    static ImageChangelogListing of(DatabaseMigration resource, String image, List<ObservedRun> listings) {
        ChangelogSpec spec = resource.getSpec().getChangelog();
        if (spec == null || !spec.inImage()) {
            return NONE;
        }
        ImageChangelog recorded = StatusDraft.previous(resource).getChangelog();
        if (recorded != null && recorded.isOf(image, spec)) {
            return new ImageChangelogListing(recorded, Optional.empty());
        }
        String fingerprint = fingerprint(image, spec);
        String what = "the revisions of " + spec.getPath() + " in " + image;
        Optional<ObservedRun> listing = listings.stream().filter(r -> fingerprint.equals(r.fingerprint())).findFirst();
        if (listing.isEmpty()) {
            return reading(resource, "Reading " + what, new JobRequest(fingerprint, 1, Verb.REVISIONS, null, spec.getPath()));
        }
        ObservedRun run = listing.get();
        String job = " (Job " + run.name() + ")";
        return switch (run.state()) {
            case RUNNING -> run.waitingProblem() != null
                    ? refused(resource, "Cannot read " + what + job + ": " + run.waitingProblem())
                    : reading(resource, "Reading " + what + job + run.waitingNote(), null);
            case FAILED -> refused(resource, "Cannot read " + what + job + ": " + failure(run));
            case SUCCEEDED -> run.result() == null && run.resultPending() ? reading(resource, "Reading " + what + job, null)
                    : listed(resource, image, spec, run.result(), what + job);
        };
    }

    /**
     * Failed listing Jobs of another image, path or mode than the spec's: the one of the spec's stays for its logs while
     * the resource is stalled on it; succeeded ones expire like any Job.
     */
    static List<ObservedRun> obsolete(DatabaseMigration resource, String image, List<ObservedRun> listings) {
        ChangelogSpec spec = resource.getSpec().getChangelog();
        String current = spec != null && spec.inImage() ? fingerprint(image, spec) : null;
        return listings.stream().filter(r -> r.state() == RunResult.FAILED && !r.fingerprint().equals(current)).toList();
    }

    /** Which Job lists the revisions of this image, path and mode. */
    static String fingerprint(String image, ChangelogSpec spec) {
        return Fingerprint.of(String.join("\n", Verb.REVISIONS.word(), image, spec.getPath(), spec.getMode().name()));
    }

    /**
     * The revisions {@code result} lists. A termination message holds 4 KiB, and a longer list loses its end: then its
     * last revision is not the head the result names, and the list is refused rather than taken for the whole changelog.
     */
    private static ImageChangelogListing listed(DatabaseMigration resource, String image, ChangelogSpec spec, MigrationResult result,
            String what) {
        List<MigrationResult.ChangelogRevision> revisions = result == null || result.revisions() == null ? List.of() : result.revisions();
        if (revisions.isEmpty()) {
            return refused(resource, "Cannot read " + what + ": it listed no revision");
        }
        String last = revisions.get(revisions.size() - 1).name();
        if (!last.equals(result.head())) {
            return refused(resource, "Cannot read " + what + ": it listed " + revisions.size() + " revisions up to " + last
                    + ", but its head is " + result.head() + "; the whole list is more than a termination message holds (4 KiB)");
        }
        return new ImageChangelogListing(new ImageChangelog(image, spec.getPath(), spec.getMode(),
                revisions.stream().map(r -> new ImageChangelog.Revision(r.name(), r.changeSets())).toList()), Optional.empty());
    }

    private static String failure(ObservedRun run) {
        return run.result() != null && run.result().error() != null ? run.result().error().message()
                : "webmacs-migrate exited with " + (run.exitCode() == null ? "no result" : "code " + run.exitCode());
    }

    private static ImageChangelogListing reading(DatabaseMigration resource, String message, JobRequest request) {
        return new ImageChangelogListing(null, Optional.of(RunOutcome.reconciling(seen(resource), Conditions.READING_CHANGELOG, message,
                request, null)));
    }

    private static ImageChangelogListing refused(DatabaseMigration resource, String message) {
        return new ImageChangelogListing(null, Optional.of(RunOutcome.stalled(seen(resource), Conditions.INVALID_CHANGELOG, message)));
    }

    private static RunOutcome.Seen seen(DatabaseMigration resource) {
        return RunOutcome.Seen.in(StatusDraft.previous(resource));
    }
}
