use std::path::PathBuf;

/// Everything that can go wrong while loading or running a model. Messages
/// are Spanish because they reach the clinician; each names the file and
/// says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: el archivo del modelo no existe; elija un archivo .gguf existente")]
    NotFound { path: PathBuf },
    #[error(
        "{path}: es una carpeta, no un archivo de modelo; elija el archivo .gguf dentro de ella"
    )]
    IsDirectory { path: PathBuf },
    #[error("{path}: el archivo está vacío (0 bytes); vuelva a copiarlo o descargarlo")]
    Empty { path: PathBuf },
    #[error("{path}: no es un modelo GGUF (los primeros bytes son {found:?}, se esperaba «GGUF»); elija un archivo .gguf")]
    NotGguf { path: PathBuf, found: String },
    #[error("{path}: el archivo GGUF está dañado: {reason}; vuelva a copiarlo o descargarlo")]
    Corrupt { path: PathBuf, reason: String },
    #[error("{path}: el archivo está incompleto: el tensor «{tensor}» termina en el byte {needed} y el archivo mide {size} bytes; la copia o descarga se interrumpió, vuelva a hacerla")]
    Truncated {
        path: PathBuf,
        tensor: String,
        needed: u64,
        size: u64,
    },
    #[error("{path}: la arquitectura «{found}» no está soportada; Epicrisis ejecuta {supported}")]
    UnsupportedArchitecture {
        path: PathBuf,
        found: String,
        supported: &'static str,
    },
    #[error("{path}: el tensor «{tensor}» usa el tipo {dtype}, que Epicrisis no ejecuta; use una cuantización Q4_K_M, Q5_K_M, Q8_0 o F16")]
    UnsupportedTensorType {
        path: PathBuf,
        tensor: String,
        dtype: String,
    },
    #[error(
        "{path}: falta el tensor «{tensor}»; el archivo no es un modelo {architecture} completo"
    )]
    MissingTensor {
        path: PathBuf,
        tensor: String,
        architecture: String,
    },
    #[error("{path}: falta el dato «{key}» en la cabecera del modelo")]
    MissingMetadata { path: PathBuf, key: String },
    #[error("{path}: el dato «{key}» de la cabecera es inválido: {reason}")]
    BadMetadata {
        path: PathBuf,
        key: String,
        reason: String,
    },
    #[error("{path}: el tokenizador no corresponde al modelo: tiene {tokenizer} tokens y el modelo {model}; use el tokenizer.json del mismo modelo o quítelo para usar el del GGUF")]
    VocabularyMismatch {
        path: PathBuf,
        tokenizer: usize,
        model: usize,
    },
    #[error("{path}: no se pudo leer el tokenizador: {reason}")]
    Tokenizer { path: PathBuf, reason: String },
    #[error("la plantilla de chat del modelo no se pudo usar: {reason}")]
    Template { reason: String },
    #[error("se pidió un contexto de {requested} tokens y el modelo admite hasta {max}; elija un contexto menor")]
    ContextTooLarge { requested: usize, max: usize },
    #[error("el texto de entrada no cabe en el contexto: tiene {prompt} tokens, se reservan {reserve} para la respuesta y el contexto es de {context}; acorte el episodio o aumente el contexto")]
    PromptTooLong {
        prompt: usize,
        reserve: usize,
        context: usize,
    },
    #[error("el texto de entrada está vacío; no hay nada que procesar")]
    EmptyPrompt,
    #[error("el modelo produjo valores numéricos inválidos (NaN o infinito) en el token {position}; el archivo del modelo está numéricamente dañado (frecuente en modelos ajustados convertidos a fp16): pruebe otra cuantización, por ejemplo Q8_0 o Q4_K_M")]
    NonFinite { position: usize },
    #[error("parámetro inválido: {0}")]
    Invalid(String),
    #[error("no se pudo procesar el texto: {0}")]
    Text(String),
    #[error("este computador no tiene las instrucciones {missing} que Epicrisis necesita para ejecutar el modelo (procesadores de 2015 en adelante las tienen); la redacción sin modelo sigue disponible")]
    CpuUnsupported { missing: String },
    #[error("el cálculo fue cancelado")]
    Cancelled,
    #[error("la carga del modelo fue cancelada")]
    LoadCancelled,
    #[error("el motor del modelo se detuvo inesperadamente; vuelva a cargar el modelo")]
    WorkerGone,
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("error interno del motor de inferencia: {0}")]
    Candle(#[from] candle_core::Error),
}

impl Error {
    /// What kind of failure this is: the stable identifier JSON output
    /// and the UI branch on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::ModeloInexistente,
            Error::IsDirectory { .. } => ErrorKind::ModeloEsCarpeta,
            Error::Empty { .. } => ErrorKind::ModeloVacio,
            Error::NotGguf { .. } => ErrorKind::NoEsGguf,
            Error::Corrupt { .. } => ErrorKind::GgufDanado,
            Error::Truncated { .. } => ErrorKind::GgufIncompleto,
            Error::UnsupportedArchitecture { .. } => ErrorKind::ArquitecturaNoSoportada,
            Error::UnsupportedTensorType { .. } => ErrorKind::TipoTensorNoSoportado,
            Error::MissingTensor { .. } => ErrorKind::TensorFaltante,
            Error::MissingMetadata { .. } | Error::BadMetadata { .. } => {
                ErrorKind::CabeceraInvalida
            }
            Error::VocabularyMismatch { .. } => ErrorKind::VocabularioDistinto,
            Error::Tokenizer { .. } => ErrorKind::Tokenizador,
            Error::Template { .. } => ErrorKind::Plantilla,
            Error::ContextTooLarge { .. } => ErrorKind::ContextoExcesivo,
            Error::PromptTooLong { .. } => ErrorKind::EntradaNoCabe,
            Error::EmptyPrompt => ErrorKind::EntradaVacia,
            Error::NonFinite { .. } => ErrorKind::ModeloNumericamenteDanado,
            Error::Invalid(_) => ErrorKind::ParametroInvalido,
            Error::Text(_) => ErrorKind::Texto,
            Error::CpuUnsupported { .. } => ErrorKind::CpuNoSoportada,
            Error::Cancelled => ErrorKind::Cancelado,
            Error::LoadCancelled => ErrorKind::CargaCancelada,
            Error::WorkerGone => ErrorKind::MotorDetenido,
            Error::Io { .. } => ErrorKind::Archivo,
            Error::Candle(_) => ErrorKind::Motor,
        }
    }

    pub(crate) fn io(path: &std::path::Path, err: &std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            reason: err.to_string(),
        }
    }
}

