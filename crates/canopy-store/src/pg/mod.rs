//! PostgreSQL, as Steampipe users write it, run on the SQLite store: the statement is parsed
//! with a PostgreSQL grammar (sqlparser) and the tree rewritten into SQLite's dialect, never by
//! string patterns. A statement SQLite already runs as written is run as written (the caller
//! tries that first); this module is only asked for the others.
//!
//! What is rewritten, and to what:
//! - casts (`x::int`, `CAST(x AS bool)`) to SQLite casts or `pg_*` functions (booleans,
//!   timestamps, intervals, JSON);
//! - JSON operators: `->`/`->>` keep SQLite's operators (keys that SQLite's path syntax would
//!   misread are quoted), `#>`/`#>>` become paths, `@>`/`<@`/`?`/`?|`/`?&` functions;
//! - set-returning JSON functions (`jsonb_array_elements`, `..._text`, `jsonb_each`,
//!   `jsonb_object_keys`) in FROM or in the select list become `json_each` joins; their alias
//!   names the value, and the real tables' columns are qualified (json_each has columns of its
//!   own: `key`, `value`, `type`, `id`, `path`, ...);
//! - arrays are JSON arrays: `ARRAY[...]`, `array_agg`, `string_to_array`, `a[i]` (1-based),
//!   `= ANY(...)`, `<> ALL(...)`;
//! - time: `now()`, `current_date`, `interval '...'`, timestamp ± interval, timestamp −
//!   timestamp (seconds), `date_part`/`extract`, `date_trunc`, `age`, `to_char`;
//! - text: `ILIKE` (the store's `LIKE` is case-sensitive, as PostgreSQL's), `~`/`~*`/`!~`/
//!   `!~*`, `split_part`, `initcap`, ...;
//! - inet containment `<<`, `<<=`, `>>`, `>>=`, and `host`, `masklen`, `broadcast`, `netmask`,
//!   `network`; ltree paths (Steampipe's OU `path`): `<@`, `@>`, `nlevel`;
//! - `DISTINCT ON (...)` as a window over the same order.
//!
//! A construct without a translation is named in the error, with what to write instead.
//!
//! Over 600 lines: one rewrite of one parsed tree, its cases (expressions, joins, JSON operators,
//! casts) calling each other; split, they would pass the same state around.

pub(crate) mod functions;

use std::ops::ControlFlow;

use sqlparser::ast::{
    self, BinaryOperator, CastKind, DataType, DateTimeField, Distinct, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident, ObjectName, ObjectNamePart,
    Query, Select, SelectItem, SetExpr, Statement, TableAlias, TableFactor, TableFunctionArgs,
    TableWithJoins, UnaryOperator, Value, VisitMut, VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// A statement rewritten for SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    pub sql: String,
    /// Per output column, what PostgreSQL would return where SQLite cannot say: a boolean (a
    /// comparison, `IS NULL`, `@>`, a cast to bool, ...) comes out as `true`/`false` rather than
    /// 1/0, and JSON (`->`, `to_jsonb`, `jsonb_agg`, ...) as JSON rather than its text.
    pub outputs: Vec<Output>,
}

/// What an output column holds, where the expression says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Value,
    Boolean,
    Json,
}

/// Why a statement could not be translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Untranslatable {
    /// Not PostgreSQL either: the parser's message.
    Parse(String),
    /// A construct canopy does not translate, and what to write instead.
    Unsupported { construct: String, instead: String },
}

impl std::fmt::Display for Untranslatable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Parse(message) => write!(f, "not valid PostgreSQL either: {message}"),
            Self::Unsupported { construct, instead } => {
                write!(f, "`{construct}` has no SQLite translation; {instead}")
            }
        }
    }
}

/// Makes a query connection speak the PostgreSQL canopy translates to: the `pg_*` functions,
/// `generate_series`, and a case-sensitive LIKE (PostgreSQL's; ILIKE ignores case).
pub(crate) fn install(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "case_sensitive_like", true)?;
    functions::register(conn)
}

/// A column's name and declared type (as SQLite reports it: TEXT, JSON, BOOLEAN, TIMESTAMP, ...).
pub type Columns = Vec<(String, String)>;

/// Parses `sql` as PostgreSQL and rewrites it for SQLite. `columns` answers a table's (or
/// view's) columns, for qualifying names beside `json_each` and for typing timestamps.
pub fn translate(
    sql: &str,
    columns: &dyn Fn(&str) -> Option<Columns>,
) -> Result<Translation, Untranslatable> {
    let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, sql)
        .map_err(|e| Untranslatable::Parse(e.to_string()))?;
    if statements.len() != 1 {
        return Err(Untranslatable::Parse(
            "give one SQL statement at a time".to_owned(),
        ));
    }
    let mut statement = statements.remove(0);
    let Statement::Query(_) = &statement else {
        return Err(Untranslatable::Unsupported {
            construct: first_words(sql),
            instead: "only queries (SELECT, WITH ... SELECT) run against the store".to_owned(),
        });
    };
    let mut rewriter = Rewriter {
        columns,
        scopes: Vec::new(),
        marks: Vec::new(),
        unsupported: None,
        fresh: 0,
        outputs: None,
    };
    let _ = statement.visit(&mut rewriter);
    if let Some(e) = rewriter.unsupported {
        return Err(e);
    }
    Ok(Translation {
        sql: statement.to_string(),
        outputs: rewriter.outputs.unwrap_or_default(),
    })
}

