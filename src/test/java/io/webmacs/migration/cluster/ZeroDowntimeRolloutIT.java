package io.webmacs.migration.cluster;

import static io.webmacs.migration.cluster.StandInBackend.WEBMACS_003;
import static io.webmacs.migration.cluster.StandInBackend.WEBMACS_HEAD;
import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static io.webmacs.migration.testsupport.ScenarioSteps.NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.webmacs.migration.api.ChangelogSpec;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.SchemaPhase;
import io.webmacs.migration.cluster.QueryLog.Tally;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.EarlierChangelog;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.ScenarioSteps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * An upgrade of WebMACS across 004 on the real control plane, measured: the example backend's Deployment (two replicas,
 * maxUnavailable 0, maxSurge 1, minReadySeconds 4) rolled from the application before 004 to head by one {@code kubectl apply} of the
 * example DatabaseMigration and the Deployment together, the real Deployment and ReplicaSet controllers replacing the
 * pods one at a time, the real scheduler honouring the gate, while every pod of either version sends its version's own
 * queries on users and records each ({@link StandInBackend}, {@link QueryLog}).
 *
 * <p>The baseline is the upgrade in one step, the built-in changelog as it was before 004 was split (from a changelog
 * ConfigMap): the old pods' queries fail from 004's commit until the last old pod is gone. With expand before the rollout
 * and contract once it is complete, no query of either version fails, the schema ends as WebMACS's head reference, and a
 * rollback to the old version after contract is held at the gate instead of crash-looping.
 */
@RealCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ZeroDowntimeRolloutIT {

    private static final String AT_003 = "003_fk_ondelete";
    private static final String HEAD = "005_oidc_sso";
    private static final String ONE_STEP_CHANGELOG = "webmacs-before-expand";
    private static final int REPLICAS = 2;
    /**
     * Each new pod counts as available this long after it is ready. Production Deployments often set it; here it also
     * keeps the rollout going past the moment the operator sees the expand Job finish (the pods start as soon as the
     * schema is Expanded, and two stand-in pods can be ready within that moment), so the contract is seen waiting for it.
     */
    private static final int MIN_READY_SECONDS = 4;
    private static OperatorCluster operator;
    private static ScenarioSteps steps;
    private static String baseline = "not run";
    private static String phased = "not run";

    /** An upgrade to head: from the apply until it was done, and what the old and the new backend sent meanwhile. */
    private record Upgrade(double seconds, Tally old, Tally head) {
    }

    /** What the DatabaseMigration's status showed, {@code seconds} after the apply. */
    private record Observed(double seconds, SchemaPhase phase, String reconciling, List<String> contractPending) {

        static Observed of(DatabaseMigration migration, long since) {
            String reconciling = migration.getStatus().getConditions().stream()
                    .filter(c -> Conditions.RECONCILING.equals(c.getType()) && "True".equals(c.getStatus()))
                    .map(Condition::getReason).findFirst().orElse(null);
            return new Observed(secondsSince(since), migration.getStatus().getPhase(), reconciling, migration.getStatus().getContractPending());
        }

        @Override
        public String toString() {
            return "+%.1f s %s %s %s".formatted(seconds, phase, reconciling == null ? "Ready" : reconciling, contractPending);
        }
    }

    @BeforeAll
    static void install() {
        operator = OperatorCluster.installedWithKubectl("zero-downtime");
        steps = new ScenarioSteps(operator);
    }

    @AfterAll
    static void stop() {
        System.out.println("ZeroDowntimeRolloutIT: baseline " + baseline + "; phased " + phased);
        if (operator != null) {
            operator.close();
        }
    }

    /** Today's behaviour, issue 27's baseline: the whole of 004 runs before the new pods start, while the old ones serve. */
    @Test
    @Order(1)
    void inOneStepTheOldPodsQueriesFailFromTheUpgradeUntilTheLastOldPodIsGone() {
        String ns = operator.newNamespace();
        QueryLog log = servingAt003(ns, true);

        Upgrade upgrade = toHead(ns, log, true, () -> {
            operator.awaitMigration(ns, NAME, m -> assertThatMigration(m).isReady().hasRevision(HEAD));
            awaitRolledOut(ns, WEBMACS_HEAD);
        });

        baseline = "%d failed old-pod queries of %d, new pods %d of %d; apply to rolled out %.1f s".formatted(upgrade.old().failures(),
                upgrade.old().queries(), upgrade.head().failures(), upgrade.head().queries(), upgrade.seconds());
        System.out.println("ZeroDowntimeRolloutIT baseline: " + baseline + "; the failures: " + log.failures());
        assertThat(upgrade.old().failures()).as("the old pods' failed queries once 004 dropped users.admin").isPositive();
        assertThat(upgrade.head().queries()).as("the new pods served").isPositive();
        assertThat(upgrade.head().failures()).as("the new pods started once the schema was at head").isZero();
        operator.succeeds("delete", "deployment", OperatorCluster.BACKEND, "-n", ns); // the next scenario has the node to itself
    }

    @Test
    @Order(2)
    void expandBeforeTheRolloutAndContractAfterItFailNoQueryOfEitherVersionAndARollbackAfterContractIsHeld() {
        String ns = operator.newNamespace();
        QueryLog log = servingAt003(ns, false);
        List<Observed> timeline = new CopyOnWriteArrayList<>();

        Upgrade upgrade;
        try (Watch watch = watchStatus(ns, System.nanoTime(), timeline)) {
            upgrade = toHead(ns, log, false, () -> operator.awaitMigration(ns, NAME, m -> {
                assertThatMigration(m).isReady().hasRevision(HEAD);
                assertThat(m.getStatus().getPhase()).isEqualTo(SchemaPhase.Contracted);
            }));
        }

        Tally old = upgrade.old();
        Tally head = upgrade.head();
        phased = "%d failed queries of %d (old pods %d of %d, new pods %d of %d); apply to contracted %.1f s"
                .formatted(old.failures() + head.failures(), old.queries() + head.queries(), old.failures(), old.queries(),
                        head.failures(), head.queries(), upgrade.seconds());
        System.out.println("ZeroDowntimeRolloutIT phased: " + phased + "; the status seen: " + timeline);
        assertThat(log.failures()).as("failed queries of either version, from the first pod on").isEmpty();
        assertThat(old.queries()).as("the old pods served during the rollout").isPositive();
        assertThat(head.queries()).as("the new pods served during the rollout").isPositive();
        assertThat(timeline).as("expanded, waiting for the rollout, before contract").anySatisfy(o -> {
            assertThat(o.phase()).isEqualTo(SchemaPhase.Expanded);
            assertThat(o.reconciling()).isEqualTo(Conditions.WAITING_FOR_ROLLOUT);
            assertThat(o.contractPending()).containsExactly("004_rbac_api_tokens");
        });
        assertThat(operator.backendPods(ns)).as("contract ran once no old pod was left").noneMatch(WEBMACS_003::runs);
        assertThat(Catalog.of(log.db())).containsExactlyElementsOf(Catalog.reference("005"));

        long undone = log.mark();
        operator.succeeds("rollout", "undo", "deployment/" + OperatorCluster.BACKEND, "-n", ns);

        Pod held = await().atMost(Duration.ofMinutes(1)).until(() -> operator.backendPods(ns).stream().filter(WEBMACS_003::runs).findFirst(),
                Optional::isPresent).orElseThrow();
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(steps.events(ns)).as("Events of the held pod")
                .anySatisfy(e -> {
                    assertThat(e.getInvolvedObject().getName()).isEqualTo(held.getMetadata().getName());
                    assertThat(e.getMessage()).contains(AT_003);
                }));
        await().during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            Pod now = operator.client().pods().resource(held).get();
            assertThat(now.getSpec().getSchedulingGates()).as("the rolled back pod is held").isNotEmpty();
            assertThat(now.getStatus().getConditions()).extracting(PodCondition::getType, PodCondition::getReason)
                    .contains(tuple("PodScheduled", "SchedulingGated"));
            assertThat(now.getStatus().getContainerStatuses()).as("never started, so never crash-looping").isNullOrEmpty();
            assertThat(operator.backendPods(ns).stream().filter(WEBMACS_HEAD::runs)).as("maxUnavailable 0: the head pods stay")
                    .hasSize(REPLICAS).allMatch(p -> "Running".equals(p.getStatus().getPhase()));
        });
        assertThat(log.after(undone, WEBMACS_HEAD).queries()).as("the head pods kept serving").isPositive();
        assertThat(log.failures()).as("failed queries of either version, rollback included").isEmpty();
    }

    /**
     * One {@code kubectl apply} of the DatabaseMigration at head and the Deployment of the head backend, then {@code done};
     * how long that took, and what each version sent in the meantime.
     */
    private static Upgrade toHead(String ns, QueryLog log, boolean oneStep, Runnable done) {
        long applied = log.mark();
        long start = System.nanoTime();
        apply(ns, "head", WEBMACS_HEAD, oneStep);
        done.run();
        double seconds = secondsSince(start);
        long finished = log.mark();
        return new Upgrade(seconds, log.between(applied, finished, WEBMACS_003), log.between(applied, finished, WEBMACS_HEAD));
    }

    /**
     * A database at 003 with the query log, its DatabaseMigration at 003 and the old backend serving it: every pod has had
     * its queries answered. {@code oneStep}: the DatabaseMigration takes the built-in changelog before the split.
     */
    private static QueryLog servingAt003(String ns, boolean oneStep) {
        QueryLog log = QueryLog.createIn(steps.databaseAt003In(ns));
        if (oneStep) {
            Fixtures.changelogConfigMap(operator.client(), ns, ONE_STEP_CHANGELOG, EarlierChangelog.BEFORE_EXPAND.files());
        }
        apply(ns, AT_003, WEBMACS_003, oneStep);
        operator.awaitMigration(ns, NAME, m -> assertThatMigration(m).isReady().hasRevision(AT_003));
        awaitRolledOut(ns, WEBMACS_003);
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(log.servingPods(WEBMACS_003))
                .containsAll(operator.backendPods(ns).stream().map(p -> p.getMetadata().getName()).toList()));
        assertThat(log.failures()).isEmpty();
        return log;
    }

    /**
     * One {@code kubectl apply} of the example DatabaseMigration at {@code target} and the example backend's Deployment
     * running {@code backend}; {@code oneStep}: with the changelog ConfigMap of the built-in changelog before the split.
     */
    private static void apply(String ns, String target, StandInBackend backend, boolean oneStep) {
        List<HasMetadata> objects = new ArrayList<>(OperatorCluster.example("30-databasemigration.yaml", ns));
        objects.addAll(OperatorCluster.example("40-webmacs-backend.yaml", ns));
        for (HasMetadata object : objects) {
            if (object instanceof DatabaseMigration migration) {
                migration.getSpec().setTargetRevision(target);
                if (oneStep) {
                    ChangelogSpec changelog = Fixtures.changelogFrom(ONE_STEP_CHANGELOG);
                    changelog.setFile(EarlierChangelog.ROOT);
                    migration.getSpec().setChangelog(changelog);
                }
            } else if (object instanceof Deployment deployment) {
                deployment.getSpec().setReplicas(REPLICAS);
                deployment.getSpec().setMinReadySeconds(MIN_READY_SECONDS);
                deployment.getSpec().setStrategy(new DeploymentStrategyBuilder().withType("RollingUpdate").withNewRollingUpdate()
                        .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate().build());
                backend.runIn(deployment);
            }
        }
        operator.succeeds("apply", "-f", operator.manifest(ns + "-" + backend.app(), objects).toString());
    }

    /** Waits until the backend's pods are exactly its replicas, all running {@code backend}: no old pod left, not even terminating. */
    private static void awaitRolledOut(String ns, StandInBackend backend) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertThat(operator.backendPods(ns))
                .hasSize(REPLICAS).allSatisfy(pod -> {
                    assertThat(backend.runs(pod)).as("%s runs %s", pod.getMetadata().getName(), backend).isTrue();
                    assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
                }));
    }

    /** Adds what each status of the DatabaseMigration shows to {@code timeline}, as a watch delivers them. */
    private static Watch watchStatus(String ns, long since, List<Observed> timeline) {
        return operator.client().resources(DatabaseMigration.class).inNamespace(ns).withName(NAME).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, DatabaseMigration migration) {
                if (migration.getStatus() != null) {
                    timeline.add(Observed.of(migration, since));
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                // closed by the test, or the test's awaits fail on their own
            }
        });
    }

    private static double secondsSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1e9;
    }
}
