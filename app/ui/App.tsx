import { useEffect } from 'react';
import { startEngine } from './engine';
import { EngineStatus } from './components/EngineStatus';
import { MessageLog } from './components/MessageLog';
import { NoWebGPU } from './components/NoWebGPU';
import { useEngine } from './state/engineStore';
import { useUi } from './state/uiStore';

export function App() {
  const status = useEngine((s) => s.status);
  const reason = useEngine((s) => s.unavailableReason);
  useEffect(() => {
    startEngine();
  }, []);
  if (status === 'unavailable') return <NoWebGPU reason={reason} />;
  return (
    <div className="app">
      <Header />
      <MessageLog />
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
        <button
          type="button"
          className="icon"
          aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
          aria-pressed={theme === 'dark'}
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </div>
    </header>
  );
}
