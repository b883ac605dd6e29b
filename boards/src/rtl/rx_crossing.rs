//! `RxCrossing`: a receive stream from a PHY's receive clock to the engine's clock, cut
//! through — the Exo network port's crossing.
//!
//! The engine judges a frame at its last byte, so this crossing passes bytes on as they
//! come instead of holding whole frames: a 16-entry FIFO in distributed RAM whose write
//! pointer crosses to the reader (and the read pointer back) in Gray code through two
//! flip-flops. Neither side can wait — a receive stream has no backpressure — so:
//!
//! - **Reader**: it starts a frame only when [`PREFILL`] of its bytes are in (or its last
//!   one is), then takes one byte per cycle until the frame's `last`. It decides from the
//!   fill level registered at the previous edge, less the byte it took since. The two clocks are
//!   both 125 MHz within a few hundred ppm, so a frame of 1518 bytes drifts by under one
//!   byte and the margin keeps the output free of gaps, as the engine's parser expects.
//! - **Writer**: it never finds the FIFO full while the reader runs. If the reader's clock
//!   fell behind anyway, the writer keeps the last free entry for a terminator: the byte that
//!   finds only that entry free is written with `last` and `error` (the engine drops the
//!   frame as a bad one), the rest of the frame is dropped, and `overflow` pulses; a frame
//!   whose first byte finds no entry at all is dropped whole. The writer decides from the
//!   fill level registered at the previous edge (one entry of margin for the write since),
//!   which keeps its path to a comparison of registers.
//!
//! Latency: a frame's first byte is on `out` about 7 read edges after it was written
//! (pointer crossing 3, the registered fill level 1, the prefill of 3 bytes, the output
//! register); the rest follow one per cycle.
//! Ports: `write_clock`, `inp` (in), `overflow` (pulse, write domain); `read_clock`, `out`.

use crate::rtl::distributed_ram::DistributedRam;
use crate::rtl::gray_code::GrayToBinary;
use exo_hdl_common::{FrameRxIn, FrameRxOut};
use rust_hdl::prelude::*;

/// Entries of the FIFO.
pub const DEPTH: u32 = 16;
/// Bytes of a frame the reader waits for before it starts the frame.
pub const PREFILL: u32 = 3;

/// Entry: `{error, last, data}`.
type Entry = Bits<10>;

/// The crossing (see the module documentation).
#[derive(LogicBlock)]
pub struct RxCrossing {
    // ---- Write side (the PHY's receive clock)
    pub write_clock: Signal<In, Clock>,
    pub inp: FrameRxIn,
    pub overflow: Signal<Out, Bit>,
    // ---- Read side (the engine's clock)
    pub read_clock: Signal<In, Clock>,
    pub out: FrameRxOut,
    // ---- Storage
    ram: DistributedRam<Entry, 4>,
    // ---- Write side state
    write_ptr: DFF<Bits<5>>,
    write_gray: DFF<Bits<5>>,
    /// The rest of the current frame is dropped.
    dropping: DFF<Bit>,
    read_gray_1: DFF<Bits<5>>,
    read_gray_2: DFF<Bits<5>>,
    read_seen: GrayToBinary<5>,
    /// Entries in use one cycle ago (registered, so that the write decision is short).
    write_fill: DFF<Bits<5>>,
    write_next: Signal<Local, Bits<5>>,
    // ---- Read side state
    read_ptr: DFF<Bits<5>>,
    read_gray: DFF<Bits<5>>,
    in_frame: DFF<Bit>,
    write_gray_1: DFF<Bits<5>>,
    write_gray_2: DFF<Bits<5>>,
    write_seen: GrayToBinary<5>,
    /// Entries written as of the last edge (registered: see `update`).
    read_fill: DFF<Bits<5>>,
    /// Of the entries surely there now (`read_fill` less the one taken at the last edge, if
    /// any): at least the prefill, and at least one.
    avail_prefill: Signal<Local, Bit>,
    avail_any: Signal<Local, Bit>,
    read_inc: Signal<Local, Bits<5>>,
    pop: Signal<Local, Bit>,
    out_beat: DFF<Entry>,
    out_valid: DFF<Bit>,
    /// `last` and `error` of an entry: a terminator.
    end_bad: Constant<Entry>,
}

