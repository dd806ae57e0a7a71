/** The editor's current tool, element, ring template and selection. */
import { create } from 'zustand';
import type { RingTemplate } from './graph';

export type Tool = 'draw' | 'move' | 'chargePlus' | 'chargeMinus' | 'erase' | 'ring';
export type Selection = { kind: 'atom'; id: number } | { kind: 'bond'; id: number } | null;

interface ToolState {
  tool: Tool;
  element: string;
  ring: RingTemplate;
  selection: Selection;
  setTool(tool: Tool): void;
  setElement(el: string): void;
  setRing(ring: RingTemplate): void;
  select(sel: Selection): void;
}

export const useTools = create<ToolState>((set) => ({
  tool: 'draw',
  element: 'C',
  ring: 'benzene',
  selection: null,
  setTool: (tool) => set({ tool }),
  setElement: (element) => set({ element, tool: 'draw' }),
  setRing: (ring) => set({ ring, tool: 'ring' }),
  select: (selection) => set({ selection }),
}));
