// The one place the UI talks to the Rust shell. Components import these
// functions, never `invoke` itself, so tests can replace the backend and the
// command names stay in one list (mirrored by src-tauri/command_names.rs).
// The types are the Rust types, generated into bindings.ts.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { ErrorKind } from "./error_kinds";
import type {
  AppInfo,
  Checked,
  Diagnostics,
  DraftSummary,
  ExportFormat,
  FileType,
  FolderKind,
  GenerationEvent,
  ImportDone,
  ImportPreview,
  ImportProgress,
  Imported,
  LoadedInfo,
  ModelPreview,
  OpenedDraft,
  ReviewView,
  Section,
  Settings,
  StartChoice,
  Status,
  Template,
  TemplateList,
  UiError,
  VersionView,
  Written,
} from "./bindings";

export type { ErrorKind };
export type * from "./bindings";
/** A section of the epicrisis, as `clinical::Section` serialises. */
export type SectionKey = Section;

/** Turns whatever a command threw into a UiError, never raw text. */
export function asUiError(error: unknown): UiError {
  if (error && typeof error === "object" && "kind" in error && "message" in error) {
    return error as UiError;
  }
  return { kind: "interno", message: `Error inesperado: ${String(error)}` };
}

/** True inside the Tauri window; false in a plain browser or under vitest. */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

export const appInfo = () => invoke<AppInfo>("app_info");

export const diagnostics = () => invoke<Diagnostics>("diagnostics");
/** Opens the log folder in the file manager; returns its path. */
export const logsOpen = () => invoke<string>("logs_open");
export const welcomeChoose = (choice: StartChoice) => invoke<void>("welcome_choose", { choice });

export const episodeCheck = (json: string) => invoke<Checked>("episode_check", { json });
export const episodeImport = () => invoke<Imported>("episode_import");
export const episodeExportJson = (json: string, suggested: string) =>
  invoke<string>("episode_export_json", { json, suggested });
export const formLoad = () => invoke<string | null>("form_load");
export const formSave = (json: string) => invoke<void>("form_save", { json });
export const formClear = () => invoke<void>("form_clear");

export const modelChoose = () => invoke<string>("model_choose");
export const modelInspect = (path: string) => invoke<ModelPreview>("model_inspect", { path });
export function modelLoad(path: string, onProgress: (share: number) => void) {
  const progress = new Channel<number>();
  progress.onmessage = onProgress;
  return invoke<LoadedInfo>("model_load", { path, progress });
}
/** Copies the model into the app's models folder; resolves to the copy's path. */
export function modelCopy(path: string, onProgress: (share: number) => void) {
  const progress = new Channel<number>();
  progress.onmessage = onProgress;
  return invoke<string>("model_copy", { path, progress });
}
export const modelCancelLoad = () => invoke<boolean>("model_cancel_load");
export const modelStatus = () => invoke<LoadedInfo | null>("model_status");
export const modelUnload = () => invoke<void>("model_unload");

export const importChoose = (kind: FolderKind) => invoke<string>("import_choose", { kind });
export const importInspect = (folder: string, lora: string | null) =>
  invoke<ImportPreview>("import_inspect", { folder, lora });
/** Imports into the app's models folder; "Cancelar" is `modelCancelLoad`. */
export function importRun(
  folder: string,
  lora: string | null,
  fileType: FileType,
  onProgress: (p: ImportProgress) => void,
) {
  const progress = new Channel<ImportProgress>();
  progress.onmessage = onProgress;
  return invoke<ImportDone>("import_run", { folder, lora, fileType, progress });
}

export function generate(
  json: string,
  draftId: number | null,
  template: string | null,
  onEvent: (e: GenerationEvent) => void,
) {
  const events = new Channel<GenerationEvent>();
  events.onmessage = onEvent;
  return invoke<Written>("generate", { json, draftId, template, events });
}
export interface SectionAsk {
  draftId: number;
  version: number;
  section: SectionKey;
  instruction: string | null;
  template: string | null;
}
export function generateSection(ask: SectionAsk, onEvent: (e: GenerationEvent) => void) {
  const events = new Channel<GenerationEvent>();
  events.onmessage = onEvent;
  return invoke<Written>("generate_section", { ...ask, events });
}
export const generateStop = () => invoke<boolean>("generate_stop");
export const draftDeterministic = (json: string, draftId: number | null, template: string | null) =>
  invoke<Written>("draft_deterministic", { json, draftId, template });

export const draftsList = (search: string, deleted = false) =>
  invoke<DraftSummary[]>("drafts_list", { search, deleted });
export const draftOpen = (id: number) => invoke<OpenedDraft>("draft_open", { id });
export const draftDuplicate = (id: number) => invoke<number>("draft_duplicate", { id });
export const draftDelete = (id: number) => invoke<void>("draft_delete", { id });
export const draftUndelete = (id: number) => invoke<void>("draft_undelete", { id });
export const draftSetStatus = (id: number, status: Status) =>
  invoke<void>("draft_set_status", { id, status });
export const editSave = (id: number, text: string) => invoke<VersionView>("edit_save", { id, text });
export const versionReview = (id: number, number: number) =>
  invoke<ReviewView>("version_review", { id, number });
export const versionRestore = (id: number, number: number) =>
  invoke<VersionView>("version_restore", { id, number });
export const interruptedResume = (id: number, number: number) =>
  invoke<VersionView>("interrupted_resume", { id, number });
export const interruptedDiscard = (id: number, number: number) =>
  invoke<void>("interrupted_discard", { id, number });
export const exportVersion = (id: number, number: number, format: ExportFormat, suggested: string) =>
  invoke<string>("export_version", { id, number, format, suggested });
/** Puts the version's plain text on the clipboard (written from Rust). */
export const versionCopyText = (id: number, number: number) =>
  invoke<void>("version_copy_text", { id, number });
export const backupCreate = () => invoke<string>("backup_create");

export const settingsGet = () => invoke<Settings>("settings_get");
export const settingsSave = (settings: Settings) => invoke<void>("settings_save", { settings });

export const templatesList = (service: string | null) => invoke<TemplateList>("templates_list", { service });
export const templateSave = (template: Template) => invoke<void>("template_save", { template });
export const templateDelete = (id: string) => invoke<void>("template_delete", { id });
/** Writes the template to a JSON file chosen in a native dialog. */
export const templateExport = (id: string) => invoke<string>("template_export", { id });
/** Reads a template file chosen in a native dialog and saves it. */
export const templateImport = () => invoke<Template>("template_import");
