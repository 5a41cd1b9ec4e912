package io.webmacs.migration.engine;

import io.webmacs.migration.contract.ErrorMessages;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrateCommand;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.Phase;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import liquibase.GlobalConfiguration;
import liquibase.Scope;
import liquibase.change.Change;
import liquibase.change.core.TagDatabaseChange;
import liquibase.changelog.ChangeLogParameters;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.parser.ChangeLogParserFactory;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.resource.CompositeResourceAccessor;
import liquibase.resource.DirectoryResourceAccessor;
import liquibase.resource.ResourceAccessor;

/**
 * A parsed changelog and its revisions. A revision is the run of changesets that ends in a {@code tagDatabase}
 * changeset; the tag is the revision's name.
 */
public final class Changelog {

    /** The built-in WebMACS changelog, on the classpath. */
    public static final String BUILT_IN = "db/webmacs/changelog.xml";
    /** Nothing applied. */
    public static final String BASE = "base";
    /** The newest revision. */
    public static final String HEAD = "head";

    private final String file;
    private final ResourceAccessor resourceAccessor;
    private final DatabaseChangeLog parsed;
    private final Map<String, List<ChangeSet>> changeSetsByRevision;
    private final List<String> revisions;
    /** The revisions of an extension after the built-in ones; empty for any other changelog. */
    private final List<String> extensionRevisions;

    private Changelog(String file, ResourceAccessor resourceAccessor, DatabaseChangeLog parsed, List<String> extensionRevisions) {
        this.file = file;
        this.resourceAccessor = resourceAccessor;
        this.parsed = parsed;
        this.changeSetsByRevision = splitIntoRevisions(parsed.getChangeSets());
        this.revisions = List.copyOf(changeSetsByRevision.keySet());
        this.extensionRevisions = List.copyOf(extensionRevisions);
    }

    /** Loads the changelog at {@code path}, or the built-in one when {@code path} is null. */
    public static Changelog load(Path path) {
        if (path == null) {
            // Checked against the XML schema when the build indexed it (ChangelogIndex); once is enough.
            return builtIn(false);
        }
        return parseFile(path, "--changelog");
    }

    /**
     * The built-in changelog continued by the extension at {@code path}: its revisions come after the built-in head,
     * each ending in its tag, and alembic_version follows them ({@link ChangelogExtension}).
     */
    public static Changelog extended(Path path) {
        Changelog builtIn = builtIn(false);
        Changelog extension;
        try {
            extension = parseFile(path, MigrateCommand.CHANGELOG_EXTENSION);
        } catch (MigrationException e) {
            // By its file name: the operator parses a ConfigMap's copy in a temporary directory.
            throw new MigrationException(e.failure(), "Changelog extension " + path.getFileName() + ": " + e.getMessage(), e);
        }
        DatabaseChangeLog combined = ChangelogExtension.append(builtIn, extension);
        return new Changelog(extension.file(), new CompositeResourceAccessor(builtIn.resourceAccessor(), extension.resourceAccessor()),
                combined, extension.revisions());
    }

