// Dates as a Chilean clinician reads and types them: DD/MM/AAAA, whatever
// the system's locale (the native date input shows MM/DD/YYYY under an
// English or C locale). The episode keeps ISO dates (AAAA-MM-DD).

const ISO = /^(\d{4})-(\d{2})-(\d{2})(.*)$/;
const TYPED = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;

/** "2026-10-02" → "02/10/2026"; anything else is shown as it is (a date
 * being typed, or a value the check will explain). */
export function displayDate(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  const m = ISO.exec(text);
  return m ? `${m[3]}/${m[2]}/${m[1]}${m[4].replace("T", " ")}` : text;
}

/** What the episode keeps for a typed date: ISO when it is a whole, real
 * DD/MM/AAAA (or already ISO); the text as typed otherwise, so nothing the
 * clinician wrote disappears; null when empty. */
export function parseDate(typed: string): string | null {
  const text = typed.trim();
  if (!text) return null;
  if (ISO.test(text)) return text;
  const m = TYPED.exec(text);
  if (!m) return text;
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return text;
  }
  return `${m[3]}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** A moment (milliseconds since the epoch, or an RFC 3339 instant as the
 * drafts list gives it) as "DD/MM/AAAA HH:MM", in the system's time zone
 * but never its locale's order. */
export function displayMoment(moment: number | string): string {
  const d = new Date(moment);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
