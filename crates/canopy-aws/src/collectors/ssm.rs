//! SSM parameters — their metadata, never their values: DescribeParameters, then per parameter
//! its tags. A parameter's value (even a plain String one) is never read: it is where people
//! put passwords when they should not, and canopy stores no secrets.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::ResourceTypeForTagging;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, tags_of, tags_src, time};
use crate::error::AwsError;

pub(super) const PARAMETERS: TableDef = TableDef {
    name: "aws_ssm_parameter",
    scope: Scope::Regional,
    description: "SSM Parameter Store parameters (metadata only: values are never read)",
    columns: &[
        Column::text("name", "The parameter's name").required(),
        Column::text("type", "String, StringList or SecureString"),
        Column::text("value", "Always null: canopy never reads parameter values"),
        Column::text("arn", "The parameter's ARN"),
        Column::text("data_type", "text, aws:ec2:image or aws:ssm:integration"),
        Column::text("key_id", "The KMS key a SecureString is encrypted with"),
        Column::time("last_modified_date", "When it was last changed"),
        Column::text("last_modified_user", "Who last changed it"),
        Column::int("version", "Its version"),
        Column::text("selector", "Always null (comes with the value, never read)"),
        Column::text(
            "source_result",
            "Always null (comes with the value, never read)",
        ),
        Column::text("tier", "Standard, Advanced or Intelligent-Tiering"),
        Column::json(
            "policies",
            "Parameter policies: [{\"PolicyText\", \"PolicyType\", \"PolicyStatus\"}]",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["ssm:DescribeParameters", "ssm:ListTagsForResource"],
    filled_by: "collect",
};

pub(super) async fn parameters(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut listed = Vec::new();
    unit.paginate(
        "ssm:DescribeParameters",
        |token| {
            client
                .describe_parameters()
                .max_results(50)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| listed.extend(out.parameters().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["InvalidResourceId", "ParameterNotFound"];
    let rows = super::for_each_listed(listed, |p| {
        let client = &client;
        let partition = &partition;
        async move {
            let name = p.name().unwrap_or_default().to_owned();
            let tags = unit
                .detail(
                    unit.region,
                    "ssm:ListTagsForResource",
                    &name,
                    absent,
                    || {
                        client
                            .list_tags_for_resource()
                            .resource_type(ResourceTypeForTagging::Parameter)
                            .resource_id(&name)
                            .send()
                    },
                )
                .await
                .found();
            let pairs = || {
                tags.iter()
                    .flat_map(|o| o.tag_list())
                    .map(|t| (Some(t.key()), Some(t.value())))
            };
            let policies = if p.policies().is_empty() {
                Cell::Null
            } else {
                Cell::json(Value::Array(
                    p.policies()
                        .iter()
                        .map(|q| {
                            json!({
                                "PolicyStatus": q.policy_status(),
                                "PolicyText": q.policy_text(),
                                "PolicyType": q.policy_type(),
                            })
                        })
                        .collect(),
                ))
            };
            let arn = p.arn().map_or_else(
                || {
                    unit.arn(
                        "ssm",
                        &format!("parameter/{}", name.trim_start_matches('/')),
                    )
                },
                str::to_owned,
            );
            Row::default()
                .with("name", Cell::Text(name.clone()))
                .with("type", Cell::text(p.r#type().map(|t| t.as_str())))
                .with("value", Cell::Null)
                .with("arn", Cell::Text(arn.clone()))
                .with("data_type", Cell::text(p.data_type()))
                .with("key_id", Cell::text(p.key_id()))
                .with("last_modified_date", time(p.last_modified_date()))
                .with("last_modified_user", Cell::text(p.last_modified_user()))
                .with("version", Cell::Int(p.version()))
                .with("selector", Cell::Null)
                .with("source_result", Cell::Null)
                .with("tier", Cell::text(p.tier().map(|t| t.as_str())))
                .with("policies", policies)
                .with("tags_src", tags_src(pairs()))
                .with("title", Cell::Text(name))
                .with("tags", tags_of(pairs()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&PARAMETERS, rows)])
}
