package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.contract.MigrateCommand;
import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.contract.Verb;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/** The CLI's own parser reads every command line the operator builds, option by option, as the operator meant it. */
class MigrateCommandOptionsTest {

    @ParameterizedTest
    @EnumSource(value = Verb.class, names = {"UPGRADE", "DOWNGRADE", "PLAN", "CHECK"})
    void theCliParsesTheOperatorsCommandLineToTheSameValues(Verb verb) {
        boolean runsAPlan = verb == Verb.UPGRADE || verb == Verb.DOWNGRADE;
        boolean hasPhases = verb == Verb.UPGRADE || verb == Verb.PLAN;
        MigrateCommand command = new MigrateCommand(verb, verb == Verb.CHECK ? null : "005_oidc_sso", "/dev/termination-log",
                runsAPlan ? "a1b2c3" : null, "/changelog/main.xml", "2s", hasPhases ? Phase.CONTRACT : null, "/changelog/006.xml");
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());

        ParseResult parsed = new CommandLine(new WebmacsMigrate(Map.of(), nowhere, nowhere))
                .parseArgs(command.args().toArray(String[]::new)).subcommand();

        assertThat(parsed.commandSpec().name()).isEqualTo(verb.word());
        assertThat(value(parsed, MigrateCommand.RESULT_FILE)).isEqualTo(command.resultFile());
        assertThat(value(parsed, MigrateCommand.PLAN_HASH)).isEqualTo(command.planHash());
        assertThat(value(parsed, MigrateCommand.CHANGELOG)).isEqualTo(command.changelog());
        assertThat(value(parsed, MigrateCommand.CHANGELOG_EXTENSION)).isEqualTo(command.changelogExtension());
        assertThat(value(parsed, MigrateCommand.DDL_LOCK_TIMEOUT)).isEqualTo(command.ddlLockTimeout());
        if (hasPhases) {
            assertThat(parsed.matchedOption(Phase.OPTION).<Phase>getValue()).isEqualTo(command.phase());
        }
        if (command.target() != null) {
            assertThat(parsed.matchedPositional(0).originalStringValues()).containsExactly(command.target());
        }
    }

    /** The value the CLI read for {@code option}, as typed; null when the command line does not give it. */
    private static String value(ParseResult parsed, String option) {
        return parsed.hasMatchedOption(option) ? parsed.matchedOption(option).originalStringValues().get(0) : null;
    }
}
