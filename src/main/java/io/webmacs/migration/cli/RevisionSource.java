package io.webmacs.migration.cli;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Where {@code revision} takes the new revision from: an Alembic revision, or Liquibase's diff of a dev database. */
final class RevisionSource {

    @ArgGroup(exclusive = false)
    FromAlembic alembic;

    @ArgGroup(exclusive = false)
    Autogenerate autogenerate;

    static final class FromAlembic {
        @Option(names = "--from-alembic", arity = "2", required = true, paramLabel = "VERSIONS_DIR REV",
                description = "The folder of the Alembic revision files (WebMACS's backend/alembic/versions), and the"
                + " revision to import.")
        String[] fromAlembic;

        @Option(names = "--python", defaultValue = "python3", paramLabel = "PYTHON",
                description = "The Python that has Alembic. Default: ${DEFAULT-VALUE}.")
        String python;
    }

    static final class Autogenerate {
        @Option(names = "--autogenerate", required = true, description = "Make the revision with Liquibase's diff of the"
                + " changelog's head, built in a scratch schema of the --from-url database and rolled back, and that"
                + " database's public schema.")
        boolean autogenerate;

        @Option(names = {"-m", "--message"}, required = true, paramLabel = "MESSAGE",
                description = "What the revision does; its tag is the next number and this: 006_add_my_new_table.")
        String message;

        @Option(names = "--from-url", required = true, paramLabel = "DEV_URL", description = "A scratch database whose public"
                + " schema is the desired one (WebMACS: after create_all with the new models); same forms as --url, its own"
                + " credentials, else $DEV_DATABASE_USERNAME and $DEV_DATABASE_PASSWORD, else --username and --password."
                + " It must allow creating a schema; nothing is kept there.")
        String fromUrl;
    }
}
