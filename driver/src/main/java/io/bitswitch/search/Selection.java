package io.bitswitch.search;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One bit-width configuration with its cost figures, as chosen by {@link SubnetIlp#solve} or
 * measured by {@link SubnetIlp#evaluate}.
 *
 * @param budget the budget ω (in bits) the configuration was chosen for / reported against
 * @param layerBits bit-width per layer name, in layer order (unmodifiable)
 * @param sizeBits {@code Σ_l n_l·b_l}: weight storage in bits
 * @param bitOps {@code Σ_l MAC_l·b_l²}: bit operations per example
 * @param averageBits {@code Σ_l b_l / L}: unweighted mean bit-width
 * @param objective {@code Σ_l t_l·e_l(b_l)} in the units of the inputs (not normalised)
 */
public record Selection(double budget, Map<String, Integer> layerBits, long sizeBits, long bitOps,
    double averageBits, double objective) {

  /** Copies {@code layerBits} so the record is immutable and keeps the layer order. */
  public Selection {
    layerBits = Collections.unmodifiableMap(new LinkedHashMap<>(layerBits));
  }
}