/// What kind of failure an [`Error`] is. Serialised as the snake_case word
/// the UI and `--format json` have always seen; the UI's TypeScript union
/// is generated from [`ErrorKind::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// [`Error::NotFound`].
    ModeloInexistente,
    /// [`Error::IsDirectory`].
    ModeloEsCarpeta,
    /// [`Error::Empty`].
    ModeloVacio,
    /// [`Error::NotGguf`].
    NoEsGguf,
    /// [`Error::Corrupt`].
    GgufDanado,
    /// [`Error::Truncated`].
    GgufIncompleto,
    /// [`Error::UnsupportedArchitecture`].
    ArquitecturaNoSoportada,
    /// [`Error::UnsupportedTensorType`].
    TipoTensorNoSoportado,
    /// [`Error::MissingTensor`].
    TensorFaltante,
    /// [`Error::MissingMetadata`], [`Error::BadMetadata`].
    CabeceraInvalida,
    /// [`Error::VocabularyMismatch`].
    VocabularioDistinto,
    /// [`Error::Tokenizer`].
    Tokenizador,
    /// [`Error::Template`].
    Plantilla,
    /// [`Error::ContextTooLarge`].
    ContextoExcesivo,
    /// [`Error::PromptTooLong`].
    EntradaNoCabe,
    /// [`Error::EmptyPrompt`].
    EntradaVacia,
    /// [`Error::NonFinite`].
    ModeloNumericamenteDanado,
    /// [`Error::Invalid`].
    ParametroInvalido,
    /// [`Error::Text`].
    Texto,
    /// [`Error::CpuUnsupported`].
    CpuNoSoportada,
    /// [`Error::Cancelled`].
    Cancelado,
    /// [`Error::LoadCancelled`].
    CargaCancelada,
    /// [`Error::WorkerGone`].
    MotorDetenido,
    /// [`Error::Io`].
    Archivo,
    /// [`Error::Candle`].
    Motor,
}

impl ErrorKind {
    /// Every kind, for the UI's generated union.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::ModeloInexistente,
        ErrorKind::ModeloEsCarpeta,
        ErrorKind::ModeloVacio,
        ErrorKind::NoEsGguf,
        ErrorKind::GgufDanado,
        ErrorKind::GgufIncompleto,
        ErrorKind::ArquitecturaNoSoportada,
        ErrorKind::TipoTensorNoSoportado,
        ErrorKind::TensorFaltante,
        ErrorKind::CabeceraInvalida,
        ErrorKind::VocabularioDistinto,
        ErrorKind::Tokenizador,
        ErrorKind::Plantilla,
        ErrorKind::ContextoExcesivo,
        ErrorKind::EntradaNoCabe,
        ErrorKind::EntradaVacia,
        ErrorKind::ModeloNumericamenteDanado,
        ErrorKind::ParametroInvalido,
        ErrorKind::Texto,
        ErrorKind::CpuNoSoportada,
        ErrorKind::Cancelado,
        ErrorKind::CargaCancelada,
        ErrorKind::MotorDetenido,
        ErrorKind::Archivo,
        ErrorKind::Motor,
    ];

    /// The word, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::ModeloInexistente => "modelo_inexistente",
            ErrorKind::ModeloEsCarpeta => "modelo_es_carpeta",
            ErrorKind::ModeloVacio => "modelo_vacio",
            ErrorKind::NoEsGguf => "no_es_gguf",
            ErrorKind::GgufDanado => "gguf_danado",
            ErrorKind::GgufIncompleto => "gguf_incompleto",
            ErrorKind::ArquitecturaNoSoportada => "arquitectura_no_soportada",
            ErrorKind::TipoTensorNoSoportado => "tipo_tensor_no_soportado",
            ErrorKind::TensorFaltante => "tensor_faltante",
            ErrorKind::CabeceraInvalida => "cabecera_invalida",
            ErrorKind::VocabularioDistinto => "vocabulario_distinto",
            ErrorKind::Tokenizador => "tokenizador",
            ErrorKind::Plantilla => "plantilla",
            ErrorKind::ContextoExcesivo => "contexto_excesivo",
            ErrorKind::EntradaNoCabe => "entrada_no_cabe",
            ErrorKind::EntradaVacia => "entrada_vacia",
            ErrorKind::ModeloNumericamenteDanado => "modelo_numericamente_danado",
            ErrorKind::ParametroInvalido => "parametro_invalido",
            ErrorKind::Texto => "texto",
            ErrorKind::CpuNoSoportada => "cpu_no_soportada",
            ErrorKind::Cancelado => "cancelado",
            ErrorKind::CargaCancelada => "carga_cancelada",
            ErrorKind::MotorDetenido => "motor_detenido",
            ErrorKind::Archivo => "archivo",
            ErrorKind::Motor => "motor",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tests and tools compare kinds with their words.
impl PartialEq<&str> for ErrorKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
