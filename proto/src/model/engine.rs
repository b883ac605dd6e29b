//! What the recovery software ([`Node`](super::Node)) needs from the engine it drives.
//!
//! The golden model's [`Host`] is one engine: its control calls take effect at once. A
//! co-simulation supplies another: an RTL engine behind its control port, mirrored by a
//! `Host` that receives every input at the cycle the RTL acts on it. Either way the recovery
//! software reads the engine's state through [`Engine::host`] and changes it only through
//! the calls below, which are exactly the engine's control-port operations.

use super::host::{EpochInstall, Host, PostError};
use super::log::Entry;
use super::output::Output;
use super::PostId;
use crate::Nanos;

pub trait Engine {
    /// The engine's state as the golden model holds it.
    fn host(&self) -> &Host;
    /// When [`Engine::handle_timeout`] must next be called, if ever.
    fn next_deadline(&self) -> Option<Nanos>;
    /// Queues a message to be sent at one of this host's turns.
    fn post(&mut self, payload: &[u8]) -> Result<PostId, PostError>;
    /// A frame from the Exo network (or one the software held and now replays).
    fn handle_frame(&mut self, now: Nanos, bytes: &[u8]) -> Vec<Output>;
    /// The token timer expired.
    fn handle_timeout(&mut self, now: Nanos) -> Vec<Output>;
    /// Stop: accept, agree and send nothing until a load.
    fn stop(&mut self);
    /// Load a new epoch.
    fn install(&mut self, now: Nanos, load: EpochInstall) -> Vec<Output>;
    /// Append repaired entries of the current epoch and resume.
    fn repair(&mut self, now: Nanos, entries: Vec<Entry>) -> Vec<Output>;
    /// The naive variant's whole-log replacement (the engine has no such operation: software
    /// engines only).
    fn adopt(&mut self, now: Nanos, log: Vec<Entry>) -> Vec<Output>;
}

impl Engine for Host {
    fn host(&self) -> &Host {
        self
    }

    fn next_deadline(&self) -> Option<Nanos> {
        Host::next_deadline(self)
    }

    fn post(&mut self, payload: &[u8]) -> Result<PostId, PostError> {
        Host::post(self, payload)
    }

    fn handle_frame(&mut self, now: Nanos, bytes: &[u8]) -> Vec<Output> {
        Host::handle_frame(self, now, bytes)
    }

    fn handle_timeout(&mut self, now: Nanos) -> Vec<Output> {
        Host::handle_timeout(self, now)
    }

    fn stop(&mut self) {
        Host::stop(self)
    }

    fn install(&mut self, now: Nanos, load: EpochInstall) -> Vec<Output> {
        Host::install(self, now, load)
    }

    fn repair(&mut self, now: Nanos, entries: Vec<Entry>) -> Vec<Output> {
        Host::repair(self, now, entries)
    }

    fn adopt(&mut self, now: Nanos, log: Vec<Entry>) -> Vec<Output> {
        Host::adopt(self, now, log)
    }
}
