package io.webmacs.migration.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.webmacs.migration.api.ChangelogMode;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.ImageChangelog;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.testsupport.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ImageChangelogListingTest {

    private static final String IMAGE = "registry.example/webmacs-migrate-acme:2";
    private static final String PATH = "/opt/acme/changelog.xml";

    @Test
    void withoutAListingTheOperatorAsksTheImageForOneWithNothingElseToRun() {
        ImageChangelogListing listing = ImageChangelogListing.of(inImage(), IMAGE, List.of());

        assertThat(listing.changelog()).isNull();
        RunOutcome outcome = listing.outcome().orElseThrow();
        assertThat(outcome.reason()).isEqualTo(Conditions.READING_CHANGELOG);
        assertThat(outcome.createJob().verb()).isEqualTo(Verb.REVISIONS);
        assertThat(outcome.createJob().target()).isNull();
        assertThat(outcome.createJob().changelogFile()).isEqualTo(PATH);
        assertThat(outcome.createJob().fingerprint()).isEqualTo(ImageChangelogListing.fingerprint(IMAGE, inImage().getSpec().getChangelog()));
    }

    @Test
    void whatTheImageListedIsKeptAndAskedForAgainOnlyForAnotherImage() {
        DatabaseMigration migration = inImage();
        ImageChangelog listed = new ImageChangelog(IMAGE, PATH, ChangelogMode.Extend, List.of(new ImageChangelog.Revision("006_a", 2)));
        migration.setStatus(new DatabaseMigrationStatus());
        migration.getStatus().setChangelog(listed);

        assertThat(ImageChangelogListing.of(migration, IMAGE, List.of())).isEqualTo(new ImageChangelogListing(listed, Optional.empty()));
        ImageChangelogListing next = ImageChangelogListing.of(migration, "registry.example/webmacs-migrate-acme:3", List.of());
        assertThat(next.changelog()).isNull();
        assertThat(next.outcome().orElseThrow().createJob().verb()).isEqualTo(Verb.REVISIONS);
    }

    /** The kubelet keeps 4 KiB of a termination message; a list cut short must not pass for the whole changelog. */
    @Test
    void aListThatLostItsEndInTheTerminationMessageIsRefused() {
        List<MigrationResult.ChangelogRevision> first = IntStream.range(0, 60)
                .mapToObj(i -> new MigrationResult.ChangelogRevision("%03d_a_revision".formatted(i), 3)).toList();
        MigrationResult cut = new MigrationResult("revisions", null, "119_a_revision", List.of(), List.of(), 0, null, null, List.of(), null,
                null, 5, null, first, List.of(), 0, null, null, null);

        ImageChangelogListing listing = ImageChangelogListing.of(inImage(), IMAGE, List.of(listingRun(cut)));

        assertThat(listing.changelog()).isNull();
        RunOutcome outcome = listing.outcome().orElseThrow();
        assertThat(outcome.reason()).isEqualTo(Conditions.INVALID_CHANGELOG);
        assertThat(outcome.message()).contains("listed 60 revisions up to 059_a_revision, but its head is 119_a_revision");
        assertThat(outcome.createJob()).isNull();
    }

    @Test
    void aWholeListBecomesTheChangelog() {
        MigrationResult whole = new MigrationResult("revisions", null, "006_a", List.of(), List.of(), 0, null, null, List.of(), null,
                null, 5, null, List.of(new MigrationResult.ChangelogRevision("005_oidc_sso", 2),
                        new MigrationResult.ChangelogRevision("006_a", 3)), List.of(), 0, null, null, null);

        ImageChangelogListing listing = ImageChangelogListing.of(inImage(), IMAGE, List.of(listingRun(whole)));

        assertThat(listing.outcome()).isEmpty();
        assertThat(listing.changelog()).isEqualTo(new ImageChangelog(IMAGE, PATH, ChangelogMode.Extend,
                List.of(new ImageChangelog.Revision("005_oidc_sso", 2), new ImageChangelog.Revision("006_a", 3))));
    }

    /** A tag that does not exist, or a registry that wants credentials: the status says so while the Job waits. */
    @Test
    void aListingWhosePodCannotPullTheImageSaysSoWhileItWaits() {
        String fingerprint = ImageChangelogListing.fingerprint(IMAGE, inImage().getSpec().getChangelog());
        Job job = new JobBuilder().withNewMetadata().withName("webmacs-" + fingerprint + "-1")
                .withLabels(Map.of(Labels.FINGERPRINT, fingerprint, Labels.ATTEMPT, "1", Labels.VERB, Verb.REVISIONS.word())).endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("migrate").withArgs("revisions",
                        "--changelog-extension", PATH).endContainer().endSpec().endTemplate().endSpec().build();
        Pod pulling = new PodBuilder().withNewStatus().addNewContainerStatus().withName("migrate").withNewState().withNewWaiting()
                .withReason("ImagePullBackOff").withMessage("Back-off pulling image \"" + IMAGE + "\"").endWaiting().endState()
                .endContainerStatus().endStatus().build();

        RunOutcome outcome = ImageChangelogListing.of(inImage(), IMAGE, List.of(ObservedRun.ofJob(job, pulling))).outcome().orElseThrow();

        assertThat(outcome.reason()).isEqualTo(Conditions.READING_CHANGELOG);
        assertThat(outcome.message()).endsWith("; its pod waits: ImagePullBackOff: Back-off pulling image \"" + IMAGE + "\"");
        assertThat(outcome.createJob()).isNull();
    }

    private static ObservedRun listingRun(MigrationResult result) {
        return new ObservedRun(new JobBuilder().withNewMetadata().withName("webmacs-list").endMetadata().build(),
                ImageChangelogListing.fingerprint(IMAGE, inImage().getSpec().getChangelog()), 1, Verb.REVISIONS, null, "revisions",
                RunResult.SUCCEEDED, 0, result, null, null, false, null);
    }

    private static DatabaseMigration inImage() {
        return Fixtures.migrationExtendedInImage("ns", "webmacs", "webmacs-db", IMAGE, PATH);
    }
}
