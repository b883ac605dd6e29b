//! What the reports, the workload runner and the scenario runner need from a rack, so that
//! they drive the golden-model rack ([`Rack`]) and the co-simulated RTL rack
//! (`exo-rtl-rack`) with the same code.

use crate::faults::FaultState;
use crate::net::Picos;
use crate::progress::ProgressChecker;
use crate::rack::{Action, FrameStats, MsgId, MsgRecord, Rack, RackConfig, RecoveryFigures};
use crate::safety::SafetyChecker;
use exo_proto::model::{Counters, Host, Node};
use exo_proto::HostId;

/// Reading a rack: its configuration, its hosts, what happened to the messages, the checkers.
pub trait RackView {
    fn config(&self) -> &RackConfig;
    /// Simulated time.
    fn now(&self) -> Picos;
    fn n(&self) -> usize;
    /// The host's engine state (the golden model's), or `None` while it is crashed.
    fn host(&self, id: HostId) -> Option<&Host>;
    /// The phase of the host's recovery software ([`Node::phase_name`]).
    fn phase(&self, id: HostId) -> Option<&'static str>;
    fn faults(&self) -> &FaultState;
    fn messages(&self) -> &[MsgRecord];
    fn messages_agreed(&self) -> usize;
    /// Messages whose host crashed before they were sent (or that it refused).
    fn messages_lost(&self) -> usize;
    /// When any host last agreed an entry.
    fn last_agreement(&self) -> Picos;
    /// Counters of every host, including incarnations lost in crashes.
    fn total_counters(&self) -> Counters;
    fn recovery(&self) -> &RecoveryFigures;
    fn frame_stats(&self) -> &FrameStats;
    fn safety(&self) -> &SafetyChecker;
    fn progress(&self) -> &ProgressChecker;
    /// True once every submitted message is agreed at every live host in normal operation.
    fn settled(&self) -> bool;
}

/// Driving a rack: events, actions, the workload.
pub trait RackDriver: RackView {
    /// When the next event happens, if there is one.
    fn next_event_time(&self) -> Option<Picos>;
    /// Processes the next event; false if there is none.
    fn step(&mut self) -> bool;
    /// Processes every event up to and including `t`, then sets the clock to `t`.
    fn run_until(&mut self, t: Picos);
    /// Runs `action` at `at` (before the hosts' own events at that instant).
    fn schedule(&mut self, at: Picos, action: Action);
    /// Applies `action` now.
    fn apply(&mut self, action: Action);
    /// Hands a message to the application at `host`.
    fn submit(&mut self, host: HostId, payload: Vec<u8>) -> MsgId;
    /// Frames whose every delivery has happened since the last call, as (sender, seq).
    fn take_completed(&mut self) -> Vec<(HostId, u64)>;
    /// Final audits (safety digests, the last progress check).
    fn finish(&mut self);
}

impl RackView for Rack {
    fn config(&self) -> &RackConfig {
        Rack::config(self)
    }
    fn now(&self) -> Picos {
        Rack::now(self)
    }
    fn n(&self) -> usize {
        Rack::n(self)
    }
    fn host(&self, id: HostId) -> Option<&Host> {
        Rack::host(self, id)
    }
    fn phase(&self, id: HostId) -> Option<&'static str> {
        Rack::node(self, id).map(Node::phase_name)
    }
    fn faults(&self) -> &FaultState {
        Rack::faults(self)
    }
    fn messages(&self) -> &[MsgRecord] {
        Rack::messages(self)
    }
    fn messages_agreed(&self) -> usize {
        Rack::messages_agreed(self)
    }
    fn messages_lost(&self) -> usize {
        Rack::messages_lost(self)
    }
    fn last_agreement(&self) -> Picos {
        Rack::last_agreement(self)
    }
    fn total_counters(&self) -> Counters {
        Rack::total_counters(self)
    }
    fn recovery(&self) -> &RecoveryFigures {
        Rack::recovery(self)
    }
    fn frame_stats(&self) -> &FrameStats {
        Rack::frame_stats(self)
    }
    fn safety(&self) -> &SafetyChecker {
        Rack::safety(self)
    }
    fn progress(&self) -> &ProgressChecker {
        Rack::progress(self)
    }
    fn settled(&self) -> bool {
        Rack::settled(self)
    }
}

impl RackDriver for Rack {
    fn next_event_time(&self) -> Option<Picos> {
        Rack::next_event_time(self)
    }
    fn step(&mut self) -> bool {
        Rack::step(self)
    }
    fn run_until(&mut self, t: Picos) {
        Rack::run_until(self, t)
    }
    fn schedule(&mut self, at: Picos, action: Action) {
        Rack::schedule(self, at, action)
    }
    fn apply(&mut self, action: Action) {
        Rack::apply(self, action)
    }
    fn submit(&mut self, host: HostId, payload: Vec<u8>) -> MsgId {
        Rack::submit(self, host, payload)
    }
    fn take_completed(&mut self) -> Vec<(HostId, u64)> {
        Rack::take_completed(self)
    }
    fn finish(&mut self) {
        Rack::finish(self)
    }
}
