//! Documents a hospital can file: the finished epicrisis and its episode
//! typeset as PDF (embedded fonts, Spanish hyphenation, page numbers) or
//! written as wrapped UTF-8 text.
//!
//! The facts on paper (diagnoses, drugs, controls) are taken from the
//! episode, never from the model's text.
//!
//! The crate is being built under the export issue.
