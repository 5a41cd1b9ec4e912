package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.webmacs.migration.config.OperatorMetric;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * webmacs_migration_condition_since_timestamp_seconds: a series per DatabaseMigration and condition type, labelled with
 * the condition's status and reason, valued when it took them. When the status flips, that is the condition's
 * lastTransitionTime; when only the reason changes (Kubernetes keeps lastTransitionTime then), the moment the operator
 * saw it, in whole seconds as lastTransitionTime is. A condition this replica sees for the first time (after a restart,
 * or a change of leader) counts from its lastTransitionTime, the earliest its reason can have begun.
 */
final class ConditionSince {

    private static final OperatorMetric METRIC = OperatorMetric.CONDITION_SINCE;

    private ConditionSince() {
    }

    /** One series for each of {@code conditions}, none for a type they no longer have (Drifted once checks are off). */
    static void update(ResourceMeters meters, ResourceMeters.Owner owner, List<Condition> conditions, Instant now) {
        for (Condition condition : conditions) {
            Tags labels = Tags.of("type", condition.getType(), "status", condition.getStatus(),
                    "reason", Objects.toString(condition.getReason(), ""));
            double since = since(meters.series(owner, METRIC, condition.getType()), labels, condition, now);
            meters.set(owner, METRIC, condition.getType(), labels, since);
        }
        Set<String> types = conditions.stream().map(Condition::getType).collect(Collectors.toSet());
        meters.slots(owner, METRIC).stream().filter(type -> !types.contains(type)).forEach(type -> meters.remove(owner, METRIC, type));
    }

    /** In seconds since the epoch: when the condition, now labelled {@code labels}, took its status and reason. */
    private static double since(Optional<ResourceMeters.Series> before, Tags labels, Condition condition, Instant now) {
        if (before.isPresent() && before.get().labels().equals(labels)) {
            return before.get().value();
        }
        boolean reasonOnly = before.isPresent() && condition.getStatus().equals(status(before.get().labels()));
        Instant since = reasonOnly || condition.getLastTransitionTime() == null ? now.truncatedTo(ChronoUnit.SECONDS)
                : Instant.parse(condition.getLastTransitionTime());
        return since.toEpochMilli() / 1000.0;
    }

    private static String status(Tags labels) {
        return labels.stream().filter(tag -> tag.getKey().equals("status")).map(Tag::getValue).findFirst().orElse(null);
    }
}
