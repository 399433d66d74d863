//! A namespace's recent events: a bounded log that evicts its oldest entry.
//!
//! Events arrive in time order and leave in the same order once [`EVENT_HISTORY`] are kept,
//! so they live in a ring (a `VecDeque` sorted by [`SortKey`]), not in a [`Table`]'s hash
//! map and B-tree. Every write that creates an event also evicts one, under the namespace's
//! write lock: here that is a pop from the ring's front, where a table would rebalance its
//! B-tree and clear a cold hash bucket (issue #19). Retrieval by id goes through an index
//! from id to sort key and a binary search of the ring; paging walks the ring from a
//! cursor's position, newest first, as a table does.
//!
//! The index is cleaned lazily: an evicted event's entry stays until the index holds a
//! quarter more entries than the ring's capacity, and one sweep then drops every entry
//! older than the ring's front (a pass over the index every capacity/4 events, a few
//! buckets per event). A lookup only trusts an entry that leads to a stored event with the
//! same id.
//!
//! [`EVENT_HISTORY`]: super::EVENT_HISTORY
//! [`Table`]: super::table::Table

use super::hash::HashMap;
use super::table::{Cursor, Direction, Page, SavedRow, SortKey, UnknownCursor};
use crate::model::event::Event;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::VecDeque;

/// The events of one namespace, oldest first, at most `capacity` of them.
#[derive(Debug, Clone)]
pub struct EventLog {
    /// Sorted by key; boxed, so a pop or an insert moves a pointer, not an event.
    ring: VecDeque<(SortKey, Box<Event>)>,
    /// Id → sort key, for stored events and (until the next sweep) evicted ones.
    index: HashMap<String, SortKey>,
    next_seq: u64,
    capacity: usize,
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog::with_capacity(super::EVENT_HISTORY)
    }
}

impl EventLog {
    /// An empty log that keeps at most `capacity` events.
    pub fn with_capacity(capacity: usize) -> Self {
        EventLog {
            ring: VecDeque::new(),
            index: HashMap::default(),
            next_seq: 0,
            capacity: capacity.max(1),
        }
    }

    /// Records an event (sorted by its `created`); returns the oldest one if the log was
    /// full, still boxed, for the caller to drop after releasing its lock.
    pub fn push(&mut self, event: Box<Event>) -> Option<Box<Event>> {
        let created = event.created;
        self.insert_at(created, event)
    }

    fn insert_at(&mut self, sort_time: i64, event: Box<Event>) -> Option<Box<Event>> {
        let key = (sort_time, self.next_seq);
        self.next_seq += 1;
        // An id recorded again replaces its event, as a table row would be replaced.
        if let Some(pos) = self.position(&event.id) {
            self.ring.remove(pos);
        }
        self.index.insert(event.id.clone(), key);
        let row = (key, event);
        match self.ring.back() {
            // A clock moved back: keep the ring sorted (rare, so the shift is affordable).
            Some((last, _)) if *last > key => {
                let pos = self.ring.partition_point(|(k, _)| *k < key);
                self.ring.insert(pos, row);
            }
            _ => self.ring.push_back(row),
        }
        let evicted = if self.ring.len() > self.capacity {
            self.ring.pop_front().map(|(_, event)| event)
        } else {
            None
        };
        if self.index.len() > self.sweep_above() {
            self.sweep();
        }
        evicted
    }

    /// How many index entries (live and evicted) trigger a sweep.
    fn sweep_above(&self) -> usize {
        self.capacity + self.capacity / 4
    }

    /// Drops the index entries of evicted events: everything older than the ring's front.
    fn sweep(&mut self) {
        match self.ring.front() {
            Some(&(front, _)) => self.index.retain(|_, key| *key >= front),
            None => self.index.clear(),
        }
    }

    /// Where the stored event with this id sits in the ring.
    fn position(&self, id: &str) -> Option<usize> {
        let key = *self.index.get(id)?;
        let pos = self.ring.binary_search_by(|(k, _)| k.cmp(&key)).ok()?;
        (self.ring[pos].1.id == id).then_some(pos)
    }

    /// The event with this id, if it is still kept.
    pub fn get(&self, id: &str) -> Option<&Event> {
        self.position(id).map(|pos| &*self.ring[pos].1)
    }

    /// The event with this id, to change in place (its place in the order stays).
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Event> {
        let pos = self.position(id)?;
        Some(&mut *self.ring[pos].1)
    }

    /// How many events are kept.
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// Whether no event is kept.
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// The kept events, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Event> {
        self.ring.iter().map(|(_, event)| &**event)
    }

    /// A page of events, newest first, as [`Table::page`](super::table::Table::page) pages
    /// its rows: `filter` narrows it, and a cursor naming an event that is not kept is an
    /// [`UnknownCursor`].
    pub fn page(
        &self,
        cursor: Cursor<'_>,
        limit: usize,
        filter: impl Fn(&Event) -> bool,
    ) -> Result<Page<'_, Event>, UnknownCursor> {
        match cursor {
            Cursor::Start | Cursor::After(_) => {
                let upper = match cursor {
                    Cursor::After(id) => self.position(id).ok_or(UnknownCursor)?,
                    _ => self.ring.len(),
                };
                let older = self.ring.range(..upper).rev().map(|(_, e)| &**e);
                Ok(Page::walked(
                    older.filter(|e| filter(e)),
                    limit,
                    Direction::Older,
                ))
            }
            Cursor::Before(id) => {
                let lower = self.position(id).ok_or(UnknownCursor)? + 1;
                let newer = self.ring.range(lower..).map(|(_, e)| &**e);
                Ok(Page::walked(
                    newer.filter(|e| filter(e)),
                    limit,
                    Direction::Newer,
                ))
            }
        }
    }
}

