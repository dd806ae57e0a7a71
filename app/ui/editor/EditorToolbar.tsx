import { useMolecule } from '../state/moleculeStore';
import { ELEMENT_NAMES } from '../elementColors';
import { PALETTE, type RingTemplate } from './graph';
import { useTools, type Tool } from './toolStore';

const RINGS: { id: RingTemplate; label: string; icon: string }[] = [
  { id: 'benzene', label: 'Benzene ring', icon: '⌬' },
  { id: 'cyclohexane', label: 'Cyclohexane ring', icon: '⬡' },
  { id: 'cyclopentane', label: 'Cyclopentane ring', icon: '⬠' },
];

const TOOLS: { id: Tool; label: string; icon: string; key?: string }[] = [
  { id: 'move', label: 'Move atoms', icon: '✥', key: 'M' },
  { id: 'chargePlus', label: 'Increase charge', icon: '⊕', key: '+' },
  { id: 'chargeMinus', label: 'Decrease charge', icon: '⊖', key: '-' },
  { id: 'erase', label: 'Erase atoms and bonds', icon: '⌫', key: 'E' },
];

/** Element palette, tools, ring templates, undo/redo, tidy and clear. */
export function EditorToolbar() {
  const { tool, element, ring, setElement, setTool, setRing } = useTools();
  const canUndo = useMolecule((s) => s.past.length > 0);
  const canRedo = useMolecule((s) => s.future.length > 0);
  const empty = useMolecule((s) => s.graph.atoms.length === 0);
  const { undo, redo, tidy, clear } = useMolecule.getState();
  return (
    <div className="editor-toolbar" role="toolbar" aria-label="Editor tools">
      <div className="tool-group" role="group" aria-label="Elements">
        {PALETTE.map((el) => (
          <button
            key={el}
            type="button"
            className={`element el-${el}`}
            aria-pressed={tool === 'draw' && element === el}
            aria-label={`${ELEMENT_NAMES[el]} (${el})`}
            title={`${ELEMENT_NAMES[el]}: click to add, drag from an atom to bond`}
            onClick={() => setElement(el)}
          >
            {el}
          </button>
        ))}
      </div>
      <div className="tool-group" role="group" aria-label="Rings">
        {RINGS.map((r) => (
          <button key={r.id} type="button" aria-pressed={tool === 'ring' && ring === r.id} aria-label={r.label} title={`${r.label}: click empty space, an atom or a bond`} onClick={() => setRing(r.id)}>
            {r.icon}
          </button>
        ))}
      </div>
      <div className="tool-group" role="group" aria-label="Tools">
        {TOOLS.map((t) => (
          <button key={t.id} type="button" aria-pressed={tool === t.id} aria-label={t.label} title={`${t.label}${t.key ? ` (${t.key})` : ''}`} onClick={() => setTool(t.id)}>
            {t.icon}
          </button>
        ))}
      </div>
      <div className="tool-group" role="group" aria-label="History">
        <button type="button" aria-label="Undo" title="Undo (Ctrl+Z)" disabled={!canUndo} onClick={undo}>
          ↶
        </button>
        <button type="button" aria-label="Redo" title="Redo (Ctrl+Shift+Z)" disabled={!canRedo} onClick={redo}>
          ↷
        </button>
        <button type="button" aria-label="Tidy layout" title="Tidy the layout with RDKit's 2D coordinates" disabled={empty} onClick={() => void tidy()}>
          Tidy
        </button>
        <button type="button" aria-label="Clear molecule" title="Clear the drawing" disabled={empty} onClick={clear}>
          Clear
        </button>
      </div>
    </div>
  );
}
