//! Episode JSON bytes to an [`Episode`], with an error that says what is
//! wrong and where for every way a file can be bad.

use crate::episode::Episode;

/// The largest episode file accepted: 5 MiB. A real episode, even a long
/// stay with hundreds of notes, is well under 1 MiB; anything bigger is almost
/// certainly the wrong file, and refusing it keeps the app responsive.
pub const MAX_EPISODE_BYTES: usize = 5 * 1024 * 1024;

/// Why an episode file could not be read. Messages are Spanish and name the
/// place (line and column, or JSON path) so a clinician can fix the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The file is empty.
    #[error("el archivo está vacío: se esperaba un episodio en formato JSON")]
    Empty,
    /// The file is larger than the format allows.
    #[error(
        "el archivo pesa {bytes} bytes y el máximo es {limit} bytes: no parece un episodio; revise que eligió el archivo correcto"
    )]
    TooLarge {
        /// The file's size.
        bytes: usize,
        /// The most the format allows.
        limit: usize,
    },
    /// A byte that is not UTF-8, at `offset`.
    #[error(
        "el archivo no es texto UTF-8 (byte inválido en la posición {offset}): guárdelo como UTF-8 desde el sistema de origen"
    )]
    NotUtf8 {
        /// Where, in bytes from the start.
        offset: usize,
    },
    /// The JSON ends before it closes.
    #[error("JSON incompleto: el archivo termina antes de tiempo (línea {line}, columna {column}); puede estar truncado")]
    Truncated {
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
    },
    /// The JSON is malformed.
    #[error("JSON inválido en la línea {line}, columna {column}: {detail}")]
    Syntax {
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
        /// What the parser expected, in Spanish.
        detail: String,
    },
    /// The top level is not a JSON object.
    #[error(
        "se esperaba un objeto JSON con el episodio ({{ ... }}) y el archivo contiene {found}"
    )]
    NotAnObject {
        /// What it is instead, in Spanish ("una lista").
        found: &'static str,
    },
    /// A field holds a value of the wrong type.
    #[error("{path}: {detail} (línea {line}, columna {column})")]
    WrongType {
        /// The field, as a JSON path (`paciente.edad`).
        path: String,
        /// What was expected, in Spanish.
        detail: String,
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
    },
}

impl ImportError {
    /// What kind of failure this is: the stable identifier JSON output
    /// and the UI branch on.
    pub fn kind(&self) -> ImportErrorKind {
        match self {
            ImportError::Empty => ImportErrorKind::Vacio,
            ImportError::TooLarge { .. } => ImportErrorKind::DemasiadoGrande,
            ImportError::NotUtf8 { .. } => ImportErrorKind::NoUtf8,
            ImportError::Truncated { .. } => ImportErrorKind::Truncado,
            ImportError::Syntax { .. } => ImportErrorKind::Sintaxis,
            ImportError::NotAnObject { .. } => ImportErrorKind::NoEsObjeto,
            ImportError::WrongType { .. } => ImportErrorKind::TipoInvalido,
        }
    }
}

