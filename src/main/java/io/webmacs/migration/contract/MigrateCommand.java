package io.webmacs.migration.contract;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code webmacs-migrate} command line as the operator runs it: built here for a migrate container and parsed back here
 * from a Job's arguments. The CLI names its options with the same constants, so the two cannot drift apart.
 *
 * @param target the verb's revision, or null (check takes none)
 * @param resultFile {@value #RESULT_FILE}, or null
 * @param planHash {@value #PLAN_HASH}, the approved plan's hash, or null
 * @param changelog {@value #CHANGELOG}, a changelog file, or null for the built-in one
 * @param ddlLockTimeout {@value #DDL_LOCK_TIMEOUT}, or null for the CLI's default
 * @param phase {@value Phase#OPTION} of an upgrade, or null for the CLI's default (all)
 */
public record MigrateCommand(Verb verb, String target, String resultFile, String planHash, String changelog, String ddlLockTimeout,
        Phase phase) {

    public static final String RESULT_FILE = "--result-file";
    public static final String PLAN_HASH = "--plan-hash";
    public static final String CHANGELOG = "--changelog";
    public static final String CHANGELOG_EXTENSION = "--changelog-extension";
    public static final String DDL_LOCK_TIMEOUT = "--ddl-lock-timeout";
    private static final String OPTION_PREFIX = "--";

    /** A command of every phase, as before phases existed. */
    public MigrateCommand(Verb verb, String target, String resultFile, String planHash, String changelog, String ddlLockTimeout) {
        this(verb, target, resultFile, planHash, changelog, ddlLockTimeout, null);
    }

    /** The arguments: the verb, its target if any, then each option that has a value. */
    public List<String> args() {
        List<String> args = new ArrayList<>(List.of(verb.word()));
        if (target != null) {
            args.add(target);
        }
        addOption(args, RESULT_FILE, resultFile);
        addOption(args, PLAN_HASH, planHash);
        addOption(args, CHANGELOG, changelog);
        addOption(args, DDL_LOCK_TIMEOUT, ddlLockTimeout);
        addOption(args, Phase.OPTION, phase == null ? null : phase.word());
        return args;
    }

    /**
     * The verb, its target and phase, as status and events show the run: "upgrade 005_oidc_sso", "upgrade 005_oidc_sso
     * --phase contract"; "check" has no target.
     */
    public String verbAndTarget() {
        String command = target == null ? verb.word() : verb.word() + " " + target;
        return phase == null ? command : command + " " + Phase.OPTION + " " + phase.word();
    }

    /**
     * The command {@link #args()} built, skipping options it does not know; no verb, an option without a value, or a
     * phase this version does not know, is an IllegalArgumentException.
     */
    public static MigrateCommand parse(List<String> args) {
        if (args == null || args.isEmpty()) {
            throw new IllegalArgumentException("No webmacs-migrate arguments");
        }
        Verb verb = Verb.of(args.get(0)).orElseThrow(() -> new IllegalArgumentException("Not a webmacs-migrate verb: " + args.get(0)));
        int next = 1;
        String target = null;
        if (args.size() > 1 && args.get(1) != null && !args.get(1).startsWith(OPTION_PREFIX)) {
            target = args.get(1);
            next = 2;
        }
        String resultFile = null;
        String planHash = null;
        String changelog = null;
        String ddlLockTimeout = null;
        Phase phase = null;
        for (; next < args.size(); next += 2) {
            String option = args.get(next);
            if (next + 1 >= args.size()) {
                throw new IllegalArgumentException("webmacs-migrate option " + option + " has no value");
            }
            String value = args.get(next + 1);
            switch (String.valueOf(option)) {
                case RESULT_FILE -> resultFile = value;
                case PLAN_HASH -> planHash = value;
                case CHANGELOG -> changelog = value;
                case DDL_LOCK_TIMEOUT -> ddlLockTimeout = value;
                case Phase.OPTION -> phase = Phase.of(value)
                        .orElseThrow(() -> new IllegalArgumentException("Not a webmacs-migrate phase: " + value));
                default -> {
                    // Another version of the operator may have started the run with an option this one does not pass.
                }
            }
        }
        return new MigrateCommand(verb, target, resultFile, planHash, changelog, ddlLockTimeout, phase);
    }

    private static void addOption(List<String> args, String option, String value) {
        if (value != null) {
            args.addAll(List.of(option, value));
        }
    }
}
