//! Stripe's list objects: `limit`, `starting_after`, `ending_before`, and the
//! `{"object":"list","data":[…],"has_more":…,"url":…}` envelope.

use super::error::ApiError;
use super::params::{Field, ParamMap, ENDING_BEFORE, EXPAND, LIMIT, STARTING_AFTER};
use crate::store::table::{Cursor, Page, UnknownCursor};
use serde::Serialize;

/// The parameters every list endpoint takes; endpoints add their filters to these.
pub const PAGINATION: [Field; 4] = [LIMIT, STARTING_AFTER, ENDING_BEFORE, EXPAND];

/// Validated pagination parameters.
#[derive(Debug, Clone)]
pub struct ListParams {
    /// 1–100, default 10.
    pub limit: usize,
    starting_after: Option<String>,
    ending_before: Option<String>,
}

impl ListParams {
    /// Reads and checks `limit` and the cursors (already type-checked by the spec).
    pub fn from_params(params: &ParamMap) -> Result<Self, ApiError> {
        let limit = match params.int("limit") {
            None => 10,
            Some(n) if n < 1 => {
                return Err(ApiError::invalid_request(
                    "This value must be greater than or equal to 1.",
                )
                .with_code("parameter_invalid_integer")
                .with_param("limit"))
            }
            Some(n) if n > 100 => {
                return Err(ApiError::invalid_request(
                    "This value must be less than or equal to 100.",
                )
                .with_code("parameter_invalid_integer")
                .with_param("limit"))
            }
            Some(n) => n as usize,
        };
        let starting_after = params.non_empty("starting_after").map(str::to_string);
        let ending_before = params.non_empty("ending_before").map(str::to_string);
        if starting_after.is_some() && ending_before.is_some() {
            return Err(ApiError::invalid_request(
                "Received both starting_after and ending_before parameters. Please pass in only one.",
            ));
        }
        Ok(ListParams {
            limit,
            starting_after,
            ending_before,
        })
    }

    /// The cursor to page from.
    pub fn cursor(&self) -> Cursor<'_> {
        match (&self.starting_after, &self.ending_before) {
            (Some(id), _) => Cursor::After(id),
            (None, Some(id)) => Cursor::Before(id),
            (None, None) => Cursor::Start,
        }
    }

    /// One page of a short in-memory list that is already newest first (an object's embedded
    /// list, like an account's external accounts), and whether more lie beyond it in the
    /// direction of travel. `id` reads an item's id for the cursors.
    pub fn page_of<T: Clone>(
        &self,
        newest_first: &[T],
        id: impl Fn(&T) -> Option<&str>,
    ) -> Result<(Vec<T>, bool), UnknownCursor> {
        let position = |cursor: &str| {
            newest_first
                .iter()
                .position(|item| id(item) == Some(cursor))
                .ok_or(UnknownCursor)
        };
        let (range, has_more) = match self.cursor() {
            Cursor::Start => {
                let end = newest_first.len().min(self.limit);
                (0..end, end < newest_first.len())
            }
            Cursor::After(cursor) => {
                let start = position(cursor)? + 1;
                let end = newest_first.len().min(start + self.limit);
                (start..end, end < newest_first.len())
            }
            Cursor::Before(cursor) => {
                let end = position(cursor)?;
                let start = end.saturating_sub(self.limit);
                (start..end, start > 0)
            }
        };
        Ok((newest_first[range].to_vec(), has_more))
    }

    /// Turns a table's "no such cursor" into Stripe's `resource_missing` on the cursor param.
    pub fn cursor_error<'s>(
        &'s self,
        object: &'s str,
    ) -> impl FnOnce(UnknownCursor) -> ApiError + 's {
        move |_| {
            let (param, id) = match (&self.starting_after, &self.ending_before) {
                (Some(id), _) => ("starting_after", id.as_str()),
                (None, Some(id)) => ("ending_before", id.as_str()),
                (None, None) => ("starting_after", ""),
            };
            ApiError::no_such_in_param(object, id, param)
        }
    }
}

/// A rendered list object.
#[derive(Debug, Serialize)]
pub struct List<T> {
    object: &'static str,
    /// The page's objects.
    pub data: Vec<T>,
    /// Whether more objects lie beyond this page.
    pub has_more: bool,
    /// The list's path (Stripe's `url`).
    pub url: String,
}

impl<T> List<T> {
    /// A list with these objects.
    pub fn new(data: Vec<T>, has_more: bool, url: impl Into<String>) -> Self {
        List {
            object: "list",
            data,
            has_more,
            url: url.into(),
        }
    }

    /// A list from a table page, cloning the page's objects out of the store.
    pub fn from_page(page: Page<'_, T>, url: impl Into<String>) -> Self
    where
        T: Clone,
    {
        let data = page.items.into_iter().cloned().collect();
        List::new(data, page.has_more, url)
    }
}