/// Whether `sql`, though SQLite may run it as written, means something else there than in
/// PostgreSQL: `->>`/`#>>` (text in PostgreSQL; numbers and 1/0 in SQLite) or a comparison
/// with `'true'`/`'false'` (a boolean in PostgreSQL; SQLite's booleans are 1/0, never equal
/// to that text). Such a statement is read as PostgreSQL, as its author wrote it.
pub fn postgres_typed(sql: &str) -> bool {
    struct Finder(bool);
    impl ast::Visitor for Finder {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::BinaryOp { left, op, right } = expr {
                let boolean_text = |e: &Expr| {
                    string_literal(e).is_some_and(|t| {
                        t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false")
                    })
                };
                let typed = matches!(
                    op,
                    BinaryOperator::LongArrow | BinaryOperator::HashLongArrow
                ) || (matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq)
                    && (boolean_text(left) || boolean_text(right)));
                if typed {
                    self.0 = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let Ok(statements) = Parser::parse_sql(&PostgreSqlDialect {}, sql) else {
        return false;
    };
    let mut finder = Finder(false);
    for statement in &statements {
        let _ = ast::Visit::visit(statement, &mut finder);
    }
    finder.0
}

/// What each output column of `sql` holds in PostgreSQL (for statements SQLite runs as
/// written). `None` when it does not parse as PostgreSQL.
pub fn output_columns(sql: &str, columns: &dyn Fn(&str) -> Option<Columns>) -> Option<Vec<Output>> {
    translate(sql, columns).ok().map(|t| t.outputs)
}

fn first_words(sql: &str) -> String {
    sql.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

fn is_json(e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) => is_json(inner),
        Expr::BinaryOp { op, .. } => {
            matches!(op, BinaryOperator::Arrow | BinaryOperator::HashArrow)
        }
        Expr::Cast { data_type, .. } => matches!(data_type, DataType::JSON | DataType::JSONB),
        Expr::Array(_) => true,
        Expr::Function(f) => matches!(
            function_name(f).as_str(),
            "to_jsonb"
                | "to_json"
                | "jsonb_build_object"
                | "json_build_object"
                | "jsonb_build_array"
                | "json_build_array"
                | "jsonb_agg"
                | "json_agg"
                | "array_agg"
                | "jsonb_object_agg"
                | "json_object_agg"
                | "jsonb_array_elements"
                | "json_array_elements"
                | "jsonb_extract_path"
                | "json_extract_path"
                | "string_to_array"
                | "regexp_match"
        ),
        _ => false,
    }
}

fn is_boolean(e: &Expr) -> bool {
    use BinaryOperator as B;
    match e {
        Expr::Nested(inner) => is_boolean(inner),
        Expr::BinaryOp { op, .. } => matches!(
            op,
            B::Eq
                | B::NotEq
                | B::Lt
                | B::LtEq
                | B::Gt
                | B::GtEq
                | B::And
                | B::Or
                | B::AtArrow
                | B::ArrowAt
                | B::Question
                | B::QuestionAnd
                | B::QuestionPipe
                | B::PGRegexMatch
                | B::PGRegexIMatch
                | B::PGRegexNotMatch
                | B::PGRegexNotIMatch
                | B::PGBitwiseShiftLeft
                | B::PGBitwiseShiftRight
        ),
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            ..
        }
        | Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::IsTrue(_)
        | Expr::IsFalse(_)
        | Expr::IsNotTrue(_)
        | Expr::IsNotFalse(_)
        | Expr::IsDistinctFrom(..)
        | Expr::IsNotDistinctFrom(..)
        | Expr::Like { .. }
        | Expr::ILike { .. }
        | Expr::In { .. }
        | Expr::Between { .. }
        | Expr::Exists { .. }
        | Expr::AnyOp { .. }
        | Expr::AllOp { .. } => true,
        Expr::Cast { data_type, .. } => matches!(data_type, DataType::Bool | DataType::Boolean),
        Expr::Value(v) => matches!(v.value, Value::Boolean(_)),
        Expr::Function(f) => {
            let name = function_name(f);
            matches!(name.as_str(), "bool_and" | "bool_or" | "every")
        }
        _ => false,
    }
}

/// What a name in FROM stands for.
#[derive(Debug, Clone)]
enum Source {
    /// A table or view with its columns.
    Table(Columns),
    /// A `json_each` made from a set-returning function: the column its alias stands for.
    Each { value: &'static str },
    /// Anything else (a subquery): never qualified into.
    Other,
}

#[derive(Debug, Default)]
struct Scope {
    /// alias (or table name) -> what it is, in FROM order
    sources: Vec<(String, Source)>,
    /// output column aliases (ORDER BY may name them)
    outputs: Vec<String>,
}

impl Scope {
    fn has_each(&self) -> bool {
        self.sources
            .iter()
            .any(|(_, s)| matches!(s, Source::Each { .. }))
    }
}

struct Rewriter<'a> {
    columns: &'a dyn Fn(&str) -> Option<Columns>,
    scopes: Vec<Scope>,
    /// scope depth at each open query
    marks: Vec<usize>,
    unsupported: Option<Untranslatable>,
    fresh: usize,
    /// What the outermost select's columns hold, decided when it is first seen.
    outputs: Option<Vec<Output>>,
}

const SET_RETURNING: &[&str] = &[
    "jsonb_array_elements",
    "json_array_elements",
    "jsonb_array_elements_text",
    "json_array_elements_text",
    "jsonb_each",
    "json_each",
    "jsonb_each_text",
    "json_each_text",
    "jsonb_object_keys",
    "json_object_keys",
    "unnest",
];

fn function_name(f: &Function) -> String {
    f.name
        .0
        .last()
        .and_then(ObjectNamePart::as_ident)
        .map(|i| i.value.to_ascii_lowercase())
        .unwrap_or_default()
}

fn object_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .filter_map(ObjectNamePart::as_ident)
        .map(|i| i.value.clone())
        .collect::<Vec<_>>()
        .join(".")
}

