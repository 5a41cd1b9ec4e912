package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fast path (the built-in changelog's index, no Liquibase) and the full path print the same, exit the same and
 * leave the same database, on every state the other tests build.
 */
class FastPathTest {

    static Stream<Arguments> states() {
        List<Arguments> states = new ArrayList<>();
        states.add(Arguments.of("empty", (Consumer<TestDatabase>) db -> { }));
        for (String revision : WebmacsFixtures.WEBMACS_REVISIONS) {
            states.add(Arguments.of("at " + revision, (Consumer<TestDatabase>) db -> Cli.against(db).ok("upgrade", revision)));
        }
        states.add(Arguments.of("route A at 002, not adopted", (Consumer<TestDatabase>) db -> WebmacsFixtures.routeA(db, "002_plugin_packages")));
        states.add(Arguments.of("route A adopted at 003", (Consumer<TestDatabase>) db -> {
            WebmacsFixtures.routeA(db, "003_fk_ondelete");
            Cli.against(db).ok("upgrade", "003_fk_ondelete");
        }));
        states.add(Arguments.of("route B adopted", (Consumer<TestDatabase>) db -> {
            WebmacsFixtures.routeB(db);
            Cli.against(db).ok("upgrade");
        }));
        states.add(Arguments.of("head, a changed checksum", (Consumer<TestDatabase>) db -> {
            Cli.against(db).ok("upgrade");
            db.execute("UPDATE databasechangelog SET md5sum = '9:00000000000000000000000000000000' WHERE orderexecuted = 1");
        }));
        return states.stream();
    }

    /** Each state gets these in turn, so the states upgrades leave are compared too. */
    private static final List<List<String>> COMMANDS = List.of(List.of("current"), List.of("--output", "json", "current"),
            List.of("--output", "json", "upgrade", "003_fk_ondelete"), List.of("--output", "json", "upgrade"), List.of("upgrade"));

    @ParameterizedTest(name = "{0}")
    @MethodSource("states")
    void bothPathsAgree(String state, Consumer<TestDatabase> build) {
        TestDatabase fast = EmbeddedPostgresServer.newDatabase();
        TestDatabase full = EmbeddedPostgresServer.newDatabase();
        build.accept(fast);
        build.accept(full);
        for (List<String> command : COMMANDS) {
            assertThat(run(fast, command)).as(state + ": " + command).isEqualTo(run(full, command, "--no-fast-path"));
            assertThat(history(fast)).as(state + ": " + command + ", history").isEqualTo(history(full));
        }
    }

    private static List<String> history(TestDatabase db) {
        return db.rows("SELECT to_regclass('databasechangelog') IS NULL").equals(List.of("t")) ? List.of()
                : db.rows("SELECT id, md5sum, tag FROM databasechangelog ORDER BY orderexecuted");
    }

    /** Exit code, output (a JSON result without its duration) and error lines. */
    private static List<Object> run(TestDatabase db, List<String> command, String... options) {
        Cli.Run run = Cli.against(db).args(options).run(command.toArray(String[]::new));
        Object out = run.out();
        if (command.contains("json")) {
            ObjectNode result = (ObjectNode) run.json();
            result.remove("durationMs");
            out = result;
        }
        return List.of(run.exitCode(), out, run.errLines());
    }
}
