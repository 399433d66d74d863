//! Decoded request parameters and their per-endpoint validation.
//!
//! Every endpoint declares its parameters as a static [`Field`] list. [`ParamMap::validate`]
//! checks the decoded tree against it once, at the edge, producing Stripe's errors
//! (`parameter_unknown`, `parameter_missing`, `parameter_invalid_*`) with Stripe's `param`
//! names in bracket notation. After that, handlers read values with the typed getters and can
//! rely on the types the spec promised.

use super::error::ApiError;
use super::form::{render_name, Segments};
use crate::model::WireEnum;
use crate::stripe::versions::{ApiVersion, Change};

/// One decoded parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A scalar: Stripe's form encoding carries every scalar as a string.
    Str(String),
    /// `a[]=x` entries, or indexed entries normalised by validation.
    List(Vec<Param>),
    /// `a[b]=x` entries, in the order they were first sent.
    Map(ParamMap),
}

/// A map of parameter names to values that keeps the order the client sent.
///
/// A vector, not a hash map: requests carry few keys (bounded by the decoder), and keeping
/// the client's order makes `metadata` come back in the order it was written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParamMap(Vec<(String, Param)>);

/// The type a parameter must have.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Any string. An empty string is refused unless the field is `emptiable`.
    String,
    /// A decimal integer.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// One of the listed strings.
    Enum(&'static [&'static str]),
    /// A hash with the listed fields.
    Object(&'static [Field]),
    /// An array (`a[]=x` or `a[0]=x`) of the inner kind.
    Array(&'static Kind),
    /// Stripe's `metadata`: a hash of strings, where an empty value deletes a key.
    Metadata,
    /// An integer, or a range hash `{gt, gte, lt, lte}` (Stripe's `range_query_specs`).
    Range,
    /// Anything: used where fcmock accepts but ignores a Stripe parameter's structure.
    Any,
}

/// One declared parameter of an endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The parameter's name, exactly as Stripe spells it.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
    /// Whether the request must carry it.
    pub required: bool,
    /// Whether an empty string is accepted (Stripe's "unset this value").
    pub emptiable: bool,
    /// Longest accepted string (Stripe's `maxLength`).
    pub max_len: usize,
    /// The API versions that know the parameter; to the others it is `parameter_unknown`.
    pub versions: Versions,
}

/// Which API versions know a parameter, by the [`Change`] that added or removed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    /// Every version.
    All,
    /// The versions that see the change (it added the parameter).
    Since(Change),
    /// The versions before the change (it removed the parameter).
    Until(Change),
}

impl Versions {
    fn know(self, version: ApiVersion) -> bool {
        match self {
            Versions::All => true,
            Versions::Since(change) => version.sees(change),
            Versions::Until(change) => !version.sees(change),
        }
    }
}

impl Field {
    /// An optional, non-emptiable parameter.
    pub const fn new(name: &'static str, kind: Kind) -> Self {
        Field {
            name,
            kind,
            required: false,
            emptiable: false,
            max_len: MAX_STRING,
            versions: Versions::All,
        }
    }
    /// Marks the parameter as added by `change`.
    pub const fn since(mut self, change: Change) -> Self {
        self.versions = Versions::Since(change);
        self
    }
    /// Marks the parameter as removed by `change`.
    pub const fn until(mut self, change: Change) -> Self {
        self.versions = Versions::Until(change);
        self
    }
    /// Sets the longest accepted string.
    pub const fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }
    /// Marks the parameter as required.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// Marks the parameter as accepting `""` to unset it.
    pub const fn emptiable(mut self) -> Self {
        self.emptiable = true;
        self
    }
}

/// Longest string Stripe accepts in most parameters (`maxLength: 5000` in its OpenAPI spec).
pub const MAX_STRING: usize = 5000;

