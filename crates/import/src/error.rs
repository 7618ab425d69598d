use std::path::PathBuf;

/// Everything that stops an import. Messages are Spanish because they reach
/// the clinician or the IT department; each names the file, the tensor or
/// the module, and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{folder}: no es una carpeta; elija la carpeta del modelo afinado (la que contiene config.json)")]
    NotAFolder { folder: PathBuf },
    #[error("{folder}: falta config.json; elija la carpeta que dejó el ajuste fino (con config.json, los .safetensors y tokenizer.json)")]
    MissingConfig { folder: PathBuf },
    #[error("{path}: el dato «{key}» es inválido: {reason}")]
    BadConfig {
        path: PathBuf,
        key: String,
        reason: String,
    },
    #[error(
        "{path}: la arquitectura «{found}» no se puede importar; Epicrisis importa {supported}"
    )]
    UnsupportedArchitecture {
        path: PathBuf,
        found: String,
        supported: &'static str,
    },
    #[error("{folder}: no hay pesos: falta model.safetensors (o model.safetensors.index.json con sus partes); los pesos en .bin o .pt no se importan, guárdelos como safetensors")]
    MissingWeights { folder: PathBuf },
    #[error("{index}: el índice nombra la parte «{shard}», que no está en la carpeta; copie la carpeta completa")]
    MissingShard { index: PathBuf, shard: String },
    #[error("{path}: el archivo safetensors está incompleto: {reason}; la copia se interrumpió, vuelva a copiarlo")]
    Truncated { path: PathBuf, reason: String },
    #[error("{path}: el archivo safetensors está dañado: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "{path}: el tensor «{tensor}» está en {dtype}; Epicrisis importa pesos en BF16, F16 o F32"
    )]
    UnsupportedDtype {
        path: PathBuf,
        tensor: String,
        dtype: String,
    },
    #[error("{folder}: falta el tensor «{tensor}»; el modelo no está completo o no es un {architecture}")]
    MissingTensor {
        folder: PathBuf,
        tensor: String,
        architecture: String,
    },
    #[error("{folder}: el tensor «{tensor}» mide {found:?} y config.json pide {expected:?}; los pesos no corresponden a config.json")]
    ShapeMismatch {
        folder: PathBuf,
        tensor: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error("{folder}: falta tokenizer.json; cópielo desde el modelo base a la carpeta del modelo afinado")]
    MissingTokenizer { folder: PathBuf },
    #[error("{folder}: el tokenizador tiene {tokenizer} tokens y la tabla de embeddings {rows} filas; tokenizer.json no es el de este modelo")]
    TokenizerTooLarge {
        folder: PathBuf,
        tokenizer: usize,
        rows: usize,
    },
    #[error("el tensor «{tensor}» tiene valores inválidos (NaN o infinito) en la fila {row}; el ajuste fino se dañó (suele ser un entrenamiento en fp16 que desbordó): vuelva a guardar el modelo desde un punto de control sano")]
    NonFinite { tensor: String, row: usize },
    #[error("el tensor «{tensor}» tiene el valor {value}, fuera del rango de F16 (±65504): en F16 se volvería infinito; importe en BF16 o Q8_0")]
    F16Overflow { tensor: String, value: f32 },
    #[error("{path}: el adaptador no se puede aplicar: {reason}")]
    BadAdapter { path: PathBuf, reason: String },
    #[error("{path}: el adaptador modifica «{module}», que Epicrisis no sabe combinar ({reason}); se combinan adaptadores LoRA de q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj y down_proj")]
    UnsupportedAdapterModule {
        path: PathBuf,
        module: String,
        reason: String,
    },
    #[error("{path}: el adaptador no es de este modelo base: «{module}» {reason}; elija el modelo base con el que se entrenó el adaptador")]
    AdapterForOtherBase {
        path: PathBuf,
        module: String,
        reason: String,
    },
    #[error("{folder}: no hay espacio en el disco: la importación necesita {needed_mb} MB y quedan {available_mb} MB libres; libere espacio o elija otra carpeta de destino")]
    NoSpace {
        folder: PathBuf,
        needed_mb: u64,
        available_mb: u64,
    },
    #[error("{path}: ya existe; elija otro nombre de archivo o bórrelo primero")]
    OutputExists { path: PathBuf },
    #[error("{path}: el texto de evaluación tiene {tokens} tokens y se necesitan al menos {needed}; elija un texto más largo")]
    CorpusTooShort {
        path: PathBuf,
        tokens: usize,
        needed: usize,
    },
    #[error("la importación fue cancelada; no quedó ningún archivo a medias")]
    Cancelled,
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error(transparent)]
    Engine(#[from] engine::Error),
}