fn args_of(f: &Function) -> Vec<Expr> {
    match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                FunctionArg::Named {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => Some(e.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn arg(e: Expr) -> FunctionArg {
    FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
}

pub(crate) fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args.into_iter().map(arg).collect(),
            clauses: Vec::new(),
        }),
        within_group: Vec::new(),
        filter: None,
        null_treatment: None,
        over: None,
    })
}

fn text(s: &str) -> Expr {
    Expr::value(Value::SingleQuotedString(s.to_owned()))
}

fn number(n: i64) -> Expr {
    Expr::value(Value::Number(n.to_string(), false))
}

fn string_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s)
            | Value::EscapedStringLiteral(s)
            | Value::DoubleQuotedString(s) => Some(s),
            _ => None,
        },
        Expr::Nested(inner) => string_literal(inner),
        _ => None,
    }
}

fn integer_literal(e: &Expr) -> Option<i64> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => integer_literal(expr).map(|n| -n),
        _ => None,
    }
}

/// A JSON path step as SQLite's path syntax takes it: a plain key as is, anything else quoted.
fn path_step(key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        format!(".{key}")
    } else {
        format!(".\"{}\"", key.replace('"', "\\\""))
    }
}

/// `'{a,b,0}'` (a PostgreSQL text[] path) as a SQLite JSON path.
fn pg_path(literal: &str) -> String {
    let inner = literal.trim().trim_start_matches('{').trim_end_matches('}');
    let mut path = String::from("$");
    for step in inner.split(',').map(|s| s.trim().trim_matches('"')) {
        match step.parse::<i64>() {
            Ok(i) if i >= 0 => path.push_str(&format!("[{i}]")),
            _ => path.push_str(&path_step(step)),
        }
    }
    path
}

