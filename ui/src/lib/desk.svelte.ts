// The window's state and the clinician's actions, in one place: the
// components render it and call these methods; every step of real work is
// a command in the Rust shell (backend.ts).
import * as api from "./backend";
import type {
  AppInfo,
  DraftSummary,
  LoadedInfo,
  GenerationEvent,
  OpenedDraft,
  Problem,
  SectionKey,
  Status,
  TemplateList,
  UiError,
  VersionView,
  Written,
} from "./backend";
import { emptyEpisode, pendingErrors, shownProblems, suggestedName, withSections, type Json } from "./episode";

export interface Notice {
  tone: "error" | "info";
  text: string;
  undo?: () => void;
}

export interface LiveStats {
  tokens: number;
  elapsedMs: number;
  tokensPerS: number;
}

const CHECK_DELAY_MS = 250;
const AUTOSAVE_DELAY_MS = 800;

export class Desk {
  info: AppInfo | null = $state(null);
  episode: Json = $state(emptyEpisode());
  problems: Problem[] = $state([]);
  /** The form is not valid JSON for the format (a wrong type pasted). */
  formError: UiError | null = $state(null);
  model: LoadedInfo | null = $state(null);
  draft: OpenedDraft | null = $state(null);
  /** The version shown in the epicrisis pane. */
  version: VersionView | null = $state(null);
  /** Text arriving from the model, before it becomes a version. */
  streaming: string | null = $state(null);
  live: LiveStats | null = $state(null);
  lastReason: string | null = $state(null);
  drafts: DraftSummary[] = $state([]);
  search = $state("");
  notice: Notice | null = $state(null);
  /** Text being edited and not yet saved as a version. */
  pendingEdit: string | null = $state(null);
  /** Fields the clinician has edited: their problems show at once. */
  touched: string[] = $state([]);
  /** Every problem shows: Generar was pressed, or the episode came from a
   * file or a draft. A new, empty episode starts calm. */
  revealAll = $state(false);
  /** Every template, and the one the episode's service uses. */
  templates: TemplateList | null = $state(null);
  /** The template chosen beside Generar; null: the service's, else the
   * built-in for the model. */
  templateId: string | null = $state(null);
  /** The section the model is rewriting, while it writes. */
  rewriting: SectionKey | null = $state(null);
  /** What long work is doing now ("Exportando PDF…"), for the spinner. */
  busy: string | null = $state(null);

  private checkTimer: ReturnType<typeof setTimeout> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private editTimer: ReturnType<typeof setTimeout> | undefined;

  get shownProblems(): Problem[] {
    return shownProblems(this.problems, this.touched, this.revealAll);
  }

  /** Errors not shown yet; their fields are marked as needed. */
  get pendingErrors(): Problem[] {
    return pendingErrors(this.problems, this.touched, this.revealAll);
  }

  get hasErrors(): boolean {
    return this.formError !== null || this.problems.some((p) => p.severity === "error");
  }

  get generating(): boolean {
    return this.streaming !== null;
  }

  get isFinal(): boolean {
    return this.draft?.summary.status === "final";
  }

  json(): string {
    return JSON.stringify(this.episode, null, 2);
  }

  fail(error: unknown) {
    const e = api.asUiError(error);
    if (e.kind === "cancelado") return;
    this.notice = { tone: "error", text: e.message };
  }

  say(text: string, undo?: () => void) {
    this.notice = { tone: "info", text, undo };
  }

  async init() {
    try {
      this.info = await api.appInfo();
      if (this.info.database_error) {
        this.notice = { tone: "error", text: this.info.database_error.message };
        return;
      }
      const saved = await api.formLoad();
      if (saved) {
        this.setEpisode(JSON.parse(saved), false);
        // A form left half-filled shows what it still lacks.
        this.revealAll = true;
      } else await this.check();
      this.model = await api.modelStatus();
      await this.refreshDrafts();
    } catch (error) {
      this.fail(error);
    }
  }

  // ---- the form ----

  setEpisode(value: Json, save = true) {
    this.episode = withSections(value);
    this.changed(save);
  }

