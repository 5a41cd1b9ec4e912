package io.webmacs.migration.reconciler;

import static io.webmacs.migration.reconciler.ActionFailedException.act;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.PlanStatus;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.config.OperatorSettings;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.dependent.MigrationJobDependent;

import io.webmacs.migration.gate.Gates;
import io.webmacs.migration.gate.MigrationCache;
import io.webmacs.migration.run.ChangelogLoader;
import io.webmacs.migration.run.ChangelogRevisions;
import io.webmacs.migration.run.EffectiveRunner;
import io.webmacs.migration.run.JobRequest;
import io.webmacs.migration.run.RunInput;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns a DatabaseMigration into at most one migration Job per input, and the Job's result into status; with
 * spec.driftCheck, into drift check Jobs too. The decisions are {@link RunDecider}'s and {@link DriftDecider}'s; this
 * class observes, acts on them, and writes status only when it changed.
 */
// Not generation-aware: the approved-plan annotation changes no generation, and must still start the migration.
@ControllerConfiguration(generationAwareEventProcessing = false)
@Workflow(explicitInvocation = true, dependents = @Dependent(type = MigrationJobDependent.class))
@RBACRule(apiGroups = "", resources = "pods", verbs = {"get", "list", "watch", "patch"})
@RBACRule(apiGroups = "", resources = "pods/log", verbs = "get")
@RBACRule(apiGroups = "", resources = "configmaps", verbs = {"get", "list", "watch", "create", "update", "patch"})
@RBACRule(apiGroups = "", resources = "events", verbs = {"create", "patch"})
@RBACRule(apiGroups = "batch", resources = "jobs", verbs = {"delete", "patch"})
@RBACRule(apiGroups = "apps", resources = "deployments", verbs = "get")
@RBACRule(apiGroups = "coordination.k8s.io", resources = "leases", verbs = {"get", "create", "update"})
@RBACRule(apiGroups = "admissionregistration.k8s.io", resources = "mutatingwebhookconfigurations", verbs = {"get", "update"})
public class DatabaseMigrationReconciler implements Reconciler<DatabaseMigration> {

    static final String CONFIG_MAP_INDEX = "changelogConfigMap";
    private static final String JOB_PODS = "jobPods";
    private static final String GATED_PODS = "gatedPods";

    private final ChangelogLoader changelogs;
    private final OperatorSettings settings;
    private final MigrationEvents events;
    private final MigrationMetrics metrics;
    private final MigrationCache migrationCache;
    private final HeldPods heldPods = new HeldPods();
    private final Clock clock;

    public DatabaseMigrationReconciler(ChangelogLoader changelogs, OperatorSettings settings, MigrationEvents events,
            MigrationMetrics metrics, MigrationCache migrationCache) {
        this.changelogs = changelogs;
        this.settings = settings;
        this.events = events;
        this.metrics = metrics;
        this.migrationCache = migrationCache;
        this.clock = Clock.systemUTC();
    }

