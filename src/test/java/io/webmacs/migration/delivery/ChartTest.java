package io.webmacs.migration.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.webmacs.migration.testsupport.GrafanaDashboard;
import io.webmacs.migration.testsupport.RestrictedPodSecurity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Helm chart: lints clean, renders the right objects for each watch scope, refuses bad values. */
class ChartTest {

    private static final Path OPERATOR_YAML = Path.of("deploy", "operator.yaml");

    @Test
    void lintsCleanInStrictMode() {
        LintResult lint = new Helm(Chart.DIRECTORY).lint().strict().call();

        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void defaultsWatchAllNamespacesWithAClusterRole() {
        List<HasMetadata> objects = Chart.objects(Chart.render(Map.of()));

        assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrder("ServiceAccount", "ClusterRole",
                "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service", "CustomResourceDefinition",
                "Service", "MutatingWebhookConfiguration", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
                "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ClusterRole", "ClusterRole", "ClusterRole",
                "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
        Container operator = operatorContainer(objects);
        assertThat(operator.getEnv()).noneMatch(e -> e.getName().equals("WEBMACS_NAMESPACES"));
        assertThat(operator.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("WEBMACS_RUNNER_IMAGE");
            assertThat(e.getValue()).isEqualTo(operator.getImage());
        });
        assertThat(objects).filteredOn(o -> o.getKind().equals("CustomResourceDefinition")).singleElement()
                .satisfies(crd -> assertThat(crd.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep"));
    }

    @Test
    void webhookConfigurationSendsNewPodsToTheOperatorLeavingSystemNamespacesAlone() {
        List<HasMetadata> objects = Chart.objects(Chart.render(Map.of("webhook.failurePolicy", "Fail",
                "webhook.objectSelector.matchLabels.app", "webmacs-backend")));

        MutatingWebhookConfiguration configuration = objects.stream().filter(MutatingWebhookConfiguration.class::isInstance)
                .map(MutatingWebhookConfiguration.class::cast).findFirst().orElseThrow();
        MutatingWebhook webhook = configuration.getWebhooks().get(0);
        assertThat(webhook.getFailurePolicy()).isEqualTo("Fail");
        assertThat(webhook.getSideEffects()).isEqualTo("None");
        assertThat(webhook.getClientConfig().getService().getPath()).isEqualTo("/admission/pods");
        assertThat(webhook.getClientConfig().getService().getName()).isEqualTo(Chart.RELEASE + "-webhook");
        assertThat(webhook.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getOperations()).containsExactly("CREATE");
            assertThat(rule.getResources()).containsExactly("pods");
        });
        assertThat(webhook.getNamespaceSelector().getMatchExpressions()).singleElement()
                .satisfies(e -> assertThat(e.getValues()).contains(Chart.NAMESPACE, "kube-system"));
        assertThat(webhook.getObjectSelector().getMatchLabels()).containsEntry("app", "webmacs-backend");
        assertThat(operatorContainer(objects).getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("WEBMACS_WEBHOOK_CONFIGURATION_NAME");
            assertThat(e.getValue()).isEqualTo(configuration.getMetadata().getName());
        });
    }

