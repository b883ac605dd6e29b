use exo_proto::HostId;
use exo_rtl_rack::racks::RACKS;
use exo_rtl_rack::run::sweep_seed;
use exo_verify::view::RackView;
#[test]
fn dbg() {
    let seed: u64 = std::env::var("SEED").unwrap().parse().unwrap();
    let spec = RACKS.iter().find(|r| r.tag == std::env::var("TAG").unwrap_or("n5".into())).unwrap();
    let r = sweep_seed(seed, spec).unwrap();
    eprintln!("plan {:?}", r.plan.actions);
    eprintln!("converged {} agreed {} lost {} submitted {}", r.converged, r.report.messages_agreed, r.report.messages_lost, r.report.messages_submitted);
    eprintln!("{}", serde_json::to_string(&r.report).unwrap());
}
