//! Layered layout of the dependency graph for kokuc's own SVG.
//!
//! Columns are waves, left to right. An edge that skips waves passes through
//! a slot (a "dummy") in every column between, so edges never cross a node;
//! the long edges of one component share their slots, like a bus.
//! Within a column, the order comes from barycenter sweeps that minimise edge
//! crossings (the best order seen is kept); vertical positions then pull each
//! node towards its neighbours while keeping order and spacing (isotonic
//! regression, pool-adjacent-violators). Edges leave and enter nodes at ports
//! spread along the sides, sorted by the other end's height, so edges do not
//! cross at a node and their gate labels never overlap. Every coordinate is
//! an integer: the layout is deterministic.

use std::collections::BTreeMap;

use crate::graph::DependencyGraph;
use crate::model::Stack;
use crate::plan::{gate_label, Plan};

pub const NODE_W: i64 = 250;
pub const NODE_MIN_H: i64 = 58;
/// Horizontal space between columns, for edges and their labels.
pub const GAP_X: i64 = 190;
pub const GAP_Y: i64 = 22;
pub const DUMMY_H: i64 = 12;
pub const PORT_SPACING: i64 = 16;
pub const MARGIN: i64 = 24;
/// Room above the columns for the wave headers.
pub const HEADER: i64 = 34;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeBox {
    pub index: usize,
    pub wave: u32,
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgePath {
    /// The dependency (drawn on the left).
    pub from: usize,
    /// The component that waits for it.
    pub to: usize,
    pub label: String,
    /// Start, then pairs of points where the edge crosses intermediate columns, then the end.
    pub points: Vec<(i64, i64)>,
    pub critical: bool,
    pub needless: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub width: i64,
    pub height: i64,
    /// `(wave, x of the column)` for every column.
    pub columns: Vec<(u32, i64)>,
    pub nodes: Vec<NodeBox>,
    pub edges: Vec<EdgePath>,
    /// Edge crossings between adjacent columns in the final order.
    pub crossings: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Node(usize),
    /// A slot for the long edges leaving a component: (that component, column).
    Dummy(usize, usize),
}

struct Edge {
    from: usize,
    to: usize,
    label: String,
}

pub fn layout(stack: &Stack, graph: &DependencyGraph, plan: &Plan) -> Layout {
    // Columns: the waves that have components, in order.
    let mut waves: Vec<u32> = plan.rows.iter().map(|r| r.wave).collect();
    waves.dedup();
    let column_of_wave = |w: u32| waves.iter().position(|&x| x == w).unwrap_or(0);
    let n = stack.components.len();
    let mut column = vec![0usize; n];
    let mut layers: Vec<Vec<Item>> = vec![Vec::new(); waves.len()];
    for r in &plan.rows {
        column[r.index] = column_of_wave(r.wave);
        layers[column[r.index]].push(Item::Node(r.index));
    }

    // Edges (one per pair), from dependency to dependent, with their slots.
    let mut edges = Vec::new();
    for &i in &graph.order {
        let c = &stack.components[i];
        for e in &c.after {
            let Some(t) = stack.index_of(&e.target) else {
                continue;
            };
            if t == i || edges.iter().any(|x: &Edge| x.from == t && x.to == i) {
                continue;
            }
            edges.push(Edge {
                from: t,
                to: i,
                label: short(&gate_label(e, Some(&stack.components[t])), 24),
            });
        }
    }
    // Chains of items for every edge: from, slots..., to. Long edges from the
    // same component share their slots (a bus), and fan out only in the
    // column before their targets.
    let mut chains: Vec<Vec<(usize, Item)>> = Vec::with_capacity(edges.len());
    let mut slots = std::collections::BTreeSet::new();
    for e in &edges {
        let (a, b) = (column[e.from], column[e.to]);
        let mut chain = vec![(a, Item::Node(e.from))];
        for (col, layer) in layers.iter_mut().enumerate().take(b).skip(a + 1) {
            if slots.insert((e.from, col)) {
                layer.push(Item::Dummy(e.from, col));
            }
            chain.push((col, Item::Dummy(e.from, col)));
        }
        chain.push((b, Item::Node(e.to)));
        chains.push(chain);
    }
    // Segments between adjacent columns: left item -> right item, once each.
    let mut segments: Vec<Vec<(Item, Item)>> = vec![Vec::new(); waves.len().saturating_sub(1)];
    for chain in &chains {
        for pair in chain.windows(2) {
            let segment = (pair[0].1, pair[1].1);
            if !segments[pair[0].0].contains(&segment) {
                segments[pair[0].0].push(segment);
            }
        }
    }

    order_layers(&mut layers, &segments);
    let crossings = total_crossings(&layers, &segments);

    // Heights: nodes grow with their ports (one per distinct neighbouring item).
    let mut ins = vec![0i64; n];
    let mut outs = vec![0i64; n];
    for segs in &segments {
        for (a, b) in segs {
            if let Item::Node(i) = a {
                outs[*i] += 1;
            }
            if let Item::Node(i) = b {
                ins[*i] += 1;
            }
        }
    }
    let height = |item: &Item| match item {
        Item::Node(i) => NODE_MIN_H.max(ins[*i].max(outs[*i]) * PORT_SPACING + 12),
        Item::Dummy(..) => DUMMY_H,
    };
    let ys = place_vertically(&layers, &segments, &height);

    // Boxes.
    let col_x = |col: usize| MARGIN + col as i64 * (NODE_W + GAP_X);
    let mut boxes: Vec<Option<NodeBox>> = vec![None; n];
    let mut dummy_y = BTreeMap::new();
    let mut bottom = 0;
    for (col, layer) in layers.iter().enumerate() {
        for (pos, item) in layer.iter().enumerate() {
            let y = ys[col][pos];
            let h = height(item);
            bottom = bottom.max(y + h);
            match *item {
                Item::Node(i) => {
                    boxes[i] = Some(NodeBox {
                        index: i,
                        wave: waves[col],
                        x: col_x(col),
                        y,
                        w: NODE_W,
                        h,
                    });
                }
                Item::Dummy(k, c) => {
                    dummy_y.insert((k, c), y + h / 2);
                }
            }
        }
    }

    // Ports: one per neighbouring item, sorted by that item's height, so edges
    // do not cross at a node.
    let center = |item: Item| -> i64 {
        match item {
            Item::Node(i) => boxes[i].as_ref().map_or(0, |b| b.y + b.h / 2),
            Item::Dummy(from, col) => dummy_y.get(&(from, col)).copied().unwrap_or(0),
        }
    };
    let mut out_ports: Vec<Vec<(i64, Item)>> = vec![Vec::new(); n];
    let mut in_ports: Vec<Vec<(i64, Item)>> = vec![Vec::new(); n];
    for segs in &segments {
        for &(a, b) in segs {
            if let Item::Node(i) = a {
                out_ports[i].push((center(b), b));
            }
            if let Item::Node(i) = b {
                in_ports[i].push((center(a), a));
            }
        }
    }
    for ports in out_ports.iter_mut().chain(in_ports.iter_mut()) {
        ports.sort_unstable();
    }
    let port_y = |b: &NodeBox, ports: &[(i64, Item)], other: Item| -> i64 {
        let count = ports.len() as i64;
        let at = ports.iter().position(|p| p.1 == other).unwrap_or(0) as i64;
        let span = (count - 1).max(0) * PORT_SPACING;
        b.y + b.h / 2 - span / 2 + at * PORT_SPACING
    };
    let mut paths = Vec::with_capacity(edges.len());
    for (k, e) in edges.iter().enumerate() {
        let (Some(src), Some(dst)) = (boxes[e.from].clone(), boxes[e.to].clone()) else {
            continue;
        };
        let chain = &chains[k];
        let mut points = vec![(src.x + src.w, port_y(&src, &out_ports[e.from], chain[1].1))];
        for &(col, item) in &chain[1..chain.len() - 1] {
            if let Item::Dummy(from, c) = item {
                let y = dummy_y.get(&(from, c)).copied().unwrap_or(0);
                points.push((col_x(col), y));
                points.push((col_x(col) + NODE_W, y));
            }
        }
        points.push((dst.x, port_y(&dst, &in_ports[e.to], chain[chain.len() - 2].1)));
        paths.push(EdgePath {
            from: e.from,
            to: e.to,
            label: e.label.clone(),
            points,
            critical: plan.timing.is_critical_edge(e.to, e.from),
            needless: plan.needless.iter().any(|f| f.from == e.to && f.to == e.from),
        });
    }
    let columns = waves.iter().enumerate().map(|(c, &w)| (w, col_x(c))).collect();
    let width = if waves.is_empty() {
        2 * MARGIN + NODE_W
    } else {
        col_x(waves.len() - 1) + NODE_W + MARGIN
    };
    Layout {
        width,
        height: bottom + MARGIN,
        columns,
        nodes: boxes.into_iter().flatten().collect(),
        edges: paths,
        crossings,
    }
}

/// Cuts a label to `max` characters with an ellipsis.
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

fn position_map(layer: &[Item]) -> BTreeMap<Item, usize> {
    layer.iter().enumerate().map(|(p, it)| (*it, p)).collect()
}

/// Barycenter sweeps, down and up, keeping the order with the fewest crossings.
fn order_layers(layers: &mut [Vec<Item>], segments: &[Vec<(Item, Item)>]) {
    let mut best = layers.to_vec();
    let mut best_crossings = total_crossings(layers, segments);
    for sweep in 0..24 {
        if best_crossings == 0 {
            break;
        }
        if sweep % 2 == 0 {
            for col in 1..layers.len() {
                let fixed = position_map(&layers[col - 1]);
                let neighbours = |it: &Item| -> Vec<usize> {
                    segments[col - 1]
                        .iter()
                        .filter(|s| s.1 == *it)
                        .filter_map(|s| fixed.get(&s.0).copied())
                        .collect()
                };
                sort_by_barycenter(&mut layers[col], neighbours);
            }
        } else {
            for col in (0..layers.len().saturating_sub(1)).rev() {
                let fixed = position_map(&layers[col + 1]);
                let neighbours = |it: &Item| -> Vec<usize> {
                    segments[col]
                        .iter()
                        .filter(|s| s.0 == *it)
                        .filter_map(|s| fixed.get(&s.1).copied())
                        .collect()
                };
                sort_by_barycenter(&mut layers[col], neighbours);
            }
        }
        let c = total_crossings(layers, segments);
        if c < best_crossings {
            best_crossings = c;
            best = layers.to_vec();
        }
    }
    layers.clone_from_slice(&best);
}

/// Stable sort by the mean position of the neighbours (scaled to integers);
/// an item without neighbours keeps its place.
fn sort_by_barycenter(layer: &mut [Item], neighbours: impl Fn(&Item) -> Vec<usize>) {
    let mut keyed: Vec<(i64, usize, Item)> = layer
        .iter()
        .enumerate()
        .map(|(pos, it)| {
            let ns = neighbours(it);
            let key = if ns.is_empty() {
                pos as i64 * 1000
            } else {
                ns.iter().map(|&p| p as i64 * 1000).sum::<i64>() / ns.len() as i64
            };
            (key, pos, *it)
        })
        .collect();
    keyed.sort_by_key(|k| (k.0, k.1));
    for (slot, (_, _, it)) in layer.iter_mut().zip(keyed) {
        *slot = it;
    }
}

fn total_crossings(layers: &[Vec<Item>], segments: &[Vec<(Item, Item)>]) -> usize {
    let mut total = 0;
    for (col, segs) in segments.iter().enumerate() {
        let left = position_map(&layers[col]);
        let right = position_map(&layers[col + 1]);
        let mut pairs: Vec<(usize, usize)> = segs
            .iter()
            .filter_map(|(a, b)| Some((*left.get(a)?, *right.get(b)?)))
            .collect();
        pairs.sort_unstable();
        // Crossings are inversions of the right ends once sorted by the left ends.
        for i in 0..pairs.len() {
            for j in i + 1..pairs.len() {
                if pairs[i].0 != pairs[j].0 && pairs[j].1 < pairs[i].1 {
                    total += 1;
                }
            }
        }
    }
    total
}

/// Top y of every item, by column and position.
fn place_vertically(
    layers: &[Vec<Item>],
    segments: &[Vec<(Item, Item)>],
    height: &impl Fn(&Item) -> i64,
) -> Vec<Vec<i64>> {
    // Start stacked from the top.
    let mut centers: Vec<Vec<i64>> = layers
        .iter()
        .map(|layer| {
            let mut y = 0;
            layer
                .iter()
                .map(|it| {
                    let h = height(it);
                    let c = y + h / 2;
                    y += h + GAP_Y;
                    c
                })
                .collect()
        })
        .collect();
    for round in 0..4 {
        let down = round % 2 == 0;
        let cols: Vec<usize> = if down {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for col in cols {
            let (other, segs, mine_is_right) = if down {
                (col - 1, &segments[col - 1], true)
            } else {
                (col + 1, &segments[col], false)
            };
            let other_pos = position_map(&layers[other]);
            let desired: Vec<i64> = layers[col]
                .iter()
                .enumerate()
                .map(|(pos, it)| {
                    let ys: Vec<i64> = segs
                        .iter()
                        .filter_map(|(a, b)| {
                            let (mine, theirs) = if mine_is_right { (b, a) } else { (a, b) };
                            (mine == it)
                                .then(|| other_pos.get(theirs).map(|&p| centers[other][p]))
                                .flatten()
                        })
                        .collect();
                    if ys.is_empty() {
                        centers[col][pos]
                    } else {
                        ys.iter().sum::<i64>() / ys.len() as i64
                    }
                })
                .collect();
            let heights: Vec<i64> = layers[col].iter().map(height).collect();
            centers[col] = pav(&desired, &heights);
        }
    }
    // Shift everything so the highest item starts below the headers.
    let top = layers
        .iter()
        .zip(&centers)
        .flat_map(|(layer, cs)| layer.iter().zip(cs).map(|(it, c)| c - height(it) / 2))
        .min()
        .unwrap_or(0);
    layers
        .iter()
        .zip(&centers)
        .map(|(layer, cs)| {
            layer
                .iter()
                .zip(cs)
                .map(|(it, c)| c - height(it) / 2 - top + MARGIN + HEADER)
                .collect()
        })
        .collect()
}

/// Centers as close as possible to `desired` (least squares), in order, each
/// at least half of both heights plus the gap below the previous one.
fn pav(desired: &[i64], heights: &[i64]) -> Vec<i64> {
    let mut offsets = Vec::with_capacity(desired.len());
    let mut offset = 0;
    for i in 0..desired.len() {
        if i > 0 {
            offset += (heights[i - 1] + heights[i] + 1) / 2 + GAP_Y;
        }
        offsets.push(offset);
    }
    // Blocks of (sum of targets, count, value).
    let mut blocks: Vec<(i64, i64)> = Vec::new();
    for (d, o) in desired.iter().zip(&offsets) {
        blocks.push((d - o, 1));
        while blocks.len() > 1 {
            let (s2, n2) = blocks[blocks.len() - 1];
            let (s1, n1) = blocks[blocks.len() - 2];
            if s1.div_euclid(n1) > s2.div_euclid(n2) {
                blocks.pop();
                blocks.pop();
                blocks.push((s1 + s2, n1 + n2));
            } else {
                break;
            }
        }
    }
    let mut out = Vec::with_capacity(desired.len());
    for (sum, count) in blocks {
        let value = sum.div_euclid(count);
        for _ in 0..count {
            let o = offsets[out.len()];
            out.push(value + o);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::MemoryLoader;
    use crate::{compile, Options};
    use std::path::Path;

    /// 60 components in 6 waves, each waiting for up to 3 earlier ones
    /// (a fixed pseudo-random choice), some of them several waves back.
    fn sixty() -> String {
        let mut text = String::from("stack big { namespace = \"big\"; }\n");
        let mut seed: u64 = 7;
        let mut next = |m: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for i in 0..60u64 {
            let wave = i / 10;
            let mut after = Vec::new();
            if wave > 0 {
                after.push(format!("c{}", (wave - 1) * 10 + next(10)));
                for _ in 0..next(3) {
                    let w = next(wave);
                    after.push(format!("c{}", w * 10 + next(10)));
                }
            }
            after.sort();
            after.dedup();
            text.push_str(&format!(
                "component c{i} {{ image = \"x:1\"; ports = {{ p = 80; }}; cpu = 1; memory = 1Gi; after = [ {} ]; }}\n",
                after.join(", ")
            ));
        }
        text
    }

    #[test]
    fn sixty_components_lay_out_without_overlaps() {
        let mut loader = MemoryLoader::new(None);
        loader.insert("s.koku", sixty());
        let c = compile(&loader, Path::new("s.koku"), &Options::default());
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let (stack, graph) = (c.stack.unwrap(), c.graph.unwrap());
        let plan = crate::plan::plan(&stack, &graph).unwrap();
        let l = layout(&stack, &graph, &plan);
        assert_eq!(l.nodes.len(), 60);
        for a in &l.nodes {
            assert!(a.x >= 0 && a.y >= MARGIN + HEADER && a.x + a.w <= l.width && a.y + a.h <= l.height);
            for b in &l.nodes {
                if a.index != b.index && a.x == b.x {
                    let apart = a.y + a.h + GAP_Y <= b.y || b.y + b.h + GAP_Y <= a.y;
                    assert!(apart, "nodes {} and {} overlap", a.index, b.index);
                }
            }
        }
        // Edges cross columns only between nodes, and arrive at distinct ports.
        for e in &l.edges {
            for pair in e.points[1..e.points.len() - 1].chunks(2) {
                let (x, y) = pair[0];
                for n in l.nodes.iter().filter(|n| n.x == x) {
                    assert!(y < n.y || y > n.y + n.h, "an edge runs through node {}", n.index);
                }
            }
        }
        let mut ends: Vec<(i64, i64)> = l.edges.iter().map(|e| e.points[e.points.len() - 1]).collect();
        let count = ends.len();
        ends.sort_unstable();
        ends.dedup();
        assert_eq!(ends.len(), count, "two gate labels at the same place");
        // Crossing reduction did its job: far fewer crossings than edges squared.
        assert!(l.crossings < count * 3, "{} crossings for {count} edges", l.crossings);
    }

    #[test]
    fn pav_keeps_order_and_spacing() {
        let hs = [20, 20, 20];
        let out = pav(&[100, 100, 100], &hs);
        for w in out.windows(2) {
            assert!(w[1] - w[0] >= 20 + GAP_Y);
        }
        // Centred on the common target.
        assert_eq!(out[1], 100);
        let free = pav(&[0, 500], &hs[..2]);
        assert_eq!(free, [0, 500]);
    }
}
