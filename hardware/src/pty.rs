//! Pseudo-terminals for the device simulators: the simulator owns the master side, the driver opens the slave
//! path as if it were a real serial port.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

/// Both ends of a new pseudo-terminal.
pub(crate) struct PtyPair {
    /// The simulator's side.
    pub master: TTYPort,
    /// Kept open so the master never sees a hang-up while no driver has the port open.
    pub slave: TTYPort,
    /// What a driver opens, e.g. `/dev/pts/7`.
    pub path: PathBuf,
}

/// Open a pseudo-terminal (the slave in raw mode) whose master reads time out after `master_timeout`.
pub(crate) fn open(master_timeout: Duration) -> io::Result<PtyPair> {
    let (mut master, slave) = TTYPort::pair().map_err(io::Error::from)?;
    let path = slave
        .name()
        .map(PathBuf::from)
        .ok_or_else(|| io::Error::other("pseudo-terminal has no slave path"))?;
    master
        .set_timeout(master_timeout)
        .map_err(io::Error::from)?;
    Ok(PtyPair {
        master,
        slave,
        path,
    })
}
