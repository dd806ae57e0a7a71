/** UI preferences: theme (saved in localStorage) and the active panel (kept in the URL hash). */
import { create } from 'zustand';

export type Theme = 'light' | 'dark';
export type PanelId = 'sample' | 'topology' | 'train' | 'finetune';

function initialTheme(): Theme {
  const t = document.documentElement.dataset.theme;
  return t === 'dark' ? 'dark' : 'light';
}

interface UiState {
  theme: Theme;
  panel: PanelId;
  shortcutsOpen: boolean;
  setTheme(theme: Theme): void;
  setPanel(panel: PanelId): void;
  setShortcutsOpen(open: boolean): void;
}

export const useUi = create<UiState>((set) => ({
  theme: initialTheme(),
  panel: 'sample',
  shortcutsOpen: false,
  setTheme: (theme) => {
    document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem('msde.theme', theme);
    } catch {
      // Storage can be disabled (private mode); the theme still applies for this visit.
    }
    set({ theme });
  },
  setPanel: (panel) => set({ panel }),
  setShortcutsOpen: (shortcutsOpen) => set({ shortcutsOpen }),
}));
