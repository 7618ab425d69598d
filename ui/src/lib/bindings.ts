// Generated from the Rust types the commands take and return
// (src-tauri/bindings.rs) by
// `EPICRISIS_BLESS=1 cargo test --features custom-protocol --lib bindings`.
// Do not edit: the test fails when this file and the types differ.
import type { ErrorKind } from "./error_kinds";

export type UiError = { 
/**
 * The union written from the same enums (`error_kinds.ts`).
 */
kind: ErrorKind, message: string, };

export type AppInfo = { name: string, version: string, 
/**
 * The database file, for the settings and the first-run welcome.
 */
database: string | null, 
/**
 * Where models are copied when the clinician asks for a copy.
 */
models_folder: string | null, 
/**
 * Why the database could not be opened; the app then only drafts.
 */
database_error: UiError | null, 
/**
 * What opening the database found, told once.
 */
opened: OpenReport | null, 
/**
 * Why this CPU cannot run models, when it cannot.
 */
cpu_problem: string | null, 
/**
 * True until the clinician answers the welcome. A database that cannot
 * be opened cannot remember the answer, so it shows no welcome.
 */
first_run: boolean, };

export type Diagnostics = { app_version: string, engine_version: string, store_version: string, schema_version: number, 
/**
 * The CPU kernels in use, or why models cannot run here.
 */
cpu_kernels: string, cpu_problem: string | null, os: string, arch: string, 
/**
 * Where the support log is written (no patient data ever is).
 */
log_folder: string | null, };

export type Checked = { problems: Array<Problem>, has_errors: boolean, };

export type Imported = { path: string, 
/**
 * The file's text as given; the form parses it and keeps unknown keys.
 */
source: string, checked: Checked, };

export type ModelPreview = { path: string, facts: ModelFacts, memory: MemoryEstimate, 
/**
 * Memory the system has free now; absent where the OS does not say.
 */
available_bytes: number | null, 
/**
 * What unloading the model loaded now gives back (0 when none is).
 */
freed_bytes: number, 
/**
 * False when the estimate exceeds the free memory plus what unloading
 * the current model frees; the window then offers "Cargar de todos
 * modos".
 */
fits: boolean, };

export type GenerationEvent = { "event": "delta", text: string, tokens: number, elapsed_ms: number, tokens_per_s: number, };

export type Written = { draft_id: number, version: VersionView, 
/**
 * `eos`, `max_tokens`, `stop_string` or `cancelled`; absent for the
 * deterministic draft.
 */
reason: FinishReason | null, stats: Stats | null, };

export type OpenedDraft = { summary: DraftSummary, parent_draft_id: number | null, 
/**
 * The episode as it was given, for the form.
 */
episode_json: string, 
/**
 * Oldest first.
 */
versions: Array<VersionView>, };

export type TemplateList = { 
/**
 * The built-ins first, then the service's own by name.
 */
templates: Array<TemplateView>, 
/**
 * The one the episode's service uses, if a template serves it.
 */
for_service: string | null, };

export type TemplateView = { 
/**
 * Built-ins are copied, never changed.
 */
builtin: boolean, 
/**
 * Identifier: lowercase letters, digits and hyphens (`medicina-interna`).
 */
id: string, 
/**
 * The name shown in the window.
 */
nombre: string, 
/**
 * Services whose episodes use it by default (compared without case or
 * accents with the episode's `atencion.servicio`).
 */
servicios: Array<string>, 
/**
 * The prompt's shape: `instruct` for general instruction models,
 * `finetuned` for models tuned on epicrisis (these write one narrative;
 * sections, style and length then shape only the deterministic draft).
 */
perfil: Profile, 
/**
 * The sections, in order.
 */
secciones: Array<Section>, 
/**
 * Prose or lists.
 */
estilo: Style, 
/**
 * How long the model is asked to write.
 */
extension: Length, 
/**
 * Extra instructions for the model (the service's house rules).
 */
instrucciones: string, 
/**
 * The service's fixed text, per section.
 */
texto_fijo: Array<FixedText>, 
/**
 * A closing line: the signature block, a service's footer.
 */
pie: string, };

export type ImportPreview = { summary: CheckpointSummary, 
/**
 * Where the file will be written.
 */
out_dir: string, 
/**
 * Free space there; absent where the OS does not say.
 */
free_bytes: number | null, };

