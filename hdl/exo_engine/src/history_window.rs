//! `HistoryWindow`: the last h accepted senders, newest first, with O(1) membership.
//!
//! The ids live in a ring of distributed RAM (LUTs: its data feeds logic in the cycle it is
//! read), the newest at address `newest` and entry i of the window (i = 0 newest) at
//! `newest − i`. Addresses are 8 bits outside; the RAM uses their low 7, which is enough
//! because a window holds at most 128 ids (and halves the RAM's read multiplexer). Beside
//! it, a 256-bit bitmap says which ids are in the window, so the accept rule's
//! `sender ∉ history` is one bit lookup whatever h is. The accept rule keeps the ids of a
//! window distinct, so a bit per id is enough.
//!
//! The bitmap follows a command two cycles after everything else (the command is registered,
//! decoded into one-hot masks, then applied): it is read only for the next frame's sender,
//! which arrives tens of cycles later. The one bit the transmit decision needs at once, this
//! host's, is kept beside it as `holds_own`, updated with `len` and `newest`.
//!
//! Five copies of the ring give five read ports: port A serves the receive path's history
//! comparison; port A2 serves the same comparison one entry further on (the receive path
//! reads both the entry it is at and the next, and picks with a register instead of
//! steering the address with its input's `valid`); ports B and B2 serve the transmit path in
//! the same way (B also the control port); port O reads the oldest id at all times (for a
//! repair's eviction). No port's address is multiplexed between users by a signal from
//! another block, which keeps those signals off the RAMs' read paths. All reads are
//! registered: data for an address arrives the next cycle.
//!
//! A push into a full window evicts `evict_id`, which the caller supplies from a register:
//! for an accepted frame it is the frame's last history id (the frame's history equals the
//! window, so its last id is the oldest); for a repaired entry it is `oldest`, the id port O
//! reads, registered. `oldest` is valid once no push has happened for three cycles; the
//! protocol core spaces its control operations accordingly.
//! Reading the eviction from registers keeps the block RAM's slow output out of the bitmap's
//! update path.

use exo_hdl_common::lutram::LutRam;
use rust_hdl::prelude::*;

/// Address bits of the RAM: 2^7 = 128 entries, the largest window.
const RING_BITS: usize = 7;

#[derive(LogicBlock)]
pub struct HistoryWindow {
    // ---- Clock and commands
    pub clock: Signal<In, Clock>,
    /// Synchronous: empty window.
    pub reset: Signal<In, Bit>,
    /// Pulse: shift `push_id` in as the newest id; the oldest leaves once h ids are held.
    pub push: Signal<In, Bit>,
    pub push_id: Signal<In, Bits<8>>,
    /// The id a push into a full window evicts (the oldest).
    pub evict_id: Signal<In, Bits<8>>,
    /// Pulse: empty the window (an epoch starts). Takes priority over `push`.
    pub clear: Signal<In, Bit>,
    // ---- State
    /// Ids held, 0..=h.
    pub len: Signal<Out, Bits<8>>,
    /// RAM address of the newest id.
    pub newest: Signal<Out, Bits<8>>,
    /// Bit i set: id i is in the window. It follows a push or a clear two cycles after the
    /// other outputs (see the module's timing note).
    pub bitmap: Signal<Out, Bits<256>>,
    /// This host's id is in the window; follows every command at once.
    pub holds_own: Signal<Out, Bit>,
    /// The oldest id, registered (see the module's timing note).
    pub oldest: Signal<Out, Bits<8>>,
    // ---- Read port A (receive comparison)
    /// RAM address to read (entry i of the window is at `newest − i`).
    pub a_addr: Signal<In, Bits<8>>,
    /// Registered: the id read for the previous cycle's address.
    pub a_data: Signal<Out, Bits<8>>,
    // ---- Read port A2 (receive comparison, the entry after port A's)
    pub a2_addr: Signal<In, Bits<8>>,
    pub a2_data: Signal<Out, Bits<8>>,
    // ---- Read port B (transmit)
    pub b_addr: Signal<In, Bits<8>>,
    pub b_data: Signal<Out, Bits<8>>,
    pub b2_addr: Signal<In, Bits<8>>,
    pub b2_data: Signal<Out, Bits<8>>,
    // ---- Internals
    ram_a: LutRam<Bits<8>, RING_BITS>,
    ram_a2: LutRam<Bits<8>, RING_BITS>,
    ram_b: LutRam<Bits<8>, RING_BITS>,
    ram_b2: LutRam<Bits<8>, RING_BITS>,
    ram_o: LutRam<Bits<8>, RING_BITS>,
    newest_r: DFF<Bits<8>>,
    /// Address of the oldest id (`newest − len + 1`), kept as a register: port O's address.
    /// It starts at 1 (`newest` 0, `len` 0).
    oldest_addr: DFFWithInit<Bits<8>>,
    len_r: DFF<Bits<8>>,
    bits_r: DFF<Bits<256>>,
    oldest_r: DFF<Bits<8>>,
    own_r: DFF<Bit>,
    // The bitmap's update pipeline: the command registered (stage A), decoded into one-hot
    // masks (stage B), applied. Every stage's logic is small and its inputs are registers,
    // which is what lets 256 flip-flops spread over the die meet timing.
    a_push: DFF<Bit>,
    a_clear: DFF<Bit>,
    a_full: DFF<Bit>,
    a_push_id: DFF<Bits<8>>,
    a_evict_id: DFF<Bits<8>>,
    b_push: DFF<Bit>,
    b_clear: DFF<Bit>,
    b_set: DFF<Bits<256>>,
    b_drop: DFF<Bits<256>>,
    host_id: Constant<Bits<8>>,
    /// The empty bitmap, which the masks start from.
    no_ids: Constant<Bits<256>>,
    /// h.
    capacity: Constant<Bits<8>>,
    write_addr: Signal<Local, Bits<8>>,
}

