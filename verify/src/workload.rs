//! Running a rack with a message workload until it settles, stalls or runs out of time.

use crate::net::Picos;
use crate::report::RunEnd;
use crate::view::RackDriver;
use exo_proto::HostId;

/// The payload of message `k`: its number, big-endian, repeated to `len` bytes. Deterministic,
/// so logs from different runs (and from the RTL later) can be compared byte for byte.
pub fn payload_of(k: u64, len: usize) -> Vec<u8> {
    k.to_be_bytes().iter().copied().cycle().take(len).collect()
}

/// Submits `messages` messages of `payload` bytes, round-robin over the hosts, at time zero.
pub fn submit_all<R: RackDriver + ?Sized>(rack: &mut R, messages: usize, payload: usize) {
    let n = rack.n();
    for k in 0..messages {
        rack.submit(HostId((k % n) as u8), payload_of(k as u64, payload));
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Stop at this simulated time.
    pub max_time: Picos,
    /// Stop when no host has agreed anything for this long.
    pub stall: Picos,
}

/// Steps the rack until every message is settled, it stalls, or time runs out. `on_progress`
/// is called with the number of agreed messages now and then (for a progress bar).
pub fn run<R: RackDriver + ?Sized>(
    rack: &mut R,
    limits: Limits,
    on_progress: &mut dyn FnMut(usize),
) -> RunEnd {
    let mut reported = 0;
    let end = loop {
        let agreed = rack.messages_agreed();
        if agreed >= reported + 1024 {
            reported = agreed;
            on_progress(agreed);
        }
        if rack.messages_agreed() + rack.messages_lost() >= rack.messages().len() && rack.settled()
        {
            break RunEnd::Settled;
        }
        if rack.now() >= limits.max_time {
            break RunEnd::TimeLimit;
        }
        if rack.now().saturating_sub(rack.last_agreement()) > limits.stall {
            break RunEnd::Stalled;
        }
        if !rack.step() {
            break RunEnd::Stalled;
        }
    };
    on_progress(rack.messages_agreed());
    rack.finish();
    end
}
