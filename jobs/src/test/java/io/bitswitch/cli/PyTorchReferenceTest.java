package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.testing.RequiredPackages;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** bitswitch benchmark's contract with the PyTorch implementation: it runs, and its JSON line is read. */
class PyTorchReferenceTest {
  /** Tests run in the module directory; the script is in the repository's experiments/. */
  private static final Path SCRIPT = Path.of("..").resolve(PyTorchReference.SCRIPT);

  @Test
  void measuresTheSameNetworkAndLoopInPyTorch() throws Exception {
    RequiredPackages.require("python3-torch");
    assertNull(PyTorchReference.unavailable(SCRIPT));
    PyTorchReference.Result r = PyTorchReference.measure(SCRIPT, 1, 16, "8,2", 1, 0, 1, 40, 20);
    assertTrue(r.fp32ImagesPerSecond() > 0 && r.jointImagePassesPerSecond() > 0 && r.evalImagesPerSecond() > 0,
        r.toString());
    assertTrue(r.torchVersion().matches("\\d+\\.\\d+.*"), r.torchVersion());
  }

  @Test
  void saysWhyWhenTheScriptIsMissing() {
    String why = PyTorchReference.unavailable(Path.of("no/such/joint_qat.py"));
    assertTrue(why.contains("no/such/joint_qat.py is missing"), why);
    assertEquals("8,6,4,2", PyTorchReference.bitsArgument(new int[] {8, 6, 4, 2}));
  }
}