    @Override
    public UpdateControl<DatabaseMigration> reconcile(DatabaseMigration resource, Context<DatabaseMigration> context) {
        Map<Verb, List<ObservedRun>> observed = observeJobs(resource, context).stream()
                .collect(Collectors.groupingBy(run -> run.verb() == Verb.CHECK || run.verb() == Verb.REVISIONS ? run.verb() : Verb.UPGRADE));
        List<ObservedRun> jobs = observed.getOrDefault(Verb.UPGRADE, List.of());
        List<ObservedRun> checks = observed.getOrDefault(Verb.CHECK, List.of());
        List<ObservedRun> listings = observed.getOrDefault(Verb.REVISIONS, List.of());
        String image = EffectiveRunner.of(resource, settings.runner()).image();
        ImageChangelogListing listing = ImageChangelogListing.of(resource, image, listings);
        ChangelogLoader.Loaded changelog = changelogs.load(resource.getSpec().getChangelog(),
                context.getSecondaryResource(ConfigMap.class).orElse(null), image, listing.changelog());
        String fingerprint = RunInput.of(resource, changelog, settings.runner()).fingerprint();
        List<ObservedRun> runs = resource.getSpec().runsInInitContainers() ? observeInitContainers(resource, context) : jobs;
        Instant now = clock.instant();
        List<String> revisions = changelog.usable() ? changelog.revisions().revisions() : List.of();
        RunOutcome outcome = refused(resource, context).or(listing::outcome).orElseGet(() ->
                RunDecider.decide(resource, changelog, fingerprint, runs, retryPolicy(resource),
                        new RolloutCompletion(context.getClient(), revisions), now));
        DatabaseMigrationStatus status = StatusDraft.of(resource, outcome, now);
        status.setChangelog(listing.changelog());
        DriftDecider.Decision drift = DriftDecider.decide(resource, status, checks, fingerprint, changelog.file(), now);

        writePlanConfigMap(resource, status, context);
        if (outcome.createJob() != null) {
            removeOlderFailedJobs(jobs, status, context);
        }
        JobRequest request = outcome.createJob() != null ? outcome.createJob() : drift.createJob();
        if (request != null) {
            context.managedWorkflowAndDependentResourceContext().put(MigrationJobDependent.REQUEST, request);
            act("create the " + request.verb().word() + " Job", () -> context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow());
        }
        DriftDecider.obsolete(resource, checks).forEach(check -> delete(check, context));
        ImageChangelogListing.obsolete(resource, image, listings).forEach(failed -> delete(failed, context));
        expireSucceededJobs(jobs, fingerprint, context);
        expireSucceededJobs(listings, fingerprint, context);
        events.emit(resource, resource.getStatus(), status);
        metrics.observed(resource, resource.getStatus(), status, now);
        if (changelog.usable() && status.getTargetRevision() != null) {
            metrics.pendingChangesets(resource, pendingChangesets(changelog, status));
        }

        UpdateControl<DatabaseMigration> control = UpdateControl.noUpdate();
        if (!status.equals(resource.getStatus())) {
            resource.setStatus(status);
            control = UpdateControl.patchStatus(resource);
        }
        metrics.gatedPods(resource, liftGates(resource, revisions, context));
        Duration requeueAfter = Stream.of(outcome.requeueAfter(), drift.requeueAfter()).filter(Objects::nonNull).min(Comparator.naturalOrder())
                .orElse(null);
        return requeueAfter == null ? control : control.rescheduleAfter(requeueAfter);
    }

    /** A write of the act phase failed: the status says which, and what the API server answered; JOSDK retries. */
    @Override
    public ErrorStatusUpdateControl<DatabaseMigration> updateErrorStatus(DatabaseMigration resource, Context<DatabaseMigration> context,
            Exception error) {
        boolean retriesSpent = context.getRetryInfo().map(RetryInfo::isLastAttempt).orElse(false);
        Instant now = clock.instant();
        DatabaseMigrationStatus status = ErrorStatus.of(resource, error, retriesSpent, now);
        metrics.observed(resource, resource.getStatus(), status, now);
        resource.setStatus(status);
        return ErrorStatusUpdateControl.patchStatus(resource);
    }

    /**
     * What must hold before any Job runs: the runner image is one the operator may run with the database's credentials,
     * and, when plans are made, the plan ConfigMap is not somebody else's (the operator does not watch it: looked at
     * again every minute).
     */
    private Optional<RunOutcome> refused(DatabaseMigration resource, Context<DatabaseMigration> context) {
        Optional<String> image = EffectiveRunner.of(resource, settings.runner()).imageRefusal(settings.runner());
        if (image.isPresent()) {
            return Optional.of(RunDecider.refused(resource, Conditions.IMAGE_NOT_ALLOWED, image.get(), null));
        }
        return (resource.getSpec().plansFirst() ? PlanConfigMap.taken(context.getClient(), resource) : Optional.<String>empty())
                .map(why -> RunDecider.refused(resource, Conditions.PLAN_CONFIG_MAP_TAKEN, why, Duration.ofMinutes(1)));
    }

    private RunDecider.RetryPolicy retryPolicy(DatabaseMigration resource) {
        OperatorSettings.Runner defaults = settings.runner();
        return new RunDecider.RetryPolicy(EffectiveRunner.of(resource, defaults).retryLimit(), defaults.retryBackoff(),
                defaults.maxRetryBackoff());
    }

