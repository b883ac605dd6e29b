use exo_rtl_rack::{RtlOptions, RtlRack};
use exo_verify::rack::RackConfig;
use exo_verify::view::{RackDriver, RackView};
use exo_verify::workload;

#[test]
fn smoke() {
    let n: usize = std::env::var("N").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let m: usize = std::env::var("M").ok().and_then(|s| s.parse().ok()).unwrap_or(50);
    let cold = std::env::var("COLD").is_ok();
    let mut rack = RtlRack::new(RackConfig::new(n, 1), RtlOptions { cold, ..Default::default() }).unwrap();
    workload::submit_all(&mut rack, m, 8);
    let limits = workload::Limits { max_time: 50_000_000_000, stall: 1_000_000_000 };
    let end = workload::run(&mut rack, limits, &mut |_| {});
    eprintln!("end {end:?} cycles {} wall {:?} agreed {} mismatch {:?}", rack.cycles(), rack.wall(), rack.messages_agreed(), rack.mismatch().map(|m| m.to_string()));
    eprintln!("turnarounds {:?}", &rack.turnarounds()[..rack.turnarounds().len().min(10)]);
    eprintln!("hops {:?}", &rack.hops()[..rack.hops().len().min(10)]);
    assert!(rack.mismatch().is_none());
    let _ = rack.settled();
    rack.finish();
}
