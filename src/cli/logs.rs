//! `logs`: the end of the application log, filtered, and followed.

use super::args::{Cli, LogsArgs};
use crate::ops::Target;
use crate::{Error, Result};

pub async fn run(cli: &Cli, args: &LogsArgs, targets: &[Target]) -> Result<u8> {
    let _ = (cli, args, targets);
    Err(Error::Failed("logs: not available yet".into()))
}