    @Test
    void withCertManagerTheOperatorServesTheMountedCertificateAndTheCaInjectorFillsTheBundle() {
        List<HasMetadata> objects = Chart.objects(Chart.render(Map.of("webhook.certManager.enabled", true)));

        MutatingWebhookConfiguration configuration = objects.stream().filter(MutatingWebhookConfiguration.class::isInstance)
                .map(MutatingWebhookConfiguration.class::cast).findFirst().orElseThrow();
        assertThat(configuration.getMetadata().getAnnotations())
                .containsEntry("cert-manager.io/inject-ca-from", Chart.NAMESPACE + "/" + Chart.RELEASE + "-webhook");
        GenericKubernetesResource certificate = certManager(objects, "Certificate");
        assertThat(certificate.get("spec", "secretName").toString()).isEqualTo(Chart.RELEASE + "-webhook-tls");
        assertThat(certificate.get("spec", "dnsNames").toString()).contains(Chart.RELEASE + "-webhook." + Chart.NAMESPACE + ".svc");
        assertThat(certificate.get("spec", "issuerRef").toString()).isEqualTo("{kind=Issuer, name=" + Chart.RELEASE + "-webhook}");
        assertThat(certManager(objects, "Issuer").get("spec").toString()).isEqualTo("{selfSigned={}}");

        Deployment deployment = deployment(objects);
        Container operator = operatorContainer(objects);
        String directory = operator.getEnv().stream().filter(e -> e.getName().equals("WEBMACS_WEBHOOK_CERTIFICATE_DIR"))
                .findFirst().orElseThrow().getValue();
        assertThat(operator.getVolumeMounts()).anySatisfy(mount -> {
            assertThat(mount.getMountPath()).isEqualTo(directory);
            assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes()).anySatisfy(volume -> {
                assertThat(volume.getName()).isEqualTo(mount.getName());
                assertThat(volume.getSecret().getSecretName()).isEqualTo(Chart.RELEASE + "-webhook-tls");
            });
        });
        assertThat(operator.getEnv()).noneMatch(e -> e.getName().equals("WEBMACS_WEBHOOK_CONFIGURATION_NAME"));
        // The operator no longer touches the MutatingWebhookConfiguration, so it gets no grant on it.
        assertThat(objects).filteredOn(o -> o instanceof ClusterRole).flatExtracting(o -> ((ClusterRole) o).getRules())
                .noneMatch(rule -> rule.getResources().contains("mutatingwebhookconfigurations"));
        RestrictedPodSecurity.assertMeets("operator Deployment with cert-manager", deployment.getSpec().getTemplate().getSpec());
    }

    @Test
    void withCertManagerAnExistingIssuerCanSign() {
        List<HasMetadata> objects = Chart.objects(Chart.render(Map.of("webhook.certManager.enabled", true,
                "webhook.certManager.issuerRef.kind", "ClusterIssuer", "webhook.certManager.issuerRef.name", "internal-ca")));

        assertThat(certManager(objects, "Certificate").get("spec", "issuerRef").toString())
                .isEqualTo("{kind=ClusterIssuer, name=internal-ca}");
        assertThat(objects).extracting(HasMetadata::getKind).doesNotContain("Issuer");
    }

    @Test
    void releaseScopeUsesARoleInTheReleaseNamespaceOnly() {
        List<HasMetadata> objects = Chart.objects(Chart.render(Map.of("watch.scope", "release")));

        // The one cluster-wide grant left to the operator is the webhook's: its own MutatingWebhookConfiguration, by name.
        assertThat(operatorClusterRoles(objects)).singleElement().satisfies(o ->
                assertThat(((ClusterRole) o).getRules()).singleElement().satisfies(rule -> {
                    assertThat(rule.getResources()).containsExactly("mutatingwebhookconfigurations");
                    assertThat(rule.getResourceNames()).containsExactly(Chart.RELEASE);
                }));
        assertThat(objects).filteredOn(o -> o.getKind().equals("Role")).extracting(o -> o.getMetadata().getNamespace())
                .containsOnly(Chart.NAMESPACE);
        assertThat(operatorContainer(objects).getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("WEBMACS_NAMESPACES");
            assertThat(e.getValue()).isEqualTo(Chart.NAMESPACE);
        });
    }

    @Test
    void namespaceListGetsARoleInEachListedNamespace() {
        List<HasMetadata> objects = Chart.objects(Chart.render(Map.of("watch.scope", "namespaces", "watch.namespaces[0]", "lab",
                "watch.namespaces[1]", "plant", "webhook.enabled", false)));

        assertThat(objects).extracting(HasMetadata::getKind).doesNotContain("ClusterRoleBinding");
        assertThat(operatorClusterRoles(objects)).isEmpty();
        assertThat(objects).filteredOn(o -> o.getKind().equals("RoleBinding")).extracting(o -> o.getMetadata().getNamespace())
                .containsExactlyInAnyOrder("lab", "plant", Chart.NAMESPACE);
        assertThat(operatorContainer(objects).getEnv()).anySatisfy(e -> assertThat(e.getValue()).isEqualTo("lab,plant"));
    }

    @Test
    void installNotesSayWhatWasInstalledAndHowToCheckIt() {
        String all = Chart.installNotes(Map.of());
        String listed = Chart.installNotes(Map.of("watch.scope", "namespaces", "watch.namespaces[0]", "lab",
                "watch.namespaces[1]", "plant", "webhook.enabled", false));

        assertThat(all).contains("installed in the namespace " + Chart.NAMESPACE, "It watches all namespaces.",
                "admission webhook is on (failurePolicy Ignore)",
                "kubectl -n " + Chart.NAMESPACE + " rollout status deployment/" + Chart.RELEASE,
                "kubectl wait --for=condition=Ready databasemigration/NAME", "#readme");
        assertThat(listed).contains("It watches the namespaces lab, plant.").doesNotContain("admission webhook");
    }

    /** How a published chart runs exactly the image it was published with (release/publish.sh sets image.digest). */
    @Test
    void anImageDigestPinsTheOperatorAndItsJobsToThatImage() {
        String digest = "sha256:" + "0123456789abcdef".repeat(4);
        Container operator = operatorContainer(Chart.objects(Chart.render(Map.of("image.repository", "registry.example/webmacs/operator",
                "image.tag", "0.1.0", "image.digest", digest))));

        assertThat(operator.getImage()).isEqualTo("registry.example/webmacs/operator@" + digest);
        assertThat(operator.getEnv()).filteredOn(e -> e.getName().equals("WEBMACS_RUNNER_IMAGE")).singleElement()
                .satisfies(e -> assertThat(e.getValue()).as("the migration Jobs' image").isEqualTo(operator.getImage()));
        assertThatThrownBy(() -> Chart.render(Map.of("image.digest", "0.1.0"))).hasMessageContaining("/image/digest");
    }

    @Test
    void optionalObjectsFollowTheirSwitches() {
        List<HasMetadata> objects = Chart.objects(Chart.render(Map.of("metrics.serviceMonitor.enabled", true,
                "metrics.service.enabled", false, "crds.install", false, "leaderElection.enabled", false, "webhook.enabled", false)));

        assertThat(objects).extracting(HasMetadata::getKind).contains("ServiceMonitor")
                .doesNotContain("Service", "CustomResourceDefinition", "Role", "RoleBinding", "MutatingWebhookConfiguration");
    }

    @Test
    void operatorPodMeetsTheRestrictedPodSecurityStandard() {
        Deployment deployment = deployment(Chart.objects(Chart.render(Map.of())));

        RestrictedPodSecurity.assertMeets("operator Deployment", deployment.getSpec().getTemplate().getSpec());
        Container operator = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(operator.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(operator.getResources().getLimits()).containsKey("memory");
        assertThat(operator.getStartupProbe().getHttpGet().getPath()).isEqualTo("/q/health/started");
        assertThat(operator.getStartupProbe().getPeriodSeconds() * operator.getStartupProbe().getFailureThreshold())
                .as("seconds a slow start may take before liveness counts").isGreaterThanOrEqualTo(300);
        assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
    }

    @Test
    void badValuesAreRejectedNamingTheValue() {
        assertThatThrownBy(() -> Chart.render(Map.of("replicas", 0))).hasMessageContaining("/replicas");
        assertThatThrownBy(() -> Chart.render(Map.of("watch.scope", "some"))).hasMessageContaining("/watch/scope");
        assertThatThrownBy(() -> Chart.render(Map.of("watch.scope", "namespaces"))).hasMessageContaining("namespaces");
        assertThatThrownBy(() -> Chart.render(Map.of("log.format", "xml"))).hasMessageContaining("/log/format");
        assertThatThrownBy(() -> Chart.render(Map.of("webhook.failurePolicy", "Sometimes"))).hasMessageContaining("/webhook/failurePolicy");
        assertThatThrownBy(() -> Chart.render(Map.of("imageTag", "1.0"))).hasMessageContaining("imageTag");
        assertThatThrownBy(() -> Chart.render(Map.of("webhook.certManager.issuerRef.kind", "Vault")))
                .hasMessageContaining("/webhook/certManager/issuerRef/kind");
        assertThatThrownBy(() -> Chart.render(Map.of("metrics.prometheusRule.thresholds.waitingForLockSeconds", "soon")))
                .hasMessageContaining("/metrics/prometheusRule/thresholds/waitingForLockSeconds");
        assertThatThrownBy(() -> Chart.render(Map.of("metrics.prometheusRule.thresholds.gatedPodSeconds", 0)))
                .hasMessageContaining("/metrics/prometheusRule/thresholds/gatedPodSeconds");
        assertThatThrownBy(() -> Chart.render(Map.of("metrics.grafanaDashboard.folder", "WebMACS"))).hasMessageContaining("folder");
        // Fail with the default selectors would hold every pod of the cluster (CNI, ingress) while the operator is down.
        assertThatThrownBy(() -> Chart.render(Map.of("webhook.failurePolicy", "Fail"))).hasMessageContaining("/webhook");
    }

    @Test
    void chartCarriesTheCommittedCrd() throws Exception {
        String file = "databasemigrations.migrations.webmacs.io-v1.yml";
        assertThat(Files.readString(Chart.DIRECTORY.resolve("files").resolve(file)))
                .withFailMessage("The chart's copy of the CRD differs from crds/%s. Sync it with:%n  cp crds/%s %s/files/",
                        file, file, Chart.DIRECTORY)
                .isEqualTo(Files.readString(Path.of("crds", file)));
    }

    @Test
    void deployOperatorYamlIsTheChartRenderedWithDefaultsButTheCrd() throws Exception {
        // The CRD comes from crds/, so that kubectl delete -f deploy/operator.yaml never deletes the DatabaseMigrations.
        String rendered = Chart.render(Map.of("crds.install", false));
        if (Boolean.getBoolean("regenerate")) {
            Files.writeString(OPERATOR_YAML, rendered);
        }
        assertThat(Files.readString(OPERATOR_YAML))
                .withFailMessage("deploy/operator.yaml differs from the chart rendered with default values and crds.install=false."
                        + " Regenerate it with:%n"
                        + "  ./mvnw -B test -Dtest=ChartTest -Dregenerate=true")
                .isEqualTo(rendered);
    }

    @Test
    void deployMonitoringRulesAreTheChartsPrometheusRuleWithDefaults() throws Exception {
        String rules = "# The chart's PrometheusRule (templates/prometheusrule.yaml) with its default values, as a plain Prometheus rule\n"
                + "# file; docs/monitoring.md says what each alert means. Regenerated by the command in ChartTest.\n"
                + Chart.specOf(Chart.render(Map.of("metrics.prometheusRule.enabled", true)), "PrometheusRule");
        if (Boolean.getBoolean("regenerate")) {
            Files.createDirectories(Chart.PROMETHEUS_RULES.getParent());
            Files.writeString(Chart.PROMETHEUS_RULES, rules);
        }
        assertThat(Files.readString(Chart.PROMETHEUS_RULES))
                .withFailMessage("%s differs from the spec of the chart's PrometheusRule rendered with default values. Regenerate it with:%n"
                        + "  ./mvnw -B test -Dtest=ChartTest -Dregenerate=true", Chart.PROMETHEUS_RULES)
                .isEqualTo(rules);
    }

    /**
     * Off by default; on, the PrometheusRule carries the labels the Prometheus Operator selects rules by and the thresholds
     * of the values, the dashboard's ConfigMap the sidecar's label and the dashboard file itself, and the ServiceMonitor
     * keeps the metrics' own namespace label.
     */
    @Test
    void monitoringObjectsAreOffByDefaultAndCarryTheirValues() throws Exception {
        assertThat(Chart.objects(Chart.render(Map.of()))).extracting(HasMetadata::getKind).doesNotContain("PrometheusRule", "ConfigMap");

        String rendered = Chart.render(Map.of("metrics.prometheusRule.enabled", true, "metrics.prometheusRule.labels.release",
                "kube-prometheus-stack", "metrics.prometheusRule.thresholds.waitingForLockSeconds", 300,
                "metrics.grafanaDashboard.enabled", true, "metrics.serviceMonitor.enabled", true));
        List<HasMetadata> objects = Chart.objects(rendered);

        assertThat(objects).filteredOn(o -> o.getKind().equals("PrometheusRule")).singleElement()
                .satisfies(rule -> assertThat(rule.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack"));
        assertThat(Chart.specOf(rendered, "PrometheusRule")).contains("(webmacs_migration_lock_wait_since_timestamp_seconds) > 300\n");
        assertThat(objects).filteredOn(o -> o instanceof ConfigMap).singleElement().satisfies(o -> {
            ConfigMap dashboard = (ConfigMap) o;
            assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
            assertThat(dashboard.getData()).containsOnlyKeys("webmacs-migrations.json");
            assertThat(dashboard.getData().get("webmacs-migrations.json")).isEqualTo(Files.readString(GrafanaDashboard.FILE).stripTrailing());
        });
        assertThat(objects).filteredOn(o -> o.getKind().equals("ServiceMonitor")).singleElement()
                .satisfies(monitor -> assertThat(((GenericKubernetesResource) monitor).<Object>get("spec", "endpoints", 0, "honorLabels"))
                        .isEqualTo(true));
    }

    /**
     * Who may view, edit and approve DatabaseMigrations: view and edit join Kubernetes' own roles, approve is its own
     * grant, and the admission policy makes the annotation need it (unless turned off for Kubernetes before 1.30).
     */
    @Test
    void usersGetViewEditAndApproveRolesAndApprovingIsItsOwnVerb() {
        List<HasMetadata> objects = Chart.objects(Chart.render(Map.of()));

        assertThat(clusterRole(objects, "-view").getMetadata().getLabels()).containsEntry("rbac.authorization.k8s.io/aggregate-to-view", "true");
        assertThat(clusterRole(objects, "-edit").getMetadata().getLabels()).containsEntry("rbac.authorization.k8s.io/aggregate-to-edit", "true")
                .doesNotContainKey("rbac.authorization.k8s.io/aggregate-to-view");
        assertThat(clusterRole(objects, "-edit").getRules()).flatExtracting(PolicyRule::getVerbs).doesNotContain("approve");
        assertThat(clusterRole(objects, "-approve").getMetadata().getLabels()).noneSatisfy((k, v) -> assertThat(k).startsWith("rbac.authorization.k8s.io/aggregate"));
        assertThat(clusterRole(objects, "-approve").getRules()).flatExtracting(PolicyRule::getVerbs).contains("approve", "patch")
                .doesNotContain("update");
        String policy = Chart.RELEASE + "-approval";
        assertThat(objects).filteredOn(o -> o.getMetadata().getName().equals(policy)).extracting(HasMetadata::getKind)
                .containsExactlyInAnyOrder("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
        assertThat(Chart.objects(Chart.render(Map.of("approval.admissionPolicy", false))))
                .noneMatch(o -> o.getMetadata().getName().equals(policy));
    }

    /** The ClusterRoles the chart binds to the operator's ServiceAccount; the users' roles are bound by no one. */
    private static List<ClusterRole> operatorClusterRoles(List<HasMetadata> objects) {
        List<String> bound = objects.stream().filter(ClusterRoleBinding.class::isInstance).map(ClusterRoleBinding.class::cast)
                .map(b -> b.getRoleRef().getName()).toList();
        return objects.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
                .filter(r -> bound.contains(r.getMetadata().getName())).toList();
    }

    private static ClusterRole clusterRole(List<HasMetadata> objects, String suffix) {
        return objects.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
                .filter(r -> r.getMetadata().getName().equals(Chart.RELEASE + suffix)).findFirst().orElseThrow();
    }

    private static GenericKubernetesResource certManager(List<HasMetadata> objects, String kind) {
        return objects.stream().filter(o -> o.getKind().equals(kind) && o.getApiVersion().equals("cert-manager.io/v1"))
                .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
    }

    private static Deployment deployment(List<HasMetadata> objects) {
        return objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();
    }

    private static Container operatorContainer(List<HasMetadata> objects) {
        return deployment(objects).getSpec().getTemplate().getSpec().getContainers().get(0);
    }
}
