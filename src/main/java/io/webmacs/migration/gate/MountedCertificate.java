package io.webmacs.migration.gate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A serving certificate someone else issues and renews: {@code tls.crt} and {@code tls.key} in a directory, as a
 * cert-manager Secret mounted into the operator's pod. The kubelet swaps the files in place when the Secret changes.
 */
final class MountedCertificate {

    private final Path directory;
    private String certificatePem;
    private String privateKeyPem;

    MountedCertificate(Path directory) {
        this.directory = directory;
        reload();
    }

    String certificatePem() {
        return certificatePem;
    }

    String privateKeyPem() {
        return privateKeyPem;
    }

    /** Reads the files again; true when they changed since they were last read. */
    boolean reload() {
        String certificate = read("tls.crt");
        String key = read("tls.key");
        boolean changed = !certificate.equals(certificatePem) || !key.equals(privateKeyPem);
        certificatePem = certificate;
        privateKeyPem = key;
        return changed;
    }

    private String read(String file) {
        try {
            return Files.readString(directory.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the webhook's " + file + " in " + directory, e);
        }
    }
}
