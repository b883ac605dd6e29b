//! The fabric in the rust-hdl simulator, N = 8: seeded random frames from every host at
//! once, with random gaps, bad frames and output backpressure. Checks that every output sees
//! the same frame sequence, that no input's frames are reordered, that each frame is
//! delivered or counted, that drops happen exactly when a buffer is full, the round-robin
//! order, and the latency.

use exo_fabric::frame_buffer::QUEUE_ENTRIES;
use exo_fabric::{Fabric, FABRIC_LATENCY};
use exo_hdl_common::sim::{cycle, settle};
use rust_hdl::prelude::*;

const N: usize = 8;
const A: usize = 11;
type Uut = Fabric<N, A, 12>;

/// SplitMix64, seeded from `EXO_SEED` if set (the seed is printed for replay).
struct Rng(u64);

impl Rng {
    fn from_env(test: &str, default: u64) -> Rng {
        let seed = std::env::var("EXO_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default);
        println!("{test}: seed {seed} (replay with EXO_SEED={seed})");
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
    fn chance(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
}

/// A frame from host `host`, its `seq`-th: the first 5 bytes name it.
#[derive(Clone, Debug, PartialEq)]
struct Frame {
    bytes: Vec<u8>,
    bad: bool,
}

fn frame(rng: &mut Rng, host: usize, seq: u32, len: usize, bad: bool) -> Frame {
    let mut bytes = vec![host as u8];
    bytes.extend_from_slice(&seq.to_le_bytes());
    bytes.extend((5..len).map(|_| rng.next() as u8));
    Frame { bytes, bad }
}

/// One host's offered traffic: frames, each after a gap of idle cycles.
struct Host {
    frames: Vec<(usize, Frame)>,
    next: usize,
    pos: usize,
    idle: usize,
}

impl Host {
    fn new(frames: Vec<(usize, Frame)>) -> Host {
        let idle = frames.first().map_or(0, |f| f.0);
        Host {
            frames,
            next: 0,
            pos: 0,
            idle,
        }
    }
    /// The beat for this cycle (data, last, error), advancing.
    fn beat(&mut self) -> Option<(u8, bool, bool)> {
        if self.idle > 0 {
            self.idle -= 1;
            return None;
        }
        let (_, f) = self.frames.get(self.next)?;
        let last = self.pos + 1 == f.bytes.len();
        let beat = (f.bytes[self.pos], last, last && f.bad);
        self.pos += 1;
        if last {
            self.pos = 0;
            self.next += 1;
            self.idle = self.frames.get(self.next).map_or(0, |g| g.0);
        }
        Some(beat)
    }
    fn done(&self) -> bool {
        self.next == self.frames.len()
    }
}

/// Runs the fabric: `hosts` offer traffic; `ready(cycle, output)` says whether an output
/// takes a beat. Returns each output's frames and the per-input (drops, errors).
struct Run {
    outputs: Vec<Vec<Vec<u8>>>,
    drops: Vec<u32>,
    errors: Vec<u32>,
}

fn fabric() -> Box<Uut> {
    let mut uut = Box::new(Uut::default());
    uut.connect_all();
    settle(&mut *uut);
    uut
}

fn run(
    uut: &mut Uut,
    hosts: &mut [Host],
    mut ready: impl FnMut(usize, usize) -> bool,
    tail: usize,
) -> Run {
    let mut outputs = vec![Vec::new(); N];
    let mut current = vec![Vec::new(); N];
    let mut t = 0;
    let mut quiet = 0;
    while quiet < tail {
        for (i, h) in hosts.iter_mut().enumerate() {
            let beat = h.beat();
            uut.inputs[i].valid.next = beat.is_some();
            let (d, l, e) = beat.unwrap_or((0, false, false));
            uut.inputs[i].data.next = d.to_bits();
            uut.inputs[i].last.next = l;
            uut.inputs[i].error.next = e;
        }
        for o in 0..N {
            uut.outputs[o].ready.next = ready(t, o);
        }
        settle(uut);
        let mut moved = false;
        for o in 0..N {
            let out = &uut.outputs[o];
            if out.valid.val() && out.ready.val() {
                moved = true;
                assert!(!out.error.val(), "output {o}: no frame leaves flagged bad");
                current[o].push(out.data.val().to_u8());
                if out.last.val() {
                    outputs[o].push(std::mem::take(&mut current[o]));
                }
            }
        }
        cycle(uut, |u| &mut u.clock);
        t += 1;
        let busy = moved || hosts.iter().any(|h| !h.done());
        quiet = if busy { 0 } else { quiet + 1 };
    }
    assert!(
        current.iter().all(|c| c.is_empty()),
        "no frame left half-sent"
    );
    Run {
        outputs,
        drops: (0..N).map(|i| uut.drops[i].val().to_u32()).collect(),
        errors: (0..N).map(|i| uut.errors[i].val().to_u32()).collect(),
    }
}

/// Every output saw the same frames, each input's delivered frames are a subsequence of what
/// it sent in order, and sent = delivered + dropped + discarded as bad, per input.
fn check_conservation(sent: &[Vec<Frame>], r: &Run) -> Vec<usize> {
    for o in 1..N {
        assert!(
            r.outputs[o] == r.outputs[0],
            "output {o} differs from output 0"
        );
    }
    let mut delivered = vec![0usize; N];
    let mut cursor = [0usize; N];
    for (k, f) in r.outputs[0].iter().enumerate() {
        let host = f[0] as usize;
        assert!(host < N, "frame {k}: unknown host {host}");
        let sent_h = &sent[host];
        let pos = sent_h[cursor[host]..]
            .iter()
            .position(|s| s.bytes == *f)
            .unwrap_or_else(|| panic!("frame {k} from host {host}: not sent, or out of order"));
        let idx = cursor[host] + pos;
        assert!(
            !sent_h[idx].bad,
            "frame {k}: a frame flagged bad was delivered"
        );
        cursor[host] = idx + 1;
        delivered[host] += 1;
    }
    for h in 0..N {
        // A bad frame that also found the buffer full counts as a drop, not as an error.
        let bad = sent[h].iter().filter(|f| f.bad).count();
        let errors = r.errors[h] as usize;
        assert!(
            errors <= bad,
            "host {h}: {errors} errors counted, {bad} sent"
        );
        if r.drops[h] == 0 {
            assert_eq!(errors, bad, "host {h}: errors counted");
        }
        assert_eq!(
            delivered[h] + r.drops[h] as usize + errors,
            sent[h].len(),
            "host {h}: delivered + dropped + bad = sent"
        );
    }
    delivered
}

#[test]
fn eight_hosts_at_once_see_one_order() {
    let mut rng = Rng::from_env("fabric eight_hosts_at_once_see_one_order", 0x5EED_F001);
    let mut sent = Vec::new();
    let mut hosts = Vec::new();
    for h in 0..N {
        let frames: Vec<(usize, Frame)> = (0..25u32)
            .map(|s| {
                let len = if rng.chance(40) {
                    rng.range(16, 100)
                } else {
                    rng.range(16, 1514)
                };
                let bad = rng.chance(5);
                (rng.range(0, 3000), frame(&mut rng, h, s, len, bad))
            })
            .collect();
        sent.push(frames.iter().map(|f| f.1.clone()).collect::<Vec<_>>());
        hosts.push(Host::new(frames));
    }
    let mut uut = fabric();
    let mut bp = Rng(rng.next());
    let r = run(&mut uut, &mut hosts, |_, _| !bp.chance(10), 50);
    let delivered = check_conservation(&sent, &r);
    let total_drops: u32 = r.drops.iter().sum();
    println!(
        "delivered {delivered:?}, drops {:?}, errors {:?}",
        r.drops, r.errors
    );
    assert!(total_drops > 0, "the offered load overflows some buffer");
    assert!(
        delivered.iter().all(|&d| d > 0),
        "every host got frames through"
    );
}

#[test]
fn a_light_load_loses_nothing() {
    let mut rng = Rng::from_env("fabric a_light_load_loses_nothing", 0x5EED_F002);
    let mut sent = Vec::new();
    let mut hosts = Vec::new();
    for h in 0..N {
        // At most 8 × 400 bytes per 8 × 1500 cycles: well under the output's rate.
        let frames: Vec<(usize, Frame)> = (0..12u32)
            .map(|s| {
                let (gap, len, bad) = (rng.range(1500, 4000), rng.range(16, 400), rng.chance(10));
                (gap, frame(&mut rng, h, s, len, bad))
            })
            .collect();
        sent.push(frames.iter().map(|f| f.1.clone()).collect::<Vec<_>>());
        hosts.push(Host::new(frames));
    }
    let mut uut = fabric();
    let r = run(&mut uut, &mut hosts, |_, _| true, 50);
    let delivered = check_conservation(&sent, &r);
    assert_eq!(r.drops, vec![0; N]);
    let good: Vec<usize> = sent
        .iter()
        .map(|s| s.iter().filter(|f| !f.bad).count())
        .collect();
    assert_eq!(delivered, good, "every good frame delivered");
    assert!(
        r.errors.iter().sum::<u32>() > 0,
        "some frames were flagged bad"
    );
}

#[test]
fn drops_happen_exactly_when_the_buffer_is_full() {
    let mut rng = Rng::from_env(
        "fabric drops_happen_exactly_when_the_buffer_is_full",
        0x5EED_F003,
    );
    // Outputs stalled: nothing leaves, so each input holds its RAM plus the read queue.
    let capacity = (1 << A) + QUEUE_ENTRIES;
    let mut sent = Vec::new();
    let mut hosts = Vec::new();
    let mut want_accepted = Vec::new();
    for h in 0..N {
        let mut used = 0;
        let mut accepted = Vec::new();
        let frames: Vec<(usize, Frame)> = (0..12u32)
            .map(|s| {
                let len = rng.range(60, 900);
                let f = frame(&mut rng, h, s, len, false);
                if used + f.bytes.len() <= capacity {
                    used += f.bytes.len();
                    accepted.push(f.bytes.clone());
                }
                (rng.range(1, 30), f)
            })
            .collect();
        sent.push(frames.iter().map(|f| f.1.clone()).collect::<Vec<_>>());
        hosts.push(Host::new(frames));
        want_accepted.push(accepted);
    }
    let mut uut = fabric();
    let stall_until = 40_000;
    let r = run(&mut uut, &mut hosts, |t, _| t >= stall_until, stall_until);
    check_conservation(&sent, &r);
    for (h, accepted) in want_accepted.iter().enumerate() {
        let got: Vec<&Vec<u8>> = r.outputs[0].iter().filter(|f| f[0] as usize == h).collect();
        let want: Vec<&Vec<u8>> = accepted.iter().collect();
        assert_eq!(got, want, "host {h}: the frames that fit");
        assert_eq!(r.drops[h] as usize, 12 - want.len(), "host {h}: drops");
    }
    assert!(r.drops.iter().all(|&d| d > 0), "every buffer overflowed");
}

#[test]
fn round_robin_serves_every_waiting_host_in_turn() {
    let mut rng = Rng::from_env(
        "fabric round_robin_serves_every_waiting_host_in_turn",
        0x5EED_F004,
    );
    let mut hosts: Vec<Host> = (0..N)
        .map(|h| {
            Host::new(
                (0..3u32)
                    .map(|s| (1, frame(&mut rng, h, s, 64, false)))
                    .collect(),
            )
        })
        .collect();
    let mut uut = fabric();
    let r = run(&mut uut, &mut hosts, |t, _| t >= 1000, 1000);
    let order: Vec<usize> = r.outputs[0].iter().map(|f| f[0] as usize).collect();
    assert_eq!(order.len(), 3 * N);
    for (k, round) in order.chunks(N).enumerate() {
        let mut seen = round.to_vec();
        seen.sort();
        assert_eq!(seen, (0..N).collect::<Vec<_>>(), "round {k}: {round:?}");
    }
}

#[test]
fn latency_from_last_beat_in_to_first_beat_out() {
    let mut uut = fabric();
    for _ in 0..5 {
        cycle(&mut *uut, |u| &mut u.clock);
    }
    for o in 0..N {
        uut.outputs[o].ready.next = true;
    }
    let bytes: Vec<u8> = (0..64).collect();
    for (k, &b) in bytes.iter().enumerate() {
        uut.inputs[3].valid.next = true;
        uut.inputs[3].data.next = b.to_bits();
        uut.inputs[3].last.next = k + 1 == bytes.len();
        settle(&mut *uut);
        assert!(
            !uut.outputs[0].valid.val(),
            "store and forward: nothing before the last beat"
        );
        cycle(&mut *uut, |u| &mut u.clock);
    }
    uut.inputs[3].valid.next = false;
    // The last beat was on the input in cycle 0; find the cycle the first beat is out.
    let mut first = None;
    for t in 1..20 {
        settle(&mut *uut);
        if uut.outputs.iter().all(|o| o.valid.val()) {
            first = Some(t);
            break;
        }
        cycle(&mut *uut, |u| &mut u.clock);
    }
    assert_eq!(
        first,
        Some(FABRIC_LATENCY),
        "cycles from the last beat in to the first out"
    );
}
