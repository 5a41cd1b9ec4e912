package io.webmacs.migration.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.Link;
import org.junit.jupiter.api.Test;

/**
 * README.md and docs/*.md, read as Markdown: every relative link reaches a file and every {@code #anchor} a heading
 * there; every command in the README's {@code sh} blocks runs a tool or a script that exists and names files that
 * exist.
 */
class DocumentationTest {

    private static final Path README = Path.of("README.md");
    private static final Path DOCS = Path.of("docs");
    /** Programs the README's commands run that are not files of this repository; alembic is WebMACS's own, run there. */
    private static final Set<String> TOOLS = Set.of("java", "kubectl", "helm", "docker", "podman", "cp", "export", "alembic");
    /** Made by the build, so not in a checkout. */
    private static final String BUILD_OUTPUT = "target";
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");
    private static final Pattern ASSIGNMENT = Pattern.compile("^[A-Z_][A-Z0-9_]*=.*");
    private static final Pattern COMMAND_SEPARATOR = Pattern.compile("&&|\\|\\||[|;]");

    @Test
    void everyRelativeLinkReachesAFileAndEveryAnchorAHeading() {
        List<String> links = new ArrayList<>();
        for (Path page : pages()) {
            for (String destination : linksOf(page)) {
                if (SCHEME.matcher(destination).find()) {
                    continue; // the web: not checked without a network
                }
                int hash = destination.indexOf('#');
                String file = hash < 0 ? destination : destination.substring(0, hash);
                Path target = file.isEmpty() ? page : page.toAbsolutePath().getParent().resolve(file).normalize();
                assertThat(target).as("%s links to %s, which does not exist", page, destination).exists();
                if (hash >= 0) {
                    assertThat(Markdown.anchorsOf(target)).as("%s links to %s, a heading %s does not have", page, destination,
                            target).contains(destination.substring(hash + 1));
                }
                links.add(page + " -> " + destination);
            }
        }
        assertThat(links).as("links checked").hasSizeGreaterThan(20)
                .anyMatch(link -> link.contains(".md#"));
    }

    @Test
    void everyReadmeCommandRunsWhatExists() {
        List<String> blocks = shellBlocks(README);
        List<String> paths = new ArrayList<>();
        int commands = 0;
        for (String block : blocks) {
            for (String command : commandsOf(block)) {
                List<String> words = new ArrayList<>(List.of(command.trim().split("\\s+")));
                words.removeIf(String::isEmpty);
                while (!words.isEmpty() && ASSIGNMENT.matcher(words.get(0)).matches()) {
                    words.remove(0);
                }
                if (words.isEmpty()) {
                    continue;
                }
                String program = words.get(0);
                if (program.contains("/")) {
                    assertThat(Path.of(program)).as("the README runs %s", program).isExecutable();
                } else {
                    assertThat(TOOLS).as("the README runs %s in: %s", program, command).contains(program);
                }
                for (String word : words.subList(1, words.size())) {
                    if (isRepositoryPath(word)) {
                        assertThat(Path.of(word)).as("the README's command names %s: %s", word, command).exists();
                        paths.add(word);
                    }
                }
                commands++;
            }
        }
        assertThat(blocks).as("sh blocks in the README").hasSizeGreaterThanOrEqualTo(3);
        assertThat(commands).as("commands checked").isGreaterThan(5);
        assertThat(paths).as("repository paths checked").contains("deploy/operator.yaml", "helm/webmacs-migration-operator");
    }

    private static List<Path> pages() {
        try (Stream<Path> docs = Files.list(DOCS)) {
            List<Path> pages = new ArrayList<>(List.of(README));
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
            return pages;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> linksOf(Path page) {
        List<String> links = new ArrayList<>();
        Markdown.parse(page).accept(new AbstractVisitor() {
            @Override
            public void visit(Link link) {
                links.add(link.getDestination());
                visitChildren(link);
            }
        });
        return links;
    }

    private static List<String> shellBlocks(Path page) {
        List<String> blocks = new ArrayList<>();
        Markdown.parse(page).accept(new AbstractVisitor() {
            @Override
            public void visit(FencedCodeBlock block) {
                if ("sh".equals(block.getInfo())) {
                    blocks.add(block.getLiteral());
                }
            }
        });
        return blocks;
    }

    /** A block's commands: continuation lines joined, comments dropped, split at {@code &&}, {@code ||}, pipes and {@code ;}. */
    private static List<String> commandsOf(String block) {
        List<String> commands = new ArrayList<>();
        for (String line : block.replace("\\\n", " ").split("\n")) {
            int comment = line.indexOf(" #");
            String code = line.startsWith("#") ? "" : comment < 0 ? line : line.substring(0, comment);
            commands.addAll(List.of(COMMAND_SEPARATOR.split(code)));
        }
        return commands;
    }

    /** A word that starts with one of the repository's top-level folders, such as {@code deploy/operator.yaml}. */
    private static boolean isRepositoryPath(String word) {
        int slash = word.indexOf('/');
        if (slash <= 0) {
            return false;
        }
        String top = word.substring(0, slash);
        return !top.equals(BUILD_OUTPUT) && !top.startsWith(".") && Files.isDirectory(Path.of(top));
    }
}
