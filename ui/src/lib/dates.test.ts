import { afterEach, describe, expect, it, vi } from "vitest";
import { displayDate, displayMoment, parseDate } from "./dates";

describe("dates as DD/MM/AAAA", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows ISO dates day first and keeps anything else as typed", () => {
    expect(displayDate("2026-10-02")).toBe("02/10/2026");
    expect(displayDate("2026-10-02T08:30")).toBe("02/10/2026 08:30");
    expect(displayDate("02/1")).toBe("02/1");
    expect(displayDate(null)).toBe("");
  });

  it("reads what a clinician types into ISO, refusing impossible days", () => {
    expect(parseDate("2/10/2026")).toBe("2026-10-02");
    expect(parseDate("02-10-2026")).toBe("2026-10-02");
    expect(parseDate("29/02/2024")).toBe("2024-02-29");
    expect(parseDate("29/02/2026")).toBe("29/02/2026");
    expect(parseDate("31/04/2026")).toBe("31/04/2026");
    expect(parseDate("2026-10-02")).toBe("2026-10-02");
    expect(parseDate("  ")).toBeNull();
  });

  it("is the same under every system locale", () => {
    const moment = new Date(2026, 9, 2, 8, 5).getTime();
    const seen = new Set<string>();
    for (const locale of ["es-CL", "en-US", "C", "de-DE", "ja-JP"]) {
      vi.stubGlobal("navigator", { language: locale, languages: [locale] });
      const original = Intl.DateTimeFormat;
      vi.stubGlobal("Intl", {
        ...Intl,
        DateTimeFormat: (_: unknown, options?: Intl.DateTimeFormatOptions) => original(locale === "C" ? "en-US" : locale, options),
      });
      seen.add(`${displayDate("2026-10-02")} ${displayMoment(moment)} ${parseDate("02/10/2026")}`);
      vi.unstubAllGlobals();
    }
    expect([...seen]).toEqual(["02/10/2026 02/10/2026 08:05 2026-10-02"]);
  });

  it("reads the drafts list's RFC 3339 instants as the same moment", () => {
    const moment = new Date(2026, 9, 2, 8, 5);
    expect(displayMoment(moment.toISOString())).toBe(displayMoment(moment.getTime()));
    expect(displayMoment(moment.toISOString())).toBe("02/10/2026 08:05");
  });
});
