package io.webmacs.migration.engine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import liquibase.ChecksumVersion;
import liquibase.Scope;
import liquibase.changelog.ChangeSet;

/**
 * The built-in changelog as its rows in {@code databasechangelog} read, in order: each changeset's revision, id,
 * author, file and checksums. The build writes it (see the pom), so that telling where a database is needs no Liquibase.
 */
public record ChangelogIndex(List<Entry> entries) {

    static final String RESOURCE = "db/webmacs/changelog.index";

    /**
     * One changeset; {@code tag} is set on the changeset that ends (and names) its revision. {@code checksums} holds its
     * checksum first, then those of its earlier forms that it also accepts ({@code validCheckSum}).
     */
    public record Entry(String revision, String id, String author, String file, List<String> checksums, boolean tag) {

        private String line() {
            return String.join("\t", revision, id, author, file, String.join(",", checksums), tag ? "tag" : "-");
        }

        private static Entry parse(String line) {
            String[] f = line.split("\t", -1);
            return new Entry(f[0], f[1], f[2], f[3], List.of(f[4].split(",")), f[5].equals("tag"));
        }
    }

    /** The index of the built-in changelog, as the build wrote it into the jar; null when this build has none. */
    static ChangelogIndex builtIn() {
        try (InputStream in = ChangelogIndex.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return null;
            }
            List<Entry> entries = new ArrayList<>();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                reader.lines().filter(l -> !l.isBlank()).map(Entry::parse).forEach(entries::add);
            }
            return new ChangelogIndex(List.copyOf(entries));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The index of {@code changelog}, with the checksums this Liquibase stores. */
    static ChangelogIndex of(Changelog changelog) throws Exception {
        List<Entry> entries = new ArrayList<>();
        for (String revision : changelog.revisions()) {
            List<ChangeSet> changeSets = changelog.changeSets(revision);
            for (int i = 0; i < changeSets.size(); i++) {
                ChangeSet c = changeSets.get(i);
                List<String> checksums = new ArrayList<>();
                checksums.add(Scope.child(Map.of(Scope.Attr.resourceAccessor.name(), changelog.resourceAccessor()),
                        () -> c.generateCheckSum(ChecksumVersion.latest()).toString()));
                c.getValidCheckSums().forEach(valid -> checksums.add(valid.toString()));
                entries.add(new Entry(revision, c.getId(), c.getAuthor(), c.getFilePath(), List.copyOf(checksums), i == changeSets.size() - 1));
            }
        }
        return new ChangelogIndex(List.copyOf(entries));
    }

    /** The newest revision. */
    String head() {
        return entries.get(entries.size() - 1).revision();
    }

    /**
     * Writes the built-in changelog's index to the file given: the build runs this after compiling. It parses the
     * changelog checked against Liquibase's XML schema, which the run-time load skips.
     */
    public static void main(String[] args) throws Exception {
        List<String> lines = of(Changelog.builtIn(true)).entries().stream().map(Entry::line).toList();
        Path file = Path.of(args[0]);
        Files.createDirectories(file.getParent());
        Files.write(file, lines, StandardCharsets.UTF_8);
    }
}
