import { describe, expect, it } from "vitest";
import { SHORTCUTS, shortcutFor } from "./shortcuts";

const press = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) =>
  shortcutFor({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe("shortcuts", () => {
  it("maps each listed key to its action", () => {
    expect(press("Enter", { ctrlKey: true })).toBe("generate");
    expect(press("Enter", { metaKey: true })).toBe("generate");
    expect(press("Escape")).toBe("stop");
    expect(press("s", { ctrlKey: true })).toBe("save");
    expect(press("S", { ctrlKey: true })).toBe("save");
    expect(press("k", { ctrlKey: true })).toBe("search");
    expect(press("E", { ctrlKey: true, shiftKey: true })).toBe("export");
    expect(press("F8")).toBe("next");
    expect(press("F8", { shiftKey: true })).toBe("previous");
  });

  it("leaves ordinary typing alone", () => {
    expect(press("s")).toBeNull();
    expect(press("e", { ctrlKey: true })).toBeNull();
    expect(press("Enter")).toBeNull();
    expect(press("k", { ctrlKey: true, altKey: true })).toBeNull();
  });

  it("lists every action once for Ajustes", () => {
    const actions = SHORTCUTS.map((s) => s.action);
    expect(new Set(actions).size).toBe(actions.length);
    expect(SHORTCUTS.find((s) => s.action === "save")?.keys).toBe("Ctrl+S");
  });
});
