package io.webmacs.migration.cli;

import io.webmacs.migration.contract.DurationSetting;
import java.time.Duration;
import picocli.CommandLine;

/**
 * A duration option: {@code 300s}, {@code 5m}, {@code 1h30m}, or a number of seconds, refused when it is parsed if it is
 * outside its setting's range. picocli makes converters from their class, so each setting has its own subclass.
 */
abstract class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    private final DurationSetting setting;

    DurationConverter(DurationSetting setting) {
        this.setting = setting;
    }

    @Override
    public Duration convert(String value) {
        try {
            return setting.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    static final class LockTimeout extends DurationConverter {
        LockTimeout() {
            super(DurationSetting.LOCK_TIMEOUT);
        }
    }

    static final class DdlLockTimeout extends DurationConverter {
        DdlLockTimeout() {
            super(DurationSetting.DDL_LOCK_TIMEOUT);
        }
    }

    static final class DdlLockBudget extends DurationConverter {
        DdlLockBudget() {
            super(DurationSetting.DDL_LOCK_BUDGET);
        }
    }

    static final class CancelBlockersAfter extends DurationConverter {
        CancelBlockersAfter() {
            super(DurationSetting.CANCEL_BLOCKERS_AFTER);
        }
    }

    static final class WaitTimeout extends DurationConverter {
        WaitTimeout() {
            super(DurationSetting.WAIT_TIMEOUT);
        }
    }
}