impl Rewriter<'_> {
    fn fresh_alias(&mut self, base: &str) -> String {
        self.fresh += 1;
        format!("_{base}_{}", self.fresh)
    }

    fn unsupported(&mut self, construct: &str, instead: &str) {
        if self.unsupported.is_none() {
            self.unsupported = Some(Untranslatable::Unsupported {
                construct: construct.to_owned(),
                instead: instead.to_owned(),
            });
        }
    }

    fn lookup(&self, alias: &str) -> Option<&Source> {
        self.scopes.iter().rev().find_map(|scope| {
            scope
                .sources
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(alias))
                .map(|(_, s)| s)
        })
    }

    /// A set-returning function in FROM (or hoisted there) as a `json_each` join; returns the
    /// source its alias stands for.
    fn each_factor(
        &mut self,
        name: &str,
        args: Vec<Expr>,
        alias: Option<TableAlias>,
    ) -> (TableFactor, String, Source) {
        let alias_name = alias
            .as_ref()
            .map(|a| a.name.value.clone())
            .unwrap_or_else(|| name.to_owned());
        // a column list (`as t(x)`) renames the value column: keep the alias, refer by `value`
        let value = match name {
            "jsonb_object_keys" | "json_object_keys" => "key",
            "jsonb_each" | "json_each" | "jsonb_each_text" | "json_each_text" => "value",
            _ => "value",
        };
        let function = if name == "generate_series" {
            "generate_series"
        } else {
            "json_each"
        };
        let args = if function == "json_each" {
            args.into_iter().take(1).collect()
        } else {
            args
        };
        let factor = TableFactor::Table {
            name: ObjectName::from(vec![Ident::new(function)]),
            alias: Some(TableAlias {
                explicit: true,
                name: Ident::new(alias_name.clone()),
                columns: Vec::new(),
                at: None,
            }),
            args: Some(TableFunctionArgs {
                args: args.into_iter().map(arg).collect(),
                settings: None,
            }),
            with_hints: Vec::new(),
            version: None,
            with_ordinality: false,
            partitions: Vec::new(),
            json_path: None,
            sample: None,
            index_directives: Vec::new(),
            inheritance: None,
        };
        let source = if name == "generate_series" {
            Source::Each { value: "value" }
        } else {
            Source::Each { value }
        };
        (factor, alias_name, source)
    }

    /// Rewrites one FROM item in place, noting what its name stands for.
    fn factor(&mut self, factor: &mut TableFactor, scope: &mut Scope) {
        match factor {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                let table = object_name(name);
                let lower = table.to_ascii_lowercase();
                match args {
                    Some(function_args) => {
                        let exprs: Vec<Expr> = function_args
                            .args
                            .iter()
                            .filter_map(|a| match a {
                                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                                _ => None,
                            })
                            .collect();
                        if SET_RETURNING.contains(&lower.as_str()) || lower == "generate_series" {
                            let (new, alias_name, source) =
                                self.each_factor(&lower, exprs, alias.take());
                            *factor = new;
                            scope.sources.push((alias_name, source));
                        } else {
                            // a scalar function in FROM (`string_to_array(p, ':') as pa`): one
                            // row, whose value the alias names
                            let alias_name = alias
                                .as_ref()
                                .map(|a| a.name.value.clone())
                                .unwrap_or_else(|| table.clone());
                            let wrapped = call("json_array", vec![call(&table, exprs)]);
                            let (new, alias_name, source) = self.each_factor(
                                "json_each",
                                vec![wrapped],
                                Some(TableAlias {
                                    explicit: true,
                                    name: Ident::new(alias_name),
                                    columns: Vec::new(),
                                    at: None,
                                }),
                            );
                            *factor = new;
                            scope.sources.push((alias_name, source));
                        }
                    }
                    None => {
                        let alias_name = alias
                            .as_ref()
                            .map(|a| a.name.value.clone())
                            .unwrap_or_else(|| table.clone());
                        let source = (self.columns)(&table)
                            .map(Source::Table)
                            .unwrap_or(Source::Other);
                        scope.sources.push((alias_name, source));
                    }
                }
            }
            TableFactor::Function {
                name, args, alias, ..
            } => {
                let function = object_name(name).to_ascii_lowercase();
                let exprs: Vec<Expr> = args
                    .iter()
                    .filter_map(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                        _ => None,
                    })
                    .collect();
                let (new, alias_name, source) = self.each_factor(&function, exprs, alias.take());
                *factor = new;
                scope.sources.push((alias_name, source));
            }
            TableFactor::UNNEST {
                alias, array_exprs, ..
            } => {
                let exprs = array_exprs.clone();
                let (new, alias_name, source) = self.each_factor("unnest", exprs, alias.take());
                *factor = new;
                scope.sources.push((alias_name, source));
            }
            TableFactor::Derived { alias: Some(a), .. } => {
                scope.sources.push((a.name.value.clone(), Source::Other));
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => {
                self.factor(&mut table_with_joins.relation, scope);
                for join in &mut table_with_joins.joins {
                    self.factor(&mut join.relation, scope);
                }
            }
            _ => {}
        }
    }

    /// Set-returning functions at the top of the select list move to FROM as joins.
    fn hoist_set_returning(&mut self, select: &mut Select, scope: &mut Scope) {
        for item in &mut select.projection {
            let (expr, alias) = match item {
                SelectItem::UnnamedExpr(e) => (e, None),
                SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.clone())),
                _ => continue,
            };
            let Expr::Function(f) = expr else { continue };
            let name = function_name(f);
            if !SET_RETURNING.contains(&name.as_str()) || select.from.is_empty() {
                continue;
            }
            let generated = self.fresh_alias("srf");
            let (factor, alias_name, source) = self.each_factor(
                &name,
                args_of(f),
                Some(TableAlias {
                    explicit: true,
                    name: Ident::new(generated),
                    columns: Vec::new(),
                    at: None,
                }),
            );
            let Source::Each { value } = source else {
                continue;
            };
            let output = alias.unwrap_or_else(|| Ident::new(name.clone()));
            *item = SelectItem::ExprWithAlias {
                expr: Expr::CompoundIdentifier(vec![
                    Ident::new(alias_name.clone()),
                    Ident::new(value),
                ]),
                alias: output,
            };
            select.from.push(TableWithJoins {
                relation: factor,
                joins: Vec::new(),
            });
            scope.sources.push((alias_name, source));
        }
    }

    fn column_type(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Nested(inner) => self.column_type(inner),
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                match self.lookup(&parts[0].value)? {
                    Source::Table(columns) => columns
                        .iter()
                        .find(|(c, _)| c.eq_ignore_ascii_case(&parts[1].value))
                        .map(|(_, t)| t.clone()),
                    _ => None,
                }
            }
            Expr::Identifier(id) => self.scopes.iter().rev().find_map(|scope| {
                scope.sources.iter().find_map(|(_, s)| match s {
                    Source::Table(columns) => columns
                        .iter()
                        .find(|(c, _)| c.eq_ignore_ascii_case(&id.value))
                        .map(|(_, t)| t.clone()),
                    _ => None,
                })
            }),
            _ => None,
        }
    }

    /// What an output expression holds: by its form, or by its column's declared type.
    fn output_of(&self, e: &Expr) -> Output {
        if is_boolean(e) {
            return Output::Boolean;
        }
        if is_json(e) {
            return Output::Json;
        }
        match self.column_type(e) {
            Some(t) if t.eq_ignore_ascii_case("BOOLEAN") => Output::Boolean,
            Some(t) if t.eq_ignore_ascii_case("JSON") => Output::Json,
            _ => Output::Value,
        }
    }

    fn is_timestamp(&self, e: &Expr) -> bool {
        match e {
            Expr::Nested(inner) => self.is_timestamp(inner),
            Expr::Function(f) => matches!(
                function_name(f).as_str(),
                "pg_now" | "pg_current_date" | "pg_timestamp" | "pg_ts_add" | "pg_date_trunc"
            ),
            _ => self
                .column_type(e)
                .is_some_and(|t| t.eq_ignore_ascii_case("TIMESTAMP")),
        }
    }

    fn identifier(&self, id: &Ident) -> Option<Expr> {
        let scope = self.scopes.last()?;
        // an alias of a set-returning function stands for its value
        if let Some(Source::Each { value }) = self.lookup(&id.value) {
            return Some(Expr::CompoundIdentifier(vec![
                id.clone(),
                Ident::new(*value),
            ]));
        }
        if !self.scopes.iter().any(Scope::has_each) || id.quote_style.is_some() {
            return None;
        }
        if scope
            .outputs
            .iter()
            .any(|o| o.eq_ignore_ascii_case(&id.value))
        {
            return None;
        }
        // beside json_each, a real table's column is qualified with its table
        for scope in self.scopes.iter().rev() {
            for (alias, source) in &scope.sources {
                if let Source::Table(columns) = source
                    && columns
                        .iter()
                        .any(|(c, _)| c.eq_ignore_ascii_case(&id.value))
                {
                    return Some(Expr::CompoundIdentifier(vec![
                        Ident::new(alias.clone()),
                        id.clone(),
                    ]));
                }
            }
        }
        None
    }

    fn cast(&mut self, inner: Expr, data_type: &DataType) -> Expr {
        let sqlite = |t: &str| Expr::Cast {
            kind: CastKind::Cast,
            expr: Box::new(inner.clone()),
            data_type: DataType::Custom(ObjectName::from(vec![Ident::new(t)]), Vec::new()),
            format: None,
        };
        match data_type {
            DataType::Bool | DataType::Boolean => call("pg_bool", vec![inner]),
            DataType::Int(_)
            | DataType::Integer(_)
            | DataType::BigInt(_)
            | DataType::SmallInt(_)
            | DataType::Int2(_)
            | DataType::Int4(_)
            | DataType::Int8(_) => call("pg_int", vec![inner]),
            DataType::Numeric(_)
            | DataType::Decimal(_)
            | DataType::Float(_)
            | DataType::Double(_)
            | DataType::DoublePrecision
            | DataType::Real
            | DataType::Float4
            | DataType::Float8 => sqlite("REAL"),
            DataType::JSON | DataType::JSONB => call("pg_json", vec![inner]),
            DataType::Timestamp(..) | DataType::Datetime(_) => call("pg_timestamp", vec![inner]),
            DataType::Date => call("pg_date", vec![inner]),
            DataType::Interval { .. } => call("pg_interval", vec![inner]),
            DataType::Text
            | DataType::Varchar(_)
            | DataType::CharVarying(_)
            | DataType::Char(_)
            | DataType::Character(_)
            | DataType::String(_) => {
                if is_boolean(&inner)
                    || self
                        .column_type(&inner)
                        .is_some_and(|t| t.eq_ignore_ascii_case("BOOLEAN"))
                {
                    call("pg_bool_text", vec![inner])
                } else {
                    call("pg_text", vec![inner])
                }
            }
            DataType::Array(_) => inner,
            DataType::Custom(name, _) => {
                let n = object_name(name).to_ascii_lowercase();
                match n.as_str() {
                    "inet" | "cidr" | "citext" | "name" | "regclass" => inner,
                    "int4" | "int8" | "int2" => call("pg_int", vec![inner]),
                    "float8" | "float4" => sqlite("REAL"),
                    "timestamptz" => call("pg_timestamp", vec![inner]),
                    "money" => call("pg_money", vec![inner]),
                    "bool" => call("pg_bool", vec![inner]),
                    _ => {
                        self.unsupported(
                            &format!("::{n}"),
                            "cast to text, integer, real, boolean, json, timestamp, date or interval",
                        );
                        inner
                    }
                }
            }
            other => {
                self.unsupported(
                    &format!("::{other}"),
                    "cast to text, integer, real, boolean, json, timestamp, date or interval",
                );
                inner
            }
        }
    }

    fn binary(&mut self, left: Expr, op: BinaryOperator, right: Expr) -> Expr {
        use BinaryOperator as B;
        let interval_of = |e: &Expr| -> Option<Expr> {
            match e {
                Expr::Function(f) if function_name(f) == "pg_interval" => {
                    args_of(f).into_iter().next()
                }
                _ => None,
            }
        };
        // a comparison with 'true'/'false': PostgreSQL reads the literal as a boolean when the
        // other side is one; SQLite stores booleans as 1/0. Both sides as PostgreSQL's text.
        let boolean_text = |e: &Expr| {
            string_literal(e)
                .filter(|t| t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false"))
                .map(str::to_ascii_lowercase)
        };
        if matches!(op, B::Eq | B::NotEq) {
            if let Some(literal) = boolean_text(&right) {
                return Expr::BinaryOp {
                    left: Box::new(call("pg_bool_text", vec![left])),
                    op,
                    right: Box::new(text(&literal)),
                };
            }
            if let Some(literal) = boolean_text(&left) {
                return Expr::BinaryOp {
                    left: Box::new(text(&literal)),
                    op,
                    right: Box::new(call("pg_bool_text", vec![right])),
                };
            }
        }
        match op {
            B::Arrow | B::LongArrow => {
                let right = match string_literal(&right) {
                    Some(key) if path_step(key) != format!(".{key}") => {
                        text(&format!("${}", path_step(key)))
                    }
                    _ => right,
                };
                let json = Expr::BinaryOp {
                    left: Box::new(left),
                    op: B::Arrow,
                    right: Box::new(right),
                };
                // ->> is text in PostgreSQL, numbers and booleans included
                if op == B::LongArrow {
                    call("pg_json_text", vec![json])
                } else {
                    json
                }
            }
            B::HashArrow | B::HashLongArrow => match string_literal(&right) {
                Some(path) => {
                    let json = Expr::BinaryOp {
                        left: Box::new(left),
                        op: B::Arrow,
                        right: Box::new(text(&pg_path(path))),
                    };
                    if op == B::HashLongArrow {
                        call("pg_json_text", vec![json])
                    } else {
                        json
                    }
                }
                None => {
                    self.unsupported(
                        "#> with a computed path",
                        "give the path as a literal such as '{a,b}', or chain -> steps",
                    );
                    left
                }
            },
            B::AtArrow => call("pg_contains", vec![left, right]),
            B::ArrowAt => call("pg_contains", vec![right, left]),
            B::Question => call("pg_has_key", vec![left, right]),
            B::QuestionPipe => call("pg_has_any_key", vec![left, right]),
            B::QuestionAnd => call("pg_has_all_keys", vec![left, right]),
            B::PGRegexMatch => call("pg_regex", vec![left, right, text("")]),
            B::PGRegexIMatch => call("pg_regex", vec![left, right, text("i")]),
            B::PGRegexNotMatch => not(call("pg_regex", vec![left, right, text("")])),
            B::PGRegexNotIMatch => not(call("pg_regex", vec![left, right, text("i")])),
            // inet containment: << (inside), >> (contains), and their -or-equal forms
            B::PGBitwiseShiftLeft => call("pg_inet_within", vec![left, right, number(1)]),
            B::PGBitwiseShiftRight => call("pg_inet_within", vec![right, left, number(1)]),
            B::Custom(ref name) if name == "<<=" => {
                call("pg_inet_within", vec![left, right, number(0)])
            }
            B::Custom(ref name) if name == ">>=" => {
                call("pg_inet_within", vec![right, left, number(0)])
            }
            B::Minus | B::Plus if interval_of(&right).is_some() && self.is_timestamp(&left) => {
                let sign = if op == B::Minus { -1 } else { 1 };
                let interval = interval_of(&right).unwrap_or_else(|| text("0"));
                call("pg_ts_add", vec![left, interval, number(sign)])
            }
            B::Plus if interval_of(&left).is_some() && self.is_timestamp(&right) => {
                let interval = interval_of(&left).unwrap_or_else(|| text("0"));
                call("pg_ts_add", vec![right, interval, number(1)])
            }
            B::Minus if self.is_timestamp(&left) && self.is_timestamp(&right) => {
                call("pg_ts_diff", vec![left, right])
            }
            op => Expr::BinaryOp {
                left: Box::new(left),
                op,
                right: Box::new(right),
            },
        }
    }

    fn function(&mut self, f: &mut Function) -> Option<Expr> {
        let name = function_name(f);
        let args = args_of(f);
        let rename = |f: &mut Function, to: &str| {
            f.name = ObjectName::from(vec![Ident::new(to)]);
        };
        match name.as_str() {
            "jsonb_array_length" | "json_array_length" | "array_length" | "cardinality" => Some(
                call("json_array_length", args.into_iter().take(1).collect()),
            ),
            "jsonb_pretty" | "jsonb" => Some(call("pg_json", args)),
            "to_json" | "to_jsonb" => Some(call("pg_to_json", args)),
            "jsonb_build_object" | "json_build_object" => {
                rename(f, "json_object");
                None
            }
            "jsonb_build_array" | "json_build_array" => {
                rename(f, "json_array");
                None
            }
            "jsonb_agg" | "json_agg" | "array_agg" => {
                rename(f, "json_group_array");
                None
            }
            "jsonb_object_agg" | "json_object_agg" => {
                rename(f, "json_group_object");
                None
            }
            "string_agg" => {
                let distinct = matches!(
                    &f.args,
                    FunctionArguments::List(list)
                        if list.duplicate_treatment == Some(ast::DuplicateTreatment::Distinct)
                );
                if distinct && args.len() == 2 {
                    // SQLite's DISTINCT aggregates take one argument: collect, then join
                    let mut collect = f.clone();
                    collect.name = ObjectName::from(vec![Ident::new("json_group_array")]);
                    if let FunctionArguments::List(list) = &mut collect.args {
                        list.args.truncate(1);
                    }
                    let separator = args.get(1).cloned().unwrap_or_else(|| text(","));
                    return Some(call(
                        "pg_array_to_string",
                        vec![Expr::Function(collect), separator],
                    ));
                }
                rename(f, "group_concat");
                None
            }
            "glob" if args.len() == 1 => Some(call("pg_glob", args)),
            "jsonb_typeof" | "json_typeof" => Some(call("pg_json_typeof", args)),
            "jsonb_extract_path"
            | "json_extract_path"
            | "jsonb_extract_path_text"
            | "json_extract_path_text" => {
                let mut args = args.into_iter();
                let target = args.next()?;
                let mut path = String::from("$");
                for step in args {
                    let key = string_literal(&step)?.to_owned();
                    path.push_str(&path_step(&key));
                }
                let json = Expr::BinaryOp {
                    left: Box::new(target),
                    op: BinaryOperator::Arrow,
                    right: Box::new(text(&path)),
                };
                Some(if name.ends_with("_text") {
                    call("pg_json_text", vec![json])
                } else {
                    json
                })
            }
            "now"
            | "current_timestamp"
            | "transaction_timestamp"
            | "statement_timestamp"
            | "localtimestamp" => Some(call("pg_now", Vec::new())),
            "current_date" => Some(call("pg_current_date", Vec::new())),
            "split_part" => Some(call("pg_split_part", args)),
            "initcap" => Some(call("pg_initcap", args)),
            "string_to_array" => Some(call("pg_string_to_array", args)),
            "array_to_string" => Some(call("pg_array_to_string", args)),
            "regexp_replace" => Some(call("pg_regexp_replace", args)),
            "regexp_match" | "regexp_matches" => Some(call("pg_regexp_match", args)),
            "date_part" => Some(call("pg_date_part", args)),
            "date_trunc" => Some(call("pg_date_trunc", args)),
            "age" => {
                let mut args = args;
                if args.len() == 1 {
                    args.insert(0, call("pg_now", Vec::new()));
                }
                Some(call("pg_ts_diff", args))
            }
            "to_char" => Some(call("pg_to_char", args)),
            "to_timestamp" => Some(call("pg_to_timestamp", args)),
            "strpos" => Some(call("instr", args)),
            "left" => {
                let mut args = args.into_iter();
                let (s, n) = (args.next()?, args.next()?);
                Some(call("substr", vec![s, number(1), n]))
            }
            "right" => {
                let mut args = args.into_iter();
                let (s, n) = (args.next()?, args.next()?);
                Some(call(
                    "substr",
                    vec![
                        s,
                        Expr::UnaryOp {
                            op: UnaryOperator::Minus,
                            expr: Box::new(n),
                        },
                    ],
                ))
            }
            "btrim" => {
                rename(f, "trim");
                None
            }
            "host" => Some(call("pg_host", args)),
            "masklen" => Some(call("pg_masklen", args)),
            "broadcast" => Some(call("pg_broadcast", args)),
            "nlevel" => Some(call("pg_nlevel", args)),
            "netmask" => Some(call("pg_netmask", args)),
            "network" => Some(call("pg_network", args)),
            "md5" | "sha256" | "encode" | "decode" | "pg_typeof" => {
                self.unsupported(
                    &format!("{name}()"),
                    "compute it outside the query; the store has no such function",
                );
                None
            }
            _ if SET_RETURNING.contains(&name.as_str()) => {
                self.unsupported(
                    &format!("{name}() inside an expression"),
                    "call it in FROM (`from t, jsonb_array_elements(t.col) as e`) or alone in the select list",
                );
                None
            }
            _ => None,
        }
    }

    fn any_all(&mut self, left: Expr, compare_op: BinaryOperator, right: Expr, any: bool) -> Expr {
        // a literal array: an IN list (or an AND/OR chain for other comparisons)
        if let Expr::Array(array) = &right {
            if compare_op == BinaryOperator::Eq && any {
                return Expr::In {
                    expr: Box::new(left),
                    target: ast::InTarget::List(array.elem.clone()),
                    negated: false,
                    global: false,
                };
            }
            if compare_op == BinaryOperator::NotEq && !any {
                return Expr::In {
                    expr: Box::new(left),
                    target: ast::InTarget::List(array.elem.clone()),
                    negated: true,
                    global: false,
                };
            }
        }
        // a JSON array: EXISTS over its elements (ALL: NOT EXISTS over the failing ones)
        let right = match right {
            Expr::Array(array) => call("json_array", array.elem),
            other => other,
        };
        let value = Expr::Identifier(Ident::new("value"));
        let test = Expr::BinaryOp {
            left: Box::new(left),
            op: compare_op,
            right: Box::new(value),
        };
        let each = format!("SELECT 1 FROM json_each({right}) WHERE ");
        let sql = if any {
            format!("{each}{test}")
        } else {
            format!("{each}NOT ({test})")
        };
        let Ok(subquery) = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(&sql)
            .and_then(|mut p| p.parse_query())
        else {
            self.unsupported("ANY/ALL", "use IN (...) or EXISTS over json_each(...)");
            return test;
        };
        Expr::Exists {
            subquery,
            negated: !any,
        }
    }
}

