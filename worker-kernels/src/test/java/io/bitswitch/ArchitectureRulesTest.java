package io.bitswitch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of docs/design/architecture.md §1 that concern the worker-kernels module,
 * checked on its production classes only (this module's {@code target/classes}, no test classes,
 * no other module).
 */
class ArchitectureRulesTest {
  private static JavaClasses moduleClasses;

  @BeforeAll
  static void importModuleClasses() throws URISyntaxException {
    Path classes = Path.of(BitswitchException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    moduleClasses = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPath(classes);
  }

  /**
   * Reading, checking and switching a bundle, the quantizers and Hutchinson's estimator are plain
   * Java: a deployment runtime needs no training stack, and their tests need no native libraries.
   */
  @Test
  void quantBundleAndHessianUseNoDl4jNd4jOrSpark() {
    noClasses().that().resideInAnyPackage("io.bitswitch.quant..", "io.bitswitch.bundle..", "io.bitswitch.hessian..")
        .should().dependOnClassesThat().resideInAnyPackage("org.deeplearning4j..", "org.nd4j..", "org.apache.spark..")
        .because("docs/design/architecture.md §1: quant, bundle and hessian are plain Java")
        .check(moduleClasses);
  }

  /** Executors run this module's code on plain arrays; Spark and Hadoop stay on the driver side. */
  @Test
  void workerKernelsUseNoSparkOrHadoop() {
    noClasses()
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "org.apache.hadoop..")
        .because("docs/design/architecture.md §1: no Spark in the executor code")
        .check(moduleClasses);
  }
}
