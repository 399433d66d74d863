//! Bank-account tokens: `POST /v1/tokens` with `bank_account[…]` (the server-side token a
//! backend makes from raw US account numbers) and `GET /v1/tokens/{id}`. A token is spent
//! once, by attaching it to a Connect account ([`super::external_accounts`]).
//!
//! Token-collecting Financial Connections sessions mint tokens too, through the engine
//! ([`crate::engine::complete_session`]); both kinds are stored and spent the same way.

use crate::model::token::{bank_name, BankAccount, BankAccountTag, Token, TokenTag};
use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::stripe::error::ApiError;
use crate::stripe::ids::{fingerprint, IdKind};
use crate::stripe::params::{Field, Kind, ParamMap};

const BANK_ACCOUNT: &[Field] = &[
    // Stripe's spec marks `account_number` and `country` required; they are checked after
    // `payment_method` (exclusive with every other field of the hash) has been refused.
    Field::new("account_number", Kind::String),
    Field::new("country", Kind::String),
    Field::new("account_holder_name", Kind::String),
    Field::new(
        "account_holder_type",
        Kind::Enum(&["company", "individual"]),
    ),
    Field::new(
        "account_type",
        Kind::Enum(&["checking", "futsu", "savings", "toza"]),
    ),
    Field::new("currency", Kind::String),
    Field::new("payment_method", Kind::String),
    Field::new("routing_number", Kind::String),
];

/// The token kinds of `POST /v1/tokens` besides `bank_account`: declared so that they are
/// refused by name rather than as unknown parameters.
const OTHER_KINDS: [&str; 6] = ["account", "card", "customer", "cvc_update", "person", "pii"];

const CREATE: &[Field] = &[
    Field::new("bank_account", Kind::Object(BANK_ACCOUNT)),
    Field::new("account", Kind::Any),
    Field::new("card", Kind::Any),
    Field::new("customer", Kind::String),
    Field::new("cvc_update", Kind::Any),
    Field::new("person", Kind::Any),
    Field::new("pii", Kind::Any),
];

/// Stripe's message for a `POST /v1/tokens` that names no kind of token (seen in
/// applications' logs of real responses; `parameter_missing`).
const NO_TOKEN_KIND: &str = "You must supply either a card, customer, PII data, bank account, or \
    account legal entity to create a token. If you're making this request with a library, be \
    sure to pass all of the required parameters for creating a token. If you're making this \
    request manually, be sure your POST parameters begin with the token type. For example, a \
    PII token would require `pii[personal_id_number]`, while an account token would require a \
    parameter beginning with `account[legal_entity]`. See the API reference for more \
    information: https://stripe.com/docs/api#token_object";

/// The US account numbers test mode accepts: Stripe's Connect payout test numbers
/// (docs.stripe.com/connect/testing#account-numbers) and its ACH Direct Debit test numbers
/// (docs.stripe.com/payments/ach-direct-debit/accept-a-payment#test-integration). Anything
/// else is refused in test mode with `account_number_invalid`.
pub const TEST_ACCOUNT_NUMBERS: &[&str] = &[
    "000123456789",
    "000111111116",
    "000111111113",
    "000222222227",
    "000333333335",
    "000444444440",
    "000555555559",
    "000666666661",
    "000777777771",
    "000000000009",
    "000000004954",
];

/// Bank-account tokens (`btok_…`).
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret("POST", "/v1/tokens", Handler::Collection(create)),
        Route::secret("GET", "/v1/tokens/{token}", Handler::Member(retrieve)),
    ],
    objects: &[ObjectKind {
        object: "token",
        prefix: Some("btok"),
        expandable: &["bank_account", "card"],
        lookup: Some(|ns, id| ns.tokens.get(id).and_then(|t| serde_json::to_value(t).ok())),
    }],
    events: &[],
};

/// `GET /v1/tokens/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let token = ctx.ns.read().tokens.get(id).cloned();
    match token {
        Some(token) => ctx.render(&token),
        None => Err(ApiError::no_such_in_path("token", id)),
    }
}

/// `POST /v1/tokens` with `bank_account[…]`: a single-use `btok_…` for a US bank account.
pub fn create(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(CREATE)?;
    let Some(bank) = p.map("bank_account") else {
        return Err(match OTHER_KINDS.iter().find(|k| p.contains(k)) {
            Some(kind) => ApiError::invalid_request(format!(
                "fcmock creates bank-account tokens only (`bank_account[…]`); `{kind}` tokens \
                 are not emulated."
            ))
            .with_param(*kind),
            None => ApiError::invalid_request(NO_TOKEN_KIND).with_code("parameter_missing"),
        });
    };
    if let Some(kind) = OTHER_KINDS.iter().find(|k| p.contains(k)) {
        return Err(ApiError::exclusive(&["bank_account", *kind]));
    }
    let bank_account = bank_account(ctx, bank)?;
    let token = Token {
        id: ctx.new_id(IdKind::BankToken),
        object: TokenTag,
        bank_account,
        // Stripe's API reference example of this endpoint shows `client_ip: null`.
        client_ip: None,
        created: ctx.now,
        livemode: false,
        token_type: "bank_account".to_string(),
        used: false,
    };
    // Render first: a bad `expand[]` must refuse the request before anything is stored.
    let reply = ctx.render(&token)?;
    ctx.ns
        .write()
        .tokens
        .insert(token.id.clone(), token.created, token);
    Ok(reply)
}

