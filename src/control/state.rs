//! Saving and loading the whole state: every namespace, the mock clock, and the scenario
//! queue. `GET/PUT /_fcmock/state` exchange it as JSON; `--state-file` loads it at start and
//! writes it on graceful shutdown (to a temporary file renamed into place, so a crash never
//! leaves half a file).

use crate::app::App;
use crate::clock::ClockState;
use crate::fixtures::ScenarioFixture;
use crate::store::Namespace;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The format version written into every export.
pub const VERSION: u32 = 1;

/// A saved state.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedState {
    /// Always [`VERSION`].
    pub fcmock_state_version: u32,
    /// The mock clock.
    pub clock: ClockState,
    /// Queued scenarios, with their remaining counts.
    #[serde(default)]
    pub scenarios: Vec<ScenarioFixture>,
    /// Every namespace, by API key.
    pub namespaces: BTreeMap<String, Namespace>,
}

/// A copy of the whole state.
pub fn export(app: &App) -> SavedState {
    SavedState {
        fcmock_state_version: VERSION,
        clock: app.clock.state(),
        scenarios: app.control.scenarios.export(),
        namespaces: app.store.export(),
    }
}

/// Replaces the whole state. Ids minted afterwards come from a fresh random source, so a
/// seeded run cannot mint an id the loaded state already holds.
pub fn import(app: &App, state: SavedState) -> Result<(), String> {
    if state.fcmock_state_version != VERSION {
        return Err(format!(
            "unsupported state version {} (this fcmock reads version {VERSION})",
            state.fcmock_state_version
        ));
    }
    app.clock.restore(state.clock);
    app.control.scenarios.restore(state.scenarios);
    app.store.import(state.namespaces);
    app.idempotency.clear(None);
    app.ids.reseed_from_os();
    // Debits that were `processing` when the state was saved settle on their own again.
    crate::engine::payments::schedule(app, app.settings.ach_settlement_secs);
    Ok(())
}

/// Reads a state file; the error names the file and what is wrong with it.
pub fn load_file(path: &Path) -> Result<SavedState, String> {
    let text = std::fs::read(path)
        .map_err(|e| format!("cannot read state file {}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| {
        format!(
            "state file {} is not a valid fcmock state ({e}); it was left untouched",
            path.display()
        )
    })
}

/// Writes the state to `path` atomically: a temporary file beside it, then a rename.
pub fn save_file(app: &App, path: &Path) -> Result<(), String> {
    let body =
        serde_json::to_vec(&export(app)).map_err(|e| format!("cannot serialise state: {e}"))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let tmp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, &body).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot move {} to {}: {e}", tmp.display(), path.display())
    })
}
