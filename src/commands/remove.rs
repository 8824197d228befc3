//! `cachectl remove`: take out every URL of a cache (any route) and its key.

use std::io::Write;

use anyhow::{Result, bail};
use cachectl::keys;
use cachectl::nix::plan::{self, RemoveRequest};
use cachectl::store_url;

use super::{ExitStatus, Setup};
use crate::cli::{Cli, RemoveArgs};

pub fn run(cli: &Cli, args: &RemoveArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let setup = Setup::load(cli)?;
    let reg = &setup.registry;
    let target = args.cache.trim();
    let (mut urls, mut key_names) = (Vec::new(), Vec::new());
    if target.contains("://") {
        urls.push(target.to_owned());
        match reg.by_url(target) {
            Some(c) => {
                urls.extend(c.routes.iter().map(|(_, u)| u.clone()));
                key_names.extend(c.key_name().map(str::to_owned));
            }
            None => {
                if let Some(host) = store_url::host_of(target) {
                    key_names.push(format!("{host}-1"));
                    key_names.push(host);
                }
            }
        }
    } else {
        let Some(c) = reg.get(target) else {
            bail!("unknown cache `{target}`; known caches: {}; or give its URL", reg.names());
        };
        urls.extend(c.routes.iter().map(|(_, u)| u.clone()));
        key_names.extend(c.key_name().map(str::to_owned));
    }
    if let Some(k) = &args.key {
        match keys::key_name(k) {
            Some(n) => key_names.push(n.to_owned()),
            None => key_names.push(k.trim().to_owned()),
        }
    }
    let req = RemoveRequest { urls, key_names, at: args.edit.at };
    if !args.edit.host.is_empty() {
        return match super::host_edit::remove(&setup, &args.edit.host, &req.urls, out)? {
            super::host_edit::Plan::Nothing => Ok(ExitStatus::Success),
            super::host_edit::Plan::Edit(files) => super::host_edit::each(&files, |p| {
                super::edit_file(p, args.edit.dry_run, cli.json, out, |text| plan::remove(text, &req))
            }),
        };
    }
    let path = setup.nix_file(cli)?;
    let status = super::edit_file(&path, args.edit.dry_run, cli.json, out, |text| {
        let o = plan::remove(text, &req)?;
        if o.new_text.is_none() && o.notes.is_empty() {
            let note = plan::Note {
                line: 1,
                warning: false,
                message: format!("{target} is not configured here; nothing to remove"),
            };
            return Ok(plan::Outcome { new_text: None, notes: vec![note] });
        }
        Ok(o)
    })?;
    Ok(status)
}
