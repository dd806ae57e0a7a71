/**
 * The SVG molecule editor. Coordinates are molecule units (bond length 1.5) mapped to pixels by a
 * view (centre + scale) that is re-fitted only when a new molecule arrives, so the drawing never
 * jumps under the pointer while editing.
 *
 * Pointer gestures: click empty space to add an atom; click an atom to set its element (or, if it
 * already has it, to grow a bond from it); drag from an atom to draw a bond (to another atom or a
 * new one, 30°-snapped, Shift for free angle); click a bond to cycle single/double/triple.
 */
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type PointerEvent as ReactPointerEvent } from 'react';
import { useMolecule } from '../state/moleculeStore';
import { useUi } from '../state/uiStore';
import { labelColor } from '../elementColors';
import { allowedValences, atomicNumberOf, hasElectronData } from '../../chem/elements';
import {
  BOND_LENGTH, addAtom, addOrCycleBond, atomAt, atomById, bounds, changeCharge, cycleBond, deleteAtom, deleteBond,
  growFrom, moveAtom, neighbours, placeRing, setElement, type EdAtom, type EdBond, type EdGraph, type Point,
} from './graph';
import { chargeLabel, distToSegment, shorten, snapDirection } from './geometry';
import { useTools } from './toolStore';
import { describeFocus, keyboardEdit } from './keyboard';

const DEFAULT_SCALE = 34; // pixels per molecule unit
const ATOM_HIT = 0.42;
const BOND_HIT = 0.28;
const LABEL_GAP = 0.32;

interface View {
  cx: number;
  cy: number;
  scale: number;
}

type Target = { kind: 'atom'; atom: EdAtom } | { kind: 'bond'; bond: EdBond } | { kind: 'empty' };

interface Drag {
  start: Point;
  target: Target;
  moved: boolean;
  /** The graph before a move-drag started, to commit one history step at the end. */
  before: EdGraph;
}

function hasLabel(g: EdGraph, a: EdAtom): boolean {
  return a.el !== 'C' || a.charge !== 0 || neighbours(g, a.id).length === 0;
}

/** Implicit hydrogens of a heteroatom label (RDKit's rule: fill up to the smallest allowed valence). */
function implicitH(g: EdGraph, a: EdAtom): number {
  const z = atomicNumberOf(a.el);
  if (!z || !hasElectronData(z)) return 0;
  const used = g.bonds.reduce((s, b) => s + (b.a === a.id || b.b === a.id ? b.order : 0), 0);
  const v = allowedValences(z, a.charge).find((x) => x >= used);
  return v === undefined ? 0 : v - used;
}

function hitTest(g: EdGraph, p: Point): Target {
  const atom = atomAt(g, p, ATOM_HIT);
  if (atom) return { kind: 'atom', atom };
  let best: EdBond | null = null;
  let bestD = BOND_HIT;
  for (const b of g.bonds) {
    const pa = atomById(g, b.a);
    const pb = atomById(g, b.b);
    if (!pa || !pb) continue;
    const d = distToSegment(p, pa, pb);
    if (d < bestD) {
      best = b;
      bestD = d;
    }
  }
  return best ? { kind: 'bond', bond: best } : { kind: 'empty' };
}

function fitView(g: EdGraph, width: number, height: number): View {
  const b = bounds(g);
  if (!b) return { cx: 0, cy: 0, scale: DEFAULT_SCALE };
  const w = b.maxX - b.minX + 2.2;
  const h = b.maxY - b.minY + 2.2;
  const scale = Math.min(DEFAULT_SCALE, width / w, height / h);
  return { cx: (b.minX + b.maxX) / 2, cy: (b.minY + b.maxY) / 2, scale: Math.max(scale, 8) };
}

