package io.webmacs.migration.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The built-in changelog as it was before 003 and 004 took their online forms (issue 26): 003 added its foreign keys
 * validated at once, 004 rewrote every user. Its files {@code changelogs/before-online/} are those of commit 8b5bd57
 * ({@code git show 8b5bd57:src/main/resources/db/webmacs/003_fk_ondelete.xml}); the other revisions did not change.
 * Databases migrated with it hold its checksums in their history.
 */
public final class EarlierChangelog {

    private static final List<String> CHANGED = List.of("003_fk_ondelete.xml", "004_rbac_api_tokens.xml");
    private static final List<String> UNCHANGED = List.of("changelog.xml", "000_baseline.xml", "001_plugins.xml",
            "002_plugin_packages.xml", "005_oidc_sso.xml");

    private EarlierChangelog() {
    }

    /** Writes it into {@code dir}; returns the path to pass as --changelog. Its changesets keep their identities. */
    public static Path writeTo(Path dir) {
        try {
            for (String file : UNCHANGED) {
                copy("/db/webmacs/" + file, dir.resolve(file));
            }
            for (String file : CHANGED) {
                copy("/changelogs/before-online/" + file, dir.resolve(file));
            }
            return dir.resolve("changelog.xml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(String resource, Path to) throws IOException {
        try (InputStream in = EarlierChangelog.class.getResourceAsStream(resource)) {
            Files.copy(in, to);
        }
    }
}
