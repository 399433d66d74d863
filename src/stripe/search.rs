//! Stripe's search query language (`GET /v1/<resource>/search?query=…`) and the
//! `search_result` object. Resource-agnostic: a resource declares its searchable fields as a
//! [`Schema`] and exposes its records through [`Record`].
//!
//! The language, as docs.stripe.com/search ("Search query language") states it:
//! - a clause is `field`, operator, value: `email:"amy@rocketrides.io"`; metadata is
//!   `metadata["key"]:"value"` (single quotes work too: the API reference's own example is
//!   `name:'Jane Doe' AND metadata['foo']:'bar'`);
//! - clauses are joined by a space (AND), `AND` or `OR` (case-insensitive); AND and OR cannot
//!   be combined in one query, there are no parentheses, and at most 10 clauses (the docs'
//!   wording, quoted in stripe/agent-toolkit's search tool description);
//! - `-` negates a clause; `null` (case-insensitive) is the "field is absent" token;
//! - string values must be quoted, numeric ones may be; `\` escapes a quote inside quotes;
//! - `:` is an exact match (case-insensitive; on a *string* field it matches a record
//!   containing the query's words in the same order), `~` a substring match of at least 3
//!   characters (string fields only), `>` `<` `>=` `<=` compare numeric fields. An operator
//!   the field's type does not support is an error.
//!
//! Error messages: "We were unable to parse your search query. Try using the format …" and
//! "Field `foo` is an unsupported search field for resource `customers`. See …" are
//! Stripe's (stripe-ruby-mock's search helper, whose shared specs also run against the live
//! API, `spec/shared_stripe_examples/price_examples.rb` "reports search errors"). The
//! messages for an unsupported operator, a short substring, a bad number, too many clauses
//! and a bad `page` are fcmock's: Stripe's were not found.

use super::error::ApiError;
use base64::Engine;
use serde::Serialize;

/// How the clauses of a query combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combinator {
    /// Every clause must match (also what a plain space means).
    And,
    /// Any clause may match.
    Or,
}

/// What a clause looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A named field (`email`, `payment_method_details.card.last4`).
    Field(String),
    /// `metadata["key"]`.
    Metadata(String),
}

/// A clause's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `:`
    Exact,
    /// `~`
    Substring,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Exact => ":",
            Op::Substring => "~",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
        }
    }
}

/// A clause's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A quoted value, unescaped.
    Quoted(String),
    /// An unquoted number.
    Number(String),
    /// `null`: the field is absent.
    Null,
}

/// One clause: `[-]target op value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// Whether it was negated with `-`.
    pub negated: bool,
    /// The field.
    pub target: Target,
    /// The operator.
    pub op: Op,
    /// The value.
    pub value: Value,
}

/// A parsed query: its clauses and how they combine.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The clauses, in order.
    pub clauses: Vec<Clause>,
    /// AND or OR.
    pub combinator: Combinator,
}

/// The type of a searchable field, which decides its operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Exact match only (case-insensitive): metadata, currency, status.
    Token,
    /// Exact (word sequence) and substring matches: email, name.
    String,
    /// Exact match and comparisons: created, amount.
    Numeric,
}

/// The searchable fields of one resource (docs.stripe.com/search, "Query fields for …").
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The resource as Stripe's errors name it (`customers`).
    pub resource: &'static str,
    /// Its named fields and their types; `metadata` is always a token field.
    pub fields: &'static [(&'static str, FieldType)],
}

impl Schema {
    fn field_type(&self, target: &Target) -> Option<FieldType> {
        match target {
            Target::Metadata(_) => Some(FieldType::Token),
            Target::Field(name) => self.fields.iter().find(|(n, _)| n == name).map(|(_, t)| *t),
        }
    }

    fn docs_url(&self) -> String {
        format!(
            "http://stripe.com/docs/search#query-fields-for-{}",
            self.resource.replace('_', "-")
        )
    }
}

/// A field's value on one record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    /// A text field (`None`: unset).
    Text(Option<&'a str>),
    /// A numeric field (`None`: unset).
    Number(Option<i64>),
}

