//! The worker thread that owns the model. candle's forward pass needs
//! `&mut` access and a generation runs for seconds, so one thread holds the
//! session and takes requests from a channel; each request answers on its
//! own channel of events and has its own cancel token.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::error::{Error, Result};
use crate::model::LoadWatch;
use crate::sampler::Sampling;
use crate::session::{compute_pool, CancelToken, Event, LoadOptions, LoadedInfo, Session};
use crate::template::{ChatMessage, ChatTemplate};
use crate::tokenizer::TextTokenizer;

/// What to generate: chat messages (rendered with the model's template) or
/// ready token ids (benchmarks).
#[derive(Debug, Clone)]
pub enum Prompt {
    /// Messages the chat template renders.
    Chat(Vec<ChatMessage>),
    /// Ids as they are (the bench, the perplexity).
    Tokens(Vec<u32>),
}

/// One generation asked of the engine.
#[derive(Debug, Clone)]
pub struct Request {
    /// What to continue.
    pub prompt: Prompt,
    /// How to draw the tokens.
    pub sampling: Sampling,
}

/// A running request: its events, in order, ending with `Finished` or
/// `Failed`; and the token that cancels it.
#[derive(Debug)]
pub struct Generation {
    /// The generation's events.
    pub events: Receiver<Event>,
    /// Set it to stop the generation.
    pub cancel: CancelToken,
}

enum Command {
    Generate {
        request: Request,
        events: Sender<Event>,
        cancel: CancelToken,
    },
}

/// Handle to the worker. Dropping it stops the worker after the request in
/// progress (which a dropped receiver cancels at the next token).
pub struct Engine {
    commands: Option<Sender<Command>>,
    info: LoadedInfo,
    tokenizer: Arc<TextTokenizer>,
    template: Arc<ChatTemplate>,
    fingerprint: crate::fingerprint::Fingerprint,
    thread: Option<JoinHandle<()>>,
}

impl Engine {
    /// Starts the worker and loads the model on it. Blocks until the model
    /// is loaded, the load fails, or `cancel` is set (then
    /// [`Error::LoadCancelled`]).
    pub fn start(options: LoadOptions, cancel: CancelToken) -> Result<Engine> {
        Engine::start_with_progress(options, cancel, |_| {})
    }

    /// Like [`Engine::start`], telling `progress` the share of the weights
    /// read (0 to 1) as the load goes, for a progress bar.
    pub fn start_with_progress(
        options: LoadOptions,
        cancel: CancelToken,
        progress: impl Fn(f32) + Send + 'static,
    ) -> Result<Engine> {
        let model_path = options.model.clone();
        let (ready_tx, ready_rx) = mpsc::channel();
        let (commands, command_rx) = mpsc::channel::<Command>();
        let thread = std::thread::Builder::new()
            .name("epicrisis-modelo".into())
            .spawn(move || {
                let pool = match compute_pool(options.threads) {
                    Ok(pool) => pool,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                pool.install(move || {
                    let watch = LoadWatch {
                        cancelled: &|| cancel.is_cancelled(),
                        progress: &progress,
                    };
                    let session = Session::load(&options, watch);
                    let mut session = match session {
                        Ok(s) => {
                            let shared = (
                                s.info().clone(),
                                s.tokenizer().clone(),
                                s.template().clone(),
                            );
                            if ready_tx.send(Ok(shared)).is_err() {
                                return;
                            }
                            s
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    while let Ok(command) = command_rx.recv() {
                        match command {
                            Command::Generate {
                                request,
                                events,
                                cancel,
                            } => run(&mut session, request, &events, &cancel),
                        }
                    }
                });
            })
            .map_err(|e| Error::Io {
                path: "hilo del modelo".into(),
                reason: e.to_string(),
            })?;
        match ready_rx.recv() {
            Ok(Ok((info, tokenizer, template))) => Ok(Engine {
                commands: Some(commands),
                info,
                tokenizer,
                template,
                fingerprint: crate::fingerprint::Fingerprint::start(&model_path),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(Error::WorkerGone)
            }
        }
    }

    /// What was loaded and how.
    pub fn info(&self) -> &LoadedInfo {
        &self.info
    }

    /// The loaded file's SHA-256 (hex), hashed in the background after the
    /// load; waits for it when it is still running. `None` when the file
    /// could not be read again.
    pub fn model_sha256(&self) -> Option<String> {
        self.fingerprint.wait()
    }

    /// Counts tokens as the prompt will be encoded, for fitting the episode
    /// into the context before a request is made.
    pub fn count_tokens(&self, text: &str) -> usize {
        self.tokenizer
            .encode(text)
            .map_or(text.len(), |ids| ids.len())
    }

    /// The model's tokenizer.
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// The model's chat template.
    pub fn template(&self) -> &ChatTemplate {
        &self.template
    }

    /// Queues a request; events arrive on the returned receiver.
    pub fn generate(&self, request: Request) -> Result<Generation> {
        self.generate_with_cancel(request, CancelToken::new())
    }

    /// Like [`Engine::generate`] with the caller's token, so that a stop
    /// reaches the worker directly, during prefill too, rather than when the
    /// caller next hears from it.
    pub fn generate_with_cancel(
        &self,
        request: Request,
        cancel: CancelToken,
    ) -> Result<Generation> {
        let (events, rx) = mpsc::channel();
        self.commands
            .as_ref()
            .ok_or(Error::WorkerGone)?
            .send(Command::Generate {
                request,
                events,
                cancel: cancel.clone(),
            })
            .map_err(|_| Error::WorkerGone)?;
        Ok(Generation { events: rx, cancel })
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.commands.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(session: &mut Session, request: Request, events: &Sender<Event>, cancel: &CancelToken) {
    let ids = match request.prompt {
        Prompt::Tokens(ids) => Ok(ids),
        Prompt::Chat(messages) => session.prompt_ids(&messages),
    };
    let result = ids.and_then(|ids| {
        session.generate(&ids, &request.sampling, cancel, &mut |event| {
            // A receiver that went away means nobody wants the rest.
            if events.send(event).is_err() {
                cancel.cancel();
            }
        })
    });
    let last = match result {
        Ok((reason, stats)) => Event::Finished { reason, stats },
        Err(error) => Event::Failed { error },
    };
    let _ = events.send(last);
}
