package io.webmacs.migration.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WebhookCertificateTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final Duration YEAR = Duration.ofDays(365);

    @Test
    void servingCertificateChainsToItsCaAndNamesTheService() throws Exception {
        WebhookCertificate issued = WebhookCertificate.issue("operator-0", List.of("webhook.ops.svc", "localhost"), NOW, YEAR);

        X509Certificate ca = certificate(issued.caPem());
        X509Certificate serving = certificate(issued.certificatePem());
        serving.verify(ca.getPublicKey());
        assertThat(ca.getBasicConstraints()).isZero();
        assertThat(serving.getSubjectAlternativeNames().stream().map(n -> (Object) n.get(1)).toList()).containsExactly("webhook.ops.svc", "localhost");
        assertThat(serving.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(issued.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(issued.notAfter()).isEqualTo(NOW.plus(YEAR));
    }

    @Test
    void renewalIsDueInTheLastThirdOfTheValidity() {
        WebhookCertificate issued = WebhookCertificate.issue("operator-0", List.of("localhost"), NOW, YEAR);

        assertThat(issued.dueForRenewal(NOW.plus(Duration.ofDays(200)), YEAR)).isFalse();
        assertThat(issued.dueForRenewal(NOW.plus(Duration.ofDays(250)), YEAR)).isTrue();
    }

    @Test
    void caBundleKeepsOtherReplicasCasDropsExpiredOnesAndAddsOurs() throws Exception {
        WebhookCertificate other = WebhookCertificate.issue("operator-1", List.of("localhost"), NOW, YEAR);
        WebhookCertificate expired = WebhookCertificate.issue("operator-old", List.of("localhost"), NOW.minus(Duration.ofDays(10)),
                Duration.ofDays(1));
        WebhookCertificate ours = WebhookCertificate.issue("operator-0", List.of("localhost"), NOW, YEAR);
        String existing = base64(other.caPem() + expired.caPem());

        String bundle = CaBundle.withCa(existing, ours.caPem(), NOW, Optional.empty());
        String twice = CaBundle.withCa(bundle, ours.caPem(), NOW, Optional.empty());

        assertThat(subjects(twice)).containsExactlyInAnyOrder("CN=operator-0 CA", "CN=operator-1 CA");
    }

    /**
     * A peer that crash-loops issues a new CA at every start. The bundle keeps the long-lived replica's CA however often
     * that happens, and of the peer only its newest; the CA of a replica whose pod is gone goes.
     */
    @Test
    void aPeerRestartedTenTimesNeverPushesOutALiveReplicasCa() {
        String longLived = WebhookCertificate.issue("operator-a", List.of("localhost"), NOW, YEAR).caPem();
        String bundle = CaBundle.withCa("", longLived, NOW, Optional.of(Set.of("operator-a", "operator-b")));
        String newestOfB = null;
        for (int start = 1; start <= 10; start++) {
            newestOfB = WebhookCertificate.issue("operator-b", List.of("localhost"), NOW.plusSeconds(start), YEAR).caPem();
            bundle = CaBundle.withCa(bundle, newestOfB, NOW.plusSeconds(start), Optional.of(Set.of("operator-a", "operator-b")));
        }
        String afterAPeerLeft = CaBundle.withCa(bundle, longLived, NOW.plusSeconds(20), Optional.of(Set.of("operator-a")));

        assertThat(CaBundle.parse(decoded(bundle))).containsExactlyInAnyOrder(certificateOf(longLived), certificateOf(newestOfB));
        assertThat(subjects(afterAPeerLeft)).containsExactly("CN=operator-a CA");
    }

    private static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> subjects(String bundle) {
        return CaBundle.parse(decoded(bundle)).stream().map(c -> c.getSubjectX500Principal().getName()).toList();
    }

    private static String decoded(String bundle) {
        return new String(Base64.getDecoder().decode(bundle), StandardCharsets.UTF_8);
    }

    private static X509Certificate certificateOf(String pem) {
        return CaBundle.parse(pem).get(0);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
