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

pub type Result<T, E = Error> = std::result::Result<T, E>;
