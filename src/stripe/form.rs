//! Bracket-form decoding: `a[b][c]=x`, `a[]=x`, `a[0]=x` into a [`ParamMap`] tree.
//!
//! Stripe's API takes `application/x-www-form-urlencoded` bodies (and query strings) with
//! Rack-style bracket nesting. The official libraries send arrays with indexes
//! (`permissions[0]=balances`), curl examples use `permissions[]=balances`; both decode here.
//! Indexed segments are kept as map keys (`"0"`) and become a list only where the endpoint's
//! parameter spec expects an array, because `metadata[0]=x` is a legal metadata key.

use super::error::ApiError;
use super::params::{Param, ParamMap};
use std::borrow::Cow;

/// How deep `a[b][c]…` may nest before the request is refused (Stripe's own objects nest
/// at most five levels; anything deeper is a malformed or hostile request).
pub const MAX_DEPTH: usize = 8;
/// How many `key=value` pairs one request may carry.
pub const MAX_PARAMS: usize = 2_000;
/// How long one parameter name may be.
const MAX_KEY_LEN: usize = 1_000;

/// Decodes a form body or query string into a parameter tree.
pub fn decode(input: &[u8]) -> Result<ParamMap, ApiError> {
    let mut root = ParamMap::default();
    if input.is_empty() {
        return Ok(root);
    }
    let Ok(input) = std::str::from_utf8(input) else {
        return Err(ApiError::invalid_request(
            "The request body or query string is not valid UTF-8. Stripe's API takes UTF-8 \
             form-encoded parameters.",
        ));
    };
    // Split as text: `&` and `=` are ASCII, so every piece is itself valid UTF-8.
    for (count, pair) in pieces(input, b'&').enumerate() {
        if pair.is_empty() {
            continue;
        }
        if count >= MAX_PARAMS {
            return Err(ApiError::invalid_request(format!(
                "Too many parameters: a request may carry at most {MAX_PARAMS}."
            )));
        }
        let (raw_key, raw_value) = match find_byte(pair, b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, ""),
        };
        let key = percent_decode(raw_key)?;
        let value = percent_decode(raw_value)?;
        if key.is_empty() {
            continue;
        }
        insert(&mut root, &key, value.into_owned())?;
    }
    Ok(root)
}

/// Percent-decodes one component, treating `+` as a space as forms do. Invalid escapes
/// are refused rather than passed through, so a typo never silently becomes data.
///
/// Most components (every key an official library sends, most values) hold neither `%`
/// nor `+`: those are borrowed from the input (already checked to be UTF-8), not copied.
fn percent_decode(text: &str) -> Result<Cow<'_, str>, ApiError> {
    let raw = text.as_bytes();
    if !raw.iter().any(|&b| b == b'%' || b == b'+') {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3).and_then(|h| {
                    let s = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(s, 16).ok()
                });
                match hex {
                    Some(byte) => out.push(byte),
                    None => {
                        return Err(ApiError::invalid_request(
                            "Invalid percent-encoding in the request parameters.",
                        ))
                    }
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| not_utf8())
}

/// Where the ASCII byte `b` first occurs in `text`. The names and pairs searched here are
/// short (tens of bytes): a plain loop beats `str::find`'s word-at-a-time search, whose
/// set-up on every call cost more than the scan (issue #19).
fn find_byte(text: &str, b: u8) -> Option<usize> {
    text.bytes().position(|c| c == b)
}