    /** Every Job of this resource, with the pod that ran it. */
    private static List<ObservedRun> observeJobs(DatabaseMigration resource, Context<DatabaseMigration> context) {
        Map<String, Pod> podsByJob = pods(JOB_PODS, resource, context).stream()
                .filter(p -> p.getMetadata().getLabels() != null && p.getMetadata().getLabels().containsKey(Labels.JOB))
                .collect(Collectors.toMap(p -> p.getMetadata().getLabels().get(Labels.JOB), p -> p,
                        (a, b) -> a.getMetadata().getCreationTimestamp().compareTo(b.getMetadata().getCreationTimestamp()) >= 0 ? a : b));
        return context.getSecondaryResources(Job.class).stream()
                .map(job -> ObservedRun.ofJob(job, podsByJob.get(job.getMetadata().getName())))
                .toList();
    }

    /** InitContainer mode: the migrate init containers the webhook injected into this resource's pods. */
    private static List<ObservedRun> observeInitContainers(DatabaseMigration resource, Context<DatabaseMigration> context) {
        return pods(GATED_PODS, resource, context).stream().filter(ObservedRun::hasInjectedInitContainer)
                .map(ObservedRun::ofInitContainer).toList();
    }

    /**
     * Lifts the gates that may go and returns the pods this resource's scheduling gate still holds. Once the schema is
     * ready every gate goes, but those of pods that declare a schema the database does not serve (an old image after
     * contract): they stay held, with an Event that says why.
     */
    private List<Pod> liftGates(DatabaseMigration resource, List<String> revisions, Context<DatabaseMigration> context) {
        String gate = Gates.gateName(resource);
        List<Pod> gated = pods(GATED_PODS, resource, context).stream().filter(pod -> Gates.hasGate(pod, gate)).toList();
        if (!Gates.readyForGeneration(resource)) {
            return gated;
        }
        Map<Boolean, List<Pod>> admitted = gated.stream().collect(Collectors.partitioningBy(pod -> HeldPods.why(pod, resource, revisions).isEmpty()));
        admitted.get(true).forEach(pod -> act("lift the scheduling gate of pod " + pod.getMetadata().getName(),
                () -> Gates.lift(context.getClient(), pod, gate)));
        heldPods.announce(resource, admitted.get(false), revisions, events);
        return admitted.get(false);
    }

    private static Set<Pod> pods(String eventSource, DatabaseMigration resource, Context<DatabaseMigration> context) {
        return context.eventSourceRetriever().getEventSourceFor(Pod.class, eventSource).getSecondaryResources(resource);
    }

    /**
     * Keeps the last failed Job for its logs; earlier failed ones go when a new run starts. Newest is by the status
     * history (newest first), then by creation time: creation times are whole seconds, and two Jobs may share one.
     */
    private static void removeOlderFailedJobs(List<ObservedRun> runs, DatabaseMigrationStatus status, Context<DatabaseMigration> context) {
        List<String> history = status.getHistory() == null ? List.of() : status.getHistory().stream().map(MigrationRun::getJob).toList();
        Comparator<ObservedRun> newestFirst = Comparator.comparingInt((ObservedRun r) -> {
            int place = history.indexOf(r.name());
            return place < 0 ? Integer.MAX_VALUE : place;
        }).thenComparing(r -> r.source().getMetadata().getCreationTimestamp(), Comparator.reverseOrder());
        runs.stream().filter(r -> r.state() == RunResult.FAILED).sorted(newestFirst).skip(1).forEach(r -> delete(r, context));
    }

    private static void delete(ObservedRun job, Context<DatabaseMigration> context) {
        act("delete the Job " + job.name(),
                () -> context.getClient().resource(job.source()).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete());
    }

