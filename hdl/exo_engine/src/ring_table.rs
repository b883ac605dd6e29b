//! `RingTable`: the ring of the current epoch — who is a member, each member's position and
//! its successor — loaded by the host software at every epoch change.
//!
//! A 256-bit member bitmap answers "is the sender a member?" in one lookup; a 256 × 16 block
//! RAM holds, per id, its position in the ring and its successor (`{pos, next}`), read with
//! one cycle of latency. After `reset` the table rewrites the boot ring (every host id in id
//! order) into the RAM, one entry per cycle, and reports `busy` for those n cycles. The
//! commands (`clear`, `wr`, `set_len`) are registered and take effect at the second edge after
//! they are presented.

use exo_hdl_common::sync_ram::SyncRam;
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct RingTable {
    // ---- Clock and commands
    pub clock: Signal<In, Clock>,
    /// Synchronous: load the boot ring (takes n cycles, `busy` meanwhile). The engine pulses
    /// it at power-up: registers start at zero.
    pub reset: Signal<In, Bit>,
    /// Pulse: forget every member (the RAM keeps its words; only members count).
    pub clear: Signal<In, Bit>,
    /// Pulse: make `wr_id` a member at ring position `wr_pos` with successor `wr_next`.
    pub wr: Signal<In, Bit>,
    pub wr_id: Signal<In, Bits<8>>,
    pub wr_pos: Signal<In, Bits<8>>,
    pub wr_next: Signal<In, Bits<8>>,
    /// Pulse: the ring has `len_in` members (1..=256).
    pub set_len: Signal<In, Bit>,
    pub len_in: Signal<In, Bits<9>>,
    // ---- Lookup (answers the id of two cycles before: the RAM's read and an output
    // register, which keeps the block RAM's slow output out of the core's paths)
    pub lookup_id: Signal<In, Bits<8>>,
    pub lookup_pos: Signal<Out, Bits<8>>,
    pub lookup_next: Signal<Out, Bits<8>>,
    // ---- State
    pub members: Signal<Out, Bits<256>>,
    pub len: Signal<Out, Bits<9>>,
    /// This host's position in the ring (meaningful when it is a member).
    pub own_pos: Signal<Out, Bits<8>>,
    pub busy: Signal<Out, Bit>,
    // ---- Internals
    /// `{pos, next}` per id. A `SyncRam` (no read-write collision logic between the RAM and
    /// `pos_r`/`next_r`): the table is written only at boot, which the engine waits out
    /// (`busy`), and by ring writes, which the control port accepts only while the engine is
    /// not running and which it completes before it takes the next request; no lookup of an
    /// id in the cycle it is written is used.
    ram: SyncRam<16, 8>,
    pos_r: DFF<Bits<8>>,
    next_r: DFF<Bits<8>>,
    members_r: DFF<Bits<256>>,
    len_r: DFF<Bits<9>>,
    own_pos_r: DFF<Bits<8>>,
    init_r: DFF<Bit>,
    init_id: DFF<Bits<8>>,
    /// The commands, registered on entry and applied a cycle later: the control port's
    /// decoding ends here, not at the 256-bit bitmap.
    clear_r: DFF<Bit>,
    wr_r: DFF<Bit>,
    wr_id_r: DFF<Bits<8>>,
    wr_pos_r: DFF<Bits<8>>,
    wr_next_r: DFF<Bits<8>>,
    set_len_r: DFF<Bit>,
    len_in_r: DFF<Bits<9>>,
    host_id: Constant<Bits<8>>,
    /// n − 1: the last boot member.
    last_id: Constant<Bits<8>>,
    boot_members: Constant<Bits<256>>,
    boot_len: Constant<Bits<9>>,
}

