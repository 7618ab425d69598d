// The window's keyboard shortcuts: one list, shown in Ajustes and read by
// the key handler, so the two cannot disagree.

export type ShortcutAction = "generate" | "stop" | "save" | "search" | "export" | "next" | "previous";

export interface Shortcut {
  action: ShortcutAction;
  keys: string;
  what: string;
}

export const SHORTCUTS: Shortcut[] = [
  { action: "generate", keys: "Ctrl+Enter", what: "Generar la epicrisis" },
  { action: "stop", keys: "Esc", what: "Detener la generación" },
  { action: "save", keys: "Ctrl+S", what: "Guardar la edición como versión" },
  { action: "search", keys: "Ctrl+K", what: "Buscar borradores" },
  { action: "export", keys: "Ctrl+Shift+E", what: "Exportar PDF" },
  { action: "next", keys: "F8", what: "Siguiente hallazgo" },
  { action: "previous", keys: "Mayús+F8", what: "Hallazgo anterior" },
];

interface Keys {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The action a key press asks for, if any (Cmd counts as Ctrl on a Mac). */
export function shortcutFor(e: Keys): ShortcutAction | null {
  const ctrl = e.ctrlKey || e.metaKey;
  if (e.altKey) return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (ctrl && !e.shiftKey && key === "Enter") return "generate";
  if (ctrl && !e.shiftKey && key === "s") return "save";
  if (ctrl && !e.shiftKey && key === "k") return "search";
  if (ctrl && e.shiftKey && key === "e") return "export";
  if (!ctrl && key === "Escape") return "stop";
  if (!ctrl && key === "F8") return e.shiftKey ? "previous" : "next";
  return null;
}
