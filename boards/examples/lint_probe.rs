fn main() {
    let p = exo_engine::EngineParams::new(8, 0);
    let d = exo_boards::design::design(&p, 80, 0).unwrap();
    let dir = std::path::PathBuf::from("/tmp/board_probe");
    d.write(&dir).unwrap();
    match d.lint(&dir) {
        Ok(()) => println!("lint ok"),
        Err(e) => println!("{e}"),
    }
    let t = std::time::Instant::now();
    match d.synthesize(&dir) {
        Ok(s) => println!("synth {s} in {:?}", t.elapsed()),
        Err(e) => println!("{e}"),
    }
}
