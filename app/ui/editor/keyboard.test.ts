import { describe, expect, it } from 'vitest';
import { EMPTY_GRAPH, bondBetween } from './graph';
import { describeFocus, keyboardEdit, nearestInDirection, type KeyState } from './keyboard';

/** Applies keys in order, like the canvas does. */
function press(keys: string[], element = 'C', start: KeyState = { graph: EMPTY_GRAPH, focus: null, previous: null }): KeyState {
  let s = start;
  for (const k of keys) {
    const r = keyboardEdit(s, k, element, 'benzene');
    if (!r) continue;
    s = { graph: r.graph ?? s.graph, focus: r.focus !== undefined ? r.focus : s.focus, previous: r.previous !== undefined ? r.previous : s.previous };
  }
  return s;
}

describe('keyboard drawing', () => {
  it('Enter grows a chain from the focused atom; an element key changes it: ethanol', () => {
    const s = press(['Enter', 'Enter', 'Enter', 'o']);
    expect(s.graph.atoms.map((a) => a.el)).toEqual(['C', 'C', 'O']);
    expect(s.graph.bonds).toHaveLength(2);
    const [a, b, c] = s.graph.atoms.map((x) => x.id);
    expect(bondBetween(s.graph, a, b)).toBeDefined();
    expect(bondBetween(s.graph, b, c)).toBeDefined();
    expect(bondBetween(s.graph, a, c)).toBeUndefined();
    expect(s.focus).toBe(c);
    expect(describeFocus(s.graph, s.focus)).toBe('O, atom 3 of 3, bonded to C 2');
  });

  it('arrow keys move the focus along the drawing; Home/End jump; 1-3 set the order of the last step', () => {
    let s = press(['Enter', 'Enter', 'Enter']);
    const ids = s.graph.atoms.map((a) => a.id);
    s = press(['Home'], 'C', s);
    expect(s.focus).toBe(ids[0]);
    // The chain grows to the right (zig-zag): ArrowRight walks it.
    s = press(['ArrowRight'], 'C', s);
    expect(s.focus).toBe(ids[1]);
    s = press(['2'], 'C', s);
    expect(bondBetween(s.graph, ids[0], ids[1])!.order).toBe(2);
    s = press(['End', '3'], 'C', s);
    // End came from atom 2: the bond 2-3 becomes triple.
    expect(bondBetween(s.graph, ids[1], ids[2])!.order).toBe(3);
    expect(nearestInDirection(s.graph, ids[0], { x: -1, y: 0 })).toBeNull();
  });

  it('R places a ring on the focused atom; unknown keys are not editor keys', () => {
    const s = press(['Enter', 'r']);
    expect(s.graph.atoms).toHaveLength(6);
    expect(s.graph.bonds).toHaveLength(6);
    expect(keyboardEdit(s, 'q', 'C', 'benzene')).toBeNull();
    expect(describeFocus(EMPTY_GRAPH, null)).toMatch(/No atom focused/);
  });
});
