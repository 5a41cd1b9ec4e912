package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.operator.ChangelogLoader;
import io.webmacs.migration.operator.MigrateContainer;
import io.webmacs.migration.operator.MigrationCache;
import io.webmacs.migration.operator.OperatorSettings;
import io.webmacs.migration.operator.RunInput;
import io.webmacs.migration.result.Verb;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Serves the pod admission webhook ({@code POST /admission/pods}) over HTTPS with a certificate the operator issues
 * itself, renews before it expires, and whose CA it adds to its MutatingWebhookConfiguration's caBundle; or with a
 * certificate cert-manager issues into a mounted Secret, reloaded when it is renewed.
 */
@ApplicationScoped
public class WebhookServer {

    static final String PATH = "/admission/pods";
    /** How often the certificate's age and the caBundle are checked (a chart upgrade or a GitOps sync may reset it). */
    private static final Duration CHECK = Duration.ofMinutes(1);
    private static final int CONFLICT_RETRIES = 5;

    private final Vertx vertx;
    private final KubernetesClient client;
    private final MigrationCache migrations;
    private final OperatorSettings settings;
    private final ChangelogLoader changelogs;
    /** The self-issued certificate; or, with a certificate directory, the mounted one. */
    private volatile WebhookCertificate certificate;
    private MountedCertificate mounted;
    private HttpServer server;

    public WebhookServer(Vertx vertx, KubernetesClient client, MigrationCache migrations, OperatorSettings settings,
            ChangelogLoader changelogs) {
        this.vertx = vertx;
        this.changelogs = changelogs;
        this.client = client;
        this.migrations = migrations;
        this.settings = settings;
    }

