//! The ID card driver against its simulator over a real pseudo-terminal: every card type and every fault.

use std::time::{Duration, Instant};

use sanban_hardware::idcard::{
    CardKind, Command, Fault, IdCardError, IdCardSim, IdReader, ReaderStatus, SimCard, ValidTo,
};
use sanban_hardware::transport::SerialTransport;

fn setup(timeout: Duration) -> (IdCardSim, IdReader<SerialTransport>) {
    let sim = IdCardSim::spawn().expect("pty simulator starts");
    let path = sim.path().to_str().expect("pty path is UTF-8").to_owned();
    assert!(path.starts_with("/dev/"), "a real device path: {path}");
    let port =
        SerialTransport::open(&path, 115_200).expect("the pty slave opens like a serial port");
    (sim, IdReader::new(port).with_timeout(timeout))
}

fn samples() -> Vec<SimCard> {
    vec![
        SimCard::resident(),
        SimCard::resident_long_term(),
        SimCard::elderly(),
        SimCard::hk_macao_taiwan(),
        SimCard::pr_2017(),
        SimCard::pr_2023(),
    ]
}

#[test]
fn reads_every_card_type_over_a_pty() {
    let (sim, mut reader) = setup(Duration::from_secs(2));
    for card in samples() {
        sim.place(card.clone());
        let read = reader.read_card().expect("read succeeds");
        assert_eq!(read.record, card.record, "{:?}", card.record.kind());
        assert_eq!(read.photo.as_bytes(), &card.photo[..]);
        assert_eq!(read.timings.len(), 3);
        assert_eq!(read.bytes.sent, 30);
        assert_eq!(read.bytes.received, 15 + 19 + 1295);
    }
    let kinds: Vec<CardKind> = samples().iter().map(|c| c.record.kind()).collect();
    assert!(
        kinds.contains(&CardKind::PermanentResident2017)
            && kinds.contains(&CardKind::HkMacaoTaiwan)
    );
}

#[test]
fn long_term_and_elderly_cards() {
    let (sim, mut reader) = setup(Duration::from_secs(2));
    sim.place(SimCard::resident_long_term());
    let r = reader.read_card().unwrap().record;
    assert_eq!(r.valid_to, ValidTo::LongTerm);
    sim.place(SimCard::elderly());
    let r = reader.read_card().unwrap().record;
    let today = sanban_hardware::idcard::Date::new(2025, 1, 1).unwrap();
    assert!(r.age_on(today) >= 60);
    assert_eq!(r.masked_name(), "欧阳**");
}

#[test]
fn fingerprint_read_over_a_pty() {
    let (sim, mut reader) = setup(Duration::from_secs(2));
    sim.place(SimCard::resident().with_fingerprint(1024));
    let read = reader.read_card_with_fingerprint().unwrap();
    assert_eq!(read.fingerprint.unwrap().len(), 1024);
    assert_eq!(read.bytes.received, 15 + 19 + 2321);
    assert_eq!(
        read.timings.last().unwrap().0,
        Command::ReadTextWithFingerprint
    );
}

#[test]
fn sam_commands_over_a_pty() {
    let (_sim, mut reader) = setup(Duration::from_secs(2));
    reader.reset_sam().unwrap();
    assert_eq!(reader.sam_status().unwrap(), ReaderStatus::Success);
    assert_eq!(
        reader.sam_id().unwrap().to_string(),
        "05.01-20101126-0001234567-0987654321"
    );
}

#[test]
fn no_card_then_a_card() {
    let (sim, mut reader) = setup(Duration::from_secs(2));
    assert!(!reader.find_card().unwrap());
    assert!(matches!(reader.read_card(), Err(IdCardError::NoCard)));
    sim.place(SimCard::resident());
    assert!(reader.find_card().unwrap());
    assert!(reader.read_card().is_ok());
    sim.remove();
    assert!(matches!(reader.read_card(), Err(IdCardError::NoCard)));
}

#[test]
fn no_card_fault_hides_a_placed_card_until_cleared() {
    let (sim, mut reader) = setup(Duration::from_secs(2));
    sim.place(SimCard::resident());
    sim.inject(Fault::NoCard);
    assert!(matches!(reader.read_card(), Err(IdCardError::NoCard)));
    assert!(
        matches!(reader.read_card(), Err(IdCardError::NoCard)),
        "the fault persists"
    );
    sim.clear_faults();
    assert!(reader.read_card().is_ok());
}

#[test]
fn select_failure_is_reported_and_recovers() {
    let (sim, mut reader) = setup(Duration::from_secs(2));
    sim.place(SimCard::resident());
    sim.inject(Fault::SelectFails);
    assert!(matches!(reader.read_card(), Err(IdCardError::SelectFailed)));
    assert!(matches!(
        reader.select_card(),
        Err(IdCardError::SelectFailed)
    ));
    sim.clear_faults();
    assert!(reader.read_card().is_ok());
}

