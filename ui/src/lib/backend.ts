// The one place the UI talks to the Rust shell. Components import these
// functions, never `invoke` itself, so tests can replace the backend and the
// command names stay in one list (mirrored by src-tauri/command_names.rs).
import { Channel, invoke } from "@tauri-apps/api/core";
import type { ErrorKind } from "./error_kinds";

export type { ErrorKind };

/** Every error from the shell: a stable kind (the union generated from the
 * Rust enums) and a Spanish message. */
export interface UiError {
  kind: ErrorKind;
  message: string;
}

/** Turns whatever a command threw into a UiError, never raw text. */
export function asUiError(error: unknown): UiError {
  if (error && typeof error === "object" && "kind" in error && "message" in error) {
    return error as UiError;
  }
  return { kind: "interno", message: `Error inesperado: ${String(error)}` };
}

export interface Problem {
  path: string;
  message: string;
  severity: "error" | "advertencia";
}

export interface Checked {
  problems: Problem[];
  has_errors: boolean;
}

export interface Interrupted {
  draft_id: number;
  version: number;
  patient_name: string;
  chars: number;
}

export interface AppInfo {
  name: string;
  version: string;
  database: string | null;
  models_folder: string | null;
  database_error: UiError | null;
  opened: { interrupted: Interrupted[]; moved_aside: string | null; read_only: boolean } | null;
  cpu_problem: string | null;
  /** The welcome is still to be answered. */
  first_run: boolean;
}

/** The welcome's answer: choose a model now, or draft without one. */
export type StartChoice = "model" | "deterministic";

export interface ModelFacts {
  file_name: string;
  file_size: number;
  architecture: string;
  name: string | null;
  parameters: number;
  quantization: string;
  context_length: number;
  vocabulary_size: number;
  has_chat_template: boolean;
}

export interface MemoryEstimate {
  context: number;
  weights_bytes: number;
  kv_cache_bytes: number;
  overhead_bytes: number;
  total_bytes: number;
}

export interface ModelPreview {
  path: string;
  facts: ModelFacts;
  memory: MemoryEstimate;
  available_bytes: number | null;
  /** What unloading the current model gives back (0 when none is loaded). */
  freed_bytes: number;
  fits: boolean;
}

export interface LoadedInfo {
  facts: ModelFacts;
  device: string;
  device_fallback: string | null;
  context: number;
  load_ms: number;
}

export interface FindingView {
  kind: string;
  severity: "alta" | "media" | "baja";
  message: string;
  start: number | null;
  end: number | null;
  /** The episode path it contradicts or misses, and what the episode says there. */
  path?: string | null;
  expected?: string | null;
}

/** A claim of the text the episode confirms, with its source. */
export interface ConfirmedView {
  start: number;
  end: number;
  path: string;
  says: string;
}

export interface ReviewView {
  draft_id: number;
  number: number;
  findings: FindingView[];
  confirmed: ConfirmedView[];
}

export interface VersionView {
  draft_id: number;
  number: number;
  origin: "modelo" | "determinista" | "edicion";
  state: "en_curso" | "completa" | "interrumpida";
  text: string;
  findings: FindingView[];
  model_file: string | null;
  /** The model file's SHA-256: which weights wrote the text. */
  model_sha256: string | null;
  restored_from: number | null;
  /** Why the model stopped and the engine's figures, or the error. */
  timings: Timings | null;
  created_at: number;
  /** The service template the text follows. */
  template: string | null;
  /** For a rewrite of one section: which, and the clinician's instruction. */
  section: SectionKey | null;
  instruction: string | null;
  /** How the episode was shortened to fit the model's context. */
  shortening: Shortening | null;
  /** The sections found in the text, in order. */
  sections: SectionKey[];
}

export interface Timings {
  fin?: "eos" | "max_tokens" | "stop_string" | "cancelled";
  estadisticas?: Stats;
  error?: string;
  mensaje?: string;
}

export interface Stats {
  prompt_tokens: number;
  reused_tokens: number;
  generated_tokens: number;
  ttft_ms: number;
  prefill_ms: number;
  decode_ms: number;
  decode_tok_s: number;
  lookup_drafted: number;
  lookup_accepted: number;
}

export interface Shortening {
  notes_total: number;
  notes_kept: number;
  omitted: number[];
  omitted_notes: string[];
  clipped_to_chars: number;
}

/** The sections of an epicrisis, as `clinical::Section` serialises. */
export type SectionKey =
  | "identificacion"
  | "periodo"
  | "motivo_ingreso"
  | "diagnosticos_ingreso"
  | "procedimientos"
  | "tratamiento"
  | "evolucion"
  | "examenes"
  | "diagnosticos_egreso"
  | "condicion_alta"
  | "indicaciones";

