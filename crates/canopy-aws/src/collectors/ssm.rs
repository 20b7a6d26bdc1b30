//! SSM parameters — their metadata, never their values: DescribeParameters, then per parameter
//! its tags. A parameter's value (even a plain String one) is never read: it is where people
//! put passwords when they should not, and canopy stores no secrets.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::ResourceTypeForTagging;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::Collector;
use super::columns::{self, Col};
use super::{Unit, batch, tags_of, tags_src, time};
use crate::error::AwsError;

/// What is read of one row of `aws_ssm_parameter`.
struct Parameter {
    p: aws_sdk_ssm::types::ParameterMetadata,
    name: String,
    tags: Option<aws_sdk_ssm::operation::list_tags_for_resource::ListTagsForResourceOutput>,
    policies: Cell,
    arn: String,
}

/// A column of `aws_ssm_parameter`.
type C = Col<Parameter>;

#[rustfmt::skip]
const PARAMETERS_COLUMNS: &[Col<Parameter>] = &[
    C::text("name", "The parameter's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("type", "String, StringList or SecureString", |x, _| Cell::text(x.p.r#type().map(|t| t.as_str()))),
    C::text("value", "Always null: canopy never reads parameter values", |_, _| Cell::Null),
    C::text("arn", "The parameter's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("data_type", "text, aws:ec2:image or aws:ssm:integration", |x, _| Cell::text(x.p.data_type())),
    C::text("key_id", "The KMS key a SecureString is encrypted with", |x, _| Cell::text(x.p.key_id())),
    C::time("last_modified_date", "When it was last changed", |x, _| time(x.p.last_modified_date())),
    C::text("last_modified_user", "Who last changed it", |x, _| Cell::text(x.p.last_modified_user())),
    C::int("version", "Its version", |x, _| Cell::Int(x.p.version())),
    C::text("selector", "Always null (comes with the value, never read)", |_, _| Cell::Null),
    C::text("source_result", "Always null (comes with the value, never read)", |_, _| Cell::Null),
    C::text("tier", "Standard, Advanced or Intelligent-Tiering", |x, _| Cell::text(x.p.tier().map(|t| t.as_str()))),
    C::json("policies", "Parameter policies: [{\"PolicyText\", \"PolicyType\", \"PolicyStatus\"}]", |x, _| x.policies.clone()),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags.iter().flat_map(|o| o.tag_list()))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags.iter().flat_map(|o| o.tag_list()))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    C::partition(),
];

pub(super) const PARAMETERS: TableDef = TableDef {
    name: "aws_ssm_parameter",
    scope: Scope::Regional,
    description: "SSM Parameter Store parameters (metadata only: values are never read)",
    columns: &columns::columns::<Parameter, { PARAMETERS_COLUMNS.len() }>(PARAMETERS_COLUMNS),
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
            columns::row(
                PARAMETERS_COLUMNS,
                &Parameter {
                    p,
                    name,
                    tags,
                    policies,
                    arn,
                },
                &columns::RowCtx { partition },
            )
        }
    })
    .await;
    Ok(vec![batch(&PARAMETERS, rows)])
}

/// The collectors of this module, in the order `canopy tables` lists their tables.
pub(super) const COLLECTORS: &[Collector] =
    &[Collector::new(&[&PARAMETERS], |u| Box::pin(parameters(u)))];
