//! The abstract syntax tree. Every node carries the [`Span`] it was parsed from.
//!
//! Sub-trees that the evaluator captures lazily (let values, function bodies,
//! component bodies) are behind `Rc` so closures can share them without copying.

use std::sync::Arc;

use crate::quantity::Quantity;
use crate::source::Span;

/// An identifier as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub text: Arc<str>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct File {
    pub items: Vec<Item>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Item {
    Let(LetItem),
    Stack(StackItem),
    Component(ComponentItem),
    Profile(ProfileItem),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Let(i) => i.span,
            Item::Stack(i) => i.span,
            Item::Component(i) => i.span,
            Item::Profile(i) => i.span,
        }
    }
}

#[derive(Clone, Debug)]
pub struct LetItem {
    pub name: Name,
    pub value: Arc<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct StackItem {
    pub name: Name,
    pub body: Arc<Expr>,
    pub span: Span,
}

/// `component NAME { ... }` (braced) or `component NAME = EXPR;`.
/// Also used for `override NAME ...` inside profiles.
#[derive(Clone, Debug)]
pub struct ComponentItem {
    pub name: Name,
    pub value: Arc<Expr>,
    pub braced: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ProfileItem {
    pub name: Name,
    pub extends: Option<Name>,
    pub statements: Vec<ProfileStatement>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ProfileStatement {
    Let(LetItem),
    Add(ComponentItem),
    Override(ComponentItem),
    Remove { name: Name, span: Span },
    Stack { body: Arc<Expr>, span: Span },
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Number(Quantity),
    /// A string; a single `Literal` part when there is no interpolation.
    Str(Vec<StrPart>),
    Ident(Name),
    List(Vec<Expr>),
    Attrs(Vec<Binding>),
    Select(Box<Expr>, Vec<Name>),
    Apply(Box<Expr>, Vec<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Let(Arc<[Binding]>, Box<Expr>),
    Function(Arc<Function>),
    Import(ImportPath),
}

#[derive(Clone, Debug)]
pub enum StrPart {
    Literal(String),
    Interpolation(Expr),
}

#[derive(Clone, Debug)]
pub struct ImportPath {
    pub path: String,
    pub span: Span,
}

/// `a.b.c = value;`
#[derive(Clone, Debug)]
pub struct Binding {
    pub path: Vec<Name>,
    pub value: Arc<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub pattern: Pattern,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Pattern {
    /// `x: body`
    Single(Name),
    /// `{ a, b ? default }: body`
    Fields(Vec<Param>),
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: Name,
    pub default: Option<Arc<Expr>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Merge,
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Merge => "//",
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
}
