// Pure text helpers for the epicrisis pane: cutting a text into plain and
// marked pieces for the findings, and a word diff between two versions.
import type { FindingView } from "./backend";

export interface Segment {
  text: string;
  /** The finding that marks this piece, by index in the findings list. */
  finding: number | null;
  /** The confirmed claim under this piece, by index, where no finding is. */
  confirmed: number | null;
}

interface Mark {
  start: number;
  end: number;
  index: number;
}

function marksOf(list: { start: number | null; end: number | null }[], length: number): Mark[] {
  return list
    .map((f, index) => ({ start: f.start, end: f.end, index }))
    .filter((m): m is Mark => m.start !== null && m.end !== null && m.start < m.end && m.end <= length)
    .sort((a, b) => a.start - b.start);
}

/** Splits `text` at the findings' spans (UTF-16 offsets, as JS strings
 * index), and the rest at the confirmed claims' spans. Overlapping spans
 * keep the first; findings outrank confirmations; findings without a span
 * are omissions and mark nothing. */
export function segments(
  text: string,
  findings: FindingView[],
  confirmed: { start: number; end: number }[] = [],
): Segment[] {
  const found = marksOf(findings, text.length);
  const sure = marksOf(confirmed, text.length);
  const out: Segment[] = [];
  const plain = (from: number, to: number) => {
    let at = from;
    for (const c of sure) {
      if (c.end <= at || c.start < at) continue;
      if (c.start >= to) break;
      if (c.end > to) continue;
      if (c.start > at) out.push({ text: text.slice(at, c.start), finding: null, confirmed: null });
      out.push({ text: text.slice(c.start, c.end), finding: null, confirmed: c.index });
      at = c.end;
    }
    if (at < to) out.push({ text: text.slice(at, to), finding: null, confirmed: null });
  };
  let at = 0;
  for (const mark of found) {
    if (mark.start < at) continue;
    if (mark.start > at) plain(at, mark.start);
    out.push({ text: text.slice(mark.start, mark.end), finding: mark.index, confirmed: null });
    at = mark.end;
  }
  if (at < text.length) plain(at, text.length);
  return out;
}

/** The index of the next (or previous) finding mark from `current`, going
 * round; `null` when no finding has a place in the text. */
export function walk(findings: FindingView[], current: number | null, back: boolean): number | null {
  const placed = findings
    .map((f, i) => ({ f, i }))
    .filter(({ f }) => f.start !== null && f.end !== null)
    .sort((a, b) => (a.f.start ?? 0) - (b.f.start ?? 0))
    .map(({ i }) => i);
  if (placed.length === 0) return null;
  const at = current === null ? -1 : placed.indexOf(current);
  if (at === -1) return back ? placed[placed.length - 1] : placed[0];
  const next = (at + (back ? -1 : 1) + placed.length) % placed.length;
  return placed[next];
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