/// A record that can be searched: the resource maps its searchable fields.
pub trait Record {
    /// The value of a named field of the schema.
    fn field(&self, name: &str) -> FieldValue<'_>;
    /// A metadata value.
    fn metadata(&self, key: &str) -> Option<&str>;
}

/// Stripe's answer to any query it cannot parse.
pub fn unparseable() -> ApiError {
    ApiError::invalid_request(
        "We were unable to parse your search query. Try using the format \
         `metadata[\"key\"]:\"value\"` to query for metadata or key:\"value\" to query for \
         other fields.",
    )
}

/// At most this many clauses in one query (docs.stripe.com/search).
pub const MAX_CLAUSES: usize = 10;

/// Parses a query and checks it against a resource's fields.
pub fn parse_for(query: &str, schema: &Schema) -> Result<Query, ApiError> {
    let parsed = parse(query)?;
    for clause in &parsed.clauses {
        check_clause(clause, schema)?;
    }
    Ok(parsed)
}

/// Parses a query (syntax only).
pub fn parse(query: &str) -> Result<Query, ApiError> {
    let mut p = Parser {
        chars: query.chars().collect(),
        pos: 0,
    };
    let mut clauses = Vec::new();
    let mut combinator: Option<Combinator> = None;
    p.skip_ws();
    loop {
        clauses.push(p.clause()?);
        let had_space = p.skip_ws();
        if p.at_end() {
            break;
        }
        if !had_space {
            return Err(unparseable());
        }
        let next = match p.keyword() {
            Some(keyword) => keyword,
            None => Combinator::And,
        };
        if combinator.is_some_and(|c| c != next) {
            return Err(unparseable());
        }
        combinator = Some(next);
    }
    if clauses.len() > MAX_CLAUSES {
        return Err(ApiError::invalid_request(format!(
            "We were unable to parse your search query. A query can combine at most \
             {MAX_CLAUSES} clauses."
        )));
    }
    Ok(Query {
        clauses,
        combinator: combinator.unwrap_or(Combinator::And),
    })
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// Skips whitespace; whether there was any.
    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// `AND` or `OR` (any case) followed by whitespace, consumed with that whitespace.
    fn keyword(&mut self) -> Option<Combinator> {
        let word: String = self.chars[self.pos..]
            .iter()
            .take_while(|c| !c.is_whitespace())
            .collect();
        let combinator = match word.to_ascii_uppercase().as_str() {
            "AND" => Combinator::And,
            "OR" => Combinator::Or,
            _ => return None,
        };
        let after = self.pos + word.chars().count();
        // A keyword needs a clause after it.
        if !self.chars.get(after).is_some_and(|c| c.is_whitespace()) {
            return None;
        }
        self.pos = after;
        self.skip_ws();
        Some(combinator)
    }

    fn clause(&mut self) -> Result<Clause, ApiError> {
        let negated = self.peek() == Some('-');
        if negated {
            self.pos += 1;
        }
        let target = self.target()?;
        let op = self.op()?;
        let value = self.value()?;
        Ok(Clause {
            negated,
            target,
            op,
            value,
        })
    }

    fn target(&mut self) -> Result<Target, ApiError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if name.is_empty() || name.starts_with('.') || name.ends_with('.') {
            return Err(unparseable());
        }
        if name != "metadata" {
            return Ok(Target::Field(name));
        }
        if self.peek() != Some('[') {
            return Err(unparseable());
        }
        self.pos += 1;
        let key = self.quoted()?;
        if self.peek() != Some(']') {
            return Err(unparseable());
        }
        self.pos += 1;
        Ok(Target::Metadata(key))
    }

    fn op(&mut self) -> Result<Op, ApiError> {
        let next = self.chars.get(self.pos + 1).copied();
        let (op, len) = match (self.peek(), next) {
            (Some('>'), Some('=')) => (Op::Gte, 2),
            (Some('<'), Some('=')) => (Op::Lte, 2),
            (Some('>'), _) => (Op::Gt, 1),
            (Some('<'), _) => (Op::Lt, 1),
            (Some(':'), _) => (Op::Exact, 1),
            (Some('~'), _) => (Op::Substring, 1),
            _ => return Err(unparseable()),
        };
        self.pos += len;
        Ok(op)
    }

    fn value(&mut self) -> Result<Value, ApiError> {
        if matches!(self.peek(), Some('"' | '\'')) {
            return self.quoted().map(Value::Quoted);
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| !c.is_whitespace()) {
            self.pos += 1;
        }
        let bare: String = self.chars[start..self.pos].iter().collect();
        if bare.eq_ignore_ascii_case("null") {
            Ok(Value::Null)
        } else if is_number(&bare) {
            Ok(Value::Number(bare))
        } else {
            // String values must be quoted.
            Err(unparseable())
        }
    }

    /// A value in `"…"` or `'…'`; a backslash escapes the next character.
    fn quoted(&mut self) -> Result<String, ApiError> {
        let quote = match self.peek() {
            Some(q @ ('"' | '\'')) => q,
            _ => return Err(unparseable()),
        };
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(unparseable()),
                Some('\\') => {
                    let escaped = self
                        .chars
                        .get(self.pos + 1)
                        .copied()
                        .ok_or_else(unparseable)?;
                    out.push(escaped);
                    self.pos += 2;
                }
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
}

