use std::path::PathBuf;

/// Everything that can go wrong while loading or running a model. Messages
/// are Spanish because they reach the clinician; each names the file and
/// says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model file does not exist.
    #[error("{path}: el archivo del modelo no existe; elija un archivo .gguf existente")]
    NotFound {
        /// The model (or tokenizer) file.
        path: PathBuf,
    },
    /// A folder was chosen instead of a file.
    #[error(
        "{path}: es una carpeta, no un archivo de modelo; elija el archivo .gguf dentro de ella"
    )]
    IsDirectory {
        /// The model (or tokenizer) file.
        path: PathBuf,
    },
    /// The file has no bytes.
    #[error("{path}: el archivo está vacío (0 bytes); vuelva a copiarlo o descargarlo")]
    Empty {
        /// The model (or tokenizer) file.
        path: PathBuf,
    },
    /// The file does not start with GGUF's magic.
    #[error("{path}: no es un modelo GGUF (los primeros bytes son {found:?}, se esperaba «GGUF»); elija un archivo .gguf")]
    NotGguf {
        /// The model (or tokenizer) file.
        path: PathBuf,
        /// What the file has.
        found: String,
    },
    /// The GGUF header or its tables cannot be read.
    #[error("{path}: el archivo GGUF está dañado: {reason}; vuelva a copiarlo o descargarlo")]
    Corrupt {
        /// The model (or tokenizer) file.
        path: PathBuf,
        /// Why, in Spanish.
        reason: String,
    },
    /// A tensor runs past the end of the file (an interrupted copy).
    #[error("{path}: el archivo está incompleto: el tensor «{tensor}» termina en el byte {needed} y el archivo mide {size} bytes; la copia o descarga se interrumpió, vuelva a hacerla")]
    Truncated {
        /// The model (or tokenizer) file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// Bytes the tensor needs.
        needed: u64,
        /// The file's size.
        size: u64,
    },
    /// An architecture the engine does not run.
    #[error("{path}: la arquitectura «{found}» no está soportada; Epicrisis ejecuta {supported}")]
    UnsupportedArchitecture {
        /// The model (or tokenizer) file.
        path: PathBuf,
        /// What the file has.
        found: String,
        /// What the engine runs.
        supported: &'static str,
    },
    /// A tensor stored in a type the engine does not read.
    #[error("{path}: el tensor «{tensor}» usa el tipo {dtype}, que Epicrisis no ejecuta; use una cuantización Q4_K_M, Q5_K_M, Q8_0 o F16")]
    UnsupportedTensorType {
        /// The model (or tokenizer) file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// Its type.
        dtype: String,
    },
    /// A tensor the architecture needs is absent.
    #[error(
        "{path}: falta el tensor «{tensor}»; el archivo no es un modelo {architecture} completo"
    )]
    MissingTensor {
        /// The model (or tokenizer) file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// The file's architecture.
        architecture: String,
    },
    /// A metadata key the architecture needs is absent.
    #[error("{path}: falta el dato «{key}» en la cabecera del modelo")]
    MissingMetadata {
        /// The model (or tokenizer) file.
        path: PathBuf,
        /// The metadata key.
        key: String,
    },
    /// A metadata value is out of range.
    #[error("{path}: el dato «{key}» de la cabecera es inválido: {reason}")]
    BadMetadata {
        /// The model (or tokenizer) file.
        path: PathBuf,
        /// The metadata key.
        key: String,
        /// Why, in Spanish.
        reason: String,
    },
    /// The tokenizer and the model disagree on the vocabulary.
    #[error("{path}: el tokenizador no corresponde al modelo: tiene {tokenizer} tokens y el modelo {model}; use el tokenizer.json del mismo modelo o quítelo para usar el del GGUF")]
    VocabularyMismatch {
        /// The model (or tokenizer) file.
        path: PathBuf,
        /// Tokens in the tokenizer.
        tokenizer: usize,
        /// Rows of the model's embedding.
        model: usize,
    },
    /// The tokenizer cannot be built.
    #[error("{path}: no se pudo leer el tokenizador: {reason}")]
    Tokenizer {
        /// The model (or tokenizer) file.
        path: PathBuf,
        /// Why, in Spanish.
        reason: String,
    },
    /// The chat template cannot be rendered.
    #[error("la plantilla de chat del modelo no se pudo usar: {reason}")]
    Template {
        /// Why, in Spanish.
        reason: String,
    },
    /// More context asked for than the model supports.
    #[error("se pidió un contexto de {requested} tokens y el modelo admite hasta {max}; elija un contexto menor")]
    ContextTooLarge {
        /// Tokens asked for.
        requested: usize,
        /// The model's maximum.
        max: usize,
    },
    /// The prompt leaves no room for the answer.
    #[error("el texto de entrada no cabe en el contexto: tiene {prompt} tokens, se reservan {reserve} para la respuesta y el contexto es de {context}; acorte el episodio o aumente el contexto")]
    PromptTooLong {
        /// Prompt tokens.
        prompt: usize,
        /// Tokens kept for the answer.
        reserve: usize,
        /// The context allocated.
        context: usize,
    },
    /// Nothing to generate from.
    #[error("el texto de entrada está vacío; no hay nada que procesar")]
    EmptyPrompt,
    /// The model produced NaN or infinity.
    #[error("el modelo produjo valores numéricos inválidos (NaN o infinito) en el token {position}; el archivo del modelo está numéricamente dañado (frecuente en modelos ajustados convertidos a fp16): pruebe otra cuantización, por ejemplo Q8_0 o Q4_K_M")]
    NonFinite {
        /// The token position.
        position: usize,
    },
    /// A request's parameter is out of range.
    #[error("parámetro inválido: {0}")]
    Invalid(String),
    /// Generated ids that do not decode to text.
    #[error("no se pudo procesar el texto: {0}")]
    Text(String),
    /// The CPU lacks an instruction set the build needs.
    #[error("este computador no tiene las instrucciones {missing} que Epicrisis necesita para ejecutar el modelo (procesadores de 2015 en adelante las tienen); la redacción sin modelo sigue disponible")]
    CpuUnsupported {
        /// The instruction sets missing.
        missing: String,
    },
    /// A generation was stopped.
    #[error("el cálculo fue cancelado")]
    Cancelled,
    /// A load was stopped.
    #[error("la carga del modelo fue cancelada")]
    LoadCancelled,
    /// The engine's worker thread ended.
    #[error("el motor del modelo se detuvo inesperadamente; vuelva a cargar el modelo")]
    WorkerGone,
    /// A file could not be read.
    #[error("{path}: {reason}")]
    Io {
        /// The model (or tokenizer) file.
        path: PathBuf,
        /// Why, in Spanish.
        reason: String,
    },
    /// candle's own error (devices, tensors).
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

