package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** The revisions of a changelog in a runner image (spec.changelog.path), as the image's webmacs-migrate listed them. */
public record ImageChangelog(
        @JsonPropertyDescription("The runner image that holds the changelog.")
        String image,
        @JsonPropertyDescription("The root changelog file in the image.")
        String path,
        @JsonPropertyDescription("Replace or Extend, as in spec.changelog.mode.")
        ChangelogMode mode,
        @JsonPropertyDescription("The changelog's revisions, oldest first.")
        List<Revision> revisions) {

    /** One revision, with how many changesets it has, its tag included. */
    public record Revision(
            @JsonPropertyDescription("The revision, as its tag names it.")
            String name,
            @JsonPropertyDescription("How many changesets it has, its tag included.")
            int changeSets) {
    }

    /** Whether this lists the changelog {@code spec} names in {@code image}. */
    public boolean isOf(String image, ChangelogSpec spec) {
        return this.image.equals(image) && path.equals(spec.getPath()) && mode == spec.getMode();
    }
}