fn field_name(target: &Target) -> String {
    match target {
        Target::Field(name) => name.clone(),
        Target::Metadata(key) => format!("metadata[\"{key}\"]"),
    }
}

fn check_clause(clause: &Clause, schema: &Schema) -> Result<(), ApiError> {
    let Some(field_type) = schema.field_type(&clause.target) else {
        return Err(ApiError::invalid_request(format!(
            "Field `{}` is an unsupported search field for resource `{}`. See {} for a list of \
             supported fields.",
            field_name(&clause.target),
            schema.resource,
            schema.docs_url()
        )));
    };
    let supported = match field_type {
        FieldType::Token => clause.op == Op::Exact,
        FieldType::String => matches!(clause.op, Op::Exact | Op::Substring),
        FieldType::Numeric => clause.op != Op::Substring,
    };
    if !supported || (clause.value == Value::Null && clause.op != Op::Exact) {
        return Err(ApiError::invalid_request(format!(
            "Field `{}` does not support the `{}` operator. See {} for the operators each \
             field supports.",
            field_name(&clause.target),
            clause.op.symbol(),
            schema.docs_url()
        )));
    }
    check_value(clause, field_type)
}

fn check_value(clause: &Clause, field_type: FieldType) -> Result<(), ApiError> {
    match (&clause.value, field_type) {
        (Value::Quoted(text), _) if clause.op == Op::Substring && text.chars().count() < 3 => {
            Err(ApiError::invalid_request(format!(
                "Substring matches (`~`) need a value of at least 3 characters: `{text}` is too \
                 short."
            )))
        }
        (Value::Quoted(text), FieldType::Numeric) if !is_number(text) => {
            Err(ApiError::invalid_request(format!(
                "Field `{}` is numeric: `{text}` is not a number.",
                field_name(&clause.target)
            )))
        }
        _ => Ok(()),
    }
}

impl Query {
    /// Whether a record matches the query (checked against `schema` by [`parse_for`]).
    pub fn matches(&self, record: &impl Record) -> bool {
        let hit = |c: &Clause| clause_matches(c, record) != c.negated;
        match self.combinator {
            Combinator::And => self.clauses.iter().all(hit),
            Combinator::Or => self.clauses.iter().any(hit),
        }
    }
}

