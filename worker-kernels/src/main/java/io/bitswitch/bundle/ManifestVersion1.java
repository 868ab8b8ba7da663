package io.bitswitch.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Reading format-version-1 manifests: the same fields as version 2 under camelCase keys
 * ({@code formatVersion}, {@code layerBits}, ...), from before bitswitch's JSON files took one key
 * style (docs/design/architecture.md §5).
 */
final class ManifestVersion1 {
  /** Version-1 keys and the keys version 2 names the same fields with. */
  private static final Map<String, String> KEYS = Map.of(
      "formatVersion", "format_version", "modelConfig", "model_config", "inputShape", "input_shape",
      "numClasses", "num_classes", "layerBits", "layer_bits", "quantizeFirstLast", "quantize_first_last",
      "tensorsFile", "tensors_file", "tensorsSha256", "tensors_sha256");

  private ManifestVersion1() {}

  /**
   * A version-1 manifest as version 2: the camelCase keys renamed, the version set to 2. A key
   * that is both (in its old and its new name) is left for binding to reject as unknown.
   */
  static JsonNode asVersion2(ObjectNode v1) {
    ObjectNode v2 = v1.objectNode();
    for (Map.Entry<String, JsonNode> e : v1.properties()) {
      String key = KEYS.getOrDefault(e.getKey(), e.getKey());
      v2.set(v2.has(key) ? e.getKey() : key, e.getValue());
    }
    v2.put("format_version", Manifest.CURRENT_FORMAT_VERSION);
    return v2;
  }
}