impl RingTable {
    /// The table of host `host_id` in a cluster of `hosts` (1..=256).
    pub fn new(hosts: usize, host_id: u8) -> RingTable {
        assert!((1..=256).contains(&hosts) && usize::from(host_id) < hosts);
        let mut boot = Bits::<256>::default();
        for i in 0..hosts {
            boot = boot.replace_bit(i, true);
        }
        RingTable {
            clock: Default::default(),
            reset: Default::default(),
            clear: Default::default(),
            wr: Default::default(),
            wr_id: Default::default(),
            wr_pos: Default::default(),
            wr_next: Default::default(),
            set_len: Default::default(),
            len_in: Default::default(),
            lookup_id: Default::default(),
            lookup_pos: Default::default(),
            lookup_next: Default::default(),
            members: Default::default(),
            len: Default::default(),
            own_pos: Default::default(),
            busy: Default::default(),
            ram: Default::default(),
            clear_r: Default::default(),
            wr_r: Default::default(),
            wr_id_r: Default::default(),
            wr_pos_r: Default::default(),
            wr_next_r: Default::default(),
            set_len_r: Default::default(),
            len_in_r: Default::default(),
            pos_r: Default::default(),
            next_r: Default::default(),
            members_r: Default::default(),
            len_r: Default::default(),
            own_pos_r: Default::default(),
            init_r: Default::default(),
            init_id: Default::default(),
            host_id: Constant::new((host_id as u64).to_bits()),
            last_id: Constant::new(((hosts - 1) as u64).to_bits()),
            boot_members: Constant::new(boot),
            boot_len: Constant::new((hosts as u64).to_bits()),
        }
    }
}