export type ImportDone = { path: string, report: QualityReport | null, 
/**
 * The report as the CLI prints it, for copying into an e-mail to IT.
 */
report_text: string | null, };

export type FolderKind = "afinado" | "adaptador";

export type VersionView = { draft_id: number, number: number, origin: Origin, state: VersionState, text: string, findings: Array<FindingView>, model_file: string | null, 
/**
 * The model file's SHA-256: which weights wrote this text.
 */
model_sha256: string | null, restored_from: number | null, timings: Timings | null, 
/**
 * Milliseconds since the epoch, for the UI's own formatting.
 */
created_at: number, 
/**
 * The service template the text follows.
 */
template: string | null, 
/**
 * For a rewrite of one section: which, and the instruction.
 */
section: Section | null, instruction: string | null, 
/**
 * How the episode was shortened to fit the model's context.
 */
shortening: Shortening | null, 
/**
 * The sections found in the text, in order: what "Regenerar sección"
 * offers.
 */
sections: Array<Section>, };

export type FindingView = { kind: FindingKind, severity: Gravedad, message: string, 
/**
 * UTF-16 offsets into the version's text; absent for omissions.
 */
start: number | null, end: number | null, 
/**
 * The episode path the finding contradicts or misses, and what the
 * episode says there ("el episodio dice …").
 */
path: string | null, expected: string | null, };

export type ConfirmedView = { 
/**
 * UTF-16 offsets into the version's text.
 */
start: number, end: number, path: string, says: string, };

export type ReviewView = { draft_id: number, number: number, findings: Array<FindingView>, confirmed: Array<ConfirmedView>, };

export type Settings = { 
/**
 * The page size of exported documents.
 */
paper: Paper, 
/**
 * The institution's name for the document header.
 */
institution: string, 
/**
 * The service (e.g. "Medicina Interna") for the header.
 */
service: string, 
/**
 * An image for the header, PNG or JPEG.
 */
logo_path: string | null, 
/**
 * Erase drafts this many days after they were deleted; never if unset.
 * The store reads this one itself, by its key
 * ([`store::PURGE_AFTER_DAYS`]).
 */
purge_after_days: number | null, 
/**
 * The model file the app loads at start.
 */
model_path: string | null, 
/**
 * Sampling for models tuned on epicrisis (prompt profile `finetuned`).
 */
sampling_finetuned: SamplingSettings, 
/**
 * Sampling for general instruct models (prompt profile `instruct`):
 * cooler and more penalised, as they wander more.
 */
sampling_instruct: SamplingSettings, 
/**
 * Where the model runs; the engine falls back to the CPU, saying why,
 * when the one chosen is missing.
 */
device: DeviceChoice, 
/**
 * Compute threads; all cores when unset.
 */
threads: number | null, 
/**
 * Tokens of context to allocate; the engine's default when unset.
 */
context: number | null, 
/**
 * Prompt-lookup decoding: draft the tokens an epicrisis copies from its
 * episode and have the model confirm them in one pass. The same text,
 * sooner; off only to measure the difference.
 */
prompt_lookup: boolean, 
/**
 * The first-run choice, once made.
 */
start_choice: StartChoice | null, };

export type SamplingSettings = { 
/**
 * Softmax temperature; 0 is greedy.
 */
temperature: number, 
/**
 * Nucleus sampling's probability mass.
 */
top_p: number, 
/**
 * Penalty on tokens already generated (1 is none).
 */
repeat_penalty: number, 
/**
 * The longest epicrisis the model may write, in tokens.
 */
max_tokens: number, };

export type StartChoice = "model" | "deterministic";

export type Timings = { 
/**
 * Why it ended.
 */
fin: FinishReason, 
/**
 * Tokens, speeds and the prompt-lookup figures.
 */
estadisticas: Stats, } | { 
/**
 * The error's kind.
 */
error: string, 
/**
 * The error's message, in Spanish.
 */
mensaje: string, };

export type ExportFormat = "pdf" | "texto" | "markdown";

export type DraftSummary = { 
/**
 * The draft.
 */
id: number, 
/**
 * Where it is in its life.
 */
status: Status, 
/**
 * The patient's name, from the episode.
 */
patient_name: string, 
/**
 * The patient's RUT, from the episode.
 */
rut: string, 
/**
 * The hospital's id of the stay, from the episode.
 */
id_atencion: string, 
/**
 * The discharge date as the episode gives it.
 */
discharge_date: string | null, 
/**
 * The discharge diagnoses, joined, with their codes.
 */
diagnoses: string, 
/**
 * How many versions the draft has.
 */
versions: number, 
/**
 * A generation whose process died is waiting for resume or discard.
 */
interrupted: boolean, 
/**
 * In the bin.
 */
deleted: boolean, 
/**
 * The last change to the draft or any of its versions.
 */
updated_at: string, };

