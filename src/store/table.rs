//! An ordered table of one kind of object: O(1) retrieve by id, O(page) listing.
//!
//! Stripe lists newest first and pages with object-id cursors (`starting_after`,
//! `ending_before`). Each row therefore carries a [`SortKey`] — its sort time (usually
//! `created`) plus an insertion counter that breaks ties — and the table keeps a B-tree from
//! sort key to id. A page is a range walk from the cursor's key, so its cost does not grow
//! with the number of stored objects. Secondary indexes (per account, per customer) are
//! [`KeySet`]s of the same keys and page the same way.

use super::hash::HashMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

/// Sort time (Unix seconds) and insertion counter.
pub type SortKey = (i64, u64);

/// A secondary index: the sort keys of the rows that share some attribute.
pub type KeySet = BTreeSet<SortKey>;

/// Where a page starts.
#[derive(Debug, Clone, Copy)]
pub enum Cursor<'a> {
    /// The newest objects.
    Start,
    /// Objects older than this id (`starting_after`).
    After(&'a str),
    /// Objects newer than this id (`ending_before`).
    Before(&'a str),
}

/// One page of a list, newest first.
#[derive(Debug)]
pub struct Page<'a, T> {
    /// The objects on the page.
    pub items: Vec<&'a T>,
    /// Whether more objects lie beyond the page in the direction of travel.
    pub has_more: bool,
}

/// Which way a page walks from its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards older objects (the first page, `starting_after`).
    Older,
    /// Towards newer objects (`ending_before`).
    Newer,
}

impl<'a, T> Page<'a, T> {
    /// The first `limit` objects of a walk from a cursor, and whether more lay beyond; a
    /// walk towards newer objects is turned round, so a page always reads newest first.
    pub fn walked(walk: impl Iterator<Item = &'a T>, limit: usize, direction: Direction) -> Self {
        let mut items: Vec<&T> = Vec::with_capacity(limit.min(100) + 1);
        items.extend(walk.take(limit + 1));
        let has_more = items.len() > limit;
        items.truncate(limit);
        if direction == Direction::Newer {
            items.reverse();
        }
        Page { items, has_more }
    }
}

/// The cursor named an id that is not in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCursor;

/// Something a page can be walked over: the table's own order, or a secondary index.
pub trait KeyRange {
    /// Keys below `upper`, newest first.
    fn newest_first(&self, upper: Bound<SortKey>) -> impl Iterator<Item = SortKey>;
    /// Keys above `lower`, oldest first.
    fn oldest_first(&self, lower: Bound<SortKey>) -> impl Iterator<Item = SortKey>;
}

impl KeyRange for KeySet {
    fn newest_first(&self, upper: Bound<SortKey>) -> impl Iterator<Item = SortKey> {
        self.range((Bound::Unbounded, upper)).rev().copied()
    }
    fn oldest_first(&self, lower: Bound<SortKey>) -> impl Iterator<Item = SortKey> {
        self.range((lower, Bound::Unbounded)).copied()
    }
}

impl KeyRange for BTreeMap<SortKey, String> {
    fn newest_first(&self, upper: Bound<SortKey>) -> impl Iterator<Item = SortKey> {
        self.range((Bound::Unbounded, upper)).rev().map(|(k, _)| *k)
    }
    fn oldest_first(&self, lower: Bound<SortKey>) -> impl Iterator<Item = SortKey> {
        self.range((lower, Bound::Unbounded)).map(|(k, _)| *k)
    }
}

/// Rows of one object type, keyed by id and ordered by sort key.
#[derive(Debug, Clone)]
pub struct Table<T> {
    /// Rows are boxed: growing the map then moves a pointer per row, not the object, so a
    /// table of hundreds of thousands of objects rehashes in milliseconds (under the
    /// namespace's write lock, where a long pause would stall every request of that key).
    rows: HashMap<String, (SortKey, Box<T>)>,
    order: BTreeMap<SortKey, String>,
    next_seq: u64,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            rows: HashMap::default(),
            order: BTreeMap::new(),
            next_seq: 0,
        }
    }
}

impl<T> Table<T> {
    /// Inserts an object under `id`, sorted by `sort_time`; returns its sort key.
    pub fn insert(&mut self, id: String, sort_time: i64, value: T) -> SortKey {
        let key = (sort_time, self.next_seq);
        self.next_seq += 1;
        // One hash of the id, whether it is new or replaces a row.
        match self.rows.entry(id) {
            std::collections::hash_map::Entry::Occupied(mut row) => {
                self.order.remove(&row.get().0);
                self.order.insert(key, row.key().clone());
                row.insert((key, Box::new(value)));
            }
            std::collections::hash_map::Entry::Vacant(row) => {
                self.order.insert(key, row.key().clone());
                row.insert((key, Box::new(value)));
            }
        }
        key
    }

    /// The object with this id.
    pub fn get(&self, id: &str) -> Option<&T> {
        self.rows.get(id).map(|(_, v)| &**v)
    }

