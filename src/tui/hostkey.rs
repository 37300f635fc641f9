//! The questions about SSH host keys. An unknown key is shown (host, type,
//! SHA256 fingerprint) and trusted only on an explicit yes, exactly as shown;
//! a changed key is a warning with no way past it but editing known_hosts.

use super::action::Action;
use super::widgets::dialog::{Button, Dialog};
use crate::node::ssh::HostKeyInfo;
use crate::node::ssh::known_hosts::host_entry_name;

/// "Trust this key?", focused on No.
pub fn unknown_key_dialog(node: usize, name: &str, info: &HostKeyInfo) -> Dialog {
    let host = host_entry_name(&info.host, info.port);
    let whose = if info.alias == info.host || info.alias == host {
        format!("The SSH server of {name}")
    } else {
        format!("The SSH server {} (on the way to {name})", info.alias)
    };
    let body = vec![
        format!(
            "{whose} presented a host key that known_hosts does not list: \
             nothing tells yet that it is the real server."
        ),
        String::new(),
        format!("Host         {host}"),
        format!("Key type     {}", info.key_type),
        format!("Fingerprint  {}", info.fingerprint),
        String::new(),
        "Compare the fingerprint with the server's own (on the server: ssh-keygen -lf \
         on its host key file)."
            .to_string(),
        format!(
            "Trust adds exactly this key to {}.",
            info.known_hosts.display()
        ),
    ];
    Dialog::confirm(
        format!("Unknown host key: {name}"),
        body,
        "Trust",
        Action::TrustHostKey {
            node,
            info: Box::new(info.clone()),
        },
    )
}

/// The warning about a changed key: it only closes.
pub fn changed_key_dialog(name: &str, host: &str, fingerprint: &str, known_hosts: &str) -> Dialog {
    let body = vec![
        format!(
            "The SSH server of {name} ({host}) presented a host key different from the one \
             known_hosts has for it."
        ),
        "Someone may be intercepting the connection (man in the middle); or the server \
         was reinstalled."
            .to_string(),
        String::new(),
        format!("Presented key  {fingerprint}"),
        format!("Old key        {known_hosts}"),
        String::new(),
        "ucsconf will not connect to it. If the change is expected, delete that line from \
         the file, then press R to connect again and check the new key."
            .to_string(),
    ];
    Dialog::choices(
        format!("HOST KEY CHANGED: {name}"),
        body,
        vec![Button {
            label: "Close".into(),
            action: None,
        }],
    )
}