export function EditorCanvas({ height = 320 }: { height?: number }) {
  const graph = useMolecule((s) => s.graph);
  const fitToken = useMolecule((s) => s.fitToken);
  const problemAtom = useMolecule((s) => s.problemAtom);
  const edit = useMolecule((s) => s.edit);
  const { tool, element, ring, selection, select } = useTools();
  const dark = useUi((s) => s.theme === 'dark');

  const svgRef = useRef<SVGSVGElement>(null);
  const [size, setSize] = useState({ w: 480, h: height });
  const [view, setView] = useState<View>({ cx: 0, cy: 0, scale: DEFAULT_SCALE });
  const [hover, setHover] = useState<Target>({ kind: 'empty' });
  const [preview, setPreview] = useState<{ from: Point; to: Point } | null>(null);
  /** While move-dragging, the live graph (committed to history on release). */
  const [live, setLive] = useState<EdGraph | null>(null);
  const drag = useRef<Drag | null>(null);

  useLayoutEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth || 480, h: el.clientHeight || height }));
    ro.observe(el);
    return () => ro.disconnect();
  }, [height]);

  // Re-fit when a new molecule arrives (example, SMILES, file, tidy), not on edits.
  useEffect(() => {
    setView(fitView(useMolecule.getState().graph, size.w, size.h));
  }, [fitToken, size.w, size.h]);

  const g = live ?? graph;

  const toModel = (e: { clientX: number; clientY: number }): Point => {
    const svg = svgRef.current!;
    const ctm = svg.getScreenCTM();
    if (!ctm) return { x: 0, y: 0 };
    const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
    return { x: pt.x, y: pt.y };
  };

  const bondEnd = (from: EdAtom, p: Point, free: boolean): { point: Point; atom?: EdAtom } => {
    const onAtom = atomAt(g, p, ATOM_HIT);
    if (onAtom && onAtom.id !== from.id) return { point: onAtom, atom: onAtom };
    if (free) return { point: p };
    const d = snapDirection(from, p);
    return { point: { x: from.x + d.x * BOND_LENGTH, y: from.y + d.y * BOND_LENGTH } };
  };

  const click = (target: Target, p: Point) => {
    if (target.kind !== 'empty') select(target.kind === 'atom' ? { kind: 'atom', id: target.atom.id } : { kind: 'bond', id: target.bond.id });
    else select(null);
    switch (tool) {
      case 'draw':
        if (target.kind === 'empty') {
          const added = addAtom(graph, element, p);
          select({ kind: 'atom', id: added.id });
          return edit(added.graph);
        }
        if (target.kind === 'atom') {
          if (target.atom.el !== element) return edit(setElement(graph, target.atom.id, element));
          const grown = growFrom(graph, target.atom.id, element);
          select({ kind: 'atom', id: grown.id });
          return edit(grown.graph);
        }
        return edit(cycleBond(graph, target.bond.id));
      case 'chargePlus':
      case 'chargeMinus':
        if (target.kind === 'atom') edit(changeCharge(graph, target.atom.id, tool === 'chargePlus' ? 1 : -1));
        return;
      case 'erase':
        select(null);
        if (target.kind === 'atom') edit(deleteAtom(graph, target.atom.id));
        else if (target.kind === 'bond') edit(deleteBond(graph, target.bond.id));
        return;
      case 'ring':
        if (target.kind === 'empty') return edit(placeRing(graph, ring, { point: p }));
        if (target.kind === 'atom') return edit(placeRing(graph, ring, { atomId: target.atom.id }));
        return edit(placeRing(graph, ring, { bondId: target.bond.id }));
      case 'move':
        if (target.kind === 'bond') return edit(cycleBond(graph, target.bond.id));
        return;
    }
  };

  const onPointerDown = (e: ReactPointerEvent<SVGSVGElement>) => {
    if (e.button !== 0) return;
    svgRef.current?.focus();
    const p = toModel(e);
    drag.current = { start: p, target: hitTest(graph, p), moved: false, before: graph };
    svgRef.current?.setPointerCapture?.(e.pointerId);
  };

  const onPointerMove = (e: ReactPointerEvent<SVGSVGElement>) => {
    const p = toModel(e);
    const d = drag.current;
    if (!d) {
      setHover(hitTest(graph, p));
      return;
    }
    if (!d.moved && Math.hypot(p.x - d.start.x, p.y - d.start.y) < 0.25) return;
    d.moved = true;
    if (d.target.kind === 'atom' && tool === 'move') {
      setLive(moveAtom(d.before, d.target.atom.id, p));
    } else if (d.target.kind === 'atom' && (tool === 'draw' || tool === 'ring')) {
      setPreview({ from: d.target.atom, to: bondEnd(d.target.atom, p, e.shiftKey).point });
    }
  };

  const onPointerUp = (e: ReactPointerEvent<SVGSVGElement>) => {
    const d = drag.current;
    drag.current = null;
    setPreview(null);
    if (!d) return;
    const p = toModel(e);
    if (!d.moved) return click(d.target, d.start);
    if (d.target.kind === 'atom' && tool === 'move') {
      setLive(null);
      edit(moveAtom(d.before, d.target.atom.id, p));
      return;
    }
    if (d.target.kind === 'atom' && (tool === 'draw' || tool === 'ring')) {
      const from = d.target.atom;
      const end = bondEnd(from, p, e.shiftKey);
      if (end.atom) return edit(addOrCycleBond(graph, from.id, end.atom.id));
      const added = addAtom(graph, tool === 'draw' ? element : 'C', end.point);
      select({ kind: 'atom', id: added.id });
      edit(addOrCycleBond(added.graph, from.id, added.id));
    }
  };

  /** The atom focused before the current one (keyboard bond orders act on their bond). */
  const previousFocus = useRef<number | null>(null);
  const onKeyDown = (e: ReactKeyboardEvent<SVGSVGElement>) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const focus = selection?.kind === 'atom' ? selection.id : null;
    const r = keyboardEdit({ graph, focus, previous: previousFocus.current }, e.key, element, ring);
    if (!r) return;
    e.preventDefault();
    if (r.previous !== undefined) previousFocus.current = r.previous;
    if (r.graph) edit(r.graph);
    if (r.focus !== undefined) select(r.focus === null ? null : { kind: 'atom', id: r.focus });
  };

  const onPointerLeave = () => {
    if (!drag.current) setHover({ kind: 'empty' });
  };

  const vw = size.w / view.scale;
  const vh = size.h / view.scale;
  const viewBox = `${view.cx - vw / 2} ${view.cy - vh / 2} ${vw} ${vh}`;
  const hoverAtom = hover.kind === 'atom' ? hover.atom.id : null;
  const hoverBond = hover.kind === 'bond' ? hover.bond.id : null;

  const focusedAtom = selection?.kind === 'atom' ? selection.id : null;
  return (
    <>
    <svg
      ref={svgRef}
      className={`editor-canvas tool-${tool}`}
      role="application"
      aria-label="Molecule editor"
      aria-roledescription="molecule drawing canvas"
      tabIndex={0}
      aria-describedby="editor-focus"
      onKeyDown={onKeyDown}
      viewBox={viewBox}
      style={{ height }}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerLeave={onPointerLeave}
      onPointerCancel={() => {
        drag.current = null;
        setPreview(null);
        setLive(null);
      }}
    >
      <title>Molecule editor: {g.atoms.length} atoms, {g.bonds.length} bonds</title>
      <g className="bonds">
        {g.bonds.map((b) => (
          <BondShape
            key={b.id}
            g={g}
            bond={b}
            hovered={hoverBond === b.id}
            selected={selection?.kind === 'bond' && selection.id === b.id}
          />
        ))}
      </g>
      <g className="atoms">
        {g.atoms.map((a, i) => (
          <AtomShape
            key={a.id}
            g={g}
            atom={a}
            index={i}
            dark={dark}
            hovered={hoverAtom === a.id}
            selected={selection?.kind === 'atom' && selection.id === a.id}
            problem={problemAtom === i}
          />
        ))}
      </g>
      {preview && <line className="bond-preview" x1={preview.from.x} y1={preview.from.y} x2={preview.to.x} y2={preview.to.y} />}
      {g.atoms.length === 0 && (
        <text className="editor-hint" x={view.cx} y={view.cy} textAnchor="middle" fontSize={14 / view.scale}>
          Click to add an atom, drag from it to draw a bond — or type a SMILES below
        </text>
      )}
    </svg>
    <p id="editor-focus" className="visually-hidden" aria-live="polite" data-testid="editor-focus">
      {describeFocus(g, focusedAtom)}
    </p>
    </>
  );
}

