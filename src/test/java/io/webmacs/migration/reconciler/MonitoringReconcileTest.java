package io.webmacs.migration.reconciler;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunnerSpec;
import io.webmacs.migration.config.OperatorMetric;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.gate.WebhookServer;
import io.webmacs.migration.testsupport.BusyReaders;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.GrafanaDashboard;
import io.webmacs.migration.testsupport.JobExecutor;
import io.webmacs.migration.testsupport.MockCluster;
import io.webmacs.migration.testsupport.Promtool;
import io.webmacs.migration.testsupport.ScenarioSteps;
import io.webmacs.migration.testsupport.Scrape;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.Tier;
import io.webmacs.migration.testsupport.WebhookClient;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's metrics as Prometheus scrapes them from {@code /q/metrics}, after what they measure really happened on
 * the mock API server: runs of webmacs-migrate against the embedded PostgreSQL, a table lock held by a session, a pod
 * held by the webhook's scheduling gate. The Grafana dashboard's queries and the metric names are then checked against
 * that live scrape with Prometheus's own parser and lint.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class MonitoringReconcileTest {

    /** The DDL lock budget of this class's runs: a run gives up waiting for a table lock after seconds, not 3 minutes. */
    private static final String LOCK_BUDGET = "3s";
    /** Attempts enough that the lock wait outlasts the checks on a slow machine, instead of stalling with RetriesExhausted. */
    private static final int RETRY_LIMIT = 20;

    @Inject
    KubernetesClient client;

    @Inject
    WebhookServer webhook;

    @TestHTTPResource("/q/metrics")
    URL metricsUrl;

    @KubernetesTestServer
    KubernetesServer server;

    private ScenarioSteps steps;
    private JobExecutor executor;

    @BeforeEach
    void onTheMockCluster() {
        steps = new ScenarioSteps(new MockCluster(client, server));
        executor = JobExecutor.running(client);
    }

    /**
     * A migration that stalls, then becomes Ready once its target is fixed: each condition's series says since when it
     * has had its status and reason, which is the condition's lastTransitionTime here; they all go with the resource.
     */
    @Test
    void eachConditionShowsSinceWhenItHoldsAndGoesWithItsResource() {
        String ns = Fixtures.newNamespace(client);
        steps.databaseSecretIn(ns);
        client.resource(Fixtures.migration(ns, ScenarioSteps.NAME, ScenarioSteps.SECRET, "009_future")).create();

        DatabaseMigration stalled = steps.awaitMigration(ns, m -> assertThatMigration(m).isStalled(Conditions.UNKNOWN_REVISION));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(since(scrape(), ns, Conditions.STALLED))
                .hasValue(new Since("True", Conditions.UNKNOWN_REVISION, transitionOf(stalled, Conditions.STALLED))));

        client.resources(DatabaseMigration.class).inNamespace(ns).withName(ScenarioSteps.NAME)
                .edit(m -> { m.getSpec().setTargetRevision("head"); return m; });
        DatabaseMigration ready = steps.awaitMigration(ns, m -> assertThatMigration(m).isReady());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Scrape scrape = scrape();
            assertThat(since(scrape, ns, Conditions.READY)).hasValue(new Since("True", Conditions.UP_TO_DATE, transitionOf(ready, Conditions.READY)));
            // Stalled flipped to False (reason Migrating) when the new run started, then took the reason UpToDate.
            assertThat(since(scrape, ns, Conditions.STALLED)).hasValueSatisfying(stalledSince -> {
                assertThat(stalledSince.status()).isEqualTo("False");
                assertThat(stalledSince.reason()).isEqualTo(Conditions.UP_TO_DATE);
                assertThat(stalledSince.since()).as("the reason changed as Ready flipped, not before Stalled flipped: %s",
                        ready.getStatus().getConditions()).isEqualTo(transitionOf(ready, Conditions.READY))
                        .isGreaterThanOrEqualTo(transitionOf(ready, Conditions.STALLED));
            });
            assertThat(scrape.samples(OperatorMetric.CONDITION_SINCE.exportedName(), Map.of("namespace", ns))).hasSize(3);
            assertThat(scrape.value(OperatorMetric.PENDING_CHANGESETS.exportedName(), owner(ns))).hasValue(0.0);
        });

        client.resource(ready).delete();

        await().atMost(MetricsSweep.INTERVAL.multipliedBy(4)).untilAsserted(() -> assertThat(seriesOf(scrape(), ns))
                .as("nothing of the deleted DatabaseMigration").isEmpty());
    }

    /**
     * A session holds {@code users} while the upgrade from 003 needs it, and a backend pod is created meanwhile: the lock
     * wait counts from the first run that gave up, across the next attempt; the gate holds the pod; once the session
     * ends the migration is Ready, the gate lifted, and the lock wait and the held pod's age are gone.
     */
    @Test
    void aLockWaitAndAHeldPodShowUntilTheMigrationIsReady() throws Exception {
        double admittedBefore = admissions(scrape(), "mutated");
        String ns;
        Pod held;
        try (BusyRollout busy = BusyRollout.start(this)) {
            ns = busy.ns();
            held = busy.held();
            MigrationRun first = busy.waiting().getStatus().getHistory().get(0);
            Instant firstStarted = Instant.parse(first.getFinishedAt()).minusMillis(first.getDurationMs());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Scrape scrape = scrape();
                assertThat(scrape.value(OperatorMetric.LOCK_WAIT_SINCE.exportedName(), owner(ns))).hasValue(seconds(firstStarted));
                assertThat(scrape.value(OperatorMetric.LAST_RUN_LOCK_BLOCKERS.exportedName(), owner(ns))).hasValue(1.0);
                assertThat(scrape.value(OperatorMetric.LOCK_NOT_AVAILABLE.exportedName(), owner(ns))).hasValueSatisfying(n -> assertThat(n).isPositive());
                assertThat(scrape.value(OperatorMetric.GATED_PODS.exportedName(), owner(ns))).hasValue(1.0);
                assertThat(scrape.value(OperatorMetric.GATED_PODS_OLDEST.exportedName(), owner(ns)))
                        .hasValue(seconds(Instant.parse(busy.held().getMetadata().getCreationTimestamp())));
                assertThat(admissions(scrape, "mutated")).isEqualTo(admittedBefore + 1);
            });

            steps.awaitMigration(ns, m -> assertThat(m.getStatus().getHistory()).hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(run -> assertThat(run.getErrorCode()).isEqualTo("LockNotAvailable")));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Scrape scrape = scrape();
                assertThat(scrape.value(OperatorMetric.LOCK_WAIT_SINCE.exportedName(), owner(ns))).as("still from the first run")
                        .hasValue(seconds(firstStarted));
                assertThat(scrape.value(OperatorMetric.LOCK_NOT_AVAILABLE.exportedName(), owner(ns))).hasValueSatisfying(n -> assertThat(n).isGreaterThanOrEqualTo(2));
            });
        }

        steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Scrape scrape = scrape();
            assertThat(scrape.value(OperatorMetric.LOCK_WAIT_SINCE.exportedName(), owner(ns))).isEmpty();
            assertThat(scrape.value(OperatorMetric.GATED_PODS.exportedName(), owner(ns))).hasValue(0.0);
            assertThat(scrape.value(OperatorMetric.GATED_PODS_OLDEST.exportedName(), owner(ns))).isEmpty();
        });
        assertThat(client.pods().resource(held).get().getSpec().getSchedulingGates()).as("the gate lifted").isEmpty();
    }

    /**
     * With a drift check done and a rollout waiting for a table lock with a pod held, the live scrape has every series
     * the Grafana dashboard asks for: each query's metric names, as Prometheus's PromQL parser reads them, are names the
     * operator exports. And promtool's lint of the operator's own metrics finds nothing.
     */
    @Test
    void theDashboardAsksOnlyForMetricsTheOperatorExportsAndTheyPassPrometheusLint() throws Exception {
        Tier.PROMTOOL.require(Promtool.unavailable());
        String checked = Fixtures.newNamespace(client);
        steps.databaseSecretIn(checked);
        client.resource(Fixtures.checkedEvery("1h", Fixtures.migration(checked, ScenarioSteps.NAME, ScenarioSteps.SECRET, "head"))).create();
        steps.awaitMigration(checked, m -> assertThatMigration(m).isReady().isDrifted("False", Conditions.NO_DRIFT));

        Scrape scrape;
        try (BusyRollout busy = BusyRollout.start(this)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> scrape().value(OperatorMetric.GATED_PODS_OLDEST.exportedName(), owner(busy.ns()))
                    .isPresent());
            scrape = scrape();
        }

        Map<String, List<String>> names = Promtool.metricNames(GrafanaDashboard.queries().stream().map(GrafanaDashboard.Query::expr).toList());
        for (GrafanaDashboard.Query query : GrafanaDashboard.queries()) {
            assertThat(names.get(query.expr())).as("the metrics of %s: %s", query.where(), query.expr()).isNotEmpty()
                    .allSatisfy(name -> assertThat(scrape.names()).as("exported by the operator").contains(name));
        }
        Set<String> asked = new TreeSet<>();
        names.values().forEach(asked::addAll);
        for (OperatorMetric metric : OperatorMetric.values()) {
            assertThat(asked).as("the dashboard shows %s", metric.exportedName()).anyMatch(name -> name.startsWith(metric.exportedName()));
        }
        Promtool.Run lint = Promtool.checkMetrics(scrape.classicTextOf("webmacs_"));
        assertThat(lint.output()).as("promtool check metrics").isEmpty();
        assertThat(lint.exitCode()).isZero();
    }

    /**
     * A DatabaseMigration at 003 to head around the backend Deployment, whose runs give up waiting for {@code users}
     * while a session holds it, and a backend pod the webhook gated meanwhile. Closing it ends the session.
     */
    private record BusyRollout(String ns, BusyReaders readers, DatabaseMigration waiting, Pod held) implements AutoCloseable {

        static BusyRollout start(MonitoringReconcileTest test) throws Exception {
            String ns = Fixtures.newNamespace(test.client);
            TestDatabase db = test.steps.databaseAt003In(ns);
            test.executor.appendArgs(ns, "--ddl-lock-budget", LOCK_BUDGET);
            BusyReaders readers = BusyReaders.on(db, 1);
            DatabaseMigration migration = Fixtures.migration(ns, ScenarioSteps.NAME, ScenarioSteps.SECRET, "head");
            migration.getSpec().setRollout(Fixtures.rolloutOf("webmacs-backend"));
            migration.getSpec().setRunner(new RunnerSpec());
            migration.getSpec().getRunner().setRetryLimit(RETRY_LIMIT);
            test.client.resource(migration).create();
            DatabaseMigration waiting = test.steps.awaitMigration(ns, m -> assertThatMigration(m).isReconciling(Conditions.WAITING_FOR_LOCK));
            WebhookClient apiServer = new WebhookClient(test.webhook.port(), test.webhook.caPem());
            Pod held = test.client.resource(WebhookClient.admittedPod("backend-pod.json", ns, apiServer.admit("backend-pod.json", ns))).create();
            return new BusyRollout(ns, readers, waiting, held);
        }

        @Override
        public void close() throws Exception {
            readers.close();
        }
    }

    /** A condition's series: its status and reason, and since when (seconds since the epoch). */
    private record Since(String status, String reason, double since) {
    }

    private Scrape scrape() {
        return Scrape.of(metricsUrl);
    }

    private static Optional<Since> since(Scrape scrape, String ns, String type) {
        List<Scrape.Sample> samples = scrape.samples(OperatorMetric.CONDITION_SINCE.exportedName(), Map.of("namespace", ns, "type", type));
        assertThat(samples).as("one series of %s", type).hasSizeLessThanOrEqualTo(1);
        return samples.stream().map(s -> new Since(s.labels().get("status"), s.labels().get("reason"), s.value())).findFirst();
    }

    private static List<Scrape.Sample> seriesOf(Scrape scrape, String ns) {
        return scrape.names().stream().filter(name -> name.startsWith("webmacs_"))
                .flatMap(name -> scrape.samples(name, owner(ns)).stream()).toList();
    }

    private static double admissions(Scrape scrape, String outcome) {
        return scrape.value(OperatorMetric.WEBHOOK_ADMISSION_DURATION.exportedName() + "_count", Map.of("outcome", outcome)).orElseThrow();
    }

    private static Map<String, String> owner(String ns) {
        return Map.of("namespace", ns, "name", ScenarioSteps.NAME);
    }

    private static double transitionOf(DatabaseMigration migration, String type) {
        Condition condition = migration.getStatus().condition(type).orElseThrow();
        return seconds(Instant.parse(condition.getLastTransitionTime()));
    }

    private static double seconds(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }
}