impl Default for RxCrossing {
    fn default() -> Self {
        RxCrossing {
            write_clock: Default::default(),
            inp: Default::default(),
            overflow: Default::default(),
            read_clock: Default::default(),
            out: Default::default(),
            ram: Default::default(),
            write_ptr: Default::default(),
            write_gray: Default::default(),
            dropping: Default::default(),
            read_gray_1: Default::default(),
            read_gray_2: Default::default(),
            read_seen: Default::default(),
            write_fill: Default::default(),
            write_next: Default::default(),
            read_ptr: Default::default(),
            read_gray: Default::default(),
            in_frame: Default::default(),
            write_gray_1: Default::default(),
            write_gray_2: Default::default(),
            write_seen: Default::default(),
            read_fill: Default::default(),
            avail_prefill: Default::default(),
            avail_any: Default::default(),
            read_inc: Default::default(),
            pop: Default::default(),
            out_beat: Default::default(),
            out_valid: Default::default(),
            end_bad: Constant::new(0x300u32.to_bits()),
        }
    }
}

impl Logic for RxCrossing {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            write_clock,
            write_ptr,
            write_gray,
            dropping,
            read_gray_1,
            read_gray_2,
            write_fill
        );
        dff_setup!(
            self,
            read_clock,
            read_ptr,
            read_gray,
            in_frame,
            write_gray_1,
            write_gray_2,
            read_fill,
            out_beat,
            out_valid
        );
        self.ram.write_clock.next = self.write_clock.val();
        // ---- Write side: the reader's pointer, seen through two flip-flops.
        self.read_gray_1.d.next = self.read_gray.q.val();
        self.read_gray_2.d.next = self.read_gray_1.q.val();
        self.read_seen.gray.next = self.read_gray_2.q.val();
        // Entries in use as of the last edge: one write may have come since, so the thresholds
        // below are one lower than the room they guard (a stale read pointer only errs safe).
        self.write_fill.d.next = self.write_ptr.q.val() - self.read_seen.binary.val();
        self.ram.write_address.next = self.write_ptr.q.val().get_bits::<4>(0);
        self.ram.write_data.next = bit_cast::<10, 8>(self.inp.data.val())
            | (bit_cast::<10, 1>(self.inp.last.val().into()) << 8)
            | (bit_cast::<10, 1>(self.inp.error.val().into()) << 9);
        self.ram.write_enable.next = false;
        self.overflow.next = false;
        if self.inp.valid.val() {
            if self.dropping.q.val() {
                self.dropping.d.next = !self.inp.last.val();
            } else if self.write_fill.q.val() < 14 {
                self.ram.write_enable.next = true;
            } else if self.write_fill.q.val() < 15 {
                // The last free entry: this byte ends the frame as a bad one.
                self.ram.write_enable.next = true;
                self.ram.write_data.next =
                    bit_cast::<10, 8>(self.inp.data.val()) | self.end_bad.val();
                self.overflow.next = true;
                self.dropping.d.next = !self.inp.last.val();
            } else {
                self.overflow.next = true;
                self.dropping.d.next = !self.inp.last.val();
            }
        }
        self.write_next.next = self.write_ptr.q.val();
        if self.ram.write_enable.val() {
            self.write_next.next = self.write_ptr.q.val() + 1;
        }
        self.write_ptr.d.next = self.write_next.val();
        self.write_gray.d.next = self.write_next.val() ^ (self.write_next.val() >> 1);
        // ---- Read side: the writer's pointer, seen through two flip-flops.
        self.write_gray_1.d.next = self.write_gray.q.val();
        self.write_gray_2.d.next = self.write_gray_1.q.val();
        self.write_seen.gray.next = self.write_gray_2.q.val();
        // The fill level is registered (the Gray conversion and the subtraction stay out of
        // the decision below); the byte taken since (`out_valid`) is subtracted from it, bytes
        // written since are not counted yet: the reader errs on the safe side.
        self.read_fill.d.next = self.write_seen.binary.val() - self.read_ptr.q.val();
        // The two thresholds on `avail` are taken from `read_fill` directly (no subtraction
        // on the path to `pop`): `avail >= 3` and `avail != 0`.
        self.avail_prefill.next = self.read_fill.q.val() >= 3;
        self.avail_any.next = self.read_fill.q.val().any();
        if self.out_valid.q.val() {
            self.avail_prefill.next = self.read_fill.q.val() >= 4;
            self.avail_any.next = self.read_fill.q.val() >= 2;
        }
        self.ram.read_address.next = self.read_ptr.q.val().get_bits::<4>(0);
        // In a frame: take whatever is there. Between frames: wait for the prefill, or for a
        // frame's end (a terminator, or a frame shorter than the prefill).
        self.pop.next =
            self.avail_prefill.val() | (self.avail_any.val() & self.ram.read_data.val().get_bit(8));
        if self.in_frame.q.val() {
            self.pop.next = self.avail_any.val();
        }
        // The incremented pointer and its Gray code are formed beside `pop`, which only picks.
        self.read_inc.next = self.read_ptr.q.val() + 1;
        if self.pop.val() {
            self.read_ptr.d.next = self.read_inc.val();
            self.read_gray.d.next = self.read_inc.val() ^ (self.read_inc.val() >> 1);
            self.in_frame.d.next = !self.ram.read_data.val().get_bit(8);
        }
        self.out_beat.d.next = self.ram.read_data.val();
        self.out_valid.d.next = self.pop.val();
        self.out.valid.next = self.out_valid.q.val();
        self.out.data.next = self.out_beat.q.val().get_bits::<8>(0);
        self.out.last.next = self.out_valid.q.val() & self.out_beat.q.val().get_bit(8);
        self.out.error.next = self.out_valid.q.val() & self.out_beat.q.val().get_bit(9);
    }
}