impl Logic for RingTable {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, members_r, len_r, own_pos_r, init_r, init_id, pos_r, next_r, clear_r,
            wr_r, wr_id_r, wr_pos_r, wr_next_r, set_len_r, len_in_r
        );
        self.clear_r.d.next = self.clear.val();
        self.wr_r.d.next = self.wr.val();
        self.wr_id_r.d.next = self.wr_id.val();
        self.wr_pos_r.d.next = self.wr_pos.val();
        self.wr_next_r.d.next = self.wr_next.val();
        self.set_len_r.d.next = self.set_len.val();
        self.len_in_r.d.next = self.len_in.val();
        self.ram.read_clock.next = self.clock.val();
        self.ram.write_clock.next = self.clock.val();
        self.ram.read_address.next = self.lookup_id.val();
        self.pos_r.d.next = self.ram.read_data.val().get_bits::<8>(8);
        self.next_r.d.next = self.ram.read_data.val().get_bits::<8>(0);
        self.lookup_pos.next = self.pos_r.q.val();
        self.lookup_next.next = self.next_r.q.val();
        self.members.next = self.members_r.q.val();
        self.len.next = self.len_r.q.val();
        self.own_pos.next = self.own_pos_r.q.val();
        self.busy.next = self.init_r.q.val();
        // Default write: the control port's entry.
        self.ram.write_enable.next = false;
        self.ram.write_address.next = self.wr_id_r.q.val();
        self.ram.write_data.next = (bit_cast::<16, 8>(self.wr_pos_r.q.val()) << 8)
            | bit_cast::<16, 8>(self.wr_next_r.q.val());
        if self.reset.val() {
            self.clear_r.d.next = false;
            self.wr_r.d.next = false;
            self.set_len_r.d.next = false;
            self.init_r.d.next = true;
            self.init_id.d.next = 0.into();
            self.members_r.d.next = self.boot_members.val();
            self.len_r.d.next = self.boot_len.val();
            self.own_pos_r.d.next = self.host_id.val();
        } else if self.init_r.q.val() {
            // Boot ring: id i at position i, followed by i + 1 (the last by 0).
            self.ram.write_enable.next = true;
            self.ram.write_address.next = self.init_id.q.val();
            self.ram.write_data.next = (bit_cast::<16, 8>(self.init_id.q.val()) << 8)
                | bit_cast::<16, 8>(self.init_id.q.val() + 1);
            if self.init_id.q.val() == self.last_id.val() {
                self.ram.write_data.next = bit_cast::<16, 8>(self.init_id.q.val()) << 8;
                self.init_r.d.next = false;
            }
            self.init_id.d.next = self.init_id.q.val() + 1;
        } else {
            if self.clear_r.q.val() {
                self.members_r.d.next = 0.into();
            }
            if self.wr_r.q.val() {
                self.ram.write_enable.next = true;
                self.members_r.d.next = self
                    .members_r
                    .q
                    .val()
                    .replace_bit(self.wr_id_r.q.val().index(), true);
                if self.wr_id_r.q.val() == self.host_id.val() {
                    self.own_pos_r.d.next = self.wr_pos_r.q.val();
                }
            }
            if self.set_len_r.q.val() {
                self.len_r.d.next = self.len_in_r.q.val();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exo_hdl_common::sim::{cycle, settle, test_seed};
    use exo_proto::model::Ring;
    use exo_proto::rng::Rng;
    use exo_proto::HostId;

    fn clock(t: &mut RingTable) -> &mut Signal<In, Clock> {
        &mut t.clock
    }

    fn step(t: &mut RingTable) {
        settle(t);
        cycle(t, clock);
    }

    fn booted(hosts: usize, id: u8) -> RingTable {
        let mut t = RingTable::new(hosts, id);
        t.connect_all();
        t.reset.next = true;
        step(&mut t);
        t.reset.next = false;
        let mut cycles = 0;
        while t.busy.val() {
            step(&mut t);
            cycles += 1;
            assert!(cycles <= 256, "boot ring load does not end");
        }
        assert_eq!(cycles, hosts, "one cycle per boot member");
        t
    }

    /// Checks every id against the model ring: membership, position, successor.
    fn assert_matches(t: &mut RingTable, ring: &Ring, host: u8, what: &str) {
        assert_eq!(t.len.val().index(), ring.len(), "{what}: len");
        for id in 0..=255u8 {
            let member = ring.contains(HostId(id));
            assert_eq!(
                t.members.val().get_bit(id as usize),
                member,
                "{what}: member {id}"
            );
            if !member {
                continue;
            }
            t.lookup_id.next = (id as u64).to_bits();
            step(t);
            step(t);
            let pos = ring.distance(ring.members()[0], HostId(id)).unwrap();
            assert_eq!(t.lookup_pos.val().index(), pos, "{what}: pos of {id}");
            let next = ring.successor(HostId(id)).unwrap().0;
            assert_eq!(
                t.lookup_next.val().index(),
                next as usize,
                "{what}: next of {id}"
            );
        }
        if let Some(pos) = ring.distance(ring.members()[0], HostId(host)) {
            assert_eq!(t.own_pos.val().index(), pos, "{what}: self position");
        }
    }

    fn load(t: &mut RingTable, ring: &Ring) {
        t.clear.next = true;
        t.set_len.next = true;
        t.len_in.next = (ring.len() as u64).to_bits();
        step(t);
        t.clear.next = false;
        t.set_len.next = false;
        for (pos, id) in ring.members().iter().enumerate() {
            t.wr.next = true;
            t.wr_id.next = (id.0 as u64).to_bits();
            t.wr_pos.next = (pos as u64).to_bits();
            t.wr_next.next = (ring.successor(*id).unwrap().0 as u64).to_bits();
            step(t);
        }
        t.wr.next = false;
        step(t);
    }

    #[test]
    fn boots_with_every_host_in_id_order() {
        for (n, id) in [(1, 0), (2, 1), (5, 3), (256, 255)] {
            let mut t = booted(n, id);
            let ring = Ring::new((0..n).map(|i| HostId(i as u8)).collect());
            assert_matches(&mut t, &ring, id, &format!("boot n={n}"));
        }
    }

    #[test]
    fn loads_rings_the_host_software_chooses() {
        let seed = test_seed("ring_table", 0x5249);
        let mut rng = Rng::new(seed);
        for round in 0..20 {
            let n = rng.range(1, 256) as usize;
            let host = rng.range(0, n as u64 - 1) as u8;
            let mut t = booted(n, host);
            for epoch in 0..3 {
                let mut ids: Vec<HostId> = (0..n).map(|i| HostId(i as u8)).collect();
                rng.shuffle(&mut ids);
                ids.truncate(rng.range(1, n as u64) as usize);
                let ring = Ring::new(ids);
                load(&mut t, &ring);
                assert_matches(
                    &mut t,
                    &ring,
                    host,
                    &format!("round {round} epoch {epoch} n={n}"),
                );
            }
        }
    }

    #[test]
    fn ring_table_is_synthesizable() {
        let stats = exo_hdl_common::check_synthesizable(&mut RingTable::new(256, 3), "ring_table")
            .expect("yosys synth_ecp5");
        assert!(stats.ff >= 256, "member bitmap in flip-flops: {stats}");
    }
}