impl HistoryWindow {
    /// A window of `h` ids (0..=128) on host `host_id`.
    pub fn new(h: usize, host_id: u8) -> HistoryWindow {
        assert!(h <= 128, "h = {h}: the history holds at most 128 ids");
        HistoryWindow {
            clock: Default::default(),
            reset: Default::default(),
            push: Default::default(),
            push_id: Default::default(),
            evict_id: Default::default(),
            clear: Default::default(),
            len: Default::default(),
            newest: Default::default(),
            bitmap: Default::default(),
            holds_own: Default::default(),
            oldest: Default::default(),
            a_addr: Default::default(),
            a_data: Default::default(),
            a2_addr: Default::default(),
            a2_data: Default::default(),
            b_addr: Default::default(),
            b_data: Default::default(),
            b2_addr: Default::default(),
            b2_data: Default::default(),
            ram_a: Default::default(),
            ram_a2: Default::default(),
            ram_b: Default::default(),
            ram_b2: Default::default(),
            ram_o: Default::default(),
            newest_r: Default::default(),
            oldest_addr: DFFWithInit::new(1.into()),
            len_r: Default::default(),
            bits_r: Default::default(),
            oldest_r: Default::default(),
            own_r: Default::default(),
            a_push: Default::default(),
            a_clear: Default::default(),
            a_full: Default::default(),
            a_push_id: Default::default(),
            a_evict_id: Default::default(),
            b_push: Default::default(),
            b_clear: Default::default(),
            b_set: Default::default(),
            b_drop: Default::default(),
            host_id: Constant::new((u64::from(host_id)).to_bits()),
            no_ids: Constant::new(Bits::<256>::default()),
            capacity: Constant::new((h as u64).to_bits()),
            write_addr: Default::default(),
        }
    }
}

