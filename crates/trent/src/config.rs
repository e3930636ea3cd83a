//! `trent serve --config FILE`: a TOML file for everything the flags set.
//!
//! Keys are the long flag names with `_` or `-` (`admin_listen =
//! "127.0.0.1:7980"`, `audit_fail_open = true`). The file's settings are
//! placed before the command line's, and a later flag overrides an earlier
//! one, so flags given on the command line win.

use std::ffi::OsString;

use anyhow::{bail, Context};
use clap::CommandFactory;

/// Expands `serve --config FILE` into the flags the file sets.
pub(crate) fn expand(args: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    let Some(serve) = args.iter().position(|arg| arg == "serve") else {
        return Ok(args);
    };
    let mut rest: Vec<OsString> = Vec::new();
    let mut file = None;
    let mut iter = args[serve + 1..].iter();
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if text == "--config" {
            file = Some(iter.next().cloned().context("--config needs a file")?);
        } else if let Some(path) = text.strip_prefix("--config=") {
            file = Some(OsString::from(path));
        } else {
            rest.push(arg.clone());
        }
    }
    let Some(file) = file else {
        return Ok(args);
    };
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("reading the configuration file {}", file.to_string_lossy()))?;
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", file.to_string_lossy()))?;
    let command = crate::Cli::command();
    let known: Vec<String> = command
        .find_subcommand("serve")
        .map(|serve| {
            serve
                .get_arguments()
                .filter(|arg| !arg.is_hide_set())
                .filter_map(|arg| arg.get_long().map(str::to_owned))
                .filter(|long| long != "help" && long != "config")
                .collect()
        })
        .unwrap_or_default();
    let mut expanded: Vec<OsString> = args[..=serve].to_vec();
    for (key, value) in &table {
        let flag = key.replace('_', "-");
        if !known.contains(&flag) {
            bail!(
                "unknown setting {key:?} in {}; settings are: {}",
                file.to_string_lossy(),
                known.join(", ")
            );
        }
        match value {
            toml::Value::Boolean(true) => expanded.push(format!("--{flag}").into()),
            toml::Value::Boolean(false) => {}
            toml::Value::String(text) => {
                expanded.push(format!("--{flag}").into());
                expanded.push(text.into());
            }
            toml::Value::Integer(number) => {
                expanded.push(format!("--{flag}").into());
                expanded.push(number.to_string().into());
            }
            toml::Value::Float(number) => {
                expanded.push(format!("--{flag}").into());
                expanded.push(number.to_string().into());
            }
            _ => bail!("setting {key:?}: expected a string, a number or a boolean"),
        }
    }
    expanded.extend(rest);
    Ok(expanded)
}
