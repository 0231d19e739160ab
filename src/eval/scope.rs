//! Lexical scopes as an arena of frames owned by one evaluation.
//!
//! Frames live in a `Vec` and are addressed by index, so closures that capture
//! their frame create no `Rc` cycles: everything is freed with the evaluator,
//! which matters for the language server that evaluates on every keystroke.

use std::collections::HashMap;
use std::sync::Arc;

use super::value::Value;
use crate::source::Span;
use crate::syntax::ast::Expr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameId(u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SlotId(u32);

/// A lazily evaluated binding.
#[derive(Debug)]
pub enum SlotState {
    Pending {
        expr: Arc<Expr>,
        frame: FrameId,
    },
    /// Being evaluated: reaching it again is infinite recursion.
    Running,
    Done(Value),
    /// Evaluation failed; the diagnostic was already reported.
    Failed,
}

#[derive(Debug)]
pub struct Slot {
    pub name: Arc<str>,
    /// Where the binding is written (for recursion chains and go-to-definition).
    pub span: Span,
    pub state: SlotState,
}

#[derive(Debug)]
struct Frame {
    parent: Option<FrameId>,
    vars: Vars,
}

#[derive(Debug)]
enum Vars {
    /// Few bindings (function parameters, small `let`s): linear search is fastest.
    Small(Vec<(Arc<str>, SlotId)>),
    /// Many bindings (top-level lets of a big file).
    Map(HashMap<Arc<str>, SlotId>),
}

const SMALL: usize = 8;

#[derive(Debug, Default)]
pub struct Scopes {
    frames: Vec<Frame>,
    slots: Vec<Slot>,
}

impl Scopes {
    pub fn new_frame(&mut self, parent: Option<FrameId>, bindings: Vec<Slot>) -> FrameId {
        let mut ids = Vec::with_capacity(bindings.len());
        for slot in bindings {
            let id = SlotId(u32::try_from(self.slots.len()).unwrap_or(u32::MAX));
            ids.push((slot.name.clone(), id));
            self.slots.push(slot);
        }
        let vars = if ids.len() <= SMALL {
            Vars::Small(ids)
        } else {
            Vars::Map(ids.into_iter().collect())
        };
        let id = FrameId(u32::try_from(self.frames.len()).unwrap_or(u32::MAX));
        self.frames.push(Frame { parent, vars });
        id
    }

    /// The id the next [`Scopes::new_frame`] will return, so that lazy slots can
    /// point at the frame that will hold them.
    pub fn next_frame_id(&self) -> FrameId {
        FrameId(u32::try_from(self.frames.len()).unwrap_or(u32::MAX))
    }

    /// Finds a name in a frame or its ancestors.
    pub fn lookup(&self, mut frame: FrameId, name: &str) -> Option<SlotId> {
        loop {
            let f = &self.frames[frame.0 as usize];
            let found = match &f.vars {
                Vars::Small(v) => v.iter().find(|(n, _)| &**n == name).map(|(_, s)| *s),
                Vars::Map(m) => m.get(name).copied(),
            };
            if found.is_some() {
                return found;
            }
            frame = f.parent?;
        }
    }

    /// Every name visible from a frame (for "did you mean").
    pub fn visible_names(&self, mut frame: FrameId) -> Vec<Arc<str>> {
        let mut names = Vec::new();
        loop {
            let f = &self.frames[frame.0 as usize];
            match &f.vars {
                Vars::Small(v) => names.extend(v.iter().map(|(n, _)| n.clone())),
                Vars::Map(m) => names.extend(m.keys().cloned()),
            }
            match f.parent {
                Some(p) => frame = p,
                None => return names,
            }
        }
    }

    /// The slots bound directly in a frame, in the order they were bound.
    pub fn frame_slots(&self, frame: FrameId) -> Vec<SlotId> {
        let mut ids: Vec<SlotId> = match &self.frames[frame.0 as usize].vars {
            Vars::Small(v) => v.iter().map(|(_, s)| *s).collect(),
            Vars::Map(m) => m.values().copied().collect(),
        };
        ids.sort_by_key(|s| s.0);
        ids
    }

    pub fn slot(&self, id: SlotId) -> &Slot {
        &self.slots[id.0 as usize]
    }

    pub fn slot_mut(&mut self, id: SlotId) -> &mut Slot {
        &mut self.slots[id.0 as usize]
    }
}
