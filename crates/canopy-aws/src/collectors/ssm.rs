//! SSM parameters — their metadata, never their values: DescribeParameters, then per parameter
//! its tags. A parameter's value (even a plain String one) is never read: it is where people
//! put passwords when they should not, and canopy stores no secrets.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::ResourceTypeForTagging;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, tags_of, tags_src, time};
use crate::error::AwsError;

/// What is read of one row of `aws_ssm_parameter`.
struct Parameter {
    p: aws_sdk_ssm::types::ParameterMetadata,
    name: String,
    tags: Option<aws_sdk_ssm::operation::list_tags_for_resource::ListTagsForResourceOutput>,
    policies: Cell,
    arn: String,
}

table! {
    PARAMETERS: Parameter = Regional "aws_ssm_parameter"
        ["ssm:DescribeParameters", "ssm:ListTagsForResource"],
        "SSM Parameter Store parameters (metadata only: values are never read)";
    C::text("name", "The parameter's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("type", "String, StringList or SecureString", |x, _| Cell::variant(x.p.r#type())),
    C::text("value", "Always null: canopy never reads parameter values", |_, _| Cell::Null),
    C::text("arn", "The parameter's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("data_type", "text, aws:ec2:image or aws:ssm:integration", |x, _| Cell::text(x.p.data_type())),
    C::text("key_id", "The KMS key a SecureString is encrypted with", |x, _| Cell::text(x.p.key_id())),
    C::time("last_modified_date", "When it was last changed", |x, _| time(x.p.last_modified_date())),
    C::text("last_modified_user", "Who last changed it", |x, _| Cell::text(x.p.last_modified_user())),
    C::int("version", "Its version", |x, _| Cell::Int(x.p.version())),
    C::text("selector", "Always null (comes with the value, never read)", |_, _| Cell::Null),
    C::text("source_result", "Always null (comes with the value, never read)", |_, _| Cell::Null),
    C::text("tier", "Standard, Advanced or Intelligent-Tiering", |x, _| Cell::variant(x.p.tier())),
    C::json("policies", "Parameter policies: [{\"PolicyText\", \"PolicyType\", \"PolicyStatus\"}]", |x, _| x.policies.clone()),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags.iter().flat_map(|o| o.tag_list()))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags.iter().flat_map(|o| o.tag_list()))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

pub(super) async fn parameters(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "ssm:DescribeParameters",
            |token| {
                client
                    .describe_parameters()
                    .max_results(50)
                    .set_next_token(token)
                    .send()
            },
            |out| out.next_token(),
            |out| out.parameters.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["InvalidResourceId", "ParameterNotFound"];
    PARAMETERS
        .each_listed(unit, listed, |p| {
            let client = &client;
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
                Parameter {
                    p,
                    name,
                    tags,
                    policies,
                    arn,
                }
            }
        })
        .await
}

collectors! {
    parameters: PARAMETERS;
}
