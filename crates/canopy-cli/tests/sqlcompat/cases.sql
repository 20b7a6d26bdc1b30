-- The PostgreSQL constructs `canopy query` translates, one or more cases each, run through
-- canopy and through PostgreSQL over the same rows by the differential test. Every case must
-- return PostgreSQL's rows, and at least one row. Each case starts with its name line.

-- case: cast to bool on a JSON element (Steampipe's SSL-only bucket check)
select name, ssl from aws_s3_bucket, jsonb_array_elements(policy_std -> 'Statement') as s,
  jsonb_array_elements_text(s -> 'Condition' -> 'Bool' -> 'aws:securetransport') as ssl
where s ->> 'Effect' = 'Deny' and ssl :: bool = false

-- case: casts to int and text
select name, '7'::int + 1 as n, (versioning_enabled)::text as v from aws_s3_bucket order by name

-- case: -> and ->> with an index and with keys holding colons
select name, policy_std -> 'Statement' -> 0 ->> 'Effect' as effect from aws_s3_bucket where policy_std is not null

-- case: #> and #>> paths
select name, policy_std #>> '{Statement,0,Effect}' as effect, policy_std #> '{Statement,0,Action}' as actions from aws_s3_bucket where policy is not null

-- case: @> containment on a JSON column
select name from aws_s3_bucket where tags @> '{"team": "network"}'

-- case: <@ contained by
select name from aws_s3_bucket where '{"team": "network"}'::jsonb <@ tags

-- case: ? key exists
select name from aws_s3_bucket where tags ? 'team'

-- case: ?| any key and ?& every key
select name, tags ?| array['team', 'nothing'] as any_key, tags ?& array['team', 'nothing'] as all_keys from aws_s3_bucket where tags is not null

-- case: jsonb_array_elements in FROM, qualified beside a table that has a `type` column
select r.group_id, r.type, e ->> 'IpProtocol' as protocol from aws_vpc_security_group_rule r, aws_vpc_security_group g, jsonb_array_elements(g.ip_permissions) as e where r.group_id = g.group_id and r.type = 'ingress' and r.cidr_ipv4 = '0.0.0.0/0'

-- case: jsonb_array_elements_text in the select list
select name, jsonb_array_elements_text(akas) as aka from aws_iam_role where name = 'deployer'

-- case: jsonb_each over tags
select name, t.key, t.value from aws_s3_bucket, jsonb_each(tags) as t

-- case: jsonb_object_keys
select distinct jsonb_object_keys(tags) as k from aws_s3_bucket where tags is not null

-- case: jsonb_array_length
select name, jsonb_array_length(policy_std -> 'Statement') as statements from aws_s3_bucket where policy_std is not null

-- case: jsonb_build_object and to_jsonb
select jsonb_build_object('name', name, 'region', region) as o, to_jsonb(name) as j from aws_s3_bucket order by name

-- case: jsonb_agg and array_agg
select account_id, jsonb_agg(name order by name) as names, array_agg(region order by name) as regions from aws_s3_bucket group by account_id

-- case: string_agg
select account_id, string_agg(name, ',' order by name) as names from aws_s3_bucket group by account_id

-- case: = ANY(ARRAY[...])
select name from aws_s3_bucket where name = any(array['prod-public-site', 'nothing'])

-- case: ANY over a computed array
select name from aws_iam_role where 'iam' = any(string_to_array(arn, ':')) and name = 'deployer'

-- case: ILIKE
select name from aws_s3_bucket where name ilike 'PROD-%SITE'

-- case: LIKE is case-sensitive
select count(*) as n from aws_s3_bucket where name like 'PROD%'

-- case: ~ and ~* regular expressions
select name from aws_s3_bucket where name ~ '^prod-(flow|public)' and name !~* 'LOGS$'

-- case: split_part on an ARN
select name, split_part(arn, ':', 5) as account from aws_iam_role where name = 'deployer'

-- case: initcap and concat_ws
select initcap(replace(name, '-', ' ')) as title, concat_ws('/', account_id, region, name) as path from aws_s3_bucket order by name

-- case: now() and interval
select count(*) as n from aws_s3_bucket where creation_date > now() - interval '1 day'

-- case: current_date
select count(*) as n from aws_s3_bucket where creation_date::date <= current_date

-- case: date_part on an interval, and extract
select name, date_part('day', now() - creation_date) as days, extract(year from creation_date) = extract(year from now()) as this_year from aws_s3_bucket order by name

-- case: date_trunc
select distinct date_trunc('year', creation_date) as year from aws_s3_bucket

-- case: age
select count(*) as n from aws_s3_bucket where age(creation_date) < interval '30 days'

-- case: to_char
select distinct to_char(creation_date, 'YYYY') as year from aws_s3_bucket

-- case: inet containment << and <<=
select vpc_id, cidr_block from aws_vpc where cidr_block << '10.0.0.0/8' or cidr_block <<= '172.31.0.0/16' order by vpc_id

-- case: inet contains >>=
select group_id from aws_vpc_security_group_rule where '0.0.0.0/0'::cidr >>= cidr_ipv4 and cidr_ipv4 is not null order by group_id, security_group_rule_id limit 1

-- case: DISTINCT ON
select distinct on (account_id) account_id, name from aws_s3_bucket order by account_id, name desc

-- case: FILTER (WHERE ...)
select count(*) filter (where versioning_enabled) as versioned, count(*) filter (where not versioning_enabled) as unversioned from aws_s3_bucket

-- case: generate_series
select n from generate_series(1, 3) as n

-- case: booleans come out as booleans
select name, versioning_enabled, policy is null as no_policy, tags ? 'team' as tagged from aws_s3_bucket order by name

-- case: the organization tables beside the inventory
select a.name, count(b.name) as buckets from aws_organizations_account a left join aws_s3_bucket b on b.account_id = a.id group by a.name order by a.name

-- case: ->> gives text for JSON booleans and numbers, as PostgreSQL does (SQLite's gives 1/0)
select repository_name, image_scanning_configuration ->> 'ScanOnPush' as scan_on_push from aws_ecr_repository where image_scanning_configuration ->> 'ScanOnPush' = 'false'

-- case: a boolean column compared with 'false'
select name, access_log_enabled from aws_ec2_classic_load_balancer where access_log_enabled = 'false'

-- case: access keys older than a day that were never used (CIS's unused credentials), by user
select user_name, count(*) as keys from aws_iam_access_key where create_date < now() + interval '1 day' and access_key_last_used_date is null group by user_name order by user_name

-- case: network ACL rules that admit traffic from anywhere (CIS's remote administration check)
select network_acl_id, e ->> 'RuleNumber' as rule from aws_vpc_network_acl, jsonb_array_elements(entries) as e where e ->> 'CidrBlock' = '0.0.0.0/0' and e ->> 'RuleAction' = 'allow' and not (e ->> 'Egress')::bool order by network_acl_id, rule