export type Status = "borrador" | "revisado" | "final";

export type Origin = "modelo" | "determinista" | "edicion";

export type VersionState = "completa" | "en_curso" | "interrumpida";

export type OpenReport = { 
/**
 * Where a damaged database file was moved (it is never deleted).
 */
moved_aside: string | null, 
/**
 * The backup the store was restored from after moving a damaged file.
 */
restored_from: string | null, 
/**
 * The day's automatic backup, when this open made it.
 */
backup: string | null, 
/**
 * Why the day's backup could not be made; the store works regardless.
 */
backup_error: string | null, 
/**
 * Generations whose process died mid-stream.
 */
interrupted: Array<Interrupted>, 
/**
 * The file is write-protected: drafts can be read, not changed.
 */
read_only: boolean, 
/**
 * The schema version found, when the open migrated the file.
 */
migrated_from: number | null, };

export type Interrupted = { 
/**
 * The draft.
 */
draft_id: number, 
/**
 * The interrupted version's number.
 */
version: number, 
/**
 * Whose epicrisis it was, for the message.
 */
patient_name: string, 
/**
 * How much text had been saved.
 */
chars: number, };

export type Problem = { 
/**
 * Where, as a JSON path (`paciente.rut`, `diagnostico_egreso[0].codigo`).
 */
path: string, 
/**
 * What is wrong and what to do, in Spanish.
 */
message: string, 
/**
 * Whether it blocks writing.
 */
severity: Severity, };

export type Severity = "error" | "advertencia";

export type FindingKind = "diagnostico_omitido" | "medicamento_omitido" | "codigo_no_consignado" | "farmaco_no_consignado" | "numero_no_consignado" | "complicacion_no_consignada" | "procedimiento_no_consignado" | "diagnostico_no_consignado" | "alergia_prescrita" | "alergia_contradicha" | "indicacion_contradicha" | "dato_paciente_contradicho" | "lateralidad_contradicha" | "laboratorio_contradicho" | "fecha_contradicha" | "salida_degenerada";

export type Gravedad = "alta" | "media" | "baja";

export type Shortening = { 
/**
 * Course notes in the episode.
 */
notes_total: number, 
/**
 * Course notes the prompt kept.
 */
notes_kept: number, 
/**
 * Indices (in the normalised episode) of the notes left out.
 */
omitted: Array<number>, 
/**
 * The notes left out as a clinician finds them in the episode
 * ("día 3 (04/10/2026)", "nota 7").
 */
omitted_notes: Array<string>, 
/**
 * Each kept note was clipped to at most this many characters.
 */
clipped_to_chars: number, };

export type Section = "identificacion" | "periodo" | "motivo_ingreso" | "diagnosticos_ingreso" | "procedimientos" | "tratamiento" | "evolucion" | "examenes" | "diagnosticos_egreso" | "condicion_alta" | "indicaciones";

export type Template = { 
/**
 * Identifier: lowercase letters, digits and hyphens (`medicina-interna`).
 */
id: string, 
/**
 * The name shown in the window.
 */
nombre: string, 
/**
 * Services whose episodes use it by default (compared without case or
 * accents with the episode's `atencion.servicio`).
 */
servicios: Array<string>, 
/**
 * The prompt's shape: `instruct` for general instruction models,
 * `finetuned` for models tuned on epicrisis (these write one narrative;
 * sections, style and length then shape only the deterministic draft).
 */
perfil: Profile, 
/**
 * The sections, in order.
 */
secciones: Array<Section>, 
/**
 * Prose or lists.
 */
estilo: Style, 
/**
 * How long the model is asked to write.
 */
extension: Length, 
/**
 * Extra instructions for the model (the service's house rules).
 */
instrucciones: string, 
/**
 * The service's fixed text, per section.
 */
texto_fijo: Array<FixedText>, 
/**
 * A closing line: the signature block, a service's footer.
 */
pie: string, };

export type Profile = "finetuned" | "instruct";

export type Style = "prosa" | "lista";

