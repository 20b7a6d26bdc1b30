//! What reading PostgreSQL costs `canopy query`: the translation of typical Steampipe queries
//! (parse with the PostgreSQL grammar, rewrite the tree, print SQLite's SQL), against a store's
//! catalog answered from memory; and the check every user statement now goes through first,
//! whether SQLite would read it otherwise (`->>`, `'true'`/`'false'`: `pg::postgres_typed`, one
//! parse). Reproduce: `cargo bench -p canopy-store --bench sql_translate`.

use criterion::{Criterion, criterion_group, criterion_main};

const QUERIES: &[(&str, &str)] = &[
    (
        "simple filter",
        "select name, region, account_id from aws_s3_bucket where not versioning_enabled",
    ),
    (
        "policy statements (4 set-returning joins, a cast)",
        "select name, p as principal, a as action, s ->> 'Effect' as effect, ssl \
         from aws_s3_bucket, jsonb_array_elements(policy_std -> 'Statement') as s, \
         jsonb_array_elements_text(s -> 'Principal' -> 'AWS') as p, \
         jsonb_array_elements_text(s -> 'Action') as a, \
         jsonb_array_elements_text(s -> 'Condition' -> 'Bool' -> 'aws:securetransport') as ssl \
         where p = '*' and s ->> 'Effect' = 'Deny' and ssl :: bool = false",
    ),
    (
        "time and text",
        "select name, date_part('day', now() - creation_date) as age from aws_s3_bucket \
         where creation_date < now() - interval '90 days' and name ilike '%logs%' \
         and split_part(name, '-', 1) = any(array['prod', 'dev'])",
    ),
];

fn columns(table: &str) -> Option<Vec<(String, String)>> {
    let names: &[(&str, &str)] = match table {
        "aws_s3_bucket" => &[
            ("name", "TEXT"),
            ("region", "TEXT"),
            ("account_id", "TEXT"),
            ("versioning_enabled", "BOOLEAN"),
            ("policy_std", "JSON"),
            ("creation_date", "TIMESTAMP"),
        ],
        _ => return None,
    };
    Some(
        names
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect(),
    )
}

fn translate(c: &mut Criterion) {
    let mut group = c.benchmark_group("translate");
    for (name, sql) in QUERIES {
        group.bench_function(*name, |b| {
            b.iter(|| canopy_store::pg::translate(std::hint::black_box(sql), &columns))
        });
    }
    group.finish();
}

fn postgres_typed(c: &mut Criterion) {
    let mut group = c.benchmark_group("postgres_typed");
    for (name, sql) in QUERIES {
        group.bench_function(*name, |b| {
            b.iter(|| canopy_store::pg::postgres_typed(std::hint::black_box(sql)))
        });
    }
    group.finish();
}

criterion_group!(benches, translate, postgres_typed);
criterion_main!(benches);
