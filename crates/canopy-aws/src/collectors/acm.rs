//! ACM certificates: ListCertificates (every key type, not only RSA-2048 as by default), then
//! per certificate its details, tags and, once issued, its public certificate and chain (never
//! a private key: ACM does not hand one out here).

use aws_sdk_acm::Client;
use aws_sdk_acm::types::{DomainValidation, Filters, KeyAlgorithm};
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, tags_of, tags_src, time};
use crate::error::AwsError;

pub(super) const CERTIFICATES: TableDef = TableDef {
    name: "aws_acm_certificate",
    scope: Scope::Regional,
    description: "ACM certificates: domains, validity, renewal, where they are used",
    columns: &[
        Column::text("certificate_arn", "The certificate's ARN").required(),
        Column::text("certificate", "The issued certificate, PEM (public)"),
        Column::text("certificate_chain", "The issuing chain, PEM (public)"),
        Column::text("domain_name", "Its primary domain name"),
        Column::text(
            "certificate_transparency_logging_preference",
            "ENABLED or DISABLED",
        ),
        Column::text("export", "Whether it may be exported: ENABLED or DISABLED"),
        Column::time("created_at", "When it was requested (AMAZON_ISSUED)"),
        Column::text("subject", "Its subject"),
        Column::time("imported_at", "When it was imported (IMPORTED)"),
        Column::text("issuer", "Its issuing authority"),
        Column::text("signature_algorithm", "Its signature algorithm"),
        Column::json(
            "extended_key_usages",
            "Extended key usages: [{\"Name\", \"OID\"}]",
        ),
        Column::text("failure_reason", "Why its request failed, if it did"),
        Column::time("issued_at", "When it was issued"),
        Column::text(
            "status",
            "ISSUED, PENDING_VALIDATION, EXPIRED, REVOKED, FAILED, ...",
        ),
        Column::text(
            "key_algorithm",
            "Its key algorithm (RSA_2048, EC_prime256v1, ...)",
        ),
        Column::time("not_after", "The end of its validity"),
        Column::time("not_before", "The start of its validity"),
        Column::text(
            "renewal_eligibility",
            "ELIGIBLE or INELIGIBLE for managed renewal",
        ),
        Column::text("revocation_reason", "Why it was revoked, if it was"),
        Column::time("revoked_at", "When it was revoked"),
        Column::text("serial", "Its serial number"),
        Column::text("type", "AMAZON_ISSUED, IMPORTED or PRIVATE"),
        Column::json(
            "domain_validation_options",
            "Validation per domain: [{\"DomainName\", \"ValidationStatus\", \"ValidationMethod\", \"ResourceRecord\", ...}]",
        ),
        Column::json("in_use_by", "ARNs of the resources that use it"),
        Column::json("subject_alternative_names", "Its subject alternative names"),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "acm:ListCertificates",
        "acm:DescribeCertificate",
        "acm:GetCertificate",
        "acm:ListTagsForCertificate",
    ],
    filled_by: "collect",
};

fn validations(items: &[DomainValidation]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|d| {
                json!({
                    "DomainName": d.domain_name(),
                    "ResourceRecord": d.resource_record().map(|r| json!({
                        "Name": r.name(),
                        "Type": r.r#type().as_str(),
                        "Value": r.value(),
                    })),
                    "ValidationDomain": d.validation_domain(),
                    "ValidationEmails": d.validation_emails(),
                    "ValidationMethod": d.validation_method().map(|m| m.as_str()),
                    "ValidationStatus": d.validation_status().map(|s| s.as_str()),
                })
            })
            .collect(),
    )
}

/// AWS still reports the preference, though it no longer lets it be opted out of.
#[allow(deprecated)]
fn transparency_logging(options: &aws_sdk_acm::types::CertificateOptions) -> Option<&str> {
    options
        .certificate_transparency_logging_preference()
        .map(|p| p.as_str())
}

