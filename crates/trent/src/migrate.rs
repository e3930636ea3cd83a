//! `trent admin migrate`: a stopped store copied whole into another backend.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use trent_store::copy::{copy_store, Rows};

use crate::root_key::ProgressBar;
use crate::store::{OpenStore, StoreLocation};

#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    /// The store to copy: a SQLite file (DATA_DIR/trent.db; its data
    /// folder must not be in use) or a postgres:// URL.
    #[arg(long, value_name = "STORE")]
    from: String,
    /// The store to fill: a postgres:// URL or a SQLite file path (created
    /// if absent). It must be empty, or hold an interrupted copy of FROM.
    #[arg(long, value_name = "STORE")]
    to: String,
    /// A file holding the PostgreSQL password, for a URL without one.
    #[arg(long, value_name = "FILE")]
    store_password_file: Option<PathBuf>,
}

/// Opens a side of the copy. A SQLite file is locked as a server locks
/// it (`FILE.lock`, by [`OpenStore::open`]), so none can be running on it.
fn open(
    text: &str,
    password_file: Option<&Path>,
    side: &str,
) -> anyhow::Result<(OpenStore, StoreLocation)> {
    let location =
        StoreLocation::parse(Some(text), Path::new(".")).with_context(|| format!("--{side}"))?;
    if let StoreLocation::Sqlite(path) = &location {
        if side == "from" && !path.is_file() {
            anyhow::bail!("--from {}: no such store file", path.display());
        }
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("--{side}: creating {}", folder.display()))?;
        }
    }
    let store =
        OpenStore::open(&location, password_file, None).with_context(|| format!("--{side}"))?;
    if let OpenStore::Postgres(pg) = &store {
        let nodes = pg
            .listening_nodes()
            .map_err(|error| anyhow::anyhow!("--{side}: counting the nodes connected: {error}"))?;
        if nodes > 0 {
            anyhow::bail!(
                "--{side}: {nodes} trent node(s) are serving from {} (stop every node first)",
                location.redacted()
            );
        }
    }
    Ok((store, location))
}

pub(crate) fn migrate(args: &MigrateArgs) -> anyhow::Result<()> {
    let password = args.store_password_file.as_deref();
    let (from, from_location) = open(&args.from, password, "from")?;
    let (to, to_location) = open(&args.to, password, "to")?;
    if from_location == to_location {
        anyhow::bail!("--from and --to name the same store");
    }
    eprintln!(
        "copying {} into {}",
        from_location.redacted(),
        to_location.redacted()
    );
    let mut bar = ProgressBar::of("copying and checking", "rows");
    let copied = copy_store(rows(&from), rows(&to), |progress| {
        bar.show_counts(progress.done, progress.total);
    });
    bar.finish();
    let copied = copied.map_err(|error| anyhow::anyhow!("{error}"))?;
    from.close()?;
    to.close()?;
    println!(
        "copied and checked {} rows from {} into {}",
        copied.total / 2,
        from_location.redacted(),
        to_location.redacted()
    );
    Ok(())
}

fn rows(store: &OpenStore) -> &dyn Rows {
    match store {
        OpenStore::Sqlite(store, _) => store.as_ref(),
        OpenStore::Postgres(store) => store.as_ref(),
    }
}