function BondShape({ g, bond, hovered, selected }: { g: EdGraph; bond: EdBond; hovered: boolean; selected: boolean }) {
  const a = atomById(g, bond.a);
  const b = atomById(g, bond.b);
  if (!a || !b) return null;
  const p = hasLabel(g, a) ? shorten(a, b, LABEL_GAP) : a;
  const q = hasLabel(g, b) ? shorten(b, a, LABEL_GAP) : b;
  const len = Math.hypot(q.x - p.x, q.y - p.y) || 1;
  const nx = -(q.y - p.y) / len;
  const ny = (q.x - p.x) / len;
  const off = (k: number) => ({ x1: p.x + nx * k, y1: p.y + ny * k, x2: q.x + nx * k, y2: q.y + ny * k });
  let lines: { x1: number; y1: number; x2: number; y2: number }[];
  if (bond.order === 2) lines = [off(-0.09), off(0.09)];
  else if (bond.order === 3) lines = [off(-0.14), off(0), off(0.14)];
  else lines = [off(0)];
  const cls = `bond${hovered ? ' hovered' : ''}${selected ? ' selected' : ''}`;
  let stereo = null;
  if (bond.order === 1 && bond.wedge) {
    const w = 0.16;
    const tip = bond.a === a.id ? p : q;
    const base = bond.a === a.id ? q : p;
    const c1 = { x: base.x + nx * w, y: base.y + ny * w };
    const c2 = { x: base.x - nx * w, y: base.y - ny * w };
    if (bond.wedge === 1) stereo = <polygon className="wedge" points={`${tip.x},${tip.y} ${c1.x},${c1.y} ${c2.x},${c2.y}`} />;
    else {
      const hashes = Array.from({ length: 6 }, (_, i) => {
        const t = (i + 1) / 6;
        const cx = tip.x + (base.x - tip.x) * t;
        const cy = tip.y + (base.y - tip.y) * t;
        return <line key={i} x1={cx + nx * w * t} y1={cy + ny * w * t} x2={cx - nx * w * t} y2={cy - ny * w * t} />;
      });
      stereo = <g className="hash">{hashes}</g>;
    }
  }
  return (
    <g className={cls} data-bond={bond.id} data-order={bond.order}>
      <line className="bond-hit" x1={a.x} y1={a.y} x2={b.x} y2={b.y} />
      {stereo ?? lines.map((l, i) => <line key={i} className="bond-line" {...l} />)}
    </g>
  );
}