impl Rewriter<'_> {
    /// `SELECT DISTINCT ON (k) cols ... ORDER BY o` as `SELECT cols FROM (SELECT cols,
    /// row_number() OVER (PARTITION BY k ORDER BY o) AS _distinct_on ...) WHERE _distinct_on = 1`.
    fn distinct_on(&mut self, query: &mut Query) {
        let SetExpr::Select(select) = query.body.as_mut() else {
            return;
        };
        let Some(Distinct::On(on)) = &select.distinct else {
            return;
        };
        let partition: Vec<String> = on.iter().map(ToString::to_string).collect();
        select.distinct = None;
        let outputs = output_names(select);
        if outputs.iter().any(Option::is_none) {
            self.unsupported(
                "DISTINCT ON with an unnamed column",
                "name every selected column (`expr AS name`)",
            );
            return;
        }
        let order: Vec<String> = query
            .order_by
            .as_ref()
            .map(|o| match &o.kind {
                ast::OrderByKind::Expressions(list) => {
                    list.iter().map(ToString::to_string).collect()
                }
                _ => Vec::new(),
            })
            .unwrap_or_default();
        let window = format!(
            "row_number() OVER (PARTITION BY {}{})",
            partition.join(", "),
            if order.is_empty() {
                String::new()
            } else {
                format!(" ORDER BY {}", order.join(", "))
            }
        );
        let Ok(expr) = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(&window)
            .and_then(|mut p| p.parse_expr())
        else {
            return;
        };
        if let SetExpr::Select(select) = query.body.as_mut() {
            select.projection.push(SelectItem::ExprWithAlias {
                expr,
                alias: Ident::new("_distinct_on"),
            });
        }
        let list = outputs
            .into_iter()
            .flatten()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let order_by = query
            .order_by
            .as_ref()
            .map(|o| format!(" {o}"))
            .unwrap_or_default();
        let inner = query.to_string();
        let outer =
            format!("SELECT {list} FROM ({inner}) AS _distinct WHERE _distinct_on = 1{order_by}");
        if let Ok(rewritten) = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(&outer)
            .and_then(|mut p| p.parse_query())
        {
            *query = *rewritten;
        }
    }
}

