/**
 * Keyboard shortcuts (tldraw / Excalidraw conventions). Ignored while typing in a text field, so
 * the browser's own undo works there.
 *   Ctrl/Cmd+Z undo · Ctrl/Cmd+Shift+Z or Ctrl+Y redo · Delete/Backspace delete the selection
 *   Esc clear the selection · Space play/pause the trajectory · ? show the shortcuts
 *   In the editor: C N O F S P, L = Cl, B = Br pick the element; M move; E erase; +/- charge; R benzene
 */
import { useEffect } from 'react';
import { deleteAtom, deleteBond } from './editor/graph';
import { useTools } from './editor/toolStore';
import { useMolecule } from './state/moleculeStore';
import { useUi } from './state/uiStore';

export const SHORTCUTS: [string, string][] = [
  ['Ctrl+Z', 'Undo'],
  ['Ctrl+Shift+Z / Ctrl+Y', 'Redo'],
  ['Delete / Backspace', 'Delete the selected atom or bond'],
  ['Esc', 'Clear the selection'],
  ['C N O F S P, L (Cl), B (Br)', 'Pick an element (editor focused)'],
  ['M / E / + / − / R', 'Move, erase, charge up/down, benzene ring (editor focused)'],
  ['Enter / A', 'Add an atom: bonded to the focused atom, or alone (editor focused)'],
  ['Arrow keys, Home, End', 'Move the focus between atoms (editor focused)'],
  ['1 / 2 / 3', 'Order of the bond just walked or drawn (editor focused)'],
  ['Element key on a focused atom', 'Change its element; R puts a ring on it'],
  ['Space', 'Play / pause the trajectory'],
  ['?', 'Show these shortcuts'],
];

interface Transport {
  toggle(): void;
  /** Whether its view is on screen (panels in inactive tabs are hidden). */
  visible(): boolean;
}
const transports = new Set<Transport>();

/** Each trajectory player registers its play/pause here while mounted; Space drives the visible one. */
export function registerTransport(t: Transport): () => void {
  transports.add(t);
  return () => void transports.delete(t);
}

function visibleTransport(): Transport | null {
  for (const t of transports) if (t.visible()) return t;
  return null;
}

const ELEMENT_KEYS: Record<string, string> = { c: 'C', n: 'N', o: 'O', f: 'F', s: 'S', p: 'P', l: 'Cl', b: 'Br' };

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    return !['button', 'checkbox', 'radio', 'range', 'file', 'submit', 'reset'].includes(type);
  }
  return false;
}

function inEditor(target: EventTarget | null): boolean {
  return !!(target as Element | null)?.closest?.('.molecule-panel');
}

export function useGlobalShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target)) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      const mol = useMolecule.getState();
      const tools = useTools.getState();
      if (mod && key === 'z') {
        e.preventDefault();
        if (e.shiftKey) mol.redo();
        else mol.undo();
        return;
      }
      if (mod && key === 'y') {
        e.preventDefault();
        mol.redo();
        return;
      }
      if (mod || e.altKey) return;
      if (e.key === 'Delete' || e.key === 'Backspace') {
        const sel = tools.selection;
        if (!sel) return;
        e.preventDefault();
        mol.edit(sel.kind === 'atom' ? deleteAtom(mol.graph, sel.id) : deleteBond(mol.graph, sel.id));
        tools.select(null);
        return;
      }
      if (e.key === 'Escape') {
        tools.select(null);
        useUi.getState().setShortcutsOpen(false);
        return;
      }
      if (e.key === '?') {
        useUi.getState().setShortcutsOpen(!useUi.getState().shortcutsOpen);
        return;
      }
      if (e.key === ' ' && !(e.target as HTMLElement | null)?.closest?.('button, a, [role="tab"]')) {
        const t = visibleTransport();
        if (t) {
          e.preventDefault();
          t.toggle();
        }
        return;
      }
      if (!inEditor(e.target)) return;
      if (ELEMENT_KEYS[key]) tools.setElement(ELEMENT_KEYS[key]);
      else if (key === 'm') tools.setTool('move');
      else if (key === 'e') tools.setTool('erase');
      else if (e.key === '+' || e.key === '=') tools.setTool('chargePlus');
      else if (e.key === '-') tools.setTool('chargeMinus');
      else if (key === 'r') tools.setRing('benzene');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