function AtomShape(props: { g: EdGraph; atom: EdAtom; index: number; dark: boolean; hovered: boolean; selected: boolean; problem: boolean }) {
  const { g, atom, index, dark, hovered, selected, problem } = props;
  const label = hasLabel(g, atom);
  const charge = chargeLabel(atom.charge);
  const h = label && atom.el !== 'C' ? implicitH(g, atom) : 0;
  // Put the H on the side away from the bonds.
  const nb = neighbours(g, atom.id);
  const hLeft = nb.length > 0 && nb.reduce((s, n) => s + (n.x - atom.x), 0) > 0.2;
  const hx = atom.x + (hLeft ? -0.42 : 0.42) + (hLeft && h > 1 ? -0.12 : 0);
  return (
    <g className={`atom${hovered ? ' hovered' : ''}${selected ? ' selected' : ''}${problem ? ' problem' : ''}`} data-atom={index} data-element={atom.el}>
      <circle className="atom-hit" cx={atom.x} cy={atom.y} r={ATOM_HIT} />
      {label && (
        <>
          <circle className="atom-bg" cx={atom.x} cy={atom.y} r={0.3} />
          <text x={atom.x} y={atom.y} className="atom-label" fill={labelColor(atom.el, props.dark)} textAnchor="middle" dominantBaseline="central" fontSize={0.5}>
            {atom.el}
          </text>
          {h > 0 && (
            <text x={hx} y={atom.y} className="atom-label atom-h" fill={labelColor(atom.el, props.dark)} textAnchor="middle" dominantBaseline="central" fontSize={0.46}>
              H{h > 1 && <tspan fontSize={0.32} dy={0.12}>{h}</tspan>}
            </text>
          )}
        </>
      )}
      {charge && (
        <text x={atom.x + 0.32} y={atom.y - 0.28} className="atom-charge" fill={labelColor(atom.el, dark)} textAnchor="start" fontSize={0.34}>
          {charge}
        </text>
      )}
    </g>
  );
}
