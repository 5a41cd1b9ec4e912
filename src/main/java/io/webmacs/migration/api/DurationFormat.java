package io.webmacs.migration.api;

import io.webmacs.migration.contract.DurationSetting;

/**
 * webmacs-migrate's duration grammar (300s, 5m, 1h30m, or a number of seconds) for the CRD's duration fields: the
 * pattern, and CEL that reads a field as a duration. The grammar and the bounds are the contract's DurationSetting;
 * CrdValidationRulesTest holds the generated CRD to them.
 */
final class DurationFormat {

    static final String PATTERN = DurationSetting.GRAMMAR;
    /** CEL, true for a value the pattern refuses: its range is not checked, so only the pattern's message reports it. */
    static final String NOT_A_DURATION = "!self.matches('" + PATTERN + "')";
    /** CEL: the value as a duration; CEL's duration() needs a unit, and a bare number is seconds. */
    static final String VALUE = "(self.matches('^[0-9]+$') ? duration(self + 's') : duration(self))";

    private DurationFormat() {
    }
}
