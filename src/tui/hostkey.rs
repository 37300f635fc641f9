//! The questions about SSH host keys. An unknown key is shown (host, type,
//! SHA256 fingerprint) and trusted only on an explicit yes, exactly as shown;
//! a changed key is a warning with no way past it but editing known_hosts.

use super::action::Action;
use super::action::{Button, Dialog};
use super::widgets::dialog::DialogBody;
use crate::node::ssh::HostKeyInfo;
use crate::node::ssh::known_hosts::host_entry_name;

/// "Trust this key?", focused on No; for a host known with keys of other
/// types, the warning of [`other_keys_dialog`] instead.
pub fn unknown_key_dialog(node: usize, name: &str, info: &HostKeyInfo) -> Dialog {
    if info.other_keys.is_some() {
        return other_keys_dialog(node, name, info);
    }
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

/// The warning about a host that offered a key of a type known_hosts has
/// no key of, though it has others: Close is first and focused (so `y`
/// closes too); trusting it takes choosing the override button itself.
pub fn other_keys_dialog(node: usize, name: &str, info: &HostKeyInfo) -> Dialog {
    let host = host_entry_name(&info.host, info.port);
    let (types, at) = info
        .other_keys
        .as_ref()
        .map(|o| (o.types.join(", "), o.at.clone()))
        .unwrap_or_default();
    let body = vec![
        format!(
            "The SSH server of {name} ({host}) offered only a {} key, but this host is known \
             with other keys: {types}.",
            info.key_type
        ),
        "A server keeps its keys: someone may be intercepting the connection (man in the \
         middle), offering a key of a type known_hosts has no key of."
            .to_string(),
        String::new(),
        format!("Offered key   {} {}", info.key_type, info.fingerprint),
        format!("Keys on record {types} ({at})"),
        String::new(),
        "ucsconf does not connect to it. Only if the server's keys really changed, and the \
         fingerprint matches the server's own (ssh-keygen -lf on its host key file), choose \
         the override below: it adds this key beside the others."
            .to_string(),
    ];
    Dialog {
        title: format!("HOST KNOWN WITH OTHER KEYS: {name}"),
        body: DialogBody::Text(body),
        buttons: vec![
            Button {
                label: "Close".into(),
                action: None,
            },
            Button {
                label: format!("Override: trust this {} key", info.key_type),
                action: Some(Box::new(Action::TrustHostKey {
                    node,
                    info: Box::new(info.clone()),
                })),
            },
        ],
        selected: 0,
        scroll: 0,
    }
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
