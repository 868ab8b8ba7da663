package io.bitswitch.deploy;

import static io.bitswitch.deploy.DeploymentFiles.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No credential is written into {@code k8s/} or {@code conf/spark-defaults.conf}: environment
 * variables and Spark settings reference Secrets, and no text looks like a key; a manifest with
 * literal credentials is reported.
 */
class DeploymentCredentialsTest {
  /** Setting names that would hold a credential. */
  private static final Pattern SENSITIVE_NAME = Pattern.compile(
      "(?i).*(secret|password|passwd|token|credential|access[._-]?key|private[._-]?key|session[._-]?key).*");
  /** YAML keys whose value names a Secret instead of holding one. */
  private static final Set<String> SECRET_REFERENCE_KEYS = Set.of("secretName", "secretKeyRef", "secretRef");
  /** Text that is a credential wherever it appears: AWS key ids and PEM private keys. */
  private static final Pattern CREDENTIAL_TEXT =
      Pattern.compile("\\b(AKIA|ASIA)[A-Z0-9]{16}\\b|-----BEGIN [A-Z ]*PRIVATE KEY-----");
  private static final Pattern SECRET_MOUNT_CONF =
      Pattern.compile("spark\\.kubernetes\\.(driver|executor)\\.secrets\\.[-a-z0-9.]+");
  /** {@code <secret name>:<key>}, what Spark's secretKeyRef settings take. */
  private static final Pattern SECRET_NAME_AND_KEY = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[-._A-Za-z0-9]+");

  @BeforeAll
  static void loadEveryFile() throws IOException {
    DeploymentFiles.load();
  }

  // ---------------------------------------------------------------------------------------------
  // Credentials

  @Test
  void noManifestCarriesALiteralCredential() {
    List<String> findings = new ArrayList<>();
    for (Manifest m : manifests) {
      if (m.kind().equals("Secret")) {
        findings.add(m + ": a Secret with its data belongs in the cluster, not in the repository");
      }
      scan(m.toString(), m.body(), null, findings);
    }
    for (String key : sparkDefaults.stringPropertyNames()) {
      checkSparkSetting("conf/spark-defaults.conf", key, sparkDefaults.getProperty(key), findings);
    }
    for (String line : dockerfile.lines().toList()) {
      String[] words = line.strip().split("\\s+", 2);
      if (words.length == 2 && (words[0].equals("ENV") || words[0].equals("ARG"))
          && SENSITIVE_NAME.matcher(words[1].split("[=\\s]", 2)[0]).matches()) {
        findings.add("k8s/Dockerfile: " + line.strip() + ": image layers keep every ENV and ARG");
      }
      scanText("k8s/Dockerfile", line, findings);
    }
    scanText("k8s/grafana-dashboard.json", dashboard.toString(), findings);
    assertEquals(List.of(), findings);
  }

  @Test
  void aLiteralCredentialIsReported() {
    String leaky = """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: leaky, namespace: bitswitch}
        spec:
          template:
            spec:
              containers:
                - name: submit
                  args: ["--conf", "spark.hadoop.fs.s3a.secret.key=wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY"]
                  env:
                    - {name: AWS_SECRET_ACCESS_KEY, value: wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY}
                    - {name: AWS_ACCESS_KEY_ID, valueFrom: {secretKeyRef: {name: s3, key: access-key}}}
                    - {name: NOTE, value: AKIAIOSFODNN7EXAMPLE}
        """;
    List<String> findings = new ArrayList<>();
    scan("leaky", yaml().load(leaky), null, findings);
    assertEquals(3, findings.size(), findings::toString);
  }

  // ---------------------------------------------------------------------------------------------
  // Credentials scan

  /** Walks a YAML tree; {@code key} is the mapping key {@code node} is the value of (or null). */
  private static void scan(String where, Object node, String key, List<String> findings) {
    if (node instanceof Map<?, ?> raw) {
      Map<String, Object> m = map(raw, where);
      if (m.get("name") instanceof String name && m.containsKey("value") && SENSITIVE_NAME.matcher(name).matches()) {
        findings.add(where + ": environment variable " + name + " has a literal value; use valueFrom.secretKeyRef");
      }
      boolean sparkSettings = "sparkConf".equals(key) || "hadoopConf".equals(key);
      for (Map.Entry<String, Object> e : m.entrySet()) {
        String k = e.getKey();
        Object v = e.getValue();
        if (sparkSettings) {
          checkSparkSetting(where, ("hadoopConf".equals(key) ? "spark.hadoop." : "") + k, String.valueOf(v), findings);
        } else if ((v instanceof String || v instanceof Number) && SENSITIVE_NAME.matcher(k).matches()
            && !SECRET_REFERENCE_KEYS.contains(k)) {
          findings.add(where + ": " + k + " holds a literal value; reference a Secret instead");
        }
        if (v instanceof String text && (k.endsWith(".conf") || k.endsWith(".yaml") || k.endsWith(".yml"))) {
          scanEmbeddedFile(where + " " + k, k, text, findings);
        }
        scan(where, v, k, findings);
      }
    } else if (node instanceof List<?> items) {
      for (int i = 0; i < items.size(); i++) {
        Object item = items.get(i);
        if ("--conf".equals(item) && i + 1 < items.size()) {
          String[] kv = String.valueOf(items.get(i + 1)).split("=", 2);
          checkSparkSetting(where, kv[0], kv.length > 1 ? kv[1] : "", findings);
        }
        scan(where, item, key, findings);
      }
    } else if (node instanceof String text) {
      scanText(where, text, findings);
    }
  }

  private static void scanEmbeddedFile(String where, String name, String text, List<String> findings) {
    if (name.endsWith(".conf")) {
      for (Map.Entry<String, ConfigValue> e : ConfigFactory.parseString(text).entrySet()) {
        String last = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
        if (SENSITIVE_NAME.matcher(last).matches() || e.getKey().matches("(?i).*fs\\.s3a\\..*key.*")) {
          findings.add(where + ": " + e.getKey() + " is a credential in a configuration file");
        }
      }
    } else {
      for (Object document : yaml().loadAll(text)) {
        scan(where, document, null, findings);
      }
    }
  }

  private static void checkSparkSetting(String where, String key, String value, List<String> findings) {
    if (SECRET_KEY_REF_CONF.matcher(key).matches()) {
      if (!SECRET_NAME_AND_KEY.matcher(value).matches()) {
        findings.add(where + ": " + key + " must be <secret>:<key>, got a value of " + value.length() + " characters");
      }
    } else if (SECRET_MOUNT_CONF.matcher(key).matches()) {
      if (!value.startsWith("/")) {
        findings.add(where + ": " + key + " must be a mount path");
      }
    } else if (SENSITIVE_NAME.matcher(key).matches()) {
      findings.add(where + ": Spark setting " + key + " holds a credential; pass it through secretKeyRef");
    }
  }

  private static void scanText(String where, String text, List<String> findings) {
    if (CREDENTIAL_TEXT.matcher(text).find()) {
      findings.add(where + ": text that is a credential");
    }
  }
}
