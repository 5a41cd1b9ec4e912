package io.webmacs.migration.testsupport;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.function.Consumer;

/** An informer handler that treats an added and an updated resource alike and ignores deletions. */
public record AddOrUpdate<T>(Consumer<T> action) implements ResourceEventHandler<T> {

    @Override
    public void onAdd(T resource) {
        action.accept(resource);
    }

    @Override
    public void onUpdate(T before, T after) {
        action.accept(after);
    }

    @Override
    public void onDelete(T resource, boolean deletedFinalStateUnknown) {
    }
}