export type Length = "breve" | "estandar" | "detallada";

export type FixedText = { 
/**
 * The section it closes.
 */
seccion: Section, 
/**
 * The text, as the service wrote it.
 */
texto: string, };

export type ModelFacts = { 
/**
 * The file's name, without its folder (paths reveal user names).
 */
file_name: string, 
/**
 * The file's size in bytes.
 */
file_size: number, 
/**
 * What architecture it is.
 */
architecture: Architecture, 
/**
 * `general.name`, when the converter wrote one.
 */
name: string | null, 
/**
 * Parameters, every tensor counted.
 */
parameters: number, 
/**
 * A label such as "Q4_K_M" inferred from the tensor types.
 */
quantization: string, 
/**
 * How many tensors of each type, e.g. {"Q4_K": 168, "Q6_K": 29, "F32": 141}.
 */
tensor_types: { [key in string]: number }, 
/**
 * The context the model was trained for.
 */
context_length: number, 
/**
 * Tokens in the tokenizer stored in the file (0 when it carries none).
 */
vocabulary_size: number, 
/**
 * Whether the file carries a chat template.
 */
has_chat_template: boolean, 
/**
 * What the forward pass needs.
 */
hyper: Hyper, };

export type MemoryEstimate = { 
/**
 * The context the estimate is for.
 */
context: number, 
/**
 * Weights in memory (the mapped file and any regrouped copy).
 */
weights_bytes: number, 
/**
 * The KV cache at that context.
 */
kv_cache_bytes: number, 
/**
 * Activations, logits and the tokenizer, measured on the 0.5B and 1.5B
 * shapes and rounded up.
 */
overhead_bytes: number, 
/**
 * All of it.
 */
total_bytes: number, };

export type LoadedInfo = { 
/**
 * The file, described.
 */
facts: ModelFacts, 
/**
 * Where it runs (`cpu`, `cuda`, `metal`).
 */
device: string, 
/**
 * Why it runs elsewhere than asked, if it does.
 */
device_fallback: string | null, 
/**
 * Where the tokenizer came from.
 */
tokenizer: TokenizerSource, 
/**
 * Whether the chat template is the model's own (else a built-in ChatML).
 */
chat_template_from_model: boolean, 
/**
 * Tokens of KV cache allocated.
 */
context: number, 
/**
 * How long loading took.
 */
load_ms: number, };

export type Stats = { 
/**
 * Tokens in the prompt.
 */
prompt_tokens: number, 
/**
 * Prompt tokens whose keys and values were reused from the previous
 * request instead of recomputed.
 */
reused_tokens: number, 
/**
 * Tokens generated.
 */
generated_tokens: number, 
/**
 * Time to the first generated token.
 */
ttft_ms: number, 
/**
 * Time reading the prompt.
 */
prefill_ms: number, 
/**
 * Prompt tokens per second.
 */
prefill_tok_s: number, 
/**
 * Time writing the answer.
 */
decode_ms: number, 
/**
 * Generated tokens per second.
 */
decode_tok_s: number, 
/**
 * Prompt-lookup decoding: tokens drafted from the text so far, and how
 * many of them the model confirmed (each saved a decode step).
 */
lookup_drafted: number, 
/**
 * Drafted tokens the model confirmed.
 */
lookup_accepted: number, };

export type FinishReason = "eos" | "max_tokens" | "stop_string" | "cancelled";

export type DeviceChoice = "cpu" | "cuda" | "metal";

export type Architecture = "qwen2" | "qwen3" | "llama";

export type Hyper = { 
/**
 * Decoder layers.
 */
layers: number, 
/**
 * Hidden width.
 */
hidden: number, 
/**
 * MLP width.
 */
feed_forward: number, 
/**
 * Query heads.
 */
heads: number, 
/**
 * Key/value heads (fewer than query heads with grouped-query attention).
 */
kv_heads: number, 
/**
 * Width of one head.
 */
head_dim: number, 
/**
 * RoPE base frequency.
 */
rope_theta: number, 
/**
 * RMS norm epsilon.
 */
rms_eps: number, 
/**
 * The context the model was trained for.
 */
context_length: number, 
/**
 * Rows of the embedding table (often padded beyond the vocabulary).
 */
embedding_rows: number, };

export type TokenizerSource = { "tipo": "file", "ruta": string } | { "tipo": "gguf" };

