import { describe, expect, it } from "vitest";
import { diffWords, segments, walk } from "./text";
import type { FindingView } from "./backend";

const finding = (start: number | null, end: number | null): FindingView => ({
  kind: "farmaco_no_consignado",
  severity: "alta",
  message: "m",
  start,
  end,
  path: null,
  expected: null,
});

describe("segments", () => {
  it("cuts the text at the findings and keeps every character", () => {
    const text = "Recibe vancomicina y 🫀 ceftriaxona.";
    const start = text.indexOf("vancomicina");
    const parts = segments(text, [finding(start, start + 11), finding(null, null)]);
    expect(parts.map((p) => p.text).join("")).toBe(text);
    expect(parts[1]).toEqual({ text: "vancomicina", finding: 0, confirmed: null });
    expect(parts.filter((p) => p.finding !== null)).toHaveLength(1);
  });

  it("ignores overlapping and out-of-range spans", () => {
    const parts = segments("abcdef", [finding(1, 4), finding(2, 5), finding(3, 99)]);
    expect(parts).toEqual([
      { text: "a", finding: null, confirmed: null },
      { text: "bcd", finding: 0, confirmed: null },
      { text: "ef", finding: null, confirmed: null },
    ]);
  });

  it("marks confirmed claims where no finding is, findings first", () => {
    const text = "metformina 850 mg y AAS 100 mg";
    const parts = segments(text, [finding(0, 10)], [
      { start: 0, end: 17 },
      { start: 20, end: 30 },
    ]);
    expect(parts.map((p) => p.text).join("")).toBe(text);
    expect(parts).toEqual([
      { text: "metformina", finding: 0, confirmed: null },
      { text: " 850 mg y ", finding: null, confirmed: null },
      { text: "AAS 100 mg", finding: null, confirmed: 1 },
    ]);
  });
});

describe("walk", () => {
  it("goes round the findings that have a place, in text order", () => {
    const list = [finding(10, 12), finding(null, null), finding(2, 4)];
    expect(walk(list, null, false)).toBe(2);
    expect(walk(list, 2, false)).toBe(0);
    expect(walk(list, 0, false)).toBe(2);
    expect(walk(list, 2, true)).toBe(0);
    expect(walk(list, null, true)).toBe(0);
    expect(walk([finding(null, null)], null, false)).toBeNull();
  });
});

describe("diffWords", () => {
  it("marks the words an edit removed and added", () => {
    const parts = diffWords("Alta con amoxicilina 500 mg", "Alta con amoxicilina 875 mg");
    expect(parts).toEqual([
      { kind: "same", text: "Alta con amoxicilina " },
      { kind: "removed", text: "500" },
      { kind: "added", text: "875" },
      { kind: "same", text: " mg" },
    ]);
  });

  it("is all 'same' for equal texts", () => {
    expect(diffWords("a b", "a b")).toEqual([{ kind: "same", text: "a b" }]);
  });
});
