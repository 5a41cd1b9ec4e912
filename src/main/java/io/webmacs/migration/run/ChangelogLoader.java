package io.webmacs.migration.run;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.webmacs.migration.api.ChangelogMode;
import io.webmacs.migration.api.ChangelogSpec;
import io.webmacs.migration.api.ImageChangelog;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.engine.Changelog;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Parses the changelog a resource names, the built-in one or a ConfigMap's, with the runner's own parser, so the
 * operator knows its revisions before a Job runs; for a changelog in the runner image, takes the revisions the image
 * listed (status.changelog). Parsed changelogs are cached by content.
 */
@ApplicationScoped
public class ChangelogLoader {

    /**
     * The changelog a resource uses, or why it cannot be used; {@code file} is the root file's ConfigMap key, or its path
     * in the runner image. {@code unread}: a changelog in the runner image whose revisions the operator has yet to learn.
     */
    public record Loaded(ChangelogRevisions revisions, Map<String, String> files, String file, String problem, boolean unread) {
        public boolean usable() {
            return problem == null && !unread;
        }
    }

    /** What a parsed changelog is made of: the ConfigMap's files, its root file, and whether it extends the built-in one. */
    private record Source(Map<String, String> files, String file, ChangelogMode mode) {
    }

    private static final int CACHED = 64;
    private final Map<Source, ChangelogRevisions> cache = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Source, ChangelogRevisions> eldest) {
            return size() > CACHED;
        }
    });
    private volatile ChangelogRevisions builtIn;

    /**
     * The changelog for {@code spec} ({@code null}: the built-in one), given the ConfigMap it names, if any was found, or
     * for a changelog in the runner {@code image}, the revisions the image listed, if they were recorded.
     */
    public Loaded load(ChangelogSpec spec, ConfigMap configMap, String image, ImageChangelog listed) {
        if (spec == null) {
            return new Loaded(builtIn(), Map.of(), null, null, false);
        }
        if (spec.inImage()) {
            boolean known = listed != null && listed.isOf(image, spec);
            return new Loaded(known ? new ChangelogRevisions(listed.revisions()) : null, Map.of(), spec.getPath(), null, !known);
        }
        String name = spec.getConfigMapRef().getName();
        if (configMap == null) {
            return problem("ConfigMap " + name + " (spec.changelog.configMapRef) does not exist in this namespace");
        }
        Map<String, String> files = configMap.getData() == null ? Map.of() : Map.copyOf(configMap.getData());
        String file = spec.getFile() != null ? spec.getFile() : files.size() == 1 ? files.keySet().iterator().next() : null;
        if (file == null) {
            return problem("ConfigMap " + name + " has " + files.size() + " keys; set spec.changelog.file to the root changelog");
        }
        if (!files.containsKey(file)) {
            return problem("ConfigMap " + name + " has no key " + file);
        }
        try {
            return new Loaded(cache.computeIfAbsent(new Source(files, file, spec.getMode()), ChangelogLoader::parse), files, file, null, false);
        } catch (MigrationException e) {
            return problem("ConfigMap " + name + ": " + e.getMessage());
        }
    }

    private ChangelogRevisions builtIn() {
        if (builtIn == null) {
            builtIn = ChangelogRevisions.of(Changelog.load(null));
        }
        return builtIn;
    }

    /** Writes the files where the runner's parser can read them, as the Job's volume will hold them. */
    private static ChangelogRevisions parse(Source source) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("changelog");
            for (Map.Entry<String, String> entry : source.files().entrySet()) {
                Files.writeString(dir.resolve(entry.getKey()), entry.getValue());
            }
            Path root = dir.resolve(source.file());
            return ChangelogRevisions.of(source.mode() == ChangelogMode.Extend ? Changelog.extended(root) : Changelog.load(root));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory; nothing depends on it
        }
    }

    private static Loaded problem(String message) {
        return new Loaded(null, Map.of(), null, message, false);
    }
}
