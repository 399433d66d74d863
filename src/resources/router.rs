//! The route table, compiled once from [`REGISTRY`]: `(method, path)` → the route and the
//! ids its path carries.
//!
//! Unknown paths and known paths with another method both become Stripe's "Unrecognized
//! request URL" 404.

use super::handler::{Handler, Route};
use super::REGISTRY;
use std::sync::OnceLock;

/// A path pattern split into segments; `None` marks an id.
struct Compiled {
    route: &'static Route,
    segments: Vec<Option<&'static str>>,
    literals: usize,
}

fn table() -> &'static [Compiled] {
    static TABLE: OnceLock<Vec<Compiled>> = OnceLock::new();
    TABLE.get_or_init(|| {
        REGISTRY
            .routes()
            .map(|route| {
                let segments: Vec<Option<&'static str>> = route
                    .path
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then_some(s))
                    .collect();
                let literals = segments.iter().flatten().count();
                Compiled {
                    route,
                    segments,
                    literals,
                }
            })
            .collect()
    })
}

/// The compiled routes by their number of segments: a request is compared only with
/// patterns of its own length (in table order, so ties resolve as in [`table`]).
fn by_length() -> &'static [Vec<&'static Compiled>] {
    static BY_LENGTH: OnceLock<Vec<Vec<&'static Compiled>>> = OnceLock::new();
    BY_LENGTH.get_or_init(|| {
        let longest = table().iter().map(|c| c.segments.len()).max().unwrap_or(0);
        let mut groups: Vec<Vec<&'static Compiled>> = vec![Vec::new(); longest + 1];
        for compiled in table() {
            groups[compiled.segments.len()].push(compiled);
        }
        groups
    })
}

/// A route found for a request, with the ids taken from its path.
pub struct Matched<'p> {
    /// The route.
    pub route: &'static Route,
    /// The path's ids, in order.
    pub ids: Vec<&'p str>,
}

/// Finds the route for a method and a path split on `/` (without the leading empty part).
/// Where several patterns match, the one with more literal segments wins.
pub fn resolve<'p>(method: &str, path: &[&'p str]) -> Option<Matched<'p>> {
    // An empty segment is a trailing slash or a missing id: Stripe answers those as unknown URLs.
    if path.iter().any(|s| s.is_empty()) {
        return None;
    }
    let best = by_length()
        .get(path.len())?
        .iter()
        .filter(|c| c.route.method == method && matches(c, path))
        .max_by_key(|c| c.literals)?;
    let ids = best
        .segments
        .iter()
        .zip(path)
        .filter(|(pattern, _)| pattern.is_none())
        .map(|(_, segment)| *segment)
        .collect();
    Some(Matched {
        route: best.route,
        ids,
    })
}

fn matches(compiled: &Compiled, path: &[&str]) -> bool {
    compiled.segments.len() == path.len()
        && compiled
            .segments
            .iter()
            .zip(path)
            .all(|(pattern, segment)| pattern.is_none_or(|literal| literal == *segment))
}

/// Whether any method is routed at this path (Stripe answers a wrong method like an unknown
/// URL, so the API does not ask; the fuzz target does).
pub fn path_exists(path: &[&str]) -> bool {
    !path.iter().any(|s| s.is_empty()) && table().iter().any(|c| matches(c, path))
}

/// Calls a matched route's handler with its ids.
pub fn call(matched: &Matched<'_>, ctx: &mut super::Ctx<'_>) -> super::HandlerResult {
    match (matched.route.handler, matched.ids.as_slice()) {
        (Handler::Collection(f), []) => f(ctx),
        (Handler::Member(f), [id]) => f(ctx, id),
        (Handler::Nested(f), [a, b]) => f(ctx, a, b),
        _ => Err(crate::stripe::error::ApiError::internal(format!(
            "route {} declares a handler that does not take its path's ids",
            matched.route.path
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_pattern_has_as_many_ids_as_its_handler_takes() {
        for c in table() {
            let ids = c.segments.iter().filter(|s| s.is_none()).count();
            let takes = match c.route.handler {
                Handler::Collection(_) => 0,
                Handler::Member(_) => 1,
                Handler::Nested(_) => 2,
            };
            assert_eq!(ids, takes, "{} {}", c.route.method, c.route.path);
        }
    }

    #[test]
    fn no_two_routes_share_a_method_and_pattern() {
        let mut seen = std::collections::HashSet::new();
        for c in table() {
            assert!(
                seen.insert((c.route.method, c.route.path)),
                "{}",
                c.route.path
            );
        }
    }
}
