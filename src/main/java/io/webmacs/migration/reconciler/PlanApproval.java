package io.webmacs.migration.reconciler;

import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.PlanFinding;
import io.webmacs.migration.api.PlanLock;
import io.webmacs.migration.api.PlanStatus;
import io.webmacs.migration.contract.Finding;
import io.webmacs.migration.contract.Plan;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** What a plan Job reported, as status.plan, and whether that plan may run: approved, empty, or not to be approved. */
final class PlanApproval {

    private PlanApproval() {
    }

    /** status.plan for the plan {@code job} reported for {@code fingerprint}. */
    static PlanStatus status(DatabaseMigration resource, Plan plan, String job, String fingerprint) {
        PlanStatus status = new PlanStatus();
        status.setHash(plan.hash());
        status.setDirection(plan.direction() == null ? null : plan.direction().word());
        status.setDatabase(plan.database());
        status.setFrom(plan.from());
        status.setTo(plan.to());
        status.setAdopts(plan.adopts());
        status.setRevisions(plan.revisions().stream().map(Plan.PlannedRevision::revision).toList());
        status.setFindings(plan.findings().stream().map(f -> new PlanFinding(f.kind().code(), f.changeset(), f.table(), f.detail())).toList());
        status.setLocks(plan.locks().stream().map(l -> new PlanLock(l.table(), l.mode(), l.estimatedRows(), l.sizeBytes())).toList());
        status.setOmitted(plan.omitted() == 0 ? null : plan.omitted());
        status.setDestructive(plan.destructive());
        status.setBlocksWrites(plan.blocksWrites());
        status.setBlockedTableRows(plan.blockedTableRows());
        status.setApproved(approved(resource, plan));
        status.setJob(job);
        status.setFingerprint(fingerprint);
        status.setConfigMap(PlanConfigMap.name(resource));
        return status;
    }

    /** Approved: approval is Automatic, the plan changes nothing, or the annotation holds the plan's hash. */
    static boolean approved(DatabaseMigration resource, Plan plan) {
        boolean changesNothing = plan.revisions().isEmpty() && plan.adopts() == null;
        return !resource.getSpec().needsApproval() || changesNothing || plan.hash().equals(annotation(resource).orElse(null));
    }

    /** The AwaitingApproval message: what the plan does and the exact commands that approve it. */
    static String awaiting(DatabaseMigration resource, PlanStatus plan) {
        String name = resource.getMetadata().getName();
        String namespace = resource.getMetadata().getNamespace();
        String stale = annotation(resource).map(h -> " The annotation approves plan " + h + ", not this one.").orElse("");
        return "Plan " + plan.getHash() + " (" + plan.getDirection() + " " + plan.getFrom() + " -> " + plan.getTo() + " on "
                + plan.getDatabase() + ": "
                + plan.getRevisions().size() + " revisions, " + plan.getFindings().size() + " findings"
                + (Boolean.TRUE.equals(plan.getDestructive()) ? ", destructive" : "")
                + (Boolean.TRUE.equals(plan.getBlocksWrites()) ? ", blocks writes" : "") + ") awaits approval; the SQL is in ConfigMap "
                + plan.getConfigMap() + "." + stale + " Approve it with: kubectl annotate -n " + namespace + " dbm/" + name + " --overwrite "
                + DatabaseMigration.APPROVED_PLAN + "=" + plan.getHash() + " (or: webmacs-migrate approve " + name + " -n " + namespace + ")";
    }

    /**
     * Whether policy.maxBlockedTableRows refuses the plan: a step blocks writes to a table larger than the limit, or of
     * an unknown size.
     */
    static boolean blocksTooMuch(DatabaseMigration resource, Plan plan) {
        Long limit = resource.getSpec().maxBlockedTableRows();
        return limit != null && plan.blocksWrites() && (plan.blockedTableRows() == null || plan.blockedTableRows() > limit);
    }

    /** The DestructivePlanDenied message, naming the destructive findings. */
    static String denied(PlanStatus plan) {
        return refused(plan, kind -> Finding.Kind.ofCode(kind).destructive(), "has destructive steps and spec.policy.destructive is Deny",
                "Change the target or the changelog, or set spec.policy.destructive: Allow");
    }

    /** The WriteBlockingPlanDenied message, naming the steps that block writes. */
    static String deniedWriteBlocking(PlanStatus plan, long limit) {
        Long rows = plan.getBlockedTableRows();
        return refused(plan, kind -> Finding.Kind.ofCode(kind) == Finding.Kind.BLOCKS_WRITES, "blocks writes to a table of "
                        + (rows == null ? "unknown size" : "~" + rows + " rows") + " while it scans or rewrites it, and"
                        + " spec.policy.maxBlockedTableRows is " + limit,
                "Write those steps in their online forms (each finding says how), or raise spec.policy.maxBlockedTableRows");
    }

    private static String refused(PlanStatus plan, Predicate<String> kinds, String why, String remedy) {
        Map<String, String> byKind = plan.getFindings().stream().filter(f -> kinds.test(f.kind()))
                .collect(Collectors.groupingBy(PlanFinding::kind, TreeMap::new,
                        Collectors.mapping(PlanFinding::describe, Collectors.joining(", "))));
        Integer omitted = plan.getOmitted();
        String more = omitted == null ? "" : (byKind.isEmpty() ? "" : "; ") + omitted + (omitted == 1 ? " finding or lock" : " findings and locks")
                + " not shown in the status, ConfigMap " + plan.getConfigMap() + " has them all";
        return "Plan " + plan.getHash() + " (" + plan.getDirection() + " " + plan.getFrom() + " -> " + plan.getTo() + ") " + why
                + "; nothing ran: " + String.join("; ", byKind.values()) + more + ". " + remedy;
    }

    private static Optional<String> annotation(DatabaseMigration resource) {
        return resource.annotation(DatabaseMigration.APPROVED_PLAN);
    }
}
