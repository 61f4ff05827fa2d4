//! The exact-level edges of the subscription trie: a node's single child inline, the
//! children of wider nodes in one hash table shared by all nodes.

use super::atoms::Atom;

/// Index of a trie node; the root is 0 and is nobody's child.
pub(crate) type NodeId = u32;

/// How a trie node reaches its exact-level children.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Children {
    /// No exact child.
    #[default]
    None,
    /// A single child, in the node itself: many levels have just one ("building/+/floor"),
    /// and a lookup there then reads no other memory.
    One(Atom, NodeId),
    /// This many children, in the [`Edges`] table.
    Table(u32),
}

/// The children of every node with more than one, keyed by (parent, level atom).
///
/// One table rather than one per node: a lookup at a wide node (a level of device ids,
/// say) is a multiply and usually a single slot read, where a sorted list needs a
/// binary search over several cache lines, and there is no allocation per node.
/// Open addressing with linear probing, at most three quarters full; removal shifts the following
/// slots of the run back, so no tombstones pile up under subscribe/unsubscribe churn.
#[derive(Debug, Default)]
pub(crate) struct Edges {
    /// Power-of-two length (or empty); a slot with child 0 is empty.
    slots: Vec<Edge>,
    len: usize,
}

#[derive(Debug, Clone, Copy, Default)]
struct Edge {
    parent: NodeId,
    atom: Atom,
    child: NodeId,
}

impl Edges {
    #[inline(always)]
    fn home(&self, parent: NodeId, atom: Atom) -> usize {
        let key = u64::from(parent) << 32 | u64::from(atom);
        // The high bits of the product are the well-mixed ones.
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & (self.slots.len() - 1)
    }

    /// The child of `parent` at the level `atom`, if there is one.
    #[inline(always)]
    pub(crate) fn get(&self, parent: NodeId, atom: Atom) -> Option<NodeId> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(parent, atom);
        loop {
            let e = self.slots[i];
            if e.child == 0 {
                return None;
            }
            if e.parent == parent && e.atom == atom {
                return Some(e.child);
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds an edge that is not there yet.
    pub(crate) fn insert(&mut self, parent: NodeId, atom: Atom, child: NodeId) {
        debug_assert!(child != 0, "the root is nobody's child");
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            let size = (self.slots.len() * 2).max(16);
            let old = core::mem::replace(&mut self.slots, vec![Edge::default(); size]);
            for e in old {
                if e.child != 0 {
                    self.place(e);
                }
            }
        }
        self.place(Edge {
            parent,
            atom,
            child,
        });
        self.len += 1;
    }

    fn place(&mut self, e: Edge) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(e.parent, e.atom);
        while self.slots[i].child != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = e;
    }

    /// Removes the edge from `parent` at `atom`, if there is one.
    pub(crate) fn remove(&mut self, parent: NodeId, atom: Atom) {
        if self.get(parent, atom).is_none() {
            return;
        }
        let mask = self.slots.len() - 1;
        let mut hole = self.home(parent, atom);
        while !(self.slots[hole].parent == parent && self.slots[hole].atom == atom) {
            hole = (hole + 1) & mask;
        }
        // Move back every later entry of the run whose home is not between the hole
        // and its slot, so that no search stops early at the hole.
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let e = self.slots[j];
            if e.child == 0 {
                break;
            }
            let home = self.home(e.parent, e.atom);
            // Distances along the run, modulo the table size.
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.slots[hole] = e;
                hole = j;
            }
        }
        self.slots[hole] = Edge::default();
        self.len -= 1;
    }
}

impl Children {
    /// The child at level `atom` of the node `id` whose children these are.
    #[inline(always)]
    pub(crate) fn get(self, id: NodeId, atom: Atom, edges: &Edges) -> Option<NodeId> {
        match self {
            Children::None => None,
            Children::One(a, child) => (a == atom).then_some(child),
            Children::Table(_) => edges.get(id, atom),
        }
    }

    /// Adds a child that is not there yet.
    pub(crate) fn insert(&mut self, id: NodeId, atom: Atom, child: NodeId, edges: &mut Edges) {
        *self = match *self {
            Children::None => Children::One(atom, child),
            Children::One(a, c) => {
                edges.insert(id, a, c);
                edges.insert(id, atom, child);
                Children::Table(2)
            }
            Children::Table(n) => {
                edges.insert(id, atom, child);
                Children::Table(n + 1)
            }
        };
    }

    /// Removes the child at level `atom`.
    pub(crate) fn remove(&mut self, id: NodeId, atom: Atom, edges: &mut Edges) {
        *self = match *self {
            Children::One(a, _) if a == atom => Children::None,
            Children::Table(n) => {
                edges.remove(id, atom);
                match n - 1 {
                    0 => Children::None,
                    left => Children::Table(left),
                }
            }
            other => other,
        };
    }

    pub(crate) fn is_empty(self) -> bool {
        self == Children::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_agrees_with_a_map_through_inserts_and_removals() {
        let mut t = Edges::default();
        let mut model = std::collections::BTreeMap::new();
        let mut x = 7u64;
        for step in 1..20_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Few parents and atoms: long probe runs, and runs that wrap around.
            let key = ((x >> 60) as u32, (x >> 56) as u32 & 7);
            if let std::collections::btree_map::Entry::Vacant(v) = model.entry(key) {
                t.insert(key.0, key.1, step);
                v.insert(step);
            } else {
                t.remove(key.0, key.1);
                model.remove(&key);
            }
            for p in 0..16 {
                for a in 0..8 {
                    assert_eq!(t.get(p, a), model.get(&(p, a)).copied(), "step {step}");
                }
            }
        }
        assert_eq!(t.len, model.len());
    }

    #[test]
    fn children_move_from_the_node_to_the_table_and_away() {
        let mut edges = Edges::default();
        let mut c = Children::default();
        c.insert(5, 1, 10, &mut edges);
        assert_eq!(c, Children::One(1, 10));
        c.insert(5, 2, 20, &mut edges);
        c.insert(5, 3, 30, &mut edges);
        assert_eq!(c, Children::Table(3));
        assert_eq!(
            (
                c.get(5, 1, &edges),
                c.get(5, 3, &edges),
                c.get(5, 4, &edges)
            ),
            (Some(10), Some(30), None)
        );
        for atom in 1..=3 {
            c.remove(5, atom, &mut edges);
        }
        assert!(c.is_empty());
        assert_eq!(edges.len, 0);
    }
}
