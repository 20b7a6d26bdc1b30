//! IAM and the account: what collect asks IAM (each global call once per account, nothing for the
//! suspended account) and what the rows say (roles' trust in both forms, `aws_account` from the
//! sync).

use serde_json::json;

use super::Collected;

/// The checks of this family on the estate collect read.
pub(super) fn check(c: &Collected) {
    let s = &c.s;
    let seeded = &c.seeded;
    // calls: one assume-role per member account, the management account uses the caller's
    // credentials; global services once per account; nothing at all for the suspended one
    assert_eq!(s.moto.count("AssumeRole"), 2);
    assert_eq!(s.moto.count("DescribeRegions"), 3);
    assert_eq!(s.moto.count("ListRoles"), 3);
    assert_eq!(s.moto.count("ListAccountAliases"), 3);
    // IAM: one details call per account for users, groups and policies, and one for roles
    // where there are roles (the management account has none here)
    assert_eq!(s.moto.count("GetAccountAuthorizationDetails"), 3 + 2);
    // users listed once for the users' table and once for their access keys' (a unit of its
    // own, so `--tables aws_iam_access_key` needs no authorization details)
    assert_eq!(s.moto.count("ListUsers"), 3 + 3);
    assert_eq!(s.moto.count("ListPolicies"), 3);
    assert_eq!(
        s.moto.count("DescribeOrganization"),
        0,
        "aws_account reads the sync"
    );

    assert_eq!(s.moto.count("GetAccountPasswordPolicy"), 3);
    assert_eq!(s.moto.count("GetAccountSummary"), 3);

    let role = s.query("select assume_role_policy -> 'Statement' -> 0 -> 'Principal' ->> 'AWS' as trusted from aws_iam_role where name = 'deployer'",
    );
    assert_eq!(role[0]["trusted"], "arn:aws:iam::444455556666:root");
    let std = s.query("select assume_role_policy_std -> 'Statement' -> 0 -> 'Principal' -> 'AWS' ->> 0 as trusted, assume_role_policy_std -> 'Statement' -> 0 -> 'Action' ->> 0 as action from aws_iam_role where name = 'deployer'");
    assert_eq!(
        std,
        vec![json!({"trusted": "arn:aws:iam::444455556666:root", "action": "sts:assumerole"})],
        "Steampipe's canonical form"
    );

    // every account knows its organization, from the sync
    let org_id = seeded["organizations"][0]["id"].as_str().unwrap();
    let accounts = s.query("select account_id, organization_id, organization_master_account_id, title, arn, region from aws_account order by account_id");
    assert_eq!(accounts.len(), 3);
    for a in &accounts {
        assert_eq!(a["organization_id"], org_id);
        assert_eq!(a["organization_master_account_id"], "123456789012");
        assert_eq!(a["region"], "global");
        assert_eq!(
            a["arn"],
            format!("arn:aws:::{}", a["account_id"].as_str().unwrap())
        );
    }

    let iam_regions = s.query("select distinct region from aws_iam_role");
    assert_eq!(iam_regions, vec![json!({"region": "global"})]);
}
