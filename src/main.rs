//! `slotcore [file.conf] [--directive value ...]`

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--version" || a == "-v") {
        println!("slotcore v={}", env!("CARGO_PKG_VERSION"));
        return;
    }
    let config_file = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .map(|p| std::fs::canonicalize(p).map_or(p.clone(), |c| c.display().to_string()))
        .unwrap_or_default();
    let config = match slotcore::config::Config::from_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    std::process::exit(slotcore::server::run(config, config_file));
}
