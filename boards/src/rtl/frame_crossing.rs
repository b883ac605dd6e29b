//! `FrameCrossing`: whole frames from a PHY's receive clock to the engine's clock — the host
//! port's crossing, store and forward.
//!
//! Requests must not act before their FCS is checked (a corrupted WRITE must not reach the
//! control port), so this crossing hands on only whole, good frames: the writer puts bytes
//! into a dual-clock block RAM as they come and *commits* a frame at its last byte; a frame
//! flagged `error` (bad FCS, runt, oversize, PHY error) is taken back (`bad`), and so is one
//! that found the RAM full (`dropped`: the receive side cannot wait). The committed write
//! pointer crosses to the reader in Gray code through two flip-flops, the read pointer back
//! the same way; each side converts what it receives to binary into a register.
//!
//! The reader is first-word-fall-through with backpressure, as the fabric's `FrameBuffer`:
//! the register queue of `exo_hdl_common::read_queue` after the RAM's two-cycle read, so
//! `out` keeps `valid` high from a frame's first byte to its last whenever `ready` is.
//!
//! Latency: a frame's first byte is on `out` about 7 read edges after its last byte was
//! written (commit, crossing 3, conversion, RAM read 2). Parameters: `A` (address bits) and
//! `AP1` (= A + 1). Ports: `write_clock`, `inp` (in), `good`, `bad`, `dropped` (pulses,
//! write domain); `read_clock`, `out` (valid/ready; `error` always low).

use crate::rtl::gray_code::GrayToBinary;
use exo_hdl_common::block_ram::BlockRam;
use exo_hdl_common::read_queue::ReadQueue;
use exo_hdl_common::{FrameRxIn, FrameTxOut};
use rust_hdl::prelude::*;

/// The crossing (see the module documentation).
#[derive(LogicBlock)]
pub struct FrameCrossing<const A: usize, const AP1: usize> {
    // ---- Write side (the PHY's receive clock)
    pub write_clock: Signal<In, Clock>,
    pub inp: FrameRxIn,
    pub good: Signal<Out, Bit>,
    pub bad: Signal<Out, Bit>,
    pub dropped: Signal<Out, Bit>,
    // ---- Read side (the engine's clock)
    pub read_clock: Signal<In, Clock>,
    pub out: FrameTxOut,
    // ---- Storage: {last, data}
    ram: BlockRam<Bits<9>, A>,
    // ---- Write side state
    write_ptr: DFF<Bits<AP1>>,
    commit_ptr: DFF<Bits<AP1>>,
    commit_gray: DFF<Bits<AP1>>,
    dropping: DFF<Bit>,
    read_gray_1: DFF<Bits<AP1>>,
    read_gray_2: DFF<Bits<AP1>>,
    read_conv: GrayToBinary<AP1>,
    read_seen: DFF<Bits<AP1>>,
    /// The RAM had at most one free entry at the last edge (registered: see `update`).
    full: DFF<Bit>,
    commit_next: Signal<Local, Bits<AP1>>,
    // ---- Read side state
    read_ptr: DFF<Bits<AP1>>,
    read_gray: DFF<Bits<AP1>>,
    commit_gray_1: DFF<Bits<AP1>>,
    commit_gray_2: DFF<Bits<AP1>>,
    commit_conv: GrayToBinary<AP1>,
    commit_seen: DFF<Bits<AP1>>,
    read_next: Signal<Local, Bits<AP1>>,
    queue: ReadQueue,
    /// 2^A − 1.
    last_entry: Constant<Bits<AP1>>,
}

impl<const A: usize, const AP1: usize> Default for FrameCrossing<A, AP1> {
    fn default() -> Self {
        assert_eq!(AP1, A + 1, "AP1 must be A + 1");
        assert!((4..=14).contains(&A), "A = {A}: 16 to 16384 bytes");
        FrameCrossing {
            write_clock: Default::default(),
            inp: Default::default(),
            good: Default::default(),
            bad: Default::default(),
            dropped: Default::default(),
            read_clock: Default::default(),
            out: Default::default(),
            ram: Default::default(),
            write_ptr: Default::default(),
            commit_ptr: Default::default(),
            commit_gray: Default::default(),
            dropping: Default::default(),
            read_gray_1: Default::default(),
            read_gray_2: Default::default(),
            read_conv: Default::default(),
            read_seen: Default::default(),
            full: Default::default(),
            commit_next: Default::default(),
            read_ptr: Default::default(),
            read_gray: Default::default(),
            commit_gray_1: Default::default(),
            commit_gray_2: Default::default(),
            commit_conv: Default::default(),
            commit_seen: Default::default(),
            read_next: Default::default(),
            queue: Default::default(),
            last_entry: Constant::new(((1usize << A) - 1).to_bits()),
        }
    }
}