/// Saved as a table is (a list of rows, oldest first), so state files did not change.
impl Serialize for EventLog {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.ring.iter().map(|(key, object)| SavedRow {
            sort_time: key.0,
            object,
        }))
    }
}

impl<'de> Deserialize<'de> for EventLog {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let rows: Vec<SavedRow<Event>> = Vec::deserialize(deserializer)?;
        let mut log = EventLog::default();
        for row in rows {
            // Beyond the capacity the oldest go, as they would have when recorded.
            drop(log.insert_at(row.sort_time, Box::new(row.object)));
        }
        Ok(log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::table::Table;

    fn event(n: u32, created: i64) -> Box<Event> {
        serde_json::from_value(serde_json::json!({
            "id": format!("evt_{n}"),
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": created,
            "data": {"object": {"id": format!("cus_{n}")}},
            "livemode": false,
            "pending_webhooks": 0,
            "request": {"id": null, "idempotency_key": null},
            "type": "customer.created",
        }))
        .expect("a valid event")
    }

    fn ids(page: &Page<'_, Event>) -> Vec<String> {
        page.items.iter().map(|e| e.id.clone()).collect()
    }

    #[test]
    fn the_oldest_is_evicted_and_forgotten() {
        let mut log = EventLog::with_capacity(3);
        for n in 0..3 {
            assert!(log.push(event(n, 100 + i64::from(n))).is_none());
        }
        let evicted = log.push(event(3, 103)).expect("the log was full");
        assert_eq!(evicted.id, "evt_0");
        assert_eq!(log.len(), 3);
        assert!(log.get("evt_0").is_none(), "an evicted event is gone");
        assert_eq!(log.get("evt_3").map(|e| e.created), Some(103));
        let cursor = log.page(Cursor::After("evt_0"), 10, |_| true);
        assert!(cursor.is_err(), "an evicted id is an unknown cursor");
        // Many more: the index is swept and never outgrows its bound.
        for n in 4..100 {
            drop(log.push(event(n, 100 + i64::from(n))));
            assert!(
                log.index.len() <= log.sweep_above(),
                "index {}",
                log.index.len()
            );
        }
        let kept: Vec<&str> = log.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(kept, ["evt_97", "evt_98", "evt_99"]);
        assert!(log.get("evt_96").is_none() && log.get("evt_97").is_some());
    }

    #[test]
    fn pages_match_a_tables_pages() {
        // Equal `created` times (one second holds many events) and a clock moved back.
        let times = [5, 5, 7, 7, 7, 6, 9, 9, 3, 10, 10, 11];
        let mut log = EventLog::with_capacity(100);
        let mut table: Table<Event> = Table::default();
        for (n, &t) in times.iter().enumerate() {
            let e = event(n as u32, t);
            table.insert(e.id.clone(), t, (*e).clone());
            drop(log.push(e));
        }
        let cursors = (0..times.len())
            .map(|n| format!("evt_{n}"))
            .collect::<Vec<_>>();
        let odd = |e: &Event| e.id.ends_with(['1', '3', '5', '7', '9']);
        for limit in [1, 2, 5, 20] {
            let mut walks = vec![Cursor::Start];
            for id in &cursors {
                walks.push(Cursor::After(id));
                walks.push(Cursor::Before(id));
            }
            for cursor in walks {
                let (a, b) = (
                    log.page(cursor, limit, |_| true),
                    table.page(cursor, limit, |_| true),
                );
                let (a, b) = (a.expect("known cursor"), b.expect("known cursor"));
                assert_eq!(
                    (ids(&a), a.has_more),
                    (ids(&b), b.has_more),
                    "{cursor:?} {limit}"
                );
                let (a, b) = (log.page(cursor, limit, odd), table.page(cursor, limit, odd));
                let (a, b) = (a.expect("known cursor"), b.expect("known cursor"));
                assert_eq!(
                    (ids(&a), a.has_more),
                    (ids(&b), b.has_more),
                    "{cursor:?} {limit}"
                );
            }
        }
        let in_order: Vec<&str> = log.iter().map(|e| e.id.as_str()).collect();
        let table_order: Vec<&str> = table.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(in_order, table_order);
    }

    #[test]
    fn a_saved_log_reloads_in_the_same_order_and_format_as_a_table() {
        let mut log = EventLog::with_capacity(10);
        let mut table: Table<Event> = Table::default();
        for (n, t) in [(0, 5), (1, 4), (2, 6)] {
            let e = event(n, t);
            table.insert(e.id.clone(), t, (*e).clone());
            drop(log.push(e));
        }
        let saved = serde_json::to_value(&log).expect("serialises");
        assert_eq!(saved, serde_json::to_value(&table).expect("serialises"));
        let reloaded: EventLog = serde_json::from_value(saved.clone()).expect("reloads");
        assert_eq!(serde_json::to_value(&reloaded).expect("serialises"), saved);
        assert_eq!(reloaded.get("evt_1").map(|e| e.created), Some(4));
    }

    #[test]
    fn an_event_recorded_again_replaces_the_first() {
        let mut log = EventLog::with_capacity(10);
        drop(log.push(event(1, 5)));
        drop(log.push(event(2, 6)));
        let mut again = event(1, 7);
        again.pending_webhooks = 3;
        drop(log.push(again));
        let kept: Vec<(&str, u32)> = log
            .iter()
            .map(|e| (e.id.as_str(), e.pending_webhooks))
            .collect();
        assert_eq!(kept, [("evt_2", 0), ("evt_1", 3)]);
    }
}
