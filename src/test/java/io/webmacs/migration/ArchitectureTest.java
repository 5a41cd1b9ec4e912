package io.webmacs.migration;

import static com.tngtech.archunit.base.DescribedPredicate.and;
import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.webmacs.migration.engine.MigrationEngine;

/**
 * The packages and their one-way arrows (docs/architecture.md): cli -> engine -> contract; cli -> api -> contract;
 * reconciler -> gate, dependent -> run -> config; contract and config import nothing of ours, api only the contract.
 */
@AnalyzeClasses(packages = "io.webmacs.migration", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("io.webmacs.migration.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule arrowsPointOneWay = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("api").definedBy("io.webmacs.migration.api..")
            .layer("contract").definedBy("io.webmacs.migration.contract..")
            .layer("engine").definedBy("io.webmacs.migration.engine..")
            .layer("cli").definedBy("io.webmacs.migration.cli..")
            .layer("config").definedBy("io.webmacs.migration.config..")
            .layer("run").definedBy("io.webmacs.migration.run..")
            .layer("dependent").definedBy("io.webmacs.migration.dependent..")
            .layer("gate").definedBy("io.webmacs.migration.gate..")
            .layer("reconciler").definedBy("io.webmacs.migration.reconciler..")
            .whereLayer("reconciler").mayNotBeAccessedByAnyLayer()
            .whereLayer("cli").mayNotBeAccessedByAnyLayer()
            .whereLayer("gate").mayOnlyBeAccessedByLayers("reconciler")
            .whereLayer("dependent").mayOnlyBeAccessedByLayers("reconciler")
            .whereLayer("run").mayOnlyBeAccessedByLayers("dependent", "gate", "reconciler")
            .whereLayer("config").mayOnlyBeAccessedByLayers("run", "dependent", "gate", "reconciler")
            .whereLayer("engine").mayOnlyBeAccessedByLayers("cli", "run", "gate", "reconciler")
            .whereLayer("api").mayOnlyBeAccessedByLayers("cli", "run", "dependent", "gate", "reconciler");

    @ArchTest
    static final ArchRule engineHasNoKubernetesNoCliAndNoQuarkus = noClasses().that().resideInAPackage("io.webmacs.migration.engine..")
            .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.javaoperatorsdk..", "picocli..", "io.quarkus..", "jakarta..");

    /** MigrationEngine is the engine's top: its parts (the drift check's expected schema among them) never call it back. */
    @ArchTest
    static final ArchRule theEnginesPartsDoNotCallItsTop = noClasses().that().resideInAPackage("io.webmacs.migration.engine..")
            .and(not(belongToAnyOf(MigrationEngine.class)))
            .should().dependOnClassesThat().belongToAnyOf(MigrationEngine.class);

    @ArchTest
    static final ArchRule contractImportsNothingOfOurs = importsNothingOfOurs("contract");

    /** The operator's settings, its replica's name and leader election: the ground every other part of the operator stands on. */
    @ArchTest
    static final ArchRule configImportsNothingOfOurs = importsNothingOfOurs("config");

    @ArchTest
    static final ArchRule apiImportsOnlyTheContract = noClasses().that().resideInAPackage("io.webmacs.migration.api..")
            .should().dependOnClassesThat(and(resideInAPackage("io.webmacs.migration.."),
                    resideOutsideOfPackage("io.webmacs.migration.api.."), resideOutsideOfPackage("io.webmacs.migration.contract..")));

    /** The CLI jar holds contract, api, engine and cli: only the wait and approve verbs (cli's subpackages) talk to Kubernetes, and nothing boots Quarkus. */
    @ArchTest
    static final ArchRule onlyTheWaitAndApproveVerbsTalkToKubernetes = noClasses().that().resideInAnyPackage("io.webmacs.migration.cli",
                    "io.webmacs.migration.engine..", "io.webmacs.migration.contract..")
            .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.javaoperatorsdk..", "io.quarkus..");

    private static ArchRule importsNothingOfOurs(String packageName) {
        String own = "io.webmacs.migration." + packageName + "..";
        return noClasses().that().resideInAPackage(own)
                .should().dependOnClassesThat(and(resideInAPackage("io.webmacs.migration.."), resideOutsideOfPackage(own)));
    }
}
