package io.webmacs.migration;

import static com.tngtech.archunit.base.DescribedPredicate.and;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The test tree's own arrows (docs/testing.md): {@code testsupport} at the bottom, the scenario suite on it alone, every
 * other test package on them (the tier bindings among them), and no test package imports one that imports it back. Only test classes are imported, so a test package using the main
 * package of the same name is no cycle.
 */
@AnalyzeClasses(packages = "io.webmacs.migration", importOptions = ImportOption.OnlyIncludeTests.class)
class TestTreeArchitectureTest {

    /** A class of the test tree: one this import read from test-classes (a main class is only referred to). */
    private static final DescribedPredicate<JavaClass> TEST_CLASS = DescribedPredicate.describe("a test class",
            c -> c.getSource().map(s -> s.getUri().toString().contains("/test-classes/")).orElse(false));

    @ArchTest
    static final ArchRule noTestPackageCycles = slices().matching("io.webmacs.migration.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule testsupportIsTheBottom = noClasses().that().resideInAPackage("io.webmacs.migration.testsupport..")
            .should().dependOnClassesThat(and(TEST_CLASS, resideOutsideOfPackage("io.webmacs.migration.testsupport..")));

    @ArchTest
    static final ArchRule theScenarioSuiteStandsOnTestsupportAlone = noClasses().that().resideInAPackage("io.webmacs.migration.scenario..")
            .should().dependOnClassesThat(and(TEST_CLASS, resideOutsideOfPackage("io.webmacs.migration.scenario.."),
                    resideOutsideOfPackage("io.webmacs.migration.testsupport..")));
}
