//! Fuzzes the router: any method and path must resolve to a handler or to nothing (a
//! Stripe 404/405), never panic.
#![no_main]

use fcmock::router;
use hyper::Method;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (method, path) = text.split_once(' ').unwrap_or(("GET", text));
    let Ok(method) = Method::from_bytes(method.as_bytes()) else { return };
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let _ = router::resolve(&method, &segments).map(|route| route.access);
    let _ = router::path_exists(&segments);
});
