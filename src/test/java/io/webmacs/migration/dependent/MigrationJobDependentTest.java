package io.webmacs.migration.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.webmacs.migration.api.ChangelogSpec;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationSpec;
import io.webmacs.migration.api.DatabaseSpec;
import io.webmacs.migration.api.RunnerSpec;
import io.webmacs.migration.api.SecretValueSource;
import io.webmacs.migration.config.OperatorSettings;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.run.JobRequest;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.RestrictedPodSecurity;
import io.webmacs.migration.testsupport.RunnerDefaults;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MigrationJobDependentTest {

    private static final OperatorSettings.Runner DEFAULTS = RunnerDefaults.RUNNER;

    @Test
    void jobFollowsTheContractAndMeetsTheRestrictedPodSecurityStandard() {
        Job job = MigrationJobDependent.job(migration(), new JobRequest("0123456789", 2, Verb.UPGRADE, "005_oidc_sso", "main.xml"), DEFAULTS);

        assertThat(job.getMetadata().getName()).isEqualTo("webmacs-0123456789-2");
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(600);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        Container migrate = pod.getContainers().get(0);
        assertThat(migrate.getName()).isEqualTo("migrate");
        assertThat(migrate.getImage()).isEqualTo(DEFAULTS.image());
        assertThat(migrate.getCommand()).isEqualTo(DEFAULTS.command());
        assertThat(migrate.getArgs()).containsExactly("upgrade", "005_oidc_sso", "--result-file", "/dev/termination-log",
                "--changelog", "/changelog/main.xml");
        assertThat(migrate.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
        assertThat(migrate.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(migrate.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(migrate.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(migrate.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(migrate.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/changelog");
            assertThat(m.getReadOnly()).isTrue();
        });
        assertThat(pod.getVolumes()).filteredOn(v -> v.getConfigMap() != null).singleElement()
                .satisfies(v -> assertThat(v.getConfigMap().getName()).isEqualTo("app-changelog"));
    }

    @Test
    void credentialsComeOnlyFromSecretsAsEnvironmentVariables() {
        Job job = MigrationJobDependent.job(migration(), new JobRequest("0123456789", 1, Verb.UPGRADE, "head", "main.xml"), DEFAULTS);

        Container migrate = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(migrate.getEnv()).extracting(e -> e.getName()).containsExactly("DATABASE_URL", "DATABASE_PASSWORD");
        assertThat(migrate.getEnv()).allSatisfy(e -> {
            assertThat(e.getValue()).isNull();
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("webmacs-db");
        });
        assertThat(String.join(" ", migrate.getArgs())).doesNotContain("DATABASE", "password", "://");
    }

    @Test
    void aDriftCheckJobAlsoGetsItsScratchDatabaseFromSecretsAndTheMigrationDoesNot() {
        DatabaseMigration migration = Fixtures.checkedEvery("1h", migration());
        DatabaseSpec dev = new DatabaseSpec();
        dev.setUrlFrom(new SecretValueSource(new SecretKeySelector("DEV_DATABASE_URL", "scratch-db", false)));
        dev.setPasswordFrom(new SecretValueSource(new SecretKeySelector("password", "scratch-db", false)));
        migration.getSpec().getDriftCheck().setDevDatabase(dev);

        Container check = MigrationJobDependent.job(migration, new JobRequest("0123456789", 1, Verb.CHECK, null, "main.xml"), DEFAULTS)
                .getSpec().getTemplate().getSpec().getContainers().get(0);
        Container upgrade = MigrationJobDependent.job(migration, new JobRequest("0123456789", 1, Verb.UPGRADE, "head", "main.xml"), DEFAULTS)
                .getSpec().getTemplate().getSpec().getContainers().get(0);

        assertThat(check.getEnv()).extracting(e -> e.getName() + "=" + e.getValueFrom().getSecretKeyRef().getName())
                .containsExactly("DATABASE_URL=webmacs-db", "DATABASE_PASSWORD=webmacs-db", "DEV_DATABASE_URL=scratch-db",
                        "DEV_DATABASE_PASSWORD=scratch-db");
        assertThat(check.getEnv()).allSatisfy(e -> assertThat(e.getValue()).isNull());
        assertThat(String.join(" ", check.getArgs())).doesNotContain("--dev-url", "://");
        assertThat(upgrade.getEnv()).extracting(e -> e.getName()).containsExactly("DATABASE_URL", "DATABASE_PASSWORD");
    }

    @Test
    void longNamesAreCutSoTheJobNameStaysAValidLabelValue() {
        String name = MigrationJobDependent.jobName("a".repeat(60), "0123456789", 12);

        assertThat(name).hasSizeLessThanOrEqualTo(63).endsWith("-0123456789-12");
    }

    @Test
    void theLongestNamesThatShareTheirStartGetValidJobNamesOfTheirOwn() {
        List<String> jobNames = Fixtures.LONGEST_NAMES.stream().flatMap(name -> Stream.of(
                MigrationJobDependent.jobName(name, new JobRequest("0123456789", 12, Verb.UPGRADE, "head", null)),
                MigrationJobDependent.jobName(name, new JobRequest("0123456789", 123456, Verb.CHECK, null, null)))).toList();

        assertThat(jobNames).doesNotHaveDuplicates().allSatisfy(name -> assertThat(name).hasSizeLessThanOrEqualTo(63)
                .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"));
    }

    @Test
    void aDdlLockTimeoutInTheSpecReachesTheCliAndTheVerbIsALabel() {
        DatabaseMigration migration = migration();
        RunnerSpec runner = new RunnerSpec();
        runner.setDdlLockTimeout("5s");
        migration.getSpec().setRunner(runner);

        Job job = MigrationJobDependent.job(migration, new JobRequest("0123456789", 1, Verb.DOWNGRADE, "003_fk_ondelete", "main.xml"),
                DEFAULTS);

        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .containsSubsequence("downgrade", "003_fk_ondelete").containsSequence("--ddl-lock-timeout", "5s");
        assertThat(job.getMetadata().getLabels()).containsEntry(Labels.VERB, "downgrade");
    }

    @Test
    void planAndPlannedMigrationJobsAreRestrictedPodsOfTheSameScheme() {
        Job plan = MigrationJobDependent.job(migration(), new JobRequest("0123456789", 1, Verb.PLAN, "005_oidc_sso", "main.xml"), DEFAULTS);
        Job planned = MigrationJobDependent.job(migration(), new JobRequest("0123456789", 2, Verb.UPGRADE, "005_oidc_sso", "main.xml",
                "9f2c4a"), DEFAULTS);

        assertThat(plan.getMetadata().getName()).isEqualTo("webmacs-0123456789-1");
        assertThat(plan.getMetadata().getLabels()).containsEntry(Labels.VERB, "plan").containsEntry(Labels.ATTEMPT, "1");
        assertThat(plan.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .containsExactly("plan", "005_oidc_sso", "--result-file", "/dev/termination-log", "--changelog", "/changelog/main.xml");
        assertThat(planned.getMetadata().getName()).isEqualTo("webmacs-0123456789-2");
        assertThat(planned.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .containsExactly("upgrade", "005_oidc_sso", "--result-file", "/dev/termination-log", "--plan-hash", "9f2c4a",
                        "--changelog", "/changelog/main.xml");
        RestrictedPodSecurity.assertMeets("plan Job", plan.getSpec().getTemplate().getSpec());
        RestrictedPodSecurity.assertMeets("planned migration Job", planned.getSpec().getTemplate().getSpec());
    }

    private static DatabaseMigration migration() {
        DatabaseSpec database = new DatabaseSpec();
        database.setUrlFrom(new SecretValueSource(new SecretKeySelector("DATABASE_URL", "webmacs-db", false)));
        database.setPasswordFrom(new SecretValueSource(new SecretKeySelector("password", "webmacs-db", false)));
        ChangelogSpec changelog = new ChangelogSpec();
        changelog.setConfigMapRef(new LocalObjectReference("app-changelog"));
        DatabaseMigrationSpec spec = new DatabaseMigrationSpec();
        spec.setDatabase(database);
        spec.setChangelog(changelog);
        DatabaseMigration migration = new DatabaseMigration();
        migration.getMetadata().setName("webmacs");
        migration.getMetadata().setNamespace("lab");
        migration.setSpec(spec);
        return migration;
    }
}
