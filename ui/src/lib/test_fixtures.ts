// Data the UI's unit tests share (imported by tests only).
import type { Template } from "./backend";

/** The built-in `general` template as `templates_list` returns it. */
export const GENERAL: Template = {
  id: "general",
  nombre: "General (modelos de instrucciones)",
  servicios: [],
  perfil: "instruct",
  secciones: ["motivo_ingreso", "evolucion", "indicaciones"],
  estilo: "prosa",
  extension: "estandar",
  instrucciones: "",
  texto_fijo: [],
  pie: "",
};
