//! The append-only log a host keeps, with its agreement pointer.

use crate::HostId;

/// One accepted message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Hash)]
pub struct Entry {
    pub seq: u64,
    pub epoch: u32,
    pub sender: HostId,
    pub payload: Vec<u8>,
}

/// Entries `0..len()` in sequence order; the first `agreed()` of them are agreed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Log {
    entries: Vec<Entry>,
    agreed: u64,
}

impl Log {
    pub fn new() -> Log {
        Log::default()
    }

    /// Number of entries; also the sequence number the next entry will have.
    pub fn len(&self) -> u64 {
        self.entries.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, seq: u64) -> Option<&Entry> {
        usize::try_from(seq).ok().and_then(|i| self.entries.get(i))
    }

    /// Number of agreed entries: entries `0..agreed()` will never change.
    pub fn agreed(&self) -> u64 {
        self.agreed
    }

    /// The agreed prefix, as delivered to the application.
    pub fn agreed_entries(&self) -> &[Entry] {
        &self.entries[..self.agreed as usize]
    }

    /// Appended but not yet agreed entries (visible to the application separately).
    pub fn tentative_entries(&self) -> &[Entry] {
        &self.entries[self.agreed as usize..]
    }

    pub(crate) fn append(&mut self, entry: Entry) {
        debug_assert_eq!(entry.seq, self.len(), "the log is append-only and dense");
        self.entries.push(entry);
    }

    /// Drops the entries from position `len` on; agreed entries are never dropped.
    pub(crate) fn truncate(&mut self, len: u64) {
        let keep = len.max(self.agreed) as usize;
        self.entries.truncate(keep);
    }

    /// Moves the agreement pointer forward to `agreed` entries; never backwards.
    pub(crate) fn agree_through(&mut self, agreed: u64) {
        debug_assert!(agreed <= self.len());
        self.agreed = self.agreed.max(agreed.min(self.len()));
    }

    /// Senders of the (up to) `h` entries before `seq`, newest first: the history a message at
    /// `seq` carried when it was accepted.
    pub fn history_before(&self, seq: u64, h: usize) -> Vec<HostId> {
        let end = (seq.min(self.len())) as usize;
        let start = end.saturating_sub(h);
        self.entries[start..end]
            .iter()
            .rev()
            .map(|e| e.sender)
            .collect()
    }
}
