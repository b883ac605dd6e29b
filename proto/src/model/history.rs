//! The history: senders of the last `h` accepted messages, newest first.
//!
//! Membership is answered in O(1) from a per-id count kept alongside the window, which is what
//! the engine's bitmap does in hardware. Counts (not bits) keep the answer exact even in the
//! deliberately broken variant that skips the `sender ∉ history` check and so lets ids repeat.

use crate::wire::MAX_HOSTS;
use crate::HostId;
use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct History {
    /// Newest first; at most `capacity` ids.
    window: VecDeque<HostId>,
    capacity: usize,
    occurrences: Vec<u16>,
}

impl History {
    /// An empty history that will hold up to `capacity` (= h) ids.
    pub fn new(capacity: usize) -> History {
        History {
            window: VecDeque::with_capacity(capacity + 1),
            capacity,
            occurrences: vec![0; MAX_HOSTS],
        }
    }

    /// Shifts `sender` in as the newest id; the oldest leaves once the window is full.
    pub fn push(&mut self, sender: HostId) {
        if self.capacity == 0 {
            return;
        }
        self.window.push_front(sender);
        self.occurrences[sender.index()] += 1;
        if self.window.len() > self.capacity {
            if let Some(old) = self.window.pop_back() {
                self.occurrences[old.index()] -= 1;
            }
        }
    }

    pub fn contains(&self, id: HostId) -> bool {
        self.occurrences[id.index()] > 0
    }

    /// True if the window holds exactly `ids`, newest first.
    pub fn matches(&self, ids: &[HostId]) -> bool {
        self.window.len() == ids.len() && self.window.iter().eq(ids.iter())
    }

    pub fn to_vec(&self) -> Vec<HostId> {
        self.window.iter().copied().collect()
    }

    pub fn len(&self) -> usize {
        self.window.len()
    }

    pub fn is_empty(&self) -> bool {
        self.window.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_h_ids() {
        let mut h = History::new(2);
        assert!(h.matches(&[]));
        h.push(HostId(1));
        assert!(h.matches(&[HostId(1)]));
        h.push(HostId(2));
        h.push(HostId(3));
        assert!(h.matches(&[HostId(3), HostId(2)]));
        assert!(!h.contains(HostId(1)));
        assert!(h.contains(HostId(2)) && h.contains(HostId(3)));
    }

    #[test]
    fn counts_repeated_ids_exactly() {
        let mut h = History::new(2);
        h.push(HostId(5));
        h.push(HostId(5));
        h.push(HostId(6));
        assert!(
            h.contains(HostId(5)),
            "one copy of 5 is still in the window"
        );
        h.push(HostId(6));
        assert!(!h.contains(HostId(5)));
    }

    #[test]
    fn zero_capacity_stays_empty() {
        let mut h = History::new(0);
        h.push(HostId(0));
        assert!(h.is_empty() && !h.contains(HostId(0)));
    }
}
