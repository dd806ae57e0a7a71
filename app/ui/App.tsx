/**
 * The app shell: starts the GPU worker, syncs the URL hash, and lays out the header, message log,
 * molecule panel and the tabbed workbench (2D -> 3D, 3D -> 2D, Train); without WebGPU it shows
 * only the NoWebGPU explanation.
 */
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { startEngine } from './engine';
import { EngineStatus } from './components/EngineStatus';
import { MessageLog } from './components/MessageLog';
import { MoleculePanel } from './components/MoleculePanel';
import { NoWebGPU } from './components/NoWebGPU';
import { SamplePanel } from './components/SamplePanel';
import { SymmetryPanel } from './inspect/SymmetryPanel';
import { ProfilerPanel } from './inspect/ProfilerPanel';
import { NoiseLevelsPanel } from './inspect/NoiseLevelsPanel';
import { SampleNoisePanel } from './inspect/SampleNoisePanel';
import { ShortcutsDialog } from './components/ShortcutsDialog';
import { TopologyPanel } from './components/TopologyPanel';
import { TrainPanel } from './components/TrainPanel';
import { FinetunePanel } from './finetune/FinetunePanel';
import { useGlobalShortcuts } from './shortcuts';
import { useEngine } from './state/engineStore';
import { useUi, type PanelId } from './state/uiStore';
import { syncUrlHash } from './urlState';

// Module-level so StrictMode's double-run of effects (and any remount) syncs the hash only once.
let hashSynced = false;

export function App() {
  const status = useEngine((s) => s.status);
  const reason = useEngine((s) => s.unavailableReason);
  useGlobalShortcuts();
  useEffect(() => {
    startEngine();
    if (!hashSynced) {
      hashSynced = true;
      syncUrlHash();
    }
  }, []);
  if (status === 'unavailable') return <NoWebGPU reason={reason} />;
  return (
    <div className="app">
      <Header />
      <MessageLog />
      <main className="workspace">
        <MoleculePanel />
        <Workbench />
      </main>
      <ShortcutsDialog />
    </div>
  );
}

const TABS: { id: PanelId; label: string }[] = [
  { id: 'sample', label: '2D → 3D' },
  { id: 'topology', label: '3D → 2D' },
  { id: 'train', label: 'Train' },
  { id: 'finetune', label: 'Fine-tune' },
];

/** The three workbench panels as tabs; inactive panels stay mounted (hidden) to keep their state. */
function Workbench() {
  const panel = useUi((s) => s.panel);
  const setPanel = useUi((s) => s.setPanel);
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const onKey = (e: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === panel);
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : -1;
    if (next < 0) return;
    e.preventDefault();
    setPanel(TABS[next].id);
    refs.current[TABS[next].id]?.focus();
  };
  return (
    <div className="workbench">
      <div role="tablist" aria-label="Workbench" className="tabs" onKeyDown={onKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            role="tab"
            type="button"
            id={`tab-${t.id}`}
            aria-selected={panel === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={panel === t.id ? 0 : -1}
            onClick={() => setPanel(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="panel-sample" aria-labelledby="tab-sample" hidden={panel !== 'sample'}>
        <SamplePanel />
        <SampleNoisePanel />
        <SymmetryPanel />
      </div>
      <div role="tabpanel" id="panel-topology" aria-labelledby="tab-topology" hidden={panel !== 'topology'}>
        <TopologyPanel />
      </div>
      <div role="tabpanel" id="panel-train" aria-labelledby="tab-train" hidden={panel !== 'train'}>
        <TrainPanel />
        <NoiseLevelsPanel />
        <ProfilerPanel />
      </div>
      <div role="tabpanel" id="panel-finetune" aria-labelledby="tab-finetune" hidden={panel !== 'finetune'}>
        <FinetunePanel />
      </div>
    </div>
  );
}

function Header() {
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  return (
    <header className="app-header">
      <h1>
        MoleculeSDE <span className="sub">lab</span>
      </h1>
      <EngineStatus />
      <div className="header-actions">
        <button type="button" className="icon" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={() => useUi.getState().setShortcutsOpen(true)}>
          ⌨
        </button>
        <button
          type="button"
          className="icon"
          aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
          title={theme === 'dark' ? 'Light theme' : 'Dark theme'}
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </div>
    </header>
  );
}
