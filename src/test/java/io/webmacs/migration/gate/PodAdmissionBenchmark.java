package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.run.MigrateContainer;
import io.webmacs.migration.testsupport.RunnerDefaults;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the webhook spends on one AdmissionReview, without TLS and HTTP: parsing the request, deciding against the
 * DatabaseMigrations of the pod's namespace (10 here, one gating the backend), and writing the answer. Run it with
 * {@code bench/admission.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PodAdmissionBenchmark {

    private String otherPod;
    private String backendPod;
    private AdmissionReview otherPodReview;
    private List<DatabaseMigration> migrations;

    @Setup
    public void setUp() throws Exception {
        otherPod = fixture("other-pod.json");
        backendPod = fixture("backend-pod.json");
        otherPodReview = Serialization.unmarshal(otherPod, AdmissionReview.class);
        migrations = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            DatabaseMigration elsewhere = PodAdmissionTest.gatedDeployment(false);
            elsewhere.getMetadata().setName("other-" + i);
            elsewhere.getSpec().getRollout().setWorkloadRef(null);
            elsewhere.getSpec().getRollout().setPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "tool-" + i).build());
            migrations.add(elsewhere);
        }
        migrations.add(PodAdmissionTest.gatedDeployment(false));
    }

    /** A pod no DatabaseMigration selects: the decision alone. */
    @Benchmark
    public AdmissionReview untouchedPodDecision() {
        return PodAdmission.review(otherPodReview, ns -> new PodAdmission.Migrations(migrations, true), this::initContainer, PodAdmissionTest.WEBMACS_REVISIONS);
    }

    /** A pod no DatabaseMigration selects: request parsed, decided, answer written. */
    @Benchmark
    public String untouchedPodRequest() {
        return answer(otherPod);
    }

    /** A backend pod that gets the scheduling gate: request parsed, decided, patch and answer written. */
    @Benchmark
    public String gatedPodRequest() {
        return answer(backendPod);
    }

    private String answer(String request) {
        AdmissionReview review = Serialization.unmarshal(request, AdmissionReview.class);
        return Serialization.asJson(PodAdmission.review(review, ns -> new PodAdmission.Migrations(migrations, true), this::initContainer, PodAdmissionTest.WEBMACS_REVISIONS));
    }

    private PodAdmission.InitContainer initContainer(DatabaseMigration migration) {
        return new PodAdmission.InitContainer(MigrateContainer.of(migration, Verb.UPGRADE, "005_oidc_sso", null,
                RunnerDefaults.RUNNER), MigrateContainer.volumes(migration), "0123456789");
    }

    private static String fixture(String name) throws Exception {
        try (InputStream in = PodAdmissionBenchmark.class.getResourceAsStream("/admission/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
