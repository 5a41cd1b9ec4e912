package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PemKeyCertOptions;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.config.OperatorSettings;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.run.ChangelogLoader;
import io.webmacs.migration.run.EffectiveRunner;
import io.webmacs.migration.run.MigrateContainer;
import io.webmacs.migration.run.RunInput;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Serves the pod admission webhook ({@code POST /admission/pods}) over HTTPS, with the certificate {@link WebhookTls}
 * keeps, and answers each AdmissionReview from the cached DatabaseMigrations, timing each answer by its outcome.
 */
@ApplicationScoped
public class WebhookServer {

    static final String PATH = "/admission/pods";
    /** How often the certificate's age and the caBundle are checked (a chart upgrade or a GitOps sync may reset it). */
    private static final Duration CHECK = Duration.ofMinutes(1);
    /** A pod's DatabaseMigrations are read live within this, well inside the API server's webhook timeout (5 s by default). */
    private static final Duration LIVE_READ_TIMEOUT = Duration.ofSeconds(2);

    private final Vertx vertx;
    private final KubernetesClient client;
    private final MigrationCache migrations;
    private final OperatorSettings settings;
    private final ChangelogLoader changelogs;
    private final CurrentMigrations current;
    private final MeterRegistry registry;
    private WebhookTls tls;
    private HttpServer server;
    private AdmissionTimers timers;

    public WebhookServer(Vertx vertx, KubernetesClient client, MigrationCache migrations, OperatorSettings settings,
            ChangelogLoader changelogs, MeterRegistry registry) {
        this.vertx = vertx;
        this.registry = registry;
        this.changelogs = changelogs;
        this.client = client;
        this.migrations = migrations;
        this.settings = settings;
        this.current = new CurrentMigrations(CurrentMigrations.within(client, LIVE_READ_TIMEOUT), migrations::inNamespace);
    }

    void start(@Observes StartupEvent event) {
        OperatorSettings.Webhook webhook = settings.webhook();
        if (!webhook.enabled()) {
            return;
        }
        tls = new WebhookTls(client, webhook);
        timers = new AdmissionTimers(registry);
        server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(tls.start())).requestHandler(this::handle);
        server.listen(webhook.port()).toCompletionStage().toCompletableFuture().join();
        Log.infof("Pod admission webhook listening on https://0.0.0.0:%d%s, with %s", server.actualPort(), PATH, tls.source());
        vertx.setPeriodic(CHECK.toMillis(), id -> vertx.executeBlocking(() -> {
            tls.check().ifPresent(this::serve);
            return null;
        }));
    }

    void stop(@Observes ShutdownEvent event) {
        if (server != null) {
            server.close();
        }
    }

    /** The port the webhook listens on. */
    public int port() {
        return server.actualPort();
    }

    /** The CA the current self-issued serving certificate chains to (PEM). */
    public String caPem() {
        return tls.caPem();
    }

    private void handle(HttpServerRequest request) {
        if (request.method() != HttpMethod.POST || !PATH.equals(request.path())) {
            request.response().setStatusCode(404).end();
            return;
        }
        long arrived = System.nanoTime();
        request.body().onSuccess(body -> {
            AdmissionReview review;
            try {
                review = Serialization.unmarshal(body.toString(), AdmissionReview.class);
            } catch (RuntimeException e) {
                end(request.response().setStatusCode(400), "not an AdmissionReview: " + e.getMessage(), AdmissionOutcome.ERROR, arrived);
                return;
            }
            if (!migrations.ready()) {
                // Without the cache no pod can be judged; failurePolicy decides (Fail: the API server retries the create).
                end(request.response().setStatusCode(503), "the operator has not loaded its DatabaseMigrations yet",
                        AdmissionOutcome.UNAVAILABLE, arrived);
                return;
            }
            // Off the event loop: the decision reads the pod's DatabaseMigrations from the API server.
            vertx.executeBlocking(() -> PodAdmission.review(review, current, this::initContainer, this::revisions), false)
                    .onSuccess(answer -> end(request.response().putHeader("Content-Type", "application/json"),
                            Serialization.asJson(answer), AdmissionOutcome.of(answer), arrived))
                    .onFailure(e -> end(request.response().setStatusCode(500), e.getMessage(), AdmissionOutcome.ERROR, arrived));
        });
    }

    private void end(HttpServerResponse response, String body, AdmissionOutcome outcome, long arrived) {
        response.end(body);
        timers.record(outcome, System.nanoTime() - arrived);
    }

    /** The init container the Job would run as its container, labelled with the same fingerprint a Job would get. */
    private PodAdmission.InitContainer initContainer(DatabaseMigration migration) {
        EffectiveRunner.of(migration, settings.runner()).imageRefusal(settings.runner()).ifPresent(why -> {
            throw new PodAdmission.Refused("DatabaseMigration " + migration.getMetadata().getName() + " would migrate in this pod's"
                    + " init container, but its " + why);
        });
        RunInput input = RunInput.of(migration, changelog(migration), settings.runner());
        String file = migration.getSpec().getChangelog() == null ? null : migration.getSpec().getChangelog().getFile();
        return new PodAdmission.InitContainer(MigrateContainer.of(migration, Verb.UPGRADE, input.target(migration),
                file, settings.runner()), MigrateContainer.volumes(migration), input.fingerprint());
    }

    /** The revisions of the migration's changelog, oldest first; empty when it cannot be used (its status says why). */
    private Optional<List<String>> revisions(DatabaseMigration migration) {
        ChangelogLoader.Loaded changelog = changelog(migration);
        return changelog.usable() ? Optional.of(changelog.revisions().revisions()) : Optional.empty();
    }

    /** The migration's changelog as the operator knows it: a ConfigMap's from the cache, an image's from its status. */
    private ChangelogLoader.Loaded changelog(DatabaseMigration migration) {
        return changelogs.load(migration.getSpec().getChangelog(), migrations.changelogOf(migration),
                EffectiveRunner.of(migration, settings.runner()).image(),
                migration.getStatus() == null ? null : migration.getStatus().getChangelog());
    }

    private void serve(PemKeyCertOptions keyCert) {
        server.updateSSLOptions(new HttpServerOptions().setSsl(true).setKeyCertOptions(keyCert).getSslOptions())
                .toCompletionStage().toCompletableFuture().join();
    }
}
