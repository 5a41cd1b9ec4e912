package io.webmacs.migration.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in changelog as it was before a change to its changesets, kept in {@code changelogs/<form>/}; the other
 * files are today's. Databases migrated with it hold its checksums in their history.
 */
public enum EarlierChangelog {

    /**
     * Before 003 and 004 took their online forms (issue 26): 003 added its foreign keys validated at once, 004 rewrote
     * every user. Its files are those of commit 8b5bd57 ({@code git show 8b5bd57:src/main/resources/db/webmacs/003_fk_ondelete.xml}).
     */
    BEFORE_ONLINE("before-online", List.of("003_fk_ondelete.xml", "004_rbac_api_tokens.xml")),
    /**
     * Before 004 was split into expand and contract (issue 27): one step added role and dropped admin. Its file is that
     * of commit 65329cf ({@code git show 65329cf:src/main/resources/db/webmacs/004_rbac_api_tokens.xml}).
     */
    BEFORE_EXPAND("before-expand", List.of("004_rbac_api_tokens.xml"));

    /** The root changelog, which includes the others. */
    public static final String ROOT = "changelog.xml";
    private static final List<String> FILES = List.of(ROOT, "000_baseline.xml", "001_plugins.xml",
            "002_plugin_packages.xml", "003_fk_ondelete.xml", "004_rbac_api_tokens.xml", "005_oidc_sso.xml");

    private final String directory;
    private final List<String> changed;

    EarlierChangelog(String directory, List<String> changed) {
        this.directory = directory;
        this.changed = changed;
    }

    /** The form before issue 26, which most tests of earlier histories use. */
    public static Path writeTo(Path dir) {
        return BEFORE_ONLINE.write(dir);
    }

    /** Writes this form into {@code dir}; returns the path to pass as --changelog. Its changesets keep their identities. */
    public Path write(Path dir) {
        try {
            for (Map.Entry<String, String> file : files().entrySet()) {
                Files.writeString(dir.resolve(file.getKey()), file.getValue());
            }
            return dir.resolve(ROOT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This form's files by name, as a changelog ConfigMap holds them; its root is {@link #ROOT}. */
    public Map<String, String> files() {
        Map<String, String> files = new LinkedHashMap<>();
        for (String file : FILES) {
            files.put(file, read((changed.contains(file) ? "/changelogs/" + directory + "/" : "/db/webmacs/") + file));
        }
        return files;
    }

    private static String read(String resource) {
        try (InputStream in = EarlierChangelog.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
