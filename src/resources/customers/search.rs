//! `GET /v1/customers/search`: Stripe's search query language over customers' searchable
//! fields (docs.stripe.com/search, "Query fields for customers": `created` numeric, `email`,
//! `name` and `phone` strings, `metadata["key"]` tokens).

use crate::model::customer::Customer;
use crate::resources::handler::{Ctx, HandlerResult};
use crate::store::table::Cursor;
use crate::stripe::list::ListParams;
use crate::stripe::params::{Field, Kind, LIMIT};
use crate::stripe::search::{self, FieldType, FieldValue, Record, SearchResult};

const URL: &str = "/v1/customers/search";

const PARAMS: &[Field] = &[
    Field::new("query", Kind::String).required(),
    LIMIT,
    Field::new("page", Kind::String),
];

/// The customer fields Stripe's search knows.
pub const FIELDS: search::Schema = search::Schema {
    resource: "customers",
    fields: &[
        ("created", FieldType::Numeric),
        ("email", FieldType::String),
        ("name", FieldType::String),
        ("phone", FieldType::String),
    ],
};

impl Record for Customer {
    fn field(&self, name: &str) -> FieldValue<'_> {
        match name {
            "created" => FieldValue::Number(Some(self.created)),
            "email" => FieldValue::Text(self.email.as_deref()),
            "name" => FieldValue::Text(self.name.as_deref()),
            "phone" => FieldValue::Text(self.phone.as_deref()),
            _ => FieldValue::Text(None),
        }
    }

    fn metadata(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).and_then(serde_json::Value::as_str)
    }
}

/// `GET /v1/customers/search`: matches newest first, `limit` (1–100, default 10) per page,
/// `page` = a previous answer's `next_page`, `expand[]=total_count` for the count. Unlike
/// Stripe's index, which lags writes by up to a minute, fcmock searches its store: a
/// customer is found as soon as it is created.
pub fn search(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(PARAMS)?;
    let limit = ListParams::from_params(&p)?.limit;
    let query = search::parse_for(p.str("query").unwrap_or_default(), &FIELDS)?;
    let page = p.non_empty("page");
    let after = page.map(search::page_after).transpose()?;
    let with_total = ctx.take_expand("total_count");
    let result = {
        let ns = ctx.ns.read();
        let cursor = after.as_deref().map_or(Cursor::Start, Cursor::After);
        let found = ns
            .customers
            .page(cursor, limit, |c| query.matches(&**c))
            .map_err(|_| search::invalid_page(page.unwrap_or_default()))?;
        let last = found
            .has_more
            .then(|| found.items.last().map(|c| c.id.clone()))
            .flatten();
        let data: Vec<Customer> = found
            .items
            .into_iter()
            .map(|c| Customer::clone(c))
            .collect();
        let mut result = SearchResult::new(data, last.as_deref(), URL);
        if with_total {
            let total = ns.customers.iter().filter(|c| query.matches(&***c)).count();
            result.total_count = Some(total as u64);
        }
        result
    };
    ctx.render(&result)
}
