package io.webmacs.migration.engine;

import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import liquibase.change.core.RawSQLChange;
import liquibase.change.core.TagDatabaseChange;
import liquibase.changelog.ChangeLogChild;
import liquibase.changelog.ChangeLogInclude;
import liquibase.changelog.ChangeSet;
import liquibase.serializer.core.xml.XMLChangeLogSerializer;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * An imported revision as a Liquibase changeset file beside the extension changelog, written by Liquibase's own XML
 * serializer, and the extension's {@code include} of it: one changeset with Alembic's upgrade statements and its
 * downgrade as the rollback, then the tag changeset named after the revision, as every built-in revision ends.
 */
public final class RevisionFile {

    /** The author of every imported changeset; its id is the revision's tag. */
    public static final String AUTHOR = "alembic";
    /** A WebMACS revision id as WebMACS writes them (005_oidc_sso), which alembic_version's varchar(32) holds. */
    private static final Pattern WEBMACS_REVISION = Pattern.compile("(\\d{3})_[a-z0-9_]+");
    private static final int MAX_TAG = 32;
    /** The last built-in revision's number: an extension's first revision is 006. */
    private static final int BUILT_IN_LAST = 5;
    private static final String CLOSING = "</databaseChangeLog>";

    private RevisionFile() {
    }

    /** What was written: the tag, the changeset file and the extension changelog that includes it. */
    public record Written(String tag, Path file, Path extension) {
    }

    /**
     * The tag of {@code revision}: its Alembic id when that already reads as a WebMACS revision ({@code 006_my_new_table}),
     * so alembic_version, which holds the tag, stays what WebMACS's Alembic knows. Otherwise (an id Alembic generated,
     * {@code a1b2c3d4e5f6}) the next number after the extension's last included revision, and the message in lower case
     * with underscores: {@code 006_add_my_new_table}.
     */
    public static String tagFor(AlembicRevision revision, Path extension) {
        if (WEBMACS_REVISION.matcher(revision.id()).matches() && revision.id().length() <= MAX_TAG) {
            return revision.id();
        }
        int last = BUILT_IN_LAST;
        for (String file : includedFiles(extension)) {
            Matcher numbered = WEBMACS_REVISION.matcher(Path.of(file).getFileName().toString().replaceFirst("\\.xml$", ""));
            if (numbered.matches()) {
                last = Math.max(last, Integer.parseInt(numbered.group(1)));
            }
        }
        String words = (revision.message().isBlank() ? revision.id() : revision.message()).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        String tag = String.format(Locale.ROOT, "%03d_%s", last + 1, words);
        return tag.length() <= MAX_TAG ? tag : tag.substring(0, MAX_TAG).replaceAll("_+$", "");
    }

    /**
     * Writes {@code tag}.xml beside {@code extension} and includes it at the extension's end, creating the extension when
     * it does not exist. Refuses, writing nothing, when either would overwrite a revision.
     */
    public static Written write(AlembicRevision revision, String tag, Path extension) {
        Path file = extension.toAbsolutePath().getParent().resolve(tag + ".xml");
        String include = tag + ".xml";
        if (Files.exists(file)) {
            throw new MigrationException(Failure.USAGE, file + " exists already; remove it to import " + revision.id() + " again.");
        }
        if (includedFiles(extension).contains(include)) {
            throw new MigrationException(Failure.USAGE, extension + " includes " + include + " already; remove that include to"
                    + " import " + revision.id() + " again.");
        }
        try {
            Files.write(file, serialize(changeSets(revision, tag, include)));
            ChangeLogInclude included = new ChangeLogInclude();
            included.setFile(include);
            included.setRelativeToChangelogFile(true);
            if (Files.exists(extension)) {
                String text = Files.readString(extension, StandardCharsets.UTF_8);
                int end = text.lastIndexOf(CLOSING);
                Files.writeString(extension, text.substring(0, end) + "    " + new XMLChangeLogSerializer().serialize(included, true)
                        + "\n" + text.substring(end), StandardCharsets.UTF_8);
            } else {
                Files.write(extension, serialize(List.of(included)));
            }
        } catch (IOException e) {
            throw new MigrationException(Failure.USAGE, "Could not write " + file + " or " + extension + ": " + e.getMessage(), e);
        }
        return new Written(tag, file, extension);
    }

    /** The revision's changeset, in a transaction unless Alembic leaves it somewhere, then its tag. */
    private static List<ChangeLogChild> changeSets(AlembicRevision revision, String tag, String logicalFile) {
        ChangeSet migration = new ChangeSet(tag, AUTHOR, false, false, logicalFile, null, null, revision.inTransaction(), null);
        migration.setComments("Alembic revision " + revision.id() + " (after " + revision.downRevision() + "): " + revision.message());
        revision.upgrade().forEach(sql -> migration.addChange(statement(sql)));
        revision.downgrade().forEach(sql -> migration.addRollbackChange(statement(sql)));
        ChangeSet tagging = new ChangeSet(tag + "-tag-database", AUTHOR, false, false, logicalFile, null, null, null);
        TagDatabaseChange tagDatabase = new TagDatabaseChange();
        tagDatabase.setTag(tag);
        tagging.addChange(tagDatabase);
        return List.of(migration, tagging);
    }

    /** One statement as Alembic wrote it: Liquibase neither splits it nor strips anything from it. */
    private static RawSQLChange statement(String sql) {
        RawSQLChange change = new RawSQLChange(sql);
        change.setSplitStatements(false);
        change.setStripComments(false);
        return change;
    }

    private static byte[] serialize(List<ChangeLogChild> children) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new XMLChangeLogSerializer().write(children, (OutputStream) out);
        return out.toByteArray();
    }

    /**
     * The {@code file} of each {@code include} of the extension; none when it does not exist yet.
     *
     * @throws MigrationException InvalidChangelog when it is not an XML changelog
     */
    private static List<String> includedFiles(Path extension) {
        if (!Files.exists(extension)) {
            return List.of();
        }
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element root = factory.newDocumentBuilder().parse(extension.toFile()).getDocumentElement();
            if (!"databaseChangeLog".equals(root.getLocalName())) {
                throw new IllegalArgumentException("its root element is " + root.getLocalName() + ", not databaseChangeLog");
            }
            NodeList includes = root.getElementsByTagNameNS("*", "include");
            List<String> files = new ArrayList<>();
            for (int i = 0; i < includes.getLength(); i++) {
                files.add(((Element) includes.item(i)).getAttribute("file"));
            }
            return files;
        } catch (Exception e) {
            throw new MigrationException(Failure.INVALID_CHANGELOG, "The changelog extension " + extension + " is not an XML"
                    + " Liquibase changelog (" + e.getMessage() + "); revision appends its include to an XML one.", e);
        }
    }
}
