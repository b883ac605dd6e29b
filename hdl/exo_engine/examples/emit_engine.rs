//! Writes the engine's Verilog for an n-host cluster: `cargo run -p exo-engine --example
//! emit_engine -- DIR [n] [host_id]` (the `exo emit` command does this for the product).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).map_or("build/hdl", String::as_str));
    let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let id = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0);
    let params = exo_engine::EngineParams::new(n, id);
    match exo_engine::design(&params).and_then(|d| {
        d.write(&dir).map_err(|e| panic!("{e}"))?;
        Ok(d)
    }) {
        Ok(d) => println!("wrote {}", dir.join(d.file_name()).display()),
        Err(e) => {
            eprintln!("emit_engine: {e}");
            std::process::exit(2);
        }
    }
}
