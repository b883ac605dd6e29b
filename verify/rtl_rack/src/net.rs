//! The links of the RTL rack in each cycle: what the sending MACs put on them, each frame's
//! fate under the fault state (drawn from the rack's seeded generator, in host order, when
//! the frame's first byte arrives), and the frame counts.

use crate::links::{corruption, Edge, Fate, Gmii, Link, DATA_START, SOURCE_END};
use crate::rack::RtlRack;
use exo_proto::fcs::append_fcs;
use exo_proto::wire::{host_mac, Frame};
use exo_proto::HostId;

/// A forged frame on a host's uplink (a test of the accept rule, see [`RtlRack::forge_after`]).
#[derive(Debug, Clone, Default)]
pub(crate) enum Forge {
    #[default]
    Idle,
    /// Waiting for the host's next frame to end.
    Armed,
    /// Sending these GMII bytes, after `gap` idle cycles.
    Sending { gmii: Vec<u8>, pos: usize, gap: u32 },
}

/// The frame a host would have to send right after `sent` to claim the next position with
/// itself still in the history: the same sender, seq + 1, the history every host holds after
/// accepting `sent` — which contains the sender, so every correct engine refuses it.
fn forged_after(sent: &Frame, h: usize) -> Option<Vec<u8>> {
    let mut history = vec![sent.sender];
    history.extend(sent.history.iter().copied());
    history.truncate(h);
    let forged = Frame {
        seq: sent.seq + 1,
        history,
        payload: Vec::new(),
        ..sent.clone()
    };
    let mut gmii = vec![0x55; 7];
    gmii.push(0xd5);
    gmii.extend(append_fcs(&forged.encode().ok()?));
    Some(gmii)
}

impl RtlRack {
    /// Samples every link's sending MAC and puts this cycle's bytes on the wires.
    pub(crate) fn carry_links(&mut self) {
        let mut fabric_frame = None;
        for i in 0..self.n_hosts() {
            let (up, down) = self.core.borrow().link_inputs(i);
            self.carry_up(i, up);
            self.carry_down(i, down, &mut fabric_frame);
        }
    }

    fn n_hosts(&self) -> usize {
        self.spec.hosts
    }

    /// After host `id`'s next frame, a forged frame follows on its uplink: `id` claiming the
    /// next position with itself in the history (see `forged_after`). A correct engine rejects
    /// it (`sender-in-history`); an engine built without that check accepts it, and the
    /// comparison with its model must say so.
    pub fn forge_after(&mut self, id: HostId) {
        if let Some(f) = self.forge.get_mut(id.index()) {
            *f = Forge::Armed;
        }
    }

    /// The byte on host `i`'s uplink: its MAC's, or a forged frame's.
    fn uplink_byte(&mut self, i: usize, mac: Gmii, ended: Option<&[u8]>) -> Gmii {
        if let (Forge::Armed, Some(sent)) = (&self.forge[i], ended) {
            let h = self.cfg.cluster.h();
            let body = sent.get(DATA_START..sent.len().saturating_sub(4));
            let frame = body.and_then(|b| Frame::decode(b).ok());
            self.forge[i] = match frame.and_then(|f| forged_after(&f, h)) {
                Some(gmii) => Forge::Sending {
                    gmii,
                    pos: 0,
                    gap: 12,
                },
                None => Forge::Armed,
            };
        }
        let Forge::Sending { gmii, pos, gap } = &mut self.forge[i] else {
            return mac;
        };
        if mac.en {
            // The host sends again: the forgery gives way (and is dropped).
            self.forge[i] = Forge::Idle;
            return mac;
        }
        if *gap > 0 {
            *gap -= 1;
            return mac;
        }
        let byte = Gmii {
            data: gmii[*pos],
            en: true,
            er: false,
        };
        *pos += 1;
        if *pos == gmii.len() {
            self.forge[i] = Forge::Idle;
        }
        byte
    }

