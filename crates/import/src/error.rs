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

kinds::error_kind! {
    /// What kind of failure an [`Error`] is. Serialised as the snake_case word
    /// the UI and `--format json` have always seen; the UI's TypeScript union
    /// is generated from [`ErrorKind::ALL`].
    pub enum ErrorKind {
        /// [`Error::NotAFolder`].
        NoEsCarpeta => "no_es_carpeta",
        /// [`Error::MissingConfig`].
        FaltaConfig => "falta_config",
        /// [`Error::BadConfig`].
        ConfigInvalida => "config_invalida",
        /// [`Error::UnsupportedArchitecture`].
        ArquitecturaNoSoportada => "arquitectura_no_soportada",
        /// [`Error::MissingWeights`].
        FaltanPesos => "faltan_pesos",
        /// [`Error::MissingShard`].
        FaltaParte => "falta_parte",
        /// [`Error::Truncated`].
        SafetensorsIncompleto => "safetensors_incompleto",
        /// [`Error::Corrupt`].
        SafetensorsDanado => "safetensors_danado",
        /// [`Error::UnsupportedDtype`].
        TipoNoSoportado => "tipo_no_soportado",
        /// [`Error::MissingTensor`].
        TensorFaltante => "tensor_faltante",
        /// [`Error::ShapeMismatch`].
        FormaDistinta => "forma_distinta",
        /// [`Error::MissingTokenizer`].
        FaltaTokenizador => "falta_tokenizador",
        /// [`Error::TokenizerTooLarge`].
        VocabularioDistinto => "vocabulario_distinto",
        /// [`Error::NonFinite`].
        PesosNoFinitos => "pesos_no_finitos",
        /// [`Error::F16Overflow`].
        DesbordeF16 => "desborde_f16",
        /// [`Error::BadAdapter`].
        AdaptadorInvalido => "adaptador_invalido",
        /// [`Error::UnsupportedAdapterModule`].
        AdaptadorNoSoportado => "adaptador_no_soportado",
        /// [`Error::AdapterForOtherBase`].
        AdaptadorDeOtroModelo => "adaptador_de_otro_modelo",
        /// [`Error::NoSpace`].
        SinEspacio => "sin_espacio",
        /// [`Error::OutputExists`].
        DestinoExiste => "destino_existe",
        /// [`Error::CorpusTooShort`].
        TextoCorto => "texto_corto",
        /// [`Error::Cancelled`].
        Cancelado => "cancelado",
        /// [`Error::Io`].
        Archivo => "archivo",
    }
    from {
        /// The engine's own kind, as it is.
        Engine(engine::ErrorKind),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
