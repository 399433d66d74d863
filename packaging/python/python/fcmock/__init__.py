"""fcmock for Python tests: start fcmock, a local emulator of Stripe's Financial Connections
API, on a free port and drive its control API.

    with fcmock.Server(seed=42) as s:
        client = stripe.StripeClient(s.api_key, base_addresses={"api": s.url})

The package also installs the ``fcmock`` command (the server itself, built from source by
pip) and a pytest plugin whose ``fcmock`` fixture shares one server per test session and
gives each test its own key. No runtime dependencies.
"""

from ._server import FcmockError, Namespace, Server, new_api_key, resolve_binary

__all__ = ["FcmockError", "Namespace", "Server", "new_api_key", "resolve_binary"]