#[test]
fn read_failure_is_reported_and_recovers() {
    let (sim, mut reader) = setup(Duration::from_secs(2));
    sim.place(SimCard::pr_2023());
    sim.inject(Fault::ReadFails);
    let err = reader.read_card().unwrap_err();
    assert!(
        matches!(err, IdCardError::ReadFailed(ReaderStatus::ReadFailed)),
        "{err}"
    );
    sim.clear_faults();
    assert_eq!(
        reader.read_card().unwrap().record,
        SimCard::pr_2023().record
    );
}

#[test]
fn checksum_error_is_reported_once_and_a_retry_succeeds() {
    let (sim, mut reader) = setup(Duration::from_secs(2));
    sim.place(SimCard::resident());
    sim.inject(Fault::ChecksumError);
    let err = reader.read_card().unwrap_err();
    assert!(matches!(err, IdCardError::Checksum { .. }), "{err}");
    // "Once": the retry succeeds without clearing.
    assert_eq!(
        reader.read_card().unwrap().record,
        SimCard::resident().record
    );
}

#[test]
fn slow_reader_succeeds_within_the_timeout() {
    let (sim, mut reader) = setup(Duration::from_secs(1));
    sim.place(SimCard::hk_macao_taiwan());
    sim.inject(Fault::Slow(Duration::from_millis(120)));
    let started = Instant::now();
    let read = reader.read_card().expect("slow but within the timeout");
    assert!(started.elapsed() >= Duration::from_millis(360));
    for (step, took) in &read.timings {
        assert!(*took >= Duration::from_millis(120), "{step} took {took:?}");
    }
    assert_eq!(read.record, SimCard::hk_macao_taiwan().record);
}

#[test]
fn too_slow_reader_times_out_and_its_late_answer_is_not_taken_for_the_next() {
    let (sim, mut reader) = setup(Duration::from_millis(150));
    sim.place(SimCard::resident());
    sim.inject(Fault::Slow(Duration::from_millis(400)));
    let err = reader.find_card().unwrap_err();
    assert!(
        matches!(
            err,
            IdCardError::Timeout {
                command: Command::FindCard,
                received: 0,
                ..
            }
        ),
        "{err}"
    );
    sim.clear_faults();
    std::thread::sleep(Duration::from_millis(450)); // the late find answer lands in our input buffer
    reader.set_timeout(Duration::from_secs(2));
    assert!(
        matches!(reader.select_card(), Ok(())),
        "the stale 9F answer was discarded, not read as select's"
    );
}

#[test]
fn half_frame_is_a_timeout_with_bytes_received_then_recovers() {
    let (sim, mut reader) = setup(Duration::from_millis(200));
    sim.place(SimCard::resident());
    sim.inject(Fault::HalfFrame);
    match reader.read_card() {
        Err(IdCardError::Timeout {
            command: Command::FindCard,
            received,
            ..
        }) => {
            assert_eq!(received, 7, "half of the 15-byte find answer")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    sim.clear_faults();
    assert!(reader.read_card().is_ok());
}

#[test]
fn silent_reader_is_a_timeout_then_recovers_when_unsilenced() {
    let (sim, mut reader) = setup(Duration::from_millis(200));
    sim.place(SimCard::resident());
    sim.inject(Fault::Silent);
    let before = sim.commands_received();
    let started = Instant::now();
    match reader.read_card() {
        Err(IdCardError::Timeout {
            received: 0,
            timeout,
            ..
        }) => assert_eq!(timeout, Duration::from_millis(200)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert!(
        sim.commands_received() > before,
        "the command reached the simulator, which kept silent"
    );
    sim.clear_faults();
    assert!(reader.read_card().is_ok());
}

#[test]
fn a_vanished_device_is_an_io_error_not_a_timeout() {
    let (sim, mut reader) = setup(Duration::from_millis(300));
    let path = sim.path().to_path_buf();
    drop(sim);
    assert!(!path.exists(), "dropping the simulator closes its pty");
    let err = reader.find_card().unwrap_err();
    assert!(
        matches!(err, IdCardError::Io(_)),
        "expected an I/O error, got {err}"
    );
}

#[test]
fn errors_and_debug_output_carry_no_card_data() {
    let (sim, mut reader) = setup(Duration::from_secs(2));
    let card = SimCard::resident();
    sim.place(card.clone());
    let read = reader.read_card().unwrap();
    let shown = format!("{read:?}");
    assert!(
        !shown.contains(card.record.id_number()) && !shown.contains(card.record.name()),
        "{shown}"
    );
    assert!(shown.contains(&card.record.masked_id()));
}
