package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.logging.Log;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.webmacs.migration.config.OperatorSettings;
import io.webmacs.migration.config.Replica;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The webhook's serving certificate: one the operator issues itself, renews before it expires, and whose CA it adds
 * to its MutatingWebhookConfiguration's caBundle; or, with a certificate directory, the one cert-manager issues into a
 * mounted Secret, reloaded when it is renewed (cert-manager then keeps the caBundle).
 */
final class WebhookTls {

    private static final int CONFLICT_RETRIES = 5;

    private final KubernetesClient client;
    private final OperatorSettings.Webhook settings;
    /** The self-issued certificate; null with a mounted one. */
    private volatile WebhookCertificate certificate;
    private MountedCertificate mounted;

    WebhookTls(KubernetesClient client, OperatorSettings.Webhook settings) {
        this.client = client;
        this.settings = settings;
    }

    /** Issues or loads the certificate, publishes a self-issued one's CA, and returns what to serve. */
    PemKeyCertOptions start() {
        if (settings.certificateDir().isPresent()) {
            mounted = new MountedCertificate(settings.certificateDir().get());
            return keyCert(mounted.certificatePem(), mounted.privateKeyPem());
        }
        certificate = issue();
        publishCa();
        return keyCert(certificate.certificatePem(), certificate.privateKeyPem());
    }

    /** The periodic check: a renewed certificate to serve from the next handshake on, if there is one. */
    Optional<PemKeyCertOptions> check() {
        if (mounted != null) {
            return reloadIfChanged();
        }
        Optional<PemKeyCertOptions> renewed = Optional.empty();
        if (certificate.dueForRenewal(Instant.now(), settings.certificateValidity())) {
            certificate = issue();
            renewed = Optional.of(keyCert(certificate.certificatePem(), certificate.privateKeyPem()));
        }
        publishCa(); // also before a renewed certificate is served, so the API server trusts it from its first use
        return renewed;
    }

    /** Where the certificate comes from, for the log. */
    String source() {
        return mounted == null ? "a certificate it issued itself" : "the certificate in " + settings.certificateDir().get();
    }

    /** The CA the current self-issued certificate chains to (PEM). */
    String caPem() {
        return certificate.caPem();
    }

    private WebhookCertificate issue() {
        String service = settings.serviceName();
        String namespace = namespace();
        List<String> names = List.of(service, service + "." + namespace, service + "." + namespace + ".svc",
                service + "." + namespace + ".svc.cluster.local", "localhost");
        return WebhookCertificate.issue(Replica.name(), names, Instant.now(), settings.certificateValidity());
    }

    /** cert-manager renewed the certificate: serve the new one from the next handshake on. */
    private Optional<PemKeyCertOptions> reloadIfChanged() {
        try {
            if (mounted.reload()) {
                Log.info("Serving the renewed webhook certificate");
                return Optional.of(keyCert(mounted.certificatePem(), mounted.privateKeyPem()));
            }
        } catch (RuntimeException e) {
            // Caught mid-swap by the kubelet, say; the old certificate stays until the next check.
            Log.warnf("Could not load the renewed webhook certificate: %s", e.getMessage());
        }
        return Optional.empty();
    }

    /** Adds this replica's CA to every webhook of the configuration; optimistic locking keeps other replicas' CAs. */
    private void publishCa() {
        Optional<String> name = settings.configurationName().filter(n -> !n.isBlank());
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
        Optional<Set<String>> liveReplicas = liveReplicas();
        for (MutatingWebhook webhook : configuration.getWebhooks()) {
            String bundle = CaBundle.withCa(webhook.getClientConfig().getCaBundle(), certificate.caPem(), Instant.now(), liveReplicas);
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

    /**
     * The pods of the operator's namespace, whose replicas' CAs the bundle keeps; empty when they cannot be listed, and
     * then no CA is dropped for a replica being gone.
     */
    private Optional<Set<String>> liveReplicas() {
        try {
            return Optional.of(client.pods().inNamespace(namespace()).list().getItems().stream()
                    .map(pod -> pod.getMetadata().getName()).collect(Collectors.toSet()));
        } catch (KubernetesClientException e) {
            Log.warnf("Could not list the operator's pods, so the caBundle keeps every replica's CA: %s", e.getMessage());
            return Optional.empty();
        }
    }

    private String namespace() {
        return Optional.ofNullable(client.getNamespace()).orElse("default");
    }

    private static PemKeyCertOptions keyCert(String certificatePem, String privateKeyPem) {
        return new PemKeyCertOptions().addCertValue(Buffer.buffer(certificatePem)).addKeyValue(Buffer.buffer(privateKeyPem));
    }
}
