package io.webmacs.migration.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Posts AdmissionReviews to the operator's webhook the way the API server does: HTTPS, trusting only the caBundle. */
public final class WebhookClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient https;
    private final URI endpoint;

    public WebhookClient(int port, String caPem) throws Exception {
        this.https = HttpClient.newBuilder().sslContext(trusting(caPem)).build();
        this.endpoint = URI.create("https://localhost:" + port + "/admission/pods");
    }

    /** The webhook's answer to the fixture's AdmissionReview, moved to namespace {@code ns}. */
    public JsonNode admit(String fixture, String ns) throws Exception {
        HttpResponse<String> response = https.send(HttpRequest.newBuilder(endpoint).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(review(fixture, ns)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** The pod of the fixture with the webhook's JSON Patch applied, named as the ReplicaSet controller would. */
    public static Pod admittedPod(String fixture, String ns, JsonNode answer) throws Exception {
        JsonNode patch = JSON.readTree(Base64.getDecoder().decode(answer.at("/response/patch").asText()));
        ObjectNode pod = (ObjectNode) JsonPatch.apply(patch, review(fixture, ns).at("/request/object"));
        ((ObjectNode) pod.get("metadata")).put("name", pod.at("/metadata/generateName").asText() + "x1y2z");
        return JSON.treeToValue(pod, Pod.class);
    }

    /** An AdmissionReview from src/test/resources/admission, moved to namespace {@code ns}. */
    public static JsonNode review(String fixture, String ns) throws Exception {
        try (InputStream in = WebhookClient.class.getResourceAsStream("/admission/" + fixture)) {
            ObjectNode review = (ObjectNode) JSON.readTree(in);
            ((ObjectNode) review.get("request")).put("namespace", ns);
            ((ObjectNode) review.at("/request/object/metadata")).put("namespace", ns);
            return review;
        }
    }

    private static SSLContext trusting(String caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        int i = 0;
        for (Certificate ca : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.UTF_8)))) {
            trust.setCertificateEntry("ca-" + i++, ca);
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context;
    }
}