export type FileType = "f32" | "f16" | "bf16" | "q8_0" | "q4_k_m" | "q5_k_m";

export type Paper = "a4" | "carta";

export type CheckpointSummary = { 
/**
 * The folder, as shown.
 */
folder: string, 
/**
 * The name the GGUF will carry.
 */
name: string, 
/**
 * `config.json`'s class, e.g. `Qwen2ForCausalLM`.
 */
class: string, 
/**
 * The engine's architecture for it.
 */
architecture: Architecture, 
/**
 * Parameters, all tensors counted.
 */
parameters: number, 
/**
 * Stored types and how many tensors of each, e.g. `[["BF16", 290]]`.
 */
dtypes: Array<[string, number]>, 
/**
 * Decoder layers.
 */
layers: number, 
/**
 * Hidden width.
 */
hidden: number, 
/**
 * Attention heads.
 */
heads: number, 
/**
 * Key/value heads (grouped-query attention).
 */
kv_heads: number, 
/**
 * The context the model was trained for.
 */
context: number, 
/**
 * Rows of the embedding table.
 */
embedding_rows: number, 
/**
 * Whether the output layer is the embedding table.
 */
tied_embeddings: boolean, 
/**
 * Tokens in `tokenizer.json`.
 */
tokenizer_tokens: number, 
/**
 * Whether the tokenizer brings a chat template.
 */
has_chat_template: boolean, 
/**
 * The adapter, when one is merged.
 */
lora: AdapterSummary | null, 
/**
 * Per output type, smallest first.
 */
estimates: Array<Estimate>, };

export type AdapterSummary = { 
/**
 * The adapter's folder, as shown.
 */
folder: string, 
/**
 * The rank `r`.
 */
rank: number, 
/**
 * `lora_alpha`.
 */
alpha: number, 
/**
 * Whether the scale is α/√r (rsLoRA) instead of α/r.
 */
rslora: boolean, 
/**
 * Module kinds adapted, e.g. `["q_proj", "v_proj"]`.
 */
targets: Array<string>, 
/**
 * A/B matrix pairs merged.
 */
matrices: number, 
/**
 * Whole tensors the adapter replaces (`modules_to_save`).
 */
replaced: Array<string>, 
/**
 * The base model the adapter names, if it does.
 */
base_model: string | null, };

export type Estimate = { 
/**
 * The output type.
 */
file_type: FileType, 
/**
 * The file's size.
 */
bytes: number, 
/**
 * Conversion time on this machine's cores, from measured rates.
 */
seconds: number, };

export type ImportProgress = { 
/**
 * The step it is in.
 */
stage: Stage, 
/**
 * 0 to 1 of the whole import.
 */
share: number, 
/**
 * The output type and tensor being written, or the model measured.
 */
detail: string, };

export type Stage = "converting" | "reference" | "measuring";

export type QualityReport = { 
/**
 * The model's name.
 */
model: string, 
/**
 * The text it was measured on.
 */
corpus: string, 
/**
 * Tokens scored.
 */
scored_tokens: number, 
/**
 * Tokens per window (the second half of each is scored).
 */
window: number, 
/**
 * The unquantized reference.
 */
reference: Reference, 
/**
 * Each output, measured against it.
 */
outputs: Array<OutputQuality>, 
/**
 * The smallest output within 1 % of the reference's perplexity.
 */
recommendation: FileType | null, };

export type Reference = { 
/**
 * Its type (F16, BF16 or F32).
 */
file_type: FileType, 
/**
 * Its perplexity on the text.
 */
perplexity: number, };

export type OutputQuality = { 
/**
 * Its type.
 */
file_type: FileType, 
/**
 * Its file name.
 */
file: string, 
/**
 * Its size.
 */
file_bytes: number, 
/**
 * Its perplexity on the text.
 */
perplexity: number, 
/**
 * Perplexity over the reference's, minus one (0.004 = 0.4 % worse).
 */
perplexity_change: number, 
/**
 * Mean KL divergence from the reference's next-token distributions.
 */
kl_divergence_mean: number, 
/**
 * The largest KL divergence of any scored token.
 */
kl_divergence_max: number, 
/**
 * Share of scored tokens where output and reference rank the same
 * token first.
 */
top1_agreement: number, 
/**
 * Seconds to load it.
 */
load_seconds: number, 
/**
 * Its decode speed here.
 */
decode_tokens_per_second: number, };
