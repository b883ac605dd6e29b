//! The GMII links between the hosts' MACs and the fabric's, carried by the harness one byte
//! time per cycle, with the rack simulator's faults injected on them.
//!
//! Every link delays by one cycle (8 ns, about the rack model's 10 ns of wire). Each frame's
//! fate is drawn when its first byte arrives, from the seeded generator: lost (no byte
//! passes), corrupted (one to three bits flipped among its first 64 bytes after the SFD: the
//! receiving MAC's FCS check must catch it), or on a downlink, cut at its 20th byte when the
//! source address it carries cannot reach this host (a partition: the receiving MAC sees a
//! runt and flags it), or dropped by a scripted `drop_next`.

use crate::model::{Model, Pin};
use exo_proto::rng::Rng;

/// One GMII byte time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gmii {
    pub data: u8,
    pub en: bool,
    pub er: bool,
}

impl Gmii {
    pub fn read(model: &Model, data: Pin, en: Pin, er: Pin) -> Gmii {
        Gmii {
            data: model.get(data) as u8,
            en: model.bit(en),
            er: model.bit(er),
        }
    }

    pub fn drive(self, model: &mut Model, data: Pin, en: Pin, er: Pin) {
        model.set(data, u64::from(self.data));
        model.set(en, u64::from(self.en));
        model.set(er, u64::from(self.er));
    }
}

/// What happens to the frame a link is carrying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    Pass,
    /// No byte of it passes.
    Lose,
    /// These bits (counted from the first byte after the SFD) are flipped.
    Corrupt(Vec<u64>),
    /// Its bytes from this GMII index on do not pass.
    CutFrom(usize),
}

/// GMII index of the first byte after the preamble and SFD.
pub const DATA_START: usize = 8;
/// GMII index just past the source MAC address (bytes 6..12 of the frame).
pub const SOURCE_END: usize = DATA_START + 12;

/// One direction of one host's link.
#[derive(Debug, Default)]
pub struct Link {
    /// The byte on the wire (what the receiving MAC sees this cycle).
    out: Gmii,
    /// GMII index of the next byte of the current frame (0: no frame).
    index: usize,
    fate: Option<Fate>,
    /// The current frame's bytes as sent (preamble included).
    pub bytes: Vec<u8>,
}

/// What a cycle's byte was to the link's frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Idle,
    /// The first byte of a frame: the caller sets its fate now.
    Start,
    Inside,
    /// The frame ended with the previous byte (its bytes are in `Link::bytes` until the next
    /// start).
    End,
}

impl Link {
    /// True while a frame is passing.
    pub fn sending(&self) -> bool {
        self.index > 0
    }

    /// The byte the receiving MAC sees this cycle.
    pub fn output(&self) -> Gmii {
        self.out
    }

    /// Takes this cycle's byte from the sending MAC; the caller decides the fate at `Start`
    /// and may cut a frame later with [`Link::cut`], then calls [`Link::carry`].
    pub fn sample(&mut self, g: Gmii) -> Edge {
        match (g.en, self.index > 0) {
            (true, false) => {
                self.bytes.clear();
                self.bytes.push(g.data);
                self.index = 1;
                self.fate = Some(Fate::Pass);
                Edge::Start
            }
            (true, true) => {
                self.bytes.push(g.data);
                self.index += 1;
                Edge::Inside
            }
            (false, true) => {
                self.index = 0;
                Edge::End
            }
            (false, false) => Edge::Idle,
        }
    }

    pub fn set_fate(&mut self, fate: Fate) {
        self.fate = Some(fate);
    }

    pub fn fate(&self) -> Option<&Fate> {
        self.fate.as_ref()
    }

    /// Cuts the current frame from its next byte on.
    pub fn cut(&mut self) {
        self.fate = Some(Fate::CutFrom(self.index));
    }

    /// Puts this cycle's byte, as the frame's fate has it, on the wire for the next cycle.
    pub fn carry(&mut self, g: Gmii) {
        let at = self.index.saturating_sub(1);
        let mut out = g;
        if g.en {
            match &self.fate {
                Some(Fate::Lose) => out = Gmii::default(),
                Some(Fate::CutFrom(from)) if at >= *from => out = Gmii::default(),
                Some(Fate::Corrupt(bits)) if at >= DATA_START => {
                    for bit in bits {
                        if (bit / 8) as usize == at - DATA_START {
                            out.data ^= 1 << (bit % 8);
                        }
                    }
                }
                _ => {}
            }
        }
        self.out = out;
    }
}

/// One to three distinct bits among the first 64 bytes after the SFD (every frame has 64:
/// 60 padded bytes and the FCS). CRC-32 detects every such error in an Ethernet frame.
pub fn corruption(rng: &mut Rng) -> Vec<u64> {
    let count = rng.range(1, 3);
    let mut bits = Vec::new();
    while (bits.len() as u64) < count {
        let bit = rng.range(0, 64 * 8 - 1);
        if !bits.contains(&bit) {
            bits.push(bit);
        }
    }
    bits
}

/// The frame a link carried, without preamble, SFD and FCS; `None` if it is too short.
pub fn frame_body(gmii: &[u8]) -> Option<&[u8]> {
    gmii.get(DATA_START..gmii.len().checked_sub(4)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn byte(data: u8) -> Gmii {
        Gmii {
            data,
            en: true,
            er: false,
        }
    }

    #[test]
    fn a_cut_frame_stops_at_the_cut_and_a_lost_one_never_starts() {
        let mut link = Link::default();
        let mut seen = Vec::new();
        for i in 0..30u8 {
            let g = byte(i);
            if link.sample(g) == Edge::Start {
                link.set_fate(Fate::Pass);
            }
            if usize::from(i) + 1 == SOURCE_END {
                link.cut();
            }
            link.carry(g);
            seen.push(link.output().en);
        }
        assert_eq!(seen.iter().filter(|&&e| e).count(), SOURCE_END);
        let mut lost = Link::default();
        lost.sample(byte(1));
        lost.set_fate(Fate::Lose);
        lost.carry(byte(1));
        assert!(!lost.output().en);
    }

    #[test]
    fn corruption_flips_only_the_chosen_bits() {
        let mut link = Link::default();
        let mut out = Vec::new();
        for i in 0..80usize {
            let g = byte(0);
            if link.sample(g) == Edge::Start {
                link.set_fate(Fate::Corrupt(vec![3, 8 * 10 + 7]));
            }
            link.carry(g);
            out.push(link.output().data);
            let _ = i;
        }
        assert_eq!(out[DATA_START], 1 << 3);
        assert_eq!(out[DATA_START + 10], 1 << 7);
        assert_eq!(out.iter().filter(|&&b| b != 0).count(), 2);
    }
}
