use std::process::ExitCode;

/// mimalloc: a request allocates and frees dozens of small blocks across
/// threads; glibc's malloc spent a fifth of a batch check's time on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use gatehouse::config::{Cli, ClusterCommand, Command, Config, SnapshotCommand};
use gatehouse::startup::Application;
use gatehouse::{inspect, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Snapshot {
            command: SnapshotCommand::Inspect { file },
        }) => return inspect::run(&file),
        Some(Command::Cluster {
            command: ClusterCommand::Haproxy { file, bind },
        }) => return gatehouse::cluster::print_haproxy(&file, &bind),
        None => {}
    }
    telemetry::init(cli.serve.log_format);
    let config = Config::from(cli.serve);
    actix_web::rt::System::new().block_on(async move {
        let app = match Application::build(config).await {
            Ok(app) => app,
            Err(e) => {
                tracing::error!("cannot start: {e}");
                eprintln!("gatehouse: cannot start: {e}");
                return ExitCode::FAILURE;
            }
        };
        match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("gatehouse: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
