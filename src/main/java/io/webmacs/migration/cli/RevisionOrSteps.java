package io.webmacs.migration.cli;

import picocli.CommandLine;

/** downgrade's REVISION|-N: a revision as given, or -N, which must go down at least one revision and fit the engine's count. */
final class RevisionOrSteps implements CommandLine.ITypeConverter<String> {

    @Override
    public String convert(String value) {
        if (!value.matches("-[0-9]+")) {
            return value;
        }
        if (!value.matches("-0*[1-9][0-9]{0,8}")) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a number of revisions: -N goes down N"
                    + " revisions, N from 1 to the number applied");
        }
        return "-" + Integer.parseInt(value.substring(1)); // without leading zeros, as the engine reads it
    }
}