    /** A newly observed plan: its whole text, from the plan pod's log, goes to the plan ConfigMap. */
    private static void writePlanConfigMap(DatabaseMigration resource, DatabaseMigrationStatus status, Context<DatabaseMigration> context) {
        PlanStatus plan = status.getPlan();
        PlanStatus before = resource.getStatus() == null ? null : resource.getStatus().getPlan();
        if (plan == null || (before != null && plan.getJob().equals(before.getJob()))) {
            return;
        }
        String pod = pods(JOB_PODS, resource, context).stream().filter(p -> plan.getJob().equals(p.getMetadata().getLabels().get(Labels.JOB)))
                .map(p -> p.getMetadata().getName()).findFirst().orElse(null);
        act("write the plan ConfigMap " + PlanConfigMap.name(resource), () -> PlanConfigMap.write(context.getClient(), resource, plan, pod));
    }

    /**
     * A successful Job expires after the configured time; until then its pod's logs stay readable. A plan Job that is
     * the latest Job of the current input stays: its plan waits for approval.
     */
    private void expireSucceededJobs(List<ObservedRun> runs, String fingerprint, Context<DatabaseMigration> context) {
        int ttl = (int) settings.runner().successfulJobTtl().toSeconds();
        runs.stream().filter(r -> r.state() == RunResult.SUCCEEDED && ((Job) r.source()).getSpec().getTtlSecondsAfterFinished() == null)
                .filter(r -> !awaitsApproval(r, runs, fingerprint))
                .forEach(r -> act("set the expiry of the Job " + r.name(),
                        () -> context.getClient().batch().v1().jobs().inNamespace(r.source().getMetadata().getNamespace())
                                .withName(r.name()).edit(job -> {
                                    job.getSpec().setTtlSecondsAfterFinished(ttl);
                                    return job;
                                })));
    }

    private static boolean awaitsApproval(ObservedRun run, List<ObservedRun> runs, String fingerprint) {
        return run.verb() == Verb.PLAN && fingerprint.equals(run.fingerprint())
                && runs.stream().noneMatch(r -> fingerprint.equals(r.fingerprint()) && r.attempt() > run.attempt());
    }

    private static int pendingChangesets(ChangelogLoader.Loaded changelog, DatabaseMigrationStatus status) {
        ChangelogRevisions revisions = changelog.revisions();
        int from = status.getRevision() == null ? 0 : revisions.position(status.getRevision());
        int to = revisions.position(status.getTargetRevision());
        return to > from ? revisions.changeSetsBetween(from, to) : 0;
    }

    @Override
    public List<EventSource<?, DatabaseMigration>> prepareEventSources(EventSourceContext<DatabaseMigration> context) {
        context.getPrimaryCache().addIndexer(CONFIG_MAP_INDEX, resource -> resource.getSpec().changelogConfigMap()
                .map(name -> List.of(configMapKey(resource.getMetadata().getNamespace(), name))).orElse(List.of()));
        InformerEventSource<ConfigMap, DatabaseMigration> configMaps = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(ConfigMap.class, DatabaseMigration.class)
                        .withSecondaryToPrimaryMapper(configMap -> context.getPrimaryCache()
                                .byIndex(CONFIG_MAP_INDEX, configMapKey(configMap.getMetadata().getNamespace(), configMap.getMetadata().getName()))
                                .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                        .withPrimaryToSecondaryMapper((DatabaseMigration resource) -> resource.getSpec().changelogConfigMap()
                                .map(name -> Set.of(new ResourceID(name, resource.getMetadata().getNamespace()))).orElse(Set.of()))
                        .build(), context);
        migrationCache.use(context.getPrimaryCache(), configMaps);
        return List.of(configMaps, podsLabelled(JOB_PODS, Labels.SELECTOR, Labels.MIGRATION, context),
                podsLabelled(GATED_PODS, Gates.GATED_BY, Gates.GATED_BY, context));
    }

    /** Pods selected by {@code selector}, each mapped to the DatabaseMigration its label {@code owner} names. */
    private static InformerEventSource<Pod, DatabaseMigration> podsLabelled(String name, String selector, String owner,
            EventSourceContext<DatabaseMigration> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, DatabaseMigration.class)
                .withName(name)
                .withLabelSelector(selector)
                .withSecondaryToPrimaryMapper(pod -> Set.of(new ResourceID(pod.getMetadata().getLabels().get(owner),
                        pod.getMetadata().getNamespace())))
                .build(), context);
    }

    private static String configMapKey(String namespace, String name) {
        return namespace + "/" + name;
    }
}
