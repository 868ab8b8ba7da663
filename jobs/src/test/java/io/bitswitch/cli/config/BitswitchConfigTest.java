package io.bitswitch.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.InvalidInputException;
import io.bitswitch.quant.BitWidthSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BitswitchConfigTest {
  @TempDir Path dir;

  private static BitswitchConfig withSets(String... sets) {
    return BitswitchConfig.load(Optional.empty(), List.of(sets));
  }

  private static String refusedWithSets(String... sets) {
    return assertThrows(InvalidInputException.class, () -> withSets(sets)).getMessage();
  }

  private BitswitchConfig withFile(String hocon, String... sets) throws IOException {
    Path file = dir.resolve("user.conf");
    Files.writeString(file, hocon);
    return BitswitchConfig.load(Optional.of(file), List.of(sets));
  }

  private String refusedWithFile(String hocon) throws IOException {
    Path file = dir.resolve("user.conf");
    Files.writeString(file, hocon);
    return assertThrows(InvalidInputException.class, () -> BitswitchConfig.load(Optional.of(file), List.of())).getMessage();
  }

  private static void assertContains(String message, String... parts) {
    for (String part : parts) {
      assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }
  }

  @Test
  void defaultsMatchTheReferenceFile() {
    BitswitchConfig c = BitswitchConfig.defaults();
    assertEquals(42L, c.seed());
    assertEquals(new ModelOptions(Architecture.FMNIST_CNN, Optional.empty(), false, InitScheme.FAN_IN_UNIFORM), c.model());
    assertEquals(new DataOptions(2, 0, 0, AugmentMode.NONE), c.data());
    assertEquals(new PretrainOptions(2, 128, 1e-3, 5e-5), c.pretrain());
    assertEquals(new JointTrainingOptions(BitWidthSet.of(8, 6, 4, 2), 1, 128, 1e-3, 30, 5e-5, true, UpdateMode.SEQUENTIAL,
        ScaleParam.LOG, DistillMode.INPLACE, 0.5, 1.0, 0.1, 100, 20, 600),
        c.train());
    assertEquals(new SensitivityOptions(1024, 100, 1e-3), c.sensitivity());
    assertEquals(new SupernetOptions(1, 1.0, SupernetSampling.HASB), c.supernet());
    assertEquals(new SearchOptions(SearchBudget.SIZE, List.of(7.0, 6.0, 5.0, 4.0, 3.0), 10, 5), c.search());
    assertEquals(new EvaluateOptions(500), c.evaluate());
    assertEquals(new DemoOptions(DemoProfile.QUICK), c.demo());
    assertEquals(new MetricsOptions(0, Optional.empty(), "bitswitch"), c.metrics());
    assertFalse(c.metrics().httpEnabled());
    assertEquals(Map.of(), c.gates().minAccuracy());
    assertEquals(1.0, c.gates().maxRegression());
    assertTrue(c.appliedProfile().isEmpty());
  }

  @Test
  void setAcceptsKeysWithAndWithoutThePrefixAndParsesHocon() {
    BitswitchConfig c = withSets("train.bits=[4]", "bitswitch.train.alrs=false", "train.lr=5e-4",
        "train.update-mode=sequential", "metrics.pushgateway=localhost:9091", "gates.min-accuracy={\"8\" = 0.85}",
        "model.architecture=resnet20");
    assertEquals(BitWidthSet.of(4), c.train().bits());
    assertEquals(1, c.train().bits().size());
    assertFalse(c.train().alrs());
    assertEquals(5e-4, c.train().learningRate());
    assertEquals(UpdateMode.SEQUENTIAL, c.train().updateMode());
    assertEquals(Optional.of("localhost:9091"), c.metrics().pushgateway());
    assertEquals(Map.of(8, 0.85), c.gates().minAccuracy());
    assertEquals(Architecture.RESNET20, c.model().architecture());
  }

  @Test
  void laterSetsWinOverEarlierOnesAndOverTheFile() throws IOException {
    BitswitchConfig c = withFile("bitswitch { train { epochs = 3, batch-size = 64 } }", "train.epochs=4", "train.epochs=5");
    assertEquals(5, c.train().epochs());
    assertEquals(64, c.train().batchSize());
  }

  @Test
  void setOfAMapEntryByPath() {
    assertEquals(Map.of(4, 0.7, 8, 0.9), withSets("gates.min-accuracy.8=0.9", "gates.min-accuracy.4=0.7").gates().minAccuracy());
  }

  @Test
  void substitutionsResolveAgainstTheWholeConfiguration() {
    assertEquals(2e-3, withSets("pretrain.lr=2e-3", "train.lr=${bitswitch.pretrain.lr}").train().learningRate());
  }

  @Test
  void unknownKeyInSetIsNamedWithASuggestion() {
    String message = refusedWithSets("train.epoch=3");
    assertContains(message, "unknown key 'bitswitch.train.epoch'", "--set train.epoch=3", "did you mean 'bitswitch.train.epochs'?");
  }

  @Test
  void unknownKeyInFileIsNamedWithItsLine() throws IOException {
    String message = refusedWithFile("bitswitch {\n  train {\n    alrs = false\n    bn-momentom = 0.2\n  }\n}\n");
    assertContains(message, "unknown key 'bitswitch.train.bn-momentom'", "user.conf line 4",
        "did you mean 'bitswitch.train.bn-momentum'?");
  }

  @Test
  void keyOutsideTheRootIsRefusedWithTheRootedSuggestion() throws IOException {
    String message = refusedWithFile("train.epochs = 3\n");
    assertContains(message, "unknown key 'train.epochs'", "did you mean 'bitswitch.train.epochs'?");
  }

  @Test
  void ambiguousLeafNameSuggestsEveryCandidate() {
    String message = refusedWithSets("epochs=3");
    assertContains(message, "unknown key 'bitswitch.epochs'", "'bitswitch.train.epochs'", "'bitswitch.pretrain.epochs'");
  }

  @Test
  void sectionSetAsAValueIsRefused() {
    assertContains(refusedWithSets("train=5"), "'bitswitch.train'", "is a section", "bitswitch.train.epochs");
  }

  @Test
  void wrongTypesAreNamedWithWhatWasGiven() {
    assertEquals("bitswitch.train.epochs must be a positive integer, got 'abc'", refusedWithSets("train.epochs=abc"));
    assertEquals("bitswitch.train.epochs must be a positive integer, got '2.5'", refusedWithSets("train.epochs=2.5"));
    assertEquals("bitswitch.train.alrs must be true or false, got 'maybe'", refusedWithSets("train.alrs=maybe"));
    assertEquals("bitswitch.pretrain.lr must be a number > 0, got 'fast'", refusedWithSets("pretrain.lr=fast"));
    assertEquals("bitswitch.seed must be an integer, got '[1]'", refusedWithSets("seed=[1]"));
    assertEquals("bitswitch.metrics.job must be a string, got '3'", refusedWithSets("metrics.job=3"));
    assertEquals("bitswitch.train.warmup-steps must be an integer >= 0, got '-1'", refusedWithSets("train.warmup-steps=-1"));
  }

  @Test
  void badEnumValuesListTheAllowedOnes() {
    assertEquals("bitswitch.model.architecture must be one of fmnist-cnn, resnet20, custom, got 'vgg'",
        refusedWithSets("model.architecture=vgg"));
    assertEquals("bitswitch.train.update-mode must be one of sequential, got 'averaged'",
        refusedWithSets("train.update-mode=averaged"));
    assertEquals("bitswitch.data.augment must be one of none, crop-flip, got 'mixup'",
        refusedWithSets("data.augment=mixup"));
    assertEquals(AugmentMode.CROP_FLIP, withSets("data.augment=crop-flip").data().augment());
    assertEquals("bitswitch.train.scale-param must be one of linear, log, got 'exp'",
        refusedWithSets("train.scale-param=exp"));
    assertEquals("bitswitch.train.distill must be one of none, inplace, got 'teacher'",
        refusedWithSets("train.distill=teacher"));
    assertEquals("bitswitch.model.init must be one of fan-in-uniform, he-normal, got 'xavier'",
        refusedWithSets("model.init=xavier"));
    assertContains(refusedWithSets("train.distill-weight=1"), "bitswitch.train.distill-weight must be a number in (0, 1)");
    assertContains(refusedWithSets("train.distill-temperature=0"), "bitswitch.train.distill-temperature must be a number > 0");
    assertEquals("bitswitch.demo.profile must be one of quick, full, got 'medium'", refusedWithSets("demo.profile=medium"));
  }

  @Test
  void rangesAreChecked() {
    assertContains(refusedWithSets("train.epochs=0"), "bitswitch.train.epochs must be a positive integer, got '0'");
    assertContains(refusedWithSets("pretrain.batch-size=-1"), "bitswitch.pretrain.batch-size must be a positive integer");
    assertContains(refusedWithSets("train.lr=0"), "bitswitch.train.lr must be a number > 0, got '0'");
    assertContains(refusedWithSets("data.partitions=0"), "bitswitch.data.partitions must be a positive integer");
    assertContains(refusedWithSets("train.bn-momentum=0"), "bitswitch.train.bn-momentum must be a number in (0, 1]");
    assertContains(refusedWithSets("train.bn-momentum=1.5"), "bitswitch.train.bn-momentum must be a number in (0, 1]");
    assertEquals(1.0, withSets("train.bn-momentum=1").train().bnMomentum());
    assertContains(refusedWithSets("data.max-train-examples=-5"), "bitswitch.data.max-train-examples must be an integer >= 0");
    assertContains(refusedWithSets("metrics.port=70000"), "bitswitch.metrics.port must be a port number in 0..65535");
    assertContains(refusedWithSets("metrics.pushgateway=http://x"), "bitswitch.metrics.pushgateway must be empty or host:port");
    assertContains(refusedWithSets("gates.max-regression=2"), "bitswitch.gates.max-regression must be a number in [0, 1]");
    assertContains(refusedWithSets("gates.min-accuracy.9=0.5"), "bitswitch.gates.min-accuracy has key '9'");
    assertContains(refusedWithSets("gates.min-accuracy.8=85"), "bitswitch.gates.min-accuracy.\"8\" must be an accuracy ratio in [0, 1]");
  }

  @Test
  void badBitWidthSetsAreRefusedByBitWidthSet() {
    assertContains(refusedWithSets("train.bits=[8,9]"), "bitswitch.train.bits is invalid", "bit-width 9 is outside the supported range 2..8");
    assertContains(refusedWithSets("train.bits=[4,4]"), "bitswitch.train.bits is invalid", "appears more than once");
    assertContains(refusedWithSets("train.bits=[]"), "bitswitch.train.bits is invalid", "bit-width set is empty");
    assertContains(refusedWithSets("train.bits=[4.5]"), "bitswitch.train.bits is invalid", "'4.5'", "is not an integer");
    assertContains(refusedWithSets("train.bits=true"), "bitswitch.train.bits must be a list of bit-widths");
    assertEquals(BitWidthSet.of(8, 4), withSets("train.bits=\"8,4\"").train().bits());
  }

  @Test
  void customArchitectureNeedsItsConfigFileAndOnlyIt() {
    assertContains(refusedWithSets("model.architecture=custom"), "bitswitch.model.config must name a DL4J configuration JSON file");
    assertContains(refusedWithSets("model.config=net.json"), "bitswitch.model.config is only read when");
    assertEquals(Optional.of("net.json"), withSets("model.architecture=custom", "model.config=net.json").model().customConfig());
  }

  @Test
  void demoProfileOverridesApplyBeneathTheUsersSettings() {
    BitswitchConfig plain = withSets("train.epochs=3");
    assertEquals(0, plain.data().maxTrainExamples());

    BitswitchConfig quick = plain.withDemoProfile();
    assertEquals(Optional.of(DemoProfile.QUICK), quick.appliedProfile());
    assertEquals(12000, quick.data().maxTrainExamples());
    assertEquals(2000, quick.data().maxTestExamples());
    assertEquals(1, quick.pretrain().epochs());
    assertEquals(3, quick.train().epochs(), "the user's own setting wins over the profile");

    BitswitchConfig full = withSets("demo.profile=full").withDemoProfile();
    assertEquals(0, full.data().maxTrainExamples());
    assertEquals(2, full.pretrain().epochs());

    BitswitchConfig customised = withSets("demo.full.pretrain.epochs=7", "demo.profile=full").withDemoProfile();
    assertEquals(7, customised.pretrain().epochs());
  }

  @Test
  void demoProfileOverridesAreCheckedWhicheverCommandRuns() {
    assertContains(refusedWithSets("demo.quick.train.epoch=1"), "unknown key 'bitswitch.demo.quick.train.epoch'",
        "did you mean 'bitswitch.train.epochs'?");
    assertEquals("bitswitch.demo.quick.train.epochs must be a positive integer, got '0'", refusedWithSets("demo.quick.train.epochs=0"));
    assertContains(refusedWithSets("demo.quick.demo.profile=full"), "cannot override bitswitch.demo keys");
    assertContains(refusedWithSets("demo.quick=3"), "bitswitch.demo.quick must be an object of overrides");
    assertContains(refusedWithSets("demo.medium.train.epochs=1"), "unknown key 'bitswitch.demo.medium.train.epochs'");
  }

  @Test
  void missingOrMalformedFileIsAnInputError() throws IOException {
    assertContains(assertThrows(InvalidInputException.class,
        () -> BitswitchConfig.load(Optional.of(dir.resolve("absent.conf")), List.of())).getMessage(), "absent.conf does not exist");
    assertContains(refusedWithFile("bitswitch { train { epochs = \n"), "user.conf is not valid HOCON");
  }

  @Test
  void malformedSetIsAnInputError() {
    assertEquals("--set expects key=value, got 'train.epochs'", refusedWithSets("train.epochs"));
    assertContains(refusedWithSets("train..epochs=1"), "is not a key path");
  }

  @Test
  void setValuesThatAreNotHoconStayVerbatim() {
    assertEquals("my job // nightly", withSets("metrics.job=my job // nightly").metrics().job());
  }

  @Test
  void effectiveConfigurationRendersAsHoconThatLoadsBack() throws IOException {
    BitswitchConfig c = withSets("train.bits=[6,4]", "gates.min-accuracy.8=0.9");
    BitswitchConfig reloaded = withFile(c.toHocon());
    assertEquals(c.train(), reloaded.train());
    assertEquals(c.gates(), reloaded.gates());
  }
}
