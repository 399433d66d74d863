// A Flutter widget/unit test that fakes flutter_stripe's native side with fcmock.
//
// flutter_stripe talks to its native code over the `flutter.stripe/payments` method channel
// with a JSONMethodCodec. This test replaces that channel with a handler that asks fcmock
// (`POST /_fcmock/sdk/flutter/...`) what the Android or iOS glue would have answered, so
// `Stripe.instance.collectFinancialConnectionsAccounts` / `collectBankAccountToken` return
// (or throw) exactly what they would on a device — no emulator, no native SDK.
//
// Run fcmock (`cargo run --release`), add `http` and `flutter_stripe` to dev_dependencies,
// copy this file into your app's `test/` directory, then `flutter test`.
// Not run on fcmock's CI (no Dart toolchain there): the payloads it receives are checked by
// tests/integration/sdk_results.rs against what the native glue builds.
// Set FCMOCK_URL and FCMOCK_PLATFORM (android|ios) with --dart-define to change the defaults.

import 'dart:convert';
import 'dart:io';

import 'package:flutter/services.dart';
import 'package:flutter_stripe/flutter_stripe.dart';
import 'package:flutter_test/flutter_test.dart';
import 'package:http/http.dart' as http;

const fcmock = String.fromEnvironment('FCMOCK_URL', defaultValue: 'http://127.0.0.1:12111');
const platform = String.fromEnvironment('FCMOCK_PLATFORM', defaultValue: 'android');
const channel = MethodChannel('flutter.stripe/payments', JSONMethodCodec());

/// What the example backend gives the app: a client secret (a Connect account's session,
/// collected for a bank-account token; `?holder=customer` for a customer's).
Future<String> newClientSecret({bool customer = false}) async {
  final res = await http.post(Uri.parse(
      '$fcmock/financial-connections-sheet${customer ? '?holder=customer' : ''}'));
  return (jsonDecode(res.body) as Map<String, dynamic>)['clientSecret'] as String;
}

/// Queues the outcome of the next session (success, cancel or a named failure).
Future<void> script(Map<String, Object?> scenario) async {
  final res = await http.post(Uri.parse('$fcmock/_fcmock/scenarios'),
      headers: {'Content-Type': 'application/json'}, body: jsonEncode(scenario));
  expect(res.statusCode, 200, reason: res.body);
}

/// The native side, played by fcmock.
Future<Object?> fakeNative(MethodCall call) async {
  final route = switch (call.method) {
    'collectFinancialConnectionsAccounts' => 'collect_financial_connections_accounts',
    'collectBankAccountToken' => 'collect_bank_account_token',
    _ => null, // initialise and friends: nothing to answer
  };
  if (route == null) return null;
  final args = call.arguments as Map<String, dynamic>;
  final res = await http.post(Uri.parse('$fcmock/_fcmock/sdk/flutter/$route'),
      headers: {'Content-Type': 'application/json'},
      body: jsonEncode({
        'clientSecret': args['clientSecret'],
        'platform': platform,
        // Give a person time to finish the hosted page when no outcome is scripted.
        'wait_ms': 0,
      }));
  if (res.statusCode != 200) throw StateError('fcmock: ${res.body}');
  return jsonDecode(res.body);
}

void main() {
  TestWidgetsFlutterBinding.ensureInitialized();
  // flutter_test's binding answers every dart:io HTTP request with an empty 400
  // (`_MockHttpOverrides` in flutter_test's _binding_io.dart) unless the test opts out: without
  // this line no request reaches fcmock.
  HttpOverrides.global = null;

  setUp(() async {
    TestDefaultBinaryMessengerBinding.instance.defaultBinaryMessenger
        .setMockMethodCallHandler(channel, fakeNative);
    Stripe.publishableKey = 'pk_test_fcmock';
    await http.delete(Uri.parse('$fcmock/_fcmock/scenarios'));
  });

  test('a successful link returns the session with its accounts', () async {
    await script({'outcome': 'success', 'accounts': ['success', 'savings']});
    final secret = await newClientSecret(customer: true);

    final result = await Stripe.instance
        .collectFinancialConnectionsAccounts(clientSecret: secret);

    expect(result.session.accounts, hasLength(2));
    expect(result.session.accounts.first.last4, '6789');
  });

  test('the token flow returns a bank-account token', () async {
    await script({'outcome': 'success'});
    final secret = await newClientSecret();

    final result = await Stripe.instance.collectBankAccountToken(clientSecret: secret);

    expect(result.token.id, startsWith('btok_'));
    expect(result.token.bankAccount?.bankName, 'STRIPE TEST BANK');
  });

  test('a cancel throws StripeException with FailureCode.Canceled', () async {
    await script({'outcome': 'cancel'});
    final secret = await newClientSecret();

    await expectLater(
      Stripe.instance.collectFinancialConnectionsAccounts(clientSecret: secret),
      throwsA(isA<StripeException>()
          .having((e) => e.error.code, 'code', FailureCode.Canceled)),
    );
  });

  test('a down bank throws StripeException with FailureCode.Failed', () async {
    await script({'outcome': 'failure', 'failure': 'institution_down_unscheduled'});
    final secret = await newClientSecret();

    await expectLater(
      Stripe.instance.collectFinancialConnectionsAccounts(clientSecret: secret),
      throwsA(isA<StripeException>()
          .having((e) => e.error.code, 'code', FailureCode.Failed)
          .having((e) => e.error.stripeErrorCode, 'stripeErrorCode',
              'institution_unavailable_unplanned')),
    );
  });
}