kinds::error_kind! {
    /// What kind of failure an [`Error`] is. Serialised as the snake_case word
    /// the UI and `--format json` have always seen; the UI's TypeScript union
    /// is generated from [`ErrorKind::ALL`].
    pub enum ErrorKind {
        /// [`Error::NotFound`].
        ModeloInexistente => "modelo_inexistente",
        /// [`Error::IsDirectory`].
        ModeloEsCarpeta => "modelo_es_carpeta",
        /// [`Error::Empty`].
        ModeloVacio => "modelo_vacio",
        /// [`Error::NotGguf`].
        NoEsGguf => "no_es_gguf",
        /// [`Error::Corrupt`].
        GgufDanado => "gguf_danado",
        /// [`Error::Truncated`].
        GgufIncompleto => "gguf_incompleto",
        /// [`Error::UnsupportedArchitecture`].
        ArquitecturaNoSoportada => "arquitectura_no_soportada",
        /// [`Error::UnsupportedTensorType`].
        TipoTensorNoSoportado => "tipo_tensor_no_soportado",
        /// [`Error::MissingTensor`].
        TensorFaltante => "tensor_faltante",
        /// [`Error::MissingMetadata`], [`Error::BadMetadata`].
        CabeceraInvalida => "cabecera_invalida",
        /// [`Error::VocabularyMismatch`].
        VocabularioDistinto => "vocabulario_distinto",
        /// [`Error::Tokenizer`].
        Tokenizador => "tokenizador",
        /// [`Error::Template`].
        Plantilla => "plantilla",
        /// [`Error::ContextTooLarge`].
        ContextoExcesivo => "contexto_excesivo",
        /// [`Error::PromptTooLong`].
        EntradaNoCabe => "entrada_no_cabe",
        /// [`Error::EmptyPrompt`].
        EntradaVacia => "entrada_vacia",
        /// [`Error::NonFinite`].
        ModeloNumericamenteDanado => "modelo_numericamente_danado",
        /// [`Error::Invalid`].
        ParametroInvalido => "parametro_invalido",
        /// [`Error::Text`].
        Texto => "texto",
        /// [`Error::CpuUnsupported`].
        CpuNoSoportada => "cpu_no_soportada",
        /// [`Error::Cancelled`].
        Cancelado => "cancelado",
        /// [`Error::LoadCancelled`].
        CargaCancelada => "carga_cancelada",
        /// [`Error::WorkerGone`].
        MotorDetenido => "motor_detenido",
        /// [`Error::Io`].
        Archivo => "archivo",
        /// [`Error::Candle`].
        Motor => "motor",
    }
}

/// This crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
