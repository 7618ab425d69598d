use std::path::PathBuf;

/// Everything that stops an import. Messages are Spanish because they reach
/// the clinician or the IT department; each names the file, the tensor or
/// the module, and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path chosen is not a folder.
    #[error("{folder}: no es una carpeta; elija la carpeta del modelo afinado (la que contiene config.json)")]
    NotAFolder {
        /// The checkpoint folder.
        folder: PathBuf,
    },
    /// The folder has no `config.json`.
    #[error("{folder}: falta config.json; elija la carpeta que dejó el ajuste fino (con config.json, los .safetensors y tokenizer.json)")]
    MissingConfig {
        /// The checkpoint folder.
        folder: PathBuf,
    },
    /// A `config.json` value is missing or out of range.
    #[error("{path}: el dato «{key}» es inválido: {reason}")]
    BadConfig {
        /// The file.
        path: PathBuf,
        /// The `config.json` key.
        key: String,
        /// Why, in Spanish.
        reason: String,
    },
    /// The model class is not one we import.
    #[error(
        "{path}: la arquitectura «{found}» no se puede importar; Epicrisis importa {supported}"
    )]
    UnsupportedArchitecture {
        /// The file.
        path: PathBuf,
        /// What the file has.
        found: String,
        /// What we import.
        supported: &'static str,
    },
    /// No safetensors weights in the folder.
    #[error("{folder}: no hay pesos: falta model.safetensors (o model.safetensors.index.json con sus partes); los pesos en .bin o .pt no se importan, guárdelos como safetensors")]
    MissingWeights {
        /// The checkpoint folder.
        folder: PathBuf,
    },
    /// The shard index names a file the folder lacks.
    #[error("{index}: el índice nombra la parte «{shard}», que no está en la carpeta; copie la carpeta completa")]
    MissingShard {
        /// The shard index file.
        index: PathBuf,
        /// The missing shard's name.
        shard: String,
    },
    /// A safetensors file ends early (an interrupted copy).
    #[error("{path}: el archivo safetensors está incompleto: {reason}; la copia se interrumpió, vuelva a copiarlo")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Why, in Spanish.
        reason: String,
    },
    /// A safetensors file's header or offsets are wrong.
    #[error("{path}: el archivo safetensors está dañado: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why, in Spanish.
        reason: String,
    },
    /// A tensor in a type other than BF16, F16 or F32.
    #[error(
        "{path}: el tensor «{tensor}» está en {dtype}; Epicrisis importa pesos en BF16, F16 o F32"
    )]
    UnsupportedDtype {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// Its type.
        dtype: String,
    },
    /// A tensor the architecture needs is absent.
    #[error("{folder}: falta el tensor «{tensor}»; el modelo no está completo o no es un {architecture}")]
    MissingTensor {
        /// The checkpoint folder.
        folder: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// The architecture the folder claims.
        architecture: String,
    },
    /// A tensor's shape disagrees with `config.json`.
    #[error("{folder}: el tensor «{tensor}» mide {found:?} y config.json pide {expected:?}; los pesos no corresponden a config.json")]
    ShapeMismatch {
        /// The checkpoint folder.
        folder: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// What `config.json` implies.
        expected: Vec<usize>,
        /// What the file has.
        found: Vec<usize>,
    },
    /// The folder has no `tokenizer.json`.
    #[error("{folder}: falta tokenizer.json; cópielo desde el modelo base a la carpeta del modelo afinado")]
    MissingTokenizer {
        /// The checkpoint folder.
        folder: PathBuf,
    },
    /// The tokenizer has more tokens than the embedding rows.
    #[error("{folder}: el tokenizador tiene {tokenizer} tokens y la tabla de embeddings {rows} filas; tokenizer.json no es el de este modelo")]
    TokenizerTooLarge {
        /// The checkpoint folder.
        folder: PathBuf,
        /// Tokens in `tokenizer.json`.
        tokenizer: usize,
        /// Rows of the embedding table.
        rows: usize,
    },
    /// NaN or infinity in a tensor (a diverged fp16 fine-tune).
    #[error("el tensor «{tensor}» tiene valores inválidos (NaN o infinito) en la fila {row}; el ajuste fino se dañó (suele ser un entrenamiento en fp16 que desbordó): vuelva a guardar el modelo desde un punto de control sano")]
    NonFinite {
        /// The tensor's name.
        tensor: String,
        /// The first bad row.
        row: usize,
    },
    /// A value F16 cannot hold, when importing to F16.
    #[error("el tensor «{tensor}» tiene el valor {value}, fuera del rango de F16 (±65504): en F16 se volvería infinito; importe en BF16 o Q8_0")]
    F16Overflow {
        /// The tensor's name.
        tensor: String,
        /// The value.
        value: f32,
    },
    /// The LoRA adapter cannot be read or applied.
    #[error("{path}: el adaptador no se puede aplicar: {reason}")]
    BadAdapter {
        /// The file.
        path: PathBuf,
        /// Why, in Spanish.
        reason: String,
    },
    /// The adapter changes a module we do not merge.
    #[error("{path}: el adaptador modifica «{module}», que Epicrisis no sabe combinar ({reason}); se combinan adaptadores LoRA de q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj y down_proj")]
    UnsupportedAdapterModule {
        /// The file.
        path: PathBuf,
        /// The module's name.
        module: String,
        /// Why, in Spanish.
        reason: String,
    },
    /// The adapter was trained on another base model.
    #[error("{path}: el adaptador no es de este modelo base: «{module}» {reason}; elija el modelo base con el que se entrenó el adaptador")]
    AdapterForOtherBase {
        /// The file.
        path: PathBuf,
        /// The module's name.
        module: String,
        /// Why, in Spanish.
        reason: String,
    },
    /// Not enough disk for the output.
    #[error("{folder}: no hay espacio en el disco: la importación necesita {needed_mb} MB y quedan {available_mb} MB libres; libere espacio o elija otra carpeta de destino")]
    NoSpace {
        /// The checkpoint folder.
        folder: PathBuf,
        /// Megabytes the import needs.
        needed_mb: u64,
        /// Megabytes free.
        available_mb: u64,
    },
    /// The output file exists already (never overwritten).
    #[error("{path}: ya existe; elija otro nombre de archivo o bórrelo primero")]
    OutputExists {
        /// The file.
        path: PathBuf,
    },
    /// The evaluation text is too short to measure.
    #[error("{path}: el texto de evaluación tiene {tokens} tokens y se necesitan al menos {needed}; elija un texto más largo")]
    CorpusTooShort {
        /// The file.
        path: PathBuf,
        /// Tokens in the text.
        tokens: usize,
        /// Tokens needed.
        needed: usize,
    },
    /// The clinician cancelled; nothing half-written was left.
    #[error("la importación fue cancelada; no quedó ningún archivo a medias")]
    Cancelled,
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why, in Spanish.
        reason: String,
    },
    /// The engine refused the written file, or failed measuring it.
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

/// This crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
