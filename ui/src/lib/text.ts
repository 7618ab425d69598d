// Pure text helpers for the epicrisis pane: cutting a text into plain and
// marked pieces for the findings, and a word diff between two versions.
import type { FindingView } from "./backend";

export interface Segment {
  text: string;
  /** The finding that marks this piece, by index in the findings list. */
  finding: number | null;
}

/** Splits `text` at the findings' spans (UTF-16 offsets, as JS strings
 * index). Overlapping spans keep the first; findings without a span are
 * omissions and mark nothing. */
export function segments(text: string, findings: FindingView[]): Segment[] {
  const marks = findings
    .map((f, index) => ({ start: f.start, end: f.end, index }))
    .filter((m): m is { start: number; end: number; index: number } =>
      m.start !== null && m.end !== null && m.start < m.end && m.end <= text.length)
    .sort((a, b) => a.start - b.start);
  const out: Segment[] = [];
  let at = 0;
  for (const mark of marks) {
    if (mark.start < at) continue;
    if (mark.start > at) out.push({ text: text.slice(at, mark.start), finding: null });
    out.push({ text: text.slice(mark.start, mark.end), finding: mark.index });
    at = mark.end;
  }
  if (at < text.length) out.push({ text: text.slice(at), finding: null });
  return out;
}

export interface DiffPart {
  kind: "same" | "added" | "removed";
  text: string;
}

/** A word-level diff (longest common subsequence over words and the spaces
 * between them), enough to show what an edit changed in a few paragraphs. */
export function diffWords(before: string, after: string): DiffPart[] {
  const a = before.match(/\s+|[^\s]+/g) ?? [];
  const b = after.match(/\s+|[^\s]+/g) ?? [];
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const parts: DiffPart[] = [];
  const push = (kind: DiffPart["kind"], text: string) => {
    const last = parts[parts.length - 1];
    if (last && last.kind === kind) last.text += text;
    else parts.push({ kind, text });
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      push("same", a[i]);
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      push("removed", a[i++]);
    } else {
      push("added", b[j++]);
    }
  }
  while (i < n) push("removed", a[i++]);
  while (j < m) push("added", b[j++]);
  return parts;
}

/** "1,2 GB" for a byte count, as Chile writes decimals. */
export function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toLocaleString("es-CL", { maximumFractionDigits: 1 })} ${units[unit]}`;
}

export function dateTime(ms: number): string {
  return new Date(ms).toLocaleString("es-CL", {
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}
