package io.webmacs.migration.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line the operator builds for webmacs-migrate reads back as the same command. */
class MigrateCommandTest {

    @Test
    void aCommandWithEveryOptionReadsBackAsItself() {
        MigrateCommand command = new MigrateCommand(Verb.UPGRADE, "005_oidc_sso", "/dev/termination-log", "a1b2c3",
                "/changelog/main.xml", "2s", Phase.EXPAND);

        assertThat(command.args()).containsExactly("upgrade", "005_oidc_sso", "--result-file", "/dev/termination-log",
                "--plan-hash", "a1b2c3", "--changelog", "/changelog/main.xml", "--ddl-lock-timeout", "2s", "--phase", "expand");
        assertThat(MigrateCommand.parse(command.args())).isEqualTo(command);
        assertThat(command.verbAndTarget()).isEqualTo("upgrade 005_oidc_sso --phase expand");
    }

    @Test
    void aChangelogExtensionReadsBackAsItself() {
        MigrateCommand command = new MigrateCommand(Verb.UPGRADE, "head", "/dev/termination-log", null, null, null, null,
                "/changelog/006_my_new_table.xml");

        assertThat(command.args()).containsExactly("upgrade", "head", "--result-file", "/dev/termination-log",
                "--changelog-extension", "/changelog/006_my_new_table.xml");
        assertThat(MigrateCommand.parse(command.args())).isEqualTo(command);
    }

    @Test
    void aCommandWithoutTargetOrOptionsReadsBackAsItself() {
        MigrateCommand check = new MigrateCommand(Verb.CHECK, null, "/dev/termination-log", null, null, null);

        assertThat(check.args()).containsExactly("check", "--result-file", "/dev/termination-log");
        assertThat(MigrateCommand.parse(check.args())).isEqualTo(check);
        assertThat(check.verbAndTarget()).isEqualTo("check");
    }

    @Test
    void anOptionAnotherVersionOfTheOperatorPassedIsSkipped() {
        MigrateCommand command = MigrateCommand.parse(List.of("upgrade", "head", "--lock-wait", "5s", "--plan-hash", "a1b2c3"));

        assertThat(command.verbAndTarget()).isEqualTo("upgrade head");
        assertThat(command.planHash()).isEqualTo("a1b2c3");
    }

    @Test
    void everyPhaseReadsBackAsItselfAndACommandWithoutOneRunsAll() {
        for (Phase phase : Phase.values()) {
            MigrateCommand command = new MigrateCommand(Verb.UPGRADE, "head", null, null, null, null, phase);
            assertThat(MigrateCommand.parse(command.args()).phase()).isEqualTo(phase);
        }
        assertThat(new MigrateCommand(Verb.UPGRADE, "head", null, null, null, null).args()).containsExactly("upgrade", "head");
        assertThat(MigrateCommand.parse(List.of("upgrade", "head")).phase()).isNull();
    }

    @Test
    void argumentsNoOperatorCouldHaveBuiltAreRefused() {
        assertThatThrownBy(() -> MigrateCommand.parse(List.of("upgrade", "head", "--phase", "later")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("later");
        assertThatThrownBy(() -> MigrateCommand.parse(List.of("upgrade", "head", "--plan-hash")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--plan-hash has no value");
        assertThatThrownBy(() -> MigrateCommand.parse(List.of("migrate")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("migrate");
        assertThatThrownBy(() -> MigrateCommand.parse(List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