/// `expand[]`, accepted by every endpoint.
pub const EXPAND: Field = Field::new("expand", Kind::Array(&Kind::String));
/// `limit` of list endpoints.
pub const LIMIT: Field = Field::new("limit", Kind::Integer);
/// `starting_after` cursor of list endpoints.
pub const STARTING_AFTER: Field = Field::new("starting_after", Kind::String);
/// `ending_before` cursor of list endpoints.
pub const ENDING_BEFORE: Field = Field::new("ending_before", Kind::String);
/// `metadata` on create and update.
pub const METADATA: Field = Field::new("metadata", Kind::Metadata).emptiable();

impl Param {
    /// The value as a string, if it is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Param::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a map, if it is a hash.
    pub fn as_map(&self) -> Option<&ParamMap> {
        match self {
            Param::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value as JSON (for the request log and idempotency fingerprints).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Param::Str(s) => serde_json::Value::String(s.clone()),
            Param::List(items) => items.iter().map(Param::to_json).collect(),
            Param::Map(m) => m.to_json(),
        }
    }
}

impl ParamMap {
    /// Whether a key is present.
    pub fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// The value of a key.
    pub fn get(&self, key: &str) -> Option<&Param> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A mutable reference to the value of a key.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Param> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Inserts a new key (the caller has checked it is absent).
    pub fn insert(&mut self, key: String, value: Param) {
        self.0.push((key, value));
    }