impl Logic for HistoryWindow {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            newest_r,
            oldest_addr,
            len_r,
            bits_r,
            oldest_r,
            own_r,
            a_push,
            a_clear,
            a_full,
            a_push_id,
            a_evict_id,
            b_push,
            b_clear,
            b_set,
            b_drop
        );
        self.ram_a.read_clock.next = self.clock.val();
        self.ram_a.write_clock.next = self.clock.val();
        self.ram_a2.read_clock.next = self.clock.val();
        self.ram_a2.write_clock.next = self.clock.val();
        self.ram_b.read_clock.next = self.clock.val();
        self.ram_b2.read_clock.next = self.clock.val();
        self.ram_b.write_clock.next = self.clock.val();
        self.ram_b2.write_clock.next = self.clock.val();
        self.ram_o.read_clock.next = self.clock.val();
        self.ram_o.write_clock.next = self.clock.val();
        self.len.next = self.len_r.q.val();
        self.newest.next = self.newest_r.q.val();
        self.bitmap.next = self.bits_r.q.val();
        self.holds_own.next = self.own_r.q.val();
        self.write_addr.next = self.newest_r.q.val() + 1;
        self.ram_a.read_address.next = bit_cast::<RING_BITS, 8>(self.a_addr.val());
        self.a_data.next = self.ram_a.read_data.val();
        self.ram_o.read_address.next = bit_cast::<RING_BITS, 8>(self.oldest_addr.q.val());
        self.oldest_r.d.next = self.ram_o.read_data.val();
        self.oldest.next = self.oldest_r.q.val();
        self.ram_a2.read_address.next = bit_cast::<RING_BITS, 8>(self.a2_addr.val());
        self.a2_data.next = self.ram_a2.read_data.val();
        self.ram_b.read_address.next = bit_cast::<RING_BITS, 8>(self.b_addr.val());
        self.b_data.next = self.ram_b.read_data.val();
        self.ram_b2.read_address.next = bit_cast::<RING_BITS, 8>(self.b2_addr.val());
        self.b2_data.next = self.ram_b2.read_data.val();
        // Writes happen only on a push into a window that holds anything.
        self.ram_a.write_enable.next = false;
        self.ram_a2.write_enable.next = false;
        self.ram_b.write_enable.next = false;
        self.ram_b2.write_enable.next = false;
        self.ram_o.write_enable.next = false;
        self.ram_a.write_address.next = bit_cast::<RING_BITS, 8>(self.write_addr.val());
        self.ram_a2.write_address.next = bit_cast::<RING_BITS, 8>(self.write_addr.val());
        self.ram_b.write_address.next = bit_cast::<RING_BITS, 8>(self.write_addr.val());
        self.ram_b2.write_address.next = bit_cast::<RING_BITS, 8>(self.write_addr.val());
        self.ram_o.write_address.next = bit_cast::<RING_BITS, 8>(self.write_addr.val());
        self.ram_a.write_data.next = self.push_id.val();
        self.ram_a2.write_data.next = self.push_id.val();
        self.ram_b.write_data.next = self.push_id.val();
        self.ram_b2.write_data.next = self.push_id.val();
        self.ram_o.write_data.next = self.push_id.val();
        // Stage A: the command as it came, and whether the window was full.
        self.a_push.d.next = false;
        self.a_clear.d.next = self.clear.val();
        self.a_full.d.next = self.len_r.q.val() == self.capacity.val();
        self.a_push_id.d.next = self.push_id.val();
        self.a_evict_id.d.next = self.evict_id.val();
        // Stage B: one-hot masks (a full window drops its oldest id).
        self.b_push.d.next = self.a_push.q.val();
        self.b_clear.d.next = self.a_clear.q.val();
        self.b_set.d.next = self
            .no_ids
            .val()
            .replace_bit(self.a_push_id.q.val().index(), true);
        self.b_drop.d.next = 0.into();
        if self.a_full.q.val() {
            self.b_drop.d.next = self
                .no_ids
                .val()
                .replace_bit(self.a_evict_id.q.val().index(), true);
        }
        // Applied.
        if self.b_clear.q.val() {
            self.bits_r.d.next = 0.into();
        } else if self.b_push.q.val() {
            self.bits_r.d.next = (self.bits_r.q.val() & !self.b_drop.q.val()) | self.b_set.q.val();
        }
        // Everything else follows the command at once.
        if self.reset.val() | self.clear.val() {
            self.len_r.d.next = 0.into();
            self.oldest_addr.d.next = self.write_addr.val();
            self.own_r.d.next = false;
        } else if self.push.val() & self.capacity.val().any() {
            self.ram_a.write_enable.next = true;
            self.ram_a2.write_enable.next = true;
            self.ram_b.write_enable.next = true;
            self.ram_b2.write_enable.next = true;
            self.ram_o.write_enable.next = true;
            self.newest_r.d.next = self.write_addr.val();
            self.a_push.d.next = true;
            if self.len_r.q.val() != self.capacity.val() {
                self.len_r.d.next = self.len_r.q.val() + 1;
                self.own_r.d.next = self.own_r.q.val() | (self.push_id.val() == self.host_id.val());
            } else {
                self.oldest_addr.d.next = self.oldest_addr.q.val() + 1;
                self.own_r.d.next = (self.own_r.q.val()
                    & (self.evict_id.val() != self.host_id.val()))
                    | (self.push_id.val() == self.host_id.val());
            }
        }
        if self.reset.val() {
            self.bits_r.d.next = 0.into();
            self.a_push.d.next = false;
            self.a_clear.d.next = false;
            self.b_push.d.next = false;
            self.b_clear.d.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exo_hdl_common::sim::{cycle, settle, test_seed};
    use exo_proto::model::History;
    use exo_proto::rng::Rng;
    use exo_proto::HostId;

    fn clock(w: &mut HistoryWindow) -> &mut Signal<In, Clock> {
        &mut w.clock
    }

    /// The host whose id `holds_own` tracks in the tests (the random ids often include it).
    const OWN: u8 = 5;

    fn window(h: usize) -> HistoryWindow {
        let mut w = HistoryWindow::new(h, OWN);
        w.connect_all();
        settle(&mut w);
        w
    }

    /// The window's ids read through port A (index) and port B (address), newest first.
    fn read_both(w: &mut HistoryWindow) -> (Vec<u8>, Vec<u8>) {
        let len = w.len.val().index();
        let newest = w.newest.val();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..len {
            w.a_addr.next = newest - (i as u64);
            w.b_addr.next = newest - (i as u64);
            settle(w);
            cycle(w, clock);
            a.push(w.a_data.val().index() as u8);
            b.push(w.b_data.val().index() as u8);
        }
        for _ in 0..3 {
            settle(w);
            cycle(w, clock);
        }
        (a, b)
    }

    fn bitmap_of(model: &History) -> Vec<bool> {
        (0..256).map(|i| model.contains(HostId(i as u8))).collect()
    }

    fn run(h: usize, seed: u64, steps: usize) {
        let mut rng = Rng::new(seed);
        let mut w = window(h);
        let mut model = History::new(h);
        for step in 0..steps {
            if rng.chance(0.02) {
                w.clear.next = true;
                model = History::new(h);
            } else {
                // The accept rule only admits senders outside the window.
                let id = loop {
                    let id = rng.range(0, 255) as u8;
                    if !model.contains(HostId(id)) {
                        break id;
                    }
                };
                w.push.next = true;
                w.push_id.next = (id as u64).to_bits();
                // Half the pushes evict through `oldest` (as repairs do), half through the
                // caller's id (as accepted frames do).
                if rng.chance(0.5) {
                    w.evict_id.next = w.oldest.val();
                } else {
                    let oldest = model.to_vec().last().map_or(0, |h| h.0);
                    w.evict_id.next = (oldest as u64).to_bits();
                }
                model.push(HostId(id));
            }
            settle(&mut w);
            cycle(&mut w, clock);
            w.push.next = false;
            w.clear.next = false;
            settle(&mut w);
            cycle(&mut w, clock);
            settle(&mut w);
            cycle(&mut w, clock);
            settle(&mut w);
            cycle(&mut w, clock);
            assert_eq!(w.len.val().index(), model.len(), "h {h} step {step}");
            assert_eq!(
                w.holds_own.val(),
                model.contains(HostId(OWN)),
                "h {h} step {step}: holds_own"
            );
            let bits: Vec<bool> = (0..256).map(|i| w.bitmap.val().get_bit(i)).collect();
            assert_eq!(bits, bitmap_of(&model), "h {h} step {step}: bitmap");
            if rng.chance(0.1) || step + 1 == steps {
                let want: Vec<u8> = model.to_vec().iter().map(|id| id.0).collect();
                let (a, b) = read_both(&mut w);
                assert_eq!(a, want, "h {h} step {step}: port A");
                assert_eq!(b, want, "h {h} step {step}: port B");
            }
        }
    }

    #[test]
    fn matches_the_golden_history_for_every_window_size() {
        let seed = test_seed("history_window", 0x4157);
        for h in [0, 1, 2, 3, 7, 64, 127, 128] {
            run(h, seed ^ h as u64, 600);
        }
    }

    #[test]
    fn reset_empties_the_window() {
        let mut w = window(2);
        for id in [3u64, 9] {
            w.push.next = true;
            w.push_id.next = id.to_bits();
            settle(&mut w);
            cycle(&mut w, clock);
            w.push.next = false;
            settle(&mut w);
            cycle(&mut w, clock);
        }
        assert_eq!(w.len.val().index(), 2);
        w.reset.next = true;
        settle(&mut w);
        cycle(&mut w, clock);
        assert_eq!(w.len.val().index(), 0);
        assert!(!w.bitmap.val().any());
    }

    #[test]
    fn history_window_is_synthesizable() {
        let stats =
            exo_hdl_common::check_synthesizable(&mut HistoryWindow::new(128, 0), "history_window")
                .expect("yosys synth_ecp5");
        assert!(
            stats.ff >= 256 + 16,
            "bitmap and pointers in flip-flops: {stats}"
        );
    }
}