// The update code writes these as literals.
const _: () = assert!(DEPTH == 16 && PREFILL == 3);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtl::two_clocks::TwoClocks;

    /// What the reader saw: frames as (bytes, error), and whether any frame had a gap.
    #[derive(Default)]
    struct Seen {
        frames: Vec<(Vec<u8>, bool)>,
        current: Vec<u8>,
        gaps: usize,
    }

    impl Seen {
        fn sample(&mut self, out: &FrameRxOut) {
            if out.valid.val() {
                self.current.push(out.data.val().to_u32() as u8);
                if out.last.val() {
                    self.frames
                        .push((std::mem::take(&mut self.current), out.error.val()));
                }
            } else if !self.current.is_empty() {
                self.gaps += 1;
            }
        }
    }

    /// Frames of random lengths, back to back with a 20-byte gap (preamble and IFG), written
    /// at `write_ps` and read at `read_ps`, then time for the reader to drain.
    fn run(write_ps: u64, read_ps: u64, frames: usize) -> (Vec<Vec<u8>>, Seen) {
        let mut uut = RxCrossing::default();
        uut.connect_all();
        let mut clocks = TwoClocks::new(write_ps, read_ps);
        let mut rng = 0x9e37_79b9_u32;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            rng
        };
        let sent: Vec<Vec<u8>> = (0..frames)
            .map(|_| {
                let len = 60 + (next() % 1455) as usize;
                (0..len).map(|_| next() as u8).collect()
            })
            .collect();
        let mut stream: Vec<Option<(u8, bool)>> = Vec::new();
        for f in &sent {
            stream.extend(
                f.iter()
                    .enumerate()
                    .map(|(i, &b)| Some((b, i + 1 == f.len()))),
            );
            stream.extend(std::iter::repeat_n(None, 20));
        }
        stream.extend(std::iter::repeat_n(None, 3000));
        let (mut at, mut seen) = (0usize, Seen::default());
        while at < stream.len() {
            let (w, r) = clocks.advance(&mut uut, |u| &mut u.write_clock, |u| &mut u.read_clock);
            if r {
                seen.sample(&uut.out);
            }
            if w {
                let beat = stream[at];
                uut.inp.valid.next = beat.is_some();
                uut.inp.data.next = u32::from(beat.map_or(0, |b| b.0)).to_bits();
                uut.inp.last.next = beat.is_some_and(|b| b.1);
                uut.inp.error.next = false;
                at += 1;
            }
        }
        (sent, seen)
    }

    /// The reader's clock 500 ppm slower and then faster than the writer's (Ethernet allows
    /// 100 ppm on each side, 200 between them): every frame arrives whole, in order, without
    /// a gap.
    #[test]
    fn frames_cross_whole_and_without_gaps_both_ways() {
        for (w, r) in [(8_000, 8_004), (8_004, 8_000)] {
            let (sent, seen) = run(w, r, 30);
            assert_eq!(seen.gaps, 0, "write {w} ps, read {r} ps");
            let got: Vec<_> = seen.frames.iter().map(|(b, _)| b.clone()).collect();
            assert_eq!(got, sent, "write {w} ps, read {r} ps");
            assert!(seen.frames.iter().all(|(_, e)| !e), "no frame flagged");
        }
    }

    /// A reader at half speed cannot keep up: frames are cut short with `error` or dropped,
    /// and every frame the reader sees without `error` is one that was sent, whole.
    #[test]
    fn a_slow_reader_gets_bad_frames_never_mixed_ones() {
        let (sent, seen) = run(8_000, 16_000, 12);
        for (bytes, error) in &seen.frames {
            if !error {
                assert!(sent.contains(bytes), "a good frame is one that was sent");
            }
        }
        assert!(seen.frames.iter().any(|(_, e)| *e), "some frame was cut");
    }

    #[test]
    fn rx_crossing_is_synthesizable() {
        let stats = exo_hdl_common::check_synthesizable(&mut RxCrossing::default(), "rx_crossing")
            .expect("yosys synth_ecp5");
        assert_eq!(stats.dp16kd, 0, "{stats}");
    }
}
