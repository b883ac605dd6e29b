//! MAC receive in the rust-hdl simulator: seeded random frames with random preambles and
//! gaps, good and bad (FCS, PHY error, runt, oversize, false start), checked byte for byte
//! against a software model and against the counters.

mod support;

use rust_hdl::prelude::*;
use support::{cycle, mac, with_fcs, Rng, RxCollector};

/// What one frame on the wire is, and what the receiver must make of it.
struct WireFrame {
    /// Bytes after the SFD (FCS included, possibly corrupted).
    after_sfd: Vec<u8>,
    /// Bytes before them: preamble and SFD, or a false start.
    before: Vec<u8>,
    /// Index into `before ++ after_sfd` where `rx_er` is high, if any.
    phy_error_at: Option<usize>,
    false_start: bool,
}

impl WireFrame {
    fn random(rng: &mut Rng) -> WireFrame {
        let kind = rng.range(0, 99);
        let len = match kind {
            0..=4 => rng.range(0, 59),      // runt (some without a single data byte)
            5..=9 => rng.range(1515, 1700), // oversize
            _ => rng.range(60, 1514),
        };
        let mut after_sfd = with_fcs(&rng.bytes(len));
        if (10..=19).contains(&kind) {
            let bit = rng.range(0, after_sfd.len() * 8 - 1);
            after_sfd[bit / 8] ^= 1 << (bit % 8);
        }
        let false_start = (20..=24).contains(&kind);
        let before = if false_start {
            vec![rng.range(0, 0x54) as u8, 0x55, 0xD5]
        } else {
            let mut p = vec![0x55; rng.range(0, 7)];
            p.push(0xD5);
            p
        };
        let total = before.len() + after_sfd.len();
        let phy_error_at = (25..=29).contains(&kind).then(|| rng.range(0, total - 1));
        WireFrame {
            after_sfd,
            before,
            phy_error_at,
            false_start,
        }
    }

    /// (bytes out, error flag) if the receiver delivers anything.
    fn expected(&self) -> Option<(Vec<u8>, bool)> {
        if self.false_start || self.after_sfd.len() <= 4 {
            return None;
        }
        let body = self.after_sfd[..self.after_sfd.len() - 4].to_vec();
        let v = self.verdict();
        Some((body, v.bad_fcs || v.runt || v.oversize || v.phy))
    }

    fn verdict(&self) -> Verdict {
        let k = self.after_sfd.len();
        let body = &self.after_sfd[..k.saturating_sub(4)];
        let fcs_ok = k >= 4 && crc32fast::hash(body).to_le_bytes() == self.after_sfd[k - 4..];
        Verdict {
            bad_fcs: !fcs_ok,
            runt: k < 64,
            oversize: k > 1518,
            phy: self.phy_error_at.is_some(),
        }
    }
}

struct Verdict {
    bad_fcs: bool,
    runt: bool,
    oversize: bool,
    phy: bool,
}

#[test]
fn random_frames_gaps_and_faults() {
    let mut rng = Rng::from_env("gmii_rx random_frames_gaps_and_faults", 0x5EED_0001);
    let mut uut = mac();
    let mut out = RxCollector::default();
    let mut expected = Vec::new();
    // counts: ok, bad fcs, runt, oversize, phy
    let mut counts = [0u32; 5];
    for _ in 0..400 {
        let f = WireFrame::random(&mut rng);
        let wire: Vec<u8> = f.before.iter().chain(&f.after_sfd).copied().collect();
        for (i, &b) in wire.iter().enumerate() {
            uut.gmii_rxd.next = b.to_bits();
            uut.gmii_rx_dv.next = true;
            uut.gmii_rx_er.next = f.phy_error_at == Some(i);
            cycle(&mut uut);
            out.observe(&uut);
        }
        uut.gmii_rx_dv.next = false;
        uut.gmii_rx_er.next = false;
        // A byte of junk on rxd while idle must be ignored.
        uut.gmii_rxd.next = 0xD5u8.to_bits();
        for _ in 0..rng.range(1, 16) {
            cycle(&mut uut);
            out.observe(&uut);
        }
        if let Some(e) = f.expected() {
            expected.push(e);
        }
        if !f.false_start {
            let v = f.verdict();
            let good = !(v.bad_fcs || v.runt || v.oversize || v.phy);
            for (i, hit) in [good, v.bad_fcs, v.runt, v.oversize, v.phy]
                .into_iter()
                .enumerate()
            {
                counts[i] += u32::from(hit);
            }
        }
    }
    for _ in 0..8 {
        cycle(&mut uut);
        out.observe(&uut);
    }
    assert_eq!(out.frames.len(), expected.len(), "frames delivered");
    for (i, (got, want)) in out.frames.iter().zip(&expected).enumerate() {
        assert_eq!(got.0.len(), want.0.len(), "frame {i}: length");
        assert!(got.0 == want.0, "frame {i}: bytes differ");
        assert_eq!(got.1, want.1, "frame {i}: error flag");
    }
    let got_counts = [
        uut.rx_frames_ok.val().to_u32(),
        uut.rx_bad_fcs.val().to_u32(),
        uut.rx_runts.val().to_u32(),
        uut.rx_oversize.val().to_u32(),
        uut.rx_phy_errors.val().to_u32(),
    ];
    assert_eq!(got_counts, counts, "ok, bad FCS, runt, oversize, PHY error");
    assert!(
        counts.iter().all(|&c| c > 0),
        "every kind occurred: {counts:?}"
    );
}

#[test]
fn beats_of_a_frame_are_consecutive_and_arrive_two_edges_after_the_fcs() {
    let mut uut = mac();
    let body: Vec<u8> = (0..100u8).collect();
    let mut wire = vec![0x55; 7];
    wire.push(0xD5);
    wire.extend(with_fcs(&body));
    let mut beats = Vec::new();
    let mut t = 0;
    for &b in &wire {
        uut.gmii_rxd.next = b.to_bits();
        uut.gmii_rx_dv.next = true;
        cycle(&mut uut);
        t += 1;
        if uut.rx.valid.val() {
            beats.push((t, uut.rx.last.val()));
        }
    }
    let last_fcs = t;
    uut.gmii_rx_dv.next = false;
    for _ in 0..10 {
        cycle(&mut uut);
        t += 1;
        if uut.rx.valid.val() {
            beats.push((t, uut.rx.last.val()));
        }
    }
    assert_eq!(beats.len(), 100);
    assert!(beats.windows(2).all(|w| w[1].0 == w[0].0 + 1), "no gaps");
    let (t_last, is_last) = *beats.last().unwrap();
    assert!(is_last);
    assert_eq!(
        t_last - last_fcs,
        exo_mac::gmii_rx::RX_LATENCY,
        "last beat 2 edges after the last FCS byte"
    );
}
