package io.bitswitch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.bitswitch.sensitivity.LayerTraces;
import io.bitswitch.spark.SparkSessions;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of docs/design/architecture.md §1 that concern the driver module, checked
 * on its production classes only (this module's {@code target/classes}, no test classes, not
 * worker-kernels).
 */
class ArchitectureRulesTest {
  private static JavaClasses moduleClasses;

  @BeforeAll
  static void importModuleClasses() throws URISyntaxException {
    Path classes = Path.of(SparkSessions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    moduleClasses = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPath(classes);
  }

  /**
   * Each package of the driver (data, train, sensitivity, search, store, metrics, spark) can be
   * read, tested and changed with only the packages below it in mind.
   */
  @Test
  void driverPackagesAreFreeOfCycles() {
    slices().matching("io.bitswitch.(**)").namingSlices("io.bitswitch.$1")
        .should().beFreeOfCycles()
        .because("docs/design/architecture.md §1: dependencies point one way")
        .check(moduleClasses);
  }

  /**
   * The metrics package is a leaf: it knows Prometheus and the root exceptions, and the stages
   * report to it through their own listener ({@code train.MetricsListener}), so it can be reused
   * and tested without the training code.
   */
  @Test
  void metricsDependsOnNoOtherBitswitchPackage() {
    noClasses().that().resideInAPackage("io.bitswitch.metrics..")
        .should().dependOnClassesThat(resideInAPackage("io.bitswitch..")
            .and(not(resideInAnyPackage("io.bitswitch", "io.bitswitch.metrics.."))))
        .because("docs/design/architecture.md §1 and §6: metrics depends on nothing of bitswitch but the root "
            + "exceptions")
        .check(moduleClasses);
  }

  /**
   * Training sits above sensitivity, search and metrics, never below them: those packages, and the
   * packages training itself uses (evaluate, store, progress), do not import {@code train}.
   */
  @Test
  void onlyTheCommandLineAndSparkSetupDependOnTraining() {
    noClasses().that().resideInAnyPackage("io.bitswitch.sensitivity..", "io.bitswitch.search..",
            "io.bitswitch.metrics..", "io.bitswitch.evaluate..", "io.bitswitch.store..", "io.bitswitch.progress..",
            "io.bitswitch.data..")
        .should().dependOnClassesThat().resideInAPackage("io.bitswitch.train..")
        .because("docs/design/architecture.md §1: the stages depend on the analyses, the search and the "
            + "metrics, not the other way round")
        .check(moduleClasses);
  }

  /**
   * Training reads the sensitivity stage's result, {@link LayerTraces}, and nothing else of it:
   * the Hessian-trace analysis itself is a stage of its own.
   */
  @Test
  void trainingUsesOnlyTheLayerTracesOfTheSensitivityPackage() {
    noClasses().that().resideInAPackage("io.bitswitch.train..")
        .should().dependOnClassesThat(resideInAPackage("io.bitswitch.sensitivity..")
            .and(not(belongToAnyOf(LayerTraces.class))))
        .because("docs/design/architecture.md §1: supernet consumes the traces, not the analysis")
        .check(moduleClasses);
  }

  /** What a stage reports (steps, checkpoints) is a leaf: the stages, metrics and run files all use it. */
  @Test
  void progressDependsOnNoOtherBitswitchPackage() {
    noClasses().that().resideInAPackage("io.bitswitch.progress..")
        .should().dependOnClassesThat(resideInAPackage("io.bitswitch..")
            .and(not(resideInAPackage("io.bitswitch.progress.."))))
        .because("docs/design/architecture.md §1: io.bitswitch.progress depends on no other package")
        .check(moduleClasses);
  }
}