    /// The object with this id, to change in place (its sort key stays).
    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        self.rows.get_mut(id).map(|(_, v)| &mut **v)
    }

    /// The sort key of the object with this id.
    pub fn key_of(&self, id: &str) -> Option<SortKey> {
        self.rows.get(id).map(|(k, _)| *k)
    }

    /// The object at a sort key.
    pub fn get_by_key(&self, key: &SortKey) -> Option<&T> {
        self.order.get(key).and_then(|id| self.get(id))
    }

    /// Removes and returns the object with this id.
    pub fn remove(&mut self, id: &str) -> Option<T> {
        let (key, value) = self.rows.remove(id)?;
        let value = *value;
        self.order.remove(&key);
        Some(value)
    }

    /// How many objects the table holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// All objects, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.order.values().filter_map(|id| self.get(id))
    }

    /// All objects, oldest first, mutably.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.rows.values_mut().map(|(_, v)| &mut **v)
    }

    /// A page over the whole table.
    pub fn page(
        &self,
        cursor: Cursor<'_>,
        limit: usize,
        filter: impl Fn(&T) -> bool,
    ) -> Result<Page<'_, T>, UnknownCursor> {
        self.page_in(&self.order, cursor, limit, filter)
    }

    /// A page over the rows of a secondary index (or the table's own order).
    ///
    /// `filter` lets a caller narrow further; a page then costs O(page + skipped), which
    /// stays O(page) for the unfiltered lists Stripe clients walk in bulk.
    pub fn page_in<'a>(
        &'a self,
        index: &impl KeyRange,
        cursor: Cursor<'_>,
        limit: usize,
        filter: impl Fn(&T) -> bool,
    ) -> Result<Page<'a, T>, UnknownCursor> {
        let resolve = |key: SortKey| self.get_by_key(&key).filter(|v| filter(v));
        match cursor {
            Cursor::Start | Cursor::After(_) => {
                let upper = match cursor {
                    Cursor::After(id) => Bound::Excluded(self.key_of(id).ok_or(UnknownCursor)?),
                    _ => Bound::Unbounded,
                };
                let older = index.newest_first(upper).filter_map(resolve);
                Ok(Page::walked(older, limit, Direction::Older))
            }
            Cursor::Before(id) => {
                let lower = Bound::Excluded(self.key_of(id).ok_or(UnknownCursor)?);
                let newer = index.oldest_first(lower).filter_map(resolve);
                Ok(Page::walked(newer, limit, Direction::Newer))
            }
        }
    }
}

/// Tables are saved as a list of rows, oldest first, so a saved state reads naturally and
/// reloads into the same order.
#[derive(Serialize, Deserialize)]
pub(super) struct SavedRow<T> {
    pub(super) sort_time: i64,
    pub(super) object: T,
}

impl<T: Serialize> Serialize for Table<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for (key, id) in &self.order {
            if let Some((_, object)) = self.rows.get(id) {
                seq.serialize_element(&SavedRow {
                    sort_time: key.0,
                    object,
                })?;
            }
        }
        seq.end()
    }
}

pub use crate::model::HasId;

impl<'de, T: DeserializeOwned + HasId> Deserialize<'de> for Table<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let rows: Vec<SavedRow<T>> = Vec::deserialize(deserializer)?;
        let mut table = Table::default();
        for row in rows {
            table.insert(row.object.id().to_string(), row.sort_time, row.object);
        }
        Ok(table)
    }
}

/// A slice of an index between two sort-key bounds (e.g. `transacted_at[gte]` …), paged in
/// O(page) like the whole index.
pub struct Bounded<'a> {
    /// The index.
    pub keys: &'a KeySet,
    /// Lowest key included.
    pub lower: Bound<SortKey>,
    /// Highest key included.
    pub upper: Bound<SortKey>,
}

fn tighter_upper(a: Bound<SortKey>, b: Bound<SortKey>) -> Bound<SortKey> {
    match (a, b) {
        (Bound::Unbounded, x) | (x, Bound::Unbounded) => x,
        (Bound::Included(x), Bound::Included(y)) => Bound::Included(x.min(y)),
        (Bound::Excluded(x), Bound::Excluded(y)) => Bound::Excluded(x.min(y)),
        (Bound::Included(i), Bound::Excluded(e)) | (Bound::Excluded(e), Bound::Included(i)) => {
            if e <= i {
                Bound::Excluded(e)
            } else {
                Bound::Included(i)
            }
        }
    }
}

fn tighter_lower(a: Bound<SortKey>, b: Bound<SortKey>) -> Bound<SortKey> {
    match (a, b) {
        (Bound::Unbounded, x) | (x, Bound::Unbounded) => x,
        (Bound::Included(x), Bound::Included(y)) => Bound::Included(x.max(y)),
        (Bound::Excluded(x), Bound::Excluded(y)) => Bound::Excluded(x.max(y)),
        (Bound::Included(i), Bound::Excluded(e)) | (Bound::Excluded(e), Bound::Included(i)) => {
            if e >= i {
                Bound::Excluded(e)
            } else {
                Bound::Included(i)
            }
        }
    }
}

