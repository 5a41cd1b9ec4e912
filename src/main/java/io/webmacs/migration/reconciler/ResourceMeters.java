package io.webmacs.migration.reconciler;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.config.OperatorMetric;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The meters of each DatabaseMigration, tagged with its namespace and name: gauges that can be set, moved to other
 * labels and taken away, and counters; all of them go when the DatabaseMigration does.
 */
final class ResourceMeters {

    /** Which DatabaseMigration a meter is of. */
    record Owner(String namespace, String name) {

        static Owner of(DatabaseMigration resource) {
            return new Owner(resource.getMetadata().getNamespace(), resource.getMetadata().getName());
        }

        Tags tags() {
            return Tags.of("namespace", namespace, "name", name);
        }
    }

    /**
     * One series of a metric for an owner; {@code slot} tells apart series of one metric whose labels change, such as the
     * condition of each type.
     */
    private record Key(Owner owner, OperatorMetric metric, String slot) {
    }

    /** A series as it is now: its labels besides the owner's, and its value. */
    record Series(Tags labels, double value) {
    }

    /** A registered gauge, its labels besides the owner's, and its value (as the bits of a double). */
    private record Held(Tags labels, AtomicLong bits, Meter meter) {
    }

    private final MeterRegistry registry;
    private final Map<Key, Held> gauges = new ConcurrentHashMap<>();
    private final Map<Key, Counter> counters = new ConcurrentHashMap<>();

    ResourceMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    void set(Owner owner, OperatorMetric metric, double value) {
        set(owner, metric, "", Tags.empty(), value);
    }

    /** Sets the series of {@code slot} to {@code value} with {@code labels}, replacing the slot's series of other labels. */
    void set(Owner owner, OperatorMetric metric, String slot, Tags labels, double value) {
        Held held = gauges.compute(new Key(owner, metric, slot), (key, was) -> {
            if (was != null && was.labels().equals(labels)) {
                return was;
            }
            if (was != null) {
                registry.remove(was.meter());
            }
            AtomicLong bits = new AtomicLong();
            Gauge gauge = metric.gauge(bits, b -> Double.longBitsToDouble(b.get())).tags(owner.tags().and(labels)).register(registry);
            return new Held(labels, bits, gauge);
        });
        held.bits().set(Double.doubleToLongBits(value));
    }

    /** Takes the series of {@code metric} away for {@code owner}: what it measures is not there. */
    void remove(Owner owner, OperatorMetric metric) {
        remove(owner, metric, "");
    }

    void remove(Owner owner, OperatorMetric metric, String slot) {
        Held held = gauges.remove(new Key(owner, metric, slot));
        if (held != null) {
            registry.remove(held.meter());
        }
    }

    /** The series of {@code slot} as it is now, if there is one. */
    Optional<Series> series(Owner owner, OperatorMetric metric, String slot) {
        return Optional.ofNullable(gauges.get(new Key(owner, metric, slot)))
                .map(held -> new Series(held.labels(), Double.longBitsToDouble(held.bits().get())));
    }

    /** The slots of {@code metric} that {@code owner} has series in. */
    Set<String> slots(Owner owner, OperatorMetric metric) {
        return gauges.keySet().stream().filter(k -> k.owner().equals(owner) && k.metric() == metric).map(Key::slot)
                .collect(Collectors.toSet());
    }

    /** The owner's counter, registered (at 0) the first time it is asked for. */
    Counter counter(Owner owner, OperatorMetric metric) {
        return counters.computeIfAbsent(new Key(owner, metric, ""), key -> metric.counter().tags(owner.tags()).register(registry));
    }

    /** Removes every meter of every owner that {@code exists} no longer accepts. */
    void removeAllBut(Predicate<Owner> exists) {
        removeAllBut(gauges, Held::meter, exists);
        removeAllBut(counters, counter -> counter, exists);
    }

    private <T> void removeAllBut(Map<Key, T> held, Function<T, Meter> meterOf, Predicate<Owner> exists) {
        held.entrySet().removeIf(entry -> {
            boolean gone = !exists.test(entry.getKey().owner());
            if (gone) {
                registry.remove(meterOf.apply(entry.getValue()));
            }
            return gone;
        });
    }
}
