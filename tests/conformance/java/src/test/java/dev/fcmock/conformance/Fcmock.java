package dev.fcmock.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import com.stripe.Stripe;
import com.stripe.StripeClient;
import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One test's view of fcmock: a fresh random {@code sk_test_} key (its own, empty fcmock
 * namespace), a {@link StripeClient} pointed at {@code FCMOCK_URL} that records every response,
 * and plain-HTTP helpers for the control API ({@code /_fcmock/…}), recorded too.
 *
 * <p>Tests get one as a parameter: {@code @ExtendWith(Fcmock.Extension.class)}.
 */
final class Fcmock {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Gson GSON = new Gson();
  // fcmock is on 127.0.0.1: never go through a proxy.
  private static final HttpClient RAW =
      HttpClient.newBuilder()
          .proxy(ProxySelector.of(null))
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  static {
    // No X-Stripe-Client-Telemetry header about earlier requests: each request stands alone.
    Stripe.enableTelemetry = false;
  }

  final String baseUrl;
  final String testName;
  final String apiKey;
  final RecordingHttpClient http;
  final StripeClient client;

  private Fcmock(String baseUrl, String testName) {
    this.baseUrl = baseUrl;
    this.testName = testName;
    this.apiKey = newTestKey();
    this.http = new RecordingHttpClient(testName);
    this.client = newClient(apiKey, http);
  }

  /** The base URL of the fcmock under test, from the required env var FCMOCK_URL. */
  static String requiredBaseUrl() {
    String url = System.getenv("FCMOCK_URL");
    if (url == null || url.isBlank()) {
      throw new ExtensionConfigurationException(
          "FCMOCK_URL is not set: start fcmock and run tests/conformance/java/run.sh "
              + "with FCMOCK_URL=http://127.0.0.1:PORT");
    }
    return url.replaceAll("/+$", "");
  }

  /** A fresh test key: fcmock gives every key its own namespace, so tests are isolated. */
  static String newTestKey() {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return "sk_test_confjava" + HexFormat.of().formatHex(bytes);
  }

  /** A StripeClient for {@code key}, every base address at fcmock, without retries. */
  StripeClient newClient(String key, RecordingHttpClient recorder) {
    return StripeClient.builder()
        .setApiKey(key)
        .setApiBase(baseUrl)
        .setConnectBase(baseUrl)
        .setFilesBase(baseUrl)
        .setMeterEventsBase(baseUrl)
        .setMaxNetworkRetries(0)
        .setConnectTimeout(10_000)
        .setReadTimeout(40_000)
        .setHttpClient(recorder)
        .build();
  }

  /** A client with a different key, i.e. a different (empty) namespace. */
  StripeClient otherClient() {
    return newClient(newTestKey(), new RecordingHttpClient(testName));
  }

  // ---------------------------------------------------------------- plain HTTP

  record RawResponse(int status, java.net.http.HttpHeaders headers, String text) {
    Optional<String> header(String name) {
      return headers.firstValue(name);
    }

    JsonObject json() {
      try {
        return JsonParser.parseString(text).getAsJsonObject();
      } catch (JsonSyntaxException | IllegalStateException e) {
        throw new AssertionError("not a JSON object (status " + status + "): " + text, e);
      }
    }
  }

  /** A plain HTTP request (no Stripe library) to fcmock; the response is recorded too. */
  RawResponse raw(String method, String path, String body, Map<String, String> headers) {
    URI uri = URI.create(baseUrl + path);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    HttpResponse<String> resp;
    try {
      resp = RAW.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(method + " " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted during " + method + " " + uri, e);
    }
    Capture.record(
        testName,
        "raw",
        method,
        uri,
        resp.statusCode(),
        resp.headers().firstValue("Stripe-Version").orElse(null),
        resp.body());
    return new RawResponse(resp.statusCode(), resp.headers(), resp.body());
  }

  /** POSTs a JSON body to fcmock's control API (no Stripe key); asserts 200. */
  JsonObject control(String path, Object body) {
    RawResponse r = raw("POST", path, GSON.toJson(body), Map.of("Content-Type", "application/json"));
    assertEquals(200, r.status(), () -> "POST " + path + ": " + r.text());
    return r.json();
  }

  /** Completes a session headlessly: {@code POST /_fcmock/sessions/{id}/complete}. */
  JsonObject complete(String sessionId, String institution, List<String> accounts) {
    return control(
        "/_fcmock/sessions/" + sessionId + "/complete",
        Map.of("outcome", "success", "institution", institution, "accounts", accounts));
  }

  /** Settles every pending refresh now: {@code POST /_fcmock/refreshes/settle}. */
  int settle() {
    return control("/_fcmock/refreshes/settle", Map.of()).get("settled").getAsInt();
  }

  /**
   * Waits until every webhook delivery of this test's key (retries included) is done: {@code
   * POST /_fcmock/webhooks/flush} → {@code {"delivered","failed","pending"}}.
   */
  JsonObject flushWebhooks() {
    return control("/_fcmock/webhooks/flush", Map.of("api_key", apiKey));
  }

  static JsonElement parse(String text) {
    return JsonParser.parseString(text);
  }

  // ---------------------------------------------------------------- JUnit wiring

  /** Resolves an {@link Fcmock} parameter: one per test, with its own key. */
  static final class Extension implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
      return pc.getParameter().getType() == Fcmock.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
      String test =
          "java/"
              + ec.getRequiredTestClass().getSimpleName()
              + "::"
              + ec.getTestMethod().map(m -> m.getName()).orElse(ec.getDisplayName());
      return new Fcmock(requiredBaseUrl(), test);
    }
  }
}
