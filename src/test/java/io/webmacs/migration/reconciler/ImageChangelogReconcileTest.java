package io.webmacs.migration.reconciler;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.webmacs.migration.api.ChangelogMode;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.ImageChangelog;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.Migrations;
import io.webmacs.migration.testsupport.MockCluster;
import io.webmacs.migration.testsupport.ScenarioSteps;
import io.webmacs.migration.testsupport.TestDatabase;
import jakarta.inject.Inject;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A changelog extension in a runner image built FROM the operator's (spec.changelog.path), on the mock API server: the
 * operator learns its revisions from a Job that runs the image's {@code webmacs-migrate revisions}, then migrates by
 * them. The Job executor runs this machine's webmacs-migrate, with the image's folder of the extension backed by the
 * fixture's folder (ContainerInputs); the real image is built and run in {@code HelmInstallOnApiServerIT}.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
// The test profile's webmacs.runner.allowed-images allows Fixtures.EXTENDED_IMAGE.
class ImageChangelogReconcileTest {

    private static final String REVISION = "006_my_new_table";
    private static final String NAME = "webmacs";

    @Inject
    KubernetesClient client;

    @KubernetesTestServer
    KubernetesServer server;

    private ScenarioSteps steps;

    @BeforeEach
    void onTheMockCluster() {
        steps = new ScenarioSteps(new MockCluster(client, server));
    }

    @Test
    void theOperatorListsTheImagesRevisionsWithoutCredentialsThenUpgradesTo006ByThem() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);

        client.resource(inImage(ns, Fixtures.EXTENDED_IMAGE_CHANGELOG)).create();

        DatabaseMigration ready = awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision(REVISION));
        ImageChangelog listed = ready.getStatus().getChangelog();
        assertThat(listed.image()).isEqualTo(Fixtures.EXTENDED_IMAGE);
        assertThat(listed.mode()).isEqualTo(ChangelogMode.Extend);
        assertThat(listed.revisions()).extracting(ImageChangelog.Revision::name).containsExactly("000_baseline", "001_plugins",
                "002_plugin_packages", "003_fk_ondelete", "004_rbac_api_tokens", "005_oidc_sso", REVISION);
        assertThat(ready.getStatus().getTargetRevision()).as("head resolved by the image's revisions").isEqualTo(REVISION);
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly(REVISION);

        Container listing = container(job(ns, Verb.REVISIONS));
        assertThat(listing.getImage()).isEqualTo(Fixtures.EXTENDED_IMAGE);
        assertThat(listing.getArgs()).containsExactly("revisions", "--result-file", "/dev/termination-log", "--changelog-extension",
                Fixtures.EXTENDED_IMAGE_CHANGELOG);
        assertThat(listing.getEnv()).as("listing a changelog needs no database, so no credentials").isEmpty();
        Container upgrade = container(job(ns, Verb.UPGRADE));
        assertThat(upgrade.getImage()).isEqualTo(Fixtures.EXTENDED_IMAGE);
        assertThat(upgrade.getArgs()).containsExactly("upgrade", REVISION, "--result-file", "/dev/termination-log",
                "--changelog-extension", Fixtures.EXTENDED_IMAGE_CHANGELOG);
        assertThat(upgrade.getVolumeMounts()).as("no ConfigMap to mount").noneMatch(m -> m.getMountPath().equals("/changelog"));
    }

    @Test
    void aPathTheImageDoesNotHaveStallsBeforeAnyMigrationAndAFixedPathGoesOn() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);

        client.resource(inImage(ns, "/opt/acme/no-such-changelog.xml")).create();

        awaitMigration(ns, m -> assertThatMigration(m).isStalled(Conditions.INVALID_CHANGELOG)
                .hasMessageContaining("Cannot read the revisions of /opt/acme/no-such-changelog.xml in " + Fixtures.EXTENDED_IMAGE)
                .hasMessageContaining("no-such-changelog.xml"));
        assertThat(Fixtures.jobs(client, ns)).extracting(j -> j.getMetadata().getLabels().get(Labels.VERB)).containsExactly("revisions");
        assertThat(db.rows("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).containsExactly("0");

        client.resources(DatabaseMigration.class).inNamespace(ns).withName(NAME).edit(m -> {
            m.getSpec().getChangelog().setPath(Fixtures.EXTENDED_IMAGE_CHANGELOG);
            return m;
        });

        awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision(REVISION));
        assertThat(Fixtures.jobs(client, ns)).as("the failed listing of the old path went").noneMatch(j -> j.getStatus().getFailed() != null
                && j.getStatus().getFailed() > 0 && Verb.REVISIONS.word().equals(j.getMetadata().getLabels().get(Labels.VERB)));
    }

    private static DatabaseMigration inImage(String ns, String path) {
        return Fixtures.migrationExtendedInImage(ns, NAME, "webmacs-db", Fixtures.EXTENDED_IMAGE, path);
    }

    private Job job(String ns, Verb verb) {
        List<Job> jobs = Fixtures.jobs(client, ns).stream().filter(j -> verb.word().equals(j.getMetadata().getLabels().get(Labels.VERB))).toList();
        assertThat(jobs).as(verb.word() + " Jobs").hasSize(1);
        return jobs.get(0);
    }

    private static Container container(Job job) {
        return job.getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private DatabaseMigration awaitMigration(String ns, Consumer<DatabaseMigration> assertion) {
        return Migrations.awaitMigration(client, ns, NAME, assertion);
    }
}