/// Whether a range is empty; `BTreeSet::range` panics on inverted bounds, so every range
/// built from request values is checked first.
fn is_empty(lower: &Bound<SortKey>, upper: &Bound<SortKey>) -> bool {
    match (lower, upper) {
        (Bound::Included(a), Bound::Included(b)) => a > b,
        (Bound::Included(a), Bound::Excluded(b))
        | (Bound::Excluded(a), Bound::Included(b))
        | (Bound::Excluded(a), Bound::Excluded(b)) => a >= b,
        _ => false,
    }
}

impl KeyRange for Bounded<'_> {
    fn newest_first(&self, upper: Bound<SortKey>) -> impl Iterator<Item = SortKey> {
        let hi = tighter_upper(self.upper, upper);
        let range = (!is_empty(&self.lower, &hi)).then(|| self.keys.range((self.lower, hi)));
        range.into_iter().flatten().rev().copied()
    }
    fn oldest_first(&self, lower: Bound<SortKey>) -> impl Iterator<Item = SortKey> {
        let lo = tighter_lower(self.lower, lower);
        let range = (!is_empty(&lo, &self.upper)).then(|| self.keys.range((lo, self.upper)));
        range.into_iter().flatten().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(n: usize) -> Table<usize> {
        let mut t = Table::default();
        for i in 0..n {
            t.insert(format!("obj_{i}"), 1000 + (i as i64) / 3, i);
        }
        t
    }

    fn ids(p: &Page<'_, usize>) -> Vec<usize> {
        p.items.iter().map(|v| **v).collect()
    }

    #[test]
    fn pages_walk_newest_first_with_starting_after() {
        let t = table(5);
        let p = t.page(Cursor::Start, 2, |_| true).expect("page");
        assert_eq!((ids(&p), p.has_more), (vec![4, 3], true));
        let p = t.page(Cursor::After("obj_3"), 2, |_| true).expect("page");
        assert_eq!((ids(&p), p.has_more), (vec![2, 1], true));
        let p = t.page(Cursor::After("obj_1"), 2, |_| true).expect("page");
        assert_eq!((ids(&p), p.has_more), (vec![0], false));
    }

    #[test]
    fn ending_before_returns_the_newer_neighbours_newest_first() {
        let t = table(5);
        let p = t.page(Cursor::Before("obj_1"), 2, |_| true).expect("page");
        assert_eq!((ids(&p), p.has_more), (vec![3, 2], true));
        let p = t.page(Cursor::Before("obj_3"), 2, |_| true).expect("page");
        assert_eq!((ids(&p), p.has_more), (vec![4], false));
    }

    #[test]
    fn an_unknown_cursor_is_reported() {
        assert_eq!(
            table(1).page(Cursor::After("nope"), 2, |_| true).err(),
            Some(UnknownCursor)
        );
    }

    proptest::proptest! {
        /// Walking a list forwards with `starting_after` and back with `ending_before` yields
        /// every object exactly once, newest first, for any page size and any mix of equal
        /// sort times.
        #[test]
        fn walking_forwards_and_backwards_yields_every_object_once(
            times in proptest::collection::vec(0i64..20, 0..120),
            limit in 1usize..15,
        ) {
            let mut t: Table<usize> = Table::default();
            for (i, time) in times.iter().enumerate() {
                t.insert(format!("obj_{i}"), *time, i);
            }
            let mut expected: Vec<(i64, usize)> = times.iter().enumerate().map(|(i, time)| (*time, i)).collect();
            expected.sort_by(|a, b| b.cmp(a));
            let expected: Vec<usize> = expected.into_iter().map(|(_, i)| i).collect();

            let mut forward: Vec<usize> = Vec::new();
            let mut pages: Vec<Vec<usize>> = Vec::new();
            let mut cursor = None::<String>;
            loop {
                let c = cursor.as_deref().map_or(Cursor::Start, Cursor::After);
                let page = t.page(c, limit, |_| true).expect("known cursor");
                let ids = ids(&page);
                proptest::prop_assert!(ids.len() <= limit);
                forward.extend(&ids);
                pages.push(ids.clone());
                match ids.last() {
                    Some(last) if page.has_more => cursor = Some(format!("obj_{last}")),
                    _ => break,
                }
            }
            proptest::prop_assert_eq!(&forward, &expected);

            // Back from the last page's first object to the start.
            let mut backward: Vec<usize> = Vec::new();
            if let Some(first) = pages.last().and_then(|p| p.first()) {
                let mut before = format!("obj_{first}");
                loop {
                    let page = t.page(Cursor::Before(&before), limit, |_| true).expect("known cursor");
                    let ids = ids(&page);
                    backward.splice(0..0, ids.iter().copied());
                    match ids.first() {
                        Some(newest) if page.has_more => before = format!("obj_{newest}"),
                        _ => break,
                    }
                }
                backward.extend(pages.last().into_iter().flatten());
            }
            proptest::prop_assert_eq!(&backward, &expected);
        }
    }
}