    /// Returns the value of `key`, inserting `make()` first if it is absent.
    pub fn entry_or(&mut self, key: &str, make: impl FnOnce() -> Param) -> &mut Param {
        let index = match self.0.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                self.0.push((key.to_string(), make()));
                self.0.len() - 1
            }
        };
        &mut self.0[index].1
    }

    /// Whether no parameter was sent.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over the entries in the order they were sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Param)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// A scalar parameter.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Param::as_str)
    }

    /// A scalar parameter that is present and not empty.
    pub fn non_empty(&self, key: &str) -> Option<&str> {
        self.str(key).filter(|s| !s.is_empty())
    }

    /// An integer parameter (validated as `Kind::Integer`).
    pub fn int(&self, key: &str) -> Option<i64> {
        self.str(key).and_then(|s| s.parse().ok())
    }

    /// A boolean parameter (validated as `Kind::Boolean`).
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.str(key).map(|s| s == "true")
    }

    /// A hash parameter.
    pub fn map(&self, key: &str) -> Option<&ParamMap> {
        self.get(key).and_then(Param::as_map)
    }

    /// An array of strings (validated as `Kind::Array(&Kind::String)` or an enum array).
    pub fn strings(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(Param::List(items)) => items
                .iter()
                .filter_map(Param::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A scalar parameter naming one value of `T`, validated as `Kind::Enum(T::NAMES)`.
    /// A value outside `T` (which that validation refuses first) gets the same error.
    pub fn enum_value<T: WireEnum>(&self, key: &str) -> Result<Option<T>, ApiError> {
        self.str(key)
            .map(|s| T::from_name(s).ok_or_else(|| ApiError::invalid_enum(key, T::NAMES)))
            .transpose()
    }

    /// An array of values of `T`, validated as `Kind::Array(&Kind::Enum(T::NAMES))`, in the
    /// order sent. A value outside `T` (which that validation refuses first) gets the same
    /// error, naming its index.
    pub fn enums<T: WireEnum>(&self, key: &str) -> Result<Vec<T>, ApiError> {
        self.strings(key)
            .iter()
            .enumerate()
            .map(|(i, s)| {
                T::from_name(s)
                    .ok_or_else(|| ApiError::invalid_enum(&format!("{key}[{i}]"), T::NAMES))
            })
            .collect()
    }

    /// The whole tree as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }

    /// Checks the tree against an endpoint's declared fields as `version` knows them,
    /// normalising indexed arrays (`a[0]=x`) into lists. The first problem found is returned
    /// as Stripe's error.
    pub fn validate(&mut self, spec: &[Field], version: ApiVersion) -> Result<(), ApiError> {
        validate_map(self, spec, &[], version)
    }
}

fn validate_map(
    map: &mut ParamMap,
    spec: &[Field],
    path: &[&str],
    version: ApiVersion,
) -> Result<(), ApiError> {
    // Which parameter each declared field is (its index in `map`), found in one pass over
    // the parameters rather than a search of them per declared field.
    let mut sent = vec![None; spec.len()];
    let mut unknown = Vec::new();
    for (at, (key, _)) in map.0.iter().enumerate() {
        let mut declared = false;
        for (slot, field) in sent.iter_mut().zip(spec) {
            if field.name == key && field.versions.know(version) {
                *slot = Some(at);
                declared = true;
            }
        }
        if !declared {
            unknown.push(name_of(path, key));
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::unknown_parameters(&unknown));
    }
    // In the spec's order: the first missing or invalid field is the error.
    for (field, at) in spec.iter().zip(sent) {
        match at {
            None if field.required && field.versions.know(version) => {
                return Err(ApiError::missing_parameter(&name_of(path, field.name)));
            }
            None => {}
            Some(at) => {
                let value = &mut map.0[at].1;
                validate_value(value, field, &Segments::joined(path, field.name), version)?
            }
        }
    }
    Ok(())
}

fn name_of(path: &[&str], key: &str) -> String {
    render_name(&Segments::joined(path, key))
}

fn validate_value(
    value: &mut Param,
    field: &Field,
    path: &[&str],
    version: ApiVersion,
) -> Result<(), ApiError> {
    let name = || render_name(path);
    if let Param::Str(s) = value {
        if s.is_empty() {
            return if field.emptiable {
                Ok(())
            } else {
                Err(ApiError::invalid_empty(&name()))
            };
        }
        if matches!(field.kind, Kind::String) && s.chars().count() > field.max_len {
            return Err(ApiError::string_too_long(&name(), s, field.max_len));
        }
    }
    check_kind(value, field.kind, path, version)
}

fn check_kind(
    value: &mut Param,
    kind: Kind,
    path: &[&str],
    version: ApiVersion,
) -> Result<(), ApiError> {
    let name = || render_name(path);
    match kind {
        Kind::Any => Ok(()),
        Kind::String => match value {
            Param::Str(s) if s.chars().count() > MAX_STRING => {
                Err(ApiError::string_too_long(&name(), s, MAX_STRING))
            }
            Param::Str(_) => Ok(()),
            _ => Err(ApiError::invalid_string(&name())),
        },
        Kind::Integer => match value {
            Param::Str(s) if s.parse::<i64>().is_ok() => Ok(()),
            Param::Str(s) => Err(ApiError::invalid_integer(&name(), s)),
            _ => Err(ApiError::invalid_integer(&name(), "")),
        },
        Kind::Boolean => match value {
            Param::Str(s) if s == "true" || s == "false" => Ok(()),
            Param::Str(s) => Err(ApiError::invalid_boolean(&name(), s)),
            _ => Err(ApiError::invalid_boolean(&name(), "")),
        },
        Kind::Enum(allowed) => match value {
            Param::Str(s) if allowed.contains(&s.as_str()) => Ok(()),
            _ => Err(ApiError::invalid_enum(&name(), allowed)),
        },
        Kind::Object(fields) => match value {
            Param::Map(m) => validate_map(m, fields, path, version),
            _ => Err(ApiError::invalid_hash(&name())),
        },
        Kind::Metadata => match value {
            Param::Map(m) => check_metadata(m, path),
            _ => Err(ApiError::invalid_hash(&name())),
        },
        Kind::Range => match value {
            Param::Str(_) => check_kind(value, Kind::Integer, path, version),
            Param::Map(m) => validate_map(m, RANGE_FIELDS, path, version),
            Param::List(_) => Err(ApiError::invalid_integer(&name(), "")),
        },
        Kind::Array(inner) => check_array(value, *inner, path, version),
    }
}

/// Stripe's metadata limits: 50 keys, keys up to 40 characters, values up to 500. The
/// wording and `param: "metadata"` are Stripe's: "Invalid key: %{key} must be a string under
/// %{limit} characters" and "Invalid val: %{value} must be a string under %{limit}
/// characters" (a Stripe engineer in stripe/stripe-php#246; houndci/hound#817 quotes a live
/// response with `param: "metadata"`).
fn check_metadata(m: &ParamMap, path: &[&str]) -> Result<(), ApiError> {
    let name = || render_name(path);
    if m.0.len() > super::shapes::MAX_METADATA_KEYS {
        return Err(super::shapes::too_many_metadata_keys().with_param(name()));
    }
    for (k, v) in &m.0 {
        let Some(value) = v.as_str() else {
            return Err(ApiError::invalid_string(&name_of(path, k)));
        };
        if k.chars().count() > 40 {
            return Err(ApiError::invalid_request(format!(
                "Invalid key: {k} must be a string under 40 characters"
            ))
            .with_param(name()));
        }
        if value.chars().count() > 500 {
            return Err(ApiError::invalid_request(format!(
                "Invalid val: {value} must be a string under 500 characters"
            ))
            .with_param(name()));
        }
    }
    Ok(())
}

/// An array (`a[]=x&a[]=y` or `a[0]=x`): every item present and of the inner kind.
fn check_array(
    value: &mut Param,
    inner: Kind,
    path: &[&str],
    version: ApiVersion,
) -> Result<(), ApiError> {
    normalise_indexed_list(value, path)?;
    let Param::List(items) = value else {
        return Err(ApiError::invalid_array(&render_name(path)));
    };
    for (i, item) in items.iter_mut().enumerate() {
        let index = i.to_string();
        let item_path = Segments::joined(path, &index);
        if matches!(item, Param::Str(s) if s.is_empty()) {
            return Err(ApiError::invalid_empty(&render_name(&item_path)));
        }
        check_kind(item, inner, &item_path, version)?;
    }
    Ok(())
}

const RANGE_FIELDS: &[Field] = &[
    Field::new("gt", Kind::Integer),
    Field::new("gte", Kind::Integer),
    Field::new("lt", Kind::Integer),
    Field::new("lte", Kind::Integer),
];

/// `a[0]=x&a[1]=y` arrives as a map with numeric keys; an array field wants a list ordered
/// by index. A map with any non-numeric key is left alone (and then refused as not an array).
fn normalise_indexed_list(value: &mut Param, path: &[&str]) -> Result<(), ApiError> {
    let Param::Map(m) = value else { return Ok(()) };
    let mut indexed: Vec<(usize, Param)> = Vec::with_capacity(m.0.len());
    for (k, v) in &m.0 {
        match k.parse::<usize>() {
            Ok(i) => indexed.push((i, v.clone())),
            Err(_) => return Ok(()),
        }
    }
    indexed.sort_by_key(|(i, _)| *i);
    // Stripe insists on indexes 0, 1, 2, … (wording from a real Stripe response).
    if let Some(expected) = indexed
        .iter()
        .enumerate()
        .find(|(pos, (i, _))| pos != i)
        .map(|(pos, _)| pos)
    {
        let keys: Vec<String> = indexed.iter().map(|(i, _)| format!("`{i}`")).collect();
        return Err(ApiError::invalid_request(format!(
            "If passing an array with explicit keys (e.g. foo[0]=a&foo[1]=b) instead of as an \
             array (e.g. foo[]=a&foo[]=b), the keys must be numeric and sequential starting from \
             0. You passed the keys {}, we expected to have a key with the value `{expected}`.",
            keys.join(", ")
        ))
        .with_param(render_name(path)));
    }
    *value = Param::List(indexed.into_iter().map(|(_, v)| v).collect());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stripe::form::decode;

    const ADDRESS: &[Field] = &[
        Field::new("city", Kind::String),
        Field::new("line1", Kind::String),
    ];
    const SPEC: &[Field] = &[
        Field::new("email", Kind::String).emptiable(),
        Field::new("limit", Kind::Integer),
        Field::new("address", Kind::Object(ADDRESS)),
        Field::new(
            "permissions",
            Kind::Array(&Kind::Enum(&["balances", "ownership"])),
        )
        .required(),
        METADATA,
        EXPAND,
    ];

    fn check(q: &str) -> Result<ParamMap, ApiError> {
        let mut p = decode(q.as_bytes())?;
        p.validate(SPEC, ApiVersion::LATEST)?;
        Ok(p)
    }

    #[test]
    fn indexed_arrays_become_lists_in_index_order() {
        let p = check("permissions[1]=ownership&permissions[0]=balances").expect("valid");
        assert_eq!(p.strings("permissions"), vec!["balances", "ownership"]);
    }

    #[test]
    fn unknown_nested_parameter_names_its_bracket_path() {
        let e = check("permissions[]=balances&address[bogus]=1").expect_err("unknown");
        assert_eq!(e.code.as_deref(), Some("parameter_unknown"));
        assert_eq!(e.param.as_deref(), Some("address[bogus]"));
        assert_eq!(e.message, "Received unknown parameter: address[bogus]");
    }

    #[test]
    fn missing_required_parameter_is_reported() {
        let e = check("email=a@b.c").expect_err("missing");
        assert_eq!(e.code.as_deref(), Some("parameter_missing"));
        assert_eq!(e.param.as_deref(), Some("permissions"));
    }

    #[test]
    fn wrong_types_are_reported_with_their_codes() {
        let e = check("permissions[]=balances&limit=abc").expect_err("int");
        assert_eq!(e.code.as_deref(), Some("parameter_invalid_integer"));
        let e = check("permissions[]=nope").expect_err("enum");
        assert_eq!(e.param.as_deref(), Some("permissions[0]"));
        let e = check("permissions=balances").expect_err("array");
        assert_eq!(e.param.as_deref(), Some("permissions"));
        let e = check("permissions[]=balances&address=x").expect_err("hash");
        assert_eq!(e.param.as_deref(), Some("address"));
        let e = check("permissions[]=balances&limit=").expect_err("empty");
        assert_eq!(e.code.as_deref(), Some("parameter_invalid_empty"));
    }

    #[test]
    fn enum_getters_parse_validated_values_and_refuse_others_like_validation() {
        use crate::model::fc_enums::{HolderType, Permission};
        let p = check("permissions[]=ownership&permissions[]=balances").expect("valid");
        assert_eq!(
            p.enums::<Permission>("permissions").ok(),
            Some(vec![Permission::Ownership, Permission::Balances])
        );
        assert_eq!(p.enums::<Permission>("absent").ok(), Some(Vec::new()));
        let unchecked =
            decode(b"permissions[]=balances&permissions[]=nope&type=person").expect("decodes");
        let e = unchecked
            .enums::<Permission>("permissions")
            .expect_err("not a permission");
        assert_eq!(e.param.as_deref(), Some("permissions[1]"));
        assert_eq!(
            e.message,
            "Invalid permissions[1]: must be one of balances, ownership, payment_method, or \
             transactions"
        );
        let e = unchecked
            .enum_value::<HolderType>("type")
            .expect_err("not a holder type");
        assert_eq!(e.param.as_deref(), Some("type"));
        assert_eq!(
            unchecked.enum_value::<HolderType>("absent").ok(),
            Some(None)
        );
    }

    #[test]
    fn emptiable_fields_accept_the_empty_string() {
        let p = check("permissions[]=balances&email=&metadata=").expect("valid");
        assert_eq!(p.str("email"), Some(""));
    }
}