fn clause_matches(clause: &Clause, record: &impl Record) -> bool {
    let value = match &clause.target {
        Target::Metadata(key) => FieldValue::Text(record.metadata(key)),
        Target::Field(name) => record.field(name),
    };
    let query = match &clause.value {
        Value::Null => return matches!(value, FieldValue::Text(None) | FieldValue::Number(None)),
        Value::Quoted(text) | Value::Number(text) => text.as_str(),
    };
    match value {
        FieldValue::Text(None) | FieldValue::Number(None) => false,
        FieldValue::Text(Some(text)) => text_matches(clause, text, query),
        FieldValue::Number(Some(n)) => {
            let (n, q) = (n as f64, query.parse::<f64>().unwrap_or(f64::NAN));
            match clause.op {
                Op::Exact => n == q,
                Op::Gt => n > q,
                Op::Gte => n >= q,
                Op::Lt => n < q,
                Op::Lte => n <= q,
                Op::Substring => false,
            }
        }
    }
}

fn text_matches(clause: &Clause, text: &str, query: &str) -> bool {
    let (text, query) = (text.to_lowercase(), query.to_lowercase());
    match (clause.op, &clause.target) {
        (Op::Substring, _) => text.contains(&query),
        // Token fields (metadata): the whole value, case-insensitively.
        (_, Target::Metadata(_)) => text == query,
        // String fields: the query's words, in order, somewhere in the value.
        _ => {
            let words: Vec<&str> = text.split_whitespace().collect();
            let wanted: Vec<&str> = query.split_whitespace().collect();
            !wanted.is_empty() && words.windows(wanted.len()).any(|w| w == wanted.as_slice())
        }
    }
}

/// The `search_result` object (Stripe's `SearchResult`): a page of matches, `next_page` to
/// ask for the next one, and `total_count` only when `expand[]=total_count` asks for it.
#[derive(Debug, Serialize)]
pub struct SearchResult<T> {
    object: &'static str,
    /// The page's objects.
    pub data: Vec<T>,
    /// Whether more matches follow.
    pub has_more: bool,
    /// The `page` value of the next page, `null` on the last one.
    pub next_page: Option<String>,
    /// How many objects match (only when expanded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// The search path (`/v1/customers/search`).
    pub url: String,
}

impl<T> SearchResult<T> {
    /// A result page; `last_id` is the id of its last object when more follow.
    pub fn new(data: Vec<T>, more_after: Option<&str>, url: impl Into<String>) -> Self {
        SearchResult {
            object: "search_result",
            data,
            has_more: more_after.is_some(),
            next_page: more_after.map(page_token),
            total_count: None,
            url: url.into(),
        }
    }
}

const PAGE_PREFIX: &str = "fcmock:after:";

/// The opaque `next_page` value that continues after the object `id`.
pub fn page_token(id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{PAGE_PREFIX}{id}"))
}

/// The id a `page` value continues after, or the error for a token fcmock did not issue.
pub fn page_after(page: &str) -> Result<String, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(page)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(PAGE_PREFIX).map(str::to_string))
        .ok_or_else(|| invalid_page(page))
}

