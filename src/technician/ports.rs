//! Serial ports with their USB ids (`sanban-kiosk device list`).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortInfo {
    pub name: String,
    /// "usb", "pci", "bluetooth" or "unknown".
    pub kind: &'static str,
    /// `vvvv:pppp` and the maker's strings, for USB ports.
    pub usb: Option<String>,
}

/// Every serial port the system lists.
pub fn list() -> anyhow::Result<Vec<PortInfo>> {
    let ports = serialport::available_ports()
        .map_err(|e| anyhow::anyhow!("cannot list serial ports: {e}"))?;
    Ok(ports
        .into_iter()
        .map(|p| match p.port_type {
            serialport::SerialPortType::UsbPort(u) => PortInfo {
                name: p.port_name,
                kind: "usb",
                usb: Some(format!(
                    "{:04x}:{:04x} {} {}{}",
                    u.vid,
                    u.pid,
                    u.manufacturer.unwrap_or_default(),
                    u.product.unwrap_or_default(),
                    u.serial_number
                        .map(|s| format!(" (serial {s})"))
                        .unwrap_or_default()
                )),
            },
            serialport::SerialPortType::PciPort => PortInfo {
                name: p.port_name,
                kind: "pci",
                usb: None,
            },
            serialport::SerialPortType::BluetoothPort => PortInfo {
                name: p.port_name,
                kind: "bluetooth",
                usb: None,
            },
            serialport::SerialPortType::Unknown => PortInfo {
                name: p.port_name,
                kind: "unknown",
                usb: None,
            },
        })
        .collect())
}
