/**
 * The editor's molecule: heavy atoms with 2D positions (in Å-like units, bond length 1.5) and
 * bonds with orders. Every edit is a pure function returning a new graph, so undo/redo is a stack
 * of snapshots and React can compare by identity.
 */

export const BOND_LENGTH = 1.5;
export const PALETTE = ['C', 'N', 'O', 'F', 'S', 'Cl', 'Br', 'P'] as const;
export type BondOrder = 1 | 2 | 3;

export interface EdAtom {
  id: number;
  el: string;
  charge: number;
  x: number;
  y: number;
}

export interface EdBond {
  id: number;
  a: number;
  b: number;
  order: BondOrder;
  /** Stereo wedge of a single bond, pointing from a (the stereocentre) to b: molfile 1 = wedge, 6 = hash. */
  wedge?: 1 | 6;
  /** A double bond whose E/Z is unspecified (molfile stereo 3), so the drawing does not imply one. */
  either?: true;
}

export interface EdGraph {
  atoms: EdAtom[];
  bonds: EdBond[];
  nextId: number;
}

export const EMPTY_GRAPH: EdGraph = { atoms: [], bonds: [], nextId: 1 };

export interface Point {
  x: number;
  y: number;
}

export function atomById(g: EdGraph, id: number): EdAtom | undefined {
  return g.atoms.find((a) => a.id === id);
}

export function bondBetween(g: EdGraph, a: number, b: number): EdBond | undefined {
  return g.bonds.find((bd) => (bd.a === a && bd.b === b) || (bd.a === b && bd.b === a));
}

export function neighbours(g: EdGraph, id: number): EdAtom[] {
  const out: EdAtom[] = [];
  for (const bd of g.bonds) {
    const other = bd.a === id ? bd.b : bd.b === id ? bd.a : null;
    if (other !== null) {
      const at = atomById(g, other);
      if (at) out.push(at);
    }
  }
  return out;
}

export function addAtom(g: EdGraph, el: string, p: Point, charge = 0): { graph: EdGraph; id: number } {
  const id = g.nextId;
  return { graph: { ...g, atoms: [...g.atoms, { id, el, charge, x: p.x, y: p.y }], nextId: id + 1 }, id };
}

export function setElement(g: EdGraph, id: number, el: string): EdGraph {
  return { ...g, atoms: g.atoms.map((a) => (a.id === id ? { ...a, el } : a)) };
}

export function changeCharge(g: EdGraph, id: number, delta: number): EdGraph {
  return { ...g, atoms: g.atoms.map((a) => (a.id === id ? { ...a, charge: Math.max(-4, Math.min(4, a.charge + delta)) } : a)) };
}

export function moveAtom(g: EdGraph, id: number, p: Point): EdGraph {
  return { ...g, atoms: g.atoms.map((a) => (a.id === id ? { ...a, x: p.x, y: p.y } : a)) };
}

/** Adds a bond a–b; if one exists, its order goes up by one (triple wraps to single). */
export function addOrCycleBond(g: EdGraph, a: number, b: number): EdGraph {
  if (a === b) return g;
  const existing = bondBetween(g, a, b);
  if (existing) return cycleBond(g, existing.id);
  return { ...g, bonds: [...g.bonds, { id: g.nextId, a, b, order: 1 }], nextId: g.nextId + 1 };
}

export function setBondOrder(g: EdGraph, a: number, b: number, order: BondOrder): EdGraph {
  const existing = bondBetween(g, a, b);
  if (existing) return { ...g, bonds: g.bonds.map((bd) => (bd === existing ? { id: bd.id, a: bd.a, b: bd.b, order } : bd)) };
  return { ...g, bonds: [...g.bonds, { id: g.nextId, a, b, order }], nextId: g.nextId + 1 };
}

/** single -> double -> triple -> single. */
export function cycleBond(g: EdGraph, bondId: number): EdGraph {
  return {
    ...g,
    bonds: g.bonds.map((bd) => (bd.id === bondId ? { id: bd.id, a: bd.a, b: bd.b, order: ((bd.order % 3) + 1) as BondOrder } : bd)),
  };
}

export function deleteAtom(g: EdGraph, id: number): EdGraph {
  return { ...g, atoms: g.atoms.filter((a) => a.id !== id), bonds: g.bonds.filter((bd) => bd.a !== id && bd.b !== id) };
}

