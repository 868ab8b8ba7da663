package io.bitswitch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
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
}
