package io.webmacs.migration.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.testsupport.AddOrUpdate;
import io.webmacs.migration.testsupport.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator at scale on a real API server, run by {@code bench/cluster-scale.sh}: DatabaseMigrations over several
 * namespaces, each with a database of its own, and the operator installed with {@code kubectl apply}, running as the
 * pod of its Deployment (its own JVM, its ServiceAccount's token) on the real node, which also runs the Jobs' pods. The
 * figures are the operator's own: apply to Job created and Job finished to Ready (median and p99, both seen by one
 * watcher), the operator's RSS and heap after a full GC, and the status writes it makes while nothing changes.
 * Arguments: namespaces, resources per namespace, idle minutes (default 20 50 5).
 */
public final class ScaleBenchmark {

    private final Map<String, Instant> applied = new ConcurrentHashMap<>();
    private final Map<String, Instant> jobCreated = new ConcurrentHashMap<>();
    private final Map<String, Instant> jobFinished = new ConcurrentHashMap<>();
    private final Map<String, Instant> ready = new ConcurrentHashMap<>();
    private final AtomicInteger statusWrites = new AtomicInteger();

    public static void main(String[] args) throws Exception {
        int namespaces = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int perNamespace = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int idleMinutes = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        if (ControlPlane.unavailable().isPresent()) {
            System.err.println(ControlPlane.unavailable().get());
            System.exit(2);
        }
        new ScaleBenchmark().run(namespaces, perNamespace, idleMinutes);
        System.exit(0);
    }

    private void run(int namespaces, int perNamespace, int idleMinutes) throws Exception {
        int total = namespaces * perNamespace;
        try (OperatorCluster operator = OperatorCluster.installedWithKubectl("scale")) {
            KubernetesClient client = operator.client();
            SharedIndexInformer<Job> jobs = client.batch().v1().jobs().inAnyNamespace().inform(new AddOrUpdate<>(this::observeJob));
            SharedIndexInformer<DatabaseMigration> migrations = client.resources(DatabaseMigration.class).inAnyNamespace()
                    .inform(new ResourceEventHandler<>() {
                        @Override
                        public void onAdd(DatabaseMigration migration) {
                            observeMigration(migration, migration);
                        }

                        @Override
                        public void onUpdate(DatabaseMigration before, DatabaseMigration after) {
                            observeMigration(before, after);
                        }

                        @Override
                        public void onDelete(DatabaseMigration migration, boolean deletedFinalStateUnknown) {
                        }
                    });

            List<DatabaseMigration> toApply = new ArrayList<>();
            for (int n = 0; n < namespaces; n++) {
                String ns = "scale-" + n;
                client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
                for (int i = 0; i < perNamespace; i++) {
                    String name = "webmacs-" + i;
                    Fixtures.databaseSecret(client, ns, name + "-db", operator.newDatabase());
                    toApply.add(Fixtures.migration(ns, name, name + "-db", "head"));
                }
            }
            System.out.printf("%d databases and Secrets ready; applying %d DatabaseMigrations%n", total, total);
            Instant start = Instant.now();
            for (DatabaseMigration migration : toApply) {
                client.resource(migration).create();
                applied.put(key(migration), Instant.now());
            }
            while (ready.size() < total) {
                TimeUnit.SECONDS.sleep(1);
            }
            Duration allReady = Duration.between(start, Instant.now());

            int writesBefore = statusWrites.get();
            TimeUnit.MINUTES.sleep(idleMinutes);
            int idleWrites = statusWrites.get() - writesBefore;
            long pid = operator.node().pid(operator.operatorPods().get(0), "operator");
            String report = report(total, namespaces, allReady, idleMinutes, idleWrites, pid);
            System.out.print(report);
            Files.writeString(Path.of("target", "cluster-scale.txt"), report);
            jobs.close();
            migrations.close();
        }
    }

    private void observeJob(Job job) {
        String owner = job.getMetadata().getNamespace() + "/" + job.getMetadata().getLabels().get(Labels.MIGRATION);
        jobCreated.putIfAbsent(owner, Instant.now());
        if (job.getStatus() != null && job.getStatus().getConditions().stream()
                .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()))) {
            jobFinished.putIfAbsent(owner, Instant.now());
        }
    }

    /** Counts the writes to a Ready resource; notes when it first became Ready. */
    private void observeMigration(DatabaseMigration before, DatabaseMigration migration) {
        if (migration.getStatus() == null) {
            return;
        }
        if (ready.containsKey(key(migration))) {
            if (!before.getMetadata().getResourceVersion().equals(migration.getMetadata().getResourceVersion())) {
                statusWrites.incrementAndGet();
            }
        } else if (migration.getStatus().condition(Conditions.READY).filter(c -> "True".equals(c.getStatus())).isPresent()) {
            ready.put(key(migration), Instant.now());
        }
    }

    private String report(int total, int namespaces, Duration allReady, int idleMinutes, int idleWrites, long pid)
            throws IOException, InterruptedException {
        List<Long> toJob = new ArrayList<>();
        List<Long> toReady = new ArrayList<>();
        for (String key : applied.keySet()) {
            toJob.add(Duration.between(applied.get(key), jobCreated.get(key)).toMillis());
            toReady.add(Duration.between(jobFinished.get(key), ready.get(key)).toMillis());
        }
        jcmd(pid, "GC.run");
        String heapInfo = jcmd(pid, "GC.heap_info");
        // Every generation's use (one line for G1; the young and the old generation for the serial collector, which the
        // JVM picks under the chart's memory limit), not Metaspace's.
        long heapKiB = heapInfo.lines().filter(line -> !line.contains("Metaspace") && !line.contains("class space"))
                .map(Pattern.compile("used (\\d+)K")::matcher).filter(Matcher::find).mapToLong(m -> Long.parseLong(m.group(1))).sum();
        if (!heapInfo.contains("used")) {
            throw new IllegalStateException("jcmd GC.heap_info answered: " + heapInfo);
        }
        Matcher rss = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        long rssKiB = rss.find() ? Long.parseLong(rss.group(1)) : -1;
        return String.format("""
                %d DatabaseMigrations over %d namespaces, Kubernetes %s, all Ready %d s after the first apply
                apply -> Job created:       median %5d ms   p99 %5d ms
                Job finished -> Ready:      median %5d ms   p99 %5d ms
                operator RSS:               %d MiB
                operator heap after GC:     %d MiB
                status writes while idle:   %d in %d minutes
                """, total, namespaces, ControlPlane.VERSION, allReady.toSeconds(), percentile(toJob, 50), percentile(toJob, 99),
                percentile(toReady, 50), percentile(toReady, 99), rssKiB / 1024, heapKiB / 1024, idleWrites, idleMinutes);
    }

    /**
     * jcmd on the operator's JVM in its container, as the container's user: a JVM answers only a jcmd of its own user,
     * and finds it through the container's /tmp.
     */
    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        String uid = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream().filter(line -> line.startsWith("Uid:"))
                .findFirst().orElseThrow().split("\\s+")[1];
        Process jcmd = new ProcessBuilder("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), command)
                .redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor();
        return output;
    }

    private static long percentile(List<Long> values, int percent) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(Math.max(0, (int) Math.ceil(percent / 100.0 * sorted.size()) - 1));
    }

    private static String key(HasMetadata resource) {
        return resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    }
}
