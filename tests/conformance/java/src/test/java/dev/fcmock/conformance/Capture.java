package dev.fcmock.conformance;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Appends one JSON line per HTTP response to {@code $FCMOCK_CAPTURE_DIR/responses-java.jsonl},
 * in the format of the Python and Node suites: {@code {"lib","source","test","method","path",
 * "status","version","body"}}, where {@code path} carries the query, {@code version} is the
 * response's {@code Stripe-Version} header (null when absent) and {@code body} is the raw text.
 * {@code tests/conformance/validate_responses.py} checks each body against Stripe's schemas of
 * that version.
 */
final class Capture {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
  private static final Object LOCK = new Object();

  static final Path FILE = captureDir().resolve("responses-java.jsonl");

  private Capture() {}

  private static Path captureDir() {
    String dir = System.getenv("FCMOCK_CAPTURE_DIR");
    if (dir != null && !dir.isEmpty()) {
      return Paths.get(dir).toAbsolutePath();
    }
    // Default like the Python suite: <repo>/target/conformance (this project is
    // <repo>/tests/conformance/java).
    String base = System.getProperty("fcmock.basedir", System.getProperty("user.dir"));
    return Paths.get(base).toAbsolutePath().resolve("../../../target/conformance").normalize();
  }

  /**
   * Records one response. {@code source} is "stripe-java" or "raw" (plain HTTP from a test);
   * {@code version} the response's Stripe-Version header, or null.
   */
  static void record(
      String test, String source, String method, URI url, int status, String version, String body) {
    String path = url.getRawPath();
    if (url.getRawQuery() != null) {
      path += "?" + url.getRawQuery();
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("lib", "java");
    line.put("source", source);
    line.put("test", test);
    line.put("method", method.toUpperCase());
    line.put("path", path);
    line.put("status", status);
    line.put("version", version);
    line.put("body", body);
    String json = GSON.toJson(line) + "\n";
    synchronized (LOCK) {
      try {
        Files.createDirectories(FILE.getParent());
        Files.write(
            FILE,
            json.getBytes(StandardCharsets.UTF_8),
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + FILE, e);
      }
    }
  }
}