export function deleteBond(g: EdGraph, bondId: number): EdGraph {
  return { ...g, bonds: g.bonds.filter((bd) => bd.id !== bondId) };
}

/** The nearest atom within `radius` of p, if any. */
export function atomAt(g: EdGraph, p: Point, radius: number): EdAtom | undefined {
  let best: EdAtom | undefined;
  let bestD = radius * radius;
  for (const a of g.atoms) {
    const d = (a.x - p.x) ** 2 + (a.y - p.y) ** 2;
    if (d <= bestD) {
      best = a;
      bestD = d;
    }
  }
  return best;
}

/**
 * A free direction to grow a new bond from atom `id`: opposite the mean of its bonds for one or
 * more neighbours (120° zig-zag for a chain end), +30° from the x axis for an isolated atom.
 */
export function freeDirection(g: EdGraph, id: number): Point {
  const a = atomById(g, id);
  if (!a) return { x: 1, y: 0 };
  const nb = neighbours(g, id);
  if (nb.length === 0) return { x: Math.cos(Math.PI / 6), y: -Math.sin(Math.PI / 6) };
  if (nb.length === 1) {
    // Zig-zag: rotate the incoming bond by ±120°, choosing the side away from the neighbour's other bonds.
    const n = nb[0];
    const base = Math.atan2(a.y - n.y, a.x - n.x);
    const others = neighbours(g, n.id).filter((o) => o.id !== id);
    const candidates = [base + Math.PI / 3, base - Math.PI / 3].map((t) => ({ x: Math.cos(t), y: Math.sin(t) }));
    if (others.length === 0) return candidates[0].y <= candidates[1].y ? candidates[0] : candidates[1];
    const score = (d: Point) => Math.min(...others.map((o) => (a.x + d.x * BOND_LENGTH - o.x) ** 2 + (a.y + d.y * BOND_LENGTH - o.y) ** 2));
    return score(candidates[0]) >= score(candidates[1]) ? candidates[0] : candidates[1];
  }
  // Largest angular gap between existing bonds, bisected.
  const angles = nb.map((n) => Math.atan2(n.y - a.y, n.x - a.x)).sort((p, q) => p - q);
  let bestGap = -1;
  let bestMid = 0;
  for (let i = 0; i < angles.length; i++) {
    const from = angles[i];
    const to = i + 1 < angles.length ? angles[i + 1] : angles[0] + 2 * Math.PI;
    if (to - from > bestGap) {
      bestGap = to - from;
      bestMid = (from + to) / 2;
    }
  }
  return { x: Math.cos(bestMid), y: Math.sin(bestMid) };
}

/** Grows a new atom of element `el` bonded to atom `id`, in a free direction. */
export function growFrom(g: EdGraph, id: number, el: string): { graph: EdGraph; id: number } {
  const a = atomById(g, id);
  if (!a) return { graph: g, id };
  const d = freeDirection(g, id);
  const target = { x: a.x + d.x * BOND_LENGTH, y: a.y + d.y * BOND_LENGTH };
  const hit = atomAt(g, target, 0.3);
  if (hit && !bondBetween(g, id, hit.id)) return { graph: addOrCycleBond(g, id, hit.id), id: hit.id };
  const added = addAtom(g, el, target);
  return { graph: addOrCycleBond(added.graph, id, added.id), id: added.id };
}

export type RingTemplate = 'benzene' | 'cyclohexane' | 'cyclopentane';
export const RING_SIZE: Record<RingTemplate, number> = { benzene: 6, cyclohexane: 6, cyclopentane: 5 };

/**
 * Places a ring template: free-standing around `p`, sharing atom `atomId` (spiro), or fused on the
 * bond `bondId`. New atoms that land on existing ones are merged into them. Benzene gets
 * alternating (Kekulé) double bonds that continue the shared bond's order.
 */
