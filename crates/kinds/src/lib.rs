#![warn(missing_docs)]
//! Stable words. Error kinds: each library crate's `Error::kind()` returns an enum of
//! the stable snake_case words that `--format json` prints and the window
//! branches on, and the window's TypeScript union is generated from their
//! `ALL` lists. [`error_kind!`] writes such an enum once for every crate:
//! the variants with their words, `as_str`, `ALL`, `Display`, comparison
//! with a word, and `Serialize` as the word. A kind may also carry another
//! crate's kind as it is (the pipeline's errors wrap the store's).
//!
//! ```
//! kinds::error_kind! {
//!     /// Why a document could not be made.
//!     pub enum ErrorKind {
//!         /// The logo cannot be read.
//!         Logo => "logo",
//!         /// The file could not be written.
//!         Escritura => "escritura",
//!     }
//! }
//!
//! kinds::error_kind! {
//!     /// Why an action failed: its own kinds, or a document's.
//!     pub enum ActionKind {
//!         /// The episode has errors.
//!         EpisodioConErrores => "episodio_con_errores",
//!     }
//!     from {
//!         /// A document's failure, as it is.
//!         Document(ErrorKind),
//!     }
//! }
//!
//! let kind = ActionKind::Document(ErrorKind::Logo);
//! assert_eq!(kind, "logo");
//! assert_eq!(ActionKind::ALL, [ActionKind::EpisodioConErrores]);
//! assert_eq!(serde_json::to_string(&kind)?, "\"logo\"");
//! # Ok::<(), serde_json::Error>(())
//! ```

#[doc(hidden)]
pub use serde as __serde;

/// An enum whose values are stable words: a setting's value, a status, a
/// command-line flag's choices. The command line builds its flags' choices
/// from `ALL`, so a library's enum is the only list of them (no mirror enum
/// in the front ends).
///
/// ```
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// enum Paper { A4, Carta }
///
/// impl kinds::Word for Paper {
///     const ALL: &'static [Paper] = &[Paper::A4, Paper::Carta];
///     fn word(self) -> &'static str {
///         match self { Paper::A4 => "a4", Paper::Carta => "carta" }
///     }
/// }
///
/// use kinds::Word;
/// assert_eq!(Paper::from_word("carta"), Some(Paper::Carta));
/// assert_eq!(Paper::from_word("A5"), None);
/// ```
pub trait Word: Copy + 'static {
    /// Every value, in the order a list of choices shows them.
    const ALL: &'static [Self];

    /// The word, as serialised and typed.
    fn word(self) -> &'static str;

    /// The value `word` names; `None` for any other word.
    fn from_word(word: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|value| value.word() == word)
    }

    /// The words of [`Word::ALL`], joined for a message ("a4, carta").
    fn choices() -> String {
        Self::ALL
            .iter()
            .map(|value| value.word())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Writes an error-kind enum; see the crate documentation.
#[macro_export]
macro_rules! error_kind {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $word:literal ),+ $(,)?
        }
        $( from {
            $( $(#[$fmeta:meta])* $from:ident($inner:ty) ),+ $(,)?
        } )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            $( $( $(#[$fmeta])* $from($inner), )+ )?
        }

        impl $name {
            /// This enum's own kinds (a carried kind lists itself in its
            /// own crate), for the UI's generated union.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The word, as serialised.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )+
                    $( $( $name::$from(kind) => kind.as_str(), )+ )?
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Tests and tools compare kinds with their words.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    error_kind! {
        /// A test kind.
        pub enum Inner {
            /// One.
            Uno => "uno",
            /// Two.
            DosPalabras => "dos_palabras",
        }
    }

    error_kind! {
        /// A test kind carrying another.
        pub enum Outer {
            /// Three.
            Tres => "tres",
        }
        from {
            /// The inner one.
            Inner(Inner),
        }
    }

    #[test]
    fn words_lists_and_serialisation_agree() {
        assert_eq!(Inner::ALL, [Inner::Uno, Inner::DosPalabras]);
        for kind in Inner::ALL {
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::from(kind.as_str()))
            );
        }
        assert_eq!(Outer::ALL, [Outer::Tres]);
        assert_eq!(Outer::Inner(Inner::DosPalabras), "dos_palabras");
        assert_eq!(Outer::Inner(Inner::Uno).to_string(), "uno");
        assert_eq!(
            serde_json::to_string(&Outer::Tres).ok().as_deref(),
            Some("\"tres\"")
        );
    }
}
