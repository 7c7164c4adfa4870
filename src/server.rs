//! Start-up and shutdown: listeners, shard threads, signals, the port lock.

use crate::config::Config;
use crate::mesh::Mesh;
use crate::shard::Shard;
use crate::shared::Shared;
use std::os::fd::RawFd;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A listening TCP socket with SO_REUSEPORT, so every shard can accept on the port.
fn listen(addr: &str, port: u16) -> std::io::Result<RawFd> {
    let ip: std::net::Ipv4Addr = if addr == "*" || addr.is_empty() {
        std::net::Ipv4Addr::UNSPECIFIED
    } else {
        addr.parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("bad bind address {addr}"),
            )
        })?
    };
    // SAFETY: plain socket syscalls on a socket we own; errors are checked.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let one: libc::c_int = 1;
        for opt in [libc::SO_REUSEADDR, libc::SO_REUSEPORT] {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                opt,
                &one as *const _ as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as u32,
            );
        }
        let sa = libc::sockaddr_in {
            sin_family: libc::AF_INET as u16,
            sin_port: port.to_be(),
            sin_addr: libc::in_addr {
                s_addr: u32::from(ip).to_be(),
            },
            sin_zero: [0; 8],
        };
        if libc::bind(
            fd,
            &sa as *const _ as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>() as u32,
        ) != 0
            || libc::listen(fd, 511) != 0
        {
            let e = std::io::Error::last_os_error();
            libc::close(fd);
            return Err(e);
        }
        Ok(fd)
    }
}

/// Take an exclusive lock for the port, so two servers cannot share it through
/// SO_REUSEPORT: bind the abstract unix socket `@slotcore-port-PORT` (per network
/// namespace). The kernel releases it when the process exits, however it exits, and
/// it leaves no file behind. Held (the fd stays open) for the life of the process.
fn lock_port(port: u16) -> Result<RawFd, String> {
    let name = format!("slotcore-port-{port}");
    // SAFETY: a socket we own; the address is built within sun_path's bounds.
    unsafe {
        let fd = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(format!(
                "can't create the port lock socket: {}",
                std::io::Error::last_os_error()
            ));
        }
        let mut addr: libc::sockaddr_un = std::mem::zeroed();
        addr.sun_family = libc::AF_UNIX as u16;
        // Abstract namespace: sun_path[0] stays 0, the name follows.
        for (d, s) in addr.sun_path[1..].iter_mut().zip(name.bytes()) {
            *d = s as libc::c_char;
        }
        let len = (std::mem::size_of::<libc::sa_family_t>() + 1 + name.len()) as libc::socklen_t;
        if libc::bind(fd, &addr as *const _ as *const libc::sockaddr, len) != 0 {
            let e = std::io::Error::last_os_error();
            libc::close(fd);
            if e.raw_os_error() == Some(libc::EADDRINUSE) {
                return Err(format!(
                    "another slotcore is running on port {port} (it holds the lock @{name})"
                ));
            }
            return Err(format!("can't take the port lock @{name}: {e}"));
        }
        Ok(fd)
    }
}

fn pin_current_thread(cpu: usize) {
    // SAFETY: cpu_set_t is plain data; sched_setaffinity(0) applies to this thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            eprintln!(
                "warning: could not pin to CPU {cpu}: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

fn block_signals() -> libc::sigset_t {
    // SAFETY: building a signal set and masking it for this thread (inherited by shards).
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        set
    }
}

/// The nodes file of shard-node `node` of `shards`: `cluster-config-file` itself with
/// one shard; with several, node i (client port P+i) uses the file's name with `-P+i`
/// before its extension (nodes.conf → nodes-7000.conf, nodes-7001.conf, …). Relative
/// names are in `dir`.
pub fn node_config_file(cfg: &Config, node: usize, shards: usize) -> std::path::PathBuf {
    let file = std::path::Path::new(cfg.value("cluster-config-file"));
    let file = if shards <= 1 {
        file.to_path_buf()
    } else {
        let stem = file
            .file_stem()
            .map_or_else(|| "nodes".into(), |s| s.to_string_lossy().into_owned());
        let name = match file.extension() {
            Some(ext) => format!(
                "{stem}-{}.{}",
                cfg.port as usize + node,
                ext.to_string_lossy()
            ),
            None => format!("{stem}-{}", cfg.port as usize + node),
        };
        file.with_file_name(name)
    };
    if file.is_absolute() {
        file
    } else {
        std::path::Path::new(&cfg.dir).join(file)
    }
}