impl Error {
    /// What kind of failure this is: the stable identifier JSON output
    /// and the UI branch on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotAFolder { .. } => ErrorKind::NoEsCarpeta,
            Error::MissingConfig { .. } => ErrorKind::FaltaConfig,
            Error::BadConfig { .. } => ErrorKind::ConfigInvalida,
            Error::UnsupportedArchitecture { .. } => ErrorKind::ArquitecturaNoSoportada,
            Error::MissingWeights { .. } => ErrorKind::FaltanPesos,
            Error::MissingShard { .. } => ErrorKind::FaltaParte,
            Error::Truncated { .. } => ErrorKind::SafetensorsIncompleto,
            Error::Corrupt { .. } => ErrorKind::SafetensorsDanado,
            Error::UnsupportedDtype { .. } => ErrorKind::TipoNoSoportado,
            Error::MissingTensor { .. } => ErrorKind::TensorFaltante,
            Error::ShapeMismatch { .. } => ErrorKind::FormaDistinta,
            Error::MissingTokenizer { .. } => ErrorKind::FaltaTokenizador,
            Error::TokenizerTooLarge { .. } => ErrorKind::VocabularioDistinto,
            Error::NonFinite { .. } => ErrorKind::PesosNoFinitos,
            Error::F16Overflow { .. } => ErrorKind::DesbordeF16,
            Error::BadAdapter { .. } => ErrorKind::AdaptadorInvalido,
            Error::UnsupportedAdapterModule { .. } => ErrorKind::AdaptadorNoSoportado,
            Error::AdapterForOtherBase { .. } => ErrorKind::AdaptadorDeOtroModelo,
            Error::NoSpace { .. } => ErrorKind::SinEspacio,
            Error::OutputExists { .. } => ErrorKind::DestinoExiste,
            Error::CorpusTooShort { .. } => ErrorKind::TextoCorto,
            Error::Cancelled => ErrorKind::Cancelado,
            Error::Io { .. } => ErrorKind::Archivo,
            Error::Engine(e) => ErrorKind::Engine(e.kind()),
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
    /// [`Error::NotAFolder`].
    NoEsCarpeta,
    /// [`Error::MissingConfig`].
    FaltaConfig,
    /// [`Error::BadConfig`].
    ConfigInvalida,
    /// [`Error::UnsupportedArchitecture`].
    ArquitecturaNoSoportada,
    /// [`Error::MissingWeights`].
    FaltanPesos,
    /// [`Error::MissingShard`].
    FaltaParte,
    /// [`Error::Truncated`].
    SafetensorsIncompleto,
    /// [`Error::Corrupt`].
    SafetensorsDanado,
    /// [`Error::UnsupportedDtype`].
    TipoNoSoportado,
    /// [`Error::MissingTensor`].
    TensorFaltante,
    /// [`Error::ShapeMismatch`].
    FormaDistinta,
    /// [`Error::MissingTokenizer`].
    FaltaTokenizador,
    /// [`Error::TokenizerTooLarge`].
    VocabularioDistinto,
    /// [`Error::NonFinite`].
    PesosNoFinitos,
    /// [`Error::F16Overflow`].
    DesbordeF16,
    /// [`Error::BadAdapter`].
    AdaptadorInvalido,
    /// [`Error::UnsupportedAdapterModule`].
    AdaptadorNoSoportado,
    /// [`Error::AdapterForOtherBase`].
    AdaptadorDeOtroModelo,
    /// [`Error::NoSpace`].
    SinEspacio,
    /// [`Error::OutputExists`].
    DestinoExiste,
    /// [`Error::CorpusTooShort`].
    TextoCorto,
    /// [`Error::Cancelled`].
    Cancelado,
    /// [`Error::Io`].
    Archivo,
    /// The engine's own kind, as it is.
    #[serde(untagged)]
    Engine(engine::ErrorKind),
}

impl ErrorKind {
    /// Every kind of this crate's own (a delegated kind lists itself in its
    /// crate), for the UI's generated union.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::NoEsCarpeta,
        ErrorKind::FaltaConfig,
        ErrorKind::ConfigInvalida,
        ErrorKind::ArquitecturaNoSoportada,
        ErrorKind::FaltanPesos,
        ErrorKind::FaltaParte,
        ErrorKind::SafetensorsIncompleto,
        ErrorKind::SafetensorsDanado,
        ErrorKind::TipoNoSoportado,
        ErrorKind::TensorFaltante,
        ErrorKind::FormaDistinta,
        ErrorKind::FaltaTokenizador,
        ErrorKind::VocabularioDistinto,
        ErrorKind::PesosNoFinitos,
        ErrorKind::DesbordeF16,
        ErrorKind::AdaptadorInvalido,
        ErrorKind::AdaptadorNoSoportado,
        ErrorKind::AdaptadorDeOtroModelo,
        ErrorKind::SinEspacio,
        ErrorKind::DestinoExiste,
        ErrorKind::TextoCorto,
        ErrorKind::Cancelado,
        ErrorKind::Archivo,
    ];

    /// The word, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NoEsCarpeta => "no_es_carpeta",
            ErrorKind::FaltaConfig => "falta_config",
            ErrorKind::ConfigInvalida => "config_invalida",
            ErrorKind::ArquitecturaNoSoportada => "arquitectura_no_soportada",
            ErrorKind::FaltanPesos => "faltan_pesos",
            ErrorKind::FaltaParte => "falta_parte",
            ErrorKind::SafetensorsIncompleto => "safetensors_incompleto",
            ErrorKind::SafetensorsDanado => "safetensors_danado",
            ErrorKind::TipoNoSoportado => "tipo_no_soportado",
            ErrorKind::TensorFaltante => "tensor_faltante",
            ErrorKind::FormaDistinta => "forma_distinta",
            ErrorKind::FaltaTokenizador => "falta_tokenizador",
            ErrorKind::VocabularioDistinto => "vocabulario_distinto",
            ErrorKind::PesosNoFinitos => "pesos_no_finitos",
            ErrorKind::DesbordeF16 => "desborde_f16",
            ErrorKind::AdaptadorInvalido => "adaptador_invalido",
            ErrorKind::AdaptadorNoSoportado => "adaptador_no_soportado",
            ErrorKind::AdaptadorDeOtroModelo => "adaptador_de_otro_modelo",
            ErrorKind::SinEspacio => "sin_espacio",
            ErrorKind::DestinoExiste => "destino_existe",
            ErrorKind::TextoCorto => "texto_corto",
            ErrorKind::Cancelado => "cancelado",
            ErrorKind::Archivo => "archivo",
            ErrorKind::Engine(kind) => kind.as_str(),
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
