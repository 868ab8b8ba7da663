package io.bitswitch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.bitswitch.cli.BitswitchCli;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of docs/design/architecture.md §1 that concern the jobs module, checked on
 * its production classes only (this module's {@code target/classes}, no test classes, not driver).
 */
class ArchitectureRulesTest {
  private static JavaClasses moduleClasses;

  @BeforeAll
  static void importModuleClasses() throws URISyntaxException {
    Path classes = Path.of(BitswitchCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    moduleClasses = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPath(classes);
  }

  /** The commands (cli) read the typed configuration (cli.config), never the other way round. */
  @Test
  void jobsPackagesAreFreeOfCycles() {
    slices().matching("io.bitswitch.(**)").namingSlices("io.bitswitch.$1")
        .should().beFreeOfCycles()
        .because("docs/design/architecture.md §1: dependencies point one way")
        .check(moduleClasses);
  }

  /** The run report renders what the commands hand it; it neither calls back into them nor runs jobs. */
  @Test
  void reportDependsOnNeitherCommandsNorSpark() {
    noClasses().that().resideInAPackage("io.bitswitch.report..")
        .should().dependOnClassesThat().resideInAnyPackage("io.bitswitch.cli..", "org.apache.spark..",
            "org.apache.hadoop..")
        .because("docs/design/architecture.md §1: the report package is the run report's one home")
        .check(moduleClasses);
  }
}
