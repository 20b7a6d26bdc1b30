//! `org tree`: each organization's hierarchy with its accounts, as text, JSON, Mermaid or
//! Graphviz dot. Children are sorted (OUs, then accounts, by name) so output is stable.

use canopy_model::{Account, OrgIndex, OrgSnapshot};
use serde_json::{Value, json};

fn account_label(a: &Account, management: bool) -> String {
    let mut label = format!("{} ({})", a.name, a.id);
    if management {
        label.push_str(" [management]");
    }
    if !a.state.is_active() {
        label.push_str(&format!(" [{}]", a.state));
    }
    label
}

/// An indented tree with box-drawing characters.
pub fn text(snapshots: &[OrgSnapshot]) -> String {
    let mut out = String::new();
    for snap in snapshots {
        let org = &snap.organization;
        out.push_str(&format!(
            "{} (management {}, synced {})\n",
            org.id,
            org.management_account_id,
            canopy_model::format_time(snap.synced_at)
        ));
        let index = snap.index();
        out.push_str(&format!("└── {} ({})\n", snap.root.name, snap.root.id));
        text_node(snap, &index, &snap.root.id, "    ", &mut out);
    }
    out
}

fn text_node(snap: &OrgSnapshot, index: &OrgIndex<'_>, node: &str, prefix: &str, out: &mut String) {
    let ous = index.child_ous(node);
    let accounts = index.child_accounts(node);
    let total = ous.len() + accounts.len();
    let mut n = 0;
    for ou in ous {
        n += 1;
        let last = n == total;
        out.push_str(&format!(
            "{prefix}{}{} ({})\n",
            if last { "└── " } else { "├── " },
            ou.name,
            ou.id
        ));
        let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
        text_node(snap, index, &ou.id, &deeper, out);
    }
    for a in accounts {
        n += 1;
        let last = n == total;
        let management = a.id == snap.organization.management_account_id;
        out.push_str(&format!(
            "{prefix}{}{}\n",
            if last { "└── " } else { "├── " },
            account_label(a, management)
        ));
    }
}

/// `{"organizations": [{..., "root": {"id", "name", "type", "ous": [...], "accounts": [...]}}]}`
pub fn json(snapshots: &[OrgSnapshot]) -> Value {
    let orgs: Vec<Value> = snapshots
        .iter()
        .map(|snap| {
            let index = snap.index();
            json!({
                "id": snap.organization.id,
                "arn": snap.organization.arn,
                "management_account_id": snap.organization.management_account_id,
                "synced_at": canopy_model::format_time(snap.synced_at),
                "root": json_node(snap, &index, &snap.root.id, &snap.root.name, "ROOT"),
            })
        })
        .collect();
    json!({ "organizations": orgs })
}

fn json_node(snap: &OrgSnapshot, index: &OrgIndex<'_>, id: &str, name: &str, kind: &str) -> Value {
    let ous: Vec<Value> = index
        .child_ous(id)
        .into_iter()
        .map(|ou| json_node(snap, index, &ou.id, &ou.name, "ORGANIZATIONAL_UNIT"))
        .collect();
    let accounts: Vec<Value> = index
        .child_accounts(id)
        .into_iter()
        .map(|a| {
            json!({
                "id": a.id,
                "name": a.name,
                "state": a.state,
                "is_management_account": a.id == snap.organization.management_account_id,
            })
        })
        .collect();
    json!({
        "id": id,
        "name": name,
        "type": kind,
        "ou_path": index.ou_path(id),
        "ous": ous,
        "accounts": accounts,
    })
}

fn quoted(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn mermaid_id(id: &str) -> String {
    id.replace('-', "_")
}

/// A Mermaid flowchart (top-down); suspended or closed accounts get the `inactive` class.
pub fn mermaid(snapshots: &[OrgSnapshot]) -> String {
    let mut out = String::from("flowchart TD\n");
    for snap in snapshots {
        let org = &snap.organization;
        let org_node = mermaid_id(org.id.as_str());
        out.push_str(&format!(
            "  {org_node}[\"{} (management {})\"]\n",
            org.id, org.management_account_id
        ));
        let index = snap.index();
        let root = mermaid_id(&snap.root.id);
        out.push_str(&format!(
            "  {root}[\"{}\"]\n",
            quoted(&snap.root.name).replace('"', "#quot;")
        ));
        out.push_str(&format!("  {org_node} --> {root}\n"));
        let mut stack = vec![snap.root.id.clone()];
        while let Some(node) = stack.pop() {
            let from = mermaid_id(&node);
            for ou in index.child_ous(&node) {
                let to = mermaid_id(&ou.id);
                out.push_str(&format!("  {to}[\"{}\"]\n", ou.name.replace('"', "#quot;")));
                out.push_str(&format!("  {from} --> {to}\n"));
                stack.push(ou.id.clone());
            }
            for a in index.child_accounts(&node) {
                let to = format!("a{}", a.id);
                let label =
                    account_label(a, a.id == org.management_account_id).replace('"', "#quot;");
                out.push_str(&format!("  {to}([\"{label}\"])\n"));
                out.push_str(&format!("  {from} --> {to}\n"));
                if !a.state.is_active() {
                    out.push_str(&format!("  class {to} inactive\n"));
                }
            }
        }
    }
    out.push_str("  classDef inactive stroke-dasharray: 5 5,color:#888\n");
    out
}

/// A Graphviz digraph; accounts are ellipses, OUs boxes, inactive accounts dashed.
pub fn dot(snapshots: &[OrgSnapshot]) -> String {
    let mut out = String::from("digraph organizations {\n  rankdir=TB;\n  node [shape=box];\n");
    for snap in snapshots {
        let org = &snap.organization;
        out.push_str(&format!(
            "  \"{}\" [label=\"{} (management {})\", shape=folder];\n",
            org.id, org.id, org.management_account_id
        ));
        let index = snap.index();
        out.push_str(&format!(
            "  \"{}\" [label=\"{}\"];\n  \"{}\" -> \"{}\";\n",
            snap.root.id,
            quoted(&snap.root.name),
            org.id,
            snap.root.id
        ));
        let mut stack = vec![snap.root.id.clone()];
        while let Some(node) = stack.pop() {
            for ou in index.child_ous(&node) {
                out.push_str(&format!(
                    "  \"{}\" [label=\"{}\"];\n  \"{}\" -> \"{}\";\n",
                    ou.id,
                    quoted(&ou.name),
                    node,
                    ou.id
                ));
                stack.push(ou.id.clone());
            }
            for a in index.child_accounts(&node) {
                let style = if a.state.is_active() {
                    ""
                } else {
                    ", style=dashed"
                };
                out.push_str(&format!(
                    "  \"{}\" [label=\"{}\", shape=ellipse{style}];\n  \"{}\" -> \"{}\";\n",
                    a.id,
                    quoted(&account_label(a, a.id == org.management_account_id)),
                    node,
                    a.id
                ));
            }
        }
    }
    out.push_str("}\n");
    out
}