/// A `page` value that is not one of this search's `next_page` values.
pub fn invalid_page(page: &str) -> ApiError {
    ApiError::invalid_request(format!(
        "Invalid page: {page}. Use the next_page value of a previous search response."
    ))
    .with_param("page")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CUSTOMERS: Schema = Schema {
        resource: "customers",
        fields: &[
            ("created", FieldType::Numeric),
            ("email", FieldType::String),
            ("name", FieldType::String),
        ],
    };

    struct Fake {
        email: Option<&'static str>,
        name: Option<&'static str>,
        created: i64,
        plan: Option<&'static str>,
    }

    impl Record for Fake {
        fn field(&self, name: &str) -> FieldValue<'_> {
            match name {
                "email" => FieldValue::Text(self.email),
                "name" => FieldValue::Text(self.name),
                "created" => FieldValue::Number(Some(self.created)),
                _ => FieldValue::Text(None),
            }
        }
        fn metadata(&self, key: &str) -> Option<&str> {
            (key == "plan").then_some(self.plan).flatten()
        }
    }

    const JENNY: Fake = Fake {
        email: Some("Jenny.Rosen@example.com"),
        name: Some("Jenny Rosen Smith"),
        created: 100,
        plan: Some("Pro"),
    };

    fn hits(query: &str) -> bool {
        parse_for(query, &CUSTOMERS)
            .unwrap_or_else(|e| panic!("{query}: {}", e.message))
            .matches(&JENNY)
    }

    fn refused(query: &str) -> String {
        match parse_for(query, &CUSTOMERS) {
            Ok(q) => panic!("{query} parsed as {q:?}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn clauses_quotes_and_escapes_parse() {
        let q = parse(r#"-metadata['a\'b']:"x \"y\"" or created>=10 OR name~'abc'"#).expect("ok");
        assert_eq!(q.combinator, Combinator::Or);
        assert_eq!(q.clauses.len(), 3);
        assert!(q.clauses[0].negated);
        assert_eq!(q.clauses[0].target, Target::Metadata("a'b".into()));
        assert_eq!(q.clauses[0].value, Value::Quoted("x \"y\"".into()));
        assert_eq!(q.clauses[1].op, Op::Gte);
        assert_eq!(q.clauses[1].value, Value::Number("10".into()));
        assert_eq!(q.clauses[2].op, Op::Substring);
    }

    #[test]
    fn exact_substring_numeric_and_metadata_matches() {
        assert!(hits(r#"email:"jenny.rosen@EXAMPLE.com""#));
        assert!(hits(r#"name:"rosen smith""#), "words in order");
        assert!(!hits(r#"name:"smith rosen""#), "words out of order");
        assert!(!hits(r#"name:"ros""#), "an exact match needs whole words");
        assert!(hits(r#"name~"ROS""#));
        assert!(hits("created>99 created<=100 created:100"));
        assert!(!hits(r#"created>"100""#));
        assert!(hits(r#"metadata["plan"]:"pro""#));
        assert!(
            !hits(r#"metadata["plan"]:"pr""#),
            "tokens match whole values"
        );
        assert!(hits(
            r#"metadata["other"]:null -email:null -metadata["plan"]:null"#
        ));
        assert!(!hits(r#"metadata["plan"]:null"#));
        assert!(hits(r#"email:"nobody@example.com" OR name~"jen""#));
        assert!(!hits(r#"email:"nobody@example.com" AND name~"jen""#));
    }

    #[test]
    fn syntax_errors_get_stripes_parse_message() {
        for bad in [
            "asdf",
            "email:nobody",
            r#"email:"open"#,
            r#"email:"a" AND name:"b" OR name:"c""#,
            r#"(email:"a")"#,
            r#"email:"a" AND"#,
            r#"metadata:"x""#,
            r#"metadata[plan]:"x""#,
            r#"email="a""#,
            r#"email:"a"name:"b""#,
        ] {
            assert!(
                refused(bad).starts_with("We were unable to parse your search query."),
                "{bad}"
            );
        }
    }

    #[test]
    fn fields_operators_and_values_are_checked() {
        assert_eq!(
            refused(r#"foo:"bar""#),
            "Field `foo` is an unsupported search field for resource `customers`. See \
             http://stripe.com/docs/search#query-fields-for-customers for a list of supported \
             fields."
        );
        assert!(refused(r#"email>"a""#).contains("does not support the `>` operator"));
        assert!(refused(r#"metadata["a"]~"abc""#).contains("`~`"));
        assert!(refused("created~100").contains("`~`"));
        assert!(refused("created>null").contains("`>`"));
        assert!(refused(r#"name~"ab""#).contains("at least 3 characters"));
        assert!(refused(r#"created>"soon""#).contains("not a number"));
        let eleven = [r#"name:"a""#; 11].join(" ");
        assert!(refused(&eleven).contains("at most 10 clauses"));
    }

    #[test]
    fn page_tokens_round_trip_and_foreign_ones_are_refused() {
        let token = page_token("cus_123");
        assert_eq!(page_after(&token).ok().as_deref(), Some("cus_123"));
        let e = page_after("garbage!").expect_err("not ours");
        assert_eq!(e.param.as_deref(), Some("page"));
    }
}
