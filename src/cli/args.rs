//! Command-line arguments (clap derive). Lives in the library so tests can parse them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::limits::Limits;

#[derive(Debug, Parser)]
#[command(
    name = "kokuc",
    version,
    about = "Compile .koku stacks into ordered, checked Kubernetes manifests",
    long_about = "kokuc compiles a .koku stack into Kubernetes manifests whose files sort in \
                  deploy order and whose pods wait for their dependencies (wait gates). Before \
                  writing anything it proves the stack consistent: no cycles, no dangling \
                  names, resources within the declared budget."
)]
pub struct Cli {
    /// When to color diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Color when stderr is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a stack and write its manifests.
    Build(BuildArgs),
    /// Run every check; write nothing. Exit 0 when clean, 1 on errors, 2 on usage or I/O problems.
    Check(CheckArgs),
    /// Explain a diagnostic code, e.g. `kokuc explain K0303`.
    Explain(ExplainArgs),
    /// Show the plan: waves, resources, budget, cost and the startup critical path.
    Plan(PlanArgs),
    /// Draw the dependency graph as Graphviz DOT, Mermaid or SVG.
    Graph(GraphArgs),
    /// Write a self-contained HTML report: graph, plan tables, budget, profiles.
    Report(ReportArgs),
    /// Compare two versions of a stack: components, edges, totals and cost per profile.
    Diff(DiffArgs),
    /// Format .koku files in place (or check that they are formatted).
    Fmt(FmtArgs),
    /// Run the language server on stdin/stdout (for editors).
    Lsp,
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A report for the terminal.
    Text,
    /// Exact figures for other tools (see docs/language.md, "Plan JSON").
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT (render with `dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (GitHub and GitLab render it in Markdown).
    Mermaid,
    /// An SVG picture drawn by kokuc itself.
    Svg,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The stack file.
    pub stack: PathBuf,
    /// The profile (overlay) to plan.
    #[arg(short, long, conflicts_with = "compare")]
    pub profile: Option<String>,
    /// Compare these profiles side by side, the first as the baseline (every declared profile when none is named).
    #[arg(long, num_args = 0.., value_name = "PROFILE")]
    pub compare: Option<Vec<String>>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The stack file.
    pub stack: PathBuf,
    /// The profile (overlay) to draw.
    #[arg(short, long)]
    pub profile: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The stack file.
    pub stack: PathBuf,
    /// The profile (overlay) the report is about.
    #[arg(short, long)]
    pub profile: Option<String>,
    /// Profiles to compare, the first as the baseline (default: every declared profile).
    #[arg(long, num_args = 1.., value_name = "PROFILE")]
    pub compare: Option<Vec<String>>,
    /// Write the HTML to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old stack file (with --rev: the stack, compared with its version at REV).
    pub old: PathBuf,
    /// The new stack file.
    #[arg(required_unless_present = "rev", conflicts_with = "rev")]
    pub new: Option<PathBuf>,
    /// Compare the stack in the working tree with its version at this git revision (e.g. `HEAD~1`, `main`).
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files or directories (searched for *.koku); `-` formats stdin to stdout.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Change nothing; list the files that would change and exit 1 if any would.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// How `kokuc check` reports diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// Rendered for people (colored on a terminal unless NO_COLOR is set).
    Plain,
    /// One JSON document on stdout (schema: docs/diagnostics.schema.json).
    Json,
    /// GitHub Actions workflow commands (`::error file=...::`) on stdout.
    Github,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The stack file.
    pub stack: PathBuf,
    /// Write one file per component into this directory (replaced atomically).
    #[arg(short, long, value_name = "DIR", conflicts_with = "stdout")]
    pub output: Option<PathBuf>,
    /// Write all manifests to stdout as one multi-document YAML stream (the default without -o).
    #[arg(long)]
    pub stdout: bool,
    /// Overwrite DIR even if kokuc did not create it.
    #[arg(long)]
    pub force: bool,
    /// The profile (overlay) to build.
    #[arg(short, long)]
    pub profile: Option<String>,
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Add a GitOps tool's ordering annotations: Argo CD sync waves, or kapp change groups and rules.
    #[arg(long, value_enum, value_name = "TOOL")]
    pub annotate: Option<AnnotateTool>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnnotateTool {
    /// `argocd.argoproj.io/sync-wave` = the wave of each file.
    Argocd,
    /// `kapp.k14s.io/change-group` per component, `change-rule` per `after` edge.
    Kapp,
}

impl AnnotateTool {
    pub fn mode(tool: Option<AnnotateTool>) -> crate::emit::Annotate {
        match tool {
            None => crate::emit::Annotate::None,
            Some(AnnotateTool::Argocd) => crate::emit::Annotate::ArgoCd,
            Some(AnnotateTool::Kapp) => crate::emit::Annotate::Kapp,
        }
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Stack files to check.
    #[arg(required = true)]
    pub stacks: Vec<PathBuf>,
    /// The profile (overlay) to check.
    #[arg(short, long, conflicts_with = "all_profiles")]
    pub profile: Option<String>,
    /// Check the base stack and every profile it declares.
    #[arg(long)]
    pub all_profiles: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Also report the totals of a subset of components: a name pattern
    /// (`trino-*`) or a label (`queue=download`). Repeatable.
    #[arg(long, value_name = "PATTERN")]
    pub select: Vec<String>,
    /// How to report diagnostics.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Plain)]
    pub format: DiagnosticFormat,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A diagnostic code such as K0303.
    pub code: String,
}

/// Hard limits on input (see docs/language.md, "Limits").
#[derive(Debug, Args, Clone)]
pub struct LimitArgs {
    /// Largest source file, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_file_bytes)]
    pub max_file_bytes: usize,
    /// Deepest nesting of expressions.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_nesting)]
    pub max_nesting: usize,
    /// Deepest chain of function calls.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_call_depth)]
    pub max_call_depth: usize,
    /// Longest chain of imports.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_import_depth)]
    pub max_import_depth: usize,
    /// Most components in a stack.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_components)]
    pub max_components: usize,
    /// Longest string value, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_string_bytes)]
    pub max_string_bytes: usize,
    /// Longest list value, in elements.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_list_items)]
    pub max_list_items: usize,
    /// Most evaluation steps per compilation.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_eval_steps)]
    pub max_eval_steps: u64,
}

impl LimitArgs {
    pub fn to_limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_bytes,
            max_nesting: self.max_nesting,
            max_call_depth: self.max_call_depth,
            max_import_depth: self.max_import_depth,
            max_components: self.max_components,
            max_string_bytes: self.max_string_bytes,
            max_list_items: self.max_list_items,
            max_eval_steps: self.max_eval_steps,
        }
    }
}
