package io.webmacs.migration.cluster;

import io.fabric8.kubeapitest.cert.CertManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * The certificates of the test clusters, made once per JVM by kube-api-test's generator (each one self-signed, so each
 * is also the CA that vouches for it): the API server's serving certificate, valid for every name a client inside or
 * outside the cluster dials, and a client certificate per {@link Identity}. The API server trusts the bundle of the
 * client certificates; the kubelet trusts the same bundle for the API server's calls to it.
 */
final class Certificates {

    /** Who talks to the API server, as the client certificate's subject says (O is the group, CN the user). */
    enum Identity {
        /** The tests, kube-controller-manager, and the API server calling kubelets: cluster-admin. */
        ADMIN("O=system:masters,CN=webmacs-test-admin"),
        /** The kubelet of node {@value Node#NAME}, authorized by the Node authorizer and NodeRestriction. */
        NODE("O=system:nodes,CN=system:node:" + Node.NAME),
        /** kube-scheduler, with its bootstrap RBAC role. */
        SCHEDULER("CN=system:kube-scheduler"),
        /** kube-proxy, with its bootstrap RBAC role (system:node-proxier). */
        PROXY("CN=system:kube-proxy");

        private final String subject;

        Identity(String subject) {
            this.subject = subject;
        }

        private String file() {
            return name().toLowerCase();
        }
    }

    private static final Path DIR = Path.of("target", "cluster", "certificates").toAbsolutePath();
    private static Certificates made;

    private Certificates() {
    }

    /** The certificates of this JVM, made on first use. */
    static synchronized Certificates get() {
        if (made == null) {
            try {
                Files.createDirectories(DIR);
                CertManager.generateKeyAndCertificate("CN=kube-apiserver", DIR.resolve("apiserver.key").toFile(),
                        DIR.resolve("apiserver.crt").toFile(), new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.iPAddress, ControlPlane.KUBERNETES_SERVICE_IP), dns("localhost"), dns("kubernetes"),
                        dns("kubernetes.default"), dns("kubernetes.default.svc"), dns("kubernetes.default.svc.cluster.local"));
                for (Identity identity : Identity.values()) {
                    CertManager.generateKeyAndCertificate(identity.subject, DIR.resolve(identity.file() + ".key").toFile(),
                            DIR.resolve(identity.file() + ".crt").toFile());
                }
                Files.writeString(DIR.resolve("clients.crt"), Arrays.stream(Identity.values()).map(i -> read(DIR.resolve(i.file() + ".crt")))
                        .collect(Collectors.joining()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            made = new Certificates();
        }
        return made;
    }

    /** The API server's certificate, which is also the CA its clients trust. */
    Path apiServerCertificate() {
        return DIR.resolve("apiserver.crt");
    }

    /** The API server's key; it also signs the service account tokens. */
    Path apiServerKey() {
        return DIR.resolve("apiserver.key");
    }

    /** The client certificates the API server and the kubelet accept: one per {@link Identity}. */
    Path clientCertificates() {
        return DIR.resolve("clients.crt");
    }

    Path certificate(Identity identity) {
        return DIR.resolve(identity.file() + ".crt");
    }

    Path key(Identity identity) {
        return DIR.resolve(identity.file() + ".key");
    }

    /** A kubeconfig for {@code identity} against the API server at {@code server}, with everything in it. */
    String kubeconfig(Identity identity, String server) {
        return """
                apiVersion: v1
                kind: Config
                clusters: [{name: cluster, cluster: {server: "%s", certificate-authority-data: "%s"}}]
                users: [{name: %s, user: {client-certificate-data: "%s", client-key-data: "%s"}}]
                contexts: [{name: cluster, context: {cluster: cluster, user: %s}}]
                current-context: cluster
                """.formatted(server, base64(apiServerCertificate()), identity.file(), base64(certificate(identity)), base64(key(identity)),
                identity.file());
    }

    private static GeneralName dns(String name) {
        return new GeneralName(GeneralName.dNSName, name);
    }

    private static String base64(Path file) {
        return Base64.getEncoder().encodeToString(read(file).getBytes());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
