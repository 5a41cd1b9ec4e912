package io.webmacs.migration.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The certificate cert-manager keeps in a mounted Secret: read, and read again only when renewed. */
class MountedCertificateTest {

    @TempDir
    Path secret;

    @Test
    void aRenewedCertificateIsNoticedAnUnchangedOneIsNot() throws Exception {
        WebhookCertificate first = write(issue());
        MountedCertificate mounted = new MountedCertificate(secret);

        boolean changedWithoutRenewal = mounted.reload();
        WebhookCertificate renewed = write(issue());
        boolean changedAfterRenewal = mounted.reload();

        assertThat(changedWithoutRenewal).isFalse();
        assertThat(changedAfterRenewal).isTrue();
        assertThat(mounted.certificatePem()).isEqualTo(renewed.certificatePem()).isNotEqualTo(first.certificatePem());
        assertThat(mounted.privateKeyPem()).isEqualTo(renewed.privateKeyPem());
    }

    @Test
    void aMissingKeyIsReportedWithTheDirectory() throws Exception {
        Files.writeString(secret.resolve("tls.crt"), issue().certificatePem());

        assertThatThrownBy(() -> new MountedCertificate(secret)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("tls.key").hasMessageContaining(secret.toString());
    }

    private static WebhookCertificate issue() {
        return WebhookCertificate.issue("cert-manager", List.of("localhost"), Instant.now(), Duration.ofDays(90));
    }

    private WebhookCertificate write(WebhookCertificate certificate) throws Exception {
        Files.writeString(secret.resolve("tls.crt"), certificate.certificatePem());
        Files.writeString(secret.resolve("tls.key"), certificate.privateKeyPem());
        return certificate;
    }
}
