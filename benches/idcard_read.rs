//! ID card read: host overhead beyond the bytes' time on the wire at 115200 baud (budget < 5 ms).
//!
//! Over a pseudo-terminal (no baud pacing) the whole find → select → read exchange takes only the hosts'
//! processing time: driver encode/decode, the simulator, and the kernel's tty layer. That total is the overhead a
//! real 115200-baud line would add on top of the bytes' own wire time, so it is held to the 5 ms budget.

#[path = "common.rs"]
mod common;

use std::time::Duration;

use sanban_hardware::idcard::{IdCardSim, IdReader, SimCard};
use sanban_hardware::transport::{wire_time, MemoryPipe, SerialTransport};

fn main() {
    let sim = IdCardSim::spawn().unwrap();
    sim.place(SimCard::resident());
    let mut reader =
        IdReader::new(SerialTransport::open(sim.path().to_str().unwrap(), 115_200).unwrap());
    let first = reader.read_card().unwrap();
    let wire = wire_time(first.bytes.total(), 115_200);
    println!(
        "one read: {} bytes exchanged = {:.1} ms on the wire at 115200 baud",
        first.bytes.total(),
        common::ms(wire)
    );
    let mut samples: Vec<Duration> = (0..200)
        .map(|_| reader.read_card().unwrap().total_time())
        .collect();
    common::report(
        "idcard read over a pty: host overhead",
        &mut samples,
        Some(Duration::from_millis(5)),
    );

    let (host, device) = MemoryPipe::pair();
    let sim = IdCardSim::serve(device);
    sim.place(SimCard::resident());
    let mut reader = IdReader::new(host);
    let mut samples: Vec<Duration> = (0..500)
        .map(|_| reader.read_card().unwrap().total_time())
        .collect();
    common::report(
        "idcard read over a memory pipe: driver+sim",
        &mut samples,
        Some(Duration::from_millis(5)),
    );
}
