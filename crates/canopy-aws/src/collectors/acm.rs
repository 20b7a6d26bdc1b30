//! ACM certificates: ListCertificates (every key type, not only RSA-2048 as by default), then
//! per certificate its details, tags and, once issued, its public certificate and chain (never
//! a private key: ACM does not hand one out here).

use aws_sdk_acm::Client;
use aws_sdk_acm::types::{DomainValidation, Filters, KeyAlgorithm};
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, tags_of, tags_src, time};
use crate::error::AwsError;

/// What is read of one row of `aws_acm_certificate`.
struct Certificate {
    arn: String,
    body: Option<aws_sdk_acm::operation::get_certificate::GetCertificateOutput>,
    tags: Option<aws_sdk_acm::operation::list_tags_for_certificate::ListTagsForCertificateOutput>,
    usages: Option<Value>,
    domain: Option<String>,
    described: Option<aws_sdk_acm::operation::describe_certificate::DescribeCertificateOutput>,
}

impl Certificate {
    fn c(&self) -> Option<&aws_sdk_acm::types::CertificateDetail> {
        self.described.as_ref().and_then(|d| d.certificate())
    }

    fn options(&self) -> Option<&aws_sdk_acm::types::CertificateOptions> {
        self.c().and_then(|c| c.options())
    }

    fn strings(&self, v: &[String]) -> Option<Value> {
        if v.is_empty() { None } else { Some(json!(v)) }
    }
}

table! {
    CERTIFICATES: Certificate = Regional "aws_acm_certificate"
        ["acm:ListCertificates", "acm:DescribeCertificate", "acm:GetCertificate", "acm:ListTagsForCertificate"],
        "ACM certificates: domains, validity, renewal, where they are used";
    C::text("certificate_arn", "The certificate's ARN", |x, _| Cell::Text(x.arn.clone())).required(),
    C::text("certificate", "The issued certificate, PEM (public)", |x, _| Cell::text(x.body.as_ref().and_then(|b| b.certificate()))),
    C::text("certificate_chain", "The issuing chain, PEM (public)", |x, _| Cell::text(x.body.as_ref().and_then(|b| b.certificate_chain()))),
    C::text("domain_name", "Its primary domain name", |x, _| Cell::text(x.domain.as_deref())),
    C::text("certificate_transparency_logging_preference", "ENABLED or DISABLED", |x, _| Cell::text(x.options().and_then(transparency_logging))),
    C::text("export", "Whether it may be exported: ENABLED or DISABLED", |x, _| Cell::variant(x.options().and_then(|o| o.export()))),
    C::time("created_at", "When it was requested (AMAZON_ISSUED)", |x, _| time(x.c().and_then(|c| c.created_at()))),
    C::text("subject", "Its subject", |x, _| Cell::text(x.c().and_then(|c| c.subject()))),
    C::time("imported_at", "When it was imported (IMPORTED)", |x, _| time(x.c().and_then(|c| c.imported_at()))),
    C::text("issuer", "Its issuing authority", |x, _| Cell::text(x.c().and_then(|c| c.issuer()))),
    C::text("signature_algorithm", "Its signature algorithm", |x, _| Cell::text(x.c().and_then(|c| c.signature_algorithm()))),
    C::json("extended_key_usages", "Extended key usages: [{\"Name\", \"OID\"}]", |x, _| json_cell(x.usages.clone())),
    C::text("failure_reason", "Why its request failed, if it did", |x, _| Cell::variant(x.c().and_then(|c| c.failure_reason()))),
    C::time("issued_at", "When it was issued", |x, _| time(x.c().and_then(|c| c.issued_at()))),
    C::text("status", "ISSUED, PENDING_VALIDATION, EXPIRED, REVOKED, FAILED, ...", |x, _| Cell::variant(x.c().and_then(|c| c.status()))),
    C::text("key_algorithm", "Its key algorithm (RSA_2048, EC_prime256v1, ...)", |x, _| Cell::variant(x.c().and_then(|c| c.key_algorithm()))),
    C::time("not_after", "The end of its validity", |x, _| time(x.c().and_then(|c| c.not_after()))),
    C::time("not_before", "The start of its validity", |x, _| time(x.c().and_then(|c| c.not_before()))),
    C::text("renewal_eligibility", "ELIGIBLE or INELIGIBLE for managed renewal", |x, _| Cell::variant(x.c().and_then(|c| c.renewal_eligibility()))),
    C::text("revocation_reason", "Why it was revoked, if it was", |x, _| Cell::variant(x.c().and_then(|c| c.revocation_reason()))),
    C::time("revoked_at", "When it was revoked", |x, _| time(x.c().and_then(|c| c.revoked_at()))),
    C::text("serial", "Its serial number", |x, _| Cell::text(x.c().and_then(|c| c.serial()))),
    C::text("type", "AMAZON_ISSUED, IMPORTED or PRIVATE", |x, _| Cell::variant(x.c().and_then(|c| c.r#type()))),
    C::json("domain_validation_options", "Validation per domain: [{\"DomainName\", \"ValidationStatus\", \"ValidationMethod\", \"ResourceRecord\", ...}]", |x, _| json_cell(x.c().map(|c| validations(c.domain_validation_options())))),
    C::json("in_use_by", "ARNs of the resources that use it", |x, _| json_cell(x.c().map(|c| json!(c.in_use_by())))),
    C::json("subject_alternative_names", "Its subject alternative names", |x, _| json_cell(x.c().and_then(|c| x.strings(c.subject_alternative_names())))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags.iter().flat_map(|o| o.tags()))),
    C::common(Column::TITLE, |x, _| Cell::text(x.domain.as_deref())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags.iter().flat_map(|o| o.tags()))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

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
    let client = unit.client(Client::new);
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
    let absent: &[&str] = &["ResourceNotFoundException", "RequestInProgressException"];
    CERTIFICATES
        .each_listed(unit, arns, |arn| {
            let client = &client;
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

                let usages = c.filter(|c| !c.extended_key_usages().is_empty()).map(|c| {
                    Value::Array(
                        c.extended_key_usages()
                            .iter()
                            .map(|u| json!({"Name": u.name().map(|n| n.as_str()), "OID": u.oid()}))
                            .collect(),
                    )
                });
                let domain = c.and_then(|c| c.domain_name()).map(str::to_owned);
                Certificate {
                    arn,
                    body,
                    tags,
                    usages,
                    domain,
                    described,
                }
            }
        })
        .await
}

collectors! {
    certificates: CERTIFICATES;
}