    fn carry_up(&mut self, i: usize, mac: Gmii) {
        let mut link = std::mem::take(&mut self.core.borrow_mut().up[i]);
        let ended = (!mac.en && link.sending()).then(|| link.bytes.clone());
        let g = self.uplink_byte(i, mac, ended.as_deref());
        match link.sample(g) {
            Edge::Start => {
                self.stats.sent += 1;
                let fate = if self.rng.chance(self.faults.uplink_loss[i]) {
                    self.stats.lost_uplink += 1;
                    Fate::Lose
                } else if self.rng.chance(self.faults.uplink_corrupt[i]) {
                    self.stats.fcs_errors += 1;
                    Fate::Corrupt(corruption(&mut self.rng))
                } else {
                    Fate::Pass
                };
                link.set_fate(fate);
            }
            Edge::End => {
                // A frame the fabric never forwards is done at once.
                let lost = !matches!(link.fate(), Some(Fate::Pass));
                let intact = crate::tracker::frame_id(&link.bytes).is_some();
                if lost || !intact {
                    self.tracker.never_broadcast(&link.bytes);
                }
            }
            _ => {}
        }
        link.carry(g);
        self.core.borrow_mut().up[i] = link;
    }

    fn carry_down(&mut self, i: usize, g: Gmii, fabric_frame: &mut Option<u64>) {
        let mut link = std::mem::take(&mut self.core.borrow_mut().down[i]);
        match link.sample(g) {
            Edge::Start => {
                let k = *fabric_frame.get_or_insert_with(|| self.tracker.start());
                self.down_fate(i, k, &mut link);
            }
            Edge::Inside if link.bytes.len() == SOURCE_END => self.partition(i, &mut link),
            Edge::End if i == 0 => {
                if let Some(k) = self.tracker.current() {
                    self.tracker.ended(k, &link.bytes);
                }
            }
            _ => {}
        }
        link.carry(g);
        self.core.borrow_mut().down[i] = link;
    }

    /// A frame leaves the fabric towards host `i`: lost, dropped, corrupted or passed.
    fn down_fate(&mut self, i: usize, k: u64, link: &mut Link) {
        let live = self.core.borrow().lanes[i].live;
        let fate = if self.faults.drop_next[i] > 0 {
            self.faults.drop_next[i] -= 1;
            self.stats.dropped_scripted += 1;
            self.majority_dirty = true;
            Fate::Lose
        } else if self.rng.chance(self.faults.downlink_loss[i]) {
            self.stats.lost_downlink += 1;
            Fate::Lose
        } else if self.rng.chance(self.faults.downlink_corrupt[i]) {
            if live {
                self.stats.fcs_errors += 1;
            }
            Fate::Corrupt(corruption(&mut self.rng))
        } else {
            Fate::Pass
        };
        if fate != Fate::Lose && live {
            let corrupted = matches!(fate, Fate::Corrupt(_));
            self.tracker.receiver(k, i, corrupted);
            self.core.borrow_mut().lanes[i].tags.push_back(k);
        }
        link.set_fate(fate);
    }

    /// The frame's source address is known: a partition cuts the rest of it.
    fn partition(&mut self, i: usize, link: &mut Link) {
        if link.fate() == Some(&Fate::Lose) {
            return;
        }
        let Some(src) = self.sender_of(&link.bytes) else {
            return;
        };
        if !self.faults.reaches(src, HostId(i as u8)) {
            self.stats.blocked_by_partition += 1;
            link.cut();
        }
    }

    /// The host whose MAC address a frame carries (bytes 6..12 after the SFD).
    fn sender_of(&self, gmii: &[u8]) -> Option<HostId> {
        let src = gmii.get(SOURCE_END - 6..SOURCE_END)?;
        let cluster = self.cfg.cluster.cluster;
        (0..self.n_hosts())
            .map(|i| HostId(i as u8))
            .find(|&h| host_mac(cluster, h) == src)
    }
}