export function placeRing(g: EdGraph, template: RingTemplate, at: { point?: Point; atomId?: number; bondId?: number }): EdGraph {
  const n = RING_SIZE[template];
  const radius = BOND_LENGTH / (2 * Math.sin(Math.PI / n));
  let positions: Point[];
  let fixed: number[] = []; // atom ids for the first positions
  if (at.bondId !== undefined) {
    const bd = g.bonds.find((b) => b.id === at.bondId);
    const a = bd && atomById(g, bd.a);
    const b = bd && atomById(g, bd.b);
    if (!bd || !a || !b) return g;
    // Centre on the side of the bond with fewer existing neighbours.
    const mx = (a.x + b.x) / 2;
    const my = (a.y + b.y) / 2;
    const len = Math.hypot(b.x - a.x, b.y - a.y) || BOND_LENGTH;
    const nx = -(b.y - a.y) / len;
    const ny = (b.x - a.x) / len;
    const apothem = Math.sqrt(Math.max(radius * radius - (len / 2) ** 2, 0));
    const side = (s: number) => {
      const c = { x: mx + nx * apothem * s, y: my + ny * apothem * s };
      return [...neighbours(g, a.id), ...neighbours(g, b.id)].reduce((acc, o) => acc + Math.hypot(o.x - c.x, o.y - c.y), 0);
    };
    const s = side(1) >= side(-1) ? 1 : -1;
    const c = { x: mx + nx * apothem * s, y: my + ny * apothem * s };
    const start = Math.atan2(a.y - c.y, a.x - c.x);
    const startB = Math.atan2(b.y - c.y, b.x - c.x);
    // Walk from a away from b, so position 0 = a and position n-1 = b.
    let dir = Math.sign(Math.sin(startB - start)) || 1;
    dir = -dir;
    positions = Array.from({ length: n }, (_, k) => ({ x: c.x + radius * Math.cos(start + (dir * 2 * Math.PI * k) / n), y: c.y + radius * Math.sin(start + (dir * 2 * Math.PI * k) / n) }));
    positions[n - 1] = { x: b.x, y: b.y };
    fixed = [a.id];
    // b is merged by position below.
  } else if (at.atomId !== undefined) {
    const a = atomById(g, at.atomId);
    if (!a) return g;
    const d = neighbours(g, a.id).length ? freeDirection(g, a.id) : { x: 0, y: -1 };
    const c = { x: a.x + d.x * radius, y: a.y + d.y * radius };
    const start = Math.atan2(a.y - c.y, a.x - c.x);
    positions = Array.from({ length: n }, (_, k) => ({ x: c.x + radius * Math.cos(start + (2 * Math.PI * k) / n), y: c.y + radius * Math.sin(start + (2 * Math.PI * k) / n) }));
    fixed = [a.id];
  } else {
    const c = at.point ?? { x: 0, y: 0 };
    // Flat-topped hexagon / upright pentagon, the usual textbook orientation.
    const start = -Math.PI / 2;
    positions = Array.from({ length: n }, (_, k) => ({ x: c.x + radius * Math.cos(start + (2 * Math.PI * k) / n), y: c.y + radius * Math.sin(start + (2 * Math.PI * k) / n) }));
  }
  let graph = g;
  const ids: number[] = [];
  positions.forEach((p, k) => {
    if (k < fixed.length) {
      ids.push(fixed[k]);
      return;
    }
    const hit = atomAt(graph, p, 0.35);
    if (hit) ids.push(hit.id);
    else {
      const added = addAtom(graph, 'C', p);
      graph = added.graph;
      ids.push(added.id);
    }
  });
  // Kekulé pattern: continue from the shared bond's order if fusing onto a double bond.
  const shared = at.bondId !== undefined ? g.bonds.find((b) => b.id === at.bondId) : undefined;
  const firstDouble = shared ? shared.order !== 2 : true;
  for (let k = 0; k < n; k++) {
    const a = ids[k];
    const b = ids[(k + 1) % n];
    if (bondBetween(graph, a, b)) continue;
    let order: BondOrder = 1;
    if (template === 'benzene') {
      // Edge k runs from position k to k+1; the shared bond (if any) is edge n-1.
      const isDouble = (k % 2 === 0) === firstDouble;
      order = isDouble ? 2 : 1;
    }
    graph = setBondOrder(graph, a, b, order);
  }
  return graph;
}

export function bounds(g: EdGraph): { minX: number; minY: number; maxX: number; maxY: number } | null {
  if (g.atoms.length === 0) return null;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const a of g.atoms) {
    minX = Math.min(minX, a.x);
    minY = Math.min(minY, a.y);
    maxX = Math.max(maxX, a.x);
    maxY = Math.max(maxY, a.y);
  }
  return { minX, minY, maxX, maxY };
}

/** Compacts ids to 1..n in atom order (atom order is the molecule's atom order everywhere). */
export function atomIndex(g: EdGraph): Map<number, number> {
  return new Map(g.atoms.map((a, i) => [a.id, i]));
}