    private static Changelog parseFile(Path path, String option) {
        Path absolute = path.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute) || !Files.isReadable(absolute)) {
            throw new MigrationException(Failure.INVALID_CHANGELOG,
                    "Changelog " + path + " is not a readable file; pass " + option + " with the path of a Liquibase changelog.");
        }
        try {
            return parse(absolute.getFileName().toString(), new DirectoryResourceAccessor(absolute.getParent()), true);
        } catch (FileNotFoundException e) {
            throw new MigrationException(Failure.INVALID_CHANGELOG, "Changelog directory " + absolute.getParent() + " is not readable.", e);
        }
    }

    /** The built-in changelog; {@code validateXml} checks it against Liquibase's XML schema, which takes a while. */
    static Changelog builtIn(boolean validateXml) {
        return parse(BUILT_IN, new ClassLoaderResourceAccessor(Changelog.class.getClassLoader()), validateXml);
    }

    private static Changelog parse(String file, ResourceAccessor accessor, boolean validateXml) {
        try {
            DatabaseChangeLog parsed = Scope.child(Map.of(Scope.Attr.resourceAccessor.name(), accessor,
                            GlobalConfiguration.VALIDATE_XML_CHANGELOG_FILES.getKey(), validateXml),
                    () -> ChangeLogParserFactory.getInstance().getParser(file, accessor)
                            .parse(file, new ChangeLogParameters(), accessor));
            return new Changelog(file, accessor, parsed, List.of());
        } catch (MigrationException e) {
            throw e;
        } catch (Exception e) {
            throw new MigrationException(Failure.INVALID_CHANGELOG,
                    "Changelog " + file + " does not parse: " + ErrorMessages.rootCause(e), e);
        }
    }

    private static Map<String, List<ChangeSet>> splitIntoRevisions(List<ChangeSet> changeSets) {
        Map<String, List<ChangeSet>> revisions = new LinkedHashMap<>();
        List<ChangeSet> current = new ArrayList<>();
        for (ChangeSet changeSet : changeSets) {
            current.add(changeSet);
            String tag = tagOf(changeSet);
            if (tag != null) {
                if (revisions.containsKey(tag) || BASE.equals(tag) || HEAD.equals(tag)) {
                    throw new MigrationException(Failure.INVALID_CHANGELOG,
                            "Changelog tags revision '" + tag + "' more than once or uses a reserved name (base, head).");
                }
                revisions.put(tag, List.copyOf(current));
                current.clear();
            }
        }
        if (revisions.isEmpty()) {
            throw new MigrationException(Failure.INVALID_CHANGELOG,
                    "Changelog has no tagDatabase changeset: every revision must end in one, named after the revision.");
        }
        if (!current.isEmpty()) {
            throw new MigrationException(Failure.INVALID_CHANGELOG, "Changelog has " + current.size()
                    + " changeset(s) after its last tag, starting with " + current.get(0).getId()
                    + ": end every revision with a tagDatabase changeset.");
        }
        return revisions;
    }

    private static String tagOf(ChangeSet changeSet) {
        for (Change change : changeSet.getChanges()) {
            if (change instanceof TagDatabaseChange tag) {
                return tag.getTag();
            }
        }
        return null;
    }

    public String file() {
        return file;
    }

    /**
     * Whether this is the built-in WebMACS changelog: its databases may have create_all's shape, and its SQL is this
     * project's own (a custom changelog's is read from a file, by its name alone, never this path).
     */
    public boolean isBuiltIn() {
        return BUILT_IN.equals(file);
    }

    /**
     * Whether the built-in changelog's revisions are this one's first: the built-in changelog, or it continued by an
     * extension. WebMACS's facts about them hold (create_all's shape, the built-in index).
     */
    public boolean startsWithBuiltIn() {
        return isBuiltIn() || !extensionRevisions.isEmpty();
    }

    /** The revisions an extension added after the built-in ones, oldest first; empty for any other changelog. */
    public List<String> extensionRevisions() {
        return extensionRevisions;
    }

    public ResourceAccessor resourceAccessor() {
        return resourceAccessor;
    }

    public DatabaseChangeLog parsed() {
        return parsed;
    }

    /** Revision names in order, oldest first. */
    public List<String> revisions() {
        return revisions;
    }

    public String head() {
        return revisions.get(revisions.size() - 1);
    }

    /** The changesets of one revision, in order, the tag last. */
    public List<ChangeSet> changeSets(String revision) {
        return changeSetsByRevision.get(revision);
    }

    /** The changeset that ends {@code revision} and names it. */
    public ChangeSet tagChangeSet(String revision) {
        List<ChangeSet> changeSets = changeSets(revision);
        return changeSets.get(changeSets.size() - 1);
    }

    /** A changeset's phase: contract when it has the label {@value Phase#CONTRACT_LABEL}, else expand. */
    public static Phase phaseOf(ChangeSet changeSet) {
        return changeSet.getLabels() != null && changeSet.getLabels().getLabels().contains(Phase.CONTRACT_LABEL)
                ? Phase.CONTRACT
                : Phase.EXPAND;
    }

    /** The changesets of the revisions above position {@code from} up to and including position {@code to}, in order. */
    public List<ChangeSet> changeSetsBetween(int from, int to) {
        List<ChangeSet> between = new ArrayList<>();
        for (int position = from + 1; position <= to; position++) {
            between.addAll(changeSets(revisionAt(position)));
        }
        return between;
    }

    /** A changelog of the revisions after {@code revision} only, with the same changeset identities. */
    public DatabaseChangeLog after(String revision) {
        return part(changeSetsBetween(position(revision), revisions().size()));
    }

    /** This changelog without {@code leftOut}, with the same changeset identities. */
    public DatabaseChangeLog without(Collection<ChangeSet> leftOut) {
        return part(parsed.getChangeSets().stream().filter(c -> !leftOut.contains(c)).toList());
    }

    /** A changelog of {@code changeSets} of this one, with the same identities. */
    DatabaseChangeLog part(List<ChangeSet> changeSets) {
        DatabaseChangeLog part = new DatabaseChangeLog(parsed.getPhysicalFilePath());
        changeSets.forEach(part::addChangeSet);
        return part;
    }

    /** Position of a revision: 0 for base, 1 for the first tag, ... */
    public int position(String revision) {
        return BASE.equals(revision) ? 0 : revisions().indexOf(revision) + 1;
    }

    /** The revision at a position (0 is base). */
    public String revisionAt(int position) {
        return position == 0 ? BASE : revisions().get(position - 1);
    }

    /** Resolves {@code head}, {@code base} or a tag; anything else is an unknown revision. */
    public String resolve(String name) {
        if (HEAD.equals(name)) {
            return head();
        }
        if (BASE.equals(name) || changeSetsByRevision.containsKey(name)) {
            return name;
        }
        throw unknownRevision(name, revisions());
    }

    /** The failure for a revision {@code name} that is none of {@code revisions}. */
    public static MigrationException unknownRevision(String name, List<String> revisions) {
        return new MigrationException(Failure.UNKNOWN_REVISION, "Unknown revision '" + name + "'. Known: base, "
                + String.join(", ", revisions) + " (head).");
    }
}
