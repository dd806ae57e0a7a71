/**
 * Drawing without a pointer: pure key handling for the focused editor canvas. The focused atom is
 * the selection. Keys (editor focused, no modifier):
 *   Enter / A      add an atom of the current element: bonded to the focused atom, or alone
 *   Arrow keys     move the focus to the nearest atom in that direction (the first atom if none)
 *   Home / End     focus the first / last atom
 *   1 / 2 / 3      set the order of the bond between the focused atom and the one focused before
 *   R              place the current ring on the focused atom (or alone)
 *   element keys   (C N O F S P, L = Cl, B = Br; shortcuts.ts picks the element) also change the
 *                  focused atom's element
 */
import { BOND_LENGTH, addAtom, atomById, bondBetween, growFrom, placeRing, setBondOrder, setElement, type EdGraph, type RingTemplate } from './graph';

export interface KeyState {
  graph: EdGraph;
  /** The focused atom's id, or null. */
  focus: number | null;
  /** The atom focused before it (for bond orders). */
  previous: number | null;
}

export interface KeyResult {
  graph?: EdGraph;
  focus?: number | null;
  previous?: number | null;
}

export const KEY_ELEMENTS: Record<string, string> = { c: 'C', n: 'N', o: 'O', f: 'F', s: 'S', p: 'P', l: 'Cl', b: 'Br' };

const DIRECTIONS: Record<string, { x: number; y: number }> = {
  ArrowRight: { x: 1, y: 0 },
  ArrowLeft: { x: -1, y: 0 },
  ArrowUp: { x: 0, y: -1 },
  ArrowDown: { x: 0, y: 1 },
};

/** The nearest atom from `id` within 60° of direction d (screen coordinates, y down). */
export function nearestInDirection(g: EdGraph, id: number, d: { x: number; y: number }): number | null {
  const a = atomById(g, id);
  if (!a) return null;
  let best: number | null = null;
  let bestScore = Infinity;
  for (const b of g.atoms) {
    if (b.id === id) continue;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const dist = Math.hypot(dx, dy);
    const cos = (dx * d.x + dy * d.y) / dist;
    if (cos < 0.5) continue;
    // Prefer near atoms straight ahead.
    const score = dist * (2 - cos);
    if (score < bestScore) {
      bestScore = score;
      best = b.id;
    }
  }
  return best;
}

/** What a key does to the editor; null when the key is not an editor key. */
export function keyboardEdit(s: KeyState, key: string, element: string, ring: RingTemplate): KeyResult | null {
  const { graph, focus } = s;
  const focused = focus !== null && atomById(graph, focus) ? focus : null;
  if (key === 'Enter' || key === 'a' || key === 'A') {
    if (focused !== null) {
      const grown = growFrom(graph, focused, element);
      return { graph: grown.graph, focus: grown.id, previous: focused };
    }
    // A lone atom to the right of the drawing (or at the origin).
    const x = graph.atoms.length ? Math.max(...graph.atoms.map((a) => a.x)) + 2 * BOND_LENGTH : 0;
    const added = addAtom(graph, element, { x, y: 0 });
    return { graph: added.graph, focus: added.id, previous: null };
  }
  if (DIRECTIONS[key]) {
    if (!graph.atoms.length) return {};
    if (focused === null) return { focus: graph.atoms[0].id, previous: null };
    const next = nearestInDirection(graph, focused, DIRECTIONS[key]);
    return next === null ? {} : { focus: next, previous: focused };
  }
  if (key === 'Home' || key === 'End') {
    if (!graph.atoms.length) return {};
    const id = graph.atoms[key === 'Home' ? 0 : graph.atoms.length - 1].id;
    return { focus: id, previous: focused };
  }
  if (key === '1' || key === '2' || key === '3') {
    const prev = s.previous;
    if (focused === null || prev === null || !bondBetween(graph, focused, prev)) return {};
    return { graph: setBondOrder(graph, prev, focused, Number(key) as 1 | 2 | 3) };
  }
  if (key === 'r' || key === 'R') {
    const g2 = focused !== null ? placeRing(graph, ring, { atomId: focused }) : placeRing(graph, ring, { point: { x: graph.atoms.length ? Math.max(...graph.atoms.map((a) => a.x)) + 3 * BOND_LENGTH : 0, y: 0 } });
    return { graph: g2 };
  }
  const el = KEY_ELEMENTS[key.toLowerCase()];
  if (el && key.length === 1) {
    if (focused === null) return {};
    return { graph: setElement(graph, focused, el) };
  }
  return null;
}

/** "O, atom 3 of 3, bonded to C 2": what a screen reader hears about the focused atom. */
export function describeFocus(g: EdGraph, focus: number | null): string {
  if (focus === null) return 'No atom focused. Enter adds an atom; arrow keys move between atoms.';
  const i = g.atoms.findIndex((a) => a.id === focus);
  if (i < 0) return 'No atom focused.';
  const a = g.atoms[i];
  const nb = g.bonds
    .filter((b) => b.a === focus || b.b === focus)
    .map((b) => {
      const other = b.a === focus ? b.b : b.a;
      const j = g.atoms.findIndex((x) => x.id === other);
      return `${g.atoms[j].el} ${j + 1}${b.order > 1 ? ` (${b.order === 2 ? 'double' : 'triple'})` : ''}`;
    });
  return `${a.el}, atom ${i + 1} of ${g.atoms.length}${nb.length ? `, bonded to ${nb.join(', ')}` : ', no bonds'}`;
}
