/**
 * The molecule being worked on: the editor graph with undo/redo, the SMILES textbox kept in sync
 * both ways, and RDKit's verdict on it. Editor edits rewrite the textbox with the canonical
 * SMILES; typing in the textbox (debounced) replaces the drawing once RDKit accepts the text, and
 * shows RDKit's reason next to the box when it does not.
 */
import { create } from 'zustand';
import type { MoleculeInfo } from '../chem/bridge';
import { EMPTY_GRAPH, type EdGraph } from '../editor/graph';

const HISTORY_LIMIT = 200;
const TYPE_DEBOUNCE_MS = 300;

interface MoleculeState {
  graph: EdGraph;
  past: EdGraph[];
  future: EdGraph[];
  /** The SMILES textbox content. */
  text: string;
  /** RDKit's description of `graph`, or why it is not a valid molecule. */
  info: MoleculeInfo | null;
  invalidReason: string | null;
  /** RDKit's reason the typed text was rejected (the drawing then keeps the last valid one). */
  textError: string | null;
  checking: boolean;
  /** Name of the example or file it came from, if any. */
  name: string | null;
  /** Bumped when the editor should re-fit its view (new molecule, tidy), not on each edit. */
  fitToken: number;
  /** Atom index RDKit's complaint names ("atom # 3"), to highlight in the editor. */
  problemAtom: number | null;
  /** 3D coordinates of the file the molecule came from (editor atom order), until it is edited. */
  fileGeometry: { positions: Float32Array; source: string } | null;

  edit(graph: EdGraph): void;
  undo(): void;
  redo(): void;
  clear(): void;
  setText(text: string, name?: string | null): void;
  /** Parses text immediately (gallery, file, URL) rather than after the typing debounce. */
  load(text: string, name?: string | null): Promise<boolean>;
  tidy(): Promise<void>;
}

/** rdkit-js (glue + 7 MB wasm) is fetched on first use, never before the first paint. */
const bridge = () => import('../chem/bridge');

let seq = 0;
let typingTimer: ReturnType<typeof setTimeout> | null = null;

function problemAtomOf(reason: string | null): number | null {
  const m = reason?.match(/atom # ?(\d+)/i);
  return m ? Number(m[1]) : null;
}

export const useMolecule = create<MoleculeState>((set, get) => {
  /** Re-validates the current graph; when `syncText`, writes the canonical SMILES into the box. */
  const analyse = (syncText: boolean) => {
    const token = ++seq;
    const g = get().graph;
    if (g.atoms.length === 0) {
      set({ info: null, invalidReason: null, checking: false, problemAtom: null, ...(syncText ? { text: '', textError: null } : {}) });
      return;
    }
    set({ checking: true });
    void bridge().then((b) => b.analyzeGraph(g)).then(
      (res) => {
        if (token !== seq) return; // a newer edit superseded this one
        if (res.ok) set({ info: res.info, invalidReason: null, checking: false, problemAtom: null, ...(syncText ? { text: res.info.smiles, textError: null } : {}) });
        else set({ info: null, invalidReason: res.reason, checking: false, problemAtom: problemAtomOf(res.reason) });
      },
      (e: unknown) => {
        if (token !== seq) return;
        set({ info: null, invalidReason: `could not check the molecule: ${e instanceof Error ? e.message : String(e)}`, checking: false });
      },
    );
  };

  const commit = (graph: EdGraph, extra: Partial<MoleculeState> = {}) => {
    const { graph: prev, past } = get();
    if (graph === prev) return;
    set({ graph, past: [...past, prev].slice(-HISTORY_LIMIT), future: [], ...extra });
  };

  const parseInto = async (text: string, name: string | null): Promise<boolean> => {
    const token = ++seq;
    set({ checking: true });
    try {
      const parsed = await (await bridge()).parseText(text);
      if (token !== seq) return false;
      commit(parsed.graph, {
        info: parsed.info, invalidReason: null, textError: null, checking: false, name, problemAtom: null, fitToken: get().fitToken + 1,
        fileGeometry: parsed.positions3D ? { positions: parsed.positions3D, source: `3D coordinates of ${name ?? 'the file'}` } : null,
      });
      return true;
    } catch (e) {
      if (token !== seq) return false;
      set({ textError: e instanceof Error ? e.message.replace(/^invalid [\w ]+: /, '') : String(e), checking: false });
      return false;
    }
  };

  return {
    graph: EMPTY_GRAPH,
    past: [],
    future: [],
    text: '',
    info: null,
    invalidReason: null,
    textError: null,
    checking: false,
    name: null,
    fitToken: 0,
    problemAtom: null,
    fileGeometry: null,

    edit: (graph) => {
      commit(graph, { name: null, fileGeometry: null });
      analyse(true);
    },
    undo: () => {
      const { past, graph, future } = get();
      if (!past.length) return;
      set({ graph: past[past.length - 1], past: past.slice(0, -1), future: [graph, ...future], fileGeometry: null });
      analyse(true);
    },
    redo: () => {
      const { past, graph, future } = get();
      if (!future.length) return;
      set({ graph: future[0], past: [...past, graph], future: future.slice(1), fileGeometry: null });
      analyse(true);
    },
    clear: () => {
      commit(EMPTY_GRAPH, { name: null, fileGeometry: null });
      analyse(true);
    },
    setText: (text, name = null) => {
      set({ text });
      if (typingTimer) clearTimeout(typingTimer);
      if (!text.trim()) {
        set({ textError: null });
        return;
      }
      typingTimer = setTimeout(() => void parseInto(text, name), TYPE_DEBOUNCE_MS);
    },
    load: async (text, name = null) => {
      if (typingTimer) clearTimeout(typingTimer);
      set({ text: /V2000|V3000/.test(text) ? get().text : text.trim() });
      const ok = await parseInto(text, name);
      if (ok && /V2000|V3000/.test(text)) set({ text: get().info?.smiles ?? get().text });
      return ok;
    },
    tidy: async () => {
      const g = get().graph;
      if (!g.atoms.length) return;
      try {
        const tidied = await (await bridge()).tidyGraph(g);
        if (get().graph !== g) return; // edited meanwhile
        commit(tidied, { fitToken: get().fitToken + 1 });
      } catch (e) {
        set({ invalidReason: `cannot lay out: ${e instanceof Error ? e.message.replace(/^invalid [\w ]+: /, '') : String(e)}` });
      }
    },
  };
});
