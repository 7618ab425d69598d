import { describe, expect, it } from "vitest";
import { diffWords, segments } from "./text";
import type { FindingView } from "./backend";

const finding = (start: number | null, end: number | null): FindingView => ({
  kind: "farmaco_no_consignado",
  severity: "alta",
  message: "m",
  start,
  end,
});

describe("segments", () => {
  it("cuts the text at the findings and keeps every character", () => {
    const text = "Recibe vancomicina y 🫀 ceftriaxona.";
    const start = text.indexOf("vancomicina");
    const parts = segments(text, [finding(start, start + 11), finding(null, null)]);
    expect(parts.map((p) => p.text).join("")).toBe(text);
    expect(parts[1]).toEqual({ text: "vancomicina", finding: 0 });
    expect(parts.filter((p) => p.finding !== null)).toHaveLength(1);
  });

  it("ignores overlapping and out-of-range spans", () => {
    const parts = segments("abcdef", [finding(1, 4), finding(2, 5), finding(3, 99)]);
    expect(parts).toEqual([
      { text: "a", finding: null },
      { text: "bcd", finding: 0 },
      { text: "ef", finding: null },
    ]);
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