/// Parses an episode file's bytes. A UTF-8 byte-order mark is accepted (some
/// hospital systems on Windows write one); unknown keys are kept.
pub fn parse_episode(bytes: &[u8]) -> Result<Episode, ImportError> {
    if bytes.len() > MAX_EPISODE_BYTES {
        return Err(ImportError::TooLarge {
            bytes: bytes.len(),
            limit: MAX_EPISODE_BYTES,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| ImportError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    // First as a generic value: syntax errors and the top-level shape get
    // their own messages before field types are looked at.
    let value: serde_json::Value = serde_json::from_str(text).map_err(syntax_error)?;
    let found = match &value {
        serde_json::Value::Object(_) => None,
        serde_json::Value::Array(_) => Some("una lista ([ ... ])"),
        serde_json::Value::String(_) => Some("un texto"),
        serde_json::Value::Number(_) => Some("un número"),
        serde_json::Value::Bool(_) => Some("un valor verdadero/falso"),
        serde_json::Value::Null => Some("null"),
    };
    if let Some(found) = found {
        return Err(ImportError::NotAnObject { found });
    }
    // Then from the text again, so that type errors carry line and column.
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = display_path(error.path());
        let inner = error.into_inner();
        ImportError::WrongType {
            path,
            detail: spanish_type_error(&inner.to_string()),
            line: inner.line(),
            column: inner.column(),
        }
    })
}

kinds::error_kind! {
    /// What kind of failure an [`ImportError`] is. Serialised as the snake_case word
    /// the UI and `--format json` have always seen; the UI's TypeScript union
    /// is generated from [`ImportErrorKind::ALL`].
    pub enum ImportErrorKind {
        /// [`ImportError::Empty`].
        Vacio => "vacio",
        /// [`ImportError::TooLarge`].
        DemasiadoGrande => "demasiado_grande",
        /// [`ImportError::NotUtf8`].
        NoUtf8 => "no_utf8",
        /// [`ImportError::Truncated`].
        Truncado => "truncado",
        /// [`ImportError::Syntax`].
        Sintaxis => "sintaxis",
        /// [`ImportError::NotAnObject`].
        NoEsObjeto => "no_es_objeto",
        /// [`ImportError::WrongType`].
        TipoInvalido => "tipo_invalido",
    }
}

fn syntax_error(error: serde_json::Error) -> ImportError {
    let (line, column) = (error.line(), error.column());
    if error.is_eof() {
        return ImportError::Truncated { line, column };
    }
    let message = error.to_string();
    let detail = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    ImportError::Syntax {
        line,
        column,
        detail: spanish_syntax_error(&detail),
    }
}

/// `paciente.edad`, `diagnostico_egreso[2].codigo`: the same notation the
/// validation uses.
fn display_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key }
            | serde_path_to_error::Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    if out.is_empty() {
        out.push_str("(raíz)");
    }
    out
}

fn spanish_syntax_error(detail: &str) -> String {
    const KNOWN: &[(&str, &str)] = &[
        (
            "expected `,` or `}`",
            "falta una coma o una llave de cierre }",
        ),
        (
            "expected `,` or `]`",
            "falta una coma o un corchete de cierre ]",
        ),
        ("expected `:`", "falta ':' entre la clave y el valor"),
        ("expected value", "se esperaba un valor"),
        (
            "expected ident",
            "palabra no válida (¿true, false o null mal escrito?)",
        ),
        (
            "key must be a string",
            "las claves deben ir entre comillas dobles",
        ),
        ("trailing comma", "sobra una coma antes del cierre"),
        (
            "trailing characters",
            "hay texto después del final del objeto JSON",
        ),
        (
            "control character",
            "carácter de control dentro de un texto (¿salto de línea sin escapar?)",
        ),
        (
            "invalid escape",
            "secuencia de escape inválida dentro de un texto",
        ),
        ("invalid number", "número inválido"),
        ("number out of range", "número fuera de rango"),
        ("lone leading surrogate", "carácter Unicode inválido"),
        (
            "recursion limit exceeded",
            "el JSON está anidado demasiado profundo",
        ),
    ];
    for (english, spanish) in KNOWN {
        if detail.contains(english) {
            return (*spanish).to_string();
        }
    }
    format!("error de sintaxis ({detail})")
}

/// serde's messages are English ("invalid type: string \"cincuenta\",
/// expected u32"); clinicians get them in Spanish.
fn spanish_type_error(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "otro tipo"));
        return format!(
            "tipo de dato inválido: se encontró {} y se esperaba {}",
            describe_unexpected(found),
            describe_expected(expected)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "otro valor"));
        return format!(
            "valor inválido: se encontró {} y se esperaba {}",
            describe_unexpected(found),
            describe_expected(expected)
        );
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("falta el campo obligatorio {rest}");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let variant = rest.split(',').next().unwrap_or(rest);
        return format!("valor no reconocido {variant}");
    }
    if message.starts_with("data did not match") {
        return "el valor no tiene ninguna de las formas aceptadas".to_string();
    }
    // Our own `expecting` texts are already Spanish.
    message.to_string()
}