/// `text` split at every ASCII byte `sep`, as `str::split` would split it.
fn pieces(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match find_byte(current, sep) {
            Some(i) => {
                rest = Some(&current[i + 1..]);
                Some(&current[..i])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

fn not_utf8() -> ApiError {
    ApiError::invalid_request("A request parameter is not valid UTF-8 after decoding.")
}

/// A parameter's name as segments (`a[b][]` is `["a", "b", ""]`), on the stack for a name
/// of ordinary depth: every parameter decoded and every one validated
/// (`params::validate`) gets one.
pub(super) enum Segments<'a> {
    Stack([&'a str; Segments::ON_STACK], usize),
    Heap(Vec<&'a str>),
}

impl<'a> Segments<'a> {
    /// Room for any name [`decode`] accepts, and the one segment past it that refuses it.
    const ON_STACK: usize = MAX_DEPTH + 2;

    /// `path`, then `last`.
    pub(super) fn joined(path: &[&'a str], last: &'a str) -> Self {
        let mut segs = Segments::Stack([""; Segments::ON_STACK], 0);
        for seg in path.iter().copied().chain([last]) {
            segs.push(seg);
        }
        segs
    }

    fn push(&mut self, seg: &'a str) {
        match self {
            Segments::Stack(segs, len) if *len < segs.len() => {
                segs[*len] = seg;
                *len += 1;
            }
            Segments::Stack(segs, len) => {
                let mut heap = segs[..*len].to_vec();
                heap.push(seg);
                *self = Segments::Heap(heap);
            }
            Segments::Heap(segs) => segs.push(seg),
        }
    }
}

impl<'a> std::ops::Deref for Segments<'a> {
    type Target = [&'a str];

    fn deref(&self) -> &[&'a str] {
        match self {
            Segments::Stack(segs, len) => &segs[..*len],
            Segments::Heap(segs) => segs,
        }
    }
}

/// Splits `a[b][]` into `["a", "b", ""]`. Text after an unclosed bracket is an error.
fn segments(key: &str) -> Result<Segments<'_>, ApiError> {
    if key.len() > MAX_KEY_LEN {
        return Err(ApiError::invalid_request("A parameter name is too long."));
    }
    let invalid = || ApiError::invalid_request(format!("Invalid parameter name: {key}"));
    let (head, mut rest) = match find_byte(key, b'[') {
        Some(i) => (&key[..i], &key[i..]),
        None => return Ok(Segments::joined(&[], key)),
    };
    if head.is_empty() {
        return Err(invalid());
    }
    let mut segs = Segments::joined(&[], head);
    while !rest.is_empty() {
        if !rest.starts_with('[') {
            return Err(invalid());
        }
        let close = find_byte(rest, b']').ok_or_else(invalid)?;
        segs.push(&rest[1..close]);
        rest = &rest[close + 1..];
    }
    if segs.len() > MAX_DEPTH + 1 {
        return Err(ApiError::invalid_request(format!(
            "Parameter {key} is nested too deeply (at most {MAX_DEPTH} levels)."
        )));
    }
    Ok(segs)
}

fn insert(root: &mut ParamMap, key: &str, value: String) -> Result<(), ApiError> {
    let segs = segments(key)?;
    insert_at(root, &segs, 0, value)
}

/// Inserts `value` under `segs[pos..]` into `map`. Recursion keeps each level's borrow
/// separate; the depth is bounded by [`MAX_DEPTH`].
fn insert_at(map: &mut ParamMap, segs: &[&str], pos: usize, value: String) -> Result<(), ApiError> {
    let conflict = |upto: usize| {
        let name = render_name(&segs[..upto]);
        ApiError::invalid_request(format!(
            "Invalid parameter {name}: it was sent both as a value and as a hash or array."
        ))
        .with_param(name)
    };
    let key = segs[pos];
    let Some(&next) = segs.get(pos + 1) else {
        match map.get_mut(key) {
            // A repeated scalar keeps the last value, as Rack does.
            Some(Param::Str(s)) => *s = value,
            Some(_) => return Err(conflict(pos + 1)),
            None => map.insert(key.to_string(), Param::Str(value)),
        }
        return Ok(());
    };
    if !next.is_empty() {
        let Param::Map(child) = map.entry_or(key, || Param::Map(ParamMap::default())) else {
            return Err(conflict(pos + 1));
        };
        return insert_at(child, segs, pos + 1, value);
    }
    let Param::List(items) = map.entry_or(key, || Param::List(Vec::new())) else {
        return Err(conflict(pos + 1));
    };
    match segs.get(pos + 2) {
        None => {
            items.push(Param::Str(value));
            Ok(())
        }
        Some(&"") => Err(conflict(pos + 3)),
        Some(&after) => {
            // `a[][b]=x`: Rack appends a new hash unless the last one lacks key `b`.
            let reuse = matches!(items.last(), Some(Param::Map(m)) if !m.contains(after));
            if !reuse {
                items.push(Param::Map(ParamMap::default()));
            }
            match items.last_mut() {
                Some(Param::Map(child)) => insert_at(child, segs, pos + 2, value),
                _ => Err(conflict(pos + 2)),
            }
        }
    }
}

/// Renders segments back to Stripe's bracket notation: `["a","b"]` → `a[b]`.
pub fn render_name(segs: &[&str]) -> String {
    let mut out = String::new();
    for (i, s) in segs.iter().enumerate() {
        if i == 0 {
            out.push_str(s);
        } else {
            out.push('[');
            out.push_str(s);
            out.push(']');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> ParamMap {
        decode(s.as_bytes()).expect("valid form")
    }

    #[test]
    fn nested_brackets_build_maps() {
        let p = dec("a[b][c]=x&a[b][d]=y&e=1");
        assert_eq!(
            p.to_json().to_string(),
            r#"{"a":{"b":{"c":"x","d":"y"}},"e":"1"}"#
        );
    }

    #[test]
    fn empty_brackets_append_to_a_list() {
        let p = dec("permissions[]=balances&permissions[]=ownership");
        assert_eq!(
            p.to_json().to_string(),
            r#"{"permissions":["balances","ownership"]}"#
        );
    }

    #[test]
    fn indexed_arrays_stay_maps_until_a_spec_asks_for_a_list() {
        let p = dec("permissions[0]=balances&permissions[1]=ownership");
        assert_eq!(
            p.to_json().to_string(),
            r#"{"permissions":{"0":"balances","1":"ownership"}}"#
        );
    }

    #[test]
    fn arrays_of_hashes_follow_rack() {
        let p = dec("a[][x]=1&a[][y]=2&a[][x]=3");
        assert_eq!(
            p.to_json().to_string(),
            r#"{"a":[{"x":"1","y":"2"},{"x":"3"}]}"#
        );
    }

    #[test]
    fn percent_escapes_and_plus_decode() {
        let p = dec("email=a%2Bb%40x.com&name=Jenny+Rosen");
        assert_eq!(
            p.to_json().to_string(),
            r#"{"email":"a+b@x.com","name":"Jenny Rosen"}"#
        );
    }

    #[test]
    fn bad_input_is_refused_not_panicked() {
        for bad in [
            "a=%zz",
            "a=%",
            "a[b=1",
            "[a]=1",
            "a=1&a[b]=2",
            "a[b]=1&a=2",
            "a[]=1&a[b]=2",
            "a[b]=1&a[]=2",
        ] {
            assert!(decode(bad.as_bytes()).is_err(), "{bad} should be refused");
        }
        assert!(decode(&[0xff, b'=', b'1']).is_err());
    }

    #[test]
    fn segments_past_the_stack_move_to_the_heap_in_order() {
        let names: Vec<String> = (0..Segments::ON_STACK + 3)
            .map(|i| format!("s{i}"))
            .collect();
        let path: Vec<&str> = names.iter().map(String::as_str).collect();
        let (last, head) = path.split_last().expect("names");
        let segs = Segments::joined(head, last);
        assert!(matches!(segs, Segments::Heap(_)));
        assert_eq!(&*segs, &path[..]);
        let deep = format!("a{}=1", "[b]".repeat(3 * MAX_DEPTH));
        assert!(decode(deep.as_bytes()).is_err());
    }

    #[test]
    fn nesting_and_count_are_bounded() {
        let deep = format!("a{}=1", "[b]".repeat(MAX_DEPTH + 1));
        assert!(decode(deep.as_bytes()).is_err());
        let many = (0..MAX_PARAMS + 1)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join("&");
        assert!(decode(many.as_bytes()).is_err());
    }

    #[test]
    fn pieces_split_as_str_split_does() {
        for text in ["", "a", "a&b", "&a&&b&", "&", "é=1&ü", "a=b=c"] {
            let ours: Vec<&str> = pieces(text, b'&').collect();
            let std: Vec<&str> = text.split('&').collect();
            assert_eq!(ours, std, "{text:?}");
            assert_eq!(find_byte(text, b'='), text.find('='), "{text:?}");
        }
    }
}
