//! Commands the UI invokes, one module per area of the window. Each command
//! is listed in `command_names.rs` and granted in `capabilities/main.json`;
//! a test keeps the three in step. Commands only translate: the work is
//! done by `pipeline`, `store`, `engine` and `import`.

pub mod app;
pub mod drafts;
pub mod episode;
pub mod generation;
pub mod import;
pub mod model;
pub mod settings;
pub mod templates;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