fn describe_unexpected(found: &str) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        return format!("el texto {text}");
    }
    if let Some(n) = found.strip_prefix("integer ") {
        return format!("el número {}", n.trim_matches('`'));
    }
    if let Some(n) = found.strip_prefix("floating point ") {
        return format!("el número {}", n.trim_matches('`'));
    }
    if let Some(b) = found.strip_prefix("boolean ") {
        return format!("el valor {}", b.trim_matches('`'));
    }
    match found {
        "sequence" => "una lista".into(),
        "map" => "un objeto".into(),
        "unit value" | "null" => "null".into(),
        other => other.to_string(),
    }
}

fn describe_expected(expected: &str) -> String {
    let expected = expected.trim();
    if expected.starts_with("struct ") || expected == "a map" {
        return "un objeto { ... }".into();
    }
    if expected.starts_with("a sequence") {
        return "una lista [ ... ]".into();
    }
    match expected {
        "a string" => "un texto".into(),
        "u8" | "u16" | "u32" | "u64" | "usize" => "un número entero no negativo".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "un número entero".into(),
        "f32" | "f64" => "un número".into(),
        "a boolean" => "verdadero o falso".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_byte_order_mark() {
        let json = b"\xEF\xBB\xBF{\"id_atencion\": 7, \"paciente\": {\"sexo\": \"F\"}}";
        let episode = parse_episode(json).unwrap();
        assert_eq!(episode.id_atencion.as_deref(), Some("7"));
    }

    #[test]
    fn says_what_is_wrong_with_bad_files() {
        assert_eq!(parse_episode(b""), Err(ImportError::Empty));
        assert_eq!(parse_episode(b"  \n "), Err(ImportError::Empty));
        assert_eq!(
            parse_episode(b"[1, 2]"),
            Err(ImportError::NotAnObject {
                found: "una lista ([ ... ])"
            })
        );
        assert!(matches!(
            parse_episode(b"{\"id_atencion\": \"A\",\n \"paciente\": {"),
            Err(ImportError::Truncated { line: 2, .. })
        ));
        assert_eq!(
            parse_episode(b"{\"a\": \"\xff\"}"),
            Err(ImportError::NotUtf8 { offset: 7 })
        );
        let big = vec![b' '; MAX_EPISODE_BYTES + 1];
        assert!(matches!(
            parse_episode(&big),
            Err(ImportError::TooLarge { .. })
        ));
    }

    #[test]
    fn syntax_errors_have_line_and_column_in_spanish() {
        let error = parse_episode(b"{\n  \"id_atencion\": \"A\"\n  \"x\": 1\n}").unwrap_err();
        assert_eq!(
            error.to_string(),
            "JSON inválido en la línea 3, columna 3: falta una coma o una llave de cierre }"
        );
    }

    #[test]
    fn wrong_types_name_the_field() {
        let error = parse_episode(br#"{"paciente": {"edad": "cincuenta"}}"#).unwrap_err();
        let ImportError::WrongType { path, detail, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(path, "paciente.edad");
        assert!(detail.contains("edad en años"), "{detail}");

        let error = parse_episode(br#"{"diagnostico_egreso": "J18.9"}"#).unwrap_err();
        let ImportError::WrongType { path, detail, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(path, "diagnostico_egreso");
        assert!(detail.contains("lista"), "{detail}");

        let error = parse_episode(br#"{"indicaciones_alta": {"controles": [1]}}"#).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("indicaciones_alta.controles[0]: "),
            "{error}"
        );
    }
}
