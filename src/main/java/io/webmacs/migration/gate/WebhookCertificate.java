package io.webmacs.migration.gate;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority and the serving certificate it signs, made in memory by the operator for its webhook:
 * the private keys never leave the process, so the operator needs no Secret.
 */
public record WebhookCertificate(String caPem, String certificatePem, String privateKeyPem, Instant notAfter) {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Issues a new CA and a serving certificate for {@code dnsNames}, valid from {@code now} for {@code validity}. */
    public static WebhookCertificate issue(String commonName, List<String> dnsNames, Instant now, Duration validity) {
        try {
            KeyPair caKeys = keyPair();
            KeyPair serverKeys = keyPair();
            Instant notBefore = now.minus(Duration.ofMinutes(5)); // tolerate clocks a little behind ours
            Instant notAfter = now.plus(validity);
            X500Name ca = new X500Name("CN=" + commonName + " CA");
            X509v3CertificateBuilder caBuilder = new JcaX509v3CertificateBuilder(ca, serial(), Date.from(notBefore),
                    Date.from(notAfter), ca, caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate caCertificate = sign(caBuilder, caKeys);
            X509v3CertificateBuilder serverBuilder = new JcaX509v3CertificateBuilder(ca, serial(), Date.from(notBefore),
                    Date.from(notAfter), new X500Name("CN=" + commonName), serverKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(dnsNames.stream()
                            .map(name -> new GeneralName(GeneralName.dNSName, name)).toArray(GeneralName[]::new)));
            X509Certificate serverCertificate = sign(serverBuilder, caKeys);
            return new WebhookCertificate(pem(caCertificate), pem(serverCertificate),
                    pem(new JcaPKCS8Generator(serverKeys.getPrivate(), null).generate()), notAfter);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("could not issue the webhook certificate", e);
        }
    }

    /** Whether a third of the validity or less is left: time to issue a new one. */
    public boolean dueForRenewal(Instant now, Duration validity) {
        return now.isAfter(notAfter.minus(validity.dividedBy(3)));
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return text.toString();
    }
}