/// `expr [NOT] LIKE pattern`, lower-cased for ILIKE; with ANY, the pattern is an array
/// (`json_array(...)` once rewritten) and each element is tried in turn.
fn like_any(
    negated: bool,
    expr: Expr,
    pattern: Expr,
    escape_char: Option<Box<Expr>>,
    any: bool,
    lower: bool,
) -> Expr {
    let one = |p: Expr| Expr::Like {
        negated: false,
        expr: Box::new(expr.clone()),
        pattern: Box::new(if lower { call("lower", vec![p]) } else { p }),
        escape_char: escape_char.clone(),
        any: false,
    };
    let patterns = match (&pattern, any) {
        (Expr::Function(f), true) if function_name(f) == "json_array" => args_of(f),
        (Expr::Nested(inner), true) => match inner.as_ref() {
            Expr::Function(f) if function_name(f) == "json_array" => args_of(f),
            other => vec![other.clone()],
        },
        _ => vec![pattern.clone()],
    };
    let mut chain = patterns.into_iter().map(one);
    let first = chain
        .next()
        .unwrap_or_else(|| Expr::value(Value::Boolean(false)));
    let any_of = chain.fold(first, |acc, next| Expr::BinaryOp {
        left: Box::new(acc),
        op: BinaryOperator::Or,
        right: Box::new(next),
    });
    let any_of = Expr::Nested(Box::new(any_of));
    if negated { not(any_of) } else { any_of }
}

