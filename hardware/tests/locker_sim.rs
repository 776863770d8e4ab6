//! The 8A locker driver against the locker simulator over a real pseudo-terminal.

use std::time::Duration;

use sanban_hardware::locker::{
    DoorEvent, DoorPolarity, DoorState, LockerBoard, LockerError, LockerFamily, LockerSim,
};
use sanban_hardware::transport::SerialTransport;

fn connect(sim: &LockerSim, board: u8, doors: u16, polarity: DoorPolarity) -> Box<dyn LockerBoard> {
    let family: LockerFamily = "8a".parse().unwrap();
    let port = SerialTransport::open(sim.path().to_str().unwrap(), family.baud()).unwrap();
    family.connect(port, board, doors, polarity).unwrap()
}

fn open_doors(states: &[DoorState]) -> Vec<u16> {
    states
        .iter()
        .filter(|d| d.is_open)
        .map(|d| d.door)
        .collect()
}

#[test]
fn open_query_close_round_trip() {
    let sim = LockerSim::spawn(3, 16).unwrap();
    let mut board = connect(&sim, 3, 16, DoorPolarity::LockedMeansShut);
    assert_eq!(board.doors(), 16);
    assert!(
        open_doors(&board.query().unwrap()).is_empty(),
        "all doors start shut"
    );

    assert_eq!(
        board.open(5).unwrap(),
        DoorState {
            door: 5,
            is_open: true
        }
    );
    assert_eq!(
        board.open(16).unwrap(),
        DoorState {
            door: 16,
            is_open: true
        }
    );
    assert_eq!(open_doors(&board.query().unwrap()), [5, 16]);
    assert_eq!(open_doors(&sim.door_states()), [5, 16]);
    assert_eq!(sim.opened_log(), [5, 16]);

    assert_eq!(board.poll_event(Duration::from_millis(50)).unwrap(), None);
    sim.close_door(5);
    assert_eq!(
        board.poll_event(Duration::from_secs(1)).unwrap(),
        Some(DoorEvent::Closed(5))
    );
    assert_eq!(open_doors(&board.query().unwrap()), [16]);

    assert!(matches!(
        board.open(17),
        Err(LockerError::NoSuchDoor {
            door: 17,
            doors: 16
        })
    ));
}

#[test]
fn inverted_wiring_reads_the_other_way() {
    let sim = LockerSim::spawn(1, 4).unwrap();
    let mut board = connect(&sim, 1, 4, DoorPolarity::OpenMeansShut);
    // every lock is latched (11): with this wiring that reads as open
    assert_eq!(open_doors(&board.query().unwrap()), [1, 2, 3, 4]);
    assert_eq!(
        board.open(2).unwrap(),
        DoorState {
            door: 2,
            is_open: false
        }
    );
    sim.close_door(2);
    assert_eq!(
        board.poll_event(Duration::from_secs(1)).unwrap(),
        Some(DoorEvent::Opened(2))
    );
}

#[test]
fn wrong_address_or_silent_board_is_no_answer() {
    let sim = LockerSim::spawn(1, 8).unwrap();
    let family = LockerFamily::Family8A;
    let port = SerialTransport::open(sim.path().to_str().unwrap(), 9600).unwrap();
    let mut other = family.connect(port, 2, 8, DoorPolarity::default()).unwrap();
    assert!(matches!(
        other.query(),
        Err(LockerError::NoAnswer { board: 2 })
    ));
    drop(other);

    let mut board = connect(&sim, 1, 8, DoorPolarity::default());
    sim.set_silent(true);
    let e = board.open(1).unwrap_err();
    assert!(matches!(e, LockerError::NoAnswer { board: 1 }), "{e}");
    assert!(
        open_doors(&sim.door_states()).is_empty(),
        "a silent board opened nothing"
    );
    sim.set_silent(false);
    assert!(board.open(1).unwrap().is_open);
}

#[test]
fn noise_on_the_line_is_skipped() {
    let sim = LockerSim::spawn(1, 8).unwrap();
    let mut board = connect(&sim, 1, 8, DoorPolarity::default());
    board.open(4).unwrap();
    // garbage, a push with a broken BCC, then the real push
    sim.inject(&[0x00, 0x55, 0x82, 0x01, 0x04, 0x11, 0x00, 0xFF]);
    sim.close_door(4);
    assert_eq!(
        board.poll_event(Duration::from_secs(1)).unwrap(),
        Some(DoorEvent::Closed(4))
    );
    assert_eq!(board.poll_event(Duration::from_millis(50)).unwrap(), None);
}
