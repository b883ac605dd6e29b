//! `ReplyWriter`: writes the bytes of the host link's replies, a few at a time, into the
//! reply buffer's receive stream.
//!
//! The parser loads up to five bytes (`bytes`, the first in bits 39:32) with `load` while
//! `busy` is low; they leave one per cycle. `ends` puts `last` on the final byte (the reply
//! is complete: the buffer commits it), and `discard` adds `error` to that `last` (the buffer
//! throws the reply away: a READ whose request turned out truncated). `committed` pulses with
//! the final byte of a reply that was not discarded.

use exo_hdl_common::FrameRxOut;
use rust_hdl::prelude::*;

/// The most bytes one load carries.
pub const MAX_LOAD: usize = 5;

/// The writer (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct ReplyWriter {
    pub clock: Signal<In, Clock>,
    // ---- From the parser
    pub load: Signal<In, Bit>,
    pub bytes: Signal<In, Bits<40>>,
    /// Bytes in this load (1..=5).
    pub count: Signal<In, Bits<3>>,
    pub ends: Signal<In, Bit>,
    pub discard: Signal<In, Bit>,
    pub busy: Signal<Out, Bit>,
    pub committed: Signal<Out, Bit>,
    // ---- To the reply buffer
    pub out: FrameRxOut,
    shift: DFF<Bits<40>>,
    left: DFF<Bits<3>>,
    ends_r: DFF<Bit>,
    discard_r: DFF<Bit>,
}

impl Logic for ReplyWriter {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, shift, left, ends_r, discard_r);
        self.busy.next = self.left.q.val() != 0;
        self.out.valid.next = self.left.q.val() != 0;
        self.out.data.next = self.shift.q.val().get_bits::<8>(32);
        self.out.last.next = self.ends_r.q.val() & (self.left.q.val() == 1);
        self.out.error.next = self.discard_r.q.val() & (self.left.q.val() == 1);
        self.committed.next =
            self.ends_r.q.val() & !self.discard_r.q.val() & (self.left.q.val() == 1);
        if self.left.q.val() != 0 {
            self.shift.d.next = self.shift.q.val() << 8;
            self.left.d.next = self.left.q.val() - 1;
        } else if self.load.val() {
            self.shift.d.next = self.bytes.val();
            self.left.d.next = self.count.val();
            self.ends_r.d.next = self.ends.val();
            self.discard_r.d.next = self.discard.val();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exo_hdl_common::sim::{cycle, settle};

    #[test]
    fn writes_loaded_bytes_in_order_and_marks_the_end() {
        let mut w = ReplyWriter::default();
        w.connect_all();
        w.load.next = true;
        w.bytes.next = 0x01_0203_0405_u64.to_bits();
        w.count.next = 3.into();
        w.ends.next = true;
        w.discard.next = false;
        settle(&mut w);
        assert!(!w.busy.val());
        cycle(&mut w, |w| &mut w.clock);
        w.load.next = false;
        let mut seen = Vec::new();
        while w.busy.val() {
            assert!(w.out.valid.val());
            seen.push((
                w.out.data.val().to_u32(),
                w.out.last.val(),
                w.committed.val(),
            ));
            cycle(&mut w, |w| &mut w.clock);
        }
        assert_eq!(
            seen,
            [(1, false, false), (2, false, false), (3, true, true)]
        );
        assert!(!w.out.valid.val());
    }

    #[test]
    fn reply_writer_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut ReplyWriter::default(), "reply_writer")
            .expect("yosys synth_ecp5");
    }
}