    void start(@Observes StartupEvent event) {
        OperatorSettings.Webhook webhook = settings.webhook();
        if (!webhook.enabled()) {
            return;
        }
        PemKeyCertOptions keyCert;
        if (webhook.certificateDir().isPresent()) {
            mounted = new MountedCertificate(webhook.certificateDir().get());
            keyCert = keyCert(mounted.certificatePem(), mounted.privateKeyPem());
        } else {
            certificate = issue();
            keyCert = keyCert(certificate.certificatePem(), certificate.privateKeyPem());
        }
        server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(keyCert)).requestHandler(this::handle);
        server.listen(webhook.port()).toCompletionStage().toCompletableFuture().join();
        Log.infof("Pod admission webhook listening on https://0.0.0.0:%d%s, with %s", server.actualPort(), PATH,
                mounted == null ? "a certificate it issued itself" : "the certificate in " + webhook.certificateDir().get());
        if (mounted == null) {
            publishCa();
        }
        vertx.setPeriodic(CHECK.toMillis(), id -> vertx.executeBlocking(() -> {
            if (mounted != null) {
                reloadIfChanged();
            } else {
                renewIfDue();
                publishCa();
            }
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

    /** The CA the current serving certificate chains to (PEM). */
    public String caPem() {
        return certificate.caPem();
    }

    private void handle(HttpServerRequest request) {
        if (request.method() != HttpMethod.POST || !PATH.equals(request.path())) {
            request.response().setStatusCode(404).end();
            return;
        }
        request.body().onSuccess(body -> {
            AdmissionReview review;
            try {
                review = Serialization.unmarshal(body.toString(), AdmissionReview.class);
            } catch (RuntimeException e) {
                request.response().setStatusCode(400).end("not an AdmissionReview: " + e.getMessage());
                return;
            }
            if (!migrations.ready()) {
                // Without the cache no pod can be judged; failurePolicy decides (Fail: the API server retries the create).
                request.response().setStatusCode(503).end("the operator has not loaded its DatabaseMigrations yet");
                return;
            }
            AdmissionReview answer = PodAdmission.review(review, migrations::inNamespace, this::initContainer);
            request.response().putHeader("Content-Type", "application/json").end(Serialization.asJson(answer));
        });
    }

    /** The init container the Job would run as its container, labelled with the same fingerprint a Job would get. */
    private PodAdmission.InitContainer initContainer(DatabaseMigration migration) {
        ChangelogLoader.Loaded changelog = changelogs.load(migration.getSpec().getChangelog(), migrations.changelogOf(migration));
        RunInput input = RunInput.of(migration, changelog, settings.runner());
        String file = migration.getSpec().getChangelog() == null ? null : migration.getSpec().getChangelog().getFile();
        return new PodAdmission.InitContainer(MigrateContainer.of(migration, Verb.UPGRADE, input.target(migration),
                file, settings.runner()), MigrateContainer.volumes(migration), input.fingerprint());
    }

    private WebhookCertificate issue() {
        String service = settings.webhook().serviceName();
        String namespace = Optional.ofNullable(client.getNamespace()).orElse("default");
        List<String> names = List.of(service, service + "." + namespace, service + "." + namespace + ".svc",
                service + "." + namespace + ".svc.cluster.local", "localhost");
        String replica = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("webmacs-migration-operator");
        return WebhookCertificate.issue(replica, names, Instant.now(), settings.webhook().certificateValidity());
    }

    private void renewIfDue() {
        if (certificate.dueForRenewal(Instant.now(), settings.webhook().certificateValidity())) {
            WebhookCertificate renewed = issue();
            certificate = renewed;
            publishCa(); // the new CA is trusted before the server presents the certificate it signed
            serve(keyCert(renewed.certificatePem(), renewed.privateKeyPem()));
        }
    }

    /** cert-manager renewed the certificate: serve the new one from the next handshake on. */
    private void reloadIfChanged() {
        try {
            if (mounted.reload()) {
                serve(keyCert(mounted.certificatePem(), mounted.privateKeyPem()));
                Log.info("Serving the renewed webhook certificate");
            }
        } catch (RuntimeException e) {
            // Caught mid-swap by the kubelet, say; the old certificate stays until the next check.
            Log.warnf("Could not load the renewed webhook certificate: %s", e.getMessage());
        }
    }

    private void serve(PemKeyCertOptions keyCert) {
        server.updateSSLOptions(new HttpServerOptions().setSsl(true).setKeyCertOptions(keyCert).getSslOptions())
                .toCompletionStage().toCompletableFuture().join();
    }

    /** Adds this replica's CA to every webhook of the configuration; optimistic locking keeps other replicas' CAs. */
    private void publishCa() {
        Optional<String> name = settings.webhook().configurationName().filter(n -> !n.isBlank());
        if (name.isEmpty()) {
            return;
        }
        try {
            for (int attempt = 1; attempt <= CONFLICT_RETRIES; attempt++) {
                if (addOwnCa(name.get())) {
                    return;
                }
            }
            Log.warnf("Could not add this replica's CA to %s after %d attempts", name.get(), CONFLICT_RETRIES);
        } catch (KubernetesClientException e) {
            // The webhook keeps serving; the API server cannot reach it until the bundle is fixed.
            Log.errorf("Could not update the caBundle of %s: %s", name.get(), e.getMessage());
        }
    }

    /** One optimistic attempt; false when another replica changed the configuration in between. */
    private boolean addOwnCa(String name) {
        MutatingWebhookConfiguration configuration = client.admissionRegistration().v1().mutatingWebhookConfigurations()
                .withName(name).get();
        if (configuration == null) {
            Log.warnf("MutatingWebhookConfiguration %s not found; the API server cannot call the webhook yet", name);
            return true;
        }
        boolean changed = false;
        for (MutatingWebhook webhook : configuration.getWebhooks()) {
            String bundle = CaBundle.withCa(webhook.getClientConfig().getCaBundle(), certificate.caPem(), Instant.now());
            changed |= !bundle.equals(webhook.getClientConfig().getCaBundle());
            webhook.getClientConfig().setCaBundle(bundle);
        }
        if (!changed) {
            return true;
        }
        try {
            client.resource(configuration).update();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return false;
            }
            throw e;
        }
    }

    private static PemKeyCertOptions keyCert(String certificatePem, String privateKeyPem) {
        return new PemKeyCertOptions().addCertValue(Buffer.buffer(certificatePem)).addKeyValue(Buffer.buffer(privateKeyPem));
    }
}
