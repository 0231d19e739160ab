//! Runtime values of the evaluator. Every value remembers where it was written
//! (`origin`), so a diagnostic about a field can point at the line in a library
//! or profile that produced it.

use std::rc::Rc;
use std::sync::Arc;

use crate::quantity::Quantity;
use crate::source::Span;
use crate::syntax::ast::Function;

use super::scope::FrameId;

#[derive(Clone, Debug)]
pub struct Value {
    pub kind: ValueKind,
    pub origin: Span,
}

#[derive(Clone, Debug)]
pub enum ValueKind {
    Null,
    Bool(bool),
    Number(Quantity),
    Str(Arc<str>),
    /// A string that contains component addresses, known only once every
    /// component is evaluated (`"jdbc://${koku-db.host}:5432"`).
    Text(Rc<[TextPart]>),
    List(Rc<[Value]>),
    Attrs(Rc<Attrs>),
    Function(Rc<Closure>),
    Builtin(Rc<BuiltinCall>),
    /// A component named by a bare identifier (`after = [ koku-db ]`).
    Component(Arc<str>),
    /// An identifier that is neither a variable nor a component. It is an error
    /// wherever it is used; carries the suggestion computed where it was written.
    Unknown(Rc<UnknownName>),
    /// `x.host`, `x.port`, `x.port.http`.
    Address(Rc<Address>),
    Secret(Rc<SecretValue>),
}

#[derive(Clone, Debug)]
pub enum TextPart {
    Literal(Arc<str>),
    Address(Address),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub component: Arc<str>,
    pub part: AddressPart,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressPart {
    Host,
    /// `x.port` (first port) or `x.port.NAME`.
    Port(Option<Arc<str>>),
}

#[derive(Clone, Debug)]
pub struct UnknownName {
    pub name: Arc<str>,
    pub suggestion: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretValue {
    pub name: Arc<str>,
    pub key: Arc<str>,
}

/// Fields sorted by name.
#[derive(Clone, Debug, Default)]
pub struct Attrs {
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: Arc<str>,
    pub key_span: Span,
    pub value: Value,
}

impl Attrs {
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.fields
            .binary_search_by(|f| (*f.name).cmp(name))
            .ok()
            .map(|i| &self.fields[i])
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| &*f.name)
    }
}

#[derive(Debug)]
pub struct Closure {
    pub function: Arc<Function>,
    pub frame: FrameId,
    /// The name it was bound to, for call chains in recursion errors.
    pub name: Option<Arc<str>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Secret,
    ToString,
    Map,
    Concat,
}

impl Builtin {
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Secret => "secret",
            Builtin::ToString => "toString",
            Builtin::Map => "map",
            Builtin::Concat => "concat",
        }
    }

    pub fn arity(self) -> usize {
        match self {
            Builtin::Secret | Builtin::Map => 2,
            Builtin::ToString | Builtin::Concat => 1,
        }
    }

    pub const ALL: [Builtin; 4] = [Builtin::Secret, Builtin::ToString, Builtin::Map, Builtin::Concat];
}

#[derive(Debug)]
pub struct BuiltinCall {
    pub builtin: Builtin,
    pub args: Vec<Value>,
}

impl Value {
    pub fn new(kind: ValueKind, origin: Span) -> Value {
        Value { kind, origin }
    }

    pub fn null(origin: Span) -> Value {
        Value::new(ValueKind::Null, origin)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, ValueKind::Null)
    }

    /// The kind of value, as a noun for diagnostics.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            ValueKind::Null => "null",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::Number(q) => match q.dim {
                crate::quantity::Dim::Scalar => "a number",
                crate::quantity::Dim::Bytes => "a size",
                crate::quantity::Dim::Seconds => "a duration",
            },
            ValueKind::Str(_) | ValueKind::Text(_) => "a string",
            ValueKind::List(_) => "a list",
            ValueKind::Attrs(_) => "an attribute set",
            ValueKind::Function(_) | ValueKind::Builtin(_) => "a function",
            ValueKind::Component(_) => "a component",
            ValueKind::Unknown(_) => "an unknown name",
            ValueKind::Address(a) => match a.part {
                AddressPart::Host => "a component host",
                AddressPart::Port(_) => "a component port",
            },
            ValueKind::Secret(_) => "a secret reference",
        }
    }

    pub fn as_attrs(&self) -> Option<&Attrs> {
        match &self.kind {
            ValueKind::Attrs(a) => Some(a),
            _ => None,
        }
    }
}