  /** Called on every edit: validates soon and autosaves a little later.
   * `path` is the field edited, whose problems show from now on. */
  changed(save = true, path?: string) {
    if (path !== undefined && !this.touched.includes(path)) this.touched = [...this.touched, path];
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => this.check(), CHECK_DELAY_MS);
    if (save) {
      clearTimeout(this.saveTimer);
      this.saveTimer = setTimeout(() => this.saveForm(), AUTOSAVE_DELAY_MS);
    }
  }

  async check() {
    try {
      const checked = await api.episodeCheck(this.json());
      this.problems = checked.problems;
      this.formError = null;
      if (this.templates === null || this.service !== this.templateService) await this.loadTemplates();
    } catch (error) {
      this.formError = api.asUiError(error);
      this.problems = [];
    }
  }

  /** The service the templates were last listed for. */
  private templateService: string | null = null;

  /** The episode's `atencion.servicio`, which picks the default template. */
  private get service(): string | null {
    const service = this.episode?.atencion?.servicio;
    return typeof service === "string" ? service : null;
  }

  /** The templates, with the one the episode's service uses. */
  async loadTemplates() {
    const service = this.service;
    this.templateService = service;
    try {
      this.templates = await api.templatesList(service);
      if (this.templateId && !this.templates.templates.some((t) => t.id === this.templateId)) this.templateId = null;
    } catch (error) {
      this.fail(error);
    }
  }

  async saveForm() {
    try {
      await api.formSave(this.json());
    } catch (error) {
      this.fail(error);
    }
  }

  async importJson() {
    try {
      const imported = await api.episodeImport();
      this.draft = null;
      this.version = null;
      this.revealAll = true;
      this.setEpisode(JSON.parse(imported.source));
      this.say(`Episodio importado desde ${imported.path}.`);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Pasted Episode JSON; refused with the reason when it is not JSON. */
  pasteJson(text: string): boolean {
    try {
      const value = JSON.parse(text);
      this.draft = null;
      this.version = null;
      this.revealAll = true;
      this.setEpisode(value);
      this.say("Episodio pegado en el formulario.");
      return true;
    } catch (error) {
      this.notice = {
        tone: "error",
        text: `El texto pegado no es JSON válido: ${(error as Error).message}. Copie el archivo de episodio completo.`,
      };
      return false;
    }
  }

  async exportJson() {
    try {
      const path = await api.episodeExportJson(this.json(), suggestedName(this.episode, "json"));
      this.say(`Episodio guardado en ${path}.`);
    } catch (error) {
      this.fail(error);
    }
  }

  async newEpisode() {
    try {
      await api.formClear();
      this.draft = null;
      this.version = null;
      this.episode = emptyEpisode();
      this.touched = [];
      this.revealAll = false;
      this.templateId = null;
      await this.check();
    } catch (error) {
      this.fail(error);
    }
  }

  // ---- writing the epicrisis ----

  /** Asking to write shows every problem the episode still has. */
  private readyToWrite(): boolean {
    this.revealAll = true;
    return !this.hasErrors;
  }

  async generate() {
    if (this.generating || !this.readyToWrite()) return;
    await this.flushEdit();
    await this.streamed(() =>
      api.generate(this.json(), this.draft?.summary.id ?? null, this.templateId, (event) => this.heard(event)),
    );
  }

  /** "Regenerar sección": the model writes one section of the shown
   * version again, with the clinician's instruction; the rest is kept. */
  async regenerateSection(section: SectionKey, instruction: string) {
    if (this.generating || !this.draft || !this.version || !this.readyToWrite()) return;
    await this.flushEdit();
    const ask = {
      draftId: this.draft.summary.id,
      version: this.version.number,
      section,
      instruction: instruction.trim() || null,
      template: this.templateId,
    };
    this.rewriting = section;
    try {
      await this.streamed(() => api.generateSection(ask, (event) => this.heard(event)));
    } finally {
      this.rewriting = null;
    }
  }

  private heard(event: GenerationEvent) {
    if (event.event === "delta") {
      this.streaming = (this.streaming ?? "") + event.text;
      this.live = { tokens: event.tokens, elapsedMs: event.elapsed_ms, tokensPerS: event.tokens_per_s };
    }
  }

  /** A model's writing: the text streams in, then becomes the shown
   * version; on failure the draft is read again (the text so far was kept). */
  private async streamed(write: () => Promise<Written>) {
    this.notice = null;
    this.streaming = "";
    this.live = { tokens: 0, elapsedMs: 0, tokensPerS: 0 };
    this.lastReason = null;
    try {
      const written = await write();
      this.lastReason = written.reason;
      await this.showWritten(written);
      if (written.reason === "cancelled") this.say("Generación detenida: se guardó el texto producido hasta ahí.");
    } catch (error) {
      this.fail(error);
      if (this.draft) await this.openDraft(this.draft.summary.id);
    } finally {
      this.streaming = null;
      await this.refreshDrafts();
    }
  }

  async stop() {
    try {
      await api.generateStop();
    } catch (error) {
      this.fail(error);
    }
  }

  async deterministic() {
    if (!this.readyToWrite()) return;
    await this.flushEdit();
    try {
      const written = await api.draftDeterministic(this.json(), this.draft?.summary.id ?? null, this.templateId);
      await this.showWritten(written);
      await this.refreshDrafts();
    } catch (error) {
      this.fail(error);
    }
  }

  /** A version the shell just wrote, shown from the command's answer: the
   * open draft gains it without being read again; a text that went into
   * another draft (the episode changed, or the open one is final) opens
   * that draft. */
  private async showWritten(written: Written) {
    const open = this.draft;
    if (open && open.summary.id === written.draft_id) {
      const versions = [...open.versions, written.version];
      this.draft = { ...open, versions, summary: { ...open.summary, versions: versions.length } };
      this.version = written.version;
      return;
    }
    await this.openDraft(written.draft_id, written.version.number);
  }

  // ---- drafts ----

  async refreshDrafts() {
    try {
      this.drafts = await api.draftsList(this.search);
    } catch (error) {
      this.fail(error);
    }
  }

  async openDraft(id: number, number?: number) {
    try {
      await this.flushEdit();
      const opened = await api.draftOpen(id);
      this.draft = opened;
      const versions = opened.versions;
      this.version = versions.find((v) => v.number === number) ?? versions[versions.length - 1] ?? null;
      // The draft's template, while it still exists (a deleted one would
      // refuse the next generation); else the service's.
      const used = this.version?.template ?? null;
      this.templateId = used && this.templates?.templates.some((t) => t.id === used) ? used : null;
      if (this.json() !== opened.episode_json) {
        this.revealAll = true;
        this.episode = withSections(JSON.parse(opened.episode_json));
        await this.check();
        await this.saveForm();
      }
    } catch (error) {
      this.fail(error);
    }
  }

  async duplicate(id: number) {
    try {
      const copy = await api.draftDuplicate(id);
      await this.refreshDrafts();
      await this.openDraft(copy);
      this.say("Borrador duplicado.");
    } catch (error) {
      this.fail(error);
    }
  }

  async remove(id: number) {
    try {
      await api.draftDelete(id);
      if (this.draft?.summary.id === id) {
        this.draft = null;
        this.version = null;
      }
      await this.refreshDrafts();
      this.say("Borrador eliminado.", async () => {
        try {
          await api.draftUndelete(id);
          this.notice = null;
          await this.refreshDrafts();
        } catch (error) {
          this.fail(error);
        }
      });
    } catch (error) {
      this.fail(error);
    }
  }

  async setStatus(status: Status) {
    if (!this.draft) return;
    try {
      await this.flushEdit();
      await api.draftSetStatus(this.draft.summary.id, status);
      await this.openDraft(this.draft.summary.id, this.version?.number);
      await this.refreshDrafts();
    } catch (error) {
      this.fail(error);
    }
  }

  // ---- edits and history ----

  /** The clinician typed in the text: kept as a version after a pause. */
  edit(text: string) {
    this.pendingEdit = text;
    clearTimeout(this.editTimer);
    this.editTimer = setTimeout(() => this.flushEdit(), AUTOSAVE_DELAY_MS * 2);
  }

  async flushEdit() {
    clearTimeout(this.editTimer);
    const text = this.pendingEdit;
    if (text === null || !this.draft || text === this.version?.text) {
      this.pendingEdit = null;
      return;
    }
    this.pendingEdit = null;
    const before = this.draft.summary.id;
    try {
      const saved = await api.editSave(before, text);
      const opened = await api.draftOpen(saved.draft_id);
      this.draft = opened;
      this.version = opened.versions.find((v) => v.number === saved.number) ?? saved;
      if (saved.draft_id !== before) {
        this.say("El borrador final no cambia: la edición quedó en un borrador nuevo.");
      }
      await this.refreshDrafts();
    } catch (error) {
      this.pendingEdit = text;
      this.fail(error);
    }
  }

  async restore(number: number) {
    if (!this.draft) return;
    try {
      const restored = await api.versionRestore(this.draft.summary.id, number);
      await this.openDraft(restored.draft_id, restored.number);
      this.say(`Versión ${number} restaurada como versión ${restored.number}.`);
    } catch (error) {
      this.fail(error);
    }
  }

  async exportVersion(format: api.ExportFormat) {
    if (!this.draft || !this.version) return;
    await this.flushEdit();
    const extension = { pdf: "pdf", texto: "txt", markdown: "md" }[format];
    this.busy = format === "pdf" ? "Generando el PDF…" : "Exportando…";
    try {
      const path = await api.exportVersion(
        this.draft.summary.id,
        this.version.number,
        format,
        suggestedName(this.episode, extension),
      );
      this.say(`Epicrisis exportada a ${path}.`);
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy = null;
    }
  }

  /** "Copiar texto": the shown version, for the hospital's record system. */
  async copyText() {
    if (!this.draft || !this.version) return;
    await this.flushEdit();
    try {
      await api.versionCopyText(this.draft.summary.id, this.version.number);
      this.say(`Texto de la versión ${this.version.number} copiado al portapapeles.`);
    } catch (error) {
      this.fail(error);
    }
  }

  async settleInterrupted(id: number, number: number, keep: boolean) {
    try {
      if (keep) {
        const kept = await api.interruptedResume(id, number);
        await this.openDraft(kept.draft_id, kept.number);
      } else {
        await api.interruptedDiscard(id, number);
      }
      if (this.info?.opened) {
        this.info.opened.interrupted = this.info.opened.interrupted.filter(
          (i) => !(i.draft_id === id && i.version === number),
        );
      }
      await this.refreshDrafts();
    } catch (error) {
      this.fail(error);
    }
  }
}