/// The token's `bank_account`, from checked parameters: `new`, named after the bank its
/// routing number belongs to, with the fingerprint a PaymentMethod of the same numbers has.
fn bank_account(ctx: &Ctx<'_>, bank: &ParamMap) -> Result<BankAccount, ApiError> {
    if bank.contains("payment_method") {
        return Err(ApiError::invalid_request(
            "fcmock does not emulate tokens copied from a PaymentMethod \
             (`bank_account[payment_method]`); pass the account and routing numbers.",
        )
        .with_param("bank_account[payment_method]"));
    }
    let number = bank
        .non_empty("account_number")
        .ok_or_else(|| ApiError::missing_parameter("bank_account[account_number]"))?;
    let country = bank
        .non_empty("country")
        .ok_or_else(|| ApiError::missing_parameter("bank_account[country]"))?
        .to_ascii_uppercase();
    let currency = checked_currency(&country, bank.non_empty("currency"))?;
    let routing = checked_routing(bank.non_empty("routing_number"))?;
    checked_account_number(number)?;
    let text = |key: &str| bank.non_empty(key).map(str::to_string);
    Ok(BankAccount {
        id: ctx.new_id(IdKind::BankAccount),
        object: BankAccountTag,
        account: None,
        account_holder_name: text("account_holder_name"),
        account_holder_type: text("account_holder_type"),
        account_type: text("account_type"),
        available_payout_methods: None,
        bank_name: Some(bank_name(routing).to_string()),
        country,
        currency,
        default_for_currency: None,
        fingerprint: Some(fingerprint(routing, number)),
        last4: number[number.len() - 4..].to_string(),
        metadata: None,
        routing_number: Some(routing.to_string()),
        status: "new".to_string(),
    })
}

/// fcmock's test banks are all American: a US account in `usd` (the default).
fn checked_currency(country: &str, currency: Option<&str>) -> Result<String, ApiError> {
    if country != "US" {
        return Err(ApiError::invalid_request(format!(
            "fcmock creates bank-account tokens for US bank accounts only, not `{country}`."
        ))
        .with_param("bank_account[country]"));
    }
    match currency.map(str::to_ascii_lowercase) {
        None => Ok("usd".to_string()),
        Some(c) if c == "usd" => Ok(c),
        Some(c) => Err(ApiError::invalid_request(format!(
            "Invalid currency for a US bank account: `{c}`. US bank accounts hold usd."
        ))
        .with_param("bank_account[currency]")),
    }
}

/// A US routing number: nine digits (Stripe's "Routing number must have 9 digits", with
/// `param: bank_account`, in a recorded Stripe.js bank-token response) whose ABA check digit
/// holds (`routing_number_invalid`, "The bank routing number provided is invalid", Stripe's
/// error-code reference).
fn checked_routing(routing: Option<&str>) -> Result<&str, ApiError> {
    let Some(routing) = routing.filter(|r| r.len() == 9 && r.bytes().all(|b| b.is_ascii_digit()))
    else {
        return Err(
            ApiError::invalid_request("Routing number must have 9 digits")
                .with_param("bank_account"),
        );
    };
    const WEIGHTS: [u32; 3] = [3, 7, 1];
    let sum: u32 = routing
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * WEIGHTS[i % 3])
        .sum();
    if sum % 10 != 0 {
        return Err(
            ApiError::invalid_request("The bank routing number provided is invalid.")
                .with_code("routing_number_invalid")
                .with_param("bank_account[routing_number]"),
        );
    }
    Ok(routing)
}

/// Test mode takes only Stripe's test account numbers; the message is Stripe's, as a
/// recorded `Token.create(bank_account: …)` response shows it (`account_number_invalid`).
fn checked_account_number(number: &str) -> Result<(), ApiError> {
    if TEST_ACCOUNT_NUMBERS.contains(&number) {
        return Ok(());
    }
    Err(ApiError::invalid_request(
        "You must use a test bank account number in test mode. Try 000123456789 or see more \
         options at https://stripe.com/docs/connect/testing#account-numbers.",
    )
    .with_code("account_number_invalid")
    .with_param("bank_account[account_number]"))
}
