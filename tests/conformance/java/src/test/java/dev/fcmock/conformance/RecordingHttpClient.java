package dev.fcmock.conformance;

import com.stripe.exception.StripeException;
import com.stripe.net.HttpClient;
import com.stripe.net.HttpURLConnectionClient;
import com.stripe.net.StripeRequest;
import com.stripe.net.StripeResponse;
import com.stripe.net.StripeResponseStream;
import java.io.ByteArrayInputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * stripe-java's default {@link HttpURLConnectionClient}, recording every response the library
 * receives (see {@link Capture}) before handing it back unchanged. A response whose {@code
 * Stripe-Version} is not the one the request sent fails the test (an {@link AssertionError}
 * out of the library call): fcmock renders every response at the request's version.
 */
final class RecordingHttpClient extends HttpClient {
  /** What one exchange looked like, for tests that look at the requests made. */
  record Exchange(String method, String url, int status) {}

  private final HttpURLConnectionClient delegate = new HttpURLConnectionClient();
  private final String testName;
  private final List<Exchange> exchanges = Collections.synchronizedList(new ArrayList<>());

  RecordingHttpClient(String testName) {
    this.testName = testName;
  }

  List<Exchange> exchanges() {
    synchronized (exchanges) {
      return List.copyOf(exchanges);
    }
  }

  @Override
  public StripeResponse request(StripeRequest request) throws StripeException {
    StripeResponse response = delegate.request(request);
    try {
      Capture.record(
          testName,
          "stripe-java",
          request.method().name(),
          request.url().toURI(),
          response.code(),
          response.headers().firstValue("Stripe-Version").orElse(null),
          response.body());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("unparseable request URL " + request.url(), e);
    }
    exchanges.add(new Exchange(request.method().name(), request.url().toString(), response.code()));
    String sent = request.headers().firstValue("Stripe-Version").orElse(null);
    String got = response.headers().firstValue("Stripe-Version").orElse(null);
    if (sent != null && !sent.equals(got)) {
      throw new AssertionError(
          request.method().name() + " " + request.url() + " -> " + response.code()
              + " came with Stripe-Version " + got + ", the request sent " + sent);
    }
    return response;
  }

  /** Streamed requests are buffered so that they are recorded like the others. */
  @Override
  public StripeResponseStream requestStream(StripeRequest request) throws StripeException {
    StripeResponse response = request(request);
    byte[] body = response.body() == null ? new byte[0] : response.body().getBytes(StandardCharsets.UTF_8);
    return new StripeResponseStream(
        response.code(), response.headers(), new ByteArrayInputStream(body));
  }
}
