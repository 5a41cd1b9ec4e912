package io.webmacs.migration.gate;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CA bundle of the webhook configuration. Every operator replica issues its own CA, named after the replica, so
 * the bundle holds the CAs of all replicas: each adds its own, and keeps of every other replica its newest CA (a replica
 * that restarted issued a new one), unless that has expired or the replica's pod is gone. No count limit: a live
 * replica's CA is never dropped, however often a peer restarts.
 */
public final class CaBundle {

    private static final Pattern REPLICA = Pattern.compile("CN=(.+) CA");

    private CaBundle() {
    }

    /**
     * {@code existing} (base64 of PEM, as in caBundle; may be empty) with {@code caPem} added, as base64.
     * {@code liveReplicas}: the replicas whose pods exist, or empty when they could not be listed (then no replica's
     * CA is dropped for that).
     */
    public static String withCa(String existing, String caPem, Instant now, Optional<Set<String>> liveReplicas) {
        X509Certificate own = parse(caPem).get(0);
        Map<String, X509Certificate> newestByReplica = new LinkedHashMap<>();
        for (X509Certificate ca : parse(existing == null || existing.isBlank()
                ? "" : new String(Base64.getDecoder().decode(existing), StandardCharsets.UTF_8))) {
            String replica = replica(ca);
            boolean alive = liveReplicas.map(live -> live.contains(replica)).orElse(true);
            if (!ca.getNotAfter().toInstant().isBefore(now) && alive && !replica.equals(replica(own))) {
                newestByReplica.merge(replica, ca, (a, b) -> a.getNotBefore().after(b.getNotBefore()) ? a : b);
            }
        }
        StringBuilder pem = new StringBuilder(encode(own));
        newestByReplica.values().forEach(c -> pem.append(encode(c)));
        return Base64.getEncoder().encodeToString(pem.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The replica that issued {@code ca}, from its subject; a CA of another issuer stands for itself. */
    private static String replica(X509Certificate ca) {
        String subject = ca.getSubjectX500Principal().getName();
        Matcher named = REPLICA.matcher(subject);
        return named.matches() ? named.group(1) : subject;
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
