package io.webmacs.migration.gate;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The CA bundle of the webhook configuration. Every operator replica issues its own CA, so the bundle holds the CAs
 * of all replicas: each adds its own and drops expired ones, keeping the newest few.
 */
public final class CaBundle {

    static final int KEEP = 8;

    private CaBundle() {
    }

    /** {@code existing} (base64 of PEM, as in caBundle; may be empty) with {@code caPem} added. Returns base64. */
    public static String withCa(String existing, String caPem, Instant now) {
        List<X509Certificate> certificates = new ArrayList<>(parse(existing == null || existing.isBlank()
                ? "" : new String(Base64.getDecoder().decode(existing), StandardCharsets.UTF_8)));
        X509Certificate own = parse(caPem).get(0);
        certificates.removeIf(c -> c.getNotAfter().toInstant().isBefore(now) || c.equals(own));
        certificates.add(own);
        certificates.sort(Comparator.comparing(X509Certificate::getNotBefore).reversed());
        StringBuilder pem = new StringBuilder();
        certificates.stream().limit(KEEP).forEach(c -> pem.append(encode(c)));
        return Base64.getEncoder().encodeToString(pem.toString().getBytes(StandardCharsets.UTF_8));
    }

    static List<X509Certificate> parse(String pem) {
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8))).stream()
                    .map(X509Certificate.class::cast).filter(Objects::nonNull).toList();
        } catch (CertificateException e) {
            return List.of(); // an unreadable bundle is replaced by ours
        }
    }

    private static String encode(X509Certificate certificate) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