pub(super) async fn certificates(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    // without a key-type filter, ListCertificates lists only RSA_1024 and RSA_2048 certificates
    let every_key = Filters::builder()
        .set_key_types(Some(
            KeyAlgorithm::values()
                .iter()
                .map(|k| KeyAlgorithm::from(*k))
                .collect(),
        ))
        .build();
    let mut arns = Vec::new();
    unit.paginate(
        "acm:ListCertificates",
        |token| {
            client
                .list_certificates()
                .includes(every_key.clone())
                .max_items(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            arns.extend(
                out.certificate_summary_list()
                    .iter()
                    .filter_map(|c| c.certificate_arn().map(str::to_owned)),
            )
        },
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["ResourceNotFoundException", "RequestInProgressException"];
    let rows = super::for_each_listed(arns, |arn| {
        let client = &client;
        let partition = &partition;
        async move {
            let (described, tags) = tokio::join!(
                unit.detail(unit.region, "acm:DescribeCertificate", &arn, absent, || {
                    client.describe_certificate().certificate_arn(&arn).send()
                }),
                unit.detail(
                    unit.region,
                    "acm:ListTagsForCertificate",
                    &arn,
                    absent,
                    || {
                        client
                            .list_tags_for_certificate()
                            .certificate_arn(&arn)
                            .send()
                    }
                ),
            );
            let described = described.found();
            let c = described.as_ref().and_then(|d| d.certificate());
            // only an issued certificate has a body to fetch
            let issued = c
                .and_then(|c| c.status())
                .is_some_and(|s| s.as_str() == "ISSUED");
            let body = if issued {
                unit.detail(unit.region, "acm:GetCertificate", &arn, absent, || {
                    client.get_certificate().certificate_arn(&arn).send()
                })
                .await
                .found()
            } else {
                None
            };
            let tags = tags.found();
            let pairs = || {
                tags.iter()
                    .flat_map(|o| o.tags())
                    .map(|t| (Some(t.key()), t.value()))
            };
            let options = c.and_then(|c| c.options());
            let usages = c.filter(|c| !c.extended_key_usages().is_empty()).map(|c| {
                Value::Array(
                    c.extended_key_usages()
                        .iter()
                        .map(|u| json!({"Name": u.name().map(|n| n.as_str()), "OID": u.oid()}))
                        .collect(),
                )
            });
            let strings = |v: &[String]| if v.is_empty() { None } else { Some(json!(v)) };
            let domain = c.and_then(|c| c.domain_name()).map(str::to_owned);
            Row::default()
                .with("certificate_arn", Cell::Text(arn.clone()))
                .with(
                    "certificate",
                    Cell::text(body.as_ref().and_then(|b| b.certificate())),
                )
                .with(
                    "certificate_chain",
                    Cell::text(body.as_ref().and_then(|b| b.certificate_chain())),
                )
                .with("domain_name", Cell::text(domain.as_deref()))
                .with(
                    "certificate_transparency_logging_preference",
                    Cell::text(options.and_then(transparency_logging)),
                )
                .with(
                    "export",
                    Cell::text(options.and_then(|o| o.export()).map(|e| e.as_str())),
                )
                .with("created_at", time(c.and_then(|c| c.created_at())))
                .with("subject", Cell::text(c.and_then(|c| c.subject())))
                .with("imported_at", time(c.and_then(|c| c.imported_at())))
                .with("issuer", Cell::text(c.and_then(|c| c.issuer())))
                .with(
                    "signature_algorithm",
                    Cell::text(c.and_then(|c| c.signature_algorithm())),
                )
                .with("extended_key_usages", json_cell(usages))
                .with(
                    "failure_reason",
                    Cell::text(c.and_then(|c| c.failure_reason()).map(|f| f.as_str())),
                )
                .with("issued_at", time(c.and_then(|c| c.issued_at())))
                .with(
                    "status",
                    Cell::text(c.and_then(|c| c.status()).map(|s| s.as_str())),
                )
                .with(
                    "key_algorithm",
                    Cell::text(c.and_then(|c| c.key_algorithm()).map(|k| k.as_str())),
                )
                .with("not_after", time(c.and_then(|c| c.not_after())))
                .with("not_before", time(c.and_then(|c| c.not_before())))
                .with(
                    "renewal_eligibility",
                    Cell::text(c.and_then(|c| c.renewal_eligibility()).map(|r| r.as_str())),
                )
                .with(
                    "revocation_reason",
                    Cell::text(c.and_then(|c| c.revocation_reason()).map(|r| r.as_str())),
                )
                .with("revoked_at", time(c.and_then(|c| c.revoked_at())))
                .with("serial", Cell::text(c.and_then(|c| c.serial())))
                .with(
                    "type",
                    Cell::text(c.and_then(|c| c.r#type()).map(|t| t.as_str())),
                )
                .with(
                    "domain_validation_options",
                    json_cell(c.map(|c| validations(c.domain_validation_options()))),
                )
                .with("in_use_by", json_cell(c.map(|c| json!(c.in_use_by()))))
                .with(
                    "subject_alternative_names",
                    json_cell(c.and_then(|c| strings(c.subject_alternative_names()))),
                )
                .with("tags_src", tags_src(pairs()))
                .with("title", Cell::text(domain.as_deref()))
                .with("tags", tags_of(pairs()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&CERTIFICATES, rows)])
}