impl<const A: usize, const AP1: usize> Logic for FrameCrossing<A, AP1> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            write_clock,
            write_ptr,
            commit_ptr,
            commit_gray,
            dropping,
            read_gray_1,
            read_gray_2,
            read_seen,
            full
        );
        dff_setup!(
            self,
            read_clock,
            read_ptr,
            read_gray,
            commit_gray_1,
            commit_gray_2,
            commit_seen
        );
        self.ram.write_clock.next = self.write_clock.val();
        self.ram.read_clock.next = self.read_clock.val();
        self.queue.clock.next = self.read_clock.val();
        // ---- Write side: the reader's pointer, crossed and converted.
        self.read_gray_1.d.next = self.read_gray.q.val();
        self.read_gray_2.d.next = self.read_gray_1.q.val();
        self.read_conv.gray.next = self.read_gray_2.q.val();
        self.read_seen.d.next = self.read_conv.binary.val();
        // Registered, from the last edge's pointers: one byte may have been written since, so
        // "full" means one entry short of full (the RAM holds 2^A − 1 bytes of frames); a
        // stale read pointer only errs safe.
        self.full.d.next =
            (self.write_ptr.q.val() - self.read_seen.q.val()) >= self.last_entry.val();
        self.ram.write_address.next = self.write_ptr.q.val().get_bits::<A>(0);
        self.ram.write_data.next = bit_cast::<9, 8>(self.inp.data.val())
            | (bit_cast::<9, 1>(self.inp.last.val().into()) << 8);
        self.ram.write_enable.next = false;
        self.good.next = false;
        self.bad.next = false;
        self.dropped.next = false;
        self.commit_next.next = self.commit_ptr.q.val();
        if self.inp.valid.val() {
            if self.dropping.q.val() | self.full.q.val() {
                self.dropping.d.next = true;
                if self.inp.last.val() {
                    self.write_ptr.d.next = self.commit_ptr.q.val();
                    self.dropping.d.next = false;
                    self.dropped.next = true;
                }
            } else {
                self.ram.write_enable.next = true;
                self.write_ptr.d.next = self.write_ptr.q.val() + 1;
                if self.inp.last.val() {
                    if self.inp.error.val() {
                        self.write_ptr.d.next = self.commit_ptr.q.val();
                        self.bad.next = true;
                    } else {
                        self.commit_next.next = self.write_ptr.q.val() + 1;
                        self.good.next = true;
                    }
                }
            }
        }
        self.commit_ptr.d.next = self.commit_next.val();
        self.commit_gray.d.next = self.commit_next.val() ^ (self.commit_next.val() >> 1);
        // ---- Read side: the committed pointer, crossed and converted.
        self.commit_gray_1.d.next = self.commit_gray.q.val();
        self.commit_gray_2.d.next = self.commit_gray_1.q.val();
        self.commit_conv.gray.next = self.commit_gray_2.q.val();
        self.commit_seen.d.next = self.commit_conv.binary.val();
        // The RAM is read at `read_ptr` every cycle; the queue says when a read counts (a
        // committed beat is there and it has room) and takes the data.
        self.ram.read_address.next = self.read_ptr.q.val().get_bits::<A>(0);
        self.queue.available.next = self.read_ptr.q.val() != self.commit_seen.q.val();
        self.queue.ram_data.next = self.ram.read_data.val();
        self.read_next.next = self.read_ptr.q.val();
        if self.queue.issue.val() {
            self.read_next.next = self.read_ptr.q.val() + 1;
        }
        self.read_ptr.d.next = self.read_next.val();
        self.read_gray.d.next = self.read_next.val() ^ (self.read_next.val() >> 1);
        FrameTxOut::link(&mut self.out, &mut self.queue.out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtl::two_clocks::TwoClocks;

    /// Frames (random lengths, one in five flagged `error`) written at 8 ns, read at 7.9 ns
    /// by a reader whose `ready` is random: every good frame comes out whole and in order,
    /// no bad one does, and once a frame starts `valid` never drops while `ready` is high.
    #[test]
    fn good_frames_cross_whole_bad_ones_never() {
        let mut uut = FrameCrossing::<11, 12>::default();
        uut.connect_all();
        let mut clocks = TwoClocks::new(8_000, 7_900);
        let mut rng = 0x2545_f491_u32;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            rng
        };
        let mut stream: Vec<Option<(u8, bool, bool)>> = Vec::new();
        let mut want = Vec::new();
        for _ in 0..40 {
            let len = 60 + (next() % 700) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let bad = next() % 5 == 0;
            for (i, &b) in bytes.iter().enumerate() {
                stream.push(Some((b, i + 1 == len, bad)));
            }
            stream.extend(std::iter::repeat_n(None, 20));
            if !bad {
                want.push(bytes);
            }
        }
        stream.extend(std::iter::repeat_n(None, 4000));
        let (mut at, mut got, mut current) = (0usize, Vec::new(), Vec::new());
        let mut in_frame_ready_gap = 0;
        while at < stream.len() {
            let (w, r) = clocks.advance(&mut uut, |u| &mut u.write_clock, |u| &mut u.read_clock);
            if r {
                // Sampled after the edge: the handshake decided at this edge is the one set
                // before it (`ready`) with the outputs shown before it, recorded below.
                uut.out.ready.next = next() % 4 != 0;
                exo_hdl_common::sim::settle(&mut uut);
                if uut.out.ready.val() && !current.is_empty() && !uut.out.valid.val() {
                    in_frame_ready_gap += 1;
                }
                if uut.out.valid.val() && uut.out.ready.val() {
                    current.push(uut.out.data.val().to_u32() as u8);
                    if uut.out.last.val() {
                        got.push(std::mem::take(&mut current));
                    }
                }
            }
            if w {
                let beat = stream[at];
                uut.inp.valid.next = beat.is_some();
                uut.inp.data.next = u32::from(beat.map_or(0, |b| b.0)).to_bits();
                uut.inp.last.next = beat.is_some_and(|b| b.1);
                uut.inp.error.next = beat.is_some_and(|b| b.2);
                at += 1;
            }
        }
        assert_eq!(got, want);
        assert_eq!(in_frame_ready_gap, 0, "valid held from first byte to last");
    }

    #[test]
    fn frame_crossing_is_synthesizable() {
        let stats = exo_hdl_common::check_synthesizable(
            &mut FrameCrossing::<11, 12>::default(),
            "frame_crossing",
        )
        .expect("yosys synth_ecp5");
        assert_eq!(stats.dp16kd, 1, "{stats}");
    }
}