/// Load (or create) shard-node `node`'s cluster state and bind its bus port.
fn start_cluster_node(
    shared: &Arc<Shared>,
    node: usize,
) -> Result<(crate::cluster::state::Cluster, std::net::TcpListener), String> {
    use crate::cluster::state::{Cluster, Settings};
    let cfg = shared.cfg();
    let port = cfg.port as u32 + node as u32;
    let cport = match cfg.number("cluster-port") {
        0 => cfg.port as u32 + 10000,
        p => p as u32,
    } + node as u32;
    if cport > 65535 {
        return Err(format!(
            "Redis port number too high. Cluster communication port is 10,000 port numbers higher than your Redis port. Your Redis port number must be 55535 or less, but {port} specified."
        ));
    }
    let mut set = Settings::new(
        port as u16,
        cport as u16,
        node_config_file(&cfg, node, shared.nshards),
    );
    crate::cluster::net::apply_config(&mut set, &cfg, node);
    let bind = cfg
        .bind
        .first()
        .cloned()
        .unwrap_or_else(|| "0.0.0.0".into());
    drop(cfg);
    let mut state = Cluster::load(set, crate::shared::unix_ms())?;
    state.keys = crate::cluster::handle(shared).nodes[node].keys.clone();
    state.save().map_err(|e| {
        format!(
            "Could not save the cluster config file {}: {e}",
            state.set.config_file.display()
        )
    })?;
    crate::cluster::net::publish_view(&state, shared, node);
    let host = if bind == "*" || bind == "0.0.0.0" {
        "0.0.0.0".to_string()
    } else {
        bind
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    let listener = loop {
        match std::net::TcpListener::bind((host.as_str(), cport as u16)) {
            Ok(l) => break l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => {
                return Err(format!(
                    "Could not bind the cluster bus port {host}:{cport}: {e}"
                ))
            }
        }
    };
    Ok((state, listener))
}

/// Run the server until SIGTERM/SIGINT or SHUTDOWN. Returns the exit code.
pub fn run(config: Config, config_file: String) -> i32 {
    let nshards = config.shard_count();
    let port = config.port;
    // Cluster mode: shard i is a node on its own port P+i.
    let ports: Vec<u16> = if config.cluster_enabled() {
        match (0..nshards)
            .map(|i| u16::try_from(port as usize + i).ok())
            .collect::<Option<Vec<u16>>>()
        {
            Some(p) => p,
            None => {
                eprintln!(
                    "Could not start slotcore: {nshards} shard-nodes from port {port} pass 65535"
                );
                return 1;
            }
        }
    } else {
        vec![port; nshards]
    };
    let mut locks = Vec::new();
    for p in {
        let mut d = ports.clone();
        d.dedup();
        d
    } {
        match lock_port(p) {
            Ok(fd) => locks.push(fd),
            Err(e) => {
                eprintln!("Could not start slotcore: {e}");
                return 1;
            }
        }
    }
    if let Some(pf) = &config.pidfile {
        if let Err(e) = std::fs::write(pf, format!("{}\n", std::process::id())) {
            eprintln!("warning: could not write pidfile {pf}: {e}");
        }
    }
    let bind = config.bind.first().cloned().unwrap_or_else(|| "*".into());
    let cpus = config.shard_cpus.clone();
    let shared = Shared::new(config, nshards, config_file);
    let mesh = Arc::new(Mesh::new(nshards));
    let sigset = block_signals();

    // Cluster mode: load every shard-node's nodes file and bind its bus port before
    // serving anything, so a corrupt file or a busy bus port stops start-up.
    let mut cluster = Vec::new();
    if shared.cluster.is_some() {
        for node in 0..nshards {
            match start_cluster_node(&shared, node) {
                Ok(c) => cluster.push(c),
                Err(e) => {
                    eprintln!("{e}");
                    return 1;
                }
            }
        }
    }

    // Bind every shard's listener first (retrying while a previous process's rings
    // still hold the port), so a bind failure stops start-up cleanly.
    let mut listeners = Vec::with_capacity(nshards);
    for &port in &ports {
        let deadline = Instant::now() + Duration::from_secs(5);
        let fd = loop {
            match listen(&bind, port) {
                Ok(fd) => break fd,
                Err(e)
                    if e.raw_os_error() == Some(libc::EADDRINUSE) && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => {
                    eprintln!("Could not create server TCP listening socket {bind}:{port}: {e}");
                    return 1;
                }
            }
        };
        listeners.push(fd);
    }

    let mut threads = Vec::with_capacity(nshards);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
    for (id, fd) in listeners.into_iter().enumerate() {
        let shared = shared.clone();
        let mesh = mesh.clone();
        let cpu = cpus.get(id).copied();
        let ready = ready_tx.clone();
        let t = std::thread::Builder::new()
            .name(format!("shard-{id}"))
            .spawn(move || {
                if let Some(cpu) = cpu {
                    pin_current_thread(cpu);
                }
                match Shard::new(id, shared, mesh, fd) {
                    Ok(shard) => {
                        let _ = ready.send(Ok(()));
                        // Handlers and routing catch their own panics per client; one
                        // escaping the loop itself would leave this shard's clients and
                        // slots dead while the process looks alive: stop loudly instead,
                        // so a supervisor restarts the server.
                        let r =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| shard.run()));
                        if r.is_err() {
                            eprintln!("shard {id}: event loop panicked; exiting");
                            std::process::exit(70);
                        }
                    }
                    Err(e) => {
                        let _ = ready.send(Err(format!("shard {id}: io_uring setup failed: {e}")));
                    }
                }
            })
            .expect("spawn shard thread");
        threads.push(t);
    }
    drop(ready_tx);
    for _ in 0..nshards {
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                eprintln!("{e}");
                shared.shutdown.store(true, Ordering::Release);
                return 1;
            }
            Err(_) => return 1,
        }
    }
    let bus = (!cluster.is_empty()).then(|| {
        let cpu = shared.cfg().value("bus-cpu").parse().ok();
        crate::cluster::net::spawn(cluster, shared.clone(), mesh.clone(), cpu)
    });
    println!(
        "slotcore {} pid={} port={} shards={} - Ready to accept connections tcp",
        env!("CARGO_PKG_VERSION"),
        std::process::id(),
        port,
        nshards
    );

    // Wait for a signal, or for SHUTDOWN to set the flag.
    while !shared.is_shutting_down() {
        let ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 100_000_000,
        };
        // SAFETY: sigtimedwait on the set blocked above.
        let sig = unsafe { libc::sigtimedwait(&sigset, std::ptr::null_mut(), &ts) };
        if sig == libc::SIGTERM || sig == libc::SIGINT {
            println!(
                "Received {}, scheduling shutdown...",
                if sig == libc::SIGTERM {
                    "SIGTERM"
                } else {
                    "SIGINT"
                }
            );
            shared.shutdown.store(true, Ordering::Release);
        }
    }
    for t in threads {
        let _ = t.join();
    }
    if let Some(b) = bus {
        let _ = b.join();
    }
    if let Some(pf) = &shared.cfg().pidfile {
        let _ = std::fs::remove_file(pf);
    }
    for lock in locks {
        // SAFETY: releasing our lock fds at exit.
        unsafe { libc::close(lock) };
    }
    println!("slotcore is now ready to exit, bye bye...");
    0
}