fn not(e: Expr) -> Expr {
    Expr::UnaryOp {
        op: UnaryOperator::Not,
        expr: Box::new(e),
    }
}

fn interval_text(interval: &ast::Interval) -> Option<String> {
    let value = string_literal(&interval.value)
        .map(str::to_owned)
        .or_else(|| integer_literal(&interval.value).map(|n| n.to_string()))?;
    Some(match &interval.leading_field {
        Some(field) => format!("{value} {field}"),
        None => value,
    })
}

fn field_name(field: &DateTimeField) -> String {
    match field {
        DateTimeField::Custom(id) => id.value.to_ascii_lowercase(),
        other => other.to_string().to_ascii_lowercase(),
    }
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.marks.push(self.scopes.len());
        // DISTINCT ON (a, b): the first row of each group in the query's order
        self.distinct_on(query);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        let mark = self.marks.pop().unwrap_or(0);
        self.scopes.truncate(mark);
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        let mut scope = Scope::default();
        for table in &mut select.from {
            self.factor(&mut table.relation, &mut scope);
            for join in &mut table.joins {
                self.factor(&mut join.relation, &mut scope);
            }
        }
        self.hoist_set_returning(select, &mut scope);
        if self.outputs.is_none() {
            self.scopes.push(scope);
            let outputs = select
                .projection
                .iter()
                .map(|item| match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        self.output_of(e)
                    }
                    _ => Output::Value,
                })
                .collect();
            self.outputs = Some(outputs);
            scope = self.scopes.pop().unwrap_or_default();
        }
        scope.outputs = select
            .projection
            .iter()
            .filter_map(|item| match item {
                SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
                _ => None,
            })
            .collect();
        // an alias PostgreSQL takes unquoted may be a word SQLite reserves (`as group`), and
        // PostgreSQL folds it to lower case: quoted, folded
        for item in &mut select.projection {
            if let SelectItem::ExprWithAlias { alias, .. } = item
                && alias.quote_style.is_none()
            {
                *alias = Ident::with_quote('"', alias.value.to_lowercase());
            }
        }
        // PostgreSQL names an unaliased function column after the function
        for item in &mut select.projection {
            if let SelectItem::UnnamedExpr(Expr::Function(f)) = item {
                let name = function_name(f);
                let expr = Expr::Function(f.clone());
                *item = SelectItem::ExprWithAlias {
                    expr,
                    alias: Ident::with_quote('"', name),
                };
            }
        }
        self.scopes.push(scope);
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let replacement = match expr {
            Expr::Identifier(id) => self.identifier(id),
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => {
                let data_type = data_type.clone();
                Some(self.cast((**inner).clone(), &data_type))
            }
            Expr::BinaryOp { left, op, right } => {
                Some(self.binary((**left).clone(), op.clone(), (**right).clone()))
            }
            Expr::AnyOp {
                left,
                compare_op,
                right,
                ..
            } => Some(self.any_all(
                (**left).clone(),
                compare_op.clone(),
                (**right).clone(),
                true,
            )),
            Expr::AllOp {
                left,
                compare_op,
                right,
            } => Some(self.any_all(
                (**left).clone(),
                compare_op.clone(),
                (**right).clone(),
                false,
            )),
            // the store's LIKE is case-sensitive, as PostgreSQL's: ILIKE compares lower-cased
            Expr::ILike {
                negated,
                expr: inner,
                pattern,
                escape_char,
                any,
            } => Some(like_any(
                *negated,
                call("lower", vec![(**inner).clone()]),
                (**pattern).clone(),
                escape_char.clone(),
                *any,
                true,
            )),
            // LIKE ANY (ARRAY[...]): one LIKE per pattern
            Expr::Like {
                negated,
                expr: inner,
                pattern,
                escape_char,
                any: true,
            } => Some(like_any(
                *negated,
                (**inner).clone(),
                (**pattern).clone(),
                escape_char.clone(),
                true,
                false,
            )),
            Expr::Function(f) => self.function(f),
            Expr::Interval(interval) => match interval_text(interval) {
                Some(t) => Some(call("pg_interval", vec![text(&t)])),
                None => {
                    self.unsupported("INTERVAL with a computed value", "write interval '90 days'");
                    None
                }
            },
            Expr::Extract {
                field, expr: inner, ..
            } => Some(call(
                "pg_date_part",
                vec![text(&field_name(field)), (**inner).clone()],
            )),
            Expr::Array(array) => Some(call("json_array", array.elem.clone())),
            Expr::CompoundFieldAccess { root, access_chain } => {
                let mut out = (**root).clone();
                for access in access_chain.iter() {
                    match access {
                        ast::AccessExpr::Subscript(ast::Subscript::Index { index }) => {
                            out = call("pg_array_get", vec![out, index.clone()]);
                        }
                        _ => {
                            self.unsupported("array slices", "index one element at a time: a[1]");
                        }
                    }
                }
                Some(out)
            }
            Expr::TypedString(typed) => {
                let value = Expr::Value(typed.value.clone());
                let data_type = typed.data_type.clone();
                Some(self.cast(value, &data_type))
            }
            Expr::Value(v) => match &v.value {
                Value::EscapedStringLiteral(s) => Some(text(s)),
                _ => None,
            },
            _ => None,
        };
        if let Some(new) = replacement {
            *expr = new;
        }
        ControlFlow::Continue(())
    }
}

/// The output names of a select's items, where known.
fn output_names(select: &Select) -> Vec<Option<String>> {
    select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
            SelectItem::UnnamedExpr(Expr::Identifier(id)) => Some(id.value.clone()),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                parts.last().map(|p| p.value.clone())
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