export interface Template {
  id: string;
  nombre: string;
  servicios: string[];
  perfil: "finetuned" | "instruct";
  secciones: SectionKey[];
  estilo: "prosa" | "lista";
  extension: "breve" | "estandar" | "detallada";
  instrucciones: string;
  texto_fijo: { seccion: SectionKey; texto: string }[];
  pie: string;
}

export interface TemplateList {
  templates: (Template & { builtin: boolean })[];
  /** The template the episode's service uses, if one serves it. */
  for_service: string | null;
}

export interface Written {
  draft_id: number;
  version: VersionView;
  reason: "eos" | "max_tokens" | "stop_string" | "cancelled" | null;
  stats: Stats | null;
}

/** What the window hears while the model writes; the draft the text goes
 * into is in the command's answer (`Written.draft_id`). */
export type GenerationEvent = { event: "delta"; text: string; tokens: number; elapsed_ms: number; tokens_per_s: number };

export type Status = "borrador" | "revisado" | "final";

export interface DraftSummary {
  id: number;
  status: Status;
  patient_name: string;
  rut: string;
  id_atencion: string;
  discharge_date: string | null;
  diagnoses: string;
  versions: number;
  interrupted: boolean;
  deleted: boolean;
  updated_at: number;
}

export interface OpenedDraft {
  summary: DraftSummary;
  parent_draft_id: number | null;
  episode_json: string;
  versions: VersionView[];
}

export interface SamplingSettings {
  temperature: number;
  top_p: number;
  repeat_penalty: number;
  max_tokens: number;
}

export interface Settings {
  paper: "a4" | "carta";
  institution: string;
  service: string;
  logo_path: string | null;
  purge_after_days: number | null;
  model_path: string | null;
  sampling_finetuned: SamplingSettings;
  sampling_instruct: SamplingSettings;
  device: string;
  threads: number | null;
  context: number | null;
  prompt_lookup: boolean;
  start_choice: StartChoice | null;
}

/** True inside the Tauri window; false in a plain browser or under vitest. */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

export const appInfo = () => invoke<AppInfo>("app_info");

/** "Ajustes → Diagnóstico": what support asks for first. */
export interface Diagnostics {
  app_version: string;
  engine_version: string;
  store_version: string;
  schema_version: number;
  cpu_kernels: string;
  cpu_problem: string | null;
  os: string;
  arch: string;
  log_folder: string | null;
}
export const diagnostics = () => invoke<Diagnostics>("diagnostics");
/** Opens the log folder in the file manager; returns its path. */
export const logsOpen = () => invoke<string>("logs_open");
export const welcomeChoose = (choice: StartChoice) => invoke<void>("welcome_choose", { choice });

export const episodeCheck = (json: string) => invoke<Checked>("episode_check", { json });
export const episodeImport = () =>
  invoke<{ path: string; source: string; checked: Checked }>("episode_import");
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

/** What an import writes: `llama-quantize`'s names, as serde spells them. */
export type FileType = "q4_k_m" | "q5_k_m" | "q8_0" | "bf16" | "f16" | "f32";

export interface AdapterSummary {
  folder: string;
  rank: number;
  alpha: number;
  rslora: boolean;
  targets: string[];
  matrices: number;
  replaced: string[];
  base_model: string | null;
}

export interface CheckpointSummary {
  folder: string;
  name: string;
  class: string;
  architecture: string;
  parameters: number;
  dtypes: [string, number][];
  layers: number;
  hidden: number;
  heads: number;
  kv_heads: number;
  context: number;
  embedding_rows: number;
  tied_embeddings: boolean;
  tokenizer_tokens: number;
  has_chat_template: boolean;
  lora: AdapterSummary | null;
  estimates: { file_type: FileType; bytes: number; seconds: number }[];
}

export interface ImportPreview {
  summary: CheckpointSummary;
  out_dir: string;
  free_bytes: number | null;
}

export interface ImportProgress {
  stage: "converting" | "reference" | "measuring";
  share: number;
  detail: string;
}

export interface OutputQuality {
  file_type: FileType;
  file: string;
  file_bytes: number;
  perplexity: number;
  perplexity_change: number;
  kl_divergence_mean: number;
  kl_divergence_max: number;
  top1_agreement: number;
  load_seconds: number;
  decode_tokens_per_second: number;
}

export interface QualityReport {
  model: string;
  corpus: string;
  scored_tokens: number;
  window: number;
  reference: { file_type: FileType; perplexity: number };
  outputs: OutputQuality[];
  recommendation: FileType | null;
}

export interface ImportDone {
  path: string;
  report: QualityReport | null;
  report_text: string | null;
}

export const importChoose = (kind: "afinado" | "adaptador") => invoke<string>("import_choose", { kind });
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
export type ExportFormat = "pdf" | "texto" | "markdown";
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
